"""Per-site cost at city size, measured against peers in the same run (issue 13, item 1).

For the real Xigang network and synthetic grid cities of 10k / 50k / 100k nodes (:mod:`bench.synthetic`, laid
over Xigang so the plan's own layers are the targets), times in one process, interleaved round by round (the
machine is shared and noisy, so the ratios between peers measured side by side matter more than the absolute
figures):

- a full site check in-process (``geo.checks.run_check``, night-economy-street, the 320 m street polygon);
- a 15-minute walk isochrone from the site centre;
- walking distances from the site to every station, bus stop and facility (our array entry point), against
  plain osmnx + networkx (nearest nodes, ``single_source_dijkstra_path_length``), pandana's contraction
  hierarchies (``pip install -e '.[bench]'``; skipped with a message when missing) and a raw
  ``scipy.sparse.csgraph.dijkstra`` from the site's nearest node on our own matrix (unbounded: the floor of an
  exact whole-graph search).

Run from the repository root::

    python -m bench.bench_city                       # all sizes
    python -m bench.bench_city --sizes xigang,10000 --rounds 15

No timed assertions anywhere: the figures go to bench/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import statistics
import time
from collections.abc import Callable

import numpy as np
import shapely
from scipy.sparse.csgraph import dijkstra

from bench.bench_accessibility import STREET_SITE, _store, _targets
from bench.synthetic import METRIC_CRS, grid_city
from geo.accessibility import isochrone

try:
    from geo.accessibility import walking_distance_arrays
except ImportError:  # before the array entry point: the frame API on a GeoDataFrame
    import geopandas as gpd

    from geo.accessibility import walking_distances

    def walking_distance_arrays(network, site, targets, **options):
        return walking_distances(network, site, gpd.GeoDataFrame(geometry=targets, crs=4326), **options)
from geo.network import WalkNetwork

RULESET = "night-economy-street"


def _peers(graph, network: WalkNetwork, site: shapely.Geometry, targets: np.ndarray) -> dict[str, Callable]:
    """The walking-distance peers on the same graph, each a call giving distances to the target points."""
    centre = shapely.centroid(site)
    points = shapely.get_coordinates(targets)
    calls: dict[str, Callable] = {}

    import networkx as nx
    import osmnx as ox

    projected = ox.project_graph(graph, to_crs=METRIC_CRS if network.crs.to_epsg() == 32651 else network.crs)
    cx, cy = network._to_metric.transform(centre.x, centre.y)
    tx, ty = network._to_metric.transform(points[:, 0], points[:, 1])

    def osmnx_networkx() -> np.ndarray:
        source = ox.distance.nearest_nodes(projected, cx, cy)
        ends = ox.distance.nearest_nodes(projected, tx, ty)
        lengths = nx.single_source_dijkstra_path_length(projected, source, weight="length")
        return np.array([lengths.get(node, np.inf) for node in ends])

    calls["osmnx + networkx"] = osmnx_networkx

    try:
        import pandana
        import pandas as pd
    except ImportError:
        print("  (pandana not installed: pip install -e '.[bench]' to compare with it)")
    else:
        nodes = list(graph.nodes)
        edges = [(u, v, d["length"]) for u, v, d in graph.edges(data=True)]
        frame = pd.DataFrame(edges, columns=["from", "to", "length"])
        x = pd.Series([graph.nodes[n]["x"] for n in nodes], index=nodes)
        y = pd.Series([graph.nodes[n]["y"] for n in nodes], index=nodes)
        net = pandana.Network(x, y, frame["from"], frame["to"], frame[["length"]], twoway=False)

        def pandana_ch() -> np.ndarray:
            source = net.get_node_ids(pd.Series([centre.x]), pd.Series([centre.y])).iloc[0]
            ends = net.get_node_ids(pd.Series(points[:, 0]), pd.Series(points[:, 1])).to_numpy()
            return np.asarray(net.shortest_path_lengths(np.full(len(ends), source), ends))

        calls["pandana (contraction hierarchies)"] = pandana_ch

    # the same matrix our searches use, from the node nearest the site centre, the whole graph
    n = network.node_count
    import scipy.sparse as sp

    matrix = sp.csr_array((network._matrix_data, network._matrix_indices, network._matrix_indptr[:-1]),
                          shape=(n, n))
    source = int(np.argmin(np.hypot(*(network.node_xy - [cx, cy]).T)))
    calls["raw scipy csgraph.dijkstra (unbounded, no snapping)"] = lambda: dijkstra(matrix, indices=source)
    return calls


def cases_for(size: str, store) -> tuple[str, list[tuple[str, Callable]]]:
    from geo.checks import run_check

    start = time.perf_counter()
    if size == "xigang":
        graph, crs = store.graph, store.metric_crs
    else:
        graph, crs = grid_city(int(size)), METRIC_CRS
    network = WalkNetwork.from_graph(graph, crs)
    title = (f"{size}: {network.node_count:,} nodes, {network.edge_count:,} segments "
             f"(graph + network built in {time.perf_counter() - start:.1f} s)")
    plan = dataclasses.replace(store.data, network=network)
    ruleset = store.rulesets[RULESET]
    site = shapely.geometry.mapping(STREET_SITE)
    targets = np.asarray(_targets(store).geometry.values, dtype=object)
    centre = shapely.centroid(STREET_SITE)

    def check() -> dict:
        return run_check(site, ruleset, plan)

    cases = [
        ("full site check (run_check, street polygon)", check),
        ("isochrone 15 min from the site centre", lambda: isochrone(network, centre.x, centre.y, 15)),
        (f"walking distances → {len(targets)} targets (ours, no routes)",
         lambda: walking_distance_arrays(network, STREET_SITE, targets, with_routes=False)),
        (f"walking distances → {len(targets)} targets (ours, max_distance_m=1000)",
         lambda: walking_distance_arrays(network, STREET_SITE, targets, with_routes=False, max_distance_m=1000)),
    ]
    cases += [(f"walking distances: {name}", call) for name, call in _peers(graph, network, STREET_SITE,
                                                                             targets).items()]
    return title, cases


def run(cases: list[tuple[str, Callable]], rounds: int) -> dict[str, list[float]]:
    """Every case once per round, in an order rotated each round, after one warm-up call each."""
    for _, call in cases:
        call()
    times: dict[str, list[float]] = {name: [] for name, _ in cases}
    for r in range(rounds):
        gc.collect()
        for k in range(len(cases)):
            name, call = cases[(k + r) % len(cases)]
            began = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - began) * 1000.0)
    return times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="xigang,10000,50000,100000")
    parser.add_argument("--rounds", type=int, default=25)
    args = parser.parse_args(argv)
    store = _store()
    for size in args.sizes.split(","):
        title, cases = cases_for(size.strip(), store)
        times = run(cases, args.rounds)
        ours = statistics.median(times[cases[2][0]])
        print(f"\n{title}; {args.rounds} rounds")
        width = max(len(name) for name, _ in cases)
        print(f"{'case':<{width}}  {'median ms':>9}  {'p95 ms':>7}  {'× ours':>7}")
        for name, _ in cases:
            median = statistics.median(times[name])
            ratio = f"{median / ours:7.1f}" if name.startswith("walking distances") else ""
            print(f"{name:<{width}}  {median:9.2f}  {np.percentile(times[name], 95):7.2f}  {ratio:>7}")


if __name__ == "__main__":
    main()
