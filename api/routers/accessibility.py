"""Router: walking accessibility — isochrones and the nearest features by walking distance.

Thin: parse and check the query, call :mod:`geo.accessibility` with the plan's walk network
(``store.network``, built once), format GeoJSON (EPSG:4326).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import numpy as np
import pandas as pd
import shapely
from fastapi import APIRouter, Query

from api.deps import StoreDep
from api.errors import BadRequestError
from geo.accessibility import (
    DEFAULT_DETOUR_FACTOR,
    DEFAULT_SPEED_M_PER_MIN,
    isochrone,
    rank_nearest,
    walking_distances,
)
from geo.site import parse_site

router = APIRouter(prefix="/api/accessibility", tags=["accessibility"])

MAX_MINUTES = 60.0
MAX_SPEED_M_PER_MIN = 300.0
MAX_NEAREST = 50

Lon = Annotated[float, Query(description="Longitude, WGS84 degrees (EPSG:4326)")]
Lat = Annotated[float, Query(description="Latitude, WGS84 degrees (EPSG:4326)")]


@router.get("/isochrone", summary="Walk isochrone: the area reachable on foot from a point in a given time")
def get_isochrone(
    store: StoreDep,
    lon: Lon,
    lat: Lat,
    minutes: Annotated[float, Query(description=f"Walking time, minutes (0 < minutes ≤ {MAX_MINUTES:g})")] = 15.0,
    speed: Annotated[
        float, Query(description="Walking speed, metres per minute (default 75 = 4.5 km/h)")
    ] = DEFAULT_SPEED_M_PER_MIN,
) -> dict[str, Any]:
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


@router.get("/nearest", summary="The features of a layer nearest to a point by walking distance")
def get_nearest(
    store: StoreDep,
    lon: Lon,
    lat: Lat,
    layer: Annotated[str, Query(description="Collection id, e.g. transit-stations or facilities")] = "transit-stations",
    limit: Annotated[int, Query(description=f"How many features (1–{MAX_NEAREST})")] = 5,
    detour: Annotated[
        float, Query(description="Detour factor for straight-line fallbacks where the network does not reach")
    ] = DEFAULT_DETOUR_FACTOR,
) -> dict[str, Any]:
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
        properties = {name: _jsonable(row[name]) for name in fields}
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


def _check_finite(name: str, value: float) -> None:
    if not math.isfinite(value):
        raise BadRequestError(f"{name} must be a finite number, got {value}")


def _check_point(store, lon: float, lat: float) -> list[str]:
    """Validate the point through the one canonical site parser; return its warnings."""
    _check_finite("lon", lon)
    _check_finite("lat", lat)
    site = parse_site([lon, lat], allowed=["point"], boundary=store.boundary, map_area=store.plan.map_area)
    warnings = list(site.warnings)
    if store.network is None:
        warnings.append("no street network loaded: straight-line distances only")
    return warnings


def _attribution(store) -> str | None:
    streets = store.plan.streets_layer
    if streets is None:
        return None
    return store.spec(streets).provenance.attribution


def _rounded(value) -> float | None:
    if value is None:
        return None
    value = float(value)
    return round(value, 1) if math.isfinite(value) else None


def _jsonable(value):
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, (str, int, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return None if pd.api.types.is_scalar(value) and pd.isna(value) else str(value)
