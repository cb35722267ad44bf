"""The declarative layer catalogue: one YAML file per plan, validated at start-up.

A plan is a folder ``layers/plans/<plan-id>/`` holding ``catalogue.yaml`` and a ``data/`` folder. Adding a
layer means adding a data file and a catalogue entry; adding a district means adding a folder.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal, get_args

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from geo.roles import GEOMETRY_FAMILY, ROLES
from layers.errors import CatalogueError

Group = Literal["规划结构", "商圈与夜经济", "重点项目", "交通", "基础"]
GROUPS: tuple[str, ...] = get_args(Group)
GROUP_EN = {
    "规划结构": "Plan structure",
    "商圈与夜经济": "Business circles & night economy",
    "重点项目": "Key projects",
    "交通": "Transport",
    "基础": "Base",
}
GeometryType = Literal[
    "Point", "MultiPoint", "LineString", "MultiLineString", "Polygon", "MultiPolygon", "Geometry"
]
FieldType = Literal["string", "integer", "number", "boolean", "array", "object", "date"]
SLUG = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")

#: libyaml's safe loader where PyYAML was built with it (several times faster at start-up), else PyYAML's
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Title(_Strict):
    zh: str = Field(min_length=1)
    en: str = Field(min_length=1)


class Provenance(_Strict):
    """Where a layer comes from and how far to trust it."""

    source: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    method: str = Field(min_length=1)
    accuracy_m: float = Field(ge=0)
    attribution: str | None = None
    date: str | None = None


class Style(_Strict):
    """Default cartographic style (Leaflet path options plus point radius and an optional categorical rule)."""

    color: str = "#3388ff"
    weight: float = 2.0
    opacity: float = 1.0
    fill_color: str | None = None
    fill_opacity: float = 0.2
    dash_array: str | None = None
    radius: float = 5.0
    #: field whose value picks a colour from ``categories`` (e.g. project status)
    category_field: str | None = None
    categories: dict[str, str] = Field(default_factory=dict)
    #: human names of the category codes (code → zh/en) for legends and popups; codes without one show as they are
    category_labels: dict[str, Title] = Field(default_factory=dict)
    #: field shown as the feature label (tooltip, static map label)
    label_field: str = "name"
    #: a boolean field whose true features are drawn emphasised (bold outline and label), e.g. the carriers a
    #: plan names as a group; the field's title names them in the legend
    emphasis_field: str | None = None

    @field_validator("category_labels")
    @classmethod
    def _labels_name_categories(cls, value: dict[str, Title], info: ValidationInfo) -> dict[str, Title]:
        categories = info.data.get("categories") or {}
        unknown = [code for code in value if code not in categories]
        if unknown:
            known = ", ".join(repr(c) for c in categories) or "none declared"
            raise ValueError(f"labels for {', '.join(repr(c) for c in unknown)}, which are not codes of "
                             f"categories ({known})")
        return value

    def category_label(self, code: str, lang: str) -> str:
        """The category's name in ``lang`` (``zh`` or ``en``), or the code itself when it has none."""
        label = self.category_labels.get(code)
        if label is None:
            return code
        return label.en if lang == "en" else label.zh


class FieldSpec(_Strict):
    type: FieldType
    title_zh: str | None = None
    title_en: str | None = None
    required: bool = False


class LayerSpec(_Strict):
    id: str
    title: Title
    group: Group
    geometry_type: GeometryType
    source_crs: str = Field(description="CRS of the original source (the shipped file is always EPSG:4326)")
    provider: str = "geojson"
    file: str
    schematic: bool = False
    description: str | None = None
    fields: dict[str, FieldSpec]
    style: Style = Field(default_factory=Style)
    provenance: Provenance
    #: where a layer is a map of a plan's zones that can be checked (zones map, plan audit)
    zone_kind: Literal["street", "complex", "area"] | None = None
    visible: bool = True

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"must be an English slug like 'key-projects', got {value!r}")
        return value

    @property
    def provenance_text(self) -> str:
        """Source, licence and attribution in lower case, for matching what a layer rests on."""
        prov = self.provenance
        return " ".join(filter(None, [prov.source, prov.licence, prov.attribution])).lower()

    @property
    def osm_derived(self) -> bool:
        """Whether the layer rests on OpenStreetMap data (ODbL: "© OpenStreetMap contributors" travels with it)."""
        text = self.provenance_text
        return "openstreetmap" in text or "odbl" in text or self.provider in ("osm-xml", "osm-pbf")

    @field_validator("source_crs")
    @classmethod
    def _crs(cls, value: str) -> str:
        from pyproj import CRS
        from pyproj.exceptions import CRSError

        if value.upper() in {"GCJ-02", "GCJ02", "BD-09"}:
            return value.upper()
        try:
            CRS.from_user_input(value)
        except CRSError as exc:
            raise ValueError(f"unknown CRS {value!r}") from exc
        return value


