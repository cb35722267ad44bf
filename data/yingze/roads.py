"""The named roads of Yingze's schematic street network, each with what its position rests on.

No street data exists for Yingze (SOURCES.md: "Not found for Yingze either: streets ..."). Roads are placed on
the few real anchors (OSM metro tracks and stations, the converted district boundary) and on the place facts
(``../shared/data/facts/yingze_places.md``). Where a road's position is inferred from its ends and its
neighbours, its method and accuracy say so. Coordinates are WGS84 lon/lat; the lines are built in UTM 49N.
"""

from __future__ import annotations

import json

import shapely
import shapely.ops
from shapely.geometry import LineString, Point

from data.build_streets import Road  # the same road record as Xigang's network builder
from data.yingze.common import PLAN_DATA, line, to_metric

#: latitude of the 钟楼街—桥头街—上马街 line (inferred, see 钟楼街 below)
ZHONGLOU_LAT = 37.8658
#: longitudes of the north–south anchors
JIEFANG_LON = 112.5540   # 解放路 on metro Line 2 at this latitude
FOOD_LON = 112.5570      # 食品街 (former 帽儿巷), west edge of the 钟楼街 project
LIUXIANG_LON = 112.5605  # 柳巷 / 柳巷南路: 柳南 station (112.56025) and the 柳巷商圈 point (112.56117)
HAIZI_LON = 112.5665     # 海子边东街: between 儿童公园 and 五一路
WUYI_LON = 112.5680      # 五一路: 五一广场 (112.56791, Wikipedia) lies at its south end
FUDONG = ((112.5540, 37.8707), (112.5790, 37.8716))  # 府东街 along the district's north edge
SHANGMA_EAST_LON = 112.5748  # 上马街's east end: assumed (600 m from 五一路), not found
XINJIAN_LON = 112.5475   # 新建南路: inferred from 老军营's published area (see below)


def fudong_lat(lon: float) -> float:
    """Latitude of 府东街 at ``lon`` (streets that 北起府东街 end on it)."""
    (x0, y0), (x1, y1) = FUDONG
    return y0 + (y1 - y0) * (lon - x0) / (x1 - x0)


def _transit(line_ref: str) -> shapely.Geometry:
    data = json.loads((PLAN_DATA / "transit-lines.geojson").read_text(encoding="utf-8"))
    for feature in data["features"]:
        if feature["properties"]["line"] == line_ref:
            return shapely.geometry.shape(feature["geometry"]).geoms[0]  # one track of the pair
    raise KeyError(line_ref)


def _track_between(line_ref: str, box: tuple[float, float, float, float]) -> LineString:
    """The part of a metro track inside a lon/lat box, as a UTM 49N line."""
    piece = shapely.line_merge(shapely.intersection(_transit(line_ref), shapely.box(*box)))
    parts = sorted(shapely.get_parts(piece), key=lambda g: -g.length)
    return to_metric(shapely.simplify(parts[0], 0.00002))


