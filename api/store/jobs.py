"""Rows of the ``jobs`` table (batch screening jobs). Functions take an open connection (a transaction of
:class:`api.store.db.Store`); they know the table, not the use case.

A job moves ``queued`` → ``running`` → ``done`` | ``failed`` | ``cancelled`` (or ``queued`` → ``cancelled``).
Claiming is one conditional ``UPDATE … WHERE state = 'queued'``: of several service processes that try to
claim the same job, exactly one changes a row (both backends), so no job runs twice at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.store.schema import jobs

#: states in which a job is over (its row may be removed)
FINAL_STATES = ("done", "failed", "cancelled")
_BLOBS = ("input", "result")
_LIGHT = [c for c in jobs.c if c.name not in _BLOBS]


def _decode(row: Any) -> dict[str, Any]:
    record = dict(row._mapping)
    for name in ("options", "counts"):
        if isinstance(record.get(name), str):
            record[name] = json.loads(record[name])
    return record


def insert_job(connection: Connection, record: Mapping[str, Any]) -> None:
    """Insert a new job (state ``queued``) with its input file."""
    row = dict(record)
    row["options"] = json.dumps(row.get("options") or {}, ensure_ascii=False, sort_keys=True)
    connection.execute(sa.insert(jobs).values(**row))


def get_job(connection: Connection, job_id: str) -> dict[str, Any] | None:
    """The job without its blobs (None when there is no such job)."""
    row = connection.execute(sa.select(*_LIGHT).where(jobs.c.id == job_id)).first()
    return _decode(row) if row is not None else None


def get_blob(connection: Connection, job_id: str, name: str) -> bytes | None:
    """The job's ``input`` or ``result`` bytes."""
    if name not in _BLOBS:
        raise ValueError(name)
    value = connection.execute(sa.select(jobs.c[name]).where(jobs.c.id == job_id)).scalar_one_or_none()
    return bytes(value) if value is not None else None


def queued(connection: Connection, plans: Iterable[str], limit: int) -> list[str]:
    """Ids of queued jobs of ``plans``, oldest first."""
    rows = connection.execute(sa.select(jobs.c.id).where(jobs.c.state == "queued", jobs.c.plan.in_(list(plans)))
                              .order_by(jobs.c.created, jobs.c.id).limit(limit))
    return [row[0] for row in rows]


def claim(connection: Connection, job_id: str, worker: str, stamp: str) -> bool:
    """Take a queued job for ``worker`` (atomic: True for exactly one claimant)."""
    result = connection.execute(sa.update(jobs).where(jobs.c.id == job_id, jobs.c.state == "queued").values(
        state="running", worker=worker, started=stamp, heartbeat=stamp, done=0, attempts=jobs.c.attempts + 1))
    return result.rowcount == 1


def report_progress(connection: Connection, job_id: str, worker: str, done: int, stamp: str) -> bool:
    """Record progress (and the heartbeat) of a running job; True when a cancel was asked for or the job is
    no longer this worker's."""
    result = connection.execute(sa.update(jobs).where(jobs.c.id == job_id, jobs.c.worker == worker,
                                                      jobs.c.state == "running")
                                .values(done=done, heartbeat=stamp))
    if result.rowcount != 1:
        return True
    return bool(connection.execute(sa.select(jobs.c.cancel).where(jobs.c.id == job_id)).scalar_one())


def heartbeat(connection: Connection, worker: str, stamp: str) -> None:
    """Mark every running job of ``worker`` alive."""
    connection.execute(sa.update(jobs).where(jobs.c.worker == worker, jobs.c.state == "running")
                       .values(heartbeat=stamp))


def finish(connection: Connection, job_id: str, by: str, state: str, **values: Any) -> bool:
    """End a running job of worker ``by`` as ``state`` (done, failed, cancelled) or hand it back (queued, with
    ``worker=None``)."""
    if "counts" in values and values["counts"] is not None:
        values["counts"] = json.dumps(values["counts"], sort_keys=True)
    result = connection.execute(sa.update(jobs).where(jobs.c.id == job_id, jobs.c.worker == by,
                                                      jobs.c.state == "running")
                                .values(state=state, **values))
    return result.rowcount == 1


def request_cancel(connection: Connection, job_id: str, stamp: str) -> str | None:
    """Cancel a queued job at once, or ask its worker to stop a running one. The state after (None: none)."""
    connection.execute(sa.update(jobs).where(jobs.c.id == job_id, jobs.c.state == "queued")
                       .values(state="cancelled", finished=stamp))
    connection.execute(sa.update(jobs).where(jobs.c.id == job_id, jobs.c.state == "running").values(cancel=1))
    return connection.execute(sa.select(jobs.c.state).where(jobs.c.id == job_id)).scalar_one_or_none()


def delete_job(connection: Connection, job_id: str) -> bool:
    """Remove a job that is over."""
    result = connection.execute(sa.delete(jobs).where(jobs.c.id == job_id, jobs.c.state.in_(FINAL_STATES)))
    return result.rowcount == 1


def recover_stale(connection: Connection, before: str, max_attempts: int, stamp: str) -> tuple[int, int]:
    """Running jobs whose heartbeat is older than ``before`` (their process died): queued again while they
    have had fewer than ``max_attempts`` runs, else failed. Returns (re-queued, failed)."""
    stale = (jobs.c.state == "running") & (jobs.c.heartbeat < before)
    failed = connection.execute(sa.update(jobs).where(stale, jobs.c.attempts >= max_attempts).values(
        state="failed", finished=stamp, worker=None,
        error=f"interrupted {max_attempts} times (the service stopped while it ran)")).rowcount
    requeued = connection.execute(sa.update(jobs).where(stale, jobs.c.attempts < max_attempts).values(
        state="queued", worker=None, done=0)).rowcount
    return requeued, failed


def delete_expired(connection: Connection, stamp: str) -> int:
    """Remove jobs whose ``expires`` time is past and that are not running; the number removed."""
    return connection.execute(sa.delete(jobs).where(jobs.c.expires < stamp, jobs.c.state != "running")).rowcount