class Adoption(_Strict):
    """How a plan uses a ruleset: whose standard it is here, and what the plan audit applies it to."""

    #: ``own`` — the district's own plan or standard; ``adopted`` — a standard the district has adopted;
    #: ``reference`` — another place's standard used for reference only (said on every report)
    status: Literal["own", "adopted", "reference"]
    #: zone kind (``street`` | ``complex`` | ``area``) the plan audit judges with this ruleset
    audits: Literal["street", "complex", "area"] | None = None
    #: the ruleset a check page offers first (one per plan)
    default: bool = False
    #: why this standard is used here, said wherever it is shown (e.g. 参照《拉萨市……》：本区尚无本地标准)
    note: str | None = None


class PlanSpec(_Strict):
    id: str
    title: Title
    district: Title
    data_date: str
    #: role → layer id (or list of ids for roles played by several layers); see :mod:`geo.roles`
    roles: dict[str, str | list[str]]
    #: [min_lon, min_lat, max_lon, max_lat] in EPSG:4326: every feature must lie inside it
    map_area: tuple[float, float, float, float]
    #: CGCS2000 Gauss–Krüger CRS for exports (3° zone of the district), e.g. EPSG:4549
    gauss_kruger_crs: str | None = None
    attribution: str
    #: ruleset id → how this plan adopts it (shared rulesets and the plan's own ``rulesets/``)
    rulesets: dict[str, Adoption] = Field(default_factory=dict)
    #: the plan's night window [start, end] as HH:MM (Shanxi: 18:00–06:00); rulesets' hour items may use it
    night_window: tuple[str, str] | None = None
    #: a CSV file in the plan's folder with attribute values per zone for the plan audit (zone_id, attribute,
    #: value, unit, notes, source, date, author; see :mod:`layers.audit_values`); none: the audit asks for them
    audit_values: str | None = None

    @field_validator("id")
    @classmethod
    def _slug(cls, value: str) -> str:
        if not SLUG.match(value):
            raise ValueError(f"must be an English slug, got {value!r}")
        return value

    @field_validator("audit_values")
    @classmethod
    def _values_file(cls, value: str | None) -> str | None:
        if value is not None and (not value.endswith(".csv") or "/" in value or "\\" in value
                                  or value.startswith(".")):
            raise ValueError(f"must be the name of a .csv file in the plan's folder, got {value!r}")
        return value

    @model_validator(mode="after")
    def _area(self) -> PlanSpec:
        x0, y0, x1, y1 = self.map_area
        if not (-180 <= x0 < x1 <= 180 and -90 <= y0 < y1 <= 90):
            raise ValueError("map_area must be [min_lon, min_lat, max_lon, max_lat] with min < max")
        return self


class Catalogue(_Strict):
    plan: PlanSpec
    layers: list[LayerSpec]

    @model_validator(mode="after")
    def _consistent(self) -> Catalogue:
        ids = [layer.id for layer in self.layers]
        dupes = sorted({i for i in ids if ids.count(i) > 1})
        if dupes:
            raise ValueError(f"duplicate layer ids: {', '.join(dupes)}")
        problems = role_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        defaults = [rid for rid, a in self.plan.rulesets.items() if a.default]
        if len(defaults) > 1:
            raise ValueError(f"plan.rulesets: only one ruleset can be the default, not {', '.join(defaults)}")
        audited = [a.audits for a in self.plan.rulesets.values() if a.audits]
        twice = sorted({k for k in audited if audited.count(k) > 1})
        if twice:
            raise ValueError(f"plan.rulesets: more than one ruleset audits zone kind(s) {', '.join(twice)}")
        return self

    def role_layers(self, role: str) -> tuple[str, ...]:
        """The layer ids playing ``role`` (empty when the plan lacks it)."""
        value = self.plan.roles.get(role)
        if value is None:
            return ()
        return (value,) if isinstance(value, str) else tuple(value)

    def role_layer(self, role: str) -> str | None:
        """The one layer playing a single-layer role, or ``None`` when the plan lacks it."""
        layers = self.role_layers(role)
        return layers[0] if layers else None

    def layer(self, layer_id: str) -> LayerSpec:
        for layer in self.layers:
            if layer.id == layer_id:
                return layer
        raise KeyError(layer_id)


