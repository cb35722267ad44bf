"""The one canonical way in for a site: any input → a validated shapely geometry in EPSG:4326 plus warnings.

Accepted inputs
---------------
- a GeoJSON geometry (``{"type": "Polygon", "coordinates": ...}``), a Feature, or a FeatureCollection holding
  exactly one feature;
- a bounding box ``[min_lon, min_lat, max_lon, max_lat]`` (or ``{"bbox": [...]}``);
- a point ``[lon, lat]`` (or ``{"lon": ..., "lat": ...}``);
- a shapely geometry.

Every variant goes through :func:`parse_site`; checks, maps and the CLI never build site geometries themselves.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely
from pyproj import Geod
from shapely.geometry import shape

from geo.errors import InvalidGeometryError, SiteTooLargeError, SuspectCoordinatesError

MAX_VERTICES = 10_000
#: a repair is accepted when the repaired area is within this fraction of the area the outline encloses
REPAIR_AREA_TOLERANCE = 0.10
#: parts smaller than this share of a repaired polygon are slivers and dropped
SLIVER_SHARE = 0.01

POINT, LINE, POLYGON = "point", "line", "polygon"
FAMILY = {
    "Point": POINT, "MultiPoint": POINT,
    "LineString": LINE, "MultiLineString": LINE,
    "Polygon": POLYGON, "MultiPolygon": POLYGON,
}
FAMILY_ZH = {POINT: "点", LINE: "线", POLYGON: "面"}
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Site:
    """A validated site: geometry in EPSG:4326, its family (point/line/polygon), warnings, repair flag."""

    geometry: shapely.Geometry
    warnings: list[str] = field(default_factory=list)
    repaired: bool = False

    @property
    def family(self) -> str:
        return FAMILY[self.geometry.geom_type]

    @property
    def geojson(self) -> dict[str, Any]:
        return shapely.geometry.mapping(self.geometry)


# ---------------------------------------------------------------------------------------------- parsing
def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _from_mapping(value: dict[str, Any]) -> shapely.Geometry:
    kind = value.get("type")
    if kind is None:
        if "bbox" in value:
            return _from_sequence(value["bbox"], "bbox")
        if "lon" in value and "lat" in value:
            return _from_sequence([value["lon"], value["lat"]], "point")
        raise InvalidGeometryError(
            "malformed GeoJSON: the object has no 'type'; send a geometry, a Feature, a bbox "
            "[min_lon, min_lat, max_lon, max_lat] or a point [lon, lat]"
        )
    if kind == "FeatureCollection":
        features = value.get("features")
        if not isinstance(features, list) or len(features) != 1:
            count = len(features) if isinstance(features, list) else "no"
            raise InvalidGeometryError(
                f"a FeatureCollection must hold exactly one feature to be checked as a site; it has {count}"
            )
        feature = features[0]
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            raise InvalidGeometryError("malformed GeoJSON: a FeatureCollection's member must be a Feature object")
        return _from_mapping(feature)
    if kind == "Feature":
        geometry = value.get("geometry")
        if not isinstance(geometry, dict):
            raise InvalidGeometryError("malformed GeoJSON: the Feature has no geometry object")
        if geometry.get("type") in ("Feature", "FeatureCollection"):
            raise InvalidGeometryError("malformed GeoJSON: a Feature's geometry must be a geometry, not a Feature")
        return _from_mapping(geometry)
    if kind == "GeometryCollection":
        raise InvalidGeometryError(
            "a GeometryCollection cannot be checked: send one Point, LineString or Polygon (or Multi-) geometry"
        )
    if kind not in FAMILY:
        raise InvalidGeometryError(
            f"malformed GeoJSON: unknown geometry type {kind!r}; use Point, LineString, Polygon or their Multi- forms"
        )
    coordinates = value.get("coordinates")
    if coordinates is None:
        raise InvalidGeometryError(f"malformed GeoJSON: the {kind} has no 'coordinates'")
    _check_nesting(coordinates, kind)
    _check_rings(coordinates, kind)
    try:
        return shape({"type": kind, "coordinates": coordinates})
    except (ValueError, TypeError, IndexError, KeyError, AttributeError, shapely.errors.GEOSException) as exc:
        raise InvalidGeometryError(f"malformed GeoJSON {kind}: {exc}") from None


_DEPTH = {"Point": 0, "MultiPoint": 1, "LineString": 1, "MultiLineString": 2, "Polygon": 2, "MultiPolygon": 3}


def _check_nesting(coordinates: Any, kind: str) -> None:
    """Check the coordinate arrays are nested to the right depth and hold numeric positions."""
    def positions(node: Any, depth: int) -> Iterable[Any]:
        if depth == 0:
            yield node
            return
        if not isinstance(node, list | tuple):
            raise InvalidGeometryError(
                f"malformed GeoJSON {kind}: coordinates must be nested {_DEPTH[kind] + 1} lists deep"
            )
        for item in node:
            yield from positions(item, depth - 1)

    for position in positions(coordinates, _DEPTH[kind]):
        if not isinstance(position, list | tuple):
            raise InvalidGeometryError(
                f"malformed GeoJSON {kind}: coordinates must be nested {_DEPTH[kind] + 1} lists deep"
            )
        if not 2 <= len(position) <= 3:
            raise InvalidGeometryError(
                f"malformed GeoJSON {kind}: every position must be [lon, lat] (got {str(position)[:60]})"
            )
        if not all(_is_number(c) for c in position):
            raise InvalidGeometryError(
                f"malformed GeoJSON {kind}: coordinates must be numbers (got {str(position)[:60]})"
            )


def _check_rings(coordinates: Any, kind: str) -> None:
    """Polygon rings need four positions and must end where they start (RFC 7946 §3.1.6)."""
    if kind not in ("Polygon", "MultiPolygon"):
        return
    polygons = [coordinates] if kind == "Polygon" else coordinates
    for polygon in polygons:
        for ring in polygon:
            if len(ring) < 4:
                raise InvalidGeometryError(
                    f"malformed GeoJSON {kind}: a ring needs at least 4 positions (the last repeating the first), "
                    f"got {len(ring)}"
                )
            if list(ring[0]) != list(ring[-1]):
                raise InvalidGeometryError(
                    f"malformed GeoJSON {kind}: a ring must be closed (its last position repeats the first)"
                )


def _from_sequence(value: Sequence[Any], what: str = "") -> shapely.Geometry:
    items = list(value)
    if not all(_is_number(v) for v in items):
        raise InvalidGeometryError(f"a {what or 'point or bbox'} must be a list of numbers, got {str(items)[:80]}")
    if len(items) == 2 and what in ("", "point"):
        return shapely.Point(items)
    if len(items) == 4 and what in ("", "bbox"):
        minx, miny, maxx, maxy = items
        if not (minx < maxx and miny < maxy):
            raise InvalidGeometryError(
                f"a bbox must be [min_lon, min_lat, max_lon, max_lat] with min < max, got {items}"
            )
        return shapely.box(minx, miny, maxx, maxy)
    raise InvalidGeometryError(
        f"a list must be a point [lon, lat] (2 numbers) or a bbox [min_lon, min_lat, max_lon, max_lat] "
        f"(4 numbers); got {len(items)} values"
    )


def to_geometry(value: Any) -> shapely.Geometry:
    """Turn any accepted input into a shapely geometry (no validation beyond well-formedness)."""
    if isinstance(value, shapely.Geometry):
        return value
    if isinstance(value, dict):
        return _from_mapping(value)
    if isinstance(value, list | tuple | np.ndarray):
        return _from_sequence(value)
    if value is None:
        raise InvalidGeometryError("no geometry given")
    raise InvalidGeometryError(
        f"cannot read a site from a {type(value).__name__}: send a GeoJSON geometry or Feature, a bbox or a point"
    )


# ---------------------------------------------------------------------------------------------- validation
def _check_coordinates(geometry: shapely.Geometry, map_area: Sequence[float] | None) -> None:
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        raise InvalidGeometryError("coordinates contain NaN or infinite values; every position needs finite lon, lat")
    x, y = coords[:, 0], coords[:, 1]
    example = f"e.g. [{x[0]:.6g}, {y[0]:.6g}]"
    lon_ok = (np.abs(x) <= 180).all()
    lat_ok = (np.abs(y) <= 90).all()
    if lon_ok and lat_ok:
        if map_area is not None and not _inside(x, y, map_area) and _inside(y, x, map_area):
            raise SuspectCoordinatesError(
                f"coordinates look like swapped latitude/longitude ({example}): GeoJSON order is "
                "[longitude, latitude]; swapped, they fall in the plan area"
            )
        return
    if (np.abs(x) <= 90).all() and (np.abs(y) <= 180).all():
        raise SuspectCoordinatesError(
            f"coordinates look like swapped latitude/longitude ({example}: latitude above 90°): GeoJSON order "
            "is [longitude, latitude]"
        )
    if (np.abs(coords) > 1000).any():
        raise SuspectCoordinatesError(
            f"coordinates look like projected metres, not WGS84 degrees ({example}): convert them to EPSG:4326 "
            "longitude/latitude first"
        )
    raise InvalidGeometryError(
        f"coordinates out of range ({example}): longitude must be within ±180° and latitude within ±90°"
    )


def _inside(x: np.ndarray, y: np.ndarray, area: Sequence[float]) -> bool:
    x0, y0, x1, y1 = area
    return bool(((x >= x0) & (x <= x1) & (y >= y0) & (y <= y1)).all())


def _ring_area(ring: shapely.LinearRing) -> float:
    """Geodesic area enclosed by a ring by the shoelace sum (lobes of a bow-tie cancel)."""
    lon, lat = np.asarray(ring.coords).T
    area, _ = _GEOD.polygon_area_perimeter(lon, lat)
    return abs(area)


def _intended_area(polygon: shapely.Polygon) -> float:
    return _ring_area(polygon.exterior) - sum(_ring_area(r) for r in polygon.interiors)


def geodesic_area(geometry: shapely.Geometry) -> float:
    """Area of a (multi)polygon in EPSG:4326, m²."""
    return float(sum(abs(_GEOD.geometry_area_perimeter(p)[0]) for p in shapely.get_parts(geometry)))


#: what a plan's boundary and map area give every check (area, extent), computed once per geometry / area
_FIXED: dict[Any, tuple[Any, float]] = {}


def _district_area(boundary: shapely.Geometry) -> float:
    """The boundary's geodesic area, computed once per boundary object (kept alive with it, so ids stay unique)."""
    key = ("area", id(boundary))
    found = _FIXED.get(key)
    if found is None or found[0] is not boundary:
        if len(_FIXED) > 256:
            _FIXED.clear()
        found = _FIXED[key] = (boundary, geodesic_area(boundary))
    return found[1]


