"""The ruleset model: declared criteria (YAML files read by :mod:`layers.rulesets`), validated at start-up.

A ruleset says which sites it judges (points, lines, polygons), which attributes a planner may supply, which
parameters a request may override, and lists criteria. Each criterion names its source document and article,
the original text, what is measured, the operator and threshold, the unit, and what happens when data is
missing. The evaluation itself is pure code in :mod:`geo.rules.kinds`; nothing about a criterion lives in code.

Criterion kinds
---------------
``measurement``
    a value measured on the site geometry (``measure``: ``length_m``, ``width_min_m``, ``area_m2`` ...); for
    lines and points where the value cannot be measured, ``attribute`` names an attribute that may supply it.
``attribute``
    a value the planner supplies (``attribute``), compared with ``threshold``.
``count_distinct``
    the number of distinct valid values of a list attribute (business formats).
``time``
    a closing time ``HH:MM``; times before the ``night_ends`` parameter count as after midnight.
``accessibility``
    walking distance from the site to the nearest feature of each target (the layer playing a role, optionally filtered);
    every target must be within its distance.
``location``
    the site must intersect a feature of a layer playing one of ``roles``.
``manual``
    a qualitative item: comes back as ``manual`` with the original text for review.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from geo.errors import RulesetError
from geo.measure import MEASURES
from geo.roles import ROLES
from geo.rules.registry import KINDS

CRITERION_ID = re.compile(r"^[a-z][a-z0-9_]*$")
RULESET_ID = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

Family = Literal["point", "line", "polygon"]
Operator = Literal[">=", "<=", ">", "<", "==", "in", "is_true", "within", "intersects", "review"]
AttributeType = Literal["number", "integer", "boolean", "string", "time", "fraction", "list"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Title(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class SourceRef(_Strict):
    """A document and (optionally) the article a criterion comes from."""

    document: str = Field(min_length=1, description="document title, e.g. 《拉萨市夜间经济示范区认定和奖励办法》")
    article: str | None = Field(None, description="article / clause, e.g. 第六条第4项")
    file: str | None = Field(None, description="where the full text is kept (repository path)")
    note: str | None = None

    def cite(self) -> str:
        return f"{self.document}{self.article or ''}"


class AttributeSpec(_Strict):
    """An attribute a planner may supply with a check (or a zone layer may hold)."""

    type: AttributeType
    title_zh: str
    title_en: str
    unit: str | None = None
    description: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    #: allowed values of string and list attributes (canonical spelling)
    choices: list[str] | None = None
    #: other accepted spellings → canonical choice
    aliases: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _aliases_point_to_choices(self) -> AttributeSpec:
        if self.aliases and not self.choices:
            raise ValueError("aliases need choices")
        bad = sorted(v for v in self.aliases.values() if v not in (self.choices or []))
        if bad:
            raise ValueError(f"aliases point to values that are not choices: {bad}")
        return self


class ParameterSpec(_Strict):
    """A request-overridable parameter with a documented default."""

    type: Literal["number", "string", "time"] = "number"
    default: float | int | str
    title_zh: str
    title_en: str
    unit: str | None = None
    description: str
    minimum: float | None = None
    maximum: float | None = None

    @model_validator(mode="after")
    def _default_fits(self) -> ParameterSpec:
        """The default must be of the declared type and inside the declared range."""
        if self.type == "number":
            if isinstance(self.default, bool) or not isinstance(self.default, int | float):
                raise ValueError(f"default {self.default!r} is not a number")
            if self.minimum is not None and self.maximum is not None and self.minimum > self.maximum:
                raise ValueError(f"minimum {self.minimum:g} is above maximum {self.maximum:g}")
            if (self.minimum is not None and self.default < self.minimum) or (
                    self.maximum is not None and self.default > self.maximum):
                raise ValueError(f"default {self.default:g} is outside the declared minimum/maximum")
            return self
        if not isinstance(self.default, str):
            raise ValueError(f"default {self.default!r} is not a string")
        if self.type == "time" and not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", self.default.strip()):
            raise ValueError(f"default {self.default!r} is not a time HH:MM")
        return self


class TargetSpec(_Strict):
    """One kind of destination of an accessibility criterion."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    title_zh: str
    title_en: str
    #: the layer role whose features are the destinations (``bus_stops``, ``facilities`` ...)
    role: str
    #: name of a string parameter that may hold a layer id instead (to let a request pick another layer);
    #: its default ``""`` means the role's layer
    layer_parameter: str | None = None
    #: property → allowed values (e.g. {"mode": ["metro", "tram"]})
    filter: dict[str, list[str]] = Field(default_factory=dict)
    max_m: float | None = Field(None, gt=0)
    max_parameter: str | None = None

    @model_validator(mode="after")
    def _complete(self) -> TargetSpec:
        if self.role not in ROLES:
            raise ValueError(f"unknown role {self.role!r}; roles: {', '.join(ROLES)}")
        if (self.max_m is None) == (self.max_parameter is None):
            raise ValueError("give exactly one of max_m and max_parameter")
        return self


