"""WalkNetwork on tiny hand-built osmnx-style graphs near Dalian: exact metres, snapping, multi-source search."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.errors import InvalidGeometryError
from geo.network import WalkNetwork

UTM = "EPSG:32651"
_TO_WGS84 = Transformer.from_crs(UTM, "EPSG:4326", always_xy=True)
_TO_UTM = Transformer.from_crs("EPSG:4326", UTM, always_xy=True)
#: grid origin: 人民广场, Xigang (metric coordinates of the grid are offsets from here)
X0, Y0 = _TO_UTM.transform(121.6200, 38.9100)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """Grid metres (east, north of the origin) → (lon, lat)."""
    return _TO_WGS84.transform(X0 + x, Y0 + y)


def point(x: float, y: float) -> shapely.Point:
    return shapely.Point(lonlat(x, y))


def grid_xy(geometry) -> np.ndarray:
    """Coordinates of a (EPSG:4326) geometry as grid metres."""
    coords = shapely.get_coordinates(geometry)
    x, y = _TO_UTM.transform(coords[:, 0], coords[:, 1])
    return np.column_stack([np.asarray(x) - X0, np.asarray(y) - Y0])


def add_street(graph: nx.MultiDiGraph, u: int, v: int, xy: list[tuple[float, float]], key: int = 0) -> None:
    """Both directions of a street through grid points ``xy``, as osmnx stores them."""
    line = shapely.LineString([lonlat(x, y) for x, y in xy])
    length = shapely.LineString(xy).length
    graph.add_edge(u, v, key, length=length, geometry=line, highway="residential")
    graph.add_edge(v, u, key, length=length, geometry=shapely.reverse(line), highway="residential")


def grid_graph(n: int = 4, block: float = 100.0) -> nx.MultiDiGraph:
    """An n×n-node grid of ``block``-metre blocks; node id = 1 + i·n + j for the node at (i·block, j·block)."""
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for i in range(n):
        for j in range(n):
            lon, lat = lonlat(i * block, j * block)
            graph.add_node(1 + i * n + j, x=lon, y=lat, street_count=4)
    for i in range(n):
        for j in range(n):
            here = 1 + i * n + j
            if i + 1 < n:
                add_street(graph, here, here + n, [(i * block, j * block), ((i + 1) * block, j * block)])
            if j + 1 < n:
                add_street(graph, here, here + 1, [(i * block, j * block), (i * block, (j + 1) * block)])
    return graph


def with_island(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """Add a separate 100 m street from (600, 0) to (700, 0), not connected to the grid (nodes 901, 902)."""
    for node, x in ((901, 600.0), (902, 700.0)):
        lon, lat = lonlat(x, 0.0)
        graph.add_node(node, x=lon, y=lat)
    add_street(graph, 901, 902, [(600.0, 0.0), (700.0, 0.0)])
    return graph


@pytest.fixture(scope="module")
def grid() -> WalkNetwork:
    return WalkNetwork.from_graph(grid_graph(), UTM)


def node_index(network: WalkNetwork, node_id: int) -> int:
    return int(np.flatnonzero(network.node_ids == node_id)[0])


def test_two_way_streets_become_one_segment_each_in_metres(grid):
    assert grid.node_count == 16
    assert grid.edge_count == 24  # 48 directed osmnx edges
    np.testing.assert_allclose(grid.edge_length, 100.0, atol=1e-3)
    corner = node_index(grid, 1)
    np.testing.assert_allclose(grid.node_xy[corner], [X0, Y0], atol=1e-6)
    assert len(np.unique(grid.node_component)) == 1


def test_snap_finds_the_segment_position_and_offset(grid):
    snap = grid.snap(grid.to_metric(np.array([point(50, -10), point(130, 260), point(50, -400)])))
    assert snap.found.tolist() == [True, True, False]
    np.testing.assert_allclose(snap.offset[:2], [10.0, 30.0], atol=1e-6)
    first = grid.edge_geometry[snap.edge[0]]
    np.testing.assert_allclose(shapely.length(first), 100.0, atol=1e-3)
    # the segment from (0, 0) to (100, 0): the point is 50 m along it
    np.testing.assert_allclose(snap.position[0], 50.0, atol=1e-6)
    np.testing.assert_allclose(snap.position[1], 60.0, atol=1e-6)  # (100, 200)→(100, 300), 60 m along


def test_search_from_a_mid_block_point_gives_exact_node_distances(grid):
    access = grid.access(grid.to_metric(point(50, -10)))
    search = grid.search(access)
    expected = {1: 60.0, 5: 60.0, 9: 160.0, 2: 160.0, 6: 160.0, 16: 560.0}  # 10 m to the street, 50 m along it
    for node_id, metres in expected.items():
        np.testing.assert_allclose(search.distance[node_index(grid, node_id)], metres, atol=1e-6)


def test_search_limit_leaves_farther_nodes_unreached(grid):
    search = grid.search(grid.access(grid.to_metric(point(50, 0))), limit_m=120.0)
    reached = np.isfinite(search.distance)
    assert reached.sum() == 2  # only the two ends of the site's own block


def test_multi_source_start_offsets_are_exact(grid):
    """A polygon site across a street is entered where the street crosses it, at offset 0."""
    site = shapely.Polygon([lonlat(220, -20), lonlat(260, -20), lonlat(260, 20), lonlat(220, 20)])
    search = grid.search(grid.access(grid.to_metric(site)))
    # street y=0 crosses the site between x=220 and x=260: node (200, 0) is 20 m away, (300, 0) 40 m away
    np.testing.assert_allclose(search.distance[node_index(grid, 9)], 20.0, atol=1e-6)
    np.testing.assert_allclose(search.distance[node_index(grid, 13)], 40.0, atol=1e-6)
    np.testing.assert_allclose(search.distance[node_index(grid, 14)], 140.0, atol=1e-6)


def test_nodes_inside_a_site_start_at_zero(grid):
    site = shapely.Polygon([lonlat(90, 90), lonlat(110, 90), lonlat(110, 110), lonlat(90, 110)])
    search = grid.search(grid.access(grid.to_metric(site)))
    assert search.distance[node_index(grid, 6)] == 0.0
    # from where the street leaves the site at (100, 90): 90 m down, 100 m along
    np.testing.assert_allclose(search.distance[node_index(grid, 1)], 190.0, atol=1e-6)


def test_parallel_streets_route_on_the_shorter_and_snap_to_both():
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (x, y) in {1: (0.0, 0.0), 2: (100.0, 0.0)}.items():
        lon, lat = lonlat(x, y)
        graph.add_node(node, x=lon, y=lat)
    add_street(graph, 1, 2, [(0.0, 0.0), (100.0, 0.0)], key=0)
    add_street(graph, 1, 2, [(0.0, 0.0), (50.0, 60.0), (100.0, 0.0)], key=1)  # a 156 m bend
    network = WalkNetwork.from_graph(graph, UTM)
    assert network.edge_count == 2
    search = network.search(network.access(network.to_metric(point(0, 0))))
    np.testing.assert_allclose(search.distance[node_index(network, 2)], 100.0, atol=1e-6)
    snap = network.snap(network.to_metric(np.array([point(50, 65)])))
    np.testing.assert_allclose(network.edge_length[snap.edge[0]], 2 * np.hypot(50, 60), atol=1e-3)


def test_disconnected_streets_get_their_own_component():
    network = WalkNetwork.from_graph(with_island(grid_graph()), UTM)
    assert len(np.unique(network.node_component)) == 2
    search = network.search(network.access(network.to_metric(point(50, 0))))
    assert np.isinf(search.distance[node_index(network, 901)])
    assert len(search.components) == 1


def test_straight_osmnx_edges_without_geometry_are_drawn_between_their_nodes():
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (x, y) in {1: (0.0, 0.0), 2: (0.0, 250.0)}.items():
        lon, lat = lonlat(x, y)
        graph.add_node(node, x=lon, y=lat)
    graph.add_edge(1, 2, 0, length=250.0)
    graph.add_edge(2, 1, 0, length=250.0)
    network = WalkNetwork.from_graph(graph, UTM)
    assert network.edge_count == 1
    np.testing.assert_allclose(network.edge_length, [250.0], atol=1e-3)


def test_edge_geometry_drawn_backwards_is_turned_round():
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (x, y) in {1: (0.0, 0.0), 2: (100.0, 0.0)}.items():
        lon, lat = lonlat(x, y)
        graph.add_node(node, x=lon, y=lat)
    backwards = shapely.LineString([lonlat(100, 0), lonlat(50, 20), lonlat(0, 0)])
    graph.add_edge(1, 2, 0, geometry=backwards)
    network = WalkNetwork.from_graph(graph, UTM)
    snap = network.snap(network.to_metric(np.array([point(10, 4)])))
    np.testing.assert_allclose(snap.position, [np.hypot(10, 4)], atol=1e-6)  # measured from node 1
    search = network.search(network.access(network.to_metric(point(10, 4))))
    np.testing.assert_allclose(search.distance[node_index(network, 1)], np.hypot(10, 4), atol=1e-6)


def test_one_way_edge_is_walkable_both_ways():
    graph = nx.MultiDiGraph(crs="epsg:4326")
    for node, (x, y) in {1: (0.0, 0.0), 2: (80.0, 0.0)}.items():
        lon, lat = lonlat(x, y)
        graph.add_node(node, x=lon, y=lat)
    graph.add_edge(2, 1, 0, length=80.0, oneway=True)
    network = WalkNetwork.from_graph(graph, UTM)
    search = network.search(network.access(network.to_metric(point(0, 0))))
    np.testing.assert_allclose(search.distance[node_index(network, 2)], 80.0, atol=1e-6)


def test_graph_read_from_osm_xml_by_osmnx(tmp_path):
    """The real loading path: OSM XML → osmnx graph_from_xml → WalkNetwork, an L-shaped street 150 m + 80 m."""
    ox = pytest.importorskip("osmnx")
    nodes = {1: (0.0, 0.0), 2: (150.0, 0.0), 3: (150.0, 80.0), 4: (150.0, -60.0)}
    xml = ['<?xml version="1.0" encoding="UTF-8"?>', '<osm version="0.6" generator="test">']
    for node, (x, y) in nodes.items():
        lon, lat = lonlat(x, y)
        xml.append(f'<node id="{node}" version="1" lat="{lat:.9f}" lon="{lon:.9f}"/>')
    for way, (refs, name) in {10: ([1, 2, 3], "一二九街"), 11: ([2, 4], "长江路")}.items():
        xml.append(f'<way id="{way}" version="1">')
        xml.extend(f'<nd ref="{ref}"/>' for ref in refs)
        xml.append(f'<tag k="highway" v="residential"/><tag k="name" v="{name}"/></way>')
    xml.append("</osm>")
    path = tmp_path / "streets.osm"
    path.write_text("\n".join(xml), encoding="utf-8")
    graph = ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=False)
    network = WalkNetwork.from_graph(graph, UTM)
    assert network.edge_count == 3
    search = network.search(network.access(network.to_metric(point(0, 0))))
    np.testing.assert_allclose(search.distance[node_index(network, 3)], 230.0, atol=0.01)
    np.testing.assert_allclose(search.distance[node_index(network, 4)], 210.0, atol=0.01)


def test_empty_graph_is_rejected():
    with pytest.raises(InvalidGeometryError, match="no nodes"):
        WalkNetwork.from_graph(nx.MultiDiGraph(crs="epsg:4326"), UTM)


def test_graph_in_another_crs_is_rejected():
    graph = grid_graph()
    graph.graph["crs"] = UTM
    with pytest.raises(InvalidGeometryError, match="EPSG:4326"):
        WalkNetwork.from_graph(graph, UTM)


def test_empty_site_is_rejected(grid):
    with pytest.raises(InvalidGeometryError, match="empty"):
        grid.access(shapely.Polygon())


# ---------------------------------------------------------------------------------------------- bounded searches
def _jittered_grid(n: int = 9, seed: int = 3) -> nx.MultiDiGraph:
    """A 9×9 grid with jittered nodes and a few streets missing (shortest paths are not all ties)."""
    rng = np.random.default_rng(seed)
    graph = nx.MultiDiGraph(crs="epsg:4326")
    xy = {}
    for i in range(n):
        for j in range(n):
            xy[1 + i * n + j] = (i * 100.0 + rng.uniform(-20, 20), j * 100.0 + rng.uniform(-20, 20))
            graph.add_node(1 + i * n + j, x=lonlat(*xy[1 + i * n + j])[0], y=lonlat(*xy[1 + i * n + j])[1])
    for i in range(n):
        for j in range(n):
            here = 1 + i * n + j
            for there, ok in ((here + n, i + 1 < n), (here + 1, j + 1 < n)):
                if ok and rng.random() > 0.1:
                    add_street(graph, here, there, [xy[here], xy[there]])
    return graph


@pytest.mark.parametrize("limit", [0.0, 55.0, 230.0, 480.0, 1e9])
def test_bounded_search_equals_unbounded_within_the_limit_and_is_inf_beyond(limit):
    network = WalkNetwork.from_graph(_jittered_grid(), UTM)
    site = network.to_metric(shapely.box(*lonlat(130, 240), *lonlat(190, 250)))
    access = network.access(site)
    full = network.search(access)
    bounded = network.search(access, limit)
    within = full.distance <= limit
    np.testing.assert_array_equal(bounded.distance[within], full.distance[within])
    assert np.isinf(bounded.distance[~within]).all()
    # target distances too: equal within the limit, inf beyond
    rng = np.random.default_rng(5)
    snap = network.snap(network.to_metric(shapely.points(
        [lonlat(x, y) for x, y in rng.uniform(-30, 830, (60, 2))])))
    far, _, _ = network.distances_to(full, snap)
    near, _, _ = network.distances_to(bounded, snap)
    inside = far <= limit
    np.testing.assert_array_equal(near[inside], far[inside])
    assert np.isinf(near[~inside]).all()


def test_search_for_targets_stops_early_yet_gives_the_unbounded_distances():
    network = WalkNetwork.from_graph(_jittered_grid(), UTM)
    access = network.access(network.to_metric(point(100, 100)))
    snap = network.snap(network.to_metric(shapely.points([lonlat(150, 130), lonlat(320, 90), lonlat(700, 790)])))
    full = network.distances_to(network.search(access), snap)[0]
    # started far too short, the limit doubles until every target is in
    search, (distance, _, _) = network.search_targets(access, snap, start_m=10.0)
    np.testing.assert_array_equal(distance, full)
    assert search.limit < 1e6
    # the nearer targets alone: the search stops well short of the far corner
    near = network.snap(network.to_metric(shapely.points([lonlat(150, 130), lonlat(320, 90)])))
    search, (distance, _, _) = network.search_targets(access, near)
    np.testing.assert_array_equal(distance, full[:2])
    assert np.isinf(search.distance).any()
    # with a cap: inf beyond it
    _, (capped, _, _) = network.search_targets(access, snap, 400.0)
    np.testing.assert_array_equal(capped, np.where(full <= 400.0, full, np.inf))


def test_search_for_targets_ends_when_the_streets_run_out(grid):
    island = WalkNetwork.from_graph(with_island(grid_graph()), UTM)
    access = island.access(island.to_metric(point(50, 0)))
    snap = island.snap(island.to_metric(shapely.points([lonlat(300, 300), lonlat(650, 0)])))
    _, (distance, _, _) = island.search_targets(access, snap, start_m=1.0)
    np.testing.assert_allclose(distance[0], 550.0, atol=0.01)  # 250 m east then 300 m north
    assert np.isinf(distance[1])  # on the island: not connected, the search stops at the grid's last street


def test_searches_from_many_threads_do_not_share_their_virtual_row():
    from concurrent.futures import ThreadPoolExecutor

    network = WalkNetwork.from_graph(_jittered_grid(), UTM)
    starts = [network.access(network.to_metric(point(x, y))) for x, y in ((0, 0), (800, 800), (400, 0), (0, 800))]
    expected = [network.search(a).distance for a in starts]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda k: network.search(starts[k % 4]).distance, range(40)))
    for k, distance in enumerate(got):
        np.testing.assert_array_equal(distance, expected[k % 4])


def test_incident_edges_lists_each_segment_at_both_ends(grid):
    corner = node_index(grid, 1)
    edges = grid.incident_edges(np.array([corner]))
    assert len(edges) == 2
    assert all(corner in (grid.edge_u[e], grid.edge_v[e]) for e in edges)
    every = grid.incident_edges(np.arange(grid.node_count))
    np.testing.assert_array_equal(every, np.arange(grid.edge_count))
