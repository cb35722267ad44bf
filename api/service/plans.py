"""The application layer: one :class:`PlanService` per loaded plan, kept on the app's state.

It owns what is derived from a plan while the service runs (the walk network, projections, the plan audit,
coverages, map payloads) and offers the use cases the routers and the CLI call: check a site, audit the plan,
rulesets. Routers and the CLI are thin adapters over it; it calls no router.
"""

from __future__ import annotations

import json
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import shapely

from api.service.errors import BadRequestError, NotFoundError
from api.service.prepared import PreparedPlanCache, cache_dir_from_env
from geo.checks import plan_audit, run_check
from geo.network import WalkNetwork
from geo.plandata import PlanData
from geo.rules import Ruleset
from layers.catalogue import LayerSpec, PlanSpec
from layers.errors import PlanNotFoundError
from layers.plan import PLANS_DIR, Plan, available_plans, load_plan

#: coverages kept per plan (ruleset, target, distance): facilities do not change while the service runs
COVERAGE_CACHE_SIZE = 64
#: audit rows of zones judged on supplied values kept per plan (a zone and one set of its values each)
ZONE_ROW_CACHE_SIZE = 512


def with_attributes(frame: gpd.GeoDataFrame, values: Mapping[str, Mapping[str, Any]]) -> gpd.GeoDataFrame:
    """``frame`` with the given attribute values as the zones' own properties (what the plan audit reads as a
    zone's attributes); the frame itself when none of its zones has values."""
    ids = [zone_id for zone_id in frame.index if str(zone_id) in values]
    if not ids:
        return frame
    frame = frame.copy()
    for zone_id in ids:
        for name, value in values[str(zone_id)].items():
            if name not in frame.columns:
                frame[name] = None
            if frame[name].dtype != object:
                frame[name] = frame[name].astype(object)
            frame.at[zone_id, name] = value
    return frame


