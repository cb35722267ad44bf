"""Build the schematic street network of Xigang: ``streets.osm`` (OSM XML) and the named-road anchors.

Run ``python -m data.build_streets`` (after ``data.build_context``). No surveyed street geometry exists for
Xigang, so this lays out the best honest approximation in UTM 51N metres:

1. Named main roads, each anchored on real data where possible: tram 201 tracks (长江路), metro Line 2 under
   中山路, station positions, the district boundary (不老街/大同街 on the Shahekou border), the GSHHG coast
   (滨海路), and the place facts (``../shared/data/facts/xigang_places.md``) for the rest.
2. A generic grid of unnamed residential streets (~160 m spacing) clipped to land (GSHHG land, plus the
   district polygon for reclaimed land on the north shore), kept out of the 白云山/森林动物园 mountain parks
   (which get a few footways) and not crossing the railway corridor except on named roads.
3. Everything is noded, checked for connectivity and written as OSM XML with provenance tags on every way.

The named centre lines are also written to ``data/anchors/named_roads.geojson`` for the plan layers.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from xml.sax.saxutils import quoteattr

import networkx as nx
import numpy as np
import shapely
import shapely.ops
from shapely.geometry import LineString, Point, Polygon

from data.xigang_common import (
    ANCHORS,
    MAP_AREA,
    PLAN_DATA,
    RAW,
    ROOT,
    boundary_wgs84,
    map_area_box,
    to_metric,
    to_wgs84,
)

SOURCE = "planmap-schematic"
FACTS_REF = "../shared/data/facts/xigang_places.md"
#: margin around the district covered by the network
MARGIN_M = 800.0
GRID_SPACING_M = 160.0
GRID_ACCURACY_M = 150.0
#: how far beyond the (pre-reclamation) GSHHG shore the port service grid reaches
RECLAIMED_REACH_M = 600.0

#: typical carriageway widths by class, used only as labelled estimates (``width_est_m``) for the plan layers
WIDTH_ESTIMATE_M = {"primary": 30.0, "secondary": 20.0, "tertiary": 14.0, "residential": 8.0,
                    "living_street": 5.0, "footway": 3.0, "service": 6.0, "pedestrian": 6.0}
LANES = {"primary": "6", "secondary": "4", "tertiary": "2", "residential": "2", "service": "1",
         "living_street": "1"}


@dataclass
class Road:
    """A named road centre line in UTM 51N metres with its tags and provenance."""

    slug: str
    name: str
    name_en: str
    highway: str
    coords: list[tuple[float, float]] | None
    accuracy_m: float
    method: str
    width_m: float | None = None
    lanes: str | None = None
    geometry: LineString | None = None
    extra: dict[str, str] = field(default_factory=dict)

    def line(self) -> LineString:
        return self.geometry if self.geometry is not None else LineString(self.coords)


# --------------------------------------------------------------------------------------------- real anchors
def _route(line: str) -> shapely.Geometry:
    raw = json.loads((RAW / "dalian_transit_osm" / "routes.json").read_text(encoding="utf-8"))
    for feature in raw["features"]:
        if feature["properties"]["line"] == line:
            return to_metric(shapely.geometry.shape(feature["geometry"]))
    raise KeyError(line)


def _longest_between(geom: shapely.Geometry, x_min: float, x_max: float) -> LineString:
    """The longest merged piece of a (multi)line inside the vertical strip x_min..x_max."""
    strip = shapely.box(x_min, -1e9, x_max, 1e9)
    merged = shapely.line_merge(shapely.intersection(geom, strip))
    parts = [g for g in getattr(merged, "geoms", [merged]) if g.geom_type == "LineString"]
    return max(parts, key=lambda g: g.length)


def _tram_street() -> LineString:
    """One track of tram 201 between 兴工街 and 胜利桥: the centre line of the street it runs on."""
    tram = _route("Tram201")
    part = max(tram.geoms, key=lambda g: shapely.intersection(g, shapely.box(377500, 0, 381300, 1e8)).length)
    # the westbound track (part 6 in routes.json) covers 兴工街 → 大连火车站 in one piece
    piece = shapely.intersection(part, shapely.box(377300, 4308300, 381300, 4308900))
    piece = shapely.line_merge(piece)
    if piece.geom_type != "LineString":
        piece = max(piece.geoms, key=lambda g: g.length)
    return shapely.simplify(piece, 8)


def _oriented_west_to_east(line: LineString) -> LineString:
    xs = shapely.get_coordinates(line)[:, 0]
    return line if xs[0] <= xs[-1] else line.reverse()


def _substring_x(line: LineString, x_from: float, x_to: float) -> LineString:
    """Part of a west→east line between two eastings."""
    line = _oriented_west_to_east(line)
    start = line.project(_nearest_on_x(line, x_from))
    end = line.project(_nearest_on_x(line, x_to))
    return shapely.ops.substring(line, min(start, end), max(start, end))


def _nearest_on_x(line: LineString, x: float) -> Point:
    cut = shapely.intersection(line, LineString([(x, -1e9), (x, 1e9)]))
    if cut.is_empty:
        ends = shapely.get_coordinates(line)
        return Point(ends[np.argmin(np.abs(ends[:, 0] - x))])
    pts = shapely.get_coordinates(cut)
    return Point(pts[0])


def _boundary_between(boundary: Polygon, a: tuple[float, float], b: tuple[float, float]) -> LineString:
    """The shorter stretch of the district outline between the outline points nearest to a and b."""
    ring = LineString(boundary.exterior.coords)
    da, db = ring.project(Point(a)), ring.project(Point(b))
    lo, hi = sorted((da, db))
    inner = shapely.ops.substring(ring, lo, hi)
    if inner.length > ring.length / 2:
        inner = shapely.ops.substring(ring, hi, ring.length).union(shapely.ops.substring(ring, 0, lo))
        inner = shapely.line_merge(inner)
    return shapely.simplify(inner, 10)


def _coast_road(offset_m: float = 150.0) -> LineString:
    """滨海路: the southern GSHHG shore line moved inland and smoothed."""
    coast = json.loads((PLAN_DATA / "coastline.geojson").read_text(encoding="utf-8"))
    lines = [to_metric(shapely.geometry.shape(f["geometry"])) for f in coast["features"]]
    south = shapely.intersection(shapely.union_all(lines), shapely.box(377300, 4301500, 382700, 4304600))
    south = shapely.line_merge(south)
    if south.geom_type != "LineString":
        south = max(south.geoms, key=lambda g: g.length)
    south = _oriented_west_to_east(shapely.simplify(south, 120))
    # land lies north of the southern shore: offset to the left of a west→east line
    road = south.offset_curve(offset_m, join_style="round")
    road = shapely.simplify(road, 40)
    return _oriented_west_to_east(road)


# --------------------------------------------------------------------------------------------- named roads
def named_roads() -> list[Road]:
    """The named main roads of Xigang and its margin (UTM 51N coordinates)."""
    boundary = to_metric(boundary_wgs84())
    line2 = _route("Line2")
    tram = _oriented_west_to_east(_tram_street())
    zhongshan = _oriented_west_to_east(shapely.simplify(_longest_between(line2, 377100, 380890), 10))
    # Line 2 east of 青泥洼桥 towards 友好广场 / 中山广场
    zhongshan_east = LineString([(380890, 4308330), (380940, 4308450), (381050, 4308519), (381498, 4308672),
                                 (382004, 4308864)])
    zhongshan = shapely.line_merge(shapely.union(zhongshan, zhongshan_east))
    if zhongshan.geom_type != "LineString":
        zhongshan = max(zhongshan.geoms, key=lambda g: g.length)
    zhongshan = _oriented_west_to_east(zhongshan)
    # 大同街 (north) and 不老街 (south) follow the boundary and meet where 中山路 crosses it
    ring = LineString(boundary.exterior.coords)
    crossings = shapely.get_parts(shapely.intersection(zhongshan, ring))
    meet = min(crossings, key=lambda p: p.distance(Point(378828, 4307652)))
    meet_xy = (meet.x, meet.y)
    datong = _boundary_between(boundary, (378683, 4308957), meet_xy)
    # 长江路 begins where the tram street crosses 大同街, so the two tram-street ways meet at a real junction
    split_x = float(shapely.get_coordinates(shapely.intersection(tram, datong))[0, 0])
    changjiang = _substring_x(tram, split_x, 381274)
    # on to 胜利桥 along the tram (stop 胜利桥), where 上海路 and the bridge meet it
    changjiang = LineString([*changjiang.coords, (381493, 4309214), (381655, 4309400)])
    tram_west = _substring_x(tram, 377300, split_x)
    coast_road = _coast_road()

    circus = (379720.0, float(_nearest_on_x(zhongshan, 379720).y))  # 中山路 × 长春路 × 北京街
    tram_y = lambda x: float(_nearest_on_x(changjiang, x).y)  # noqa: E731
    zs_y = lambda x: float(_nearest_on_x(zhongshan, x).y)  # noqa: E731

    tram_m = "centre line = OSM track of tram 201 (the tram runs in the street)"
    facts = f"placed from the place facts ({FACTS_REF})"
    roads = [
        Road("zhongshan-lu", "中山路", "Zhongshan Road", "primary", None, 50.0,
             "centre line = OSM track of metro Line 2, which runs under 中山路 (人民广场, 一二九街, 青泥洼桥 stations); "
             + facts + " §11", geometry=zhongshan),
        Road("changjiang-lu", "长江路", "Changjiang Road", "secondary", None, 50.0,
             tram_m + "; 长江路 = north bound of the 东关街 block and the street of 大连站 (长江路259号), §5 §21",
             geometry=changjiang),
        Road("tram-street-west", "", "", "secondary", None, 50.0,
             tram_m + "; street name not known (Shahekou side, 大同街 → 兴工街)", geometry=tram_west),
        Road("changchun-lu", "长春路", "Changchun Road", "secondary",
             [(379700, 4309650), (379745, 4309000), (379791, tram_y(379791)), (379775, 4308340), circus,
              (379760, 4307250), (379844, 4306403), (380150, 4305980)],
             120.0, "N–S from the north shore to 八一路: through the BD-09 points 中央复兴里 (长江路×长春路) and "
             "亿达天琴山 (长春路南段) converted to WGS84, crossing 中山路 and 五四路 between 东北路 and 北京街; " + facts + " §3 §14"),
        Road("bayi-lu", "八一路", "Bayi Road", "secondary",
             [(380150, 4305980), (380500, 4305620), (380700, 4305420), (381050, 4305170), (381330, 4304980), (381290, 4304560), (381120, 4304180),
              (380900, 4303600), (380600, 4303150), (380440, 4302800), (380400, 4302520)],
             200.0, "continues 长春路 south-east past the 八一路派出所/社区卫生服务中心 point (BD-09 → WGS84), then along "
             "the district's south-east edge to 滨海路 at 付家庄 (付家庄医院 point); " + facts + " §4 §23"),
        Road("binhai-lu", "滨海路", "Binhai Road", "secondary", None, 200.0,
             "GSHHG southern shore line moved 150 m inland and smoothed (order 莲花山 → 金沙滩 → 森林动物园南门 → 银沙滩 → "
             "付家庄 along 滨海西路, §12); the coastline itself is accurate to ~200 m", geometry=coast_road,
             extra={"alt_name": "滨海西路"}),
        Road("wusi-lu", "五四路", "Wusi Road", "primary",
             [(376950, 4307520), (377900, 4307560), (378300, 4307430), (378991, 4307270), (379760, 4307250),
              (379950, 4307240), (380150, 4307230)],
             150.0, "parallel to 中山路 south of 奥林匹克广场; passes Olympia 66 (BD-09 point); crossing order "
             "西部通道–联合路–东北路–长春路–北京街–高尔基路 from the 2020 resurfacing notices; " + facts + " §14 §19"),
        Road("gaoerji-lu", "高尔基路", "Gorky Road", "tertiary",
             [(380150, 4307230), (380600, 4307300), (381100, 4307400), (381500, 4307480)],
             200.0, "east continuation of 五四路, south of 人民广场; " + facts + " §6 §14"),
        Road("fengming-jie", "凤鸣街", "Fengming Street", "living_street",
             [(379750, 4307050), (380350, 4307090), (380950, 4307020)], 200.0,
             "1.2 km long, under 4 m wide (another source: ~6 m), in the 高尔基路 corridor of 1920s–40s houses; "
             "position schematic (parallel to 高尔基路); " + facts + " §6", width_m=4.0, lanes="1"),
        Road("beijing-jie", "北京街", "Beijing Street", "secondary",
             [(379200, 4309150), (379313, tram_y(379313)), (379450, 4308080), circus, (379950, 4307240)],
             120.0, "through the tram 201 stop 北京街 (OSM) and the district government (北京街77号, BD-09 point of 大连市政府), "
             "meeting 五四路 between 长春路 and 高尔基路; " + facts + " §1 §14 §16"),
        Road("xinkai-lu", "新开路", "Xinkai Road", "tertiary",
             [(379395, 4308340), (379775, 4308345), (379990, 4308335)], 200.0,
             "through the BD-09 points 北京公园 (新开路610号) and 润德广场, east of 北京街; " + facts + " §15"),
        Road("dongguan-jie", "东关街", "Dongguan Street", "tertiary",
             [(380153, tram_y(380153)), (380160, 4308330)], 120.0,
             "from the tram 201 stop 东关街 (OSM) on 长江路 south to 庆胜街, the centre of the 东关街 historic block "
             "(N 长江路, S 庆胜街, W 繁荣街, E 顺利街); " + facts + " §5"),
        Road("fanrong-jie", "繁荣街", "Fanrong Street", "residential",
             [(379990, tram_y(379990)), (379990, 4308335)], 200.0, "west bound of the 东关街 block; " + facts + " §5"),
        Road("shunli-jie", "顺利街", "Shunli Street", "residential",
             [(380330, tram_y(380330)), (380330, 4308325)], 200.0, "east bound of the 东关街 block; " + facts + " §5"),
        Road("qingsheng-jie", "庆胜街", "Qingsheng Street", "residential",
             [(379990, 4308335), (380160, 4308330), (380330, 4308325)], 200.0,
             "south bound of the 东关街 block; " + facts + " §5"),
        Road("yierjiu-jie", "一二九街", "Yi'erjiu Street", "tertiary",
             [(380160, 4308330), (380166, zs_y(380166)), (380150, 4307230)], 100.0,
             "through the OSM station 一二九街 (Line 2, under 中山路), south to 五四路/高尔基路; " + facts + " §17"),
        Road("lianhe-lu", "联合路", "Lianhe Road", "secondary",
             [(377800, 4308950), (377872, zs_y(377872)), (377900, 4307560), (377950, 4307000)], 120.0,
             "through the OSM station 联合路 (Line 2), crossing 五四路; " + facts + " §14"),
        Road("dongbei-lu", "东北路", "Dongbei Road", "secondary",
             [(378420, 4309760), (378300, 4309200), (378250, 4308700), (378250, 4308215), (378300, 4307430),
              (378380, 4306650)], 150.0,
             "through the BD-09 point 民权街×东北路, crossing 五四路 between 联合路 and 长春路; " + facts + " §18; "
             "north end over the railway to the OSM station 香炉礁 (assumed: the 香炉礁 interchange)"),
        Road("datong-jie", "大同街", "Datong Street", "tertiary", None, 100.0,
             "along the district boundary (大同街 is a Xigang/Shahekou boundary street) through the tram 201 stop 大同街; "
             + facts + " §1 §10",
             geometry=datong),
        Road("bulao-jie", "不老街", "Bulao Street", "tertiary", None, 100.0,
             "along the district boundary with Shahekou (「东以不老街为界」) south of 中山路; " + facts + " §1",
             geometry=_boundary_between(boundary, meet_xy, (378480, 4306625))),
        Road("nanshidao-jie", "南石道街", "Nanshidao Street", "tertiary",
             [(378500, 4305760), (379000, 4305850), (379500, 4305960), (380150, 4305980)], 250.0,
             "north edge of the 森林动物园/白云山 parks (zoo address 南石道街), bus stops 森林动物园–行政服务中心–石道街; "
             + facts + " §24"),
        Road("shengli-qiao", "胜利桥", "Victory Bridge", "secondary",
             [(381655, 4309400), (381700, 4309503)], 200.0,
             "bridge 108.6 m long, 16.4 m wide (" + facts + " §7); which street it carries is not in the facts: "
             "drawn at the OSM tram 201 stop 胜利桥, where 长江路 and 上海路 meet, leading to 团结街",
             width_m=16.4, extra={"bridge": "yes"}),
        Road("tuanjie-jie", "团结街", "Tuanjie Street (Russian Street)", "pedestrian",
             [(381700, 4309503), (381560, 4309720), (381430, 4309930)], 150.0,
             "俄罗斯风情街: north-west of 胜利桥 (OSM tram stop), ending at a small square, <1 km north of 中山广场; "
             + facts + " §7", extra={"alt_name": "俄罗斯风情街"}),
        Road("shengli-lu", "胜利路", "Shengli Road", "tertiary",
             [(381700, 4309503), (381773, 4309651), (382383, 4309888)], 250.0,
             "from the north end of 胜利桥 north-east (Russian Street is at 上海路×胜利路); " + facts + " §9"),
        Road("shanghai-lu", "上海路", "Shanghai Road", "secondary",
             [(382004, zs_y(382004)), (381820, 4309100), (381655, 4309400)], 150.0,
             "from 中山广场 (OSM station) to 胜利桥; " + facts + " §7"),
    ]
    return roads


def write_anchors(roads: list[Road]) -> None:
    features = []
    for road in roads:
        if not road.name:
            continue
        line = to_wgs84(road.line())
        features.append({
            "type": "Feature",
            "properties": {
                "id": road.slug, "name": road.name, "name_en": road.name_en, "highway": road.highway,
                "lanes": road.lanes or LANES.get(road.highway), "width_m": road.width_m,
                "width_est_m": road.width_m or WIDTH_ESTIMATE_M.get(road.highway),
                "length_m": round(road.line().length, 1),
                "source": SOURCE, "method": road.method, "accuracy_m": road.accuracy_m, "schematic": True,
            },
            "geometry": shapely.geometry.mapping(line),
        })
    ANCHORS.mkdir(parents=True, exist_ok=True)
    path = ANCHORS / "named_roads.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}, ensure_ascii=False,
                               indent=None, separators=(",", ":")), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(features)} named roads")


# --------------------------------------------------------------------------------------------- areas
#: the 白云山 / 森林动物园 / 莲花山 mountain parks (schematic outline, UTM 51N): no grid streets, a few footways
MOUNTAIN_PARKS = Polygon([(378150, 4303350), (378200, 4305450), (378700, 4305650), (379300, 4305740),
                          (379900, 4305720), (380250, 4305350), (380350, 4304700), (380150, 4303900),
                          (379850, 4303150), (379300, 4302950), (378700, 4303100)])
#: 大连站 station building and track throat (from the OSM metro/tram stations around it)
STATION_YARD = Polygon([(380650, 4308900), (380850, 4308880), (381200, 4309250), (380900, 4309420),
                        (380500, 4309420), (380500, 4309250)])
#: the main line railway into 大连站 runs beside metro Line 3 (OSM) from the station to 香炉礁
RAIL_CORRIDOR_X = (378300.0, 380900.0)

#: footways through the mountain parks: zoo gate → cableway stations (OSM) → south gate → 滨海路
PARK_PATHS = [
    ("白云山步道", "Baiyunshan path", [(379000, 4305850), (378777, 4304807), (378851, 4304248),
                                       (378933, 4303620), (379000, 4303300)]),
    ("白云山步道", "Baiyunshan path", [(378777, 4304807), (379400, 4304600), (380000, 4304800),
                                       (380330, 4304900), (380700, 4304950)]),
    ("莲花山步道", "Lianhuashan path", [(378851, 4304248), (378300, 4304000), (378150, 4303700)]),
]


def _mainland() -> shapely.Geometry:
    """The GSHHG mainland face (between the north and the south shore) inside the map area, UTM metres."""
    coast = json.loads((PLAN_DATA / "coastline.geojson").read_text(encoding="utf-8"))
    lines = [shapely.geometry.shape(f["geometry"]) for f in coast["features"]]
    # polygonize in lon/lat, where the clipped shore lines end exactly on the map-area frame
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(
        shapely.union_all([*lines, map_area_box().boundary]))))
    centre = to_wgs84(Point(379084, 4307712))  # 人民广场 station
    face = next(f for f in faces if f.contains(centre))
    return to_metric(shapely.segmentize(face, 0.0005))


def _land() -> shapely.Geometry:
    """Mainland (GSHHG) plus the district polygon, which holds the reclaimed north-shore land GSHHG predates."""
    return shapely.union(_mainland(), to_metric(boundary_wgs84()))


def _rail_barrier() -> shapely.Geometry:
    line3 = _route("Line3")
    strip = shapely.box(RAIL_CORRIDOR_X[0], 4309300, RAIL_CORRIDOR_X[1], 4309900)
    return shapely.union(shapely.intersection(line3, strip).buffer(20), STATION_YARD)


# --------------------------------------------------------------------------------------------- grid
def grid_lines(area: shapely.Geometry, spacing: float, avoid: shapely.Geometry,
               named: shapely.Geometry) -> list[tuple[LineString, int]]:
    """Axis-aligned grid lines clipped to ``area`` minus ``avoid``; drops pieces running along a named road.

    Returns (piece, index of the grid line) pairs; the index alternates lanes between 1 and 2.
    """
    x0, y0, x1, y1 = area.bounds
    allowed = shapely.difference(area, avoid)
    pieces: list[tuple[LineString, int]] = []
    lines = [LineString([(x, y0), (x, y1)]) for x in np.arange(x0 + spacing / 2, x1, spacing)]
    lines += [LineString([(x0, y), (x1, y)]) for y in np.arange(y0 + spacing / 2, y1, spacing)]
    near_named = named.buffer(45)
    for index, line in enumerate(lines):
        clipped = shapely.intersection(line, allowed)
        for part in shapely.get_parts(shapely.line_merge(clipped) if not clipped.is_empty else clipped):
            if part.geom_type != "LineString":
                continue
            # cut out stretches that would run on top of a named road (parallel and within 45 m)
            outside = shapely.difference(part, near_named)
            inside = shapely.intersection(part, near_named)
            keep = [part]
            if inside.length > 60:
                keep = [p for p in shapely.get_parts(outside) if p.geom_type == "LineString" and not p.is_empty]
                # reconnect cut ends to the named road they stopped at
                keep = [_extend_to(p, named, 50) for p in keep]
            for piece in keep:
                if piece.length >= 40:
                    pieces.append((piece, index))
    return pieces


def _extend_to(piece: LineString, target: shapely.Geometry, reach: float) -> LineString:
    coords = [tuple(c) for c in piece.coords]
    for end in (0, -1):
        pt = Point(coords[end])
        if pt.distance(target) <= reach:
            hit = shapely.ops.nearest_points(pt, target)[1]
            if hit.distance(pt) > 0.5:
                if end == 0:
                    coords.insert(0, (hit.x, hit.y))
                else:
                    coords.append((hit.x, hit.y))
    return LineString(coords)


# --------------------------------------------------------------------------------------------- noding
@dataclass
class Way:
    line: LineString
    tags: dict[str, str]


def node_ways(ways: list[Way]) -> tuple[dict[tuple[float, float], int], list[list[int]]]:
    """Insert every crossing as a shared vertex; return node ids by coordinate and each way's node list."""
    lines = [w.line for w in ways]
    tree = shapely.STRtree(lines)
    extra: list[list[tuple[float, float]]] = [[] for _ in ways]
    left, right = tree.query(lines, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        hit = shapely.intersection(lines[i], lines[j])
        for pt in shapely.get_coordinates(hit):
            key = (round(float(pt[0]), 2), round(float(pt[1]), 2))
            extra[i].append(key)
            extra[j].append(key)
    node_ids: dict[tuple[float, float], int] = {}
    way_nodes: list[list[int]] = []
    for way, points in zip(ways, extra, strict=True):
        coords = [(round(float(x), 2), round(float(y), 2)) for x, y in way.line.coords]
        positions = [(way.line.project(Point(c)), c) for c in coords]
        positions += [(way.line.project(Point(p)), p) for p in points]
        positions.sort(key=lambda item: item[0])
        ids: list[int] = []
        for _, coord in positions:
            node = node_ids.setdefault(coord, len(node_ids) + 1)
            if not ids or ids[-1] != node:
                ids.append(node)
        way_nodes.append(ids)
    return node_ids, way_nodes


def _merge_key(way: Way) -> tuple[str | None, ...]:
    return tuple(way.tags.get(k) for k in ("planmap:accuracy_m", "name", "highway", "planmap:method"))


def end_to_end_conflicts(ways: list[Way], way_nodes: list[list[int]]) -> list[tuple[int, int]]:
    """Pairs of ways that meet end to end at a node no other way touches, with different tags.

    osmnx merges such edges when it simplifies the graph: it would join their tags (``"150;50"``) or let a
    street's name spread over an unnamed grid piece.
    """
    touching: dict[int, list[int]] = {}
    for index, ids in enumerate(way_nodes):
        for node in set(ids):
            touching.setdefault(node, []).append(index)
    conflicts = []
    for index, ids in enumerate(way_nodes):
        for end in (ids[0], ids[-1]):
            others = [j for j in touching[end] if j != index]
            if len(others) != 1:
                continue
            other = others[0]
            if end not in (way_nodes[other][0], way_nodes[other][-1]):
                continue
            if _merge_key(ways[index]) != _merge_key(ways[other]):
                conflicts.append((index, other))
    return conflicts


def resolve_conflicts(ways: list[Way]) -> tuple[list[Way], dict[tuple[float, float], int], list[list[int]]]:
    """Drop grid ways that would merge end to end with a differently-tagged way; named ones must not."""
    while True:
        node_ids, way_nodes = node_ways(ways)
        conflicts = end_to_end_conflicts(ways, way_nodes)
        if not conflicts:
            return ways, node_ids, way_nodes
        drop = set()
        for a, b in conflicts:
            grid = [i for i in (a, b) if not ways[i].tags.get("name")]
            if not grid:
                raise ValueError(f"named roads {ways[a].tags['name']} and {ways[b].tags['name']} meet end to end")
            drop.add(grid[0])
        ways = [w for i, w in enumerate(ways) if i not in drop]


def largest_component(way_nodes: list[list[int]]) -> set[int]:
    graph = nx.Graph()
    for ids in way_nodes:
        graph.add_edges_from(zip(ids[:-1], ids[1:], strict=True))
    return max(nx.connected_components(graph), key=len)


# --------------------------------------------------------------------------------------------- writing
def write_osm(path, node_ids: dict[tuple[float, float], int], ways: list[Way], way_nodes: list[list[int]],
              keep: set[int]) -> dict[str, Any]:
    coords = np.array(list(node_ids.keys()))
    lonlat = shapely.get_coordinates(to_wgs84(shapely.points(coords)))
    used = {n for ids in way_nodes for n in ids if n in keep}
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<osm version="0.6" generator="planmap data/build_streets.py (schematic, not surveyed)">',
             f'  <bounds minlat="{MAP_AREA[1]}" minlon="{MAP_AREA[0]}" maxlat="{MAP_AREA[3]}" maxlon="{MAP_AREA[2]}"/>']
    for (node, (lon, lat)) in zip(node_ids.values(), lonlat, strict=True):
        if node in used:
            lines.append(f'  <node id="{node}" version="1" lat="{lat:.7f}" lon="{lon:.7f}"/>')
    count = 0
    for way_id, (way, ids) in enumerate(zip(ways, way_nodes, strict=True), start=1):
        if not ids or ids[0] not in keep or len(ids) < 2:
            continue
        count += 1
        lines.append(f'  <way id="{way_id}" version="1">')
        lines += [f'    <nd ref="{n}"/>' for n in ids]
        lines += [f"    <tag k={quoteattr(k)} v={quoteattr(str(v))}/>" for k, v in way.tags.items() if v not in (None, "")]
        lines.append("  </way>")
    lines.append("</osm>")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return {"nodes": len(used), "ways": count, "bytes": path.stat().st_size}


