"""Router: rulesets, site checks and the plan audit.

Thin: parse the request, call :func:`geo.checks.run_check` / :func:`geo.checks.plan_audit` with the plan's
layers, walk network and boundary from the store, return the report. Bad input raises domain exceptions that
``api.errors`` maps (422 invalid geometry, 400 bad attribute/parameter/ruleset, 404 unknown ruleset by path).
"""

from __future__ import annotations

import threading
import weakref
from typing import Any, Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from api.deps import StoreDep
from api.errors import BadRequestError, NotFoundError
from geo.checks import plan_audit, run_check
from layers.store import PlanStore

router = APIRouter(tags=["checks"])

Status = Literal["pass", "fail", "needs-data", "manual"]
Overall = Literal["pass", "fail", "incomplete"]

_EXAMPLE_SITE = {
    "type": "Polygon",
    "coordinates": [[[121.6200, 38.9150], [121.6237, 38.9150], [121.6237, 38.91507], [121.6200, 38.91507],
                     [121.6200, 38.9150]]],
}


# ---------------------------------------------------------------------------------------------- models
class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RulesetSummary(_Open):
    id: str
    title_zh: str
    title_en: str
    description: str
    source: str = Field(description="document and article the ruleset comes from")
    geometry: list[Literal["point", "line", "polygon"]] = Field(description="site families the ruleset judges")
    criteria: list[str]
    attributes: list[str] = Field(description="attributes a request may supply")
    parameters: dict[str, Any] = Field(description="overridable parameters and their defaults")


