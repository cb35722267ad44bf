"""Walking accessibility: distances from a site to targets along the streets, counts, nearest, isochrones.

Every number says how it was produced (``method``):

- ``"network"``: the shortest walk along the street network (:class:`geo.network.WalkNetwork`) from where the
  site meets the streets to where the target meets them, plus the straight stretches off the street at both
  ends (each at most ``max_snap_m``).
- ``"straight-line×1.3"`` (the factor as given): the straight-line distance times a detour factor, used where the
  network does not reach — no network loaded, site or target farther than ``max_snap_m`` from any street, or
  the two on street pieces that do not connect.
- ``"unreachable"``: no network path and ``detour_factor=None`` (fallback switched off); the distance is inf.

The default detour factor 1.3 is the ratio of network to straight-line distance commonly found for walks in
gridded city centres (route directness / "pedestrian route directness" studies report about 1.2–1.4); it is a
parameter, and the method string carries the value actually used.

Walking speed for isochrones defaults to 75 m/min (1.25 m/s, 4.5 km/h), in the 1.2–1.4 m/s range of measured
adult walking speeds. GB 50180-2018 (城市居住区规划设计标准) sizes its 15-minute life circle at 800–1000 m of
walking, i.e. about 53–67 m/min; pass ``speed_m_per_min=1000 / 15`` to draw the standard's circle.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from geo.crs import utm_crs_for
from geo.errors import InvalidGeometryError
from geo.network import DEFAULT_MAX_SNAP_M, Access, Snap, WalkNetwork
from geo.rules.values import resolve_parameters, target_layer, target_max

DEFAULT_DETOUR_FACTOR = 1.3
DEFAULT_SPEED_M_PER_MIN = 75.0
#: half-width of the band drawn around reachable street pieces in an isochrone (metres): the depth of the
#: frontage plots reached from the street
ISOCHRONE_BUFFER_M = 35.0
#: distances within this of a threshold count as within it (floating-point noise of projected lengths)
THRESHOLD_TOLERANCE_M = 1e-3
DISTANCE_COLUMNS = ["distance_m", "straight_m", "method", "route"]
NETWORK = "network"
UNREACHABLE = "unreachable"


def fallback_method(detour_factor: float) -> str:
    """The ``method`` label of a straight-line fallback, e.g. ``"straight-line×1.3"``."""
    return f"straight-line×{detour_factor:g}"


@dataclass(frozen=True)
class WalkDistances:
    """Walking distances from one site to many targets, as arrays aligned with the targets (what
    :func:`walking_distances` puts in a frame, without building one)."""

    distance_m: np.ndarray
    straight_m: np.ndarray
    method: np.ndarray  # object: "network", "straight-line×f" or "unreachable"
    route: np.ndarray  # object: EPSG:4326 LineString or None
    notes: dict[str, int]  # fallback reason → number of targets

    def frame(self, index=None) -> pd.DataFrame:
        frame = pd.DataFrame({"distance_m": self.distance_m, "straight_m": self.straight_m, "method": self.method,
                              "route": self.route}, index=index)
        frame.attrs["notes"] = dict(self.notes)
        return frame


def walking_distances(
    network: WalkNetwork | None,
    site: shapely.Geometry,
    targets: gpd.GeoDataFrame,
    *,
    max_distance_m: float | None = None,
    detour_factor: float | None = DEFAULT_DETOUR_FACTOR,
    metric_crs=None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    with_routes: bool | np.ndarray = True,
) -> pd.DataFrame:
    """Walking distance from a site to every target.

    Parameters
    ----------
    network
        The prepared walk network, or None (then every distance is a straight-line fallback).
    site
        Point, line or polygon in EPSG:4326. Lines and polygons are entered wherever streets cross them or
        pass within ``max_snap_m`` of their outline; a target inside a polygon site is at distance 0.
    targets
        Features to reach (any geometry; lines and polygons are reached at their point nearest the site).
    max_distance_m
        Search no farther along the network: targets beyond it get ``inf`` (method ``"network"``).
        Fallback distances are reported whatever their size.
    detour_factor
        Factor applied to straight-line distances where the network does not reach; None disables the
        fallback (those targets get ``inf`` and method ``"unreachable"``).
    metric_crs
        CRS for straight-line distances; default the network's, else the UTM zone of the site.
    max_snap_m
        Site and targets farther than this from every street are off the network.
    with_routes
        Draw the walked route of each network distance (EPSG:4326 ``LineString``); False skips it (faster);
        a boolean array aligned with ``targets`` draws only those targets' routes.

    Returns
    -------
    pandas.DataFrame
        Indexed like ``targets``: ``distance_m``, ``straight_m``, ``method``, ``route``. The frame's
        ``attrs["notes"]`` maps fallback reasons to the number of targets concerned.
    """
    targets = _as_wgs84(targets)
    result = walking_distance_arrays(network, site, np.asarray(targets.geometry.values, dtype=object),
                                     max_distance_m=max_distance_m, detour_factor=detour_factor,
                                     metric_crs=metric_crs, max_snap_m=max_snap_m, with_routes=with_routes)
    return result.frame(targets.index)


def walking_distance_arrays(
    network: WalkNetwork | None,
    site: shapely.Geometry,
    targets: np.ndarray,
    *,
    max_distance_m: float | None = None,
    detour_factor: float | None = DEFAULT_DETOUR_FACTOR,
    metric_crs=None,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    with_routes: bool | np.ndarray = True,
) -> WalkDistances:
    """:func:`walking_distances` on an array of target geometries (EPSG:4326), without any frame.

    The fast entry point for checks: no GeoDataFrame in or DataFrame out, the targets' projection and snap
    points cached on the network between calls with the same targets, and one network search that stops as
    soon as every target connected to the site is reached, or at ``max_distance_m`` (a check passes the
    largest distance any of its criteria asks for). Distances are those of an unbounded search, except that
    network distances beyond ``max_distance_m`` are ``inf``.
    """
    _check_site(site)
    if detour_factor is not None and not (np.isfinite(detour_factor) and detour_factor >= 1.0):
        raise InvalidGeometryError(f"detour_factor must be a number ≥ 1, got {detour_factor!r}")
    if max_distance_m is not None and not (np.isfinite(max_distance_m) and max_distance_m >= 0):
        raise InvalidGeometryError(f"max_distance_m must be a number ≥ 0, got {max_distance_m!r}")
    geoms = np.asarray(targets, dtype=object).reshape(-1)
    k = len(geoms)
    crs = network.crs if network is not None else CRS.from_user_input(metric_crs or _utm_for(site))
    to_metric = _transformer(network, crs)
    site_m = to_metric(site)
    prepared = _prepared_targets(network, geoms, to_metric, max_snap_m)
    has_geometry, target_m, is_point = prepared.has_geometry, prepared.metric, prepared.is_point

    straight = np.full(k, np.nan)
    reach_points = np.full(k, None, dtype=object)
    if has_geometry.any():
        straight[has_geometry] = shapely.distance(site_m, target_m[has_geometry])
        reach_points[is_point] = target_m[is_point]
        other = has_geometry & ~is_point
        if other.any():  # lines and polygons are reached at their point nearest the site
            reach_points[other] = shapely.get_point(shapely.shortest_line(target_m[other], site_m), 0)

    distance = np.full(k, np.inf)
    method = np.full(k, UNREACHABLE, dtype=object)
    routes = np.full(k, None, dtype=object)
    reasons = np.full(k, None, dtype=object)
    reasons[~has_geometry] = "target has no geometry"

    if network is None:
        reasons[has_geometry] = "no street network loaded"
    else:
        access = network.access(site_m, max_snap_m)
        if not len(access):
            reasons[has_geometry] = f"site more than {max_snap_m:g} m from any street"
        else:
            snap = prepared.snap_of(network, reach_points, max_snap_m)
            search, (dist, end_node, same_record) = network.search_targets(access, snap, max_distance_m)
            far = has_geometry & ~snap.found
            reasons[far] = f"target more than {max_snap_m:g} m from any street"
            connected = snap.found & np.isin(network.edge_component[np.maximum(snap.edge, 0)], search.components)
            reasons[snap.found & ~connected] = "target on streets not connected to the site's"
            distance[connected] = dist[connected]
            method[connected] = NETWORK
            wanted = (np.asarray(with_routes, dtype=bool) if np.ndim(with_routes)
                      else np.full(k, bool(with_routes)))
            if wanted.any():
                drawn = np.flatnonzero(wanted & connected & np.isfinite(dist))
                xy = shapely.get_coordinates(reach_points[drawn]) if len(drawn) else np.zeros((0, 2))
                target_xy = np.full((k, 2), np.nan)
                target_xy[drawn] = xy
                routes[drawn] = network.routes(search, snap, target_xy, end_node, same_record, drawn)

    inside = has_geometry & (straight == 0.0)
    distance[inside] = 0.0
    method[inside] = NETWORK
    routes[inside] = None
    reasons[inside] = None

    falling_back = has_geometry & np.not_equal(reasons, None)
    if detour_factor is not None:
        distance[falling_back] = straight[falling_back] * detour_factor
        method[falling_back] = fallback_method(detour_factor)
    given = reasons[np.not_equal(reasons, None)]
    values, counts = np.unique(given.astype(str), return_counts=True) if len(given) else ((), ())
    order = np.argsort(-np.asarray(counts), kind="stable")
    notes = {str(values[i]): int(counts[i]) for i in order}
    return WalkDistances(distance, straight, method, routes, notes)


@dataclass
class _Targets:
    """Target geometries projected once, with the snap of the point targets (reused between calls)."""

    has_geometry: np.ndarray
    metric: np.ndarray
    is_point: np.ndarray
    point_snap: Any = None  # geo.network.Snap of the point targets, or None until first asked

    def snap_of(self, network: WalkNetwork, reach_points: np.ndarray, max_snap_m: float):
        """Snap of every target's reach point: the point targets' cached, the others' snapped now."""
        if self.point_snap is None or self.point_snap[0] != max_snap_m:
            points = np.where(self.is_point, self.metric, None)
            self.point_snap = (max_snap_m, network.snap(points, max_snap_m))
        cached = self.point_snap[1]
        other = np.flatnonzero(np.not_equal(reach_points, None) & ~self.is_point)
        if not len(other):
            return cached
        fresh = network.snap(reach_points[other], max_snap_m)
        edge, position, offset = cached.edge.copy(), cached.position.copy(), cached.offset.copy()
        edge[other], position[other], offset[other] = fresh.edge, fresh.position, fresh.offset
        return Snap(edge, position, offset)


