"""Synthetic city-size walk graphs for the benches: grid-like osmnx ``MultiDiGraph`` s of 10k–100k nodes.

A jittered square grid of ``block``-metre blocks centred on a given lon/lat (by default 人民广场 in Xigang, so the
real plan's layers fall inside it), with about 6 % of the streets missing (dead ends, superblocks), every
seventh street bent through a middle vertex (so segments carry geometries), both directions of every street,
``length`` in metres — what ``osmnx.graph_from_xml`` gives for a real extract, built in memory (no XML: start-up
is not what these benches measure).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import shapely
from pyproj import Transformer

#: 人民广场, Xigang
CENTRE = (121.6200, 38.9150)
METRIC_CRS = "EPSG:32651"


def grid_city(nodes: int, *, block: float = 90.0, centre: tuple[float, float] = CENTRE, seed: int = 13,
              metric_crs: str = METRIC_CRS) -> nx.MultiDiGraph:
    """A grid-like street graph of about ``nodes`` nodes (EPSG:4326, osmnx conventions)."""
    rng = np.random.default_rng(seed)
    side = int(round(np.sqrt(nodes)))
    to_metric = Transformer.from_crs("EPSG:4326", metric_crs, always_xy=True)
    to_wgs84 = Transformer.from_crs(metric_crs, "EPSG:4326", always_xy=True)
    cx, cy = to_metric.transform(*centre)
    i, j = np.divmod(np.arange(side * side), side)
    x = cx + (i - side / 2) * block + rng.uniform(-0.15, 0.15, side * side) * block
    y = cy + (j - side / 2) * block + rng.uniform(-0.15, 0.15, side * side) * block
    lon, lat = to_wgs84.transform(x, y)
    ids = np.arange(side * side, dtype=np.int64) + 1_000_000  # OSM-like ids, not positions

    here = np.arange(side * side)
    east = here[i < side - 1]
    north = here[j < side - 1]
    u = np.concatenate([east, north])
    v = np.concatenate([east + side, north + 1])
    keep = rng.random(len(u)) >= 0.06
    u, v = u[keep], v[keep]
    length = np.hypot(x[u] - x[v], y[u] - y[v])
    bent = np.flatnonzero(rng.random(len(u)) < 1 / 7)
    mx = (x[u[bent]] + x[v[bent]]) / 2 + rng.uniform(-8, 8, len(bent))
    my = (y[u[bent]] + y[v[bent]]) / 2 + rng.uniform(-8, 8, len(bent))
    length[bent] = np.hypot(x[u[bent]] - mx, y[u[bent]] - my) + np.hypot(mx - x[v[bent]], my - y[v[bent]])
    mlon, mlat = to_wgs84.transform(mx, my)
    forward = shapely.linestrings(np.stack([np.column_stack([lon[u[bent]], lat[u[bent]]]),
                                            np.column_stack([mlon, mlat]),
                                            np.column_stack([lon[v[bent]], lat[v[bent]]])], axis=1))
    geometry = {int(k): (g, shapely.reverse(g)) for k, g in zip(bent, forward, strict=True)}

    graph = nx.MultiDiGraph(crs="epsg:4326")
    graph.add_nodes_from((int(ids[k]), {"x": float(lon[k]), "y": float(lat[k]), "street_count": 4})
                         for k in range(side * side))
    edges = []
    for k, (a, b, metres) in enumerate(zip(ids[u].tolist(), ids[v].tolist(), length.tolist(), strict=True)):
        there = {"length": metres, "highway": "residential", "oneway": False}
        back = dict(there)
        if k in geometry:
            there["geometry"], back["geometry"] = geometry[k]
        edges.append((a, b, 0, there))
        edges.append((b, a, 0, back))
    graph.add_edges_from(edges)
    return graph
