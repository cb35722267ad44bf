"""HTTP: batch screening jobs — submit → poll → result equal to ``planmap screen``, cancel, permissions,
restart survival, expiry, refused input — on the tiny plan with a store in a temporary folder."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta

import geopandas as gpd
import pandas as pd
import pytest
import shapely
import sqlalchemy as sa
from fastapi.testclient import TestClient

from api.app import create_app
from api.cli import main
from api.settings import Settings
from api.store import jobs as job_rows
from api.store.schema import jobs as jobs_table
from tests.geo import tiny_plan as tp

RULESET = "night-economy-street"
BATCH = "/api/checks/batch"
OPTIONS = {"ruleset": RULESET, "attr_field": "merchants=shops", "param": "bus_stop_walk_m=300"}


def _sites() -> gpd.GeoDataFrame:
    rows = [("a", "主街", tp.STREET_M, 72), ("b", "短街", shapely.box(0, 0, 120, 6), 12),
            ("c", "北街", shapely.box(156, 120, 164, 560), None), ("d", "远街", shapely.box(600, 300, 900, 310), 40),
            ("f", "坏", shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)]), 3)]
    return gpd.GeoDataFrame({"id": [r[0] for r in rows], "name": [r[1] for r in rows],
                             "shops": pd.array([r[3] for r in rows], dtype="Int64")},
                            geometry=[tp.to_lonlat(r[2]) for r in rows], crs=4326)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("jobs")
    tp.write_plan(folder / "plans")
    _sites().to_file(folder / "sites.geojson")
    return folder


def _settings(folder, **extra) -> Settings:
    return Settings(plan="tiny", plans_dir=folder / "plans", data_dir=folder / "var", job_poll_seconds=0.05,
                    **extra)


@pytest.fixture(scope="module")
def app(folder):
    return create_app(_settings(folder))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(app, client) -> dict[str, dict[str, str]]:
    accounts = app.state.workbench.accounts
    made = {name: accounts.add_user(name, role) for name, role in
            (("anna", "planner"), ("bo", "planner"), ("vic", "viewer"), ("root", "admin"))}
    return {name: {"Authorization": f"Bearer {token}"} for name, token in made.items()}


def submit(client, headers, folder, data=None, **options):
    files = {"file": ("sites.geojson", data if data is not None else (folder / "sites.geojson").read_bytes(),
                      "application/geo+json")}
    return client.post(BATCH, files=files, data={**OPTIONS, **options}, headers=headers)


def wait(client, href, headers, timeout=30.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        document = client.get(href, headers=headers).json()
        if document["state"] in ("done", "failed", "cancelled"):
            return document
        time.sleep(0.05)
    raise AssertionError(f"job still {document['state']} after {timeout} s")


def _job_count(app) -> int:
    with app.state.workbench.store.read() as connection:
        return connection.execute(sa.select(sa.func.count()).select_from(jobs_table)).scalar_one()


def _cli(folder, monkeypatch, out) -> None:
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(folder / "plans"))
    monkeypatch.setenv("PLANMAP_CACHE_DIR", "off")
    code = main(["screen", str(folder / "sites.geojson"), "--ruleset", RULESET, "--plan", "tiny", "--out", str(out),
                 "--attr-field", "merchants=shops", "--param", "bus_stop_walk_m=300", "--workers", "1", "--quiet"])
    assert code == 0


def test_submit_poll_and_result_equal_planmap_screen(client, tokens, folder, tmp_path, monkeypatch):
    response = submit(client, tokens["anna"], folder)
    assert response.status_code == 202, response.text
    job = response.json()
    assert response.headers["location"].endswith(f"/api/jobs/{job['id']}")
    assert job["plan"] == "tiny" and job["ruleset"] == RULESET and job["progress"]["total"] == 5
    assert job["data_hash"] == client.app.state.plans.default.data_hash
    done = wait(client, response.headers["location"], tokens["anna"])
    assert done["state"] == "done", done
    assert done["progress"]["done"] == 5 and done["counts"]["sites"] == 5 and done["counts"]["error"] == 1
    assert {link["href"].rsplit("=", 1)[1] for link in done["links"] if link["rel"] == "enclosure"} == \
        {"gpkg", "csv", "geojson"}
    for suffix in ("csv", "gpkg", "geojson"):
        got = client.get(f"/api/jobs/{job['id']}/result?f={suffix}", headers=tokens["anna"])
        assert got.status_code == 200, got.text
        out = tmp_path / f"cli.{suffix}"
        _cli(folder, monkeypatch, out)
        if suffix == "csv":
            assert got.content == out.read_bytes()  # byte for byte
            continue
        path = tmp_path / f"api.{suffix}"
        path.write_bytes(got.content)
        api_frame, cli_frame = gpd.read_file(path), gpd.read_file(out)
        assert list(api_frame["input_id"]) == list("abcdf")
        pd.testing.assert_frame_equal(api_frame, cli_frame)
    assert client.get(f"/api/jobs/{job['id']}/result?f=xls", headers=tokens["anna"]).status_code == 400


def test_feature_collection_body_and_plan_prefix(client, tokens, folder):
    body = (folder / "sites.geojson").read_bytes()
    response = client.post(f"/plans/tiny{BATCH}?ruleset={RULESET}&attr_field=merchants=shops", content=body,
                           headers={**tokens["bo"], "Content-Type": "application/geo+json"})
    assert response.status_code == 202, response.text
    assert "/plans/tiny/api/jobs/" in response.headers["location"]
    done = wait(client, response.headers["location"], tokens["bo"])
    assert done["state"] == "done" and done["attr_fields"] == {"merchants": "shops"}
    rows = client.get(f"/api/jobs/{done['id']}/result", headers=tokens["bo"]).json()["features"]
    assert [f["properties"]["input_id"] for f in rows] == list("abcdf")


def test_accounts_and_owners(client, tokens, folder):
    assert submit(client, {}, folder).status_code == 401
    denied = submit(client, tokens["vic"], folder)
    assert denied.status_code == 403 and denied.json()["code"] == "Forbidden"
    job = submit(client, tokens["anna"], folder).json()
    href = f"/api/jobs/{job['id']}"
    assert client.get(href).status_code == 401
    other = client.get(href, headers=tokens["bo"])
    assert other.status_code == 403 and set(other.json()) == {"code", "description", "status"}
    assert client.get(href, headers=tokens["vic"]).status_code == 403
    assert client.delete(href, headers=tokens["bo"]).status_code == 403
    assert client.get(href, headers=tokens["root"]).status_code == 200  # an admin sees every job
    assert client.get("/api/jobs/nope", headers=tokens["anna"]).status_code == 404
    wait(client, href, tokens["anna"])


@pytest.mark.parametrize(("data", "options", "status", "code"), [
    (b"not a geo file at all", {}, 400, "InvalidFile"),
    (b"", {}, 400, "InvalidFile"),
    (None, {"ruleset": "no-such-ruleset"}, 400, "InvalidParameter"),
    (None, {"ruleset": ""}, 400, "InvalidParameter"),
    (None, {"attr_field": "merchants=no_column"}, 400, "InvalidParameter"),
    (None, {"attr_field": "nonsense"}, 400, "InvalidParameter"),
    (None, {"crs": "EPSG:99999999"}, 400, "InvalidFile"),
])
def test_bad_input_is_refused_and_nothing_stored(app, client, tokens, folder, data, options, status, code):
    before = _job_count(app)
    response = submit(client, tokens["anna"], folder, data=data, **options)
    assert response.status_code == status, response.text
    assert response.json()["code"] == code and response.json()["status"] == status
    assert _job_count(app) == before


def test_bad_bodies(client, tokens):
    for content, kind in ((b"{nope", "application/json"), (b'{"type": "Feature"}', "application/json"),
                          (b"x", "text/plain")):
        response = client.post(f"{BATCH}?ruleset={RULESET}", content=content,
                               headers={**tokens["anna"], "Content-Type": kind})
        assert response.status_code == 400 and response.json()["code"] == "InvalidParameter", response.text
    empty = client.post(BATCH, data={"ruleset": RULESET}, files={"other": ("x", b"y")}, headers=tokens["anna"])
    assert empty.status_code == 400


def test_cancel_queued_and_running_then_remove(folder, tmp_path):
    settings = Settings(plan="tiny", plans_dir=folder / "plans", data_dir=tmp_path / "var", job_poll_seconds=3600)
    app = create_app(settings)
    with TestClient(app) as client:
        token = {"Authorization": f"Bearer {app.state.workbench.accounts.add_user('anna', 'planner')}"}
        runner, service = app.state.jobs, app.state.plans.default
        user = app.state.workbench.accounts.by_token(token["Authorization"].split()[1])
        data = (folder / "sites.geojson").read_bytes()
        # submitted without waking the runner (it looks again only in an hour): stays queued
        queued = runner.jobs.submit(service, user, data, "sites.geojson", RULESET)
        assert client.get(f"/api/jobs/{queued['id']}/result", headers=token).status_code == 409
        cancelled = client.delete(f"/api/jobs/{queued['id']}", headers=token)
        assert cancelled.status_code == 202 and cancelled.json()["state"] == "cancelled"
        assert client.get(f"/api/jobs/{queued['id']}/result", headers=token).json()["code"] == "Conflict"
        # running: the cancel is asked for, the worker stops at its next progress report
        running = runner.jobs.submit(service, user, data, "sites.geojson", RULESET)
        with app.state.workbench.store.write() as connection:
            assert job_rows.claim(connection, running["id"], runner.worker, "2026-01-01T00:00:00.000Z")
        with app.state.workbench.store.write() as connection:  # a second claimant loses
            assert not job_rows.claim(connection, running["id"], "other", "2026-01-01T00:00:00.000Z")
        asked = client.delete(f"/api/jobs/{running['id']}", headers=token).json()
        assert asked["state"] == "running" and asked["cancel_requested"]
        runner._run(running["id"])
        assert client.get(f"/api/jobs/{running['id']}", headers=token).json()["state"] == "cancelled"
        # a finished job is removed
        assert client.delete(f"/api/jobs/{running['id']}", headers=token).status_code == 204
        assert client.get(f"/api/jobs/{running['id']}", headers=token).status_code == 404


def test_jobs_survive_a_restart_and_dead_workers_jobs_resume(folder, tmp_path):
    settings = Settings(plan="tiny", plans_dir=folder / "plans", data_dir=tmp_path / "var", job_poll_seconds=0.05)
    data = (folder / "sites.geojson").read_bytes()
    first = create_app(settings)
    with TestClient(first) as client:
        token = {"Authorization": f"Bearer {first.state.workbench.accounts.add_user('anna', 'planner')}"}
        files = {"file": ("sites.geojson", data)}
        done = wait(client, client.post(BATCH, files=files, data=OPTIONS, headers=token).headers["location"], token)
        before = client.get(f"/api/jobs/{done['id']}/result?f=csv", headers=token).content
        # a job left running by a process that died (its heartbeat is old)
        user = first.state.workbench.accounts.by_token(token["Authorization"].split()[1])
        first.state.jobs.close()  # no more claims by this process
        orphan = first.state.jobs.jobs.submit(first.state.plans.default, user, data, "sites.geojson", RULESET)
        with first.state.workbench.store.write() as connection:
            assert job_rows.claim(connection, orphan["id"], "dead-host:1:x", "2000-01-01T00:00:00.000Z")
    second = create_app(settings)  # the same store file
    with TestClient(second) as client:
        again = client.get(f"/api/jobs/{done['id']}", headers=token).json()
        assert again["state"] == "done" and again["counts"] == done["counts"]
        assert client.get(f"/api/jobs/{done['id']}/result?f=csv", headers=token).content == before
        resumed = wait(client, f"/api/jobs/{orphan['id']}", token)
        assert resumed["state"] == "done" and resumed["progress"]["done"] == 5
        with second.state.workbench.store.read() as connection:
            assert job_rows.get_job(connection, orphan["id"])["attempts"] == 2


def test_expired_jobs_are_removed(client, tokens, folder, app):
    job = submit(client, tokens["anna"], folder).json()
    wait(client, f"/api/jobs/{job['id']}", tokens["anna"])
    expires = datetime.fromisoformat(client.get(f"/api/jobs/{job['id']}", headers=tokens["anna"])
                                     .json()["expires"].replace("Z", "+00:00"))
    assert timedelta(hours=71.9) < expires - datetime.now(UTC) <= timedelta(hours=72)
    assert app.state.jobs.cleanup() == 0
    assert app.state.jobs.cleanup(now=expires + timedelta(seconds=1)) >= 1
    assert client.get(f"/api/jobs/{job['id']}", headers=tokens["anna"]).status_code == 404


def test_openapi_lists_the_job_routes(client):
    paths = client.get("/api").json()["paths"]
    assert {BATCH, "/api/jobs/{job_id}", "/api/jobs/{job_id}/result"} <= set(paths)
    assert json.dumps(paths[BATCH]).count("202") >= 1


def test_a_clean_stop_hands_running_jobs_back(folder, tmp_path):
    settings = Settings(plan="tiny", plans_dir=folder / "plans", data_dir=tmp_path / "var", job_poll_seconds=3600)
    app = create_app(settings)
    with TestClient(app) as client:
        token = app.state.workbench.accounts.add_user("anna", "planner")
        user = app.state.workbench.accounts.by_token(token)
        runner = app.state.jobs
        job = runner.jobs.submit(app.state.plans.default, user, (folder / "sites.geojson").read_bytes(),
                                 "sites.geojson", RULESET)
        with app.state.workbench.store.write() as connection:  # claimed, its run not begun yet
            assert job_rows.claim(connection, job["id"], runner.worker, "2026-01-01T00:00:00.000Z")
        runner._running.add(job["id"])
        runner.close()
        assert client.get(f"/api/jobs/{job['id']}", headers={"Authorization": f"Bearer {token}"}
                          ).json()["state"] == "queued"
        with app.state.workbench.store.write() as connection:  # claimed and running when the stop comes
            assert job_rows.claim(connection, job["id"], runner.worker, "2026-01-01T00:00:00.000Z")
        runner._run(job["id"])  # stops at its first progress report
        with app.state.workbench.store.read() as connection:
            record = job_rows.get_job(connection, job["id"])
        assert record["state"] == "queued" and record["worker"] is None and record["done"] == 0