def build_network(roads: list[Road]) -> list[Way]:
    district = to_metric(boundary_wgs84())
    area = shapely.intersection(shapely.intersection(district.buffer(MARGIN_M), _land()),
                                to_metric(shapely.segmentize(map_area_box(), 0.0005)).buffer(-5))
    named_lines = [r.line() for r in roads]
    named = shapely.union_all(named_lines)
    barrier = _rail_barrier()
    ways: list[Way] = []
    for road in roads:
        line = shapely.intersection(road.line(), area.buffer(60))
        for part in shapely.get_parts(shapely.line_merge(line) if not line.is_empty else line):
            if part.geom_type != "LineString" or part.length < 5:
                continue
            tags = {"highway": road.highway, "name": road.name, "name:en": road.name_en,
                    "lanes": road.lanes or LANES.get(road.highway, ""),
                    "width": f"{road.width_m:g}" if road.width_m else "",
                    "source": SOURCE, "planmap:method": road.method,
                    "planmap:accuracy_m": f"{road.accuracy_m:g}", "planmap:id": road.slug, **road.extra}
            ways.append(Way(part, tags))
    # the port and reclaimed land north of the GSHHG shore: sparse service roads only
    mainland = _mainland()
    # reclaimed land: the district north of the GSHHG shore, near the old shore (further out: harbour basins)
    reclaimed = shapely.intersection(shapely.difference(area, mainland), mainland.buffer(RECLAIMED_REACH_M))
    avoid = shapely.union_all([MOUNTAIN_PARKS, barrier])
    grid_method = (f"schematic grid: unnamed streets at {GRID_SPACING_M:.0f} m spacing clipped to land (GSHHG), "
                   "kept out of the 白云山/森林动物园 parks and the railway corridor; not surveyed: stands in for "
                   "the real local streets so that walking distances are about right; lanes assumed")
    port_method = (f"schematic grid: service roads at {2 * GRID_SPACING_M:.0f} m spacing on the reclaimed north "
                   "shore (district polygon up to 600 m beyond the GSHHG line, which predates reclamation; "
                   "may cross harbour water); not surveyed")
    for piece, index in grid_lines(area, GRID_SPACING_M, avoid, named):
        # one class per piece (splitting at the old shore would join two differently-tagged ways end to end)
        on_reclaimed = shapely.intersection(piece, reclaimed).length > piece.length / 2
        if not on_reclaimed:
            ways.append(Way(piece, {"highway": "residential", "lanes": "2" if index % 2 == 0 else "1",
                                    "source": SOURCE, "planmap:method": grid_method,
                                    "planmap:accuracy_m": f"{GRID_ACCURACY_M:g}"}))
        elif index % 2 == 0:  # half the density on the port and reclaimed land
            ways.append(Way(piece, {"highway": "service", "source": SOURCE, "planmap:method": port_method,
                                    "planmap:accuracy_m": "250"}))
    for name, name_en, coords in PARK_PATHS:
        ways.append(Way(LineString(coords), {
            "highway": "footway", "name": name, "name:en": name_en, "source": SOURCE,
            "planmap:method": "footway through the mountain park linking the zoo gate, the OSM cableway stations "
                              "and 滨海路; schematic route, real paths wind up the hill",
            "planmap:accuracy_m": "250"}))
    return ways


def main() -> None:
    roads = named_roads()
    write_anchors(roads)
    ways, node_ids, way_nodes = resolve_conflicts(build_network(roads))
    keep = largest_component(way_nodes)
    stats = write_osm(PLAN_DATA / "streets.osm", node_ids, ways, way_nodes, keep)
    print(f"wrote streets.osm: {stats}")


if __name__ == "__main__":
    main()
