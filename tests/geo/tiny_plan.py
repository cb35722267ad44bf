"""The tiny test plan: layers laid out in metres around a point in Xigang, known distances.

Its layer ids differ from any real plan's and it has no coast: the code must find layers by role.

Coordinates are designed in UTM 51N metres relative to ORIGIN (121.62°E, 38.915°N) and converted to EPSG:4326,
so every expected distance is plain arithmetic. ``write_plan`` writes it as a plan folder the real store loads.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import shapely
from pyproj import CRS, Transformer

ORIGIN = (121.62, 38.915)
METRIC = CRS.from_epsg(32651)
_FWD = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
_BACK = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)
X0, Y0 = _FWD.transform(*ORIGIN)


def to_lonlat(geometry: shapely.Geometry) -> shapely.Geometry:
    """Local metres (relative to ORIGIN) → EPSG:4326."""
    return shapely.transform(geometry, lambda c: np.column_stack(_BACK.transform(c[:, 0] + X0, c[:, 1] + Y0)))


def to_local(geometry: shapely.Geometry) -> shapely.Geometry:
    """EPSG:4326 → local metres."""
    def apply(c):
        x, y = _FWD.transform(c[:, 0], c[:, 1])
        return np.column_stack([np.asarray(x) - X0, np.asarray(y) - Y0])
    return shapely.transform(geometry, apply)


def geojson(geometry_m: shapely.Geometry) -> dict:
    return shapely.geometry.mapping(to_lonlat(geometry_m))


#: the street site: 320 m × 8 m along x
STREET_M = shapely.box(0, 0, 320, 8)
STREET = to_lonlat(STREET_M)


def _frame(rows: list[dict], layer: str) -> gpd.GeoDataFrame:
    for row in rows:
        row.setdefault("name_en", row["id"])
        row.setdefault("source", "test fixture")
        row.setdefault("method", "drawn in local metres")
        row.setdefault("accuracy_m", 0.0)
        row.setdefault("schematic", True)
        row["geometry"] = to_lonlat(row["geometry"])
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    frame.index = frame["id"].astype(str)
    frame.attrs["layer"] = layer
    return frame


def layers() -> dict[str, gpd.GeoDataFrame]:
    point, box, line = shapely.Point, shapely.box, shapely.LineString
    return {
        "outline": _frame([{"id": "tiny", "name": "小区", "geometry": box(-1500, -1500, 1500, 1500)}],
                                    "outline"),
        "stops": _frame([
            {"id": "bs-near", "name": "近站", "routes": "1路", "geometry": point(160, 100)},
            {"id": "bs-far", "name": "远站", "routes": "2路", "geometry": point(1200, 1200)},
        ], "stops"),
        "rail-stops": _frame([
            {"id": "st-metro", "name": "地铁站", "mode": "metro", "geometry": point(160, 600)},
            {"id": "st-tram", "name": "电车站", "mode": "tram", "geometry": point(-1000, -1000)},
            {"id": "st-rail", "name": "火车站", "mode": "rail", "geometry": point(170, 50)},
        ], "rail-stops"),
        "services": _frame([
            {"id": "f-culture", "name": "文化馆", "kind": "culture", "geometry": point(0, 300)},
            {"id": "f-medical", "name": "医院", "kind": "medical", "geometry": point(0, 608)},
            {"id": "f-elderly", "name": "养老院", "kind": "elderly", "geometry": point(0, 1008)},
            {"id": "f-park", "name": "公园", "kind": "park", "geometry": point(100, 200)},
            {"id": "f-sport", "name": "体育馆", "kind": "sport", "geometry": point(200, 300)},
            {"id": "f-school", "name": "学校", "kind": "education", "geometry": point(300, 400)},
            {"id": "f-shop", "name": "便利店", "kind": "convenience", "geometry": point(320, 50)},
        ], "services"),
        "shopping-areas": _frame([
            {"id": "bc-main", "name": "测试商圈", "geometry": box(-100, -100, 500, 200)},
        ], "shopping-areas"),
        "night-zones": _frame([
            {"id": "ne-street", "name": "夜街", "carrier_type": "商业街区", "ruleset": "night-economy-street",
             "merchants": 75, "geometry": STREET_M},
            {"id": "ne-complex", "name": "夜综合体", "carrier_type": "商业综合体", "ruleset": "night-economy-complex",
             "geometry": box(600, 0, 700, 80)},
            {"id": "ne-area", "name": "滨海夜区", "carrier_type": "滨海区域", "ruleset": "none",
             "geometry": box(-800, 900, -300, 1200)},
        ], "night-zones"),
        "street-zones": _frame([
            {"id": "ls-short", "name": "短街", "geometry": box(0, -400, 200, -394)},
        ], "street-zones"),
        "wards": _frame([
            {"id": "sd-west", "name": "西街道", "geometry": box(-1500, -1500, 100, 1500)},
            {"id": "sd-east", "name": "东街道", "geometry": box(100, -1500, 1500, 1500)},
        ], "wards"),
        "schemes": _frame([
            {"id": "kp-near", "name": "近项目", "status": "重点实施", "layout_element": "三街",
             "geometry": point(200, 150)},
            {"id": "kp-far", "name": "远项目", "status": "拟推进", "layout_element": "两湾",
             "geometry": point(1000, -1000)},
        ], "schemes"),
        "spine": _frame([{"id": "axis", "name": "轴", "geometry": line([(-200, -1500), (-200, 1500)])}],
                              "spine"),
    }


def graph() -> nx.MultiDiGraph:
    """A small street grid: y = 4 (the street's centre line) from x = -500 to 800, and x = 160 to y = 700."""
    g = nx.MultiDiGraph(crs="EPSG:4326")
    nodes = {1: (-500, 4), 2: (160, 4), 3: (800, 4), 4: (160, 100), 5: (160, 600), 6: (160, 700)}
    for node, (x, y) in nodes.items():
        lon, lat = to_lonlat(shapely.Point(x, y)).coords[0]
        g.add_node(node, x=lon, y=lat)
    for u, v in [(1, 2), (2, 3), (2, 4), (4, 5), (5, 6)]:
        g.add_edge(u, v)
        g.add_edge(v, u)
    return g


#: which layer plays each role (ids unlike Xigang's; no coast)
ROLES = {"boundary": "outline", "transit_stations": "rail-stops", "bus_stops": "stops", "facilities": "services",
         "subdistricts": "wards", "projects": "schemes", "axis": "spine",
         "plan_elements": ["spine", "street-zones", "shopping-areas", "night-zones"],
         "commercial_areas": ["shopping-areas", "night-zones", "street-zones"]}
ZONE_KINDS = {"night-zones": "street", "street-zones": "street", "shopping-areas": "area"}
RULESETS = {"night-economy-street": {"status": "reference", "audits": "street", "default": True},
            "night-economy-complex": {"status": "reference", "audits": "complex"},
            "service-circles": {"status": "own"}}
#: the service-circle ruleset is Xigang's own: the tiny plan adopts a copy of it
SERVICE_CIRCLES_FILE = Path(__file__).resolve().parents[2] / "layers" / "plans" / "xigang" / "rulesets" / "service-circles.yaml"


def roles() -> dict[str, tuple[str, ...]]:
    return {k: (v,) if isinstance(v, str) else tuple(v) for k, v in ROLES.items()}


def plan_data(network=None, frames: dict | None = None):
    """The tiny plan as the analysis reads it (:class:`geo.plandata.PlanData`)."""
    from geo.plandata import PlanData

    frames = layers() if frames is None else frames
    boundary = frames["outline"].geometry.iloc[0] if "outline" in frames else None
    return PlanData(layers=frames, roles=roles(), network=network, boundary=boundary, metric_crs=METRIC)


def write_plan(directory: Path, plan_id: str = "tiny", **plan_extra) -> Path:
    """Write the tiny plan as a plan folder (catalogue.yaml + GeoJSON + its own ruleset) and return it."""
    from tests.plans import write_plan as write

    return write(directory, plan_id, layers(), ROLES, rulesets=RULESETS, zone_kinds=ZONE_KINDS,
                 own_rulesets={"service-circles": SERVICE_CIRCLES_FILE.read_bytes()}, plan_extra=plan_extra)


def dumps(geometry_m: shapely.Geometry) -> str:
    return json.dumps(geojson(geometry_m))