_TARGET_CACHE_SIZE = 64
_TARGET_CACHE_LOCK = threading.Lock()


def _prepared_targets(network: WalkNetwork | None, geoms: np.ndarray, to_metric, max_snap_m: float) -> _Targets:
    """The targets projected (and their point snaps), cached per network by the targets' WKB."""
    key = None
    if network is not None and len(geoms):
        cache = network.target_cache
        arrays = network.target_arrays
        same = arrays.get(id(geoms))  # the very array of an earlier call: no hashing of geometries
        if same is not None and same[0] is geoms:
            return same[1]
        key = tuple(shapely.to_wkb(geoms).tolist())
        hit = cache.get(key)
        if hit is not None:
            _remember_array(arrays, geoms, hit)
            return hit
    k = len(geoms)
    has_geometry = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if k else np.zeros(0, bool)
    metric = np.full(k, None, dtype=object)
    if has_geometry.any():
        metric[has_geometry] = to_metric(geoms[has_geometry])
    is_point = has_geometry & (shapely.get_type_id(metric) == 0)
    prepared = _Targets(has_geometry, metric, is_point)
    if key is not None:
        with _TARGET_CACHE_LOCK:  # checks run in a thread pool
            while len(cache) >= _TARGET_CACHE_SIZE:
                cache.pop(next(iter(cache)), None)
            cache[key] = prepared
        _remember_array(network.target_arrays, geoms, prepared)
    return prepared