class Criterion(_Strict):
    id: str
    title_zh: str = Field(min_length=1)
    title_en: str = Field(min_length=1)
    source: SourceRef
    text: str = Field(min_length=1, description="original text of the criterion (Chinese)")
    #: criterion kind: one registered in :mod:`geo.rules.kinds`
    kind: str
    measure: str | None = None
    attribute: str | None = None
    operator: Operator
    threshold: float | int | str | bool | list[str] | None = None
    threshold_parameter: str | None = None
    unit: str | None = None
    on_missing: Literal["needs-data", "manual"] = "needs-data"
    targets: list[TargetSpec] = Field(default_factory=list)
    #: layer roles a location criterion's site must touch
    roles: list[str] = Field(default_factory=list)
    method: str | None = Field(None, description="how the value is obtained, shown with the result")
    note: str | None = None
    #: the place a requirement is bound to (e.g. 拉萨市): where the ruleset is only a reference, the item is
    #: a manual review that says so
    local_to: str | None = None

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not CRITERION_ID.match(value):
            raise ValueError(f"criterion ids are lower-case words joined by '_', got {value!r}")
        return value

    @model_validator(mode="after")
    def _kind_fields(self) -> Criterion:
        kind = KINDS.get(self.kind)
        if kind is None:
            raise ValueError(f"unknown criterion kind {self.kind!r}; kinds: {', '.join(KINDS)}")
        missing = [name for name in kind.needs if not getattr(self, name)]
        if missing:
            raise ValueError(f"a {self.kind} criterion needs {', '.join(missing)}")
        if self.kind == "measurement" and self.measure not in MEASURES:
            raise ValueError(f"measure must be one of {', '.join(MEASURES)}, got {self.measure!r}")
        if self.operator not in kind.operators:
            raise ValueError(f"a {self.kind} criterion uses operator {' or '.join(map(repr, kind.operators))}, "
                             f"not {self.operator!r}")
        if kind.compares and self.operator != "is_true" and self.threshold is None and self.threshold_parameter is None:
            raise ValueError("a threshold or threshold_parameter is needed")
        return self


#: parameters every ruleset accepts (a ruleset file may override their defaults)
COMMON_PARAMETERS: dict[str, ParameterSpec] = {
    "detour_factor": ParameterSpec(
        default=1.3, title_zh="绕行系数", title_en="Detour factor", minimum=1.0, maximum=3.0,
        description="walking distance ÷ straight-line distance assumed where the street network does not reach",
    ),
    "context_distance_m": ParameterSpec(
        default=300.0, title_zh="周边范围", title_en="Context distance", unit="m", minimum=0.0, maximum=5000.0,
        description="plan elements and key projects within this distance of the site are listed in the context",
    ),
    "transect_spacing_m": ParameterSpec(
        default=10.0, title_zh="宽度断面间距", title_en="Width transect spacing", unit="m", minimum=1.0,
        maximum=200.0, description="distance between width transects along a street polygon's centre line",
    ),
    "nearest_stations": ParameterSpec(
        default=3, title_zh="最近站点数", title_en="Nearest stations listed", minimum=0, maximum=20,
        description="how many of the nearest transit stations (any mode) the context lists, by walking distance",
    ),
}


