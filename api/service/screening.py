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

import math
import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from api.service.errors import BadRequestError
from geo.checks import run_check
from geo.errors import GeoError
from geo.plandata import PlanData
from geo.rules import Ruleset

#: measurement columns of a row
MEASURE_COLUMNS = ("length_m", "width_mean_m", "width_min_m", "area_m2")
#: output formats by file suffix
OUTPUT_FORMATS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".csv": "CSV"}
#: sites handed to a worker at a time
CHUNK = 32

Progress = Callable[[int, int], None]


@dataclass
class ScreeningJob:
    """What to screen with: the ruleset, which file columns give which ruleset attributes, the parameters.

    ``attr_fields`` maps a ruleset attribute to the file column holding it; ``parameters`` are text
    (``KEY=VALUE`` of the command line) or typed values, as for a single check with ``from_text``.
    """

    ruleset: Ruleset
    attr_fields: Mapping[str, str] = field(default_factory=dict)
    parameters: Mapping[str, Any] = field(default_factory=dict)
    #: the plan holds the ruleset as another place's standard (see :meth:`PlanService.check_site`)
    as_reference: bool = False

    @classmethod
    def for_plan(cls, service: Any, ruleset_id: str, attr_fields: Mapping[str, str] | None = None,
                 parameters: Mapping[str, Any] | None = None) -> ScreeningJob:
        """The job a plan's single check would run: the plan's own parameters (night window) under the given
        ones, and the ruleset's adoption."""
        ruleset = service.ruleset(ruleset_id)
        return cls(ruleset, dict(attr_fields or {}), {**service.plan_parameters(ruleset), **(parameters or {})},
                   as_reference=service.adoption(ruleset.id)["status"] == "reference")

    def columns(self) -> list[str]:
        """The row's columns, geometry excepted, in order."""
        status = [f"status_{c.id}" for c in self.ruleset.criteria]
        distances = [f"dist_{c.id}_{t.key}_m" for c in self.ruleset.criteria if c.kind == "accessibility"
                     for t in c.targets]
        return ["input_id", "name", "overall", "n_pass", "n_fail", "n_needs_data", "n_manual", *status,
                *MEASURE_COLUMNS, *distances, "error", "warnings"]


@dataclass
class ScreeningResult:
    """The rows (a GeoDataFrame in EPSG:4326, input order) and what the run did."""

    frame: gpd.GeoDataFrame
    seconds: float
    engine: str
    workers: int

    @property
    def sites_per_second(self) -> float:
        return len(self.frame) / self.seconds if self.seconds > 0 else math.inf

    def summary(self) -> dict[str, Any]:
        """Counts by overall result, errors, time and rate."""
        counts = self.frame["overall"].value_counts().to_dict() if len(self.frame) else {}
        return {"sites": len(self.frame), **{k: int(counts.get(k, 0)) for k in ("pass", "fail", "incomplete",
                                                                               "error")},
                "seconds": round(self.seconds, 2), "sites_per_second": round(self.sites_per_second, 1),
                "engine": self.engine, "workers": self.workers}


# ---------------------------------------------------------------------------------------------- one site
def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if value is pd.NA or value is pd.NaT:
        return None
    return value


def site_attributes(job: ScreeningJob, properties: Mapping[str, Any]) -> dict[str, Any]:
    """The ruleset attributes a feature's columns give (``attr_fields``); missing values are left out."""
    found = {}
    for attribute, column in job.attr_fields.items():
        value = _plain(properties.get(column))
        if isinstance(value, str) and not value.strip():
            value = None
        if value is not None:
            found[attribute] = value
    return found


def row_from_report(job: ScreeningJob, input_id: str, name: Any, report: dict[str, Any] | None,
                    error: str | None = None) -> dict[str, Any]:
    """A result row from a check report (or from the error that stopped the check)."""
    row: dict[str, Any] = dict.fromkeys(job.columns())
    row.update(input_id=input_id, name=name, error=error)
    if report is None:
        row["overall"] = "error"
        return row
    summary = report["summary"]
    row.update(overall=report["overall"], n_pass=summary.get("pass", 0), n_fail=summary.get("fail", 0),
               n_needs_data=summary.get("needs-data", 0), n_manual=summary.get("manual", 0),
               warnings="; ".join(report["warnings"]) or None)
    for result in report["criteria"]:
        row[f"status_{result['id']}"] = result["status"]
        value = result.get("value")
        if isinstance(value, dict):
            for key, metres in value.items():
                column = f"dist_{result['id']}_{key}_m"
                if column in row and (metres is None or isinstance(metres, int | float)):
                    row[column] = metres
    for key in MEASURE_COLUMNS:
        row[key] = report["measurements"].get(key)
    return row


def check_one(data: PlanData, job: ScreeningJob, geometry: shapely.Geometry | None,
              properties: Mapping[str, Any], input_id: str, name: Any, problem: str | None = None) -> dict[str, Any]:
    """Check one feature as a single check does (``from_text``, no context) and make its row."""
    if problem is not None or geometry is None:
        return row_from_report(job, input_id, name, None, problem or "the feature has no geometry")
    try:
        report = run_check(geometry, job.ruleset, data, attributes=site_attributes(job, properties),
                           parameters=job.parameters, from_text=True, with_context=False,
                           as_reference=job.as_reference, with_drawing=False)
    except GeoError as exc:
        return row_from_report(job, input_id, name, None, str(exc))
    return row_from_report(job, input_id, name, report)


def screen_records(data: PlanData, job: ScreeningJob, sites: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Rows for every site of ``sites`` (as :func:`api.service.screening.read` leaves them), in order."""
    geometries = sites.geometry.values
    properties = sites.drop(columns=[sites.geometry.name]).to_dict("records")
    return [check_one(data, job, geometries[i], props, str(props["input_id"]), _plain(props.get("name")),
                      _plain(props.get("problem")))
            for i, props in enumerate(properties)]


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
    unknown = sorted(set(job.attr_fields) - set(job.ruleset.attributes))
    if unknown:
        raise BadRequestError(f"--attr-field names unknown attribute(s) {', '.join(unknown)} of ruleset "
                              f"{job.ruleset.id!r}; attributes: {', '.join(sorted(job.ruleset.attributes)) or 'none'}")
    missing = sorted({c for c in job.attr_fields.values() if c not in sites.columns})
    if missing:
        raise BadRequestError(f"--attr-field names column(s) {', '.join(missing)} not in the file; columns: "
                              f"{', '.join(c for c in sites.columns if c != sites.geometry.name)}")
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