def _remember_array(arrays: dict, geoms: np.ndarray, prepared: _Targets) -> None:
    with _TARGET_CACHE_LOCK:
        while len(arrays) >= _TARGET_CACHE_SIZE:
            arrays.pop(next(iter(arrays)), None)
        arrays[id(geoms)] = (geoms, prepared)


def counts_within(
    distances: pd.DataFrame | pd.Series, thresholds: Iterable[float], by: pd.Series | None = None
) -> pd.Series | pd.DataFrame:
    """How many targets lie within each threshold (distance ≤ threshold, to the millimetre).

    Parameters
    ----------
    distances
        The result of :func:`walking_distances` (its ``distance_m`` is used) or a Series of metres.
    thresholds
        Distances in metres.
    by
        Optional labels aligned with ``distances`` (e.g. ``targets["kind"]``): count per label.

    Returns
    -------
    Series indexed by threshold, or with ``by`` a DataFrame (rows = labels, columns = thresholds).
    """
    values = distances["distance_m"] if isinstance(distances, pd.DataFrame) else distances
    values = pd.to_numeric(values, errors="coerce").astype(float)
    thresholds = [float(t) for t in thresholds]
    if any(not np.isfinite(t) or t < 0 for t in thresholds):
        raise InvalidGeometryError(f"thresholds must be finite distances ≥ 0, got {thresholds}")
    within = pd.DataFrame({t: values.le(t + THRESHOLD_TOLERANCE_M) for t in thresholds}, index=values.index)
    if by is None:
        return within.sum().astype(int).rename_axis("threshold_m")
    labels = pd.Series(by).reindex(values.index)
    return within.groupby(labels).sum().astype(int)


def nearest_by(targets: pd.DataFrame, distances: pd.DataFrame, column: str) -> pd.DataFrame:
    """The nearest target of each value of ``column`` (e.g. the nearest station per ``mode``).

    Returns a DataFrame indexed by the values of ``column`` with ``target_id``, ``name`` (when targets have
    one), ``distance_m``, ``straight_m``, ``method`` and ``route``. Targets without a value are left out;
    ties go to the first target in order.
    """
    if column not in targets.columns:
        raise InvalidGeometryError(f"targets have no column {column!r}; columns: {list(targets.columns)}")
    return _nearest(targets, distances, column).set_index(column)


def rank_nearest(targets: pd.DataFrame, distances: pd.DataFrame, limit: int) -> pd.DataFrame:
    """The ``limit`` nearest targets by ``distance_m`` (ties broken by straight-line distance)."""
    joined = distances.assign(target_id=distances.index)
    if "name" in targets.columns:
        joined["name"] = targets["name"].reindex(distances.index)
    joined = joined[np.isfinite(joined["distance_m"].astype(float))]
    return joined.sort_values(["distance_m", "straight_m"], kind="stable").head(limit)