def _map_area_extent(map_area: Sequence[float]) -> float:
    key = ("extent", *map(float, map_area))
    if key not in _FIXED:
        _FIXED[key] = (None, _metric_extent(shapely.box(*map_area)))
    return _FIXED[key][1]


def _repair(geometry: shapely.Geometry) -> tuple[shapely.Geometry, str]:
    """make_valid a self-intersecting (multi)polygon when the result is what the outline meant, else reject."""
    reason = shapely.is_valid_reason(geometry)
    repaired = shapely.make_valid(geometry)
    polygons = [p for p in shapely.get_parts(repaired) if p.geom_type == "Polygon" and not p.is_empty]
    if polygons:
        areas = np.array([geodesic_area(p) for p in polygons])
        polygons = [p for p, a in zip(polygons, areas, strict=True) if a >= SLIVER_SHARE * areas.sum()]
    n_input_parts = len(shapely.get_parts(geometry))
    intended = sum(_intended_area(p) for p in shapely.get_parts(geometry))
    result = polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons) if polygons else None
    if result is None or len(polygons) != n_input_parts:
        raise InvalidGeometryError(
            f"the polygon is not valid ({reason}) and cannot be repaired into one polygon: make_valid splits it "
            f"into {len(polygons)} parts (a bow-tie or figure-eight outline?). Redraw it without crossing edges"
        )
    got = geodesic_area(result)
    if intended <= 0 or abs(got - intended) > REPAIR_AREA_TOLERANCE * intended:
        raise InvalidGeometryError(
            f"the polygon is not valid ({reason}); make_valid would change its area from {intended:,.0f} m² "
            f"to {got:,.0f} m², so it is not repaired. Redraw it without crossing edges"
        )
    return result, (
        f"the polygon was not valid ({reason}) and was repaired with make_valid; area {got:,.0f} m² "
        f"(outline encloses {intended:,.0f} m²)"
    )


