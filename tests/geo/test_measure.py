"""Measurement of street polygons and lines: exact on known shapes, in any orientation."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import affinity

from geo.measure import centreline, centrelines, measure, measure_geometry, street_profile

RECT = shapely.box(0, 0, 320, 8)


def _one(geometry, **kwargs):
    return measure(gpd.GeoSeries([geometry]), **kwargs).iloc[0]


def test_rectangle_is_exact():
    row = _one(RECT)
    assert row["length_m"] == pytest.approx(320, rel=1e-3)
    assert row["width_mean_m"] == pytest.approx(8, rel=1e-3)
    assert row["width_min_m"] == pytest.approx(8, rel=1e-3)
    assert row["width_max_m"] == pytest.approx(8, rel=1e-3)
    assert row["area_m2"] == pytest.approx(2560)
    assert row["width_area_m"] == pytest.approx(8, rel=1e-3)
    assert row["n_transects"] == 30  # every 10 m, minus one width (8 m) at each end
    assert "medial axis" in row["method"]


@settings(max_examples=40, deadline=None)
@given(angle=st.floats(0, 360), dx=st.floats(-5e5, 5e5), dy=st.floats(-5e5, 5e5))
def test_rectangle_any_orientation_and_position(angle, dx, dy):
    shape = affinity.translate(affinity.rotate(RECT, angle, origin="centroid"), dx + 5e5, dy + 4.3e6)
    row = _one(shape)
    assert row["length_m"] == pytest.approx(320, rel=0.01)
    assert row["width_mean_m"] == pytest.approx(8, rel=0.01)
    assert row["width_min_m"] == pytest.approx(8, rel=0.01)


@settings(max_examples=25, deadline=None)
@given(length=st.floats(60, 2000), width=st.floats(3, 40), angle=st.floats(0, 180))
def test_rectangles_of_any_proportion(length, width, angle):
    shape = affinity.rotate(shapely.box(0, 0, length, width), angle, origin="centroid")
    row = _one(shape)
    assert row["length_m"] == pytest.approx(length, rel=0.01)
    assert row["width_mean_m"] == pytest.approx(width, rel=0.01)


def test_l_shape_follows_the_street():
    # arms of 200 m and 150 m (outer edges), 6 m wide: the centre line is 197 + 147 = 344 m
    l_shape = shapely.union(shapely.box(0, 0, 200, 6), shapely.box(194, 0, 200, 150))
    row = _one(l_shape)
    assert row["length_m"] == pytest.approx(344, rel=0.01)
    assert row["length_m"] > 340  # not the bounding box diagonal (250 m) nor one arm
    assert row["width_min_m"] == pytest.approx(6, rel=0.01)
    assert row["width_area_m"] == pytest.approx(6, rel=0.01)


def test_curved_street_follows_the_arc():
    # a quarter annulus, radii 96–104 m: centre line = quarter circle of radius 100 m = 157.08 m
    ring = shapely.Point(0, 0).buffer(104, quad_segs=64).difference(shapely.Point(0, 0).buffer(96, quad_segs=64))
    arc = ring.intersection(shapely.box(0, 0, 200, 200))
    row = _one(arc)
    assert row["length_m"] == pytest.approx(math.pi / 2 * 100, rel=0.01)
    assert row["width_mean_m"] == pytest.approx(8, rel=0.01)
    # the chord (straight end to end) would be 141 m: the measure follows the curve
    assert row["length_m"] > 150


def test_h_shape_counts_every_branch():
    h_shape = shapely.union_all([shapely.box(0, 0, 10, 300), shapely.box(100, 0, 110, 300),
                                 shapely.box(10, 145, 100, 155)])
    row = _one(h_shape)
    # two 300 m legs + the 100 m crossbar between leg centre lines
    assert row["length_m"] == pytest.approx(700, rel=0.01)
    assert row["width_mean_m"] == pytest.approx(10, rel=0.01)
    line, _ = centreline(h_shape)
    assert line.geom_type == "MultiLineString"


def test_tapering_street_reports_width_profile():
    trapezoid = shapely.Polygon([(0, 0), (400, 0), (400, 12), (0, 4)])
    row = _one(trapezoid)
    assert row["width_min_m"] == pytest.approx(4, abs=0.6)
    assert row["width_max_m"] == pytest.approx(12, abs=0.6)
    assert row["width_mean_m"] == pytest.approx(8, rel=0.03)
    assert row["length_m"] == pytest.approx(400, rel=0.01)


def test_transects_are_perpendicular_and_span_the_street():
    profile = street_profile(affinity.rotate(RECT, 30, origin="centroid"))
    assert len(profile.transects) == len(profile.widths) == 30
    assert np.allclose(profile.widths, 8, rtol=1e-3)
    assert profile.length == pytest.approx(320, rel=1e-3)


def test_lines_and_points_in_a_geographic_crs():
    # a 0.01° east-west line at 38.9°N is 866.6 m (geodesic ≈ UTM to 0.1 %)
    series = gpd.GeoSeries([shapely.LineString([(121.60, 38.9), (121.61, 38.9)]), shapely.Point(121.6, 38.9)],
                           index=["line", "point"], crs="EPSG:4326")
    table = measure(series, widths=pd.Series({"line": 12.0}))
    assert list(table.index) == ["line", "point"]
    assert table.loc["line", "length_m"] == pytest.approx(866.6, rel=2e-3)
    assert table.loc["line", "width_mean_m"] == 12.0
    assert table.loc["line", "area_m2"] == pytest.approx(866.6 * 12, rel=2e-3)
    assert "EPSG:32651" in table.loc["line", "method"]
    assert math.isnan(table.loc["point", "length_m"]) and math.isnan(table.loc["point", "width_mean_m"])
    assert table.loc["point", "method"] == "point: no length or width"


def test_line_without_width_has_unknown_width():
    row = _one(shapely.LineString([(0, 0), (300, 400)]))
    assert row["length_m"] == pytest.approx(500)
    assert math.isnan(row["width_mean_m"]) and math.isnan(row["area_m2"])
    assert "width unknown" in row["method"]


def test_empty_and_missing_geometries_give_nan_rows():
    table = measure(gpd.GeoSeries([shapely.Polygon(), None, RECT], index=["a", "b", "c"]))
    assert table.loc[["a", "b"], "length_m"].isna().all()
    assert table.loc["c", "length_m"] == pytest.approx(320, rel=1e-3)


def test_multipolygon_sums_its_streets():
    two = shapely.MultiPolygon([RECT, affinity.translate(RECT, 0, 100)])
    assert _one(two)["length_m"] == pytest.approx(640, rel=1e-3)


def test_compact_shape_falls_back_to_its_long_axis():
    disc = shapely.Point(0, 0).buffer(50)
    assert _one(disc)["length_m"] == pytest.approx(100, rel=0.01)


def test_measure_geometry_matches_vectorised_measure():
    shape = affinity.rotate(RECT, 12, origin="centroid")
    single, profile = measure_geometry(shape)
    row = _one(shape)
    assert single["length_m"] == pytest.approx(row["length_m"])
    assert single["width_min_m"] == pytest.approx(row["width_min_m"])
    assert profile.centreline.length == pytest.approx(320, rel=1e-3) and len(profile.widths) == 30
    line = shapely.LineString([(0, 0), (30, 40)])
    values, line_profile = measure_geometry(line, width_m=7)
    assert values["length_m"] == 50 and values["area_m2"] == 350 and line_profile.centreline.equals(line)
    assert measure_geometry(shapely.Point(1, 1))[1] is None


def test_centrelines_come_back_in_the_input_crs():
    lonlat = gpd.GeoSeries([shapely.box(121.60, 38.90, 121.61, 38.90008)], crs="EPSG:4326")
    lines = centrelines(lonlat)
    assert lines.crs == lonlat.crs
    minx, _, maxx, _ = lines.iloc[0].bounds
    assert minx == pytest.approx(121.60, abs=1e-5) and maxx == pytest.approx(121.61, abs=1e-5)


def test_bad_transect_spacing_is_rejected():
    from geo.errors import InvalidGeometryError

    with pytest.raises(InvalidGeometryError, match="transect spacing"):
        street_profile(RECT, transect_spacing_m=0)


def test_ring_road_with_thousands_of_vertices():
    # 9,600 vertices: the outline is simplified before the skeleton; the ring's centre line is 2π · 1000 m
    ring = shapely.Point(0, 0).buffer(1005, quad_segs=1200).difference(shapely.Point(0, 0).buffer(995, quad_segs=1200))
    assert shapely.get_num_coordinates(ring) > 9000
    row = _one(ring)
    assert row["length_m"] == pytest.approx(2 * math.pi * 1000, rel=0.005)
    assert row["width_mean_m"] == pytest.approx(10, rel=0.01)


def test_sinuous_street_follows_every_bend():
    axis = shapely.LineString([(x, 30 * math.sin(x / 40)) for x in np.arange(0, 800, 2)])
    street = axis.buffer(5, cap_style="flat")
    row = _one(street)
    assert row["length_m"] == pytest.approx(axis.length, rel=0.005)  # 902.6 m, not the 800 m chord
    assert row["width_mean_m"] == pytest.approx(10, rel=0.01)


@pytest.mark.parametrize("shape", [
    shapely.union_all([shapely.box(0, 0, 200, 10), shapely.box(190, 0, 200, 150)]),
    shapely.union_all([shapely.box(0, 0, 300, 12), shapely.box(140, 0, 152, 200)]),
    shapely.LineString([(0, 0), (60, 40), (90, -30), (200, 10)]).buffer(9),
])
def test_measurement_does_not_depend_on_where_the_site_lies(shape):
    """The same street at the origin and at UTM coordinates of Dalian: the same numbers (the skeleton is
    computed on centred coordinates, co-circular Voronoi vertices merged)."""
    here, _ = measure_geometry(shape)
    there, _ = measure_geometry(affinity.translate(shape, 540_000.0, 4_308_000.0))
    for key in ("length_m", "width_mean_m", "width_min_m", "width_max_m", "area_m2"):
        assert there[key] == pytest.approx(here[key], rel=1e-6), key