def _nearest(targets: pd.DataFrame, distances: pd.DataFrame, column: str) -> pd.DataFrame:
    joined = distances.assign(**{column: targets[column].reindex(distances.index), "target_id": distances.index})
    if "name" in targets.columns:
        joined["name"] = targets["name"].reindex(distances.index)
    joined = joined[joined[column].notna()]
    joined = joined.sort_values(["distance_m", "straight_m"], kind="stable")
    first = joined.drop_duplicates(subset=column, keep="first")
    columns = [column, "target_id"] + (["name"] if "name" in joined.columns else []) + DISTANCE_COLUMNS
    return first[columns]


def isochrone(
    network: WalkNetwork | None,
    lon: float,
    lat: float,
    minutes: float,
    *,
    speed_m_per_min: float = DEFAULT_SPEED_M_PER_MIN,
    buffer_m: float = ISOCHRONE_BUFFER_M,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
    metric_crs=None,
) -> tuple[shapely.Polygon, dict]:
    """The area reachable on foot from a point within ``minutes``.

    Network method: one Dijkstra search limited to ``minutes × speed`` metres from the point's snap onto its
    nearest street; every reachable street piece (whole segments, and the reachable ends of segments at the
    frontier, cut exactly) plus the walk from the point to the street is buffered by ``buffer_m`` and unioned.
    Holes are filled where no unreached street runs into them: a block ringed by reachable streets is
    reachable from them, a ring of reached streets round unreached ones is not. Fallback (no network, or the
    point more than ``max_snap_m`` from any street): a circle of radius ``minutes × speed ÷ detour_factor``.

    Returns
    -------
    (Polygon in EPSG:4326, info)
        ``info`` holds ``method``, ``minutes``, ``speed_m_per_min``, ``distance_m`` (the walking budget),
        ``buffer_m``, ``area_m2``, ``reached_nodes``, ``snap_distance_m`` and ``warnings``.
    """
    for name, value in (("lon", lon), ("lat", lat), ("minutes", minutes), ("speed_m_per_min", speed_m_per_min)):
        if value is None or not np.isfinite(value):
            raise InvalidGeometryError(f"{name} must be a finite number, got {value!r}")
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise InvalidGeometryError(f"lon/lat ({lon}, {lat}) are not WGS84 degrees")
    if minutes <= 0:
        raise InvalidGeometryError(f"minutes must be > 0, got {minutes}")
    if speed_m_per_min <= 0:
        raise InvalidGeometryError(f"speed_m_per_min must be > 0, got {speed_m_per_min}")
    budget = float(minutes) * float(speed_m_per_min)
    origin = shapely.Point(lon, lat)
    crs = network.crs if network is not None else CRS.from_user_input(metric_crs or utm_crs_for(lon, lat))
    to_metric = _transformer(network, crs)
    origin_m = to_metric(origin)
    info = {"minutes": float(minutes), "speed_m_per_min": float(speed_m_per_min), "distance_m": budget,
            "buffer_m": float(buffer_m), "reached_nodes": 0, "snap_distance_m": None, "warnings": []}

    area_m = None
    if network is None:
        info["warnings"].append("no street network loaded: straight-line circle")
    else:
        access = network.access(origin_m, max_snap_m)
        if not len(access):
            info["warnings"].append(f"point more than {max_snap_m:g} m from any street: straight-line circle")
        else:
            search = network.search(access, budget)
            info["snap_distance_m"] = float(access.offset.min())
            info["reached_nodes"] = int(np.isfinite(search.distance).sum())
            whole, partial = network.reachable_lines(search, budget)
            unreached = _unreached_edges(network, search, budget)
            area_m = _street_band(whole, partial, buffer_m, unreached=(network, unreached))
            area_m = shapely.union(area_m, shapely.buffer(origin_m, min(buffer_m, budget), quad_segs=4))
            area_m = _fill_enclosed(area_m, network, unreached)
            info["method"] = NETWORK
    if area_m is None:
        area_m = shapely.buffer(origin_m, budget / detour_factor, quad_segs=16)
        info["method"] = f"straight-line÷{detour_factor:g} circle"
    info["area_m2"] = float(shapely.area(area_m))
    back = _transformer(network, crs, inverse=True)
    return back(area_m), info