def _metric_extent(geometry: shapely.Geometry) -> float:
    """Largest side of the geometry's bounding box in metres (geodesic)."""
    minx, miny, maxx, maxy = geometry.bounds
    mid_lat = (miny + maxy) / 2.0
    _, _, width = _GEOD.inv(minx, mid_lat, maxx, mid_lat)
    _, _, height = _GEOD.inv(minx, miny, minx, maxy)
    return max(width, height)


def parse_site(value: Any, *, allowed: Iterable[str] | None = None, boundary: shapely.Geometry | None = None,
               map_area: Sequence[float] | None = None, max_vertices: int = MAX_VERTICES) -> Site:
    """Turn any accepted input into a validated :class:`Site` in EPSG:4326.

    Parameters
    ----------
    value
        GeoJSON geometry / Feature / one-feature FeatureCollection (dict), bbox or point (list), or a shapely
        geometry. Coordinates are WGS84 longitude, latitude.
    allowed
        Geometry families the caller accepts (``"point"``, ``"line"``, ``"polygon"``); None accepts all.
    boundary
        The district boundary (EPSG:4326). A site larger than it is rejected; a site outside it is accepted
        with a warning.
    map_area
        The plan's ``[min_lon, min_lat, max_lon, max_lat]``: helps recognise swapped coordinates and bounds the
        size of a site.
    max_vertices
        Largest accepted number of vertices.

    Raises
    ------
    InvalidGeometryError
        Malformed, empty, non-finite, unrepairable or of a type not in ``allowed``.
    SuspectCoordinatesError
        Coordinates look like swapped lat/lon or projected metres.
    SiteTooLargeError
        Too many vertices, or larger than the district or the plan's map area.
    """
    geometry = to_geometry(value)
    warnings: list[str] = []
    if geometry is None or shapely.is_missing(geometry) or geometry.is_empty:
        raise InvalidGeometryError("the geometry is empty: it has no coordinates")
    if geometry.geom_type not in FAMILY:
        raise InvalidGeometryError(
            f"a {geometry.geom_type} cannot be checked: send one Point, LineString or Polygon (or Multi-) geometry"
        )
    n_vertices = int(shapely.get_num_coordinates(geometry))
    if n_vertices > max_vertices:
        raise SiteTooLargeError(
            f"the site has {n_vertices:,} vertices; at most {max_vertices:,} are accepted. Simplify it first"
        )
    _check_coordinates(geometry, map_area)
    if shapely.has_z(geometry):
        geometry = shapely.force_2d(geometry)
        warnings.append("z coordinates were dropped")
    family = FAMILY[geometry.geom_type]
    if allowed is not None:
        allowed = list(allowed)
        if family not in allowed:
            names = " or ".join(f"{a} ({FAMILY_ZH[a]})" for a in allowed)
            raise InvalidGeometryError(
                f"a {geometry.geom_type} ({family}) cannot be checked with this ruleset; it needs a {names}"
            )
    if family == LINE and geometry.length == 0:
        raise InvalidGeometryError("the line has zero length (all its points are the same)")
    repaired = False
    if family == POLYGON:
        if not geometry.is_valid:
            geometry, note = _repair(geometry)
            warnings.append(note)
            repaired = True
        area = geodesic_area(geometry)
        if area <= 0:
            raise InvalidGeometryError("the polygon has zero area")
    _check_size(geometry, family, boundary, map_area, area if family == POLYGON else None)
    if boundary is not None and not boundary.is_empty:
        warnings.extend(_boundary_warnings(geometry, boundary))
    return Site(geometry, warnings, repaired)


