"""Accessibility benchmarks on the real Xigang plan: network build, walking distances, a full site check, isochrones,
district coverage.

Also the service-circle coverage of the whole district (the 15-minute life circle, four kinds intersected).

Run either way (from the repository root):

    python -m bench.bench_accessibility          # prints a table of median / p95 / min in milliseconds
    pytest bench/ --benchmark-only               # pytest-benchmark

Targets (issue 3): a full site check including network walking distances well under 50 ms at the median,
a 15-minute isochrone under 100 ms, on the 2-core development machine. The network is built once per process.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from itertools import cycle

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from api.service import PlanService
from geo.accessibility import coverage_targets, covered_areas, isochrone, target_coverage, walking_distances
from geo.network import WalkNetwork
from layers.plan import load_plan

PLAN = "xigang"
#: a 320 m × 8 m street polygon near 人民广场 (the checks API's example site)
STREET_SITE = shapely.Polygon([(121.6200, 38.9150), (121.6237, 38.9150), (121.6237, 38.91507),
                               (121.6200, 38.91507)])
TARGET_LAYERS = ("transit-stations", "bus-stops", "facilities")
ISOCHRONE_MINUTES = 15
LIFE_CIRCLE = ("service-circles", "life_circle_15min")


def _store() -> PlanService:
    store = PlanService(load_plan(PLAN))
    if store.graph is None:
        raise SystemExit(f"plan {PLAN!r} has no streets layer: nothing to benchmark")
    return store


def _targets(store: PlanService) -> gpd.GeoDataFrame:
    frames = [store.layer(layer)[["name", "geometry"]] for layer in TARGET_LAYERS if layer in
              {spec.id for spec in store.specs}]
    return gpd.GeoDataFrame(pd.concat(frames), geometry="geometry", crs=4326)


def _origins(store: PlanService) -> list[tuple[float, float]]:
    """Isochrone origins: the district's stations that lie on the street network (人民广场 first)."""
    stations = store.layer("transit-stations")
    stations = stations[stations["in_district"].astype(bool)]
    stations = stations.iloc[np.argsort(stations["name"].to_numpy() != "人民广场", kind="stable")]
    network = store.network
    on_network = network.snap(network.to_metric(np.asarray(stations.geometry.values, dtype=object))).found
    return [(p.x, p.y) for p in stations.geometry[on_network]]


def _check_call(store: PlanService, ruleset_id: str, site) -> Callable[[], dict]:
    from geo.checks import run_check

    ruleset = store.rulesets[ruleset_id]

    def check() -> dict:
        return run_check(shapely.geometry.mapping(site), ruleset, store.data)

    return check


def _life_circle_call(store: PlanService) -> Callable[[], tuple]:
    """The 15-minute life circle's coverage of the whole district: every kind's multi-source walk, intersected,
    with the share of the district and of each subdistrict (what GET /api/accessibility/coverage computes)."""
    ruleset_id, key = LIFE_CIRCLE
    target = coverage_targets(store.rulesets[ruleset_id], roles=store.data.roles)[key]
    layers = {spec.id: store.layer(spec.id) for spec in store.specs}
    subdistricts = layers.get("subdistricts")
    district = gpd.GeoDataFrame(geometry=[store.boundary], crs=4326)

    def cover() -> tuple:
        polygon, info = target_coverage(store.network, layers, target, areas=subdistricts,
                                        metric_crs=store.metric_crs)
        return polygon, info, covered_areas(polygon, district, network=store.network)

    return cover