def coverage(
    network: WalkNetwork | None,
    sources: gpd.GeoDataFrame,
    distance_m: float,
    *,
    areas: gpd.GeoDataFrame | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    metric_crs=None,
    buffer_m: float = ISOCHRONE_BUFFER_M,
    max_snap_m: float = DEFAULT_MAX_SNAP_M,
) -> tuple[shapely.Geometry, dict]:
    """The area within ``distance_m`` of walking of *any* source: a service circle's coverage.

    One multi-source Dijkstra from every source at once (each enters the network at its nearest street
    segment, with its offset from the street), then as in :func:`isochrone`: every reachable street piece
    (frontier edges cut exactly) and the walk from each source to its street, buffered by ``buffer_m``. Holes
    are filled unless a street that is not reached runs through them: a block ringed by covered streets counts
    as covered, a gap between several sources' circles stays a gap. Sources more than ``max_snap_m`` from
    any street (or all of them when there is no network) get a circle of radius ``distance_m ÷
    detour_factor``. Sources that are not points are reduced to a point on their surface (noted).

    Parameters
    ----------
    network
        The prepared walk network, or None (every source is a circle).
    sources
        The facilities (EPSG:4326, other CRSs are reprojected); features without geometry are skipped.
    distance_m
        Walking distance (metres), > 0.
    areas
        Optional polygons (the district, its subdistricts): the covered part of each is measured.
    detour_factor, metric_crs, buffer_m, max_snap_m
        As for :func:`isochrone`; ``metric_crs`` is used only without a network (default: the UTM zone of
        the sources, else of the areas).

    Returns
    -------
    (geometry in EPSG:4326, info)
        The covered area (an empty Polygon when nothing is covered). ``info`` holds ``method``,
        ``distance_m``, ``detour_factor``, ``buffer_m``, ``sources`` (features given), ``on_network``,
        ``fallback`` (sources drawn as circles), ``area_m2``, ``reached_nodes``, ``notes`` and ``areas``: with
        ``areas``, a GeoDataFrame indexed like it with ``area_m2``, ``covered_m2``, ``share`` (0–1, NaN for
        an area of size 0) and the covered part as geometry (EPSG:4326); else None.
    """
    if distance_m is None or not np.isfinite(distance_m) or distance_m <= 0:
        raise InvalidGeometryError(f"distance_m must be a finite number > 0, got {distance_m!r}")
    if detour_factor is None or not (np.isfinite(detour_factor) and detour_factor >= 1.0):
        raise InvalidGeometryError(f"detour_factor must be a number ≥ 1, got {detour_factor!r}")
    distance_m = float(distance_m)
    sources = _as_wgs84(sources)
    if areas is not None:
        areas = _as_wgs84(areas)
    geoms = np.asarray(sources.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    points = geoms[present]
    notes: list[str] = []
    if (~present).any():
        notes.append(f"{int((~present).sum())} source(s) without geometry skipped")
    not_point = shapely.get_type_id(points) != 0 if len(points) else np.zeros(0, bool)
    if not_point.any():
        points = points.copy()
        points[not_point] = shapely.point_on_surface(points[not_point])
        notes.append(f"{int(not_point.sum())} source(s) that are not points reduced to a point on their surface")
    if len(points):
        _check_site(shapely.multipoints(points))

    if network is not None:
        crs = network.crs
    elif metric_crs is not None:
        crs = CRS.from_user_input(metric_crs)
    elif len(points):
        crs = _utm_for(shapely.multipoints(points))
    elif areas is not None and len(areas) and not areas.geometry.is_empty.all():
        crs = _utm_for(shapely.union_all(areas.geometry.values))
    else:
        crs = None
    info: dict = {"distance_m": distance_m, "detour_factor": float(detour_factor), "buffer_m": float(buffer_m),
                  "sources": int(len(sources)), "on_network": 0, "fallback": 0, "reached_nodes": 0}
    if crs is None:  # nothing to place: no sources, no areas, no network
        info.update(method="no sources", area_m2=0.0, notes=[*notes, "no sources: nothing is covered"], areas=None)
        return shapely.Polygon(), info
    to_metric = _transformer(network, crs)
    back = _transformer(network, crs, inverse=True)
    points_m = to_metric(points) if len(points) else np.zeros(0, dtype=object)

    parts = []
    on_network = np.zeros(len(points_m), dtype=bool)
    if network is not None and len(points_m):
        snap = network.snap(points_m, max_snap_m)
        on_network = snap.found
    if on_network.any():
        found = np.flatnonzero(on_network)
        access = Access(snap.edge[found], snap.position[found], snap.position[found], snap.offset[found],
                        shapely.get_coordinates(points_m[found]))
        search = network.search(access, distance_m)
        info["reached_nodes"] = int(np.isfinite(search.distance).sum())
        whole, partial = network.reachable_lines(search, distance_m)
        unreached = _unreached_edges(network, search, distance_m)
        band = _street_band(whole, partial, buffer_m, unreached=(network, unreached))
        walked_from = shapely.buffer(points_m[found], min(buffer_m, distance_m), quad_segs=4)
        band = shapely.union_all([band, *walked_from])
        parts.append(_fill_enclosed(band, network, unreached))
    circled = ~on_network
    circle = f"straight-line÷{detour_factor:g} circle"
    if circled.any():
        parts.extend(shapely.buffer(points_m[circled], distance_m / detour_factor, quad_segs=16))
        why = "no street network loaded" if network is None else f"more than {max_snap_m:g} m from any street"
        notes.append(f"{int(circled.sum())} source(s) {why}: {circle} of radius "
                     f"{distance_m / detour_factor:.0f} m")
    if not len(points_m):
        notes.append("no sources: nothing is covered")
        method = "no sources"
    elif not circled.any():
        method = NETWORK
    elif not on_network.any():
        method = circle
    else:
        method = f"{NETWORK}; {circle} for {int(circled.sum())} of {len(points_m)} sources"
    covered_m = shapely.union_all(parts) if parts else shapely.Polygon()
    if shapely.is_empty(covered_m):
        covered_m = shapely.Polygon()
    info.update(method=method, on_network=int(on_network.sum()), fallback=int(circled.sum()),
                area_m2=float(shapely.area(covered_m)), notes=notes)
    info["areas"] = None if areas is None else _covered_parts(covered_m, areas, to_metric, back)
    return (back(covered_m) if not shapely.is_empty(covered_m) else shapely.Polygon()), info


def covered_areas(
    covered: shapely.Geometry, areas: gpd.GeoDataFrame, *, network: WalkNetwork | None = None, metric_crs=None
) -> gpd.GeoDataFrame:
    """The part of each area that a coverage (EPSG:4326, e.g. from :func:`coverage`) covers.

    Returns a GeoDataFrame indexed like ``areas``: ``area_m2``, ``covered_m2``, ``share`` (0–1; NaN where the
    area has no size) and the covered part as geometry (EPSG:4326). Metres in the network's CRS, else
    ``metric_crs``, else the UTM zone of the areas.
    """
    if covered is None or not isinstance(covered, shapely.Geometry):
        raise InvalidGeometryError("the coverage must be a shapely geometry")
    areas = _as_wgs84(areas)
    if network is not None:
        crs = network.crs
    elif metric_crs is not None:
        crs = CRS.from_user_input(metric_crs)
    else:
        present = areas.geometry.values[~(areas.geometry.isna() | areas.geometry.is_empty).to_numpy()]
        crs = _utm_for(shapely.union_all(present) if len(present) else covered) if (
            len(present) or not shapely.is_empty(covered)) else None
    if crs is None:
        return _covered_parts(shapely.Polygon(), areas, lambda g: g, lambda g: g)
    to_metric = _transformer(network, crs)
    covered_m = to_metric(covered) if not shapely.is_empty(covered) else shapely.Polygon()
    return _covered_parts(covered_m, areas, to_metric, _transformer(network, crs, inverse=True))


@dataclass(frozen=True)
class CoverageTarget:
    """A kind of facility whose coverage can be drawn: one target of an accessibility criterion, or a
    criterion with several targets (``parts``), covered where *every* part is (the check's own rule)."""

    key: str
    criterion: str
    title_zh: str
    title_en: str
    distance_m: float
    layer: str | None = None
    filter: Mapping[str, list[str]] = field(default_factory=dict)
    parts: tuple[CoverageTarget, ...] = ()


def coverage_targets(ruleset, parameters: Mapping[str, Any] | None = None,
                     roles: Mapping[str, Any] | None = None) -> dict[str, CoverageTarget]:
    """The coverable targets of a ruleset's accessibility criteria, by key, in declaration order.

    Each target of an accessibility criterion is listed under its key, with its layer (the layer playing its
    role in ``roles``, or one a layer parameter names), filter and distance (``max_m`` or the parameter it names). A criterion with several
    targets is also listed under its own id (unless a target already has that key), as the combination of its
    targets. ``parameters`` override the ruleset's defaults (unknown names raise CriteriaError).
    """
    resolved = resolve_parameters(ruleset, parameters)
    found: dict[str, CoverageTarget] = {}
    for criterion in ruleset.criteria:
        if criterion.kind != "accessibility":
            continue
        parts = []
        for target in criterion.targets:
            part = CoverageTarget(key=target.key, criterion=criterion.id, title_zh=target.title_zh,
                                  title_en=target.title_en, distance_m=target_max(target, resolved),
                                  layer=target_layer(target, resolved, roles or {}), filter=dict(target.filter))
            found.setdefault(target.key, part)
            parts.append(part)
        if len(parts) > 1 and criterion.id not in found:
            distances = {part.distance_m for part in parts}
            found[criterion.id] = CoverageTarget(
                key=criterion.id, criterion=criterion.id, title_zh=criterion.title_zh, title_en=criterion.title_en,
                distance_m=distances.pop() if len(distances) == 1 else max(distances), parts=tuple(parts))
    return found


def select_sources(frame: gpd.GeoDataFrame, filters: Mapping[str, list[str]]) -> tuple[gpd.GeoDataFrame, str | None]:
    """The features of a layer that match a target's filter (property → allowed values), and a note saying
    why there are none (None when some match)."""
    mask = np.ones(len(frame), dtype=bool)
    for column, allowed in filters.items():
        if column not in frame.columns:
            return frame.iloc[:0], f"the layer has no field {column!r}"
        mask &= frame[column].isin(list(allowed)).to_numpy()
    if mask.any():
        return frame[mask], None
    wanted = "; ".join(f"{column} in {list(allowed)}" for column, allowed in filters.items()) or "any feature"
    return frame.iloc[:0], f"no feature with {wanted}"


def target_coverage(
    network: WalkNetwork | None,
    layers: Mapping[str, gpd.GeoDataFrame],
    target: CoverageTarget,
    *,
    distance_m: float | None = None,
    areas: gpd.GeoDataFrame | None = None,
    detour_factor: float = DEFAULT_DETOUR_FACTOR,
    metric_crs=None,
) -> tuple[shapely.Geometry, dict]:
    """The coverage of a ruleset's target (see :func:`coverage_targets`): its facilities picked from
    ``layers`` by the target's layer and filter, covered within its distance (or ``distance_m``).

    A target with ``parts`` (a criterion with several kinds) is covered where every part is: the intersection
    of the parts' coverages. A kind without facilities (or whose layer is missing from ``layers``) covers
    nothing and says why in ``notes``. Returns the geometry (EPSG:4326) and the :func:`coverage` info plus
    ``facilities`` (count) and, for combined targets, ``facilities_by_kind``.
    """
    if not target.parts:
        if target.layer in layers:
            sources, why = select_sources(layers[target.layer], target.filter)
            why = None if why is None else f"layer {target.layer!r}: {why}"
        else:
            sources, why = gpd.GeoDataFrame(geometry=[], crs="EPSG:4326"), f"layer {target.layer!r} is not in this plan"
        distance = target.distance_m if distance_m is None else distance_m
        polygon, info = coverage(network, sources, distance, areas=areas, detour_factor=detour_factor,
                                 metric_crs=metric_crs)
        if why is not None:
            info["notes"] = [f"no facility of this kind ({why}): nothing is covered"]
        info["facilities"] = int(len(sources))
        return polygon, info
    covered = [target_coverage(network, layers, part, distance_m=distance_m, detour_factor=detour_factor,
                               metric_crs=metric_crs) for part in target.parts]
    polygon = shapely.intersection_all([geometry for geometry, _ in covered])
    if shapely.is_empty(polygon) or shapely.get_dimensions(polygon) < 2:
        polygon = shapely.Polygon()
    else:
        polygon = shapely.union_all(shapely.get_parts(polygon)[shapely.get_dimensions(shapely.get_parts(polygon)) == 2])
    methods = "; ".join(dict.fromkeys(info["method"] for _, info in covered))
    by_kind = {part.key: info["facilities"] for part, (_, info) in zip(target.parts, covered, strict=True)}
    crs = network.crs if network is not None else CRS.from_user_input(metric_crs) if metric_crs is not None else (
        _utm_for(polygon) if not shapely.is_empty(polygon) else None)
    info = {
        "method": f"every kind within the distance (intersection of {len(covered)}): {methods}",
        "distance_m": float(target.distance_m if distance_m is None else distance_m),
        "detour_factor": float(detour_factor),
        "facilities": sum(by_kind.values()),
        "facilities_by_kind": by_kind,
        "sources": sum(info["sources"] for _, info in covered),
        "on_network": sum(info["on_network"] for _, info in covered),
        "fallback": sum(info["fallback"] for _, info in covered),
        "area_m2": 0.0 if crs is None or shapely.is_empty(polygon) else float(
            shapely.area(_transformer(network, crs)(polygon))),
        "notes": [f"{part.key}: {note}" for part, (_, info) in zip(target.parts, covered, strict=True)
                  for note in info["notes"]],
        "areas": None if areas is None else covered_areas(polygon, areas, network=network, metric_crs=metric_crs),
    }
    return polygon, info


def _covered_parts(covered_m, areas: gpd.GeoDataFrame, to_metric, back) -> gpd.GeoDataFrame:
    geoms = np.asarray(areas.geometry.values, dtype=object)
    present = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms)) if len(geoms) else np.zeros(0, bool)
    area = np.zeros(len(geoms))
    covered = np.zeros(len(geoms))
    parts = np.full(len(geoms), None, dtype=object)
    if present.any():
        areas_m = shapely.make_valid(to_metric(geoms[present]))
        area[present] = shapely.area(areas_m)
        if not shapely.is_empty(covered_m):
            shapely.prepare(covered_m)
            inside = shapely.intersection(areas_m, covered_m)
            covered[present] = shapely.area(inside)
            drawn = ~shapely.is_empty(inside)
            if drawn.any():
                where = np.flatnonzero(present)[drawn]
                parts[where] = back(inside[drawn])
    share = np.divide(covered, area, out=np.full(len(geoms), np.nan), where=area > 0)
    share = np.clip(share, 0.0, 1.0)
    return gpd.GeoDataFrame({"area_m2": area, "covered_m2": covered, "share": share}, geometry=parts,
                            index=areas.index, crs="EPSG:4326")


