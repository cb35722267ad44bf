"""Build the schematic point layers ``bus-stops`` and ``facilities``.

Run ``python -m data.build_places`` (after ``data.build_streets``). No bus-stop or facility dataset exists for
Xigang. This places:

- bus stops named in the place facts at their best estimated positions on the (schematic) named roads
  (``basis = "named"``), plus an explicitly hypothetical regular set of stops every ~450 m on the main roads
  (``basis = "assumed"``);
- facilities named in the place facts: app points in Baidu BD-09 converted to WGS84 (``geo.crs.bd09_to_wgs84``),
  or positions estimated from a description where no point exists. No facility is invented: gaps in the
  service circles are a real result.
"""

from __future__ import annotations

from typing import Any

import shapely
from shapely.geometry import LineString, Point

from data.build_streets import FACTS_REF, Road, named_roads
from data.xigang_common import PLAN_DATA, boundary_wgs84, to_metric, to_wgs84, write_geojson
from geo.crs import bd09_to_wgs84

ASSUMED_SPACING_M = 450.0
#: assumed stops are not placed within this distance of a named stop
NAMED_STOP_CLEARANCE_M = 250.0
ASSUMED_STOP_ROADS = ("zhongshan-lu", "wusi-lu", "changjiang-lu", "changchun-lu", "bayi-lu", "binhai-lu",
                      "beijing-jie", "lianhe-lu", "dongbei-lu", "shanghai-lu", "gaoerji-lu", "nanshidao-jie")
#: assumed stops serve the district and this margin around it
ASSUMED_MARGIN_M = 400.0


def _bd09_metric(lat: float, lon: float) -> Point:
    wlon, wlat = bd09_to_wgs84(lon, lat)
    return to_metric(Point(float(wlon), float(wlat)))


def _on_road(roads: dict[str, Road], slug: str, near: Point) -> Point:
    """The point of a named road nearest to ``near``."""
    line = roads[slug].line()
    return line.interpolate(line.project(near))


def _along(roads: dict[str, Road], slug: str, fraction: float) -> Point:
    return roads[slug].line().interpolate(fraction, normalized=True)


# ----------------------------------------------------------------------------------------------- bus stops
def named_bus_stops(roads: dict[str, Road]) -> list[dict[str, Any]]:
    olympic = _bd09_metric(38.9155, 121.616)
    renmin_station = Point(379084, 4307712)
    government = _bd09_metric(38.9197, 121.621)
    circus = Point(roads["changchun-lu"].line().interpolate(
        roads["changchun-lu"].line().project(Point(379720, 4307896))))
    stops = [
        ("aolinpike-guangchang", "奥林匹克广场", "Olympic Square",
         _on_road(roads, "wusi-lu", olympic), "4;11;12;15;16;19;22;23;24;406;410;522;531;701;709;801;901", 200,
         "on 五四路 at the BD-09 point of 奥林匹克广场 (→WGS84); routes = union of three guide lists, which "
         "disagree (§19)"),
        ("renmin-guangchang", "人民广场", "People's Square",
         _on_road(roads, "zhongshan-lu", Point((renmin_station.x + government.x) / 2, renmin_station.y)),
         "11;15;16;19;22;303;405;409;532;534;702;708;709;710;801;1021", 200,
         "on 中山路 at the south side of 人民广场 (between the OSM metro station and the 市政府 BD-09 point); "
         "routes = union of guide lists (§22)"),
        ("changchun-lu-708", "长春路", "Changchun Road",
         roads["changchun-lu"].line().interpolate(roads["changchun-lu"].line().project(circus) - 120),
         "708", 250, "708路长春路车站 near 人民广场 (§3): on 长春路 ~120 m north of 中山路"),
        ("datong-jie", "大同街", "Datong Street", _on_road(roads, "changjiang-lu", Point(378760, 4308568)),
         "527;541", 200, "stop 大同市场 renamed 大同街 in 2011 (§10); placed at the OSM tram stop 大同街"),
        ("shengli-qiao", "胜利桥", "Victory Bridge", Point(381640, 4309360), "13", 200,
         "bus 13 to 胜利桥 (§7); placed at the south end of the bridge by the OSM tram stop"),
        ("senlin-dongwuyuan", "森林动物园", "Forest Zoo", _on_road(roads, "nanshidao-jie", Point(379000, 4305850)),
         "5;525;529;541;702;715", 300,
         "zoo (address 南石道街) buses from the CITS guide (§24); on 南石道街 at the schematic zoo gate"),
        ("xingzheng-fuwu-zhongxin", "行政服务中心", "Administrative Service Centre",
         _on_road(roads, "nanshidao-jie", Point(379500, 4305960)), "525", 300,
         "new 525 stop between 森林动物园 and 石道街 (2011, §24); midway on 南石道街"),
        ("shidao-jie", "石道街", "Shidao Street", _on_road(roads, "nanshidao-jie", Point(379950, 4305975)),
         "525", 300, "525 stop after 行政服务中心 (§24); east end of 南石道街"),
        ("yierjiu-jie", "一二九街", "Yi'erjiu Street", _on_road(roads, "wusi-lu", Point(380100, 4307230)), "", 250,
         "五四路 stop 一二九街 (2020 notices, §14): at the east end of 五四路 near 一二九街; routes not given"),
        ("jianye-jie", "建业街", "Jianye Street",
         roads["wusi-lu"].line().interpolate(roads["wusi-lu"].line().project(olympic) - 350), "522", 400,
         "522's former 奥林匹克广场 stop, renamed 建业街 in 2011 (§19): only known to be near 奥林匹克广场; "
         "placed 350 m west of it on 五四路 (a guess)"),
        ("zhongshan-guangchang", "中山广场", "Zhongshan Square", _on_road(roads, "zhongshan-lu", Point(382004, 4308864)),
         "30;403;708", 200, "buses 403/30/708 to 中山广场 (§7); at the OSM metro station 中山广场"),
        ("fujiazhuang", "付家庄", "Fujiazhuang", _on_road(roads, "bayi-lu", Point(380450, 4302700)), "5", 300,
         "bus 5 from 解放路/青泥洼桥 to 付家庄 beach (§23); at the south end of 八一路 by 滨海路"),
    ]
    features = []
    for slug, name, name_en, point, routes, accuracy, method in stops:
        features.append({"geometry": to_wgs84(point), "properties": {
            "id": f"bus-{slug}", "name": name, "name_en": name_en, "routes": routes, "basis": "named",
            "source": f"place facts ({FACTS_REF}); position on planmap's schematic street network",
            "method": "estimated position: " + method, "accuracy_m": float(accuracy), "schematic": True}})
    return features


