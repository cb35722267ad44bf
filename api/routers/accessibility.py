"""Router: walking accessibility — isochrones, the nearest features by walking distance, service-circle coverage.

Thin: declare the query, call the use cases of :mod:`api.service.accessibility` (which check values, use the
plan's walk network built once at start-up and format GeoJSON, EPSG:4326).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from api.deps import ServiceDep, SettingsDep
from api.service import accessibility as use
from api.service.accessibility import MAX_COVERAGE_M, MAX_MINUTES, MAX_NEAREST
from geo.accessibility import DEFAULT_DETOUR_FACTOR, DEFAULT_SPEED_M_PER_MIN

router = APIRouter(prefix="/api/accessibility", tags=["accessibility"])

Lon = Annotated[float, Query(description="Longitude, WGS84 degrees (EPSG:4326)")]
Lat = Annotated[float, Query(description="Latitude, WGS84 degrees (EPSG:4326)")]


@router.get("/isochrone", summary="Walk isochrone: the area reachable on foot from a point in a given time")
def get_isochrone(
    service: ServiceDep,
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
    return use.isochrone_feature(service, lon, lat, minutes, speed)


@router.get("/nearest", summary="The features of a layer nearest to a point by walking distance")
def get_nearest(
    service: ServiceDep,
    lon: Lon,
    lat: Lat,
    layer: Annotated[str | None, Query(description="Collection id; default: the plan's transit stations")] = None,
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
    return use.nearest_features(service, lon, lat, layer, limit, detour)


@router.get("/coverage", summary="Service-circle coverage: the part of the district within walking distance of a "
                                 "facility of one kind")
def get_coverage(
    service: ServiceDep,
    settings: SettingsDep,
    ruleset: Annotated[str | None, Query(description="Ruleset id with accessibility criteria; default: the "
                                                    "plan's service-circle ruleset")] = None,
    target: Annotated[str | None, Query(description="A target key of one of its accessibility criteria (e.g. culture, "
                                             "medical, elderly), or a criterion id with several targets "
                                             "(covered where every kind is); default: the first")] = None,
    distance: Annotated[
        float | None, Query(description=f"Walking distance in metres (0 < distance ≤ {MAX_COVERAGE_M:g}); "
                                        "default: the ruleset's")
    ] = None,
) -> dict[str, Any]:
    """A GeoJSON FeatureCollection (EPSG:4326): the coverage, then one feature per subdistrict.

    The first feature is the covered part of the district (the area within ``distance_m`` of walking along
    the streets from any facility of the kind, 35 m either side of the reached streets, blocks they ring
    filled) with ``target``, ``title_zh``, ``title_en``, ``distance_m``, ``facilities`` (count), ``method``,
    ``share_of_district`` (0–1), ``covered_m2``, ``district_area_m2`` and ``notes``. Each subdistrict
    (the layer playing the plan's ``subdistricts`` role, when it has one) follows with its covered part as geometry and ``name``,
    ``area_m2``, ``covered_m2``, ``share``. A kind without facilities is a real answer: nothing covered,
    share 0, and a note.
    """
    return use.coverage_collection(service, ruleset, target, distance, cache_step=settings.coverage_step_m)


@router.get("/coverage/summary", summary="服务圈覆盖率: the share of the district and of each subdistrict "
                                         "covered by every service circle of a ruleset")
def get_coverage_summary(
    service: ServiceDep,
    ruleset: Annotated[str | None, Query(description="Ruleset id with accessibility criteria; default: the "
                                                    "plan's service-circle ruleset")] = None,
) -> dict[str, Any]:
    """A table (JSON) with one row per coverable target of the ruleset, in declaration order.

    Each row: ``target``, ``criterion``, ``title_zh``, ``title_en``, ``distance_m``, ``facilities``,
    ``method``, ``share_of_district``, ``covered_m2``, ``subdistricts`` (``id``, ``name``, ``covered_m2``,
    ``share`` each) and ``notes``. ``district`` and ``subdistricts`` give the areas shares are taken of.
    """
    return use.coverage_summary(service, ruleset)