class Ruleset(_Strict):
    id: str
    title: Title
    description: str
    source: SourceRef
    geometry: list[Family] = Field(min_length=1, description="site families this ruleset judges")
    attributes: dict[str, AttributeSpec] = Field(default_factory=dict)
    parameters: dict[str, ParameterSpec] = Field(default_factory=dict, validate_default=True)
    criteria: list[Criterion] = Field(min_length=1)

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not RULESET_ID.match(value):
            raise ValueError(f"must be an English slug like 'night-economy-street', got {value!r}")
        return value

    @field_validator("parameters")
    @classmethod
    def _with_common(cls, value: dict[str, ParameterSpec]) -> dict[str, ParameterSpec]:
        return {**COMMON_PARAMETERS, **value}

    @model_validator(mode="after")
    def _references(self) -> Ruleset:
        seen: set[str] = set()
        for criterion in self.criteria:
            where = f"criterion {criterion.id!r}"
            if criterion.id in seen:
                raise ValueError(f"{where}: duplicate criterion id")
            seen.add(criterion.id)
            if criterion.attribute and criterion.attribute not in self.attributes:
                raise ValueError(f"{where}, field 'attribute': {criterion.attribute!r} is not declared in attributes")
            if criterion.threshold_parameter and criterion.threshold_parameter not in self.parameters:
                raise ValueError(
                    f"{where}, field 'threshold_parameter': {criterion.threshold_parameter!r} is not a parameter")
            for target in criterion.targets:
                for ref in (target.max_parameter, target.layer_parameter):
                    if ref and ref not in self.parameters:
                        raise ValueError(f"{where}, target {target.key!r}: {ref!r} is not a parameter")
            if criterion.kind == "count_distinct" and self.attributes[criterion.attribute].type != "list":
                raise ValueError(f"{where}: count_distinct needs a list attribute")
            if criterion.kind == "time" and self.attributes[criterion.attribute].type != "time":
                raise ValueError(f"{where}: a time criterion needs a time attribute")
        return self

    def criterion(self, criterion_id: str) -> Criterion:
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise KeyError(criterion_id)

    def summary(self) -> dict[str, Any]:
        """The short description listed by ``GET /api/rulesets``."""
        return {
            "id": self.id,
            "title_zh": self.title.zh,
            "title_en": self.title.en,
            "description": self.description,
            "source": self.source.cite(),
            "geometry": list(self.geometry),
            "criteria": [c.id for c in self.criteria],
            "attributes": sorted(self.attributes),
            "parameters": {k: p.default for k, p in self.parameters.items()},
        }



def _describe(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    if len(loc) >= 2 and loc[0] == "criteria" and isinstance(loc[1], int):
        criteria = raw.get("criteria") or []
        cid = "?"
        if 0 <= loc[1] < len(criteria) and isinstance(criteria[loc[1]], dict):
            cid = str(criteria[loc[1]].get("id", f"#{loc[1] + 1}"))
        field = ".".join(str(p) for p in loc[2:]) or "(criterion)"
        return f"criterion {cid!r}, field {field!r}"
    return f"field {'.'.join(str(p) for p in loc) or '(top level)'!r}"


def parse_ruleset(raw: Any, origin: str) -> Ruleset:
    """Validate a parsed ruleset document; raise :class:`RulesetError` naming origin, criterion and field."""
    if not isinstance(raw, dict):
        raise RulesetError(f"{origin}: a ruleset must be a mapping with id, title, criteria ...")
    try:
        return Ruleset.model_validate(raw)
    except ValidationError as exc:
        problems = [f"{origin}: {_describe(raw, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()]
        raise RulesetError("invalid ruleset\n" + "\n".join(problems)) from None