def named_roads() -> list[Road]:
    z = ZHONGLOU_LAT
    roads = [
        Road("yingze-dajie", "迎泽大街", "Yingze Dajie", "primary", None, 50.0,
             "on the OSM metro Line 1 track, which runs under the avenue: 桃园路, 大南门 (the 迎泽大街×解放路 "
             "crossing, facts §5), 柳南, 五一广场 and 太原站西广场 stations lie along it; from the Fen river "
             "(district boundary) to the 太原站 west square", lanes="8",
             geometry=_track_between("1", (112.5300, 37.850, 112.5759, 37.870))),
        Road("haojiagou-jie", "郝家沟街", "Haojiagou Jie", "secondary", None, 120.0,
             "on metro Line 1 east of 太原站 (郝家沟 station); 文庙街道 is bounded south by 迎泽大街 and 郝家沟街 "
             "(facts §2); from the 太原站 east square; east end assumed just past the line's turn south; the rail "
             "yard between it and 迎泽大街 is crossed by no drawn street (passages not surveyed)",
             geometry=_track_between("1", (112.5837, 37.8595, 112.6015, 37.870))),
        Road("line1-south-road", "", "", "secondary", None, 150.0,
             "road assumed above metro Line 1 south of 郝家沟 (stations 朝阳街, 双塔, 南十方街, 长风东街); "
             "name not found",
             geometry=_track_between("1", (112.590, 37.800, 112.610, 37.8590))),
        Road("jiefang-lu", "解放路", "Jiefang Lu", "primary", None, 80.0,
             "on the OSM metro Line 2 track (大南门 = the 迎泽大街×解放路 crossing, facts §5; stations 开化寺街 and "
             "缉虎营); 钟楼街 西接解放路 and the 柳巷商圈 lies 解放路往东 (facts §4.5, §4.8)", lanes="6",
             geometry=None),
        Road("jiefang-nanlu", "解放南路", "Jiefang Nanlu", "primary", None, 150.0,
             "inferred: the straight continuation of 解放路 south of 迎泽大街 (解放南路一社区 lies south of "
             "迎泽大街, facts §2), drawn on metro Line 2 (体育馆 station); not confirmed", lanes="6",
             geometry=None),
        Road("wuyi-lu", "五一路", "Wuyi Lu", "primary", [(WUYI_LON, 37.8598), (WUYI_LON, 37.8760)], 100.0,
             "五一广场 lies at 五一路's south end (zh-wiki, 112.56791 E); straight north to beyond 府东街; "
             "五一路 is the 柳巷/文庙 subdistrict border (facts §2)", lanes="6"),
        Road("fudong-jie", "府东街", "Fudong Jie", "secondary", list(FUDONG), 100.0,
             "along the district's north edge, which 府东街 follows here (文庙街道 is bounded north by 府东街; "
             "食品街 starts at 府东街; facts §2, §4.4); ends at 解放路 and past 五一路"),
        Road("liuxiang", "柳巷", "Liuxiang", "tertiary", [(LIUXIANG_LON, z), (LIUXIANG_LON, fudong_lat(LIUXIANG_LON))], 80.0,
             "柳巷 proper runs north from the 钟楼街/桥头街 crossing to 府东街 (facts §4.8); longitude from the "
             "柳南 station and the low-confidence 柳巷商圈 point", width_m=20.0),
        Road("liuxiang-nanlu", "柳巷南路", "Liuxiang Nanlu", "tertiary", [(LIUXIANG_LON, 37.8594), (LIUXIANG_LON, z)],
             80.0, "柳巷南路 (1956) runs from 柳巷南口 south to 迎泽大街 at the 柳南 metro station (facts §4.8)"),
        Road("zhonglou-jie", "钟楼街", "Zhonglou Jie", "pedestrian", [(JIEFANG_LON, z), (LIUXIANG_LON, z)], 150.0,
             "ends from the facts (东临桥头街, 西接解放路: 解放路 to the 柳巷 crossing, facts §4.5); latitude "
             "inferred: midway between 迎泽大街 and 府东街, north of 开化寺街 (Line 2 station) and near the "
             "柳巷商圈 point; no published coordinate", width_m=13.0),
        Road("qiaotou-jie", "桥头街", "Qiaotou Jie", "tertiary", [(LIUXIANG_LON, z), (WUYI_LON, z)], 150.0,
             "the eastward continuation of 钟楼街 across 柳巷 (一字连通, facts §4.6); east end at 五一路 is an "
             "inference from two sources (car park 五一路以西、桥头街以北; 铜锣湾 from 柳巷 to 五一路)"),
        Road("shangma-jie", "上马街", "Shangma Jie", "tertiary", [(WUYI_LON, z), (SHANGMA_EAST_LON, z)], 200.0,
             "entered from 五一路 after 钟楼街 and 桥头街 (facts §4.7): drawn as their continuation east of 五一路 "
             "(inference); the east end is not published: 600 m assumed"),
        Road("shipin-jie", "食品街", "Shipin Jie (Food Street)", "pedestrian", [(FOOD_LON, fudong_lat(FOOD_LON)), (FOOD_LON, z)],
             150.0, "北起府东街，南至钟楼街, 10 m wide (facts §4.4, several sources); former 帽儿巷, the west edge of "
             "the 钟楼街 project (facts §4.5): longitude inferred between 解放路 and 柳巷", width_m=10.0),
        Road("kaihuasi-jie", "开化寺街", "Kaihuasi Jie", "tertiary", [(JIEFANG_LON, 37.8644), (LIUXIANG_LON, 37.8644)],
             120.0, "through the OSM 开化寺街 station (Line 2) on 解放路; ends not published: 解放路 to 柳巷南路 assumed"),
        Road("haizibian-dongjie", "海子边东街", "Haizibian Dongjie", "tertiary", [(HAIZI_LON, z), (HAIZI_LON, 37.8622)],
             200.0, "the lane just east of 儿童公园 (文瀛公园), whose address is 海子边东街28号 (facts §4.1–4.2); park "
             "placed north of 山西饭店 at 五一广场's north-west corner; ends inferred (桥头街 to the square)"),
        Road("chaoyang-jie", "朝阳街", "Chaoyang Jie", "secondary", [(112.5880, 37.8551), (112.6080, 37.8549)], 150.0,
             "through the OSM 朝阳街 station (Line 1); east-west direction and ends assumed (not found, facts §4.10)"),
        Road("xinjian-nanlu", "新建南路", "Xinjian Nanlu", "secondary", [(XINJIAN_LON, 37.8384), (XINJIAN_LON, 37.8590)],
             250.0, "inferred: 老军营街道 runs 东起新建南路, 西至滨河东路, 南起南内环街, 北至迎泽大街 and covers 3.5 km² "
             "(facts §2); the longitude that gives that area"),
        Road("nan-neihuan-jie", "南内环街", "Nan Neihuan Jie", "primary", [(112.5310, 37.8386), (112.5800, 37.8388)],
             100.0, "along the district's south edge, which 南内环街 follows (老军营 南起南内环街, facts §2); the OSM "
             "南内环 station (Line 2) lies 250 m south of it"),
        Road("binhe-donglu", "滨河东路", "Binhe Donglu", "primary", [(112.5318, 37.8390), (112.5316, 37.8680)], 150.0,
             "the Fen river's east bank road (老军营 西至滨河东路, facts §2): drawn just inside the district's west "
             "edge, which follows the river"),
    ]
    by_slug = {r.slug: r for r in roads}
    # 解放路 / 解放南路: one Line 2 track split where 迎泽大街 crosses it (a four-way crossing, not end to end)
    line2 = _track_between("2", (112.540, 37.8340, 112.570, 37.8800))
    cut = line2.project(shapely.intersection(line2, by_slug["yingze-dajie"].geometry).centroid)
    first, second = shapely.ops.substring(line2, 0, cut), shapely.ops.substring(line2, cut, line2.length)
    north, south = (first, second) if first.centroid.y > second.centroid.y else (second, first)
    by_slug["jiefang-lu"].geometry, by_slug["jiefang-nanlu"].geometry = north, south
    # streets that 西接解放路 start exactly on it (where a horizontal through their west end meets it)
    for slug in ("zhonglou-jie", "kaihuasi-jie"):
        road = by_slug[slug]
        w, e = line(*road.coords).coords
        across = LineString([(w[0] - 500, w[1]), (w[0] + 500, w[1])])
        hit = shapely.intersection(across, north)
        road.geometry, road.coords = LineString([(hit.x, hit.y), e]), None
    # 五一路 starts on 迎泽大街 (五一广场 lies at its south end, on the avenue)
    wuyi = by_slug["wuyi-lu"]
    s0, n0 = line(*wuyi.coords).coords
    on_avenue = shapely.intersection(LineString([(s0[0], s0[1] - 300), n0]), by_slug["yingze-dajie"].geometry)
    corner = line((WUYI_LON, ZHONGLOU_LAT), (WUYI_LON, ZHONGLOU_LAT)).coords[0]  # where 桥头街 meets 上马街
    # start 1 m south of the avenue so that the crossing is a true intersection (a point on a line in floating point)
    wuyi.geometry, wuyi.coords = LineString([(on_avenue.x, on_avenue.y - 1.0), corner, n0]), None
    # the road above Line 1 starts on 郝家沟街 (a T junction)
    south_road, haojiagou = by_slug["line1-south-road"], by_slug["haojiagou-jie"]
    coords = list(south_road.geometry.coords)
    if Point(coords[0]).y < Point(coords[-1]).y:
        coords.reverse()
    start = shapely.ops.nearest_points(haojiagou.geometry, Point(coords[0]))[0]
    south_road.geometry = LineString([(start.x, start.y), *coords])
    for road in roads:
        if road.geometry is None:
            road.geometry = line(*road.coords)  # lon/lat vertices → UTM 49N
            road.coords = None
    return roads
