"""Batch screening: check every feature of a site file against one ruleset, one result row per feature.

The use case behind ``planmap screen`` (and, later, the batch job of the API). Each feature is checked exactly as
a single check does it (:func:`geo.checks.run_check` on the plan's :class:`~geo.plandata.PlanData`, without the
plan context, which no column shows), so that a row says what ``POST /api/checks/site`` would say of the same
geometry: identical statuses and numbers (tested feature for feature).

Engines
-------
``local``
    ``workers`` processes forked from this one (the prepared plan is inherited, not copied), chunks of sites
    handed out as workers free up; ``workers=1`` checks in this process.
``dask``
    A Dask distributed cluster (``scheduler`` address, or a local cluster of ``workers`` processes): the sites
    as dask-geopandas partitions; the prepared plan travels to every worker once, as a worker plugin holding
    :func:`api.service.prepared.plan_blob` (a worker that joins later gets it too), and each partition is
    screened on the worker with the plan it holds.

A row: ``input_id``, ``name``, ``overall`` (``pass``/``fail``/``incomplete``, or ``error``), the counts, one
``status_<criterion>`` per criterion, ``length_m``, ``width_mean_m``, ``width_min_m``, ``area_m2``, one
``dist_<criterion>_<target>_m`` per accessibility target (the nearest walking distance), ``error`` (why a
feature could not be checked), ``warnings`` and the geometry (EPSG:4326).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from api.service.errors import BadRequestError
from api.service.screening_rows import (  # noqa: F401  (the row functions, re-exported for callers)
    CHUNK,
    MEASURE_COLUMNS,
    OUTPUT_FORMATS,
    Progress,
    ScreeningJob,
    ScreeningResult,
    check_one,
    row_from_report,
    screen_records,
    site_attributes,
)
from geo.plandata import PlanData
from geo.rules import Ruleset

# ---------------------------------------------------------------------------------------------- engines
_FORKED: dict[str, Any] = {}


def _forked_chunk(start: int, stop: int) -> tuple[int, list[dict[str, Any]]]:
    return start, screen_records(_FORKED["data"], _FORKED["job"], _FORKED["sites"].iloc[start:stop])


def _screen_local(data: PlanData, job: ScreeningJob, sites: gpd.GeoDataFrame, workers: int,
                  progress: Progress | None) -> list[dict[str, Any]]:
    total = len(sites)
    if workers <= 1 or total <= CHUNK or "fork" not in multiprocessing.get_all_start_methods():
        rows: list[dict[str, Any]] = []
        for start in range(0, total, CHUNK):
            rows.extend(screen_records(data, job, sites.iloc[start:start + CHUNK]))
            if progress:
                progress(len(rows), total)
        return rows
    _FORKED.update(data=data, job=job, sites=sites)  # inherited by the forked workers: nothing is copied
    parts: dict[int, list[dict[str, Any]]] = {}
    done = 0
    try:
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
            pending = {pool.submit(_forked_chunk, start, min(start + CHUNK, total))
                       for start in range(0, total, CHUNK)}
            while pending:
                finished, pending = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    start, rows = future.result()
                    parts[start] = rows
                    done += len(rows)
                    if progress:
                        progress(done, total)
    finally:
        _FORKED.clear()
    return [row for start in sorted(parts) for row in parts[start]]


# ---------------------------------------------------------------------------------------------- use case
def screen(data: PlanData, job: ScreeningJob, sites: gpd.GeoDataFrame, *, engine: str = "local",
           workers: int | None = None, scheduler: str | None = None, plan_key: str = "plan",
           progress: Progress | None = None) -> ScreeningResult:
    """Screen every site; rows in input order, geometry from the file.

    Parameters
    ----------
    data
        The plan's analysis data (a :class:`api.service.PlanService` holds it as ``data``).
    job
        Ruleset, attribute columns and parameters.
    sites
        What :func:`layers.imports.read_sites` returns (``input_id``, ``name``, ``problem``, columns, geometry).
    engine
        ``local`` or ``dask``.
    workers
        Processes (local) or local-cluster workers (dask without a scheduler); default the number of CPUs.
    scheduler
        The address of a running Dask scheduler (``tcp://host:8786``); dask only.
    plan_key
        Names the plan on dask workers (the plan id and data hash): a worker keeps one copy per key.
    progress
        Called with (sites done, total) as work completes.
    """
    job.check_fields(sites)
    workers = max(1, workers or os.cpu_count() or 1)
    started = time.perf_counter()
    if engine == "local":
        rows = _screen_local(data, job, sites, workers, progress)
    elif engine == "dask":
        from api.service.screening_dask import screen_dask

        rows = screen_dask(data, job, sites, key=plan_key, scheduler=scheduler, workers=workers,
                           progress=progress)
    else:
        raise BadRequestError(f"unknown engine {engine!r}; engines: local, dask")
    seconds = time.perf_counter() - started
    frame = gpd.GeoDataFrame(pd.DataFrame(rows, columns=job.columns()),
                             geometry=gpd.GeoSeries(sites.geometry.values, crs=4326), crs=4326)
    return ScreeningResult(frame, seconds, engine, workers)


def write_result(result: ScreeningResult, out: Path | str) -> Path:
    """Write the rows as GeoPackage, GeoJSON or CSV (geometry as WKT), chosen by the file's suffix."""
    out = Path(out)
    driver = OUTPUT_FORMATS.get(out.suffix.lower())
    if driver is None:
        raise BadRequestError(f"--out {out.name}: unknown format; use .gpkg, .geojson or .csv")
    frame = result.frame
    if out.exists():
        out.unlink()
    if driver == "CSV":
        table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        table["wkt"] = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
        table.to_csv(out, index=False)
    else:
        frame.to_file(out, driver=driver, engine="pyogrio", **({"layer": "screening"} if driver == "GPKG" else {}))
    return out


def text_progress(stream: Any = None, width: int = 30) -> Progress:
    """A progress bar on ``stream`` (stderr): ``[#####-----] 320/1000 sites  41 s left``."""
    stream = stream or sys.stderr
    began = time.perf_counter()

    def show(done: int, total: int) -> None:
        share = done / total if total else 1.0
        elapsed = time.perf_counter() - began
        left = elapsed / share - elapsed if share > 0 else 0.0
        bar = "#" * int(width * share) + "-" * (width - int(width * share))
        stream.write(f"\r[{bar}] {done}/{total} sites  {done / elapsed if elapsed else 0:6.0f}/s  "
                     f"{left:5.0f} s left")
        if done >= total:
            stream.write("\n")
        stream.flush()

    return show


def parse_pairs(pairs: Iterable[str] | None, what: str) -> dict[str, str]:
    """``KEY=VALUE`` strings → dict (values stay text; the ruleset parses them)."""
    found: dict[str, str] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise BadRequestError(f"{what} expects KEY=VALUE, got {pair!r}")
        found[key.strip()] = value.strip()
    return found


def ruleset_columns(ruleset: Ruleset) -> Sequence[str]:
    """The columns a screening with ``ruleset`` writes (geometry excepted)."""
    return ScreeningJob(ruleset).columns()