def _check_size(geometry: shapely.Geometry, family: str, boundary: shapely.Geometry | None,
                map_area: Sequence[float] | None, area: float | None = None) -> None:
    if family == POLYGON and boundary is not None and not boundary.is_empty:
        area, district = (geodesic_area(geometry) if area is None else area), _district_area(boundary)
        if area > district:
            raise SiteTooLargeError(
                f"the site covers {area / 1e6:,.2f} km², more than the whole district ({district / 1e6:,.2f} km²); "
                "draw the site itself, not the region around it"
            )
    if map_area is not None and geometry.geom_type != "Point":
        limit = _map_area_extent(map_area)
        extent = _metric_extent(geometry)
        if extent > limit:
            raise SiteTooLargeError(
                f"the site spans {extent / 1000:,.1f} km, more than the plan's map area ({limit / 1000:,.1f} km)"
            )
    if map_area is not None and not geometry.intersects(shapely.box(*map_area)):
        x0, y0, x1, y1 = map_area
        raise InvalidGeometryError(
            f"the site lies outside this plan's map area (lon {x0}–{x1}, lat {y0}–{y1}): "
            "draw it where the plan is, or choose the plan that covers it"
        )


def _boundary_warnings(geometry: shapely.Geometry, boundary: shapely.Geometry) -> list[str]:
    shapely.prepare(boundary)  # once per boundary object: later calls return at once
    if boundary.contains(geometry):
        return []
    if not boundary.intersects(geometry):
        nearest = shapely.shortest_line(geometry, boundary)
        (x0, y0), (x1, y1) = nearest.coords
        _, _, distance = _GEOD.inv(x0, y0, x1, y1)
        return [f"the site lies outside the district boundary ({distance:,.0f} m from it); it was checked anyway"]
    if geometry.geom_type in ("Polygon", "MultiPolygon"):
        share = 1.0 - geodesic_area(geometry.intersection(boundary)) / geodesic_area(geometry)
        if share < 0.005:
            return []
        return [f"{share:.0%} of the site lies outside the district boundary; it was checked anyway"]
    return ["part of the site lies outside the district boundary; it was checked anyway"]

