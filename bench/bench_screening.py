"""Batch screening throughput (issue 13, items 3–4): street-polygon sites per second with night-economy-street.

Random street polygons (150–400 m × 6–14 m) over Xigang, screened by the local engine with 1 and 2 processes and
by the Dask engine on a local cluster of 1 and 2 workers (cluster start excluded, plan shipping included)::

    python -m bench.bench_screening [--sites 600]
"""

from __future__ import annotations

import argparse
import time

import geopandas as gpd
import numpy as np
import shapely
from pyproj import Transformer

from api.service.plans import load_service
from api.service.screening import ScreeningJob, screen


def street_sites(n: int, seed: int = 7) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    to_m = Transformer.from_crs(4326, 32651, always_xy=True)
    back = Transformer.from_crs(32651, 4326, always_xy=True)
    cx, cy = to_m.transform(121.62, 38.915)
    polygons = []
    for _ in range(n):
        x, y = cx + rng.uniform(-1500, 1500), cy + rng.uniform(-1200, 1200)
        length, width, angle = rng.uniform(150, 400), rng.uniform(6, 14), rng.uniform(0, np.pi)
        d = np.array([np.cos(angle), np.sin(angle)])
        normal = np.array([-d[1], d[0]])
        corners = [np.array([x, y]) + s * length / 2 * d + t * width / 2 * normal
                   for s, t in ((-1, -1), (1, -1), (1, 1), (-1, 1))]
        lon, lat = back.transform([c[0] for c in corners], [c[1] for c in corners])
        polygons.append(shapely.Polygon(zip(lon, lat, strict=True)))
    return gpd.GeoDataFrame({"input_id": [f"p{i}" for i in range(n)], "name": None, "problem": None,
                             "merchants": rng.integers(5, 80, n)}, geometry=polygons, crs=4326)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sites", type=int, default=600)
    parser.add_argument("--engines", default="local:1,local:2,dask:1,dask:2")
    args = parser.parse_args(argv)
    service = load_service("xigang")
    job = ScreeningJob.for_plan(service, "night-economy-street", {"merchants": "merchants"})
    sites = street_sites(args.sites)
    screen(service.data, job, sites.iloc[:20], workers=1)  # warm-up
    print(f"{args.sites} street polygons, night-economy-street")
    for case in args.engines.split(","):
        engine, workers = case.split(":")
        if engine == "dask":
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=int(workers), threads_per_worker=1, host="127.0.0.1",
                              dashboard_address=None) as cluster, Client(cluster) as client:
                client.wait_for_workers(int(workers))
                began = time.perf_counter()
                result = screen(service.data, job, sites, engine="dask", scheduler=cluster.scheduler_address,
                                plan_key=f"bench-{workers}")
                seconds = time.perf_counter() - began
        else:
            began = time.perf_counter()
            result = screen(service.data, job, sites, workers=int(workers))
            seconds = time.perf_counter() - began
        print(f"{engine:>5} {workers} worker(s): {len(sites) / seconds:7.1f} sites/s ({seconds:.1f} s)", flush=True)
        assert len(result.frame) == len(sites)


if __name__ == "__main__":
    main()