def _unreached_edges(network: WalkNetwork, search, budget_m: float):
    """Which segments are not walked end to end within the budget: a function of segment indices (computed
    only for the segments asked about, not the whole network)."""
    return lambda edges: network.unreached(search, budget_m, edges)


def _crossed_by(polygons: np.ndarray, network: WalkNetwork, unreached) -> np.ndarray:
    """Which polygons a segment that ``unreached`` (segment indices → mask) picks runs into (more than
    touching their outline)."""
    which, edge = network.edge_tree.query(polygons, predicate="intersects")
    chosen = unreached(edge)
    which, edge = which[chosen], edge[chosen]
    inside = ~shapely.touches(polygons[which], network.edge_geometry[edge])
    crossed = np.zeros(len(polygons), dtype=bool)
    crossed[which[inside]] = True
    return crossed


def _fill_enclosed(geometry, network: WalkNetwork, unreached) -> shapely.Geometry:
    """Fill the holes of ``geometry`` except those an unreached street runs through."""
    parts = shapely.get_parts(geometry)
    counts = shapely.get_num_interior_rings(parts)
    total = int(counts.sum())
    if not total:
        return geometry
    owner = np.repeat(np.arange(len(parts)), counts)
    number = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    rings = shapely.get_interior_ring(parts[owner], number)
    kept = _crossed_by(shapely.polygons(rings), network, unreached)
    ring_geoms = np.concatenate([shapely.get_exterior_ring(parts), rings[kept]])
    ring_owner = np.concatenate([np.arange(len(parts)), owner[kept]])
    order = np.argsort(ring_owner, kind="stable")  # each part's shell first, then its kept holes
    polygons = shapely.polygons(ring_geoms[order], indices=ring_owner[order])
    return polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)


