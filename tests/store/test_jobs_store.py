"""The jobs table on both backends: one claimant wins, cancel, stale recovery, expiry, blobs."""

from __future__ import annotations

import threading

from api.store import jobs as rows

T0, T1, T2 = "2026-01-01T00:00:00.000Z", "2026-01-01T01:00:00.000Z", "2026-01-02T00:00:00.000Z"


def job(job_id: str, **extra) -> dict:
    return {"id": job_id, "plan": "tiny", "data_hash": "h1", "ruleset": "night-economy-street", "owner": "anna",
            "state": "queued", "options": {"crs": None, "attr_fields": {"merchants": "shops"}}, "filename": "s.geojson",
            "input": b"\x00{binary}\xff" * 1000, "total": 5, "done": 0, "created": T0, "expires": T2, **extra}


def test_insert_read_and_blobs(store):
    with store.write() as connection:
        rows.insert_job(connection, job("j1"))
    with store.read() as connection:
        record = rows.get_job(connection, "j1")
        assert record["options"]["attr_fields"] == {"merchants": "shops"} and "input" not in record
        assert rows.get_blob(connection, "j1", "input") == b"\x00{binary}\xff" * 1000
        assert rows.get_blob(connection, "j1", "result") is None
        assert rows.queued(connection, ["tiny"], 10) == ["j1"] and rows.queued(connection, ["other"], 10) == []


def test_exactly_one_of_many_claimants_wins(store):
    with store.write() as connection:
        rows.insert_job(connection, job("j1"))
    won: list[str] = []

    def claim(worker: str) -> None:
        with store.write() as connection:
            if rows.claim(connection, "j1", worker, T1):
                won.append(worker)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(won) == 1
    with store.read() as connection:
        record = rows.get_job(connection, "j1")
    assert record["state"] == "running" and record["worker"] == won[0] and record["attempts"] == 1


def test_cancel_progress_finish(store):
    with store.write() as connection:
        rows.insert_job(connection, job("q"))
        rows.insert_job(connection, job("r"))
        assert rows.claim(connection, "r", "w", T1)
        assert rows.request_cancel(connection, "q", T1) == "cancelled"
        assert rows.report_progress(connection, "r", "w", 2, T1) is False
        assert rows.request_cancel(connection, "r", T1) == "running"
        assert rows.report_progress(connection, "r", "w", 3, T1) is True
        assert rows.report_progress(connection, "r", "someone-else", 3, T1) is True
        assert rows.finish(connection, "r", "w", "cancelled", finished=T1)
        assert not rows.finish(connection, "r", "w", "done")  # over: nothing changes
        assert rows.delete_job(connection, "q") and not rows.delete_job(connection, "q")


def test_stale_jobs_are_queued_again_then_failed_and_expired_ones_removed(store):
    with store.write() as connection:
        rows.insert_job(connection, job("a"))
        rows.insert_job(connection, job("b", expires=T0))
        assert rows.claim(connection, "a", "dead", T0)
        assert rows.recover_stale(connection, T1, 2, T1) == (1, 0)
        assert rows.get_job(connection, "a")["state"] == "queued"
        assert rows.claim(connection, "a", "dead-again", T0)
        assert rows.recover_stale(connection, T1, 2, T1) == (0, 1)
        failed = rows.get_job(connection, "a")
        assert failed["state"] == "failed" and "interrupted" in failed["error"]
        assert rows.delete_expired(connection, T1) == 1  # b (queued, expired); a expires later
        assert rows.get_job(connection, "b") is None and rows.get_job(connection, "a") is not None
