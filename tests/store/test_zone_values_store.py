"""The zone_values table (migration 0003) on both backends: versions, the current value, withdrawal, a
simultaneous save refused rather than lost, upgrade of a 0002 store, backup and restore."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from alembic import command

from api.store import ConflictError, Store
from api.store import zone_values as rows
from api.store.backup import backup, restore
from api.store.db import _alembic_config

T0, T1, T2 = "2026-01-01T00:00:00.000Z", "2026-01-01T01:00:00.000Z", "2026-01-02T00:00:00.000Z"


def test_versions_and_the_current_value(store):
    with store.write() as connection:
        assert rows.insert(connection, plan="tiny", zone_id="ne-street", attribute="merchants", value=70,
                           author="anna", saved=T0) == 1
        assert rows.insert(connection, plan="tiny", zone_id="ne-street", attribute="merchants", value=72,
                           author="bo", saved=T1, note="复核") == 2
        rows.insert(connection, plan="tiny", zone_id="ne-street", attribute="formats", value=["购物", "餐饮"],
                    author="anna", saved=T1)
        rows.insert(connection, plan="tiny", zone_id="ls-short", attribute="smart_parking", value=True,
                    author="anna", saved=T1)
        rows.insert(connection, plan="other", zone_id="ne-street", attribute="merchants", value=5, author="x",
                    saved=T2)
    with store.read() as connection:
        now = {(r["zone_id"], r["attribute"]): r for r in rows.current(connection, "tiny")}
        assert set(now) == {("ne-street", "merchants"), ("ne-street", "formats"), ("ls-short", "smart_parking")}
        latest = now["ne-street", "merchants"]
        assert (latest["value"], latest["version"], latest["author"], latest["note"]) == (72, 2, "bo", "复核")
        assert now["ne-street", "formats"]["value"] == ["购物", "餐饮"] and now["ls-short", "smart_parking"]["value"] is True
        assert [r["zone_id"] for r in rows.current(connection, "tiny", ["ls-short"])] == ["ls-short"]
        assert [r["value"] for r in rows.history(connection, "tiny", "ne-street") if r["attribute"] == "merchants"] == [70, 72]
    with store.write() as connection:  # withdrawing is a version too
        rows.insert(connection, plan="tiny", zone_id="ne-street", attribute="merchants", value=None, author="anna",
                    saved=T2)
    with store.read() as connection:
        latest = next(r for r in rows.current(connection, "tiny") if r["attribute"] == "merchants")
        assert latest["value"] is None and latest["version"] == 3


def test_a_taken_version_is_a_conflict_not_a_lost_write(store):
    with store.write() as connection:
        rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=1, author="a", saved=T0)
        rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=2, author="b", saved=T1)
    # a second writer that read version 1 as the newest one also takes version 2
    with pytest.raises(ConflictError, match="reload"), store.write() as connection:
        rows.insert(connection, plan="tiny", zone_id="z", attribute="formats", value=["购物"], author="c", saved=T2)
        rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=3, author="c", saved=T2,
                    version=2)
    with store.read() as connection:  # the failed transaction left nothing, not even its first value
        assert [(r["attribute"], r["value"]) for r in rows.history(connection, "tiny", "z")] == [
            ("merchants", 1), ("merchants", 2)]


def test_many_planners_saving_at_once_lose_nothing(store):
    errors: list[Exception] = []

    def save(author: str) -> None:
        for _ in range(5):
            while True:
                try:
                    with store.write() as connection:
                        rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=author,
                                    author=author, saved=T0)
                    break
                except ConflictError:
                    continue
                except Exception as exc:  # noqa: BLE001 - reported below
                    errors.append(exc)
                    return

    threads = [threading.Thread(target=save, args=(f"p{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with store.read() as connection:
        versions = [r["version"] for r in rows.history(connection, "tiny", "z")]
    assert sorted(versions) == list(range(1, 21))


def test_a_0002_store_is_upgraded_and_backed_up_with_its_values(backend_url, tmp_path):
    first = Store.open(backend_url, migrate=False)
    with first.engine.connect() as connection:
        command.upgrade(_alembic_config(connection), "0002")
        if connection.in_transaction():
            connection.commit()
    assert first.revision() == "0002"
    assert "zone_values" not in sa.inspect(first.engine).get_table_names()
    first.migrate()
    assert first.revision() == "0003" and "zone_values" in sa.inspect(first.engine).get_table_names()
    with first.write() as connection:
        rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=80, author="a", saved=T0)
    counts = backup(first, tmp_path / "b.gpkg")
    assert counts["zone_values"] == 1
    with first.write() as connection:
        rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=90, author="a", saved=T1)
    restore(first, tmp_path / "b.gpkg")
    with first.read() as connection:
        assert [r["value"] for r in rows.current(connection, "tiny")] == [80]
    with first.write() as connection:  # versions and ids go on after a restore
        assert rows.insert(connection, plan="tiny", zone_id="z", attribute="merchants", value=91, author="a",
                           saved=T2) == 2
    assert first.integrity_check() == []
    first.close()
