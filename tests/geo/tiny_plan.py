"""A tiny synthetic plan for check tests: layers laid out in metres around a point in Xigang, known distances.

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
import yaml
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
        "district-boundary": _frame([{"id": "tiny", "name": "小区", "geometry": box(-1500, -1500, 1500, 1500)}],
                                    "district-boundary"),
        "bus-stops": _frame([
            {"id": "bs-near", "name": "近站", "routes": "1路", "geometry": point(160, 100)},
            {"id": "bs-far", "name": "远站", "routes": "2路", "geometry": point(1200, 1200)},
        ], "bus-stops"),
        "transit-stations": _frame([
            {"id": "st-metro", "name": "地铁站", "mode": "metro", "geometry": point(160, 600)},
            {"id": "st-tram", "name": "电车站", "mode": "tram", "geometry": point(-1000, -1000)},
            {"id": "st-rail", "name": "火车站", "mode": "rail", "geometry": point(170, 50)},
        ], "transit-stations"),
        "facilities": _frame([
            {"id": "f-culture", "name": "文化馆", "kind": "culture", "geometry": point(0, 300)},
            {"id": "f-medical", "name": "医院", "kind": "medical", "geometry": point(0, 608)},
            {"id": "f-elderly", "name": "养老院", "kind": "elderly", "geometry": point(0, 1008)},
            {"id": "f-park", "name": "公园", "kind": "park", "geometry": point(100, 200)},
            {"id": "f-sport", "name": "体育馆", "kind": "sport", "geometry": point(200, 300)},
            {"id": "f-school", "name": "学校", "kind": "education", "geometry": point(300, 400)},
            {"id": "f-shop", "name": "便利店", "kind": "convenience", "geometry": point(320, 50)},
        ], "facilities"),
        "business-circles": _frame([
            {"id": "bc-main", "name": "测试商圈", "geometry": box(-100, -100, 500, 200)},
        ], "business-circles"),
        "night-economy": _frame([
            {"id": "ne-street", "name": "夜街", "carrier_type": "商业街区", "ruleset": "night-economy-street",
             "merchants": 75, "geometry": STREET_M},
            {"id": "ne-complex", "name": "夜综合体", "carrier_type": "商业综合体", "ruleset": "night-economy-complex",
             "geometry": box(600, 0, 700, 80)},
            {"id": "ne-area", "name": "滨海夜区", "carrier_type": "滨海区域", "ruleset": "none",
             "geometry": box(-800, 900, -300, 1200)},
        ], "night-economy"),
        "layout-street-areas": _frame([
            {"id": "ls-short", "name": "短街", "geometry": box(0, -400, 200, -394)},
        ], "layout-street-areas"),
        "subdistricts": _frame([
            {"id": "sd-west", "name": "西街道", "geometry": box(-1500, -1500, 100, 1500)},
            {"id": "sd-east", "name": "东街道", "geometry": box(100, -1500, 1500, 1500)},
        ], "subdistricts"),
        "key-projects": _frame([
            {"id": "kp-near", "name": "近项目", "status": "重点实施", "layout_element": "三街",
             "geometry": point(200, 150)},
            {"id": "kp-far", "name": "远项目", "status": "拟推进", "layout_element": "两湾",
             "geometry": point(1000, -1000)},
        ], "key-projects"),
        "layout-axis": _frame([{"id": "axis", "name": "轴", "geometry": line([(-200, -1500), (-200, 1500)])}],
                              "layout-axis"),
        "coastline": _frame([{"id": "coast", "name": "海岸线", "geometry": line([(-1500, 1400), (1500, 1400)])}],
                            "coastline"),
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


ZONE_KINDS = {"night-economy": None, "layout-street-areas": "street", "business-circles": "area"}


def write_plan(directory: Path, plan_id: str = "tiny") -> Path:
    """Write the tiny plan as a plan folder (catalogue.yaml + GeoJSON) and return it."""
    plan_dir = Path(directory) / plan_id
    (plan_dir / "data").mkdir(parents=True)
    entries = []
    geometry_types = {"Point": "Point", "LineString": "LineString", "Polygon": "Polygon"}
    for layer_id, frame in layers().items():
        path = plan_dir / "data" / f"{layer_id}.geojson"
        path.write_text(frame.to_json(drop_id=True), encoding="utf-8")
        fields = {c: {"type": "number" if c in ("accuracy_m", "merchants") else
                      "boolean" if c == "schematic" else "string"}
                  for c in frame.columns if c != "geometry"}
        entry = {
            "id": layer_id,
            "title": {"zh": layer_id, "en": layer_id},
            "group": "基础",
            "geometry_type": geometry_types[frame.geom_type.iloc[0]],
            "source_crs": "EPSG:4326",
            "file": path.name,
            "fields": fields,
            "provenance": {"source": "test", "licence": "CC0", "method": "synthetic", "accuracy_m": 0},
        }
        if layer_id == "night-economy":
            entry["zone_kind"] = "street"
        elif layer_id in ZONE_KINDS:
            entry["zone_kind"] = ZONE_KINDS[layer_id]
        entries.append(entry)
    bounds = np.array([f.total_bounds for f in layers().values()])
    catalogue = {
        "plan": {
            "id": plan_id,
            "title": {"zh": "测试规划", "en": "Tiny test plan"},
            "district": {"zh": "测试区", "en": "Test district"},
            "data_date": "2026-01",
            "boundary_layer": "district-boundary",
            "map_area": [float(bounds[:, 0].min()) - 0.01, float(bounds[:, 1].min()) - 0.01,
                         float(bounds[:, 2].max()) + 0.01, float(bounds[:, 3].max()) + 0.01],
            "attribution": "test",
            "rulesets": ["night-economy-street", "night-economy-complex", "service-circles"],
        },
        "layers": entries,
    }
    (plan_dir / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    return plan_dir


def dumps(geometry_m: shapely.Geometry) -> str:
    return json.dumps(geojson(geometry_m))
