"""A loaded plan: its catalogue, all its layers and its rulesets, read and validated once at start-up.

Read-only. Everything downstream (geo analysis, maps, API) receives data from here and never opens files
itself. Data that users write (saved sites) lives elsewhere, in a writable store.
"""

from __future__ import annotations

import hashlib
from functools import cached_property
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from geo.rules import Ruleset
from layers.audit_values import ZoneValue, read_values_file, zone_ruleset
from layers.catalogue import Catalogue, LayerSpec, load_catalogue
from layers.errors import (
    CatalogueError,
    FeatureNotFoundError,
    LayerNotFoundError,
    PlanNotFoundError,
    ProviderError,
)
from layers.providers import PROVENANCE_FIELDS, LayerData, get_provider, provider_names
from layers.rulesets import SHARED_RULESETS_DIR, load_rulesets

PLANS_DIR = Path(__file__).resolve().parent / "plans"

_GEOMETRY_FAMILIES = {
    "Point": {"Point"},
    "MultiPoint": {"Point", "MultiPoint"},
    "LineString": {"LineString"},
    "MultiLineString": {"LineString", "MultiLineString"},
    "Polygon": {"Polygon"},
    "MultiPolygon": {"Polygon", "MultiPolygon"},
}


class Plan:
    """A loaded plan: catalogue, layers as GeoDataFrames (EPSG:4326), the walk graph, the rulesets.

    Parameters
    ----------
    plan_dir
        The plan's folder: ``catalogue.yaml``, ``data/`` and optionally ``rulesets/``.
    shared_rulesets_dir
        Rulesets any plan may adopt (default ``layers/rulesets/``).
    layer_cache
        Optional prepared-plan cache: ``layer_cache.load(plan)`` returns the layers (``LayerData`` by id,
        validated when they were cached under the plan's :attr:`data_hash`) or None; the files are then not
        read, and a street graph is read from its file only when asked for.
    """

    def __init__(self, plan_dir: Path | str, shared_rulesets_dir: Path | str = SHARED_RULESETS_DIR, *,
                 layer_cache: Any = None) -> None:
        self.plan_dir = Path(plan_dir)
        self.catalogue_path = self.plan_dir / "catalogue.yaml"
        self.catalogue: Catalogue = load_catalogue(self.catalogue_path)
        #: what the plan lacks or cannot use (missing optional roles a ruleset names ...), said at start-up
        self.warnings: list[str] = []
        self._ruleset_paths: list[Path] = []
        #: rulesets this plan adopts, validated with the catalogue so that a bad one stops start-up
        self.rulesets: dict[str, Ruleset] = self._load_rulesets(Path(shared_rulesets_dir))
        #: layers read from a prepared-plan cache (by data hash) rather than from the files: graphs load lazily
        self.from_cache = False
        cached = layer_cache.load(self) if layer_cache is not None else None
        if cached is not None:
            self._data: dict[str, LayerData] = cached
            self.from_cache = True
        else:
            self._data = {spec.id: self._load(spec) for spec in self.catalogue.layers}
        #: attribute values per zone from the plan's values file (``plan.audit_values``), validated here
        self.audit_values: list[ZoneValue] = self._load_values()

    # ------------------------------------------------------------------ loading and validation
    def _load(self, spec: LayerSpec) -> LayerData:
        where = f"{self.catalogue_path}: layer {spec.id!r}"
        if spec.provider not in provider_names():
            raise CatalogueError(
                f"{where}, field 'provider': unknown provider {spec.provider!r}; "
                f"known providers: {', '.join(provider_names())}"
            )
        path = self.plan_dir / "data" / spec.file
        if not path.is_file():
            raise CatalogueError(f"{where}, field 'file': data file {path} not found")
        try:
            data = get_provider(spec.provider)(spec, path)
        except ProviderError as exc:
            raise CatalogueError(f"{where}, field 'file': {exc}") from exc
        self._validate(spec, data.frame, path)
        return data

    def _validate(self, spec: LayerSpec, frame: gpd.GeoDataFrame, path: Path) -> None:
        where = f"{self.catalogue_path}: layer {spec.id!r} (data file {path.name})"
        if frame.crs is None or frame.crs.to_epsg() != 4326:
            raise CatalogueError(f"{where}, field 'source_crs': data is not in EPSG:4326")
        if frame.index.has_duplicates:
            dupes = sorted(set(frame.index[frame.index.duplicated()]))[:5]
            raise CatalogueError(f"{where}, field 'id': duplicate feature ids {dupes}")
        geoms = frame.geometry.values
        missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
        if len(frame) and missing.any():
            bad = list(frame.index[missing][:5])
            raise CatalogueError(f"{where}, field 'geometry': features {bad} have no geometry")
        invalid = ~shapely.is_valid(geoms)
        if invalid.any():
            bad = list(frame.index[invalid][:5])
            reasons = "; ".join(shapely.is_valid_reason(geoms[invalid][:5]))
            raise CatalogueError(f"{where}, field 'geometry': invalid geometries in features {bad} ({reasons})")
        allowed = _GEOMETRY_FAMILIES.get(spec.geometry_type)
        if allowed is not None:
            types = set(frame.geom_type.unique())
            if not types <= allowed:
                raise CatalogueError(
                    f"{where}, field 'geometry_type': declared {spec.geometry_type} but data has {sorted(types)}"
                )
        x0, y0, x1, y1 = self.catalogue.plan.map_area
        bounds = shapely.bounds(geoms)
        outside = (bounds[:, 0] < x0) | (bounds[:, 1] < y0) | (bounds[:, 2] > x1) | (bounds[:, 3] > y1)
        if len(frame) and outside.any():
            bad = list(frame.index[outside][:5])
            raise CatalogueError(
                f"{where}, field 'geometry': features {bad} lie outside the plan's map_area "
                f"{list(self.catalogue.plan.map_area)}"
            )
        for name, field in spec.fields.items():
            if field.required and len(frame) and (name not in frame.columns or frame[name].isna().any()):
                raise CatalogueError(f"{where}, field 'fields.{name}': required but missing in the data")
        for name in PROVENANCE_FIELDS:
            if name not in frame.columns or frame[name].isna().any():
                raise CatalogueError(f"{where}, field {name!r}: every feature needs provenance field {name!r}")

    # ------------------------------------------------------------------ access
    @property
    def plan(self):
        return self.catalogue.plan

    @property
    def plan_id(self) -> str:
        return self.catalogue.plan.id

    @property
    def specs(self) -> list[LayerSpec]:
        return list(self.catalogue.layers)

    def spec(self, layer_id: str) -> LayerSpec:
        try:
            return self.catalogue.layer(layer_id)
        except KeyError:
            known = ", ".join(s.id for s in self.catalogue.layers)
            raise LayerNotFoundError(f"no collection {layer_id!r}; collections are: {known}") from None

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        """The layer's features (EPSG:4326), indexed by feature id. Treat as read-only."""
        self.spec(layer_id)
        return self._data[layer_id].frame

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        """A one-row GeoDataFrame holding the feature."""
        frame = self.layer(layer_id)
        if feature_id not in frame.index:
            raise FeatureNotFoundError(f"no feature {feature_id!r} in collection {layer_id!r}")
        return frame.loc[[feature_id]]

    def find_feature(self, feature_id: str, layer_ids: list[str] | None = None) -> tuple[LayerSpec, gpd.GeoDataFrame]:
        """Look a feature id up across layers (zones and projects are addressed by id alone)."""
        for spec in self.catalogue.layers:
            if layer_ids is not None and spec.id not in layer_ids:
                continue
            frame = self._data[spec.id].frame
            if feature_id in frame.index:
                return spec, frame.loc[[feature_id]]
        raise FeatureNotFoundError(f"no feature {feature_id!r} in this plan")

    @cached_property
    def boundary(self) -> shapely.Geometry:
        """The district boundary as one (multi)polygon in EPSG:4326."""
        return shapely.union_all(self.layer(self.role_layer("boundary")).geometry.values)

    @cached_property
    def metric_crs(self):
        """A metric CRS for the whole plan (the UTM zone of the district centre)."""
        from geo.crs import utm_crs_for

        centre = shapely.centroid(self.boundary)
        return utm_crs_for(centre.x, centre.y)

    # ------------------------------------------------------------------ roles
    @property
    def roles(self) -> dict[str, tuple[str, ...]]:
        """Role → ids of the layers playing it (only roles the plan gives)."""
        return {name: self.catalogue.role_layers(name) for name in self.catalogue.plan.roles}

    def role_layer(self, role: str) -> str | None:
        """The layer id playing a single-layer role, or None when the plan lacks the role."""
        return self.catalogue.role_layer(role)

    def role_layers(self, role: str) -> tuple[str, ...]:
        return self.catalogue.role_layers(role)

    @property
    def graph(self) -> Any | None:
        """The routable walk graph (osmnx MultiDiGraph, EPSG:4326) of the layer playing the streets role."""
        streets = self.role_layer("streets")
        if streets is None:
            return None
        data = self._data[streets]
        if data.graph is None and self.from_cache:  # cached layers carry no graph: read it once, on demand
            data.graph = self._load(self.spec(streets)).graph
        return data.graph

    @property
    def zone_layers(self) -> list[LayerSpec]:
        """Layers whose features are checkable zones (a ``zone_kind``), in catalogue order."""
        return [spec for spec in self.catalogue.layers if spec.zone_kind]

    @cached_property
    def zone_rulesets(self) -> dict[str, str | None]:
        """Zone id → the ruleset the plan audit judges it with (None: not judged), first layer first."""
        audits = self.audits
        out: dict[str, str | None] = {}
        for spec in self.zone_layers:
            frame = self.layer(spec.id)
            wanted = frame["ruleset"] if "ruleset" in frame.columns else None
            for i, zone_id in enumerate(frame.index):
                feature = {"ruleset": wanted.iloc[i]} if wanted is not None else {}
                out.setdefault(str(zone_id), zone_ruleset(feature, spec.zone_kind, audits, self.rulesets))
        return out

    @property
    def values_path(self) -> Path | None:
        """The plan's values file (``plan.audit_values``), or None when the plan has none."""
        name = self.catalogue.plan.audit_values
        return self.plan_dir / name if name else None

    def _load_values(self) -> list[ZoneValue]:
        path = self.values_path
        return [] if path is None else read_values_file(path, self.zone_rulesets, self.rulesets)

    # ------------------------------------------------------------------ rulesets
    def adoption(self, ruleset_id: str):
        """How this plan adopts a ruleset (status own / adopted / reference, audits, default, note)."""
        return self.catalogue.plan.rulesets.get(ruleset_id)

    @property
    def audits(self) -> dict[str, str]:
        """Zone kind → ruleset id the plan audit applies."""
        return {a.audits: rid for rid, a in self.catalogue.plan.rulesets.items() if a.audits and rid in self.rulesets}

    @property
    def default_ruleset(self) -> str | None:
        marked = [rid for rid, a in self.catalogue.plan.rulesets.items() if a.default and rid in self.rulesets]
        return marked[0] if marked else next(iter(self.rulesets), None)

    def _load_rulesets(self, shared_dir: Path) -> dict[str, Ruleset]:
        """The rulesets ``plan.rulesets`` adopts, from the shared folder and the plan's own ``rulesets/``."""
        own = sorted((self.plan_dir / "rulesets").glob("*.yaml"))
        shared = sorted(shared_dir.glob("*.yaml")) if shared_dir.is_dir() else []
        paths = {p.stem: p for p in shared} | {p.stem: p for p in own}
        wanted = list(self.catalogue.plan.rulesets)
        unknown = [rid for rid in wanted if rid not in paths]
        if unknown:
            raise CatalogueError(
                f"{self.catalogue_path}: field 'plan.rulesets': unknown ruleset(s) {', '.join(unknown)}; "
                f"rulesets found: {', '.join(sorted(paths))}"
            )
        load_rulesets(own)  # a broken file in the plan's own folder stops start-up, adopted or not
        self._ruleset_paths = [paths[rid] for rid in wanted]
        loaded = load_rulesets(self._ruleset_paths)
        for ruleset in loaded.values():
            self._check_roles(ruleset)
        return loaded

    def _check_roles(self, ruleset: Ruleset) -> None:
        """A ruleset naming a role the plan lacks still loads: its criteria then need data (said here)."""
        plan = self.plan_id
        for criterion in ruleset.criteria:
            for role in [t.role for t in criterion.targets] + list(criterion.roles):
                if not self.role_layers(role):
                    self.warnings.append(
                        f"plan {plan!r}: ruleset {ruleset.id!r}, criterion {criterion.id!r} reads role {role!r}, "
                        "which no layer plays here: it will need data")

    # ------------------------------------------------------------------ identity
    @cached_property
    def data_hash(self) -> str:
        """SHA-256 of the catalogue, every data file and every adopted ruleset file: what a result rests on."""
        digest = hashlib.sha256()
        files = [self.catalogue_path, *(self.plan_dir / "data" / s.file for s in self.catalogue.layers),
                 *self._ruleset_paths, *([self.values_path] if self.values_path else [])]
        for path in files:
            digest.update(str(path.relative_to(path.parent.parent)).encode())
            digest.update(path.read_bytes())
        return digest.hexdigest()

    def bbox(self) -> tuple[float, float, float, float]:
        """Extent of all layers, EPSG:4326."""
        bounds = np.array([d.frame.total_bounds for d in self._data.values() if len(d.frame)])
        return (float(bounds[:, 0].min()), float(bounds[:, 1].min()),
                float(bounds[:, 2].max()), float(bounds[:, 3].max()))



def available_plans(plans_dir: Path | str = PLANS_DIR) -> list[str]:
    """Plan ids found in ``plans_dir`` (none when the folder does not exist)."""
    if not Path(plans_dir).is_dir():
        return []
    return sorted(p.name for p in Path(plans_dir).iterdir() if (p / "catalogue.yaml").is_file())


def load_plan(plan_id: str, plans_dir: Path | str = PLANS_DIR, *, layer_cache: Any = None) -> Plan:
    """Load and validate a plan from its folder (each call reads the files again: keep the result)."""
    plan_dir = Path(plans_dir) / plan_id
    if not (plan_dir / "catalogue.yaml").is_file():
        known = ", ".join(available_plans(plans_dir)) or "none"
        raise PlanNotFoundError(f"no plan {plan_id!r} in {plans_dir}; plans: {known}")
    return Plan(plan_dir, layer_cache=layer_cache)
