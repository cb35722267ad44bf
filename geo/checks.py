"""Site checks and the plan audit: measure a site, judge it against a ruleset, place it in the plan.

Pure: the caller passes the plan as a :class:`geo.plandata.PlanData` (layers, roles, walk network, boundary);
nothing here reads files or names a plan's layers. The report is the contract documented in the README ("The check report").
"""

from __future__ import annotations

import math
import threading
import weakref
from collections.abc import Iterable, Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.accessibility import walking_distance_arrays
from geo.errors import CriteriaError, GeoError, InvalidGeometryError
from geo.measure import MEASURES, measure_geometry
from geo.plandata import PlanData
from geo.rules import Ruleset
from geo.rules import kinds as crit
from geo.rules import values as rule_values
from geo.site import Site, parse_site

#: roles whose accessibility target makes an audit's transit column (public transport access)
TRANSIT_ROLES = ("bus_stops", "transit_stations")


def _name(row: Mapping[str, Any], fid: Any) -> str:
    name = row.get("name")
    return str(name) if isinstance(name, str) and name else str(fid)


def _clean(value: Any) -> Any:
    """JSON-safe copy: non-finite floats → None, numpy scalars → Python, tuples → lists."""
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is float:
        return value if math.isfinite(value) else None
    if kind is dict:
        return {(k if type(k) is str else str(k)): _clean(v) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [_clean(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


class _FrameFacts:
    """What checks read of a plan layer again and again (ids, names, columns, target masks), computed once per
    frame while it lives: a plan's layers are read-only, so none of it changes between checks."""

    def __init__(self) -> None:
        self._facts: dict[int, tuple[weakref.ref, dict[Any, Any]]] = {}
        self._lock = threading.Lock()

    def get(self, frame: gpd.GeoDataFrame, key: Any, compute) -> Any:
        with self._lock:
            entry = self._facts.get(id(frame))
            if entry is None or entry[0]() is not frame:
                for stale in [k for k, (ref, _) in self._facts.items() if ref() is None]:
                    self._facts.pop(stale, None)
                entry = self._facts[id(frame)] = (weakref.ref(frame), {})
            facts = entry[1]
            if key in facts:
                return facts[key]
        value = compute()
        with self._lock:
            facts[key] = value
        return value


_FACTS = _FrameFacts()


# ---------------------------------------------------------------------------------------------- accessibility
def _target_mask(frame: gpd.GeoDataFrame, layer_id: str, filters: Mapping[str, list[str]]) -> np.ndarray | str:
    """Which features of a layer are targets; a string says why there are none."""
    key = ("mask", layer_id, tuple((column, tuple(allowed)) for column, allowed in filters.items()))
    return _FACTS.get(frame, key, lambda: _compute_target_mask(frame, layer_id, filters))


def _compute_target_mask(frame: gpd.GeoDataFrame, layer_id: str,
                         filters: Mapping[str, list[str]]) -> np.ndarray | str:
    mask = np.ones(len(frame), dtype=bool)
    for column, allowed in filters.items():
        if column not in frame.columns:
            return f"layer {layer_id!r} has no field {column!r}"
        mask &= frame[column].isin(allowed).to_numpy()
    if not mask.any():
        wanted = "; ".join(f"{c} in {v}" for c, v in filters.items())
        return f"layer {layer_id!r} has no feature with {wanted}"
    return mask


def _ids(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Feature ids as strings (computed once per frame)."""
    return _FACTS.get(frame, "ids", lambda: frame.index.astype(str).to_numpy())


def _names(frame: gpd.GeoDataFrame) -> np.ndarray:
    """Feature names, the id where a feature has none (computed once per frame)."""
    def compute() -> np.ndarray:
        ids = _ids(frame)
        if "name" not in frame.columns:
            return ids
        names = frame["name"].to_numpy(dtype=object)
        return np.where([isinstance(n, str) and bool(n) for n in names], names, ids)

    return _FACTS.get(frame, "names", compute)


def _target_geometries(plan: PlanData, groups: list[tuple[Any, Any, str, np.ndarray]]) -> np.ndarray:
    """The target geometries of a check's groups in one array; the same array object while the same groups come
    back (the network's target cache then recognises it without hashing the geometries)."""
    layers = plan.layers
    anchor = layers[groups[0][2]]
    key = ("targets", tuple((layer, rows.tobytes()) for _, _, layer, rows in groups),
           tuple(id(layers[layer]) for _, _, layer, _ in groups))
    return _FACTS.get(anchor, key, lambda: np.concatenate(
        [np.asarray(layers[layer].geometry.values[rows], dtype=object) for _, _, layer, rows in groups]))


#: the network search of a check stops at twice the largest distance its criteria ask for (so a near miss still
#: shows its distance), and never below this radius, within which the nearest stations are listed
MIN_SEARCH_RADIUS_M = 2000.0


def search_radius(ruleset: Ruleset, parameters: Mapping[str, Any]) -> float:
    """How far a check walks: ``max(2 × the largest target distance, MIN_SEARCH_RADIUS_M)`` metres."""
    limits = [rule_values.target_max(t, parameters) for c in ruleset.criteria for t in c.targets]
    return max([2.0 * limit for limit in limits] + [MIN_SEARCH_RADIUS_M])


def _walks(ruleset: Ruleset, site: shapely.Geometry, plan: PlanData, parameters: Mapping[str, Any],
           stations: bool, warnings: list[str]) -> tuple[dict[str, dict[str, Any]], list[dict[str, Any]]]:
    """Walking distances for every accessibility criterion and the nearest stations, in one network search.

    Returns the nearest target per (criterion, target key) — or ``{"missing": why}`` — and the nearest
    stations (with routes) for the context.
    """
    layers = plan.layers
    found: dict[str, dict[str, Any]] = {}
    groups: list[tuple[str | None, str | None, str, np.ndarray]] = []  # (criterion, key, layer, row positions)
    for criterion in ruleset.criteria:
        for target in criterion.targets:
            layer_id = rule_values.target_layer(target, parameters, plan.roles)
            if layer_id is None:
                why: np.ndarray | str = f"this plan has no layer playing the role {target.role!r}"
            elif layer_id not in layers:
                if target.layer_parameter and parameters.get(target.layer_parameter):
                    raise CriteriaError(
                        f"parameter {target.layer_parameter!r} names layer {layer_id!r}, which is not in this "
                        f"plan; layers: {', '.join(sorted(layers))}")
                why = f"layer {layer_id!r} is not in this plan"
            else:
                why = _target_mask(layers[layer_id], layer_id, target.filter)
            if isinstance(why, str):
                found.setdefault(criterion.id, {})[target.key] = {"missing": why}
                warnings.append(f"{criterion.id}: no data for {target.key} — {why}")
                continue
            groups.append((criterion.id, target.key, layer_id, np.flatnonzero(why)))
    limit = int(parameters.get("nearest_stations", 3))
    station_layer = plan.role_layer("transit_stations")
    if stations and limit > 0 and station_layer is not None and len(station_layer[1]):
        groups.append((None, None, station_layer[0], np.arange(len(station_layer[1]))))
    if not groups:
        return found, []

    geometry = _target_geometries(plan, groups)
    group = np.concatenate([np.full(len(rows), number) for number, (_, _, _, rows) in enumerate(groups)])
    detour = float(parameters["detour_factor"])
    station_group = len(groups) - 1 if groups[-1][0] is None else -1  # routes are drawn for stations only
    cutoff = search_radius(ruleset, parameters)
    walked = walking_distance_arrays(plan.network, site, geometry, detour_factor=detour,
                                     metric_crs=plan.metric_crs, with_routes=group == station_group,
                                     max_distance_m=cutoff)
    distance, straight = walked.distance_m.astype(float), walked.straight_m.astype(float)
    method, routes = walked.method, walked.route

    nearest_stations: list[dict[str, Any]] = []
    offset = 0
    for cid, key, layer_id, rows in groups:
        span = slice(offset, offset + len(rows))
        offset += len(rows)
        order = np.lexsort((straight[span], distance[span]))
        frame = layers[layer_id]
        ids = _ids(frame)[rows]
        names = _names(frame)[rows]
        if cid is not None:
            best = order[0]
            hit = {"id": ids[best], "name": names[best], "distance_m": float(distance[span][best]),
                   "straight_m": float(straight[span][best]), "method": method[span][best]}
            basis = _column(frame, "basis")[rows][best]
            if isinstance(basis, str) and basis:
                hit["basis"] = basis
            found.setdefault(cid, {})[key] = hit
            continue
        modes = _column(frame, "mode")[rows]
        chosen = [i for i in order if np.isfinite(distance[span][i])][:limit]
        for i in chosen:
            route = routes[span][i]
            nearest_stations.append({
                "id": ids[i], "name": names[i], "mode": modes[i],
                "distance_m": round(float(distance[span][i]), 1), "straight_m": round(float(straight[span][i]), 1),
                "method": method[span][i],
                "route": shapely.geometry.mapping(route) if route is not None and not route.is_empty else None,
            })
    fallbacks = [f"{cid} → {key} {hit['name']} ({hit['method']})" for cid, targets in found.items()
                 for key, hit in targets.items() if "missing" not in hit and hit["method"] != "network"]
    if fallbacks:
        reasons = "; ".join(walked.notes) or "network not reached"
        warnings.append(f"walking distances not along the street network for {', '.join(fallbacks)}: {reasons}")
    return found, nearest_stations


# ---------------------------------------------------------------------------------------------- context
def _hits(frame: gpd.GeoDataFrame, site_m: shapely.Geometry, plan: PlanData,
          within_m: float) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the features within ``within_m`` of the site, nearest first, and their distances."""
    geoms = plan.projector.layer(frame)
    if not len(geoms):
        return np.empty(0, int), np.empty(0)
    distance = shapely.distance(geoms, site_m)
    positions = np.flatnonzero(distance <= within_m)
    positions = positions[np.argsort(distance[positions], kind="stable")]
    return positions, distance[positions]


def _location(ruleset: Ruleset, site_m: shapely.Geometry, plan: PlanData) -> dict[str, list[dict[str, Any]] | None]:
    result: dict[str, list[dict[str, Any]] | None] = {}
    for criterion in ruleset.criteria:
        if criterion.kind != "location":
            continue
        present = [pair for role in criterion.roles for pair in plan.role_layers(role)]
        if not present:
            result[criterion.id] = None
            continue
        hits = []
        for layer_id, frame in present:
            positions, _ = _hits(frame, site_m, plan, 0.0)
            ids, names = _ids(frame), _names(frame)
            hits.extend({"layer": layer_id, "id": ids[i], "name": names[i]} for i in positions)
        result[criterion.id] = hits
    return result


def _column(frame: gpd.GeoDataFrame, name: str) -> np.ndarray:
    """A column as an object array (None throughout when the frame lacks it), read once per frame."""
    return _FACTS.get(frame, ("column", name), lambda: frame[name].to_numpy(dtype=object) if name in frame.columns
                      else np.full(len(frame), None))


def _context(site: shapely.Geometry, site_m: shapely.Geometry, *, plan: PlanData,
             parameters: Mapping[str, Any], nearest_stations: list[dict[str, Any]],
             warnings: list[str]) -> dict[str, Any]:
    within_m = float(parameters["context_distance_m"])
    context: dict[str, Any] = {"context_distance_m": within_m}
    elements = []
    for layer_id, frame in plan.role_layers("plan_elements"):
        positions, distances = _hits(frame, site_m, plan, within_m)
        ids, names = _ids(frame), _names(frame)
        elements.extend({"layer": layer_id, "id": ids[i], "name": names[i],
                         "relation": "intersects" if d == 0 else "nearby", "distance_m": round(float(d), 1)}
                        for i, d in zip(positions, distances, strict=True))
    context["plan_elements"] = elements

    context["subdistrict"] = None
    context["subdistricts"] = []
    subdistricts = plan.role_layer("subdistricts")
    if subdistricts is not None and len(subdistricts[1]):
        frame = subdistricts[1]
        geoms = plan.projector.layer(frame)
        overlap = np.flatnonzero(shapely.intersects(geoms, site_m))
        if len(overlap):
            if site_m.geom_type in ("Polygon", "MultiPolygon"):
                share = shapely.area(shapely.intersection(geoms[overlap], site_m))
            elif site_m.geom_type in ("LineString", "MultiLineString"):
                share = shapely.length(shapely.intersection(geoms[overlap], site_m))
            else:
                share = np.ones(len(overlap))
            ids, names = _ids(frame), _names(frame)
            order = overlap[np.argsort(-share, kind="stable")]
            context["subdistricts"] = [{"id": ids[i], "name": names[i]} for i in order]
            context["subdistrict"] = context["subdistricts"][0]

    projects = []
    for _, frame in plan.role_layers("projects"):
        positions, distances = _hits(frame, site_m, plan, within_m)
        ids, names = _ids(frame), _names(frame)
        status, element = _column(frame, "status"), _column(frame, "layout_element")
        projects.extend({"id": ids[i], "name": names[i], "status": status[i], "layout_element": element[i],
                         "distance_m": round(float(d), 1)} for i, d in zip(positions, distances, strict=True))
    context["nearby_projects"] = projects
    context["nearest_stations"] = nearest_stations

    for key, role in (("distance_to_axis_m", "axis"), ("distance_to_coast_m", "coast")):
        found = plan.role_layer(role)
        if found is not None and len(found[1]):
            context[key] = round(float(shapely.distance(plan.projector.layer(found[1]), site_m).min()), 1)
        else:
            context[key] = None
            warnings.append(f"{key}: null — this plan has no layer playing the role {role!r}")
    boundary = plan.boundary
    context["in_district"] = bool(boundary.covers(site)) if boundary is not None and not boundary.is_empty else None
    return context


# ---------------------------------------------------------------------------------------------- check
def run_check(site: Any, ruleset: Ruleset, plan: PlanData, *, attributes: Mapping[str, Any] | None = None,
              parameters: Mapping[str, Any] | None = None, from_text: bool = False,
              with_context: bool = True, as_reference: bool = False,
              with_drawing: bool = True) -> dict[str, Any]:
    """Measure a site, judge it against ``ruleset`` and place it in the plan.

    Parameters
    ----------
    site
        Anything :func:`geo.site.parse_site` accepts (GeoJSON geometry/Feature, bbox, point, shapely), or a
        :class:`~geo.site.Site` already parsed.
    ruleset
        The declared criteria (:class:`geo.rules.Ruleset`).
    plan
        The plan's layers, roles, walk network, boundary and metric CRS (:class:`geo.plandata.PlanData`).
        Sites outside the boundary are flagged, sites larger than the map area refused; without a network,
        walking distances fall back to straight line × detour factor and the report says so.
    attributes, parameters
        Supplied by the planner; validated against the ruleset (unknown or mistyped → CriteriaError).
    from_text
        Attributes and parameters are command-line strings to parse.
    with_context
        Include the plan context (skipped by the plan audit).
    as_reference
        The plan uses the ruleset as another place's standard, for reference: items bound to that place
        become manual reviews (see :func:`geo.rules.kinds.evaluate`).
    with_drawing
        Include the drawn centre line and width transects (EPSG:4326 GeoJSON); batch screening, which shows
        neither, skips them (``centreline`` and ``width_profile`` are then None; nothing else changes).

    Returns
    -------
    The report dict (the README's "The check report"); JSON-safe.
    """
    parsed = site if isinstance(site, Site) else parse_site(
        site, allowed=ruleset.geometry, boundary=plan.boundary, map_area=plan.map_area)
    if parsed.family not in ruleset.geometry:
        raise InvalidGeometryError(
            f"a {parsed.geometry.geom_type} cannot be checked with ruleset {ruleset.id!r}; "
            f"it needs a {' or '.join(ruleset.geometry)}")
    given_attributes = rule_values.coerce_attributes(ruleset, attributes, from_text=from_text)
    resolved = rule_values.resolve_parameters(ruleset, parameters, from_text=from_text)
    warnings = list(parsed.warnings)
    geometry = parsed.geometry
    projector = plan.projector
    site_m = projector.to_metric(geometry)
    crs_name = projector.name
    values, profile = measure_geometry(site_m, width_m=given_attributes.get("width_m"),
                                      transect_spacing_m=float(resolved["transect_spacing_m"]), crs_name=crs_name)
    measured = {key: (None if pd.isna(values[key]) else float(values[key])) for key in MEASURES}
    measurements: dict[str, Any] = {key: (None if value is None else round(value, 2))
                                    for key, value in measured.items()}
    measurements["n_transects"] = None if pd.isna(values["n_transects"]) else int(values["n_transects"])
    measurements["method"] = values["method"]
    centre_line = width_profile = None
    if with_drawing and parsed.family == "polygon" and profile is not None and not profile.centreline.is_empty:
        centre_line = shapely.geometry.mapping(projector.to_wgs84(shapely.simplify(profile.centreline, 0.05)))
        width_profile = {
            "transects": shapely.geometry.mapping(projector.to_wgs84(shapely.multilinestrings(
                list(shapely.get_parts(profile.transects))))) if len(profile.transects) else None,
            "widths_m": [round(float(w), 2) for w in profile.widths],
        }

    accessibility, stations = _walks(ruleset, geometry, plan, resolved, with_context, warnings)
    location = _location(ruleset, site_m, plan)
    # a centre line's widths are the width_m attribute, not a measurement of the drawn geometry
    supplied = tuple(k for k in MEASURES if k.startswith("width")) if (
        parsed.family == "line" and given_attributes.get("width_m") is not None) else ()
    results = crit.evaluate(ruleset, measurements={**measurements, **measured, "supplied": supplied},
                            attributes=given_attributes,
                            parameters=resolved, accessibility=accessibility, location=location,
                            roles=plan.roles, as_reference=as_reference)
    report = {
        "ruleset": ruleset.id,
        "ruleset_title": {"zh": ruleset.title.zh, "en": ruleset.title.en},
        "overall": crit.overall(results),
        "summary": crit.summary(results),
        "geometry_type": geometry.geom_type,
        "crs_metric": crs_name,
        "measurements": measurements,
        "centreline": centre_line,
        "width_profile": width_profile,
        "criteria": results,
        "context": (_context(geometry, site_m, plan=plan, parameters=resolved, nearest_stations=stations,
                             warnings=warnings)
                    if with_context else None),
        "warnings": warnings,
        "attributes": given_attributes,
        "parameters": resolved,
        "site": shapely.geometry.mapping(geometry),
    }
    return _clean(report)


# ---------------------------------------------------------------------------------------------- audit
def _zone_attributes(ruleset: Ruleset, row: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Ruleset attributes a zone feature holds in its properties (invalid values are reported, not used)."""
    found: dict[str, Any] = {}
    problems: list[str] = []
    for name, spec in ruleset.attributes.items():
        value = row.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)):
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, np.ndarray):
            value = value.tolist()
        try:
            found[name] = rule_values.coerce_attribute(name, spec, value, from_text=isinstance(value, str))
        except CriteriaError as exc:
            problems.append(str(exc))
    return found, problems


def transit_criterion(ruleset: Ruleset) -> str | None:
    """The id of the ruleset's accessibility criterion that targets public transport (bus stops, stations)."""
    for criterion in ruleset.criteria:
        if criterion.kind == "accessibility" and any(t.role in TRANSIT_ROLES for t in criterion.targets):
            return criterion.id
    return None


def plan_audit(zones: Iterable[tuple[str, str | None, gpd.GeoDataFrame]], rulesets: Mapping[str, Ruleset],
               plan: PlanData, *, audits: Mapping[str, str],
               references: Iterable[str] = (),
               parameters: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    """Run the right ruleset over every zone of the plan.

    Parameters
    ----------
    zones
        ``(layer_id, zone_kind, frame)`` for every layer with a zone kind (street | complex | area).
    rulesets
        The plan's rulesets by id. A feature's ``ruleset`` property picks one (``none`` = not judged); otherwise
        ``audits`` does.
    plan
        The plan's data (:class:`geo.plandata.PlanData`).
    audits
        Zone kind → ruleset id the plan applies to zones of that kind (the catalogue's ``audits``).
    references
        Ids of the rulesets the plan uses as another place's standard (see ``as_reference`` of
        :func:`run_check`).
    parameters
        Ruleset id → parameters the plan sets for it (e.g. the end of its night window).

    Returns
    -------
    ``{"zones": [...], "summary": {...}}``. Each zone: ``id, name, layer, zone_kind, ruleset, length_m,
    width_mean_m, width_min_m, area_m2, transit, overall, counts, criteria, failed, needs_data, provenance,
    warnings``. Length and width are given for street zones only (a medial axis of an area or a building
    footprint is no street length). Zones without a ruleset (areas) report their area and transit access with
    ``overall`` null. A zone's own properties named like ruleset attributes are used as attributes.
    ``zone_kind`` is the feature's own where its ruleset says it (a night-economy complex), else the layer's.
    """
    transit_ruleset = next((r for r in rulesets.values() if transit_criterion(r)), None)
    references = set(references)
    rows = []
    for layer_id, zone_kind, frame in zones:
        for fid, feature in frame.iterrows():
            wanted = feature.get("ruleset") if "ruleset" in frame.columns else None
            if not isinstance(wanted, str) or not wanted:
                wanted = audits.get(zone_kind or "")
            ruleset = rulesets.get(wanted) if wanted and wanted != "none" else None
            kind = next((k for k, r in audits.items() if r == wanted), "area" if wanted == "none" else zone_kind)
            entry: dict[str, Any] = {"id": str(fid), "name": _name(feature, fid), "layer": layer_id,
                                     "zone_kind": kind, "ruleset": ruleset.id if ruleset else None}
            used = ruleset or transit_ruleset
            if used is None:
                rows.append({**entry, "overall": None, "error": "no ruleset available"})
                continue
            attributes, problems = _zone_attributes(used, feature)
            try:
                report = run_check(feature.geometry, used, plan, attributes=attributes, with_context=False,
                                   as_reference=used.id in references,
                                   parameters=(parameters or {}).get(used.id))
            except GeoError as exc:
                rows.append({**entry, "overall": None, "error": str(exc)})
                continue
            if _is_placeholder(feature):
                report = _geometry_unknown(report, used)
            elif _is_stand_in(feature):
                report = _on_stand_in(report, used)
            rows.append({**entry, **_audit_row(report, ruleset, transit_criterion(used)),
                         "provenance": _provenance(feature), "warnings": problems + report["warnings"]})
    judged = [r for r in rows if r.get("overall")]
    summary = {status: sum(1 for r in judged if r["overall"] == status) for status in ("pass", "fail", "incomplete")}
    summary["zones"] = len(rows)
    summary["not_judged"] = len(rows) - len(judged)
    return _clean({"zones": rows, "summary": summary})




def _is_placeholder(feature: Mapping[str, Any]) -> bool:
    """A zone whose position or shape is a stand-in (the data says ``placeholder: true``)."""
    value = feature.get("placeholder")
    return bool(value) and not (isinstance(value, float) and np.isnan(value))


def _is_stand_in(feature: Mapping[str, Any]) -> bool:
    """A zone drawn as a schematic stand-in for a place whose real outline is not in the data."""
    basis = feature.get("geometry_basis")
    if isinstance(basis, str) and basis:
        return basis == "stand-in"
    value = feature.get("schematic")
    return value is True or value == 1


def _on_stand_in(report: dict[str, Any], ruleset: Ruleset) -> dict[str, Any]:
    """Say on each spatial verdict of a schematic zone that it rests on a stand-in shape, not a survey."""
    spatial = {c.id for c in ruleset.criteria if crit.KINDS[c.kind].spatial}
    criteria = [{**r, "basis": crit.STAND_IN} if r["id"] in spatial and r["basis"] == crit.MEASURED else r
                for r in report["criteria"]]
    return {**report, "criteria": criteria}


def _geometry_unknown(report: dict[str, Any], ruleset: Ruleset) -> dict[str, Any]:
    """Turn the spatial criteria of a placeholder zone into needs-data: its drawn shape says nothing real."""
    spatial = {c.id for c in ruleset.criteria if crit.KINDS[c.kind].spatial}
    criteria = []
    for result in report["criteria"]:
        if result["id"] in spatial:
            result = {**result, "status": crit.NEEDS_DATA, "value": None, "basis": crit.STAND_IN,
                      "missing_attribute": "geometry",
                      "note": "the zone's position and shape are a placeholder in the data (not located); "
                              "draw or load its surveyed outline to measure this criterion"}
        criteria.append(result)
    warning = "placeholder geometry: spatial criteria need a located outline"
    unknown = dict.fromkeys(("length_m", "width_mean_m", "width_min_m", "width_max_m", "area_m2"))
    measurements = {**report["measurements"], **unknown,
                    "method": "not measured: the zone's geometry is a placeholder"}
    return {**report, "criteria": criteria, "measurements": measurements, "overall": crit.overall(criteria), "summary": crit.summary(criteria),
            "warnings": [*report["warnings"], warning]}


def _provenance(feature: Mapping[str, Any]) -> dict[str, Any]:
    """How far to trust a zone's geometry (its own provenance fields)."""
    return {key: feature.get(key) for key in ("source", "method", "accuracy_m", "schematic") if key in feature}


def _audit_row(report: dict[str, Any], ruleset: Ruleset | None, transit_id: str | None) -> dict[str, Any]:
    m = report["measurements"]
    by_id = {c["id"]: c for c in report["criteria"]}
    transit = by_id.get(transit_id) if transit_id else None
    row = {
        "length_m": m["length_m"], "width_mean_m": m["width_mean_m"], "width_min_m": m["width_min_m"],
        "area_m2": m["area_m2"],
        "transit": None if transit is None else {
            "status": transit["status"], "value": transit["value"], "threshold": transit["threshold"],
            "method": transit["method"], "basis": transit["basis"], "basis_note": transit.get("basis_note"),
        },
    }
    street_measures = ruleset is not None and any(
        c.kind == "measurement" and c.measure.startswith(("length", "width")) for c in ruleset.criteria)
    if not street_measures:
        # the medial-axis "length" of an area or a building footprint is not a street length: leave it out
        row.update(length_m=None, width_mean_m=None, width_min_m=None)
    if ruleset is None:
        return {**row, "overall": None, "counts": None, "failed": [], "needs_data": []}
    return {
        **row,
        "overall": report["overall"],
        "counts": report["summary"],
        "criteria": {c["id"]: c["status"] for c in report["criteria"]},
        "bases": {c["id"]: c["basis"] for c in report["criteria"]},
        "failed": [c["id"] for c in report["criteria"] if c["status"] == "fail"],
        "needs_data": [c["id"] for c in report["criteria"] if c["status"] == "needs-data"],
    }