class CheckRequest(BaseModel):
    """A site to check. ``geometry`` is a GeoJSON geometry or Feature (EPSG:4326 lon/lat), a bbox
    ``[min_lon, min_lat, max_lon, max_lat]`` or a point ``[lon, lat]``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "geometry": _EXAMPLE_SITE, "ruleset": "night-economy-street",
            "attributes": {"merchants": 72, "formats": ["购物", "餐饮", "文娱", "休闲旅游"],
                           "closing_time_summer": "23:30", "mobile_payment_share": 0.9},
            "parameters": {"bus_stop_walk_m": 300},
        }]},
    )

    geometry: Any = Field(description="GeoJSON geometry or Feature, bbox or point (EPSG:4326)")
    ruleset: str = Field(description="ruleset id, see GET /api/rulesets")
    attributes: dict[str, Any] = Field(default_factory=dict, description="values a map cannot know")
    parameters: dict[str, Any] = Field(default_factory=dict, description="overrides of the ruleset's parameters")


class CriterionResult(_Open):
    id: str
    title_zh: str
    title_en: str
    status: Status
    value: Any = Field(None, description="measured or supplied value (a dict per target for multi-target criteria)")
    operator: str
    threshold: Any = None
    unit: str | None = None
    method: str | None = Field(None, description="how the value was obtained")
    source: str = Field(description="document and article")
    text: str | None = Field(None, description="original text of the criterion")
    missing_attribute: str | None = Field(None, description="attribute to supply (needs-data)")


class Measurements(_Open):
    length_m: float | None = Field(None, description="centre-line length (polygons) or line length")
    width_mean_m: float | None = None
    width_min_m: float | None = None
    width_max_m: float | None = None
    width_area_m: float | None = Field(None, description="area ÷ length")
    area_m2: float | None = None
    n_transects: int | None = None
    method: str = ""


class Station(_Open):
    id: str
    name: str
    mode: str | None = None
    distance_m: float | None = None
    method: str
    route: dict[str, Any] | None = Field(None, description="walked route, GeoJSON LineString (EPSG:4326)")


class Context(_Open):
    plan_elements: list[dict[str, Any]] = Field(description="layout elements, circles and zones within reach")
    subdistrict: dict[str, Any] | None = None
    nearby_projects: list[dict[str, Any]]
    nearest_stations: list[Station]
    distance_to_axis_m: float | None = None
    distance_to_coast_m: float | None = None
    in_district: bool | None = None


class CheckReport(_Open):
    """The check report: a stable contract the maps and other tools build on (documented in the README, "The check report")."""

    ruleset: str
    overall: Overall = Field(description="fail if any criterion fails, incomplete if any needs data, else pass")
    summary: dict[str, int]
    geometry_type: str
    crs_metric: str
    measurements: Measurements
    centreline: dict[str, Any] | None = Field(None, description="measured centre line, GeoJSON (polygons)")
    width_profile: dict[str, Any] | None = Field(
        None, description="width transects (GeoJSON MultiLineString) and their widths_m, in order (polygons)")
    criteria: list[CriterionResult]
    context: Context | None
    warnings: list[str]
    site: dict[str, Any] = Field(description="the checked geometry, GeoJSON EPSG:4326 (repaired if it was)")


class AuditZone(_Open):
    id: str
    name: str
    layer: str
    zone_kind: str | None = None
    ruleset: str | None = None
    length_m: float | None = None
    width_mean_m: float | None = None
    width_min_m: float | None = None
    area_m2: float | None = None
    transit: dict[str, Any] | None = None
    overall: Overall | None = Field(None, description="null for zones no ruleset judges (areas)")
    failed: list[str] = Field(default_factory=list)
    needs_data: list[str] = Field(default_factory=list)


class AuditReport(_Open):
    plan: str
    zones: list[AuditZone]
    summary: dict[str, int]


# ---------------------------------------------------------------------------------------------- helpers
def _layers(store: PlanStore) -> dict[str, Any]:
    return {spec.id: store.layer(spec.id) for spec in store.specs}


def _ruleset(store: PlanStore, ruleset_id: Any):
    if not isinstance(ruleset_id, str) or ruleset_id not in store.rulesets:
        known = ", ".join(sorted(store.rulesets))
        raise BadRequestError(f"unknown ruleset {ruleset_id!r}; rulesets: {known}")
    return store.rulesets[ruleset_id]


_AUDITS: weakref.WeakKeyDictionary[PlanStore, dict[str, Any]] = weakref.WeakKeyDictionary()
_AUDIT_LOCK = threading.Lock()


def audit(store: PlanStore) -> dict[str, Any]:
    """The plan audit of a store, computed once per store."""
    with _AUDIT_LOCK:
        if store not in _AUDITS:
            zones = [(spec.id, spec.zone_kind, store.layer(spec.id)) for spec in store.specs if spec.zone_kind]
            result = plan_audit(zones, store.rulesets, layers=_layers(store), network=store.network,
                                boundary=store.boundary, metric_crs=store.metric_crs,
                                map_area=store.plan.map_area)
            _AUDITS[store] = {"plan": store.plan_id, **result}
        return _AUDITS[store]


# ---------------------------------------------------------------------------------------------- routes
@router.get("/api/rulesets", response_model=list[RulesetSummary], summary="Rulesets a site can be checked against")
def list_rulesets(store: StoreDep) -> list[dict[str, Any]]:
    """Every ruleset of the plan: id, titles, source, the site families it judges, criteria, attributes, parameters."""
    return [ruleset.summary() for ruleset in store.rulesets.values()]


@router.get("/api/rulesets/{ruleset_id}", summary="One ruleset in full: criteria, attributes, parameters")
def get_ruleset(store: StoreDep, ruleset_id: str) -> dict[str, Any]:
    """The declared ruleset: every criterion with source, original text, operator, threshold and unit."""
    if ruleset_id not in store.rulesets:
        raise NotFoundError(f"no ruleset {ruleset_id!r}; rulesets: {', '.join(sorted(store.rulesets))}")
    return store.rulesets[ruleset_id].model_dump(mode="json")


@router.post("/api/checks/site", response_model=CheckReport, summary="Check a site against a ruleset")
def check_site(store: StoreDep, request: CheckRequest) -> dict[str, Any]:
    """Measure the site, judge every criterion (pass / fail / needs-data / manual) and place it in the plan.

    Errors: 422 for an unusable geometry (malformed, empty, NaN, self-intersecting beyond repair, swapped
    lat/lon, projected metres, too large, wrong type for the ruleset); 400 for an unknown ruleset, attribute or
    parameter, or a value of the wrong type.
    """
    ruleset = _ruleset(store, request.ruleset)
    return run_check(request.geometry, ruleset, layers=_layers(store), network=store.network,
                     attributes=request.attributes, parameters=request.parameters, boundary=store.boundary,
                     metric_crs=store.metric_crs, map_area=store.plan.map_area)


@router.get("/api/checks/plan", response_model=AuditReport, summary="Audit of the plan's own zones")
def check_plan(store: StoreDep) -> dict[str, Any]:
    """Every zone of the plan (streets, night-economy streets and complexes, business circles, districts, bays)
    measured — length, width, area — with transit access and, where a ruleset applies, the overall result and
    the failed and missing criteria. Computed once per loaded plan."""
    return audit(store)