def role_problems(catalogue: Catalogue) -> list[str]:
    """What is wrong with the plan's role assignments, each naming the plan, the role and the layer."""
    plan = catalogue.plan.id
    by_id = {layer.id: layer for layer in catalogue.layers}
    problems: list[str] = []
    for name, value in catalogue.plan.roles.items():
        if name not in ROLES:
            problems.append(f"plan {plan!r}: plan.roles names unknown role {name!r}; roles: {', '.join(ROLES)}")
            continue
        role = ROLES[name]
        layer_ids = [value] if isinstance(value, str) else list(value)
        if isinstance(value, list) and not role.many:
            problems.append(f"plan {plan!r}, role {name!r}: takes one layer, not a list")
        for layer_id in layer_ids:
            spec = by_id.get(layer_id)
            if spec is None:
                problems.append(f"plan {plan!r}, role {name!r}: layer {layer_id!r} is not in the catalogue")
                continue
            family = GEOMETRY_FAMILY.get(spec.geometry_type)
            if family is not None and family not in role.families:
                problems.append(f"plan {plan!r}, role {name!r}: layer {layer_id!r} holds {spec.geometry_type}, "
                                f"the role needs {' or '.join(sorted(role.families))} geometries")
            if role.provider and spec.provider not in role.provider:
                problems.append(f"plan {plan!r}, role {name!r}: layer {layer_id!r} must use provider "
                                f"{' or '.join(map(repr, role.provider))} (it uses {spec.provider!r})")
            missing = [f for f in role.fields if f not in spec.fields]
            if missing:
                problems.append(f"plan {plan!r}, role {name!r}: layer {layer_id!r} lacks field(s) "
                                f"{', '.join(missing)}")
    for name, role in ROLES.items():
        if role.required and name not in catalogue.plan.roles:
            problems.append(f"plan {plan!r}: required role {name!r} is not given in plan.roles")
    return problems


def _describe_location(raw: dict[str, Any], loc: tuple[Any, ...]) -> str:
    """Turn a pydantic error location into 'layer <id>, field <a.b>'."""
    if len(loc) >= 2 and loc[0] == "layers" and isinstance(loc[1], int):
        layers = raw.get("layers") or []
        layer_id = "?"
        if 0 <= loc[1] < len(layers) and isinstance(layers[loc[1]], dict):
            layer_id = str(layers[loc[1]].get("id", f"#{loc[1] + 1}"))
        field = ".".join(str(p) for p in loc[2:]) or "(layer)"
        return f"layer {layer_id!r}, field {field!r}"
    field = ".".join(str(p) for p in loc) or "(top level)"
    return f"field {field!r}"


def _check_duplicate_ids(raw: dict[str, Any], path: Path | str) -> None:
    """Name each duplicated layer id with the positions of its entries (before schema validation)."""
    layers = raw.get("layers")
    if not isinstance(layers, list):
        return
    positions: dict[str, list[int]] = {}
    for number, layer in enumerate(layers, start=1):
        if isinstance(layer, dict) and isinstance(layer.get("id"), str):
            positions.setdefault(layer["id"], []).append(number)
    problems = [
        f"{path}: layer {layer_id!r}, field 'id': duplicate layer id (entries {', '.join(map(str, numbers))})"
        for layer_id, numbers in positions.items()
        if len(numbers) > 1
    ]
    if problems:
        raise CatalogueError("invalid catalogue\n" + "\n".join(problems))


def parse_catalogue(raw: Any, path: Path | str) -> Catalogue:
    """Validate a parsed catalogue document; raise :class:`CatalogueError` naming file, layer and field."""
    if not isinstance(raw, dict):
        raise CatalogueError(f"{path}: the catalogue must be a mapping with 'plan' and 'layers'")
    _check_duplicate_ids(raw, path)
    try:
        return Catalogue.model_validate(raw)
    except ValidationError as exc:
        problems = [
            f"{path}: {_describe_location(raw, tuple(err['loc']))}: {err['msg']}" for err in exc.errors()
        ]
        raise CatalogueError("invalid catalogue\n" + "\n".join(problems)) from None


def load_catalogue(path: Path | str) -> Catalogue:
    """Read and validate ``catalogue.yaml``."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: catalogue file not found") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from None
    return parse_catalogue(raw, path)