class PlanService:
    """A loaded plan and its use cases. Built once per plan at start-up (see :class:`PlanRegistry`).

    The read side of the plan (``layer``, ``spec``, ``specs``, ``plan``, ``rulesets``, ``boundary`` ...) is
    offered here too, so that map builders and exports read one object.
    """

    def __init__(self, source: Plan, *, build_network: bool = True, network: WalkNetwork | None = None,
                 cache: PreparedPlanCache | None = None) -> None:
        self.source = source
        started = time.perf_counter()
        if network is None and build_network and cache is not None and source.from_cache:
            network = cache.load_network(source)
        if network is None and build_network and source.role_layer("streets") is not None:
            graph = source.graph
            if graph is not None:
                network = WalkNetwork.from_graph(graph, source.metric_crs)
        if cache is not None and not source.from_cache:
            cache.store(source, network)
        #: the walk network (given by the caller when prepared elsewhere, else built from the streets role)
        self.network: WalkNetwork | None = network
        self.data = PlanData(
            layers={spec.id: source.layer(spec.id) for spec in source.specs},
            roles=source.roles,
            network=self.network,
            boundary=source.boundary,
            map_area=source.plan.map_area,
            metric_crs=source.metric_crs,
        )
        self.prepare_seconds = time.perf_counter() - started
        self._audit: dict[str, Any] | None = None
        self._audit_lock = threading.Lock()
        #: audit rows of zones judged on supplied values, by (layer, zone, values)
        self._zone_rows: OrderedDict[tuple[str, str, str], dict[str, Any]] = OrderedDict()
        self._same_shapes: dict[str, str] | None = None
        self._coverage: OrderedDict[tuple, dict[str, Any]] = OrderedDict()
        self._coverage_lock = threading.Lock()
        #: map payloads by (layer, zoom, datum), filled by :func:`maps.data.layer_payload`
        self.map_cache: dict[tuple, Any] = {}

    # ------------------------------------------------------------------ the plan, read side
    @property
    def plan_id(self) -> str:
        return self.source.plan_id

    @property
    def plan(self) -> PlanSpec:
        return self.source.plan

    @property
    def specs(self) -> list[LayerSpec]:
        return self.source.specs

    def spec(self, layer_id: str) -> LayerSpec:
        return self.source.spec(layer_id)

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        return self.source.layer(layer_id)

    def feature(self, layer_id: str, feature_id: str) -> gpd.GeoDataFrame:
        return self.source.feature(layer_id, feature_id)

    def find_feature(self, feature_id: str, layer_ids: list[str] | None = None):
        return self.source.find_feature(feature_id, layer_ids)

    def bbox(self) -> tuple[float, float, float, float]:
        return self.source.bbox()

    @property
    def graph(self):
        """The routable street graph of the plan's streets role (None without one)."""
        return self.source.graph

    @property
    def boundary(self) -> shapely.Geometry:
        return self.source.boundary

    @property
    def metric_crs(self):
        return self.source.metric_crs

    @property
    def rulesets(self) -> dict[str, Ruleset]:
        return self.source.rulesets

    @property
    def data_hash(self) -> str:
        return self.source.data_hash

    def role_layer(self, role: str) -> str | None:
        """The layer id playing ``role`` (None when the plan lacks it)."""
        return self.source.role_layer(role)

    def role_layers(self, role: str) -> tuple[str, ...]:
        return self.source.role_layers(role)

    def role_frame(self, role: str) -> gpd.GeoDataFrame | None:
        layer_id = self.role_layer(role)
        return None if layer_id is None else self.layer(layer_id)

    # ------------------------------------------------------------------ rulesets
    def ruleset(self, ruleset_id: Any, *, not_found: type[Exception] = BadRequestError) -> Ruleset:
        """The plan's ruleset ``ruleset_id``; an unknown id names the known ones."""
        if not isinstance(ruleset_id, str) or ruleset_id not in self.rulesets:
            known = ", ".join(sorted(self.rulesets)) or "none"
            raise not_found(f"unknown ruleset {ruleset_id!r}; rulesets: {known}")
        return self.rulesets[ruleset_id]

    def adoption(self, ruleset_id: str) -> dict[str, Any]:
        """Whose standard the ruleset is in this plan: ``status`` own / adopted / reference, and a note."""
        adopted = self.source.adoption(ruleset_id)
        if adopted is None:
            return {"status": "reference", "default": False, "audits": None, "note": None}
        return adopted.model_dump()

    def ruleset_summaries(self) -> list[dict[str, Any]]:
        return [{**ruleset.summary(), "adoption": self.adoption(rid),
                 "default": rid == self.source.default_ruleset} for rid, ruleset in self.rulesets.items()]

    def plan_parameters(self, ruleset: Ruleset) -> dict[str, Any]:
        """Parameters the plan itself sets for a ruleset: its night window ends the night (``night_ends``)."""
        window = self.plan.night_window
        if window and "night_ends" in ruleset.parameters:
            return {"night_ends": window[1]}
        return {}

    # ------------------------------------------------------------------ use cases
    def check_site(self, site: Any, ruleset_id: Any, *, attributes: Mapping[str, Any] | None = None,
                   parameters: Mapping[str, Any] | None = None, from_text: bool = False,
                   with_context: bool = True) -> dict[str, Any]:
        """Check a site (any form :func:`geo.site.parse_site` takes) against one of the plan's rulesets."""
        ruleset = self.ruleset(ruleset_id)
        given: Any = parameters
        if parameters is None or isinstance(parameters, Mapping):
            given = {**self.plan_parameters(ruleset), **(parameters or {})}
        report = run_check(site, ruleset, self.data, attributes=attributes, parameters=given,
                           from_text=from_text, with_context=with_context,
                           as_reference=self.adoption(ruleset.id)["status"] == "reference")
        return self._stamp(report, ruleset.id)

    def _stamp(self, report: dict[str, Any], ruleset_id: str) -> dict[str, Any]:
        """What every stored or shown report carries: the plan, its data hash and date, whose standard."""
        report["plan"] = {"id": self.plan_id, "data_date": self.plan.data_date, "data_hash": self.data_hash}
        report["adoption"] = self.adoption(ruleset_id)
        return report

    def file_values(self) -> dict[str, dict[str, Any]]:
        """Zone id → attribute → value from the plan's values file (``plan.audit_values``; empty without one)."""
        out: dict[str, dict[str, Any]] = {}
        for item in self.source.audit_values:
            out.setdefault(item.zone_id, {})[item.attribute] = item.value
        return out

    def _run_audit(self, zones: list[tuple[str, str | None, gpd.GeoDataFrame]]) -> dict[str, Any]:
        references = [rid for rid in self.rulesets if self.adoption(rid)["status"] == "reference"]
        return plan_audit(zones, self.rulesets, self.data, audits=self.source.audits, references=references,
                          parameters={rid: self.plan_parameters(r) for rid, r in self.rulesets.items()})

    def audit(self) -> dict[str, Any]:
        """The plan audit (every zone judged by the ruleset its kind is audited with, on the values of the plan's
        values file), computed once. Values saved in the store: :meth:`audit_with`."""
        with self._audit_lock:
            if self._audit is None:
                values = self.file_values()
                zones = [(spec.id, spec.zone_kind, with_attributes(self.layer(spec.id), values))
                         for spec in self.source.zone_layers]
                self._audit = {"plan": self.plan_id, "data_hash": self.data_hash,
                               "adoption": {rid: self.adoption(rid) for rid in self.source.audits.values()},
                               **self._run_audit(zones)}
            return self._audit

    def audit_with(self, values: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
        """The plan audit with the zones of ``values`` judged on those attribute values (each zone's whole set,
        the values file's and the saved edits merged) instead of the file's alone.

        Only those zones are checked again; a zone's row is kept per set of values (a new value is a new key, so
        a saved edit shows on the next call), at most :data:`ZONE_ROW_CACHE_SIZE` rows.
        """
        base = self.audit()
        if not values:
            return base
        kinds = {spec.id: spec.zone_kind for spec in self.source.zone_layers}
        zones = []
        for row in base["zones"]:
            given = values.get(row["id"])
            if given is None or row.get("ruleset") is None or row.get("layer") not in kinds:
                zones.append(row)
                continue
            zones.append(self._zone_row(row["layer"], kinds[row["layer"]], row["id"], given))
        judged = [z for z in zones if z.get("overall")]
        summary = {status: sum(1 for z in judged if z["overall"] == status) for status in ("pass", "fail", "incomplete")}
        summary.update(zones=len(zones), not_judged=len(zones) - len(judged))
        return {**base, "zones": zones, "summary": summary}

    def _zone_row(self, layer_id: str, zone_kind: str | None, zone_id: str,
                  values: Mapping[str, Any]) -> dict[str, Any]:
        key = (layer_id, zone_id, json.dumps(values, sort_keys=True, ensure_ascii=False, default=str))
        with self._audit_lock:
            if key in self._zone_rows:
                self._zone_rows.move_to_end(key)
                return self._zone_rows[key]
        frame = with_attributes(self.layer(layer_id).loc[[zone_id]], {zone_id: values})
        row = self._run_audit([(layer_id, zone_kind, frame)])["zones"][0]
        with self._audit_lock:
            self._zone_rows[key] = row
            while len(self._zone_rows) > ZONE_ROW_CACHE_SIZE:
                self._zone_rows.popitem(last=False)
        return row

    def same_shapes(self) -> dict[str, str]:
        """Zone id → the zone drawn with the same shape in an earlier zone layer (listed once by the audit)."""
        if self._same_shapes is None:
            from maps.audit import same_shapes

            self._same_shapes = same_shapes([(spec.id, self.layer(spec.id)) for spec in self.source.zone_layers])
        return self._same_shapes

    def zone_audit(self, zone_id: str) -> dict[str, Any] | None:
        """The audit row of one zone, or None when the zone is not audited."""
        return next((z for z in self.audit()["zones"] if z["id"] == zone_id), None)

    def cached_coverage(self, key: tuple, compute) -> dict[str, Any]:
        """A coverage result kept per (ruleset, target, distance), least recently used first out."""
        with self._coverage_lock:
            if key in self._coverage:
                self._coverage.move_to_end(key)
                return self._coverage[key]
        result = compute()
        with self._coverage_lock:
            self._coverage[key] = result
            while len(self._coverage) > COVERAGE_CACHE_SIZE:
                self._coverage.popitem(last=False)
        return result

    def summary(self) -> dict[str, Any]:
        """The plan as ``GET /plans`` lists it."""
        return {"id": self.plan_id, "title": self.plan.title.model_dump(), "district": self.plan.district.model_dump(),
                "bbox": list(self.bbox()), "data_date": self.plan.data_date, "data_hash": self.data_hash}


def load_service(plan_id: str, plans_dir: Path | str = PLANS_DIR, *, build_network: bool = True,
                 cache_dir: Path | str | None = None) -> PlanService:
    """Load one plan and prepare it, through the prepared-plan cache when there is one (``cache_dir``, else
    the environment's)."""
    root = Path(cache_dir) if cache_dir is not None else cache_dir_from_env()
    cache = PreparedPlanCache(root) if root is not None else None
    return PlanService(load_plan(plan_id, plans_dir, layer_cache=cache), build_network=build_network, cache=cache)


class PlanRegistry:
    """The plans one service serves, each with its own :class:`PlanService` (no cache is shared)."""

    def __init__(self, services: Iterable[PlanService], default: str) -> None:
        self._services = {service.plan_id: service for service in services}
        if default not in self._services:
            raise PlanNotFoundError(f"default plan {default!r} is not among the loaded plans "
                                    f"({', '.join(self._services) or 'none'})")
        self.default_id = default

    @classmethod
    def load(cls, plan_ids: Iterable[str] | None, default: str, plans_dir: Path | str = PLANS_DIR,
             *, build_network: bool = True, cache_dir: Path | str | None = None) -> PlanRegistry:
        """Load and validate the plans (all plan folders when ``plan_ids`` is None); a bad one stops start-up.

        Prepared plans are read from and written to ``cache_dir`` (default: the environment's, see
        :func:`api.service.prepared.cache_dir_from_env`; none when unset).
        """
        ids = list(plan_ids) if plan_ids else available_plans(plans_dir)
        if default not in ids:
            ids.insert(0, default)
        return cls([load_service(pid, plans_dir, build_network=build_network, cache_dir=cache_dir)
                    for pid in ids], default)

    @property
    def default(self) -> PlanService:
        return self._services[self.default_id]

    def get(self, plan_id: str) -> PlanService:
        try:
            return self._services[plan_id]
        except KeyError:
            raise NotFoundError(f"no plan {plan_id!r}; plans: {', '.join(self._services)}") from None

    def __iter__(self):
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)
