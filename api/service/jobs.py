"""Batch screening jobs: the API's ``planmap screen``, kept in the store and run in the background.

A planner submits a site file (or a GeoJSON FeatureCollection) with a ruleset; the file is read and the job
validated *before* anything is stored (a bad file, ruleset or column mapping is refused, nothing half-stored),
then one row goes into ``jobs`` with the file's bytes, the plan id and the plan's data hash. A
:class:`JobRunner` (one per service process, on ``app.state.jobs``) claims queued jobs with an atomic update,
screens them with :func:`api.service.screening.screen` on a bounded thread pool, records progress, and stores
the result rows as GeoParquet; the result is written in the asked format by
:func:`api.service.screening.write_result`, so it equals ``planmap screen`` feature for feature.

Rules
-----
* Submitting needs a planner; a job is read, downloaded, cancelled and removed by its owner or an admin
  (others get 403). Jobs are seen only through their plan (``/plans/{id}/api/jobs/…``; other plans: 404).
* A job survives a restart: a job that was running when its process stopped cleanly is queued again at once;
  one whose process died is queued again when its heartbeat is older than ``PLANMAP_JOB_STALE_SECONDS``,
  at most :data:`MAX_ATTEMPTS` runs in all, then failed. Several processes share the queue (polling the store).
* A job expires ``PLANMAP_JOB_TTL_HOURS`` after it was submitted or, once over, after it finished; the runner
  removes expired jobs, and an expired job reads as absent (404) until then.
"""

from __future__ import annotations

import io
import logging
import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import geopandas as gpd

from api.service.accounts import PermissionDeniedError, User
from api.service.errors import BadRequestError, NotFoundError
from api.service.screening import ScreeningJob, ScreeningResult, screen, write_result
from api.store import ConflictError, Store
from api.store import jobs as rows
from api.store.db import STORE_FILE
from layers.imports import read_site_file, sites_frame

logger = logging.getLogger("planmap.jobs")

#: result formats: (file suffix, media type)
RESULT_FORMATS = {"gpkg": (".gpkg", "application/geopackage+sqlite3"), "csv": (".csv", "text/csv; charset=utf-8"),
                  "geojson": (".geojson", "application/geo+json")}
#: runs a job gets in all (a job whose process keeps dying is failed, not retried for ever)
MAX_ATTEMPTS = 2
STATES = ("queued", "running", "done", "failed", "cancelled")


class JobCancelledError(Exception):
    """Raised inside a run when its job was cancelled (or taken away)."""


class JobInterruptedError(Exception):
    """Raised inside a run when the service stops: the job goes back to the queue."""


def _stamp(at: datetime | None = None) -> str:
    return (at or datetime.now(UTC)).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _read(data: bytes, filename: str, crs: str | None, *, max_bytes: int | None = None,
          max_features: int | None = None) -> gpd.GeoDataFrame:
    """The sites of an uploaded batch file, as ``planmap screen`` reads a file on disk."""
    return sites_frame(read_site_file(data, filename, crs, max_features=max_features, max_bytes=max_bytes,
                                      any_epsg=True))


