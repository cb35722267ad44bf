"""Start-up at city size (issue 13, item 2): cold and warm plan preparation, process start and memory.

For Xigang and for a copy of Xigang whose streets are a synthetic grid city (:mod:`bench.synthetic`, written as
OSM XML and as OSM PBF), each case runs in a fresh Python process (imports included):

- ``cold``: no prepared-plan cache: read the files (osmnx parses the streets), build the walk network, write the
  cache;
- ``warm``: the cache of the run before: layers from GeoParquet, the network from its arrays.

Printed: imports, plan preparation, the whole process, and peak RSS. Run from the repository root::

    python -m bench.bench_start [--sizes xigang,100000] [--formats osm,pbf]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import yaml

from layers.plan import PLANS_DIR

CHILD = r"""
import json, resource, sys, time
began = time.perf_counter()
from api.service.plans import load_service
imported = time.perf_counter()
service = load_service(sys.argv[1], sys.argv[2], cache_dir=sys.argv[3])
ready = time.perf_counter()
print(json.dumps({"imports_s": imported - began, "prepare_s": ready - imported, "from_cache": service.source.from_cache,
                  "nodes": service.network.node_count if service.network else 0,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def synthetic_plan(root: Path, nodes: int, fmt: str) -> str:
    """A copy of Xigang whose streets are a grid city of about ``nodes`` nodes, as ``.osm`` or ``.osm.pbf``."""
    import osmium
    import shapely

    from bench.synthetic import grid_city

    plan_id = f"grid{nodes}{fmt}"
    target = root / plan_id
    shutil.copytree(PLANS_DIR / "xigang", target)
    graph = grid_city(nodes)
    name = "streets.osm" if fmt == "osm" else "streets.osm.pbf"
    (target / "data" / "streets.osm").unlink()
    writer = osmium.SimpleWriter(str(target / "data" / name))
    lon, lat = [], []
    try:
        for node, data in graph.nodes(data=True):
            writer.add_node(osmium.osm.mutable.Node(id=int(node), location=(data["x"], data["y"]), version=1))
            lon.append(data["x"])
            lat.append(data["y"])
        next_node = 10**9
        for way, (u, v, data) in enumerate(graph.edges(data=True), start=1):
            if u > v:
                continue
            refs = [int(u), int(v)]
            if data.get("geometry") is not None:  # the bend as a node of its own
                x, y = shapely.get_coordinates(data["geometry"])[1]
                writer.add_node(osmium.osm.mutable.Node(id=next_node, location=(x, y), version=1))
                refs = [int(u), next_node, int(v)]
                next_node += 1
            writer.add_way(osmium.osm.mutable.Way(id=way, nodes=refs, version=1,
                                                  tags={"highway": "residential", "source": "synthetic"}))
    finally:
        writer.close()
    catalogue_path = target / "catalogue.yaml"
    catalogue = yaml.safe_load(catalogue_path.read_text(encoding="utf-8"))
    x0, y0, x1, y1 = catalogue["plan"]["map_area"]
    catalogue["plan"]["map_area"] = [min(x0, min(lon) - 0.01), min(y0, min(lat) - 0.01), max(x1, max(lon) + 0.01),
                                     max(y1, max(lat) + 0.01)]
    for layer in catalogue["layers"]:
        if layer["id"] == "streets":
            layer["file"] = name
            layer["provider"] = "osm-xml" if fmt == "osm" else "osm-pbf"
            layer["fields"]["highway"]["required"] = False
    catalogue_path.write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return plan_id


def start(plan_id: str, plans_dir: Path, cache: Path) -> dict:
    import time

    began = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", CHILD, plan_id, str(plans_dir), str(cache)], check=True,
                         capture_output=True, text=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = time.perf_counter() - began
    return result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="xigang,100000")
    parser.add_argument("--formats", default="osm,pbf", help="street file formats of the synthetic plans")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="planmap-start-") as folder:
        root = Path(folder)
        plans_dir = root / "plans"
        plans_dir.mkdir()
        cases = []
        for size in args.sizes.split(","):
            if size == "xigang":
                shutil.copytree(PLANS_DIR / "xigang", plans_dir / "xigang")
                cases.append(("xigang", "xigang (osm)"))
            else:
                for fmt in args.formats.split(","):
                    cases.append((synthetic_plan(plans_dir, int(size), fmt), f"{size} nodes ({fmt})"))
        print(f"{'plan':<22} {'run':<5} {'nodes':>8} {'imports s':>9} {'prepare s':>9} {'process s':>9} "
              f"{'peak RSS MB':>11}")
        for plan_id, label in cases:
            cache = root / "cache" / plan_id
            for run in ("cold", "warm"):
                r = start(plan_id, plans_dir, cache)
                assert r["from_cache"] == (run == "warm")
                print(f"{label:<22} {run:<5} {r['nodes']:>8,} {r['imports_s']:>9.2f} {r['prepare_s']:>9.2f} "
                      f"{r['process_s']:>9.2f} {r['rss_mb']:>11.0f}", flush=True)


if __name__ == "__main__":
    main()
