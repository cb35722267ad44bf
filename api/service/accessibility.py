"""Use cases of walking access: isochrones, nearest features, service-circle coverage and its summary.

Pure of HTTP: the accessibility routes are thin adapters over these functions; coverages are kept by the
plan's application object.
"""

from __future__ import annotations

import math
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from api import ogc
from api.service.errors import BadRequestError
from api.service.plans import PlanService
from geo.accessibility import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_SPEED_M_PER_MIN,
    CoverageTarget,
    coverage_targets,
    covered_areas,
    isochrone,
    rank_nearest,
    target_coverage,
    walking_distances,
)
from geo.site import parse_site
from layers.errors import LayerNotFoundError

MAX_MINUTES = 60.0
MAX_SPEED_M_PER_MIN = 300.0
MAX_NEAREST = 50
MAX_COVERAGE_M = 5000.0


def isochrone_feature(store: PlanService, lon: float, lat: float, minutes: float = 15.0,
                      speed: float = DEFAULT_SPEED_M_PER_MIN) -> dict[str, Any]:
    """A GeoJSON Feature (EPSG:4326): the walk isochrone polygon, with how it was computed.

    Properties: ``minutes``, ``speed_m_per_min``, ``distance_m`` (walking budget), ``method`` (``network``, or
    a straight-line circle where the point is off the street network), ``area_m2``, ``reached_nodes``,
    ``snap_distance_m``, ``buffer_m``, ``origin``, ``warnings`` and ``attribution``.
    """
    warnings = _check_point(store, lon, lat)
    _check_finite("minutes", minutes)
    if not 0 < minutes <= MAX_MINUTES:
        raise BadRequestError(f"minutes must be greater than 0 and at most {MAX_MINUTES:g}, got {minutes:g}")
    _check_finite("speed", speed)
    if not 0 < speed <= MAX_SPEED_M_PER_MIN:
        raise BadRequestError(
            f"speed (metres per minute) must be greater than 0 and at most {MAX_SPEED_M_PER_MIN:g}, got {speed:g}"
        )
    polygon, info = isochrone(store.network, lon, lat, minutes, speed_m_per_min=speed)
    properties = {
        "minutes": info["minutes"],
        "speed_m_per_min": info["speed_m_per_min"],
        "distance_m": info["distance_m"],
        "method": info["method"],
        "area_m2": round(info["area_m2"], 1),
        "reached_nodes": info["reached_nodes"],
        "snap_distance_m": _rounded(info["snap_distance_m"]),
        "buffer_m": info["buffer_m"],
        "origin": [lon, lat],
        "warnings": warnings + info["warnings"],
        "attribution": _attribution(store),
    }
    return {"type": "Feature", "geometry": shapely.geometry.mapping(polygon), "properties": properties}


