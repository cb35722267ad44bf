"""The store on both backends: migrations, sites with versions, optimistic locking, accounts, backup/restore."""

from __future__ import annotations

import sqlite3
import subprocess
import warnings

import pytest
import shapely

from api.service.accounts import Accounts, AuthenticationError
from api.store import Store, StoreError
from api.store import repository as repo
from api.store.backup import backup, restore
from api.store.geometry import from_gpkg_blob, to_gpkg_blob

SQUARE = shapely.box(121.62, 38.915, 121.623, 38.9165)


def site(site_id: str = "a1b2c3d4e5f6", **extra) -> dict:
    stamp = repo.now()
    return {"id": site_id, "plan": "tiny", "name": "夜市街 A", "note": "", "ruleset": "night-economy-street",
            "attributes": {"merchants": 72}, "parameters": {}, "overall": "fail", "report": {"overall": "fail"},
            "report_schema": 1, "data_hash": "h1", "data_date": "2025-01-01", "author": "anna",
            "created": stamp, "updated": stamp, "updated_by": "anna", "version": 1, "geometry": SQUARE, **extra}


def test_gpkg_blob_round_trip_keeps_coordinates_and_envelope():
    blob = to_gpkg_blob(SQUARE)
    assert blob[:2] == b"GP" and int.from_bytes(blob[4:8], "little") == 4326
    assert from_gpkg_blob(blob).equals(SQUARE)
    assert from_gpkg_blob(to_gpkg_blob(shapely.Point())).is_empty


def test_migrations_reach_head_and_reopen_is_a_no_op(backend_url):
    first = Store.open(backend_url)
    assert first.revision() == Store.head() == "0003"
    first.close()
    again = Store.open(backend_url)
    assert again.revision() == "0003" and again.integrity_check() == []
    again.close()


def test_sites_versions_and_optimistic_locking(store):
    with store.write() as connection:
        repo.insert_site(connection, site())
    with store.write() as connection:
        updated = repo.update_site(connection, "a1b2c3d4e5f6", 1, {"name": "夜市街 B"}, editor="bo", action="update")
        stale = repo.update_site(connection, "a1b2c3d4e5f6", 1, {"name": "夜市街 C"}, editor="cy", action="update")
    assert updated["version"] == 2 and updated["name"] == "夜市街 B" and stale is None
    with store.read() as connection:
        versions = repo.site_versions_of(connection, "a1b2c3d4e5f6")
        found, total = repo.list_sites(connection, plan="tiny", q="市街")
    assert [(v["version"], v["name"], v["editor"]) for v in versions] == [(1, "夜市街 A", "anna"), (2, "夜市街 B", "bo")]
    assert versions[0]["geometry"].equals(SQUARE) and versions[0]["attributes"] == {"merchants": 72}
    assert total == 1 and found[0]["geometry"].equals(SQUARE)
    assert store.integrity_check() == []


def test_a_failed_write_leaves_nothing(store):
    with pytest.raises(RuntimeError), store.write() as connection:
        repo.insert_site(connection, site("ffffffffffff"))
        raise RuntimeError("crash in the middle")
    with store.read() as connection:
        assert repo.get_site(connection, "ffffffffffff") is None
        assert repo.site_versions_of(connection, "ffffffffffff") == []


def test_accounts_tokens_passwords_sessions(store):
    accounts = Accounts(store)
    token = accounts.add_user("anna", "planner", "correct horse")
    assert accounts.by_token(token).name == "anna" and accounts.by_token(token).role == "planner"
    with pytest.raises(AuthenticationError):
        accounts.by_token(token + "x")
    with pytest.raises(AuthenticationError):
        accounts.login("anna", "wrong password")
    with pytest.raises(AuthenticationError):
        accounts.login("nobody", "whatever1")
    session, csrf, user = accounts.login("anna", "correct horse")
    assert accounts.by_session(session) == user and user.csrf == csrf
    accounts.logout(session)
    assert accounts.by_session(session) is None
    with store.read() as connection:
        stored = repo.get_user(connection, "anna")
        actions = [e["action"] for e in repo.audit_entries(connection)]
    assert stored["password_hash"].startswith("$argon2id$") and token not in str(stored)
    assert actions[-1] == "user.add" and "login" in actions


def test_backup_and_restore_round_trip_across_backends(store, tmp_path):
    accounts = Accounts(store)
    accounts.add_user("anna", "planner")
    with store.write() as connection:
        repo.insert_site(connection, site())
        repo.update_site(connection, "a1b2c3d4e5f6", 1, {"note": "改"}, editor="anna", action="update")
    counts = backup(store, tmp_path / "backup.gpkg")
    assert counts["sites"] == 1 and counts["site_versions"] == 2 and counts["users"] == 1
    with pytest.raises(StoreError):
        backup(store, tmp_path / "backup.gpkg")  # never overwrites
    with store.write() as connection:  # changes after the backup are undone by the restore
        repo.insert_site(connection, site("0123456789ab"))
    restore(store, tmp_path / "backup.gpkg")
    with store.read() as connection:
        assert [s["id"] for s in repo.list_sites(connection)[0]] == ["a1b2c3d4e5f6"]
        assert repo.get_site(connection, "a1b2c3d4e5f6")["note"] == "改"
    assert store.integrity_check() == []
    with store.write() as connection:  # ids continue after a restore (PostgreSQL sequences reset)
        repo.insert_site(connection, site("0123456789ab"))
    # the backup is a GeoPackage store a GIS reads
    with sqlite3.connect(tmp_path / "backup.gpkg") as raw:
        assert raw.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47


def test_geopackage_store_opens_in_gdal(tmp_path):
    store = Store.open(None, tmp_path)
    with store.write() as connection:
        repo.insert_site(connection, site())
    store.checkpoint()
    import pyogrio

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        frame = pyogrio.read_dataframe(tmp_path / "planmap.gpkg", layer="sites")
    assert list(frame["name"]) == ["夜市街 A"] and frame.crs.to_epsg() == 4326
    assert frame.geometry.iloc[0].equals(SQUARE)
    with sqlite3.connect(tmp_path / "planmap.gpkg") as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    try:
        out = subprocess.run(["ogrinfo", "-ro", "-so", str(tmp_path / "planmap.gpkg"), "sites"], capture_output=True,
                             text=True, timeout=60)
    except FileNotFoundError:
        return
    assert out.returncode == 0 and "Feature Count: 1" in out.stdout and "using driver `GPKG'" in out.stdout
    store.close()


def test_bad_database_url_names_the_problem():
    with pytest.raises(StoreError, match="unsupported PLANMAP_DATABASE_URL 'mysql'"):
        Store.open("mysql://user@host/db")
