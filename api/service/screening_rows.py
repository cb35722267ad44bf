"""The unit of batch screening: one site checked into one result row (what every engine runs).

Shared by the local engine (:mod:`api.service.screening`) and the Dask engine
(:mod:`api.service.screening_dask`), which ships these functions to its workers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
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

    def check_fields(self, sites: gpd.GeoDataFrame, option: str = "--attr-field") -> None:
        """Refuse an attribute mapping that names an attribute the ruleset lacks or a column the file lacks.

        ``option`` is how the caller calls the mapping in its messages (``--attr-field``, ``attr_field``).
        """
        unknown = sorted(set(self.attr_fields) - set(self.ruleset.attributes))
        if unknown:
            known = ", ".join(sorted(self.ruleset.attributes)) or "none"
            raise BadRequestError(f"{option} names unknown attribute(s) {', '.join(unknown)} of ruleset "
                                  f"{self.ruleset.id!r}; attributes: {known}")
        missing = sorted({c for c in self.attr_fields.values() if c not in sites.columns})
        if missing:
            raise BadRequestError(f"{option} names column(s) {', '.join(missing)} not in the file; columns: "
                                  f"{', '.join(c for c in sites.columns if c != sites.geometry.name)}")

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