def nearest_features(store: PlanService, lon: float, lat: float, layer: str | None = None, limit: int = 5,
                     detour: float = DEFAULT_DETOUR_FACTOR) -> dict[str, Any]:
    """A GeoJSON FeatureCollection of the ``limit`` nearest features, nearest first.

    Each feature keeps its geometry and layer properties and adds ``rank``, ``distance_m``, ``straight_m``,
    ``method`` (``network`` or ``straight-line×<detour>``) and ``route`` (the walked route as a GeoJSON
    LineString, or null for fallbacks).
    """
    warnings = _check_point(store, lon, lat)
    if not 1 <= limit <= MAX_NEAREST:
        raise BadRequestError(f"limit must be between 1 and {MAX_NEAREST}, got {limit}")
    _check_finite("detour", detour)
    if not 1.0 <= detour <= 5.0:
        raise BadRequestError(f"detour must be between 1 and 5, got {detour:g}")
    if layer is None:
        layer = store.role_layer("transit_stations")
        if layer is None:
            raise BadRequestError("this plan has no layer playing the role 'transit_stations': name a layer")
    targets = store.layer(layer)
    site = shapely.Point(lon, lat)
    distances = walking_distances(store.network, site, targets, detour_factor=detour, with_routes=False)
    nearest = rank_nearest(targets, distances, limit)
    # draw routes only for the features returned
    routed = walking_distances(store.network, site, targets.loc[nearest.index], detour_factor=detour)
    fields = [c for c in targets.columns if c != targets.geometry.name]
    features = []
    for rank, fid in enumerate(nearest.index, start=1):
        row = targets.loc[fid]
        properties = {name: ogc.json_safe(row[name]) for name in fields}
        route = routed.at[fid, "route"]
        properties.update(
            rank=rank,
            distance_m=_rounded(routed.at[fid, "distance_m"]),
            straight_m=_rounded(routed.at[fid, "straight_m"]),
            method=routed.at[fid, "method"],
            route=shapely.geometry.mapping(route) if route is not None else None,
        )
        features.append({"type": "Feature", "id": str(fid), "geometry": shapely.geometry.mapping(row.geometry),
                         "properties": properties})
    for reason, count in distances.attrs.get("notes", {}).items():
        warnings.append(f"{count} feature(s): {reason}; straight-line distance × {detour:g} used")
    return {
        "type": "FeatureCollection",
        "layer": layer,
        "origin": [lon, lat],
        "numberReturned": len(features),
        "warnings": warnings,
        "attribution": _attribution(store),
        "features": features,
    }


def coverage_collection(store: PlanService, ruleset: str | None = None, target: str | None = None,
                        distance: float | None = None, *, cache_step: float | None = None) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326): the coverage, then one feature per subdistrict.

    The first feature is the covered part of the district (the area within ``distance_m`` of walking along
    the streets from any facility of the kind, 35 m either side of the reached streets, blocks they ring
    filled) with ``target``, ``title_zh``, ``title_en``, ``distance_m``, ``facilities`` (count), ``method``,
    ``share_of_district`` (0–1), ``covered_m2``, ``district_area_m2`` and ``notes``. Each subdistrict
    (layer ``subdistricts``, when the plan has it) follows with its covered part as geometry and ``name``,
    ``area_m2``, ``covered_m2``, ``share``. A kind without facilities is a real answer: nothing covered,
    share 0, and a note.

    With ``cache_step``, only the ruleset's distance and multiples of ``cache_step`` metres are kept in the
    plan's coverage cache (at most ``MAX_COVERAGE_M / cache_step`` per target): other distances are computed
    and not kept, so a client varying the distance cannot push the common answers out.
    """
    chosen, rules = _coverage_target(store, ruleset or default_coverage_ruleset(store), target)
    if distance is not None:
        _check_finite("distance", distance)
        if not 0 < distance <= MAX_COVERAGE_M:
            raise BadRequestError(
                f"distance (metres) must be greater than 0 and at most {MAX_COVERAGE_M:g}, got {distance:g}")
    on_grid = distance is None or not cache_step or math.isclose(distance / cache_step, round(distance / cache_step))
    result = (_cached_coverage(store, rules.id, chosen, distance) if on_grid
              else _compute_coverage(store, chosen, distance))
    features = [result["feature"], *result["subdistricts"]]
    return {"type": "FeatureCollection", "ruleset": rules.id, "numberReturned": len(features),
            "attribution": _attribution(store), "features": features}


def coverage_summary(store: PlanService, ruleset: str | None = None) -> dict[str, Any]:
    """A table (JSON) with one row per coverable target of the ruleset, in declaration order.

    Each row: ``target``, ``criterion``, ``title_zh``, ``title_en``, ``distance_m``, ``facilities``,
    ``method``, ``share_of_district``, ``covered_m2``, ``subdistricts`` (``id``, ``name``, ``covered_m2``,
    ``share`` each) and ``notes``. ``district`` and ``subdistricts`` give the areas shares are taken of.
    """
    rules = store.ruleset(ruleset or default_coverage_ruleset(store))
    targets = coverage_targets(rules, roles=store.data.roles)
    rows = [_cached_coverage(store, rules.id, chosen, None)["row"] for chosen in targets.values()]
    district_area = _district_areas(store, shapely.Polygon())
    subdistricts = _subdistricts(store)
    sub_areas = [] if subdistricts is None else [
        {"id": str(fid), "name": ogc.json_safe(row.get("name")), "area_m2": round(float(area), 1)}
        for (fid, row), area in zip(subdistricts.iterrows(), _area_m2(store, subdistricts), strict=True)]
    district = {"name": _district_name(store), "area_m2": round(float(district_area["area_m2"].iloc[0]), 1)}
    land = store.role_frame("land")
    if land is not None:
        district["land_area_m2"] = round(float(_area_m2(store, land).sum()), 1)
        if "area_note" in land.columns and isinstance(land["area_note"].iloc[0], str):
            district["land_note"] = land["area_note"].iloc[0]
    return {
        "ruleset": rules.id, "title_zh": rules.title.zh, "title_en": rules.title.en,
        "district": district,
        "subdistricts": sub_areas,
        "targets": rows,
        "notes": [] if rows else [f"ruleset {rules.id!r} has no accessibility criteria"],
        "attribution": _attribution(store),
    }


# ---------------------------------------------------------------------------------------------- coverage helpers
def default_coverage_ruleset(store: PlanService) -> str:
    """The plan's service-circle ruleset: the first whose accessibility criteria reach its facilities."""
    for rid, rules in store.rulesets.items():
        if any(c.kind == "accessibility" and any(t.role == "facilities" for t in c.targets) for c in rules.criteria):
            return rid
    raise BadRequestError("this plan has no ruleset with service circles (accessibility to its facilities); "
                          f"name one with ruleset=…; rulesets: {', '.join(store.rulesets) or 'none'}")