def cases(store: PlanService) -> list[tuple[str, Callable[[], object], int]]:
    """(name, call, repetitions) for every benchmark."""
    network = store.network
    targets = _targets(store)
    origins = cycle(_origins(store))
    centre = shapely.centroid(STREET_SITE)
    listed = [
        ("network build (once per process)", lambda: WalkNetwork.from_graph(store.graph, store.metric_crs), 5),
        (f"walking distances, site polygon → {len(targets)} stations/stops/facilities, no routes",
         lambda: walking_distances(network, STREET_SITE, targets, with_routes=False), 60),
        (f"walking distances, site polygon → {len(targets)} targets, with routes",
         lambda: walking_distances(network, STREET_SITE, targets), 60),
        (f"isochrone {ISOCHRONE_MINUTES} min (rotating over the district's stations on the network)",
         lambda: isochrone(network, *next(origins), ISOCHRONE_MINUTES), 40),
        (f"isochrone {ISOCHRONE_MINUTES} min from the site centre",
         lambda: isochrone(network, centre.x, centre.y, ISOCHRONE_MINUTES), 40),
        ("coverage of the 15-minute life circle (4 kinds × 1000 m, intersected) over the district + subdistricts",
         _life_circle_call(store), 20),
    ]
    try:
        listed.insert(1, ("full site check: night-economy-street, street polygon",
                          _check_call(store, "night-economy-street", STREET_SITE), 60))
        listed.insert(2, ("full site check: service-circles, point",
                          _check_call(store, "service-circles", centre), 60))
    except (ImportError, KeyError) as missing:
        print(f"(site check not benchmarked: {missing!r})")
    return listed


def measure(call: Callable[[], object], repetitions: int, warmup: int = 2) -> np.ndarray:
    for _ in range(warmup):
        call()
    times = np.empty(repetitions)
    for i in range(repetitions):
        start = time.perf_counter()
        call()
        times[i] = time.perf_counter() - start
    return times * 1000.0


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=float, default=1.0, help="scale the repetitions (e.g. 0.2 for a quick run)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    store = _store()
    loaded = time.perf_counter() - start
    network = store.network
    print(f"plan {PLAN}: store loaded in {loaded:.2f} s; walk network {network.node_count} nodes, "
          f"{network.edge_count} segments, {network.edge_length.sum() / 1000:.1f} km")
    rows = []
    for name, call, repetitions in cases(store):
        times = measure(call, max(3, int(repetitions * args.repeat)))
        rows.append((name, len(times), statistics.median(times), float(np.percentile(times, 95)), times.min()))
    width = max(len(r[0]) for r in rows)
    print(f"{'benchmark':<{width}}  {'runs':>4}  {'median ms':>9}  {'p95 ms':>8}  {'min ms':>8}")
    for name, runs, median, p95, low in rows:
        print(f"{name:<{width}}  {runs:>4}  {median:>9.1f}  {p95:>8.1f}  {low:>8.1f}")


# ------------------------------------------------------------------------------------ pytest-benchmark entry points
@pytest.fixture(scope="module")
def store() -> PlanService:
    store = PlanService(load_plan(PLAN))
    if store.graph is None:
        pytest.skip("no streets layer")
    return store


def test_network_build(benchmark, store):
    network = benchmark.pedantic(WalkNetwork.from_graph, args=(store.graph, store.metric_crs), rounds=3)
    assert network.node_count == store.graph.number_of_nodes()


def test_walking_distances_to_all_targets(benchmark, store):
    targets = _targets(store)
    result = benchmark(walking_distances, store.network, STREET_SITE, targets, with_routes=False)
    assert (result["method"] == "network").any()


def test_full_site_check(benchmark, store):
    pytest.importorskip("geo.checks")
    report = benchmark(_check_call(store, "night-economy-street", STREET_SITE))
    assert report["criteria"]


def test_isochrone_15_minutes(benchmark, store):
    lon, lat = _origins(store)[0]
    polygon, info = benchmark(isochrone, store.network, lon, lat, ISOCHRONE_MINUTES)
    assert polygon.area > 0


def test_life_circle_coverage(benchmark, store):
    polygon, info, district = benchmark(_life_circle_call(store))
    assert 0 < district["share"].iloc[0] < 1


if __name__ == "__main__":
    main()
