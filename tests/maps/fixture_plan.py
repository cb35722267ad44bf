"""A tiny plan written into a temporary folder: every geometry kind, a zone layer, key projects, a schematic
layer, categories, and features whose names are HTML/script injections (they must show as text).

Used by tests/maps and tests/browser (the browser tests start the app with PLANMAP_PLANS_DIR/PLANMAP_PLAN on it).
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

PLAN_ID = "tiny"
XSS_PROJECT_NAME = "<img src=x onerror=alert(1)>"
XSS_ZONE_NAME = '"><svg onload=alert(2)></svg><script>alert(3)</script>'
#: a zone (night-economy street) whose name is an HTML injection too (the audit page must show it as text)
XSS_IMG_ZONE_ID = "zone-img"
XSS_IMG_ZONE_NAME = "<img src=x onerror=alert(1)>"
#: 人民广场 metro station (OSM node/10722780300), WGS84
RENMIN_SQUARE = (121.6054031, 38.9099879)

_PROV = {"source": "test fixture", "method": "typed by hand for tests", "accuracy_m": 5.0}


def _fc(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {**_PROV, **f["properties"]}, "geometry": f["geometry"]} for f in features
    ]}


def _box(x0: float, y0: float, x1: float, y1: float) -> dict:
    return {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]]}


def _layer(layer_id: str, zh: str, en: str, group: str, geometry_type: str, fields: dict, style: dict,
           **extra) -> dict:
    return {
        "id": layer_id, "title": {"zh": zh, "en": en}, "group": group, "geometry_type": geometry_type,
        "source_crs": "EPSG:4326", "file": f"{layer_id}.geojson",
        "fields": {"name": {"type": "string", "title_zh": "名称", "title_en": "Name", "required": True}, **fields},
        "style": style,
        "provenance": {"source": "test fixture", "licence": "CC0", "method": "typed by hand", "accuracy_m": 5},
        **extra,
    }


def write_fixture_plan(root: Path) -> Path:
    """Write plan ``tiny`` under ``root/plans``; return the plans dir."""
    plans = root / "plans"
    data = plans / PLAN_ID / "data"
    data.mkdir(parents=True, exist_ok=True)
    layers = {
        "district-boundary": _fc([{"properties": {"id": "tiny-district", "name": "小区界", "name_en": "Tiny"},
                                   "geometry": _box(121.58, 38.88, 121.65, 38.93)}]),
        "coastline": _fc([{"properties": {"id": "coast-1", "name": "海岸线"},
                           "geometry": {"type": "LineString",
                                        "coordinates": [[121.56, 38.87], [121.60, 38.868], [121.66, 38.872]]}}]),
        "streets": _fc([
            {"properties": {"id": "st-1", "name": "中山路", "highway": "primary"},
             "geometry": {"type": "LineString", "coordinates": [[121.59, 38.905], [121.6054, 38.9101], [121.64, 38.915]]}},
            {"properties": {"id": "st-2", "name": "长春路", "highway": "secondary"},
             "geometry": {"type": "LineString", "coordinates": [[121.61, 38.89], [121.612, 38.925]]}},
        ]),
        "transit-stations": _fc([
            {"properties": {"id": "metro-renmin-square", "name": "人民广场", "name_en": "Renmin Square",
                            "mode": "metro", "lines": "2"},
             "geometry": {"type": "Point", "coordinates": list(RENMIN_SQUARE)}},
            {"properties": {"id": "tram-xinggong", "name": "兴工街", "name_en": "Xinggong St", "mode": "tram",
                            "lines": "202"},
             "geometry": {"type": "Point", "coordinates": [121.62, 38.90]}},
        ]),
        "night-economy": _fc([
            {"properties": {"id": "zone-safe", "name": "东关街", "name_en": "Dongguan St", "carrier_type": "商业街区",
                            "schematic": True},
             "geometry": _box(121.600, 38.905, 121.606, 38.908)},
            {"properties": {"id": "zone-xss", "name": XSS_ZONE_NAME, "carrier_type": "商圈", "schematic": True},
             "geometry": _box(121.615, 38.910, 121.625, 38.918)},
            {"properties": {"id": XSS_IMG_ZONE_ID, "name": XSS_IMG_ZONE_NAME, "carrier_type": "商业街区",
                            "schematic": True},
             "geometry": _box(121.607, 38.9095, 121.6105, 38.9100)},
        ]),
        "key-projects": _fc([
            {"properties": {"id": "project-xss", "name": XSS_PROJECT_NAME, "status": "重点实施", "schematic": True},
             "geometry": {"type": "Point", "coordinates": [121.603, 38.906]}},
            {"properties": {"id": "project-ok", "name": "保利·熙悦", "status": "拟推进", "schematic": True},
             "geometry": {"type": "Point", "coordinates": [121.63, 38.92]}},
        ]),
    }
    for layer_id, doc in layers.items():
        (data / f"{layer_id}.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    catalogue = {
        "plan": {
            "id": PLAN_ID, "title": {"zh": "测试规划一张图", "en": "Test plan map"},
            "district": {"zh": "测试区", "en": "Test district"}, "data_date": "2026-01",
            "roles": {"boundary": "district-boundary", "coast": "coastline", "transit_stations": "transit-stations",
                      "projects": "key-projects", "plan_elements": ["night-economy"]},
            "map_area": [121.55, 38.85, 121.68, 38.95], "attribution": "test data",
            "rulesets": {"night-economy-street": {"status": "reference", "audits": "street", "default": True},
                         "night-economy-complex": {"status": "reference", "audits": "complex"}},
        },
        "layers": [
            _layer("district-boundary", "区界", "Boundary", "基础", "Polygon", {},
                   {"color": "#6b3fa0", "weight": 3, "fill_opacity": 0.03, "dash_array": "8 4"}),
            _layer("coastline", "海岸线", "Coastline", "基础", "LineString", {}, {"color": "#1f78b4"}),
            _layer("streets", "街道", "Streets", "交通", "LineString",
                   {"highway": {"type": "string", "title_zh": "道路等级", "title_en": "Highway"}},
                   {"color": "#888888", "weight": 2},
                   provenance={"source": "OpenStreetMap", "licence": "ODbL 1.0", "method": "fixture",
                               "accuracy_m": 5}),
            _layer("transit-stations", "轨道站点", "Stations", "交通", "Point",
                   {"mode": {"type": "string", "title_zh": "方式", "title_en": "Mode"},
                    "lines": {"type": "string", "title_zh": "线路", "title_en": "Lines"}},
                   {"color": "#333333", "fill_color": "#ffffff", "fill_opacity": 1, "category_field": "mode",
                    "categories": {"metro": "#009AD8", "tram": "#8C8C8C"}}),
            _layer("night-economy", "夜间经济载体", "Night-economy carriers", "商圈与夜经济", "Polygon",
                   {"carrier_type": {"type": "string", "title_zh": "载体类型", "title_en": "Carrier type"}},
                   {"color": "#e6550d", "fill_opacity": 0.3, "category_field": "carrier_type",
                    "categories": {"商圈": "#e6550d", "商业街区": "#fd8d3c"}},
                   schematic=True, zone_kind="street"),
            _layer("key-projects", "重点项目", "Key projects", "重点项目", "Point",
                   {"status": {"type": "string", "title_zh": "状态", "title_en": "Status"}},
                   {"color": "#444444", "radius": 7, "category_field": "status",
                    "categories": {"重点实施": "#d7301f", "拟推进": "#fc8d59", "力争盘活": "#fdcc8a"},
                    "category_labels": {"重点实施": {"zh": "重点实施", "en": "Under implementation"},
                                        "拟推进": {"zh": "拟推进", "en": "Proposed"},
                                        "力争盘活": {"zh": "力争盘活", "en": "To revitalise"}}},
                   schematic=True),
        ],
    }
    (plans / PLAN_ID / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True, sort_keys=False),
                                                    encoding="utf-8")
    return plans
