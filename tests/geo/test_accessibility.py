"""Walking distances, fallbacks, counts, nearest and isochrones on a 3×3-block grid of 100 m blocks."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from geo.accessibility import (
    CoverageTarget,
    counts_within,
    coverage,
    coverage_targets,
    covered_areas,
    fallback_method,
    isochrone,
    nearest_by,
    rank_nearest,
    select_sources,
    target_coverage,
    walking_distance_arrays,
    walking_distances,
)
from geo.errors import CriteriaError, InvalidGeometryError
from geo.network import WalkNetwork
from tests.geo.test_network import UTM, grid_graph, grid_xy, lonlat, point, with_island


@pytest.fixture(scope="module")
def grid() -> WalkNetwork:
    return WalkNetwork.from_graph(grid_graph(), UTM)


@pytest.fixture(scope="module")
def grid_with_island() -> WalkNetwork:
    return WalkNetwork.from_graph(with_island(grid_graph()), UTM)


def targets(**points: tuple[float, float]) -> gpd.GeoDataFrame:
    """Point targets at grid metres, indexed by name."""
    return gpd.GeoDataFrame(
        {"name": list(points)}, geometry=[point(x, y) for x, y in points.values()], index=list(points), crs=4326
    )


def test_mid_block_point_to_a_target_two_blocks_away_is_250_m(grid):
    result = walking_distances(grid, point(50, 0), targets(station=(200, 100)))
    row = result.loc["station"]
    assert row["method"] == "network"
    assert row["distance_m"] == pytest.approx(250.0, abs=1e-6)
    assert row["straight_m"] == pytest.approx(math.hypot(150, 100), abs=1e-6)


def test_offsets_from_the_street_are_added_at_both_ends(grid):
    result = walking_distances(grid, point(50, -10), targets(stop=(230, 107)))
    # 10 m to the street, 50 m to (100, 0), 100 m up, 100 m east to (200, 100), 30 m along, 7 m to the stop
    assert result.at["stop", "distance_m"] == pytest.approx(10 + 50 + 100 + 100 + 30 + 7, abs=1e-6)


def test_target_on_the_site_block_is_reached_along_it_not_via_a_corner(grid):
    result = walking_distances(grid, point(20, 0), targets(kiosk=(70, 4)))
    assert result.at["kiosk", "distance_m"] == pytest.approx(50 + 4, abs=1e-6)


def test_result_is_indexed_like_the_targets_with_the_contract_columns(grid):
    frame = targets(a=(0, 0), b=(300, 300), c=(100, 250))
    result = walking_distances(grid, point(50, 0), frame)
    assert list(result.columns) == ["distance_m", "straight_m", "method", "route"]
    assert list(result.index) == ["a", "b", "c"]
    np.testing.assert_allclose(result["distance_m"], [50, 550, 300], atol=1e-6)


def test_polygon_site_distances_start_where_the_street_leaves_it(grid):
    site = shapely.Polygon([lonlat(220, -20), lonlat(260, -20), lonlat(260, 20), lonlat(220, 20)])
    result = walking_distances(grid, site, targets(west=(0, 50), north=(300, 100), inside=(240, 0)))
    assert result.at["west", "distance_m"] == pytest.approx(220 + 50, abs=1e-6)
    assert result.at["north", "distance_m"] == pytest.approx(40 + 100, abs=1e-6)
    assert result.at["inside", "distance_m"] == 0.0
    assert result.at["inside", "route"] is None


def test_polygon_site_holding_whole_segments(grid):
    site = shapely.Polygon([lonlat(-10, -10), lonlat(110, -10), lonlat(110, 10), lonlat(-10, 10)])
    result = walking_distances(grid, site, targets(east=(200, 0), north=(0, 300), beside=(50, 30)))
    # the streets leave the site at x = 110 and y = 10
    assert result.at["east", "distance_m"] == pytest.approx(90, abs=1e-6)
    assert result.at["north", "distance_m"] == pytest.approx(290, abs=1e-6)
    # reached from the street the site holds: 30 m off it
    assert result.at["beside", "distance_m"] == pytest.approx(30, abs=1e-6)
    assert result.at["beside", "straight_m"] == pytest.approx(20, abs=1e-6)


def test_line_site_along_a_street(grid):
    site = shapely.LineString([lonlat(100, 120), lonlat(100, 180)])  # on the street x=100
    result = walking_distances(grid, site, targets(south=(100, 0), east=(200, 150)))
    assert result.at["south", "distance_m"] == pytest.approx(120, abs=1e-3)
    assert result.at["east", "distance_m"] == pytest.approx(20 + 100 + 50, abs=1e-3)


def test_disconnected_target_falls_back_to_straight_line_times_detour(grid_with_island):
    result = walking_distances(grid_with_island, point(250, 0), targets(island=(650, 10), grid=(300, 0)))
    island = result.loc["island"]
    assert island["method"] == "straight-line×1.3"
    assert island["straight_m"] == pytest.approx(math.hypot(400, 10), abs=1e-6)
    assert island["distance_m"] == pytest.approx(1.3 * math.hypot(400, 10), abs=1e-6)
    assert island["route"] is None
    assert result.at["grid", "method"] == "network"
    assert result.attrs["notes"] == {"target on streets not connected to the site's": 1}


def test_target_far_from_any_street_falls_back_with_the_given_factor(grid):
    result = walking_distances(grid, point(50, 0), targets(far=(50, -450)), detour_factor=1.5)
    assert result.at["far", "method"] == fallback_method(1.5) == "straight-line×1.5"
    assert result.at["far", "distance_m"] == pytest.approx(1.5 * 450, abs=1e-6)
    assert "target more than 300 m from any street" in result.attrs["notes"]


def test_site_far_from_any_street_falls_back_for_every_target(grid):
    result = walking_distances(grid, point(-500, 0), targets(a=(0, 0), b=(0, 100)))
    assert (result["method"] == "straight-line×1.3").all()
    np.testing.assert_allclose(result["distance_m"], 1.3 * np.array([500, math.hypot(500, 100)]), atol=1e-6)


def test_no_network_falls_back_and_uses_the_given_metric_crs():
    result = walking_distances(None, point(0, 0), targets(a=(300, 400)), metric_crs=UTM)
    assert result.at["a", "method"] == "straight-line×1.3"
    assert result.at["a", "distance_m"] == pytest.approx(650.0, abs=1e-6)
    assert result.attrs["notes"] == {"no street network loaded": 1}


def test_without_fallback_unreachable_targets_are_infinite(grid_with_island):
    result = walking_distances(grid_with_island, point(50, 0), targets(island=(650, 0)), detour_factor=None)
    assert result.at["island", "method"] == "unreachable"
    assert np.isinf(result.at["island", "distance_m"])


def test_max_distance_leaves_farther_targets_infinite_by_network(grid):
    result = walking_distances(grid, point(50, 0), targets(near=(100, 80), far=(300, 300)), max_distance_m=200)
    assert result.at["near", "distance_m"] == pytest.approx(130, abs=1e-6)
    assert np.isinf(result.at["far", "distance_m"])
    assert result.at["far", "method"] == "network"
    assert result.at["far", "route"] is None


def test_routes_start_at_the_site_follow_the_streets_and_end_at_the_target(grid):
    result = walking_distances(grid, point(50, -10), targets(t=(230, 107)))
    route = result.at["t", "route"]
    assert isinstance(route, shapely.LineString)
    xy = grid_xy(route)
    np.testing.assert_allclose(xy[0], [50, -10], atol=1e-3)
    np.testing.assert_allclose(xy[-1], [230, 107], atol=1e-3)
    np.testing.assert_allclose(xy[1:-1], [[50, 0], [100, 0], [100, 100], [200, 100], [230, 100]], atol=1e-3)
    length = shapely.length(grid.to_metric(route))
    assert length == pytest.approx(result.at["t", "distance_m"], abs=1e-3)


def test_routes_from_a_polygon_start_on_its_outline(grid):
    site = shapely.Polygon([lonlat(220, -20), lonlat(260, -20), lonlat(260, 20), lonlat(220, 20)])
    result = walking_distances(grid, site, targets(t=(0, 50)))
    route = result.at["t", "route"]
    np.testing.assert_allclose(grid_xy(route)[0], [220, 0], atol=1e-3)
    assert shapely.length(grid.to_metric(route)) == pytest.approx(270, abs=1e-3)


def test_routes_can_be_skipped(grid):
    result = walking_distances(grid, point(50, 0), targets(a=(300, 0)), with_routes=False)
    assert result.at["a", "route"] is None
    assert result.at["a", "distance_m"] == pytest.approx(250, abs=1e-6)


def test_line_and_polygon_targets_are_reached_at_their_nearest_point(grid):
    frame = gpd.GeoDataFrame(
        {"name": ["park"]},
        geometry=[shapely.Polygon([lonlat(210, 210), lonlat(290, 210), lonlat(290, 290), lonlat(210, 290)])],
        index=["park"], crs=4326,
    )
    result = walking_distances(grid, point(50, 0), frame)
    # nearest park corner (210, 210): 50 + 100 + 200 to (200, 200), 10 along, 10 in
    assert result.at["park", "distance_m"] == pytest.approx(50 + 100 + 200 + 10 + 10, abs=1e-3)


def test_empty_targets_give_an_empty_frame(grid):
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326)
    result = walking_distances(grid, point(50, 0), empty)
    assert result.empty
    assert list(result.columns) == ["distance_m", "straight_m", "method", "route"]


def test_targets_without_geometry_are_unreachable(grid):
    frame = gpd.GeoDataFrame({"name": ["a", "b"]}, geometry=[None, point(100, 0)], index=["a", "b"], crs=4326)
    result = walking_distances(grid, point(50, 0), frame)
    assert np.isinf(result.at["a", "distance_m"])
    assert result.at["a", "method"] == "unreachable"
    assert result.at["b", "distance_m"] == pytest.approx(50, abs=1e-6)


def test_targets_in_another_crs_are_reprojected(grid):
    frame = targets(a=(200, 100)).to_crs(UTM)
    result = walking_distances(grid, point(50, 0), frame)
    assert result.at["a", "distance_m"] == pytest.approx(250, abs=1e-6)


@pytest.mark.parametrize(
    "site, message",
    [
        (shapely.Polygon(), "empty"),
        (shapely.Point(float("nan"), 38.9), "non-finite"),
        (shapely.Point(4310000.0, 540000.0), "degrees"),
        ("POINT (121.6 38.9)", "shapely geometry"),
        (shapely.GeometryCollection([shapely.Point(121.62, 38.91)]), "GeometryCollection"),
    ],
)
def test_bad_sites_are_rejected(grid, site, message):
    with pytest.raises(InvalidGeometryError, match=message):
        walking_distances(grid, site, targets(a=(0, 0)))


def test_bad_detour_factor_is_rejected(grid):
    with pytest.raises(InvalidGeometryError, match="detour_factor"):
        walking_distances(grid, point(0, 0), targets(a=(0, 0)), detour_factor=0.5)


def test_counts_within_thresholds_overall_and_by_kind(grid):
    frame = targets(a=(100, 0), b=(200, 0), c=(300, 300), d=(0, 100))
    frame["kind"] = ["culture", "medical", "culture", "medical"]
    result = walking_distances(grid, point(50, 0), frame)  # 50, 150, 550, 150
    counts = counts_within(result, [100, 150, 500, 1000])
    assert counts.tolist() == [1, 3, 3, 4]
    by_kind = counts_within(result, [150, 600], by=frame["kind"])
    assert by_kind.loc["culture"].tolist() == [1, 2]
    assert by_kind.loc["medical"].tolist() == [2, 2]


def test_counts_reject_negative_thresholds():
    with pytest.raises(InvalidGeometryError, match="thresholds"):
        counts_within(pd.Series([1.0]), [-5])


def test_nearest_by_mode(grid):
    frame = targets(m1=(300, 300), m2=(100, 100), t1=(0, 200), b1=(50, -450))
    frame["mode"] = ["metro", "metro", "tram", None]
    result = walking_distances(grid, point(50, 0), frame)
    nearest = nearest_by(frame, result, "mode")
    assert sorted(nearest.index) == ["metro", "tram"]
    assert nearest.at["metro", "target_id"] == "m2"
    assert nearest.at["metro", "distance_m"] == pytest.approx(150, abs=1e-6)
    assert nearest.at["tram", "distance_m"] == pytest.approx(250, abs=1e-6)
    with pytest.raises(InvalidGeometryError, match="no column"):
        nearest_by(frame, result, "colour")


def test_rank_nearest_orders_and_limits(grid):
    frame = targets(a=(300, 300), b=(100, 100), c=(0, 0))
    result = walking_distances(grid, point(50, 0), frame)
    ranked = rank_nearest(frame, result, 2)
    assert ranked.index.tolist() == ["c", "b"]


def test_isochrone_contains_the_origin_and_grows_with_minutes(grid):
    areas = []
    for minutes in (1, 2, 4):
        polygon, info = isochrone(grid, *lonlat(50, 0), minutes)
        assert info["method"] == "network"
        assert polygon.geom_type == "Polygon"
        assert polygon.contains(point(50, 0))
        areas.append(info["area_m2"])
    assert areas[0] < areas[1] < areas[2]


def test_isochrone_of_half_a_minute_is_a_band_along_one_street(grid):
    """37.5 m each way from mid-block: a 75 m piece of street buffered by 35 m (16-gon ends)."""
    polygon, info = isochrone(grid, *lonlat(50, 0), 0.5)
    assert info["distance_m"] == pytest.approx(37.5)
    end_caps = 8 * 35**2 * math.sin(math.pi / 8)  # regular 16-gon of radius 35
    assert info["area_m2"] == pytest.approx(75 * 70 + end_caps, rel=1e-3)
    assert polygon.contains(point(50, 30))
    assert polygon.contains(point(-20, 0))  # 12.5 m along the street to x=12.5, then the 35 m band
    assert not polygon.contains(point(-25, 0))
    assert not polygon.contains(point(50, 40))


def test_isochrone_fills_blocks_ringed_by_reachable_streets(grid):
    polygon, info = isochrone(grid, *lonlat(50, 0), 8)  # 600 m reaches every street of the grid
    assert info["reached_nodes"] == 16
    assert polygon.contains(point(150, 150))  # a block centre, 50 m from every street
    assert len(polygon.interiors) == 0
    assert info["area_m2"] == pytest.approx(370 * 370 - (4 - math.pi) * 35**2, rel=0.01)


def test_isochrone_speed_is_a_parameter(grid):
    _, slow = isochrone(grid, *lonlat(50, 0), 2, speed_m_per_min=1000 / 15)
    _, fast = isochrone(grid, *lonlat(50, 0), 2)
    assert slow["distance_m"] == pytest.approx(133.333, abs=1e-3)
    assert slow["area_m2"] < fast["area_m2"]


def test_isochrone_off_the_network_is_a_straight_line_circle(grid):
    polygon, info = isochrone(grid, *lonlat(-800, 0), 10)
    assert info["method"] == "straight-line÷1.3 circle"
    assert info["warnings"]
    radius = 750 / 1.3
    assert info["area_m2"] == pytest.approx(math.pi * radius**2, rel=0.005)
    assert polygon.contains(point(-800, 0))


def test_isochrone_without_network():
    polygon, info = isochrone(None, 121.62, 38.91, 5)
    assert info["method"] == "straight-line÷1.3 circle"
    assert polygon.contains(shapely.Point(121.62, 38.91))


@pytest.mark.parametrize(
    "lon, lat, minutes, message",
    [(121.62, 38.91, 0, "minutes"), (121.62, 38.91, float("nan"), "minutes"), (float("inf"), 38.9, 5, "lon"),
     (400.0, 38.9, 5, "degrees")],
)
def test_isochrone_rejects_bad_input(grid, lon, lat, minutes, message):
    with pytest.raises(InvalidGeometryError, match=message):
        isochrone(grid, lon, lat, minutes)


coordinate = st.floats(min_value=-40, max_value=340, allow_nan=False)


@given(sx=coordinate, sy=coordinate, tx=coordinate, ty=coordinate)
@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_walks_are_symmetric_no_shorter_than_straight_and_drawn_to_length(grid, sx, sy, tx, ty):
    there = walking_distances(grid, point(sx, sy), targets(t=(tx, ty))).loc["t"]
    back = walking_distances(grid, point(tx, ty), targets(s=(sx, sy))).loc["s"]
    assert there["method"] == back["method"] == "network"
    assert there["distance_m"] == pytest.approx(back["distance_m"], abs=1e-6)
    assert there["distance_m"] >= there["straight_m"] - 1e-6
    if there["distance_m"] > 0.01:
        route = grid_xy(there["route"])
        np.testing.assert_allclose(route[0], [sx, sy], atol=1e-3)
        np.testing.assert_allclose(route[-1], [tx, ty], atol=1e-3)
        assert shapely.length(grid.to_metric(there["route"])) == pytest.approx(there["distance_m"], abs=1e-3)


# ---------------------------------------------------------------------------------------------- coverage


def sources(*points: tuple[float, float]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"name": [f"s{i}" for i in range(len(points))]},
                            geometry=[point(x, y) for x, y in points], crs=4326)


def square(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.Polygon([lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1)])


def metric_area(network: WalkNetwork, geometry) -> float:
    return float(shapely.area(network.to_metric(geometry)))


def test_coverage_of_one_source_is_its_isochrone(grid):
    covered, info = coverage(grid, sources((50, 0)), 150)
    walked, walk_info = isochrone(grid, *lonlat(50, 0), 2)  # 2 min × 75 m/min = 150 m
    assert info["method"] == "network"
    assert info["on_network"] == 1 and info["fallback"] == 0
    assert info["area_m2"] == pytest.approx(walk_info["area_m2"], rel=0.01)
    difference = shapely.symmetric_difference(grid.to_metric(covered), grid.to_metric(walked))
    assert shapely.area(difference) < 0.01 * walk_info["area_m2"]


def test_coverage_of_two_far_sources_is_the_union_of_their_circles(grid):
    both, info = coverage(grid, sources((0, 0), (300, 300)), 60)
    first, one = coverage(grid, sources((0, 0)), 60)
    second, other = coverage(grid, sources((300, 300)), 60)
    assert shapely.disjoint(first, second)
    assert info["area_m2"] == pytest.approx(one["area_m2"] + other["area_m2"], rel=0.01)
    assert both.contains(point(0, 50)) and both.contains(point(300, 250))
    assert not both.contains(point(150, 0))
    # corner (0, 0): two 60 m arms of street buffered by 35 m (16-gon caps), overlapping in a 35 m square and
    # three quarters of the corner's cap
    cap = 8 * 35**2 * math.sin(math.pi / 8)
    assert one["area_m2"] == pytest.approx(2 * (60 * 70 + cap) - 35 * 35 - 0.75 * cap, rel=1e-3)


def test_coverage_is_one_search_from_all_sources_where_circles_meet(grid):
    # from (0, 0) and (200, 0) at 100 m: the street between them is walked from both ends and met in the middle
    covered, _ = coverage(grid, sources((0, 0), (200, 0)), 100)
    assert covered.contains(point(100, 0))
    assert covered.geom_type == "Polygon"


def test_coverage_share_of_known_squares_is_exact(grid):
    areas = gpd.GeoDataFrame(
        {"name": ["around", "grid", "away"]},
        geometry=[square(-100, -100, 400, 400), square(0, 0, 300, 300), square(1000, 1000, 1100, 1100)],
        index=["around", "grid", "away"], crs=4326,
    )
    # half a minute from mid-block: a 75 m piece of street, 35 m either side, 16-gon ends (see the isochrone)
    band = 75 * 70 + 8 * 35**2 * math.sin(math.pi / 8)
    _, info = coverage(grid, sources((50, 0)), 37.5, areas=areas)
    shares = info["areas"]
    assert list(shares.index) == ["around", "grid", "away"]
    assert shares.at["around", "area_m2"] == pytest.approx(500 * 500, rel=1e-6)
    assert shares.at["around", "covered_m2"] == pytest.approx(band, rel=0.02)
    assert shares.at["around", "share"] == pytest.approx(band / 250_000, rel=0.02)
    # the square starting on the street y = 0 holds the band's northern half (west end cut at x = 0)
    cap = 8 * 35**2 * math.sin(math.pi / 8)
    west_cap_inside = 12.5 / 2 * math.sqrt(35**2 - 12.5**2) + 35**2 / 2 * math.asin(12.5 / 35)  # x in [0, 12.5]
    assert shares.at["grid", "covered_m2"] == pytest.approx(75 * 35 + cap / 4 + west_cap_inside, rel=0.02)
    assert shares.at["away", "share"] == 0.0
    assert shares.at["away", "geometry"] is None
    # at 1 km every street is reached and every block filled: the grid square is wholly covered
    _, everything = coverage(grid, sources((50, 0)), 1000, areas=areas)
    assert everything["areas"].at["grid", "share"] == pytest.approx(1.0, abs=0.02)


def test_coverage_fills_blocks_ringed_by_covered_streets(grid):
    covered, info = coverage(grid, sources((0, 0), (300, 300)), 300)
    assert info["reached_nodes"] == 16
    assert covered.contains(point(150, 150))
    assert len(covered.interiors) == 0


def test_coverage_keeps_gaps_that_unreached_streets_run_through():
    network = WalkNetwork.from_graph(grid_graph(n=7), UTM)  # 600 m × 600 m
    covered, _ = coverage(network, sources((0, 0), (600, 0), (0, 600), (600, 600)), 350)
    # the ring of streets round the edge is covered from the corners; the centre (600 m from each) is not
    assert covered.contains(point(300, 0)) and covered.contains(point(0, 300))
    assert not covered.contains(point(300, 300))
    assert len(covered.interiors) == 1
    walked, _ = isochrone(network, *lonlat(0, 0), 350 / 75)
    assert metric_area(network, shapely.difference(walked, covered)) < 1.0  # holds each source's own walk


def test_coverage_grows_with_distance(grid):
    smaller, _ = coverage(grid, sources((50, 0), (300, 200)), 120)
    larger, _ = coverage(grid, sources((50, 0), (300, 200)), 240)
    assert metric_area(grid, shapely.difference(smaller, larger)) < 1.0
    assert metric_area(grid, larger) > metric_area(grid, smaller)


def test_coverage_falls_back_to_a_circle_for_a_source_off_the_network(grid):
    covered, info = coverage(grid, sources((-800, 0)), 650)
    assert info["method"] == "straight-line÷1.3 circle"
    assert info["fallback"] == 1 and info["on_network"] == 0
    assert any("300 m from any street" in note for note in info["notes"])
    assert info["area_m2"] == pytest.approx(math.pi * 500**2, rel=0.005)
    assert covered.contains(point(-800, 490)) and not covered.contains(point(-800, 510))


def test_coverage_with_sources_on_and_off_the_network_says_how_many_fell_back(grid):
    covered, info = coverage(grid, sources((50, 0), (-800, 0), (1500, 0)), 130, detour_factor=1.5)
    assert info["method"] == "network; straight-line÷1.5 circle for 2 of 3 sources"
    assert info["fallback"] == 2
    circle = math.pi * (130 / 1.5) ** 2
    _, alone = coverage(grid, sources((50, 0)), 130)
    assert info["area_m2"] == pytest.approx(alone["area_m2"] + 2 * circle, rel=0.01)


def test_coverage_without_network_is_circles_in_the_given_crs():
    covered, info = coverage(None, sources((0, 0)), 130, metric_crs=UTM)
    assert info["method"] == "straight-line÷1.3 circle"
    assert info["area_m2"] == pytest.approx(math.pi * 100**2, rel=0.005)
    assert any("no street network" in note for note in info["notes"])


def test_coverage_of_no_sources_is_empty_with_share_zero_and_a_note(grid):
    areas = gpd.GeoDataFrame(geometry=[square(0, 0, 300, 300)], index=["grid"], crs=4326)
    empty = gpd.GeoDataFrame({"name": []}, geometry=[], crs=4326)
    covered, info = coverage(grid, empty, 500, areas=areas)
    assert covered.is_empty
    assert info["method"] == "no sources"
    assert info["area_m2"] == 0.0
    assert info["areas"].at["grid", "share"] == 0.0
    assert info["areas"].at["grid", "area_m2"] == pytest.approx(90_000, rel=1e-6)
    assert any("no sources" in note for note in info["notes"])
    _, without_network = coverage(None, empty, 500, areas=areas)
    assert without_network["areas"].at["grid", "share"] == 0.0


def test_coverage_skips_sources_without_geometry_and_reduces_polygons_to_points(grid):
    frame = gpd.GeoDataFrame({"name": ["none", "park"]},
                             geometry=[None, square(40, -10, 60, 10)], crs=4326)
    covered, info = coverage(grid, frame, 150)
    assert info["on_network"] == 1
    assert len(info["notes"]) == 2
    assert covered.contains(point(100, 90)) and not covered.contains(point(50, 100))


def test_coverage_areas_without_size_have_no_share(grid):
    areas = gpd.GeoDataFrame(geometry=[None, square(0, 0, 100, 100)], index=[7, 9], crs=4326)
    _, info = coverage(grid, sources((50, 0)), 100, areas=areas)
    assert list(info["areas"].index) == [7, 9]
    assert np.isnan(info["areas"].at[7, "share"])
    assert 0 < info["areas"].at[9, "share"] < 1


@pytest.mark.parametrize("distance", [0, -5, float("nan"), float("inf")])
def test_coverage_rejects_bad_distances(grid, distance):
    with pytest.raises(InvalidGeometryError, match="distance_m"):
        coverage(grid, sources((50, 0)), distance)


def test_coverage_rejects_bad_detour_and_coordinates(grid):
    with pytest.raises(InvalidGeometryError, match="detour_factor"):
        coverage(grid, sources((50, 0)), 100, detour_factor=0.9)
    projected = gpd.GeoDataFrame(geometry=[shapely.Point(540000, 4310000)], crs=None)
    with pytest.raises(InvalidGeometryError, match="degrees"):
        coverage(grid, projected, 100)


def test_covered_areas_of_a_given_coverage(grid):
    covered, _ = coverage(grid, sources((50, 0)), 1000)
    areas = gpd.GeoDataFrame(geometry=[square(0, 0, 150, 300), square(150, 0, 300, 300)], index=["w", "e"],
                             crs=4326)
    shares = covered_areas(covered, areas, network=grid)
    np.testing.assert_allclose(shares["share"], [1.0, 1.0], atol=0.02)
    assert covered_areas(shapely.Polygon(), areas, metric_crs=UTM)["share"].tolist() == [0.0, 0.0]


def test_select_sources_by_filter():
    frame = targets(a=(0, 0), b=(100, 0), c=(200, 0))
    frame["kind"] = ["culture", "medical", "culture"]
    chosen, why = select_sources(frame, {"kind": ["culture"]})
    assert chosen.index.tolist() == ["a", "c"] and why is None
    none, why = select_sources(frame, {"kind": ["elderly"]})
    assert none.empty and "elderly" in why
    _, why = select_sources(frame, {"colour": ["red"]})
    assert "no field 'colour'" in why


def test_coverage_targets_come_from_the_ruleset():
    from layers.rulesets import load_rulesets
    from tests.geo.tiny_plan import SERVICE_CIRCLES_FILE

    ruleset = load_rulesets([SERVICE_CIRCLES_FILE])["service-circles"]
    found = coverage_targets(ruleset, roles={"facilities": ("services",)})
    declared = {t.key: t for c in ruleset.criteria for t in c.targets}
    assert list(found)[:3] == ["culture", "medical", "elderly"]
    for key in ("culture", "medical", "elderly"):
        assert found[key].distance_m == declared[key].max_m
        assert found[key].layer == "services"  # the layer playing the facilities role
        assert found[key].filter == {"kind": [key]}
    life = found["life_circle_15min"]
    assert [part.key for part in life.parts] == ["convenience", "park", "sport", "education"]
    assert life.distance_m == ruleset.parameters["life_circle_walk_m"].default
    strict = coverage_targets(ruleset, {"life_circle_walk_m": 800})
    assert {part.distance_m for part in strict["life_circle_15min"].parts} == {800.0}
    with pytest.raises(CriteriaError, match="unknown parameter"):
        coverage_targets(ruleset, {"walk": 3})


def test_target_coverage_of_several_kinds_is_where_every_kind_is_covered(grid):
    facilities = targets(shop=(0, 0), park=(300, 0))
    facilities["kind"] = ["shop", "park"]
    kinds = [CoverageTarget(key=k, criterion="life", title_zh=k, title_en=k, distance_m=250, layer="facilities",
                            filter={"kind": [k]}) for k in ("shop", "park")]
    life = CoverageTarget(key="life", criterion="life", title_zh="生活圈", title_en="life", distance_m=250,
                          parts=tuple(kinds))
    layers = {"facilities": facilities}
    both, info = target_coverage(grid, layers, life)
    shop, _ = target_coverage(grid, layers, kinds[0])
    park, _ = target_coverage(grid, layers, kinds[1])
    assert info["facilities"] == 2 and info["facilities_by_kind"] == {"shop": 1, "park": 1}
    assert both.contains(point(150, 0))  # 150 m from each
    assert shop.contains(point(0, 100)) and not both.contains(point(0, 100))  # 400 m from the park
    expected = metric_area(grid, shapely.intersection(shop, park))
    assert info["area_m2"] == pytest.approx(expected, rel=1e-6)
    # a kind with no facility, and a layer the plan does not have: nothing covered, and said why
    kinds_missing = (CoverageTarget(key="elderly", criterion="e", title_zh="养老", title_en="elderly", distance_m=500,
                                    layer="facilities", filter={"kind": ["elderly"]}),
                     CoverageTarget(key="bus", criterion="e", title_zh="公交", title_en="bus", distance_m=300,
                                    layer="bus-stops"))
    for target in kinds_missing:
        covered, missing = target_coverage(grid, layers, target, areas=targets(a=(0, 0)).set_geometry(
            [square(0, 0, 100, 100)]))
        assert covered.is_empty and missing["facilities"] == 0
        assert missing["areas"]["share"].tolist() == [0.0]
        assert len(missing["notes"]) == 1 and "nothing is covered" in missing["notes"][0]
    _, overridden = target_coverage(grid, layers, life, distance_m=100)
    assert overridden["distance_m"] == 100 and overridden["area_m2"] == 0.0


def test_isochrone_does_not_fill_a_ring_round_streets_it_did_not_reach():
    import networkx as nx

    from tests.geo.test_network import add_street

    # a 400 m square ring road with a dead-end street from its far corner into the middle
    graph = nx.MultiDiGraph(crs="epsg:4326")
    corners = {1: (0, 0), 2: (400, 0), 3: (400, 400), 4: (0, 400), 5: (100, 100)}
    for node, (x, y) in corners.items():
        lon, lat = lonlat(x, y)
        graph.add_node(node, x=lon, y=lat, street_count=2)
    for u, v in ((1, 2), (2, 3), (3, 4), (4, 1), (3, 5)):
        add_street(graph, u, v, [corners[u], corners[v]])
    network = WalkNetwork.from_graph(graph, UTM)
    walked, info = isochrone(network, *lonlat(0, 0), 810 / 75)  # the whole ring (≤ 800 m), not the spur's end
    assert info["method"] == "network"
    assert walked.contains(point(400, 400)) and walked.contains(point(200, 0))
    assert not walked.contains(point(150, 150))  # 150 m down the unreached spur from the far corner
    # without the spur the ringed block is reachable from its streets and is filled
    graph.remove_edges_from([(3, 5, 0), (5, 3, 0)])
    graph.remove_node(5)
    filled, _ = isochrone(WalkNetwork.from_graph(graph, UTM), *lonlat(0, 0), 810 / 75)
    assert filled.contains(point(150, 150))


def test_routes_can_be_drawn_for_chosen_targets_only(grid):
    chosen = targets(a=(200, 100), b=(300, 300))
    some = walking_distances(grid, point(0, 50), chosen, with_routes=np.array([False, True]))
    every = walking_distances(grid, point(0, 50), chosen)
    assert some.loc["a", "route"] is None and some.loc["b", "route"] is not None
    assert some.loc["b", "route"].equals(every.loc["b", "route"])
    assert some["distance_m"].tolist() == every["distance_m"].tolist()


# ---------------------------------------------------------------------------------------------- the array entry point
def _mixed_targets() -> gpd.GeoDataFrame:
    """Points, a line, a polygon, a missing geometry and a target off the streets."""
    geometry = [point(100, 80), point(300, 300), point(50, -450),
                shapely.LineString([lonlat(150, 200), lonlat(250, 210)]),
                shapely.Polygon([lonlat(210, 210), lonlat(280, 210), lonlat(280, 280)]), None, point(240, 0)]
    return gpd.GeoDataFrame({"name": list("abcdefg")}, geometry=geometry, index=list("abcdefg"), crs=4326)


@pytest.mark.parametrize("max_distance_m", [None, 200.0])
def test_array_entry_point_gives_the_frame_s_values(grid, max_distance_m):
    frame = walking_distances(grid, point(50, 0), _mixed_targets(), max_distance_m=max_distance_m)
    arrays = walking_distance_arrays(grid, point(50, 0), _mixed_targets().geometry.values,
                                     max_distance_m=max_distance_m)
    np.testing.assert_array_equal(arrays.distance_m, frame["distance_m"].to_numpy())
    np.testing.assert_array_equal(arrays.straight_m, frame["straight_m"].to_numpy())
    assert list(arrays.method) == list(frame["method"])
    assert arrays.notes == frame.attrs["notes"] == {"target more than 300 m from any street": 1,
                                                    "target has no geometry": 1}
    assert [r is None for r in arrays.route] == [r is None for r in frame["route"]]


def test_repeated_targets_are_projected_and_snapped_once_with_the_same_result(grid):
    network = WalkNetwork.from_graph(grid_graph(), UTM)
    geoms = _mixed_targets().geometry.values
    first = walking_distance_arrays(network, point(50, 0), geoms)
    assert len(network.target_cache) == 1
    again = walking_distance_arrays(network, point(60, 300), geoms)
    assert len(network.target_cache) == 1
    fresh = walking_distance_arrays(WalkNetwork.from_graph(grid_graph(), UTM), point(60, 300), geoms)
    np.testing.assert_array_equal(again.distance_m, fresh.distance_m)
    assert not np.array_equal(first.distance_m, again.distance_m, equal_nan=True)
    # the cached snap of the point targets is the snap of the points
    cached = next(iter(network.target_cache.values()))
    snap = cached.point_snap[1]
    points = network.to_metric(np.asarray(geoms[[0, 1, 2, 6]], dtype=object))
    direct = network.snap(points)
    np.testing.assert_array_equal(snap.edge[[0, 1, 2, 6]], direct.edge)
    np.testing.assert_array_equal(snap.position[[0, 1, 2, 6]], direct.position)
    np.testing.assert_array_equal(snap.offset[[0, 1, 2, 6]], direct.offset)


def test_isochrone_of_a_corner_of_a_large_grid_is_the_same_as_on_the_part_it_reaches():
    """Work is over the reached segments only: the same walk on a small and a large grid gives the same area."""
    small = WalkNetwork.from_graph(grid_graph(n=4), UTM)
    large = WalkNetwork.from_graph(grid_graph(n=12), UTM)
    a, info_a = isochrone(small, *lonlat(0, 0), 2)  # 150 m: stays within the small grid
    b, info_b = isochrone(large, *lonlat(0, 0), 2)
    assert info_a["reached_nodes"] == info_b["reached_nodes"]
    assert info_a["area_m2"] == pytest.approx(info_b["area_m2"], rel=1e-9)