def _street_band(whole: np.ndarray, partial: np.ndarray, buffer_m: float,
                 unreached: tuple | None = None) -> shapely.Geometry:
    """Union of ``buffer_m`` bands around street pieces, with the blocks they ring filled.

    Equal to buffering every piece and filling the holes, but fast: the blocks ringed by whole segments are
    found by polygonizing them and merged as a coverage; only that block area and the pieces outside it are
    buffered (buffering hundreds of lines at once is what makes isochrones slow). With ``unreached`` (the
    network and a function picking its segments not walked end to end), a ring through which such a segment runs is
    not a block and is left open.
    """
    blocks = shapely.get_parts(shapely.polygonize(whole)) if len(whole) else np.zeros(0, dtype=object)
    if len(blocks) and unreached is not None:
        blocks = blocks[~_crossed_by(blocks, *unreached)]
    pieces = np.concatenate([whole, partial])
    parts = []
    if len(blocks):
        filled = shapely.coverage_union_all(blocks)
        if not shapely.is_valid(filled):  # streets crossing without a node (bridges) break the coverage
            filled = shapely.union_all(blocks)
        shapely.prepare(filled)
        pieces = pieces[~shapely.covered_by(pieces, filled)]
        parts.append(shapely.buffer(filled, buffer_m, quad_segs=4))
    # buffering lines one by one and merging is faster in GEOS than buffering them as one multi-line
    parts.extend(shapely.buffer(pieces, buffer_m, quad_segs=4))
    return shapely.union_all(parts) if parts else shapely.Polygon()