def assumed_bus_stops(roads: dict[str, Road], named: list[dict[str, Any]]) -> list[dict[str, Any]]:
    district = to_metric(boundary_wgs84())
    serve = district.buffer(ASSUMED_MARGIN_M)
    taken = [to_metric(shapely.geometry.shape(f["geometry"])) for f in named]
    features = []
    for slug in ASSUMED_STOP_ROADS:
        road = roads[slug]
        line: LineString = road.line()
        count = 0
        distance = ASSUMED_SPACING_M / 2
        while distance < line.length:
            point = line.interpolate(distance)
            distance += ASSUMED_SPACING_M
            if not serve.contains(point) or any(point.distance(t) < NAMED_STOP_CLEARANCE_M for t in taken):
                continue
            taken.append(point)
            count += 1
            features.append({"geometry": to_wgs84(point), "properties": {
                "id": f"bus-assumed-{slug}-{count}", "name": f"{road.name}假定站{count}（示意）",
                "name_en": f"{road.name_en} assumed stop {count} (schematic)", "routes": "", "basis": "assumed",
                "source": "planmap-schematic (data/build_places.py)",
                "method": f"assumed stop spacing (~{ASSUMED_SPACING_M:.0f} m) on main roads; no survey: "
                          "a hypothetical stop, not a real one",
                "accuracy_m": 250.0, "schematic": True}})
    return features


# ----------------------------------------------------------------------------------------------- facilities
#: (id, name, name_en, kind, BD-09 lat, BD-09 lon, note) — app points from the place facts
BD09_FACILITIES = [
    ("bayilu-health-centre", "八一路社区卫生服务中心", "Bayilu Community Health Centre", "medical", 38.8922, 121.644, "§4"),
    ("fujiazhuang-hospital", "大连付家庄医院", "Dalian Fujiazhuang Hospital", "medical", 38.8785, 121.639, "§23"),
    ("stomatological-hospital-bayilu", "口腔医院（八一路门诊部）", "Stomatological Hospital, Bayilu clinic",
     "medical", 38.892, 121.645, "§4"),
    ("datong-primary-school", "大同小学", "Datong Primary School", "education", 38.9174, 121.618, "§10"),
    ("changchunlu-primary-school", "长春路小学", "Changchunlu Primary School", "education", 38.9272, 121.613, "§3"),
    ("bayi-primary-school", "八一小学", "Bayi Primary School", "education", 38.8941, 121.653, "§4"),
    ("dut-petrochemical-college", "大连理工大学石油化工学院（中山路）", "DUT School of Petroleum and Chemical "
     "Engineering (Zhongshan Road)", "education", 38.9178, 121.633, "§17"),
    ("beijing-park", "北京公园", "Beijing Park", "park", 38.9222, 121.625, "§15"),
    ("olympic-square", "奥林匹克广场", "Olympic Square", "park", 38.9155, 121.616, "§19"),
    ("olympic-square-walmart", "沃尔玛（奥林匹克广场地下商城）", "Walmart (under Olympic Square)", "convenience",
     38.9155, 121.616, "§19: Walmart under the square"),
]


