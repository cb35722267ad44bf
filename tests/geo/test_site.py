"""Every site input funnels through parse_site: variants accepted, bad input rejected with a clear reason."""

from __future__ import annotations

import math

import pytest
import shapely

from geo.errors import InvalidGeometryError, SiteTooLargeError, SuspectCoordinatesError
from geo.site import geodesic_area, parse_site
from tests.geo import tiny_plan as tp

BOUNDARY = tp.to_lonlat(shapely.box(-1500, -1500, 1500, 1500))
MAP_AREA = (121.54, 38.84, 121.70, 38.98)
KW = {"boundary": BOUNDARY, "map_area": MAP_AREA}
SQUARE = tp.geojson(shapely.box(0, 0, 100, 100))


def test_geometry_feature_and_collection_give_the_same_site():
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": SQUARE}
    collection = {"type": "FeatureCollection", "features": [feature]}
    sites = [parse_site(v, **KW) for v in (SQUARE, feature, collection)]
    assert all(s.geometry.equals(sites[0].geometry) for s in sites)
    assert sites[0].family == "polygon" and sites[0].warnings == [] and not sites[0].repaired
    assert geodesic_area(sites[0].geometry) == pytest.approx(10_000, rel=2e-3)


def test_bbox_and_point_variants():
    box = parse_site([121.61, 38.91, 121.62, 38.92], **KW)
    assert box.geometry.geom_type == "Polygon" and box.geometry.bounds == (121.61, 38.91, 121.62, 38.92)
    assert parse_site({"bbox": [121.61, 38.91, 121.62, 38.92]}, **KW).geometry.equals(box.geometry)
    point = parse_site([121.62, 38.915], **KW)
    assert point.family == "point" and point.geometry.coords[0] == (121.62, 38.915)
    assert parse_site({"lon": 121.62, "lat": 38.915}, **KW).geometry.equals(point.geometry)
    assert parse_site(shapely.Point(121.62, 38.915), **KW).geometry.equals(point.geometry)


@pytest.mark.parametrize("value, message", [
    ({"coordinates": [1, 2]}, "no 'type'"),
    ({"type": "Polygon"}, "no 'coordinates'"),
    ({"type": "Circle", "coordinates": [1, 2]}, "unknown geometry type"),
    ({"type": "Polygon", "coordinates": [[121.6, 38.9], [121.7, 38.9]]}, "nested 3 lists"),
    ({"type": "Point", "coordinates": ["121.6", 38.9]}, "must be numbers"),
    ({"type": "Point", "coordinates": [121.6]}, r"\[lon, lat\]"),
    ({"type": "Polygon", "coordinates": [[[121.6, 38.9], [121.61, 38.9], [121.6, 38.9]]]}, "malformed GeoJSON Polygon"),
    ({"type": "Feature", "geometry": None}, "no geometry"),
    ({"type": "FeatureCollection", "features": []}, "exactly one feature"),
    ({"type": "FeatureCollection", "features": [SQUARE]}, "must be a Feature"),
    ({"type": "Feature", "geometry": {"type": "Feature", "geometry": SQUARE}}, "not a Feature"),
    ({"type": "GeometryCollection", "geometries": []}, "GeometryCollection"),
    ([1, 2, 3], "point .* or a bbox"),
    ([121.62, 38.92, 121.61, 38.91], "min < max"),
    ("POINT (1 2)", "cannot read a site from a str"),
    (None, "no geometry"),
])
def test_malformed_input_is_rejected_with_the_reason(value, message):
    with pytest.raises(InvalidGeometryError, match=message):
        parse_site(value, **KW)


def test_empty_geometry():
    with pytest.raises(InvalidGeometryError, match="empty"):
        parse_site({"type": "Polygon", "coordinates": []}, **KW)
    with pytest.raises(InvalidGeometryError, match="empty"):
        parse_site(shapely.LineString(), **KW)


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_coordinates(bad):
    with pytest.raises(InvalidGeometryError, match="NaN or infinite"):
        parse_site({"type": "Point", "coordinates": [bad, 38.9]}, **KW)


def test_swapped_lat_lon_is_named():
    with pytest.raises(SuspectCoordinatesError, match="swapped latitude/longitude") as info:
        parse_site({"type": "Point", "coordinates": [38.915, 121.62]}, **KW)
    assert "[longitude, latitude]" in str(info.value)


def test_swapped_lat_lon_recognised_from_the_plan_area_even_when_both_are_valid_degrees():
    # a plan around 11°E 46°N: [46.0, 11.2] is a valid place (Somalia), but swapped it is in the plan area
    with pytest.raises(SuspectCoordinatesError, match="swapped, they fall in the plan area"):
        parse_site([46.0, 11.2], map_area=(10.5, 45.5, 12.0, 46.5))
    assert parse_site([11.2, 46.0], map_area=(10.5, 45.5, 12.0, 46.5)).family == "point"


