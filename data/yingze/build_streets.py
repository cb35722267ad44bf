"""Build Yingze's schematic street network ``streets.osm`` (OSM XML) and ``anchors/named_roads.geojson``.

    python -m data.yingze.build_streets      # after build_context

The named roads of :mod:`data.yingze.roads`, a 160 m grid of unnamed local streets in the built-up west of
the district (and 800 m around it) and a sparse 480 m grid of tracks over the eastern hills (郝庄镇). Noding,
conflict resolution and the component filter are Xigang's (:mod:`data.build_streets`), shared. Every way
carries ``source``, ``planmap:method`` and ``planmap:accuracy_m``; a real OSM extract can replace the file.
"""

from __future__ import annotations

import json
from xml.sax.saxutils import quoteattr

import numpy as np
import shapely
from shapely.geometry import LineString, Point

from data.build_streets import LANES, Road, Way, grid_lines, largest_component, resolve_conflicts
from data.yingze.common import (
    ANCHORS,
    MAP_AREA,
    PLAN_DATA,
    boundary_metric,
    to_metric,
    to_wgs84,
)
from data.yingze.roads import named_roads

SOURCE = "planmap-schematic"
MARGIN_M = 800.0
GRID_SPACING_M = 160.0
GRID_ACCURACY_M = 150.0
HILL_SPACING_M = 480.0
HILL_ACCURACY_M = 400.0
#: the built-up west of the district (建成区 22 km², facts §1): west of 112.615 E
URBAN = (112.5, 37.79, 112.615, 37.90)
#: assumed 太原站 rail yard: no street crosses it except the station passage
STATION_YARD = ((112.5790, 37.8520), (112.5832, 37.8680))
WIDTH_CLASS_M = {"primary": 40.0, "secondary": 24.0, "tertiary": 12.0, "pedestrian": 10.0, "footway": 4.0}


def _area_metric(box: tuple[float, float, float, float]) -> shapely.Geometry:
    return to_metric(shapely.segmentize(shapely.box(*box), 0.0005))


def _close_t_junctions(roads: list[Road], reach: float = 3.0) -> None:
    """Extend a named road's end that stops within ``reach`` of another named road by 1 m past it.

    An end placed "on" a road by arithmetic is a few nanometres off it in floating point, so the two would
    not share a node and the walk network would not join them (a T junction must be a true crossing).
    """
    for road in roads:
        line = road.line()
        coords = [tuple(c) for c in line.coords]
        others = shapely.union_all([r.line() for r in roads if r is not road])
        for end, inner in ((0, 1), (-1, -2)):
            tip = Point(coords[end])
            gap = tip.distance(others)
            if 0 < gap < reach and not tip.intersects(others):
                (x0, y0), (x1, y1) = coords[inner], coords[end]
                length = ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5
                grow = (gap + 1.0) / length
                coords[end] = (x1 + (x1 - x0) * grow, y1 + (y1 - y0) * grow)
        road.geometry, road.coords = LineString(coords), None