def facilities(roads: dict[str, Road]) -> list[dict[str, Any]]:
    features = []
    for slug, name, name_en, kind, lat, lon, ref in BD09_FACILITIES:
        wlon, wlat = bd09_to_wgs84(lon, lat)
        features.append({"geometry": Point(round(float(wlon), 7), round(float(wlat), 7)), "properties": {
            "id": slug, "name": name, "name_en": name_en, "kind": kind, "basis": "named",
            "source": f"app POI point (house_analysis SQL dump) quoted in the place facts {ref} ({FACTS_REF})",
            "method": "BD-09 point (3–4 decimals) converted BD-09 → GCJ-02 → WGS84 with geo.crs.bd09_to_wgs84; "
                      "the app's pin placement is unknown",
            "accuracy_m": 200.0, "schematic": False}})

    government = _bd09_metric(38.9197, 121.621)
    renmin_station = Point(379084, 4307712)
    tuanjie = roads["tuanjie-jie"].line()
    estimated = [
        ("peoples-square", "人民广场", "People's Square", "park",
         Point((renmin_station.x + government.x) / 2, (renmin_station.y + government.y) / 2), 200.0,
         "midway between the OSM metro station 人民广场 and the 市政府 BD-09 point (government on the square's "
         "north side, §22)"),
        ("dalian-art-exhibition-hall", "大连艺术展览馆", "Dalian Art Exhibition Hall", "culture",
         tuanjie.interpolate(30), 200.0,
         "at the south tip of 团结街 (Russian Street) as described (§7 §25), on planmap's schematic 团结街"),
        ("planning-exhibition-centre", "大连市规划展示中心", "Dalian Urban Planning Exhibition Centre", "culture",
         _on_road(roads, "zhongshan-lu", Point(renmin_station.x + 250, renmin_station.y)).buffer(40).exterior
         .interpolate(0), 300.0,
         "on 中山路 by 人民广场: its 西侧广场 (west plaza) served as the temporary 人民广场 stop on 中山路 (§14); "
         "placed just off 中山路 east of the 人民广场 metro station"),
        ("youth-palace", "青少年宫", "Youth Palace", "culture",
         _on_road(roads, "wusi-lu", Point(379350, 4307260)).buffer(40).exterior.interpolate(0), 300.0,
         "its gate 5 (青少年宫5号门) served as the temporary 人民广场 stop on 五四路 (§14); placed just off 五四路 "
         "south of 人民广场"),
        ("forest-zoo", "大连森林动物园", "Dalian Forest Zoo", "park", Point(379000, 4305700), 300.0,
         "schematic main gate on 南石道街 (zoo address, §24); the zoo covers the 白云山 hills to the south"),
        ("fujiazhuang-park", "傅家庄公园", "Fujiazhuang Park", "park",
         _on_road(roads, "binhai-lu", Point(380700, 4302300)), 400.0,
         "by 滨海路 at the 付家庄 beach (§23); 40 ha park, beach 450–550 m"),
        ("olympic-square-sports", "奥林匹克广场南区球场", "Olympic Square south courts", "sport",
         _bd09_metric(38.9155, 121.616), 250.0,
         "the square's south part holds 1 football field, 12 tennis and 4 gateball courts (§19); at the "
         "square's BD-09 point"),
    ]
    for slug, name, name_en, kind, point, accuracy, method in estimated:
        geom = to_wgs84(point) if point.x > 1000 else point
        features.append({"geometry": geom, "properties": {
            "id": slug, "name": name, "name_en": name_en, "kind": kind, "basis": "named",
            "source": f"place facts ({FACTS_REF})", "method": "estimated position: " + method,
            "accuracy_m": accuracy, "schematic": True}})
    return features


def main() -> None:
    roads = {road.slug: road for road in named_roads()}
    named = named_bus_stops(roads)
    assumed = assumed_bus_stops(roads, named)
    write_geojson(PLAN_DATA / "bus-stops.geojson", named + assumed)
    print(f"bus stops: {len(named)} named, {len(assumed)} assumed")
    write_geojson(PLAN_DATA / "facilities.geojson", facilities(roads))


if __name__ == "__main__":
    main()
