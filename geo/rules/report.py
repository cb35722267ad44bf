"""The typed check report: the one contract the API response model, the CLI, pages, sheets and PDFs read.

Produced by :func:`geo.checks.run_check` (a JSON-safe dict of this shape) and :func:`geo.checks.plan_audit`.
Open models (extra keys allowed) so that a report can carry more than this minimum.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from geo.rules.registry import BASES, OVERALLS, STATUSES

Status = Literal["pass", "fail", "needs-data", "manual"]
Overall = Literal["pass", "fail", "incomplete"]
Basis = Literal["measured", "supplied", "assumed", "stand-in", "review"]
assert set(Status.__args__) == set(STATUSES) and set(Overall.__args__) == set(OVERALLS)  # noqa: S101
assert set(Basis.__args__) == set(BASES)  # noqa: S101


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
    basis: Basis = Field(description="what the verdict rests on: measured on the site, supplied with the "
                                     "request, assumed data, a stand-in (schematic) shape, or a person's review")


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


class PlanStamp(_Open):
    id: str
    data_date: str
    data_hash: str = Field(description="SHA-256 of the plan's catalogue, data and rulesets the report rests on")


class Adoption(_Open):
    status: Literal["own", "adopted", "reference"] = Field(
        description="own: the district's own standard; adopted; reference: another place's standard, for reference")
    note: str | None = None


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
    plan: PlanStamp | None = Field(None, description="the plan and the data the report rests on")
    adoption: Adoption | None = Field(None, description="whose standard the ruleset is in this plan")


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