def _coverage_target(store: PlanService, ruleset_id: str, key: str | None) -> tuple[CoverageTarget, Any]:
    rules = store.ruleset(ruleset_id)
    targets = coverage_targets(rules, roles=store.data.roles)
    if key is None:
        if not targets:
            raise BadRequestError(f"ruleset {rules.id!r} has no accessibility criteria")
        key = next(iter(targets))
    if key not in targets:
        known = ", ".join(targets) or "none (the ruleset has no accessibility criteria)"
        raise BadRequestError(f"unknown target {key!r} for ruleset {rules.id!r}; targets: {known}")
    return targets[key], rules


def _cached_coverage(store: PlanService, ruleset_id: str, chosen: CoverageTarget,
                     distance: float | None) -> dict[str, Any]:
    key = (ruleset_id, chosen.key, None if distance is None else float(distance))
    return store.cached_coverage(key, lambda: _compute_coverage(store, chosen, distance))


def _compute_coverage(store: PlanService, chosen: CoverageTarget, distance: float | None) -> dict[str, Any]:
    subdistricts = _subdistricts(store)
    polygon, info = target_coverage(store.network, _target_layers(store, chosen), chosen, distance_m=distance,
                                    areas=subdistricts, metric_crs=store.metric_crs)
    district = _district_areas(store, polygon)
    share = float(district["share"].iloc[0]) if district["area_m2"].iloc[0] > 0 else 0.0
    land = store.role_frame("land")
    land_share = None
    if land is not None:
        on_land = covered_areas(polygon, land, network=store.network, metric_crs=store.metric_crs)
        land_area = float(on_land["area_m2"].sum())
        land_share = round(float(on_land["covered_m2"].sum()) / land_area, 4) if land_area > 0 else None
    inside = district.geometry.iloc[0]
    properties = {
        "kind": "coverage", "target": chosen.key, "criterion": chosen.criterion, "title_zh": chosen.title_zh,
        "title_en": chosen.title_en, "distance_m": info["distance_m"], "facilities": info["facilities"],
        "method": info["method"], "share_of_district": round(share, 4), "share_of_land": land_share,
        "covered_m2": round(float(district["covered_m2"].iloc[0]), 1),
        "district_area_m2": round(float(district["area_m2"].iloc[0]), 1), "district": _district_name(store),
        "notes": info["notes"],
    }
    if "facilities_by_kind" in info:
        properties["facilities_by_kind"] = info["facilities_by_kind"]
    feature = {"type": "Feature", "id": f"coverage-{chosen.key}", "properties": properties,
               "geometry": shapely.geometry.mapping(inside) if inside is not None else None}
    sub_features, sub_rows = [], []
    if subdistricts is not None:
        names = subdistricts["name"] if "name" in subdistricts.columns else pd.Series(None, index=subdistricts.index)
        for fid, row in info["areas"].iterrows():
            share_here = float(row["share"]) if np.isfinite(row["share"]) else None
            part = {"id": str(fid), "name": ogc.json_safe(names.get(fid)), "area_m2": round(float(row["area_m2"]), 1),
                    "covered_m2": round(float(row["covered_m2"]), 1),
                    "share": round(share_here, 4) if share_here is not None else None}
            sub_rows.append({k: part[k] for k in ("id", "name", "covered_m2", "share")})
            geometry = row.geometry
            sub_features.append({"type": "Feature", "id": str(fid),
                                 "properties": {"kind": "subdistrict", "target": chosen.key, **part},
                                 "geometry": shapely.geometry.mapping(geometry) if geometry is not None else None})
    summary_row = {key: properties[key] for key in ("target", "criterion", "title_zh", "title_en", "distance_m",
                                                     "facilities", "method", "share_of_district", "share_of_land",
                                                     "covered_m2")}
    summary_row.update(subdistricts=sub_rows, notes=info["notes"])
    return {"feature": feature, "subdistricts": sub_features, "row": summary_row}