class JobService:
    """The job use cases over one store, for the plans one process serves.

    Parameters
    ----------
    store
        The workbench store.
    ttl_hours
        Hours a job is kept (``PLANMAP_JOB_TTL_HOURS``).
    max_bytes, max_features
        Limits of a submitted file.
    """

    def __init__(self, store: Store, *, ttl_hours: float = 72.0, max_bytes: int | None = None,
                 max_features: int | None = None) -> None:
        self.store = store
        self.ttl = timedelta(hours=ttl_hours)
        self.max_bytes = max_bytes
        self.max_features = max_features

    # ------------------------------------------------------------------ submit
    def submit(self, service: Any, user: User, data: bytes, filename: str, ruleset: str | None, *,
               crs: str | None = None, attr_fields: Mapping[str, str] | None = None,
               parameters: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """Validate a batch file and queue its screening.

        Parameters
        ----------
        service
            The plan's :class:`~api.service.plans.PlanService`.
        user
            Who submits (a planner or above).
        data, filename
            The file (any format the site import reads; the name helps recognise it).
        ruleset, crs, attr_fields, parameters
            As ``planmap screen --ruleset --crs --attr-field --param``.

        Returns
        -------
        The stored job (without its blobs).

        Raises
        ------
        PermissionDeniedError, BadRequestError, ImportFileError, ImportTooLargeError
            Nothing is stored then.
        """
        user.require("planner")
        if not ruleset or not str(ruleset).strip():
            raise BadRequestError("ruleset: 必填 required (a ruleset id, see /api/rulesets)")
        job = ScreeningJob.for_plan(service, ruleset.strip(), attr_fields, parameters)
        sites = _read(data, filename, crs, max_bytes=self.max_bytes, max_features=self.max_features)
        job.check_fields(sites, "attr_field")
        now = datetime.now(UTC)
        record = {
            "id": secrets.token_hex(8), "plan": service.plan_id, "data_hash": service.data_hash,
            "ruleset": job.ruleset.id, "owner": user.name, "state": "queued", "filename": filename,
            "options": {"crs": crs, "attr_fields": dict(attr_fields or {}), "parameters": dict(parameters or {})},
            "input": data, "total": len(sites), "done": 0, "created": _stamp(now), "expires": _stamp(now + self.ttl),
        }
        with self.store.write() as connection:
            rows.insert_job(connection, record)
        return self.get(record["id"], user, service.plan_id)

    # ------------------------------------------------------------------ read
    def get(self, job_id: str, user: User, plan_id: str) -> dict[str, Any]:
        """A job its owner (or an admin) may see, in the plan it belongs to."""
        with self.store.read() as connection:
            record = rows.get_job(connection, job_id)
        if record is None or record["plan"] != plan_id or record["expires"] < _stamp():
            raise NotFoundError(f"没有此任务 no job {job_id!r} in plan {plan_id!r} (jobs expire after "
                                f"{self.ttl.total_seconds() / 3600:g} h)")
        if record["owner"] != user.name and not user.has("admin"):
            raise PermissionDeniedError(f"任务属于他人 job {job_id} belongs to {record['owner']!r}")
        return record

    def result(self, job_id: str, user: User, plan_id: str, fmt: str | None) -> tuple[bytes, str, str]:
        """The result file of a done job: (bytes, media type, file name); 409 before it is done."""
        fmt = (fmt or "geojson").strip().lower()
        if fmt not in RESULT_FORMATS:
            raise BadRequestError(f"f={fmt}: unknown result format; formats: {', '.join(RESULT_FORMATS)}")
        record = self.get(job_id, user, plan_id)
        if record["state"] != "done":
            why = f": {record['error']}" if record.get("error") else ""
            raise ConflictError(f"任务未完成 job {job_id} is {record['state']}{why}; the result exists once it is "
                                "done")
        with self.store.read() as connection:
            blob = rows.get_blob(connection, job_id, "result")
        if blob is None:
            raise ConflictError(f"job {job_id} has no result")
        frame = gpd.read_parquet(io.BytesIO(blob))
        suffix, media = RESULT_FORMATS[fmt]
        with tempfile.TemporaryDirectory(prefix="planmap-job-") as folder:
            out = write_result(ScreeningResult(frame, 0.0, "local", 1), Path(folder) / f"screening{suffix}")
            data = out.read_bytes()
        return data, media, f"screening-{job_id}{suffix}"

    # ------------------------------------------------------------------ cancel / remove
    def cancel(self, job_id: str, user: User, plan_id: str) -> dict[str, Any] | None:
        """Cancel a queued or running job (returns it), or remove one that is over (returns None)."""
        record = self.get(job_id, user, plan_id)
        with self.store.write() as connection:
            if record["state"] in rows.FINAL_STATES:
                rows.delete_job(connection, job_id)
                return None
            rows.request_cancel(connection, job_id, _stamp())
        return self.get(job_id, user, plan_id)

    # ------------------------------------------------------------------ document
    @staticmethod
    def document(record: Mapping[str, Any], href: str) -> dict[str, Any]:
        """The JSON a client polls (``href``: the job's URL)."""
        total, done = record["total"], record["done"]
        links = [{"href": href, "rel": "self", "type": "application/json", "title": "本任务 This job"}]
        if record["state"] == "done":
            links += [{"href": f"{href}/result?f={fmt}", "rel": "enclosure", "type": media.split(";")[0],
                       "title": f"结果 Result ({fmt})"} for fmt, (_, media) in RESULT_FORMATS.items()]
        options = record.get("options") or {}
        return {
            "id": record["id"], "state": record["state"], "plan": record["plan"], "data_hash": record["data_hash"],
            "ruleset": record["ruleset"], "owner": record["owner"], "filename": record["filename"],
            "crs": options.get("crs"), "attr_fields": options.get("attr_fields") or {},
            "parameters": options.get("parameters") or {},
            "progress": {"done": done, "total": total, "share": round(done / total, 4) if total else 1.0},
            "counts": record.get("counts"), "error": record.get("error"), "cancel_requested": bool(record["cancel"]),
            "created": record["created"], "started": record.get("started"), "finished": record.get("finished"),
            "expires": record["expires"], "links": links,
        }


class JobRunner:
    """Runs queued jobs of the plans this process serves, ``workers`` at a time, in background threads.

    Started on first use (a service that never sees a job never opens the store) or at start-up when the
    store already exists; :meth:`close` stops it (running jobs go back to the queue).

    Parameters
    ----------
    workbench
        The app's :class:`~api.service.workbench.Workbench` (its store).
    registry
        The plans this process serves (a job runs with its plan's service).
    settings
        ``job_*`` settings.
    """

    def __init__(self, workbench: Any, registry: Any, settings: Any) -> None:
        self.workbench = workbench
        self.registry = registry
        self.settings = settings
        self.worker = f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"
        self.slots = max(1, int(settings.job_workers))
        self._pool: ThreadPoolExecutor | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._running: set[str] = set()
        self._last_cleanup = 0.0
        self._last_recovery = -1e9

    @property
    def jobs(self) -> JobService:
        """The job use cases on the store (opening it)."""
        self.start()
        return JobService(self.workbench.store, ttl_hours=self.settings.job_ttl_hours,
                          max_bytes=self.settings.job_max_bytes, max_features=self.settings.job_max_features)

    def start_if_stored(self) -> None:
        """Start at once when the store exists (jobs may be waiting); else on first use."""
        database_url = self.workbench.database_url
        if database_url or (Path(self.workbench.data_dir) / STORE_FILE).exists():
            self.start()

    def start(self) -> None:
        with self._lock:
            if self._thread is not None or self._stop.is_set():
                return
            self._pool = ThreadPoolExecutor(self.slots, thread_name_prefix="planmap-job")
            self._thread = threading.Thread(target=self._loop, name="planmap-job-dispatch", daemon=True)
            self._thread.start()

    def wake(self) -> None:
        """Look for queued jobs now (after a submission)."""
        self._wake.set()

    def close(self, timeout: float = 30.0) -> None:
        """Stop: no new claims; running jobs stop at their next chunk and are queued again."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            unstarted = list(self._running)  # claimed, but their run was cancelled before it began
            self._running.clear()
        if unstarted:
            with self.workbench.store.write() as connection:
                for job_id in unstarted:
                    rows.finish(connection, job_id, self.worker, "queued", worker=None, done=0)

    # ------------------------------------------------------------------ dispatch
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # noqa: BLE001 — the loop must outlive a store hiccup
                logger.exception("job dispatch failed")
            self._wake.wait(self.settings.job_poll_seconds)
            self._wake.clear()

    def tick(self) -> None:
        """One round: heartbeat this process's running jobs, recover stale ones (every quarter of the stale
        time), clean up (every five minutes), claim what fits."""
        store: Store = self.workbench.store
        now = datetime.now(UTC)
        if self._running:
            with store.write() as connection:
                rows.heartbeat(connection, self.worker, _stamp(now))
        if time.monotonic() - self._last_recovery > self.settings.job_stale_seconds / 4:
            self._last_recovery = time.monotonic()
            with store.write() as connection:
                stale = _stamp(now - timedelta(seconds=self.settings.job_stale_seconds))
                requeued, failed = rows.recover_stale(connection, stale, MAX_ATTEMPTS, _stamp(now))
            if requeued or failed:
                logger.warning("jobs of a stopped process: %d queued again, %d failed", requeued, failed)
        if time.monotonic() - self._last_cleanup > 300:
            self.cleanup()
        free = self.slots - len(self._running)
        if free <= 0 or self._stop.is_set():
            return
        plans = [service.plan_id for service in self.registry]
        with store.read() as connection:
            candidates = rows.queued(connection, plans, free)
        for job_id in candidates:
            with store.write() as connection:
                claimed = rows.claim(connection, job_id, self.worker, _stamp())
            if claimed:
                with self._lock:
                    self._running.add(job_id)
                assert self._pool is not None
                self._pool.submit(self._run, job_id)

    def cleanup(self, now: datetime | None = None) -> int:
        """Remove expired jobs (not running ones); the number removed."""
        self._last_cleanup = time.monotonic()
        with self.workbench.store.write() as connection:
            removed = rows.delete_expired(connection, _stamp(now))
        if removed:
            logger.info("removed %d expired jobs", removed)
        return removed

    # ------------------------------------------------------------------ one job
    def _run(self, job_id: str) -> None:
        store: Store = self.workbench.store
        try:
            self._screen(store, job_id)
        except JobInterruptedError:
            with store.write() as connection:
                rows.finish(connection, job_id, self.worker, "queued", worker=None, done=0)
        except JobCancelledError:
            with store.write() as connection:
                rows.finish(connection, job_id, self.worker, "cancelled", finished=_stamp())
        except Exception as exc:  # noqa: BLE001 — any failure is the job's result, told to its owner
            logger.exception("job %s failed", job_id)
            with store.write() as connection:
                rows.finish(connection, job_id, self.worker, "failed", finished=_stamp(),
                            error=f"{type(exc).__name__}: {exc}"[:2000])
        finally:
            with self._lock:
                self._running.discard(job_id)
            self._wake.set()

    def _screen(self, store: Store, job_id: str) -> None:
        with store.read() as connection:
            record = rows.get_job(connection, job_id)
            data = rows.get_blob(connection, job_id, "input")
        if record is None or data is None:
            raise JobCancelledError()
        service = self.registry.get(record["plan"])
        if service.data_hash != record["data_hash"]:
            raise RuntimeError(f"the plan's data changed since the job was submitted (data hash "
                                  f"{record['data_hash'][:12]}… → {service.data_hash[:12]}…); submit it again")
        options = record["options"]
        job = ScreeningJob.for_plan(service, record["ruleset"], options.get("attr_fields"),
                                    options.get("parameters"))
        sites = _read(data, record["filename"], options.get("crs"))

        def progress(done: int, total: int) -> None:
            if self._stop.is_set():
                raise JobInterruptedError()
            with store.write() as connection:
                stop = rows.report_progress(connection, job_id, self.worker, done, _stamp())
            if stop:
                raise JobCancelledError()

        progress(0, len(sites))
        result = screen(service.data, job, sites, workers=1, progress=progress)
        buffer = io.BytesIO()
        result.frame.to_parquet(buffer)
        summary = result.summary()
        finished = datetime.now(UTC)
        counts = {k: summary[k] for k in ("sites", "pass", "fail", "incomplete", "error", "seconds",
                                          "sites_per_second")}
        with store.write() as connection:
            ok = rows.finish(connection, job_id, self.worker, "done", finished=_stamp(finished), done=len(sites),
                             counts=counts, result=buffer.getvalue(),
                             expires=_stamp(finished + timedelta(hours=self.settings.job_ttl_hours)))
        if not ok:
            raise JobCancelledError()