def build_network(roads: list[Road]) -> list[Way]:
    district = boundary_metric()
    whole = shapely.intersection(district.buffer(MARGIN_M), _area_metric(MAP_AREA).buffer(-5))
    urban = shapely.intersection(whole, _area_metric(URBAN))
    hills = shapely.difference(district, _area_metric(URBAN))
    yard = to_metric(shapely.box(*STATION_YARD[0], *STATION_YARD[1]))
    named = shapely.union_all([r.line() for r in roads])
    ways: list[Way] = []
    for road in roads:
        clipped = shapely.intersection(road.line(), whole.buffer(60))
        for part in shapely.get_parts(shapely.line_merge(clipped) if not clipped.is_empty else clipped):
            if part.geom_type != "LineString" or part.length < 5:
                continue
            tags = {"highway": road.highway, "name": road.name, "name:en": road.name_en,
                    "lanes": road.lanes or LANES.get(road.highway, ""),
                    "width": f"{road.width_m:g}" if road.width_m else "",
                    "source": SOURCE, "planmap:method": road.method,
                    "planmap:accuracy_m": f"{road.accuracy_m:g}", "planmap:id": road.slug}
            ways.append(Way(part, tags))
    grid_method = (f"schematic grid: unnamed local streets at {GRID_SPACING_M:.0f} m spacing over the built-up "
                   "west of the district and 800 m around it, kept out of the assumed 太原站 rail yard; not "
                   "surveyed: stands in for the real local streets so that walking distances are about right")
    for piece, index in grid_lines(urban, GRID_SPACING_M, yard, named):
        ways.append(Way(piece, {"highway": "residential", "lanes": "2" if index % 2 == 0 else "1",
                                "source": SOURCE, "planmap:method": grid_method,
                                "planmap:accuracy_m": f"{GRID_ACCURACY_M:g}"}))
    hill_method = (f"schematic tracks at {HILL_SPACING_M:.0f} m spacing over the eastern hills (郝庄镇), inside "
                   "the district only; real roads follow the valleys: distances here are rough")
    for piece, _ in grid_lines(hills.buffer(HILL_SPACING_M / 2).intersection(district), HILL_SPACING_M, yard, named):
        ways.append(Way(piece, {"highway": "track", "source": SOURCE, "planmap:method": hill_method,
                                "planmap:accuracy_m": f"{HILL_ACCURACY_M:g}"}))
    return ways


def write_osm(path, node_ids, ways: list[Way], way_nodes: list[list[int]], keep: set[int]) -> dict[str, int]:
    coords = np.array(list(node_ids.keys()))
    lonlat = shapely.get_coordinates(to_wgs84(shapely.points(coords)))
    used = {n for ids in way_nodes for n in ids if n in keep}
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<osm version="0.6" generator="planmap data/yingze/build_streets.py (schematic, not surveyed)">',
           f'  <bounds minlat="{MAP_AREA[1]}" minlon="{MAP_AREA[0]}" maxlat="{MAP_AREA[3]}" maxlon="{MAP_AREA[2]}"/>']
    for node, (lon, lat) in zip(node_ids.values(), lonlat, strict=True):
        if node in used:
            out.append(f'  <node id="{node}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    count = 0
    for way_id, (way, ids) in enumerate(zip(ways, way_nodes, strict=True), start=1):
        if len(ids) < 2 or ids[0] not in keep:
            continue
        count += 1
        out.append(f'  <way id="{way_id}" version="1">')
        out += [f'    <nd ref="{n}"/>' for n in ids]
        out += [f"    <tag k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in way.tags.items() if v not in (None, "")]
        out.append("  </way>")
    out.append("</osm>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return {"nodes": len(used), "ways": count, "bytes": path.stat().st_size}


def write_anchors(roads: list[Road]) -> None:
    features = []
    for road in roads:
        geom = to_wgs84(road.line())
        features.append({"type": "Feature", "geometry": shapely.geometry.mapping(geom), "properties": {
            "slug": road.slug, "name": road.name, "name_en": road.name_en, "highway": road.highway,
            "width_m": road.width_m, "width_est_m": WIDTH_CLASS_M.get(road.highway, 8.0),
            "length_m": round(road.line().length, 1), "accuracy_m": road.accuracy_m, "method": road.method}})
    ANCHORS.mkdir(parents=True, exist_ok=True)
    path = ANCHORS / "named_roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False, indent=0),
                    encoding="utf-8")
    print(f"wrote {path}: {len(features)} named roads")


def main() -> None:
    roads = named_roads()
    _close_t_junctions(roads)
    write_anchors(roads)
    ways = build_network(roads)
    ways, node_ids, way_nodes = resolve_conflicts(ways)
    keep = largest_component(way_nodes)
    stats = write_osm(PLAN_DATA / "streets.osm", node_ids, ways, way_nodes, keep)
    print(f"wrote streets.osm: {stats}")


if __name__ == "__main__":
    main()