def test_projected_metres_are_named():
    with pytest.raises(SuspectCoordinatesError, match="projected metres"):
        parse_site({"type": "Point", "coordinates": [379300.0, 4308100.0]}, **KW)


def test_wrong_type_for_the_ruleset():
    with pytest.raises(InvalidGeometryError, match=r"Point \(point\) cannot be checked.*polygon \(面\) or line"):
        parse_site([121.62, 38.915], allowed=["polygon", "line"], **KW)


def test_bow_tie_is_rejected_not_repaired():
    bow_tie = tp.geojson(shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)]))
    with pytest.raises(InvalidGeometryError, match="cannot be repaired into one polygon"):
        parse_site(bow_tie, **KW)


def test_small_self_intersection_is_repaired_and_reported():
    # a 200 × 100 m block whose outline crosses itself in a tiny loop at one corner
    outline = shapely.Polygon([(0, 0), (200, 0), (200, 100), (0, 100), (1, -1), (0, 0)])
    assert not outline.is_valid
    site = parse_site(tp.geojson(outline), **KW)
    assert site.repaired and site.geometry.is_valid and site.geometry.geom_type == "Polygon"
    assert any("repaired with make_valid" in w for w in site.warnings)
    assert geodesic_area(site.geometry) == pytest.approx(20_000, rel=0.01)


def test_repair_that_would_change_the_area_is_refused():
    # outlines make_valid turns into one polygon of a very different area than the outline encloses
    spiral = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100), (0, 20), (80, 20), (80, 80), (20, 80),
                              (20, 10), (0, 10), (0, 0)])
    wound_twice = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0), (100, 0), (100, 100), (0, 100),
                                   (0, 0)])
    for shape in (spiral, wound_twice):
        with pytest.raises(InvalidGeometryError, match="would change its area"):
            parse_site(tp.geojson(shape), **KW)


def test_a_spike_is_repaired():
    spike = shapely.Polygon([(0, 0), (100, 0), (100, 100), (0, 100), (0, 0), (300, 0), (0, 0)])
    site = parse_site(tp.geojson(spike), **KW)
    assert site.repaired and geodesic_area(site.geometry) == pytest.approx(10_000, rel=0.01)


def test_too_many_vertices():
    circle = tp.to_lonlat(shapely.Point(0, 0).buffer(100, quad_segs=3000))
    with pytest.raises(SiteTooLargeError, match="12,001 vertices"):
        parse_site(circle, **KW)
    assert parse_site(circle, max_vertices=20_000, **KW).family == "polygon"


def test_site_larger_than_the_district():
    with pytest.raises(SiteTooLargeError, match="more than the whole district"):
        parse_site(tp.geojson(shapely.box(-2000, -2000, 2000, 2000)), **KW)


def test_line_or_points_spread_wider_than_the_map_area():
    with pytest.raises(SiteTooLargeError, match="map area"):
        parse_site({"type": "LineString", "coordinates": [[121.0, 38.9], [122.0, 38.9]]}, **KW)
    with pytest.raises(SiteTooLargeError, match="map area"):
        parse_site({"type": "MultiPoint", "coordinates": [[121.0, 38.9], [122.0, 38.9]]}, **KW)


def test_outside_the_district_is_checked_but_flagged():
    site = parse_site(tp.geojson(shapely.box(2000, 0, 2100, 50)), **KW)
    assert site.family == "polygon"
    assert site.warnings == [w for w in site.warnings if "outside the district" in w]
    assert "500 m from it" in site.warnings[0]
    straddling = parse_site(tp.geojson(shapely.box(1400, 0, 1600, 100)), **KW)
    assert straddling.warnings == ["50% of the site lies outside the district boundary; it was checked anyway"]
    inside = parse_site(tp.geojson(shapely.box(0, 0, 100, 100)), **KW)
    assert inside.warnings == []


def test_zero_length_line_and_z_coordinates():
    with pytest.raises(InvalidGeometryError, match="zero length"):
        parse_site({"type": "LineString", "coordinates": [[121.62, 38.915], [121.62, 38.915]]}, **KW)
    site = parse_site({"type": "Point", "coordinates": [121.62, 38.915, 12.0]}, **KW)
    assert not shapely.has_z(site.geometry) and site.warnings == ["z coordinates were dropped"]


def test_a_site_outside_the_plans_map_area_is_rejected_not_measured_in_the_wrong_zone():
    x0, y0, x1, y1 = KW["map_area"]
    far = {"type": "LineString", "coordinates": [[0.0, 0.0], [0.001, 0.0]]}
    with pytest.raises(InvalidGeometryError, match="outside this plan's map area"):
        parse_site(far, **KW)
    with pytest.raises(InvalidGeometryError, match="outside this plan's map area"):
        parse_site({"type": "Point", "coordinates": [x1 + 0.5, (y0 + y1) / 2]}, **KW)