def _target_layers(store: PlanService, chosen: CoverageTarget) -> dict[str, gpd.GeoDataFrame]:
    """The layers a target's facilities come from (those the plan has; missing ones are noted by geo)."""
    layers = {}
    for part in chosen.parts or (chosen,):
        try:
            layers[part.layer] = store.layer(part.layer)
        except LayerNotFoundError:
            continue
    return layers


def _subdistricts(store: PlanService) -> gpd.GeoDataFrame | None:
    return store.role_frame("subdistricts")


def _district_areas(store: PlanService, polygon) -> gpd.GeoDataFrame:
    district = gpd.GeoDataFrame(geometry=[store.boundary], crs="EPSG:4326")
    return covered_areas(polygon, district, network=store.network, metric_crs=store.metric_crs)


def _area_m2(store: PlanService, frame: gpd.GeoDataFrame) -> np.ndarray:
    return covered_areas(shapely.Polygon(), frame, network=store.network,
                         metric_crs=store.metric_crs)["area_m2"].to_numpy()


def _district_name(store) -> str | None:
    district = getattr(store.plan, "district", None)
    return getattr(district, "zh", None)


def _check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise BadRequestError(f"{name} must be a finite number, got {value}")


def _check_point(store: PlanService, lon: float, lat: float) -> list[str]:
    """Validate the point through the one canonical site parser; return its warnings."""
    _check_finite("lon", lon)
    _check_finite("lat", lat)
    site = parse_site([lon, lat], allowed=["point"], boundary=store.boundary, map_area=store.plan.map_area)
    warnings = list(site.warnings)
    if store.network is None:
        warnings.append("no street network loaded: straight-line distances only")
    return warnings


def _attribution(store: PlanService) -> str | None:
    streets = store.role_layer("streets")
    if streets is None:
        return None
    return store.spec(streets).provenance.attribution


def _rounded(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, 1) if math.isfinite(value) else None
