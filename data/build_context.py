"""Build the real context layers: ``coastline`` (GSHHG) and ``transit-lines`` / ``transit-stations`` (OSM).

Run ``python -m data.build_context``. Reads ``../shared/data/raw``; writes GeoJSON into
``layers/plans/xigang/data``.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from typing import Any

import shapely

from data.xigang_common import (
    MAP_AREA,
    OSM_ATTRIBUTION,
    PLAN_DATA,
    RAW,
    boundary_wgs84,
    map_area_box,
    to_metric,
    write_geojson,
)

TRANSIT = RAW / "dalian_transit_osm"
COAST = RAW / "dalian_coastline_gshhg" / "gshhg_full_coastline_dalian_central.geojson"

COAST_SOURCE = "GSHHG 2.3.7 full resolution (Debian gmt-gshhg-full), LGPL-3.0-or-later"
COAST_METHOD = ("GMT `coast -Df -W -M` shore lines, merged and clipped to the plan's map area; no edits. "
                "Predates land reclamation: the north-shore port and Xianglujiao fill lie seaward of it")
COAST_ACCURACY_M = 200.0

#: line id -> (Chinese name, short ref used in the stations' ``lines`` field, mode)
LINE_INFO = {
    "Line1": ("大连地铁1号线", "1", "metro", "Dalian Metro Line 1"),
    "Line2": ("大连地铁2号线", "2", "metro", "Dalian Metro Line 2"),
    "Line3": ("大连地铁3号线", "3", "metro", "Dalian Metro Line 3"),
    "Line4": ("大连地铁4号线", "4", "metro", "Dalian Metro Line 4"),
    "Line5": ("大连地铁5号线", "5", "metro", "Dalian Metro Line 5"),
    "Line12": ("大连地铁12号线", "12", "metro", "Dalian Metro Line 12"),
    "Line13": ("大连地铁13号线", "13", "metro", "Dalian Metro Line 13"),
    "Tram201": ("有轨电车201路", "201", "tram", "Tram Route 201"),
    "Tram202": ("有轨电车202路", "202", "tram", "Tram Route 202"),
    "HaidaCableway": ("索道（Haida Cableway）", "cableway", "cableway", "Haida Cableway"),
}
LINE_SLUG = {"Tram201": "tram-201", "Tram202": "tram-202", "HaidaCableway": "haida-cableway"}
TRANSIT_SOURCE = "OpenStreetMap via norman-mei/metro-tools dalian.geojson (Overpass export, ~2026-02)"
STATION_ACCURACY_M = 15.0
LINE_ACCURACY_M = 10.0
#: a station serves a line whose track passes within this distance
STATION_LINE_RADIUS_M = 90.0
#: nodes of one station (platforms, stop positions, station node) lie within this distance of each other
STATION_CLUSTER_M = 400.0

#: English names for stops whose OSM nodes carry none
EXTRA_NAME_EN = {
    "学苑广场地铁站": "Xueyuan Square (metro)",
    "海之韵公园": "Haizhiyun Park",
    "功成街": "Gongcheng Street",
    "森林动物园南门": "Forest Zoo South Gate",
    "莲花山": "Lianhua Mountain",
    "白云雁水": "Baiyun Yanshui",
}


# ----------------------------------------------------------------------------------------------- coastline
def build_coastline() -> list[dict[str, Any]]:
    raw = json.loads(COAST.read_text(encoding="utf-8"))
    lines = [shapely.geometry.shape(f["geometry"]) for f in raw["features"]]
    merged = shapely.line_merge(shapely.union_all(lines))
    clipped = shapely.intersection(merged, map_area_box())
    parts = [g for g in getattr(clipped, "geoms", [clipped]) if g.geom_type == "LineString" and g.length > 0]
    parts.sort(key=lambda g: -g.length)
    features = []
    for i, part in enumerate(parts, start=1):
        features.append({
            "geometry": part,
            "properties": {
                "id": f"coast-{i}", "name": "海岸线（GSHHG）", "name_en": "Coastline (GSHHG)",
                "length_m": round(float(to_metric(part).length), 1),
                "source": COAST_SOURCE, "method": COAST_METHOD, "accuracy_m": COAST_ACCURACY_M,
                "schematic": False,
            },
        })
    return features


# ----------------------------------------------------------------------------------------------- transit
def _routes() -> dict[str, dict[str, Any]]:
    raw = json.loads((TRANSIT / "routes.json").read_text(encoding="utf-8"))
    colours = json.loads((TRANSIT / "lines.json").read_text(encoding="utf-8"))
    out = {}
    for feature in raw["features"]:
        line = feature["properties"]["line"]
        out[line] = {
            "geometry": shapely.geometry.shape(feature["geometry"]),
            "colour": colours.get(line, {}).get("color", feature["properties"].get("color")),
        }
    return out


def build_transit_lines(routes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    features = []
    area = map_area_box()
    for line, info in routes.items():
        clipped = shapely.intersection(info["geometry"], area)
        clipped = shapely.line_merge(clipped) if not clipped.is_empty else clipped
        parts = [g for g in getattr(clipped, "geoms", [clipped]) if g.geom_type == "LineString" and g.length > 0]
        if not parts:
            continue
        geom = parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)
        name, ref, mode, name_en = LINE_INFO[line]
        features.append({
            "geometry": geom,
            "properties": {
                "id": LINE_SLUG.get(line, f"line-{ref}"), "line": ref, "name": name, "name_en": name_en,
                "mode": mode, "colour": info["colour"],
                "length_m": round(float(to_metric(geom).length), 1),
                "source": TRANSIT_SOURCE + f" (routes.json: OSM track ways joined per line); {OSM_ATTRIBUTION}",
                "method": "OSM track geometry of the line, clipped to the plan's map area",
                "accuracy_m": LINE_ACCURACY_M, "schematic": False,
            },
        })
    features.sort(key=lambda f: (f["properties"]["mode"] != "metro", f["properties"]["id"]))
    return features


def _mode(tags: dict[str, Any]) -> str | None:
    if tags.get("aerialway") == "station":
        return "cableway"
    if tags.get("railway") == "tram_stop" or tags.get("tram") == "yes":
        return "tram"
    if tags.get("subway") == "yes" or tags.get("station") == "subway" or tags.get("railway") == "stop":
        return "metro"
    if tags.get("railway") in {"station", "halt"}:
        return "rail"
    return None


def _clean_name(name: str) -> str:
    return re.sub(r"[（(].*?[）)]$", "", name).strip()


def station_clusters(raw: dict[str, Any], map_area: tuple[float, float, float, float], to_metric: Any,
                     cluster_m: float = STATION_CLUSTER_M) -> dict[tuple[str, str], list[list[dict[str, Any]]]]:
    """The named station and stop nodes of an OSM export inside ``map_area``, grouped per station: nodes of the
    same cleaned name and mode within ``cluster_m`` of each other (station nodes first, then by OSM id)."""
    x0, y0, x1, y1 = map_area
    nodes = []
    for feature in raw["features"]:
        if feature["geometry"]["type"] != "Point":
            continue
        tags = feature["properties"]
        lon, lat = feature["geometry"]["coordinates"]
        mode = _mode(tags)
        if not (x0 <= lon <= x1 and y0 <= lat <= y1) or not tags.get("name") or mode is None:
            continue
        nodes.append({"tags": tags, "mode": mode, "name": _clean_name(tags["name"]),
                      "station": tags.get("public_transport") == "station" or tags.get("railway") == "station",
                      "point": shapely.Point(round(lon, 7), round(lat, 7))})
    groups: dict[tuple[str, str], list[list[dict[str, Any]]]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: (not n["station"], n["tags"]["@id"])):
        clusters = groups[(node["name"], node["mode"])]
        here = to_metric(node["point"])
        for cluster in clusters:
            if min(here.distance(to_metric(m["point"])) for m in cluster) <= cluster_m:
                cluster.append(node)
                break
        else:
            clusters.append([node])
    return groups


def english_names(path: Any) -> dict[str, str]:
    """Chinese alternate name → English name, from a metro-tools ``features.json``."""
    raw = json.loads(path.read_text(encoding="utf-8"))
    out: dict[str, str] = {}
    for feature in raw["features"]:
        for alt in feature["properties"].get("alternate_names") or []:
            out.setdefault(alt, feature["properties"]["name"])
    return out


def build_transit_stations(routes: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    raw = json.loads((TRANSIT / "dalian.geojson").read_text(encoding="utf-8"))
    groups = station_clusters(raw, MAP_AREA, to_metric)

    english = english_names(TRANSIT / "features.json")
    boundary = boundary_wgs84()
    route_metric = {line: to_metric(info["geometry"]) for line, info in routes.items()}
    features = []
    used_ids: set[str] = set()
    for (name, mode), clusters in groups.items():
        for cluster in clusters:
            main = cluster[0]  # station nodes sort first
            name_en = next((n["tags"].get("name:en") for n in cluster if n["tags"].get("name:en")), None)
            name_en = name_en or english.get(name) or english.get(main["tags"]["name"]) or EXTRA_NAME_EN.get(name)
            points = shapely.MultiPoint([to_metric(n["point"]) for n in cluster])
            refs = []
            for line, geom in route_metric.items():
                if LINE_INFO[line][2] == mode and points.distance(geom) <= STATION_LINE_RADIUS_M:
                    refs.append(LINE_INFO[line][1])
            refs.sort(key=lambda r: (not r.isdigit(), int(r) if r.isdigit() else 0, r))
            slug_base = re.sub(r"[^a-z0-9]+", "-", (name_en or main["tags"]["@id"]).lower()).strip("-")
            slug = f"{mode}-{slug_base}"
            if slug in used_ids:
                slug = f"{slug}-{main['tags']['@id'].split('/')[1]}"
            used_ids.add(slug)
            merged = [n["tags"]["@id"] for n in cluster]
            kind = "station node" if main["station"] else "stop_position node"
            features.append({
                "geometry": main["point"],
                "properties": {
                    "id": slug, "osm_id": main["tags"]["@id"], "name": name, "name_en": name_en or "",
                    "mode": mode, "lines": ";".join(refs) if refs else ("rail" if mode == "rail" else ""),
                    "in_district": bool(shapely.contains(boundary, main["point"])),
                    "osm_nodes": ";".join(merged),
                    "source": TRANSIT_SOURCE + f"; {OSM_ATTRIBUTION}",
                    "method": (f"OSM {kind} position; {len(cluster)} OSM node(s) of the same station merged; "
                               f"lines = routes whose track passes within {STATION_LINE_RADIUS_M:.0f} m of a merged node"),
                    "accuracy_m": STATION_ACCURACY_M, "schematic": False,
                },
            })
    features.sort(key=lambda f: (f["properties"]["mode"], f["properties"]["id"]))
    return features


def main() -> None:
    write_geojson(PLAN_DATA / "coastline.geojson", build_coastline())
    routes = _routes()
    write_geojson(PLAN_DATA / "transit-lines.geojson", build_transit_lines(routes))
    stations = build_transit_stations(routes)
    write_geojson(PLAN_DATA / "transit-stations.geojson", stations)
    inside = [s["properties"]["name"] for s in stations if s["properties"]["in_district"]]
    print(f"stations in the district ({len(inside)}): {'、'.join(inside)}")


if __name__ == "__main__":
    main()
