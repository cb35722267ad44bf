"""Map page benchmarks on the real Xigang plan: build time (cold and warm) and page size of every page.

Run either way (from the repository root):

    python -m bench.bench_maps          # prints a table: cold ms, warm median / p95 ms, size in bytes
    pytest bench/bench_maps.py --benchmark-only

Targets (issue 4): a page builds in under ~150 ms warm and stays under ~1.5 MB. "Cold" is the first build in the
process (layers simplified and serialised, then cached per store); "warm" is every build after that.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
import pytest

from api.service import PlanService
from layers.plan import load_plan
from maps import builders
from maps.builders import PageOptions

PLAN = "xigang"
TARGET_MS = 150.0
TARGET_BYTES = 1_500_000


def _first(store: PlanService, layer_ids: list[str]) -> str | None:
    for layer_id in layer_ids:
        frame = store.layer(layer_id)
        if len(frame):
            return str(frame.index[0])
    return None


def cases(store: PlanService) -> list[tuple[str, Callable[[], str]]]:
    """(name, build) for every page kind."""
    zone = _first(store, [s.id for s in builders.zone_specs(store)])
    project = _first(store, [builders.PROJECT_LAYER]) if any(
        s.id == builders.PROJECT_LAYER for s in store.specs) else None
    plain, amap = PageOptions(), PageOptions(basemap="amap")
    out: list[tuple[str, Callable[[], str]]] = [
        ("index", lambda: builders.build_index(store, plain)),
        ("overview", lambda: builders.build_overview(store, plain)),
        ("overview amap (GCJ-02)", lambda: builders.build_overview(store, amap)),
        ("check", lambda: builders.build_check_map(store, plain)),
        ("embed 2 layers", lambda: builders.build_embed(store, PageOptions(
            layer_ids=("transit-stations", "transit-lines")))),
    ]
    if zone:
        out.append((f"zone {zone}", lambda: builders.build_zone_map(store, zone, plain)))
        out.append((f"embed zone {zone}", lambda: builders.build_embed(store, plain, zone_id=zone)))
    if project:
        out.append((f"project {project}", lambda: builders.build_project_map(store, project, plain)))
    return out


def measure(call: Callable[[], str], repetitions: int = 15) -> tuple[float, np.ndarray, int]:
    start = time.perf_counter()
    html = call()
    cold = (time.perf_counter() - start) * 1000
    times = []
    for _ in range(repetitions):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return cold, np.array(times), len(html.encode("utf-8"))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=15)
    args = parser.parse_args(argv)
    store = PlanService(load_plan(PLAN))
    rows = []
    for name, call in cases(store):
        cold, warm, size = measure(call, args.repetitions)
        rows.append((name, cold, float(statistics.median(warm)), float(np.percentile(warm, 95)), size))
    width = max(len(r[0]) for r in rows)
    print(f"{'page':<{width}}  {'cold ms':>8}  {'warm median ms':>14}  {'warm p95 ms':>11}  {'bytes':>9}")
    for name, cold, median, p95, size in rows:
        flag = "" if median < TARGET_MS and size < TARGET_BYTES else "  <-- over target"
        print(f"{name:<{width}}  {cold:8.1f}  {median:14.1f}  {p95:11.1f}  {size:9d}{flag}")


# ------------------------------------------------------------------------------------ pytest-benchmark entry points
@pytest.fixture(scope="module")
def store() -> PlanService:
    return PlanService(load_plan(PLAN))


def test_overview_warm(benchmark, store):
    builders.build_overview(store, PageOptions())
    html = benchmark(builders.build_overview, store, PageOptions())
    assert len(html.encode("utf-8")) < TARGET_BYTES


def test_check_map_warm(benchmark, store):
    builders.build_check_map(store, PageOptions())
    benchmark(builders.build_check_map, store, PageOptions())


def test_overview_amap_warm(benchmark, store):
    builders.build_overview(store, PageOptions(basemap="amap"))
    benchmark(builders.build_overview, store, PageOptions(basemap="amap"))


if __name__ == "__main__":
    main()