def _check_site(site) -> None:
    if site is None or not isinstance(site, shapely.Geometry):
        raise InvalidGeometryError("the site must be a shapely geometry")
    if shapely.is_empty(site):
        raise InvalidGeometryError("the site geometry is empty")
    coords = shapely.get_coordinates(site)
    if not np.isfinite(coords).all():
        raise InvalidGeometryError("the site has non-finite coordinates")
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise InvalidGeometryError("the site's coordinates are not WGS84 lon/lat degrees")


def _as_wgs84(targets: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    if not isinstance(targets, gpd.GeoDataFrame):
        raise InvalidGeometryError("targets must be a GeoDataFrame")
    if targets.crs is None or targets.crs.to_epsg() == 4326:
        return targets
    return targets.to_crs(4326)


def _utm_for(site) -> CRS:
    centre = shapely.centroid(site)
    return utm_crs_for(centre.x, centre.y)


def _transformer(network: WalkNetwork | None, crs: CRS, inverse: bool = False):
    if network is not None:
        return network.to_wgs84 if inverse else network.to_metric
    transformer = (Transformer.from_crs(crs, "EPSG:4326", always_xy=True) if inverse
                   else Transformer.from_crs("EPSG:4326", crs, always_xy=True))

    def apply(geometries):
        return shapely.transform(
            geometries, lambda c: np.column_stack(transformer.transform(c[:, 0], c[:, 1]))
        )

    return apply
