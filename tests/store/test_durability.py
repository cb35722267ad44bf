"""Nothing lost: concurrent writers and ``kill -9`` of a real ``uvicorn`` during writes, on both backends.

Bounded in time (``PLANMAP_STRESS_SECONDS``, default 4 s of writing); the README gives the figures of the
30-second run (``python -m tests.store.stress``).
"""

from __future__ import annotations

import os
import threading
import time

from api.store import Store
from tests.store.stress import Outcome, Server, setup, stored_names, write_for

SECONDS = float(os.environ.get("PLANMAP_STRESS_SECONDS", "4"))
WRITERS = 50


def _database_url(backend_url: str) -> tuple[str | None, str]:
    return (None, "") if backend_url.startswith("sqlite") else (backend_url, backend_url)


def test_fifty_concurrent_writers_lose_and_duplicate_nothing(backend_url, tmp_path):
    url, _ = _database_url(backend_url)
    plans, data, token = setup(tmp_path, url)
    server = Server(plans, data, url, tmp_path / "server.log")
    server.start()
    try:
        server.warm_up(token)
        outcome = write_for(server.url, token, writers=WRITERS, seconds=SECONDS)
    finally:
        server.stop()
    assert not outcome.failures, (outcome.failures, (tmp_path / "server.log").read_text()[-3000:])
    assert len(outcome.acknowledged) > 0
    print(f"{WRITERS} writers, {outcome.seconds:.1f} s: {len(outcome.acknowledged)} acknowledged")
    store = Store.open(url, data)
    try:
        names = stored_names(store)
        names.pop("warm-up")
        assert {n for n, count in names.items() if count > 1} == set()  # none duplicated
        assert set(outcome.acknowledged) <= set(names)  # none lost
        assert sum(names.values()) == len(outcome.acknowledged)
        assert store.integrity_check() == []
    finally:
        store.close()


def test_kill_9_during_writes_keeps_every_acknowledged_write(backend_url, tmp_path):
    url, _ = _database_url(backend_url)
    plans, data, token = setup(tmp_path, url)
    server = Server(plans, data, url, tmp_path / "server.log")
    server.start()
    server.warm_up(token)
    stop = threading.Event()
    outcome = Outcome()
    writers = threading.Thread(target=write_for, args=(server.url, token),
                               kwargs={"writers": 20, "seconds": SECONDS + 90, "stop": stop, "outcome": outcome})
    writers.start()
    deadline = time.monotonic() + 60
    while len(outcome.acknowledged) < 40 and time.monotonic() < deadline:  # writes are flowing
        time.sleep(0.05)
    time.sleep(SECONDS / 4)
    server.kill9()  # while 20 writers are mid-request
    stop.set()
    writers.join(timeout=120)
    assert len(outcome.acknowledged) >= 40 and outcome.failures  # some requests were cut by the kill
    print(f"kill -9 after {len(outcome.acknowledged)} acknowledged writes; cut: {dict(outcome.failures)}")
    restarted = Server(plans, data, url, tmp_path / "server2.log")
    restarted.start()
    try:
        import httpx

        with httpx.Client(base_url=restarted.url, headers={"Authorization": f"Bearer {token}"}) as client:
            for name, site_id in outcome.acknowledged.items():
                response = client.get(f"/collections/sites/items/{site_id}")
                assert response.status_code == 200 and response.json()["properties"]["name"] == name
    finally:
        restarted.stop()
    store = Store.open(url, data)
    try:
        assert store.integrity_check() == []
        names = stored_names(store)
        assert max(names.values()) == 1 and set(outcome.acknowledged) <= set(names)
    finally:
        store.close()
