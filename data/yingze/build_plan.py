"""Build Yingze's plan layers from seed 002 (九大行动), the place facts, the OSM stations and the named roads.

    python -m data.yingze.build_plan         # after build_context and build_streets

Layers: ``night-belts`` (centre lines of the two belts' legs, with widths), ``night-belt-areas`` (street
polygons and the park/square footprints, plus the published 钟楼街 project area), ``business-circles``,
``carriers`` (every carrier seed 002 names, with its stage), ``subdistricts`` (schematic, with the per-街办
targets), ``bus-stops`` and ``facilities`` (schematic). Everything is drawn in UTM 49N and written in WGS84.
"""

from __future__ import annotations

from typing import Any

import shapely
import shapely.ops
from shapely.geometry import LineString, Point, Polygon

from data.yingze.common import (
    FACTS_REF,
    NOT_SURVEYED,
    OSM_ATTRIBUTION,
    PLAN_DATA,
    SEED_REF,
    boundary_metric,
    pt,
    read_layer,
    to_metric,
    to_wgs84,
    write_geojson,
)
from data.yingze.roads import (
    FOOD_LON,
    LIUXIANG_LON,
    WUYI_LON,
    XINJIAN_LON,
    ZHONGLOU_LAT,
    named_roads,
)
from geo.crs import geometries_gcj02_to_wgs84

Z = ZHONGLOU_LAT
CC0 = "CC0 (drawn by planmap)"
SEED_BELTS = "迎泽区将发展夜间经济。规划建设“海子边街—文瀛湖—五一广场”夜间经济带，与“食品街—钟楼街—桥头街—上马街”夜间经济带，构成“L”形夜间经济集聚区"
BELTS = {"belt-1": ("海子边街—文瀛湖—五一广场", "Haizibian St – Wenying Lake – Wuyi Square"),
         "belt-2": ("食品街—钟楼街—桥头街—上马街", "Food St – Zhonglou St – Qiaotou St – Shangma St")}
#: 儿童公园 (文瀛公园) footprint: 11.9万 m² (facts §4.2), north of 山西饭店, west of 海子边东街
PARK = (112.5622, 37.8627, 112.5663, 37.8657)
#: 五一广场: centre from zh-wiki (WGS84); 3.46 ha square (2020 design, facts §4.3; sources give 3.3–8.8 ha)
SQUARE_CENTRE = (112.56791, 37.86111)
SQUARE_AREA_M2 = 34600.0


def _feature(geom_metric: shapely.Geometry, **props: Any) -> dict[str, Any]:
    props.setdefault("schematic", True)
    props.setdefault("placeholder", False)
    return {"geometry": to_wgs84(geom_metric), "properties": props}


def _roads() -> dict[str, Any]:
    return {r.slug: r for r in named_roads()}


def _square() -> Polygon:
    half = SQUARE_AREA_M2 ** 0.5 / 2
    c = pt(*SQUARE_CENTRE)
    return shapely.box(c.x - half, c.y - half, c.x + half, c.y + half)


def _park() -> Polygon:
    return to_metric(shapely.box(*PARK))


# ------------------------------------------------------------------------------------------------ belts
def belt_legs() -> list[dict[str, Any]]:
    """The seven legs of the two belts: centre line, width and what each rests on."""
    roads = _roads()
    park, square = _park(), _square()
    park_line = LineString([(park.centroid.x, park.bounds[3]), (park.centroid.x, park.bounds[1])])
    square_line = LineString([(square.centroid.x, square.bounds[3]), (square.centroid.x, square.bounds[1])])

    def road_leg(slug: str) -> LineString:
        return roads[slug].line()

    legs = [
        dict(id="belt-1-haizibian-dongjie", belt="belt-1", order=1, name="海子边街（海子边东街）",
             name_en="Haizibian St (Haizibian Dongjie)", road="海子边东街", line=road_leg("haizibian-dongjie"),
             width_m=8.0, width_basis="assumed (lane class, 8 m): no width published",
             length_basis="drawn: from 桥头街 to the 五一广场 north edge (ends inferred)", part="street",
             accuracy_m=200.0, facts="海子边东街 is the lane just east of 儿童公园, '与公园仅是一墙之隔' (tydao.com, "
             "medium); 儿童公园's address is 海子边东街28号. The seed's 海子边街 is taken to be this lane (inference).",
             method="the lane east of the 儿童公园 footprint, from 桥头街 south to 五一广场; position inferred from the "
                    "park's neighbours (山西饭店 at the square's north-west corner, park north of it)"),
        dict(id="belt-1-wenying-lake", belt="belt-1", order=2, name="文瀛湖（儿童公园）", name_en="Wenying Lake (Children's Park)",
             road="", line=park_line, width_m=round(park.area / park_line.length, 1),
             width_basis="not a street width: footprint area ÷ drawn length of the park (11.9万 m², facts §4.2)",
             length_basis="drawn: north–south extent of the assumed park footprint", part="park", accuracy_m=250.0,
             facts="儿童公园 (文瀛公园), 海子边东街28号; park 11.9万 m², lake 4万 m² (ke263.com, medium); open 6:00–22:00, "
                   "free; 一墙之隔 from 山西饭店, which 北靠文瀛公园 (facts §4.2, §5).",
             method="park footprint of the published area (333 m × 360 m), placed north of 山西饭店 and west of "
                    "海子边东街; no coordinate published; centre line = its north–south axis"),
        dict(id="belt-1-wuyi-square", belt="belt-1", order=3, name="五一广场", name_en="Wuyi Square", road="五一路",
             line=square_line, width_m=round(square.area / square_line.length, 1),
             width_basis="not a street width: the square's side (3.46 ha, 2020 design; sources give 3.3–8.8 ha: "
                         "the drawing follows baiwen24's 3.46 ha)", length_basis="drawn: side of the square",
             part="square", accuracy_m=100.0,
             facts="五一广场 112.56791 E 37.86111 N (zh-wiki, WGS84, high), 159 m from the OSM 五一广场 station; rebuilt "
                   "from 2020 with a metro interchange below (facts §4.3).",
             method="square of 3.46 ha centred on the zh-wiki coordinate; centre line north–south through it"),
        dict(id="belt-2-shipin-jie", belt="belt-2", order=1, name="食品街", name_en="Food Street", road="食品街",
             line=road_leg("shipin-jie"), width_m=10.0, width_basis="published: 10 m (kukuwd, tygxc, made-in-shanxi)",
             length_basis="drawn between its published ends (府东街 to 钟楼街)", part="street", accuracy_m=150.0,
             merchants=120, facts="北起府东街,南至钟楼街; 10 m wide since 1985; opened 1986-01-01 with 46 shops; "
             "reopened 2013; 120多家门店 and 500+ parking spaces (2020, made-in-shanxi.cn); 山西省特色商业街 2020 (facts §4.4).",
             method="the named road 食品街 (ends from the facts, longitude inferred between 解放路 and 柳巷)"),
        dict(id="belt-2-zhonglou-jie", belt="belt-2", order=2, name="钟楼街", name_en="Zhonglou Street", road="钟楼街",
             line=road_leg("zhonglou-jie"), width_m=13.0, width_basis="published: '宽仅13米左右' (ifeng 2021, medium)",
             length_basis="drawn between its published ends (解放路 to the 柳巷 crossing)", part="street",
             accuracy_m=150.0, national_title="国家级夜间文化和旅游消费集聚区（第二批，2022）",
             facts="东临桥头街,西接解放路; project area 16.1 ha (察院后街–中校尉营, 帽儿巷–柳巷), opened 2021-09-19; "
                   "省级夜间文旅消费集聚区 (2022-04), 国家级夜间文旅消费集聚区 第二批 (2022), 国家级旅游休闲街区 (2023); night "
                   "spending > 55 % (2025); merchant count not found (facts §4.5).",
             method="the named road 钟楼街 (ends from the facts, latitude inferred between 迎泽大街 and 府东街)"),
        dict(id="belt-2-qiaotou-jie", belt="belt-2", order=3, name="桥头街", name_en="Qiaotou Street", road="桥头街",
             line=road_leg("qiaotou-jie"), width_m=12.0, width_basis="assumed (street class, 12 m): not published",
             length_basis="drawn from 柳巷 to 五一路 (east end inferred from two sources)", part="street",
             accuracy_m=150.0, facts="the eastward continuation of 钟楼街 across 柳巷; east end at 五一路 inferred "
             "(car park 五一路以西、桥头街以北; 铜锣湾 从柳巷拆到五一路); 三江大厦 on it (facts §4.6).",
             method="the named road 桥头街, collinear with 钟楼街"),
        dict(id="belt-2-shangma-jie", belt="belt-2", order=4, name="上马街", name_en="Shangma Street", road="上马街",
             line=road_leg("shangma-jie"), width_m=10.0, width_basis="assumed (old street, 10 m): not published",
             length_basis="assumed 600 m: the east end is not published", part="street", accuracy_m=200.0,
             merchants=100, facts="entered from 五一路; renovated 2022 with 百余间商铺 (taken as ≥ 100 merchants); "
             "府城文道 includes 上马街 (杏花巷—狄梁公街段); in 文庙街道 (facts §4.7).",
             method="the named road 上马街: east of 五一路 in line with 桥头街 (inference), 600 m assumed"),
    ]
    return legs


def build_belts(legs: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines, areas = [], []
    for leg in legs:
        belt_name, belt_en = BELTS[leg["belt"]]
        common = {
            "name": leg["name"], "name_en": leg["name_en"], "belt": leg["belt"], "belt_name": belt_name,
            "belt_name_en": belt_en, "leg_order": leg["order"], "part": leg["part"], "road": leg["road"],
            "width_m": leg["width_m"], "width_basis": leg["width_basis"],
            "length_m": round(leg["line"].length, 1), "length_basis": leg["length_basis"],
            "facts": leg["facts"], "seed_text": SEED_BELTS, "placeholder": False,
            "source": f"{SEED_REF}; {FACTS_REF}; data/yingze/anchors/named_roads.geojson",
            "accuracy_m": leg["accuracy_m"],
        }
        lines.append(_feature(leg["line"], id=leg["id"], **common,
                              method=leg["method"] + "; " + NOT_SURVEYED))
        if leg["part"] == "street":
            poly = leg["line"].buffer(leg["width_m"] / 2, cap_style="flat")
            how = "centre line buffered by half the width, flat caps (UTM 49N)"
            kind = "street"
        else:
            poly = _park() if leg["part"] == "park" else _square()
            how = "footprint of the published area"
            kind = "area"
        extra = {k: leg[k] for k in ("merchants", "national_title") if k in leg}
        areas.append(_feature(poly, id=f"{leg['id']}-area", **common, zone_kind=kind, **extra,
                              area_m2=round(poly.area, 0), method=f"{how}; {leg['method']}; {NOT_SURVEYED}"))
    # the published 钟楼街 project area (2021): 北起察院后街,南至中校尉营,东至柳巷,西至帽儿巷 (16.1 ha)
    west, east = pt(FOOD_LON, Z), pt(LIUXIANG_LON, Z)
    depth = 161000.0 / (east.x - west.x)
    block = shapely.box(west.x, west.y - depth / 2, east.x, west.y + depth / 2)
    areas.append(_feature(block, id="zhonglou-jie-block", name="钟楼街片区（钟楼高品质步行街）",
                          name_en="Zhonglou Street quarter (pedestrian street project area)", belt="belt-2",
                          belt_name=BELTS["belt-2"][0], belt_name_en=BELTS["belt-2"][1], leg_order=0, part="block",
                          road="钟楼街", width_m=None, width_basis="", length_m=round(east.x - west.x, 1),
                          length_basis="帽儿巷 (食品街) to 柳巷", zone_kind="street", area_m2=round(block.area, 0),
                          national_title="国家级夜间文化和旅游消费集聚区（第二批，2022）",
                          facts="规划占地16.1公顷,北起察院后街,南至中校尉营,东至柳巷,西至帽儿巷; 25 lanes renovated, 12 "
                                "pedestrian-only; about 13.1万 m² of buildings (tyrbw 2021-05-14, high; facts §4.5).",
                          seed_text="钟楼步行街引进20个国内外知名品牌…完成5家品牌首店引进…全面推进第三批国家级步行街、国家夜间文化和旅游消费集聚区、休闲旅游街区创建工作",
                          placeholder=False, source=f"{FACTS_REF} §4.5 (tyrbw 2021-05-14); {SEED_REF}",
                          method=("rectangle of the published 16.1 ha between 帽儿巷 (食品街) and 柳巷, centred on 钟楼街; "
                                  "察院后街 and 中校尉营 are not located, so the north and south edges follow from the "
                                  "area; " + NOT_SURVEYED), accuracy_m=200.0))
    return lines, areas


# ------------------------------------------------------------------------------------------------ circles
def build_business_circles(stations: dict[str, Point]) -> list[dict[str, Any]]:
    roads = _roads()
    district = boundary_metric()
    # 柳巷商圈: 迎泽大街往北、府东街往南、解放路往东、五一路以西 (ty.focus.cn 2019, facts §4.8)
    edges = shapely.union_all([roads[s].line() for s in ("yingze-dajie", "fudong-jie", "jiefang-lu", "wuyi-lu")])
    cells = [c for c in shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(edges))))]
    liuxiang = max((c for c in cells if c.contains(pt(LIUXIANG_LON + 0.001, Z + 0.001))), key=lambda c: c.area)
    liuxiang = shapely.intersection(liuxiang, district)
    shuangta_temple = pt(112.589648103118, 37.8456595650776)
    shuangtahui = _gcj_point(112.599477, 37.85395)
    anchors = shapely.MultiPoint([stations["朝阳街"], stations["双塔"], shuangta_temple, shuangtahui])
    shuangta = shapely.intersection(anchors.convex_hull.buffer(300), district)
    return [
        _feature(liuxiang, id="circle-liuxiang-zhonglou", name="柳巷—钟楼商圈", name_en="Liuxiang–Zhonglou business circle",
                 zone_kind="area", anchors="柳巷、钟楼街、桥头街、食品街、鼓楼街、开化寺街；茂业百货、华宇购物中心、铜锣湾国际购物中心",
                 area_m2=round(liuxiang.area, 0), placeholder=False,
                 facts="柳巷商圈: 迎泽大街往北、府东街往南、解放路往东、五一路以西 (ty.focus.cn 2019, medium); seed 002 names "
                       "柳巷—钟楼商圈 as a focus of smart-consumption scenes. The drawing takes the two to be the same area.",
                 source=f"{SEED_REF}; {FACTS_REF} §4.8; named roads 迎泽大街 (on OSM Line 1), 解放路 (on OSM Line 2), 五一路, 府东街",
                 method=f"block enclosed by the four named roads that bound the 柳巷商圈; {NOT_SURVEYED}",
                 accuracy_m=150.0),
        _feature(shuangta, id="circle-shuangta-chaoyang", name="双塔—朝阳商圈", name_en="Shuangta–Chaoyang business circle",
                 zone_kind="area", anchors="双塔寺（永祚寺）、朝阳街、双塔汇商业街、双塔/朝阳街地铁站",
                 area_m2=round(shuangta.area, 0), placeholder=False,
                 facts="extent not found (facts §4.9, §4.10). Anchors: OSM 朝阳街 and 双塔 stations; 双塔寺 point (GitHub "
                       "file, CRS not stated, probably WGS84); 双塔汇 point (probably GCJ-02, converted).",
                 source=f"{SEED_REF}; {FACTS_REF} §0, §4.9, §4.10; OSM stations ({OSM_ATTRIBUTION})",
                 method=f"convex hull of the four anchors grown by 300 m, clipped to the district; {NOT_SURVEYED}",
                 accuracy_m=500.0),
    ]


def _gcj_point(lon: float, lat: float) -> Point:
    """A probably-GCJ-02 app point, converted to WGS84, as a UTM 49N point."""
    return to_metric(geometries_gcj02_to_wgs84(Point(lon, lat)))


# ------------------------------------------------------------------------------------------------ carriers
START = "启动建设"
RESERVE = "谋划招引储备"
EXISTING = "现有载体（推断）"
SEED_START = "启动钟楼步行街二期、太原珈宝广场、双塔汇商业街、公园1991奥特莱斯、绿城·桃花源小镇等重点载体建设项目"
SEED_RESERVE = "加快谋划招引华润万象天地、地铁TOD地下空间改造等储备项目"
SEED_BRANDS = "以钟楼高品质步行街、上马文化休闲街区、南海美食休闲街区、茂业百货、华宇购物中心、铜锣湾国际购物中心、双塔汇商业街、公园1991奥特莱斯等载体为依托"
SEED_SMART = "在钟楼步行街、中正天街、双塔汇商业街、公园1991奥特莱斯等处，运用AR/VR、全息投影、裸眼3D等技术，营造“科技+消费”的地标场景"
SEED_HOTELS = "推动山西饭店、并州饭店、钟楼街民宿等知名酒店、特色民宿的加速布局"
#: placeholders for carriers with no location at all: a row in the east of the built-up area
UNKNOWN_ROW = [(112.6200 + 0.005 * i, 37.8530) for i in range(4)]


def carriers() -> list[tuple[dict[str, Any], Point]]:
    """Every carrier seed 002 names: (properties, UTM 49N point)."""
    shuangtahui = _gcj_point(112.599477, 37.85395)
    rows = [
        # id, name, name_en, type, stage, stage_in_seed, stage_basis, seed text, point, accuracy, placeholder, basis, facts
        ("zhonglou-pedestrian-street", "钟楼步行街（钟楼高品质步行街）", "Zhonglou pedestrian street", "步行街",
         EXISTING, False, "opened 2021-09-19 (facts §4.5); the seed relies on it as a carrier and names no stage",
         SEED_BRANDS, pt(112.5585, Z), 150.0, False, "on the named road 钟楼街 (its middle)",
         "国家级夜间文化和旅游消费集聚区 第二批 (2022); target: 20 brands, 5 首店 (seed)"),
        ("zhonglou-pedestrian-street-phase-2", "钟楼步行街二期", "Zhonglou pedestrian street, phase 2", "步行街",
         START, True, "seed 002: 启动…重点载体建设项目", SEED_START, pt(112.5590, 37.8672), 500.0, True,
         "not located: extent not found; only a comment that the 高院宿舍 site splits phases 1 and 2 (facts §4.5)",
         "extent, length and opening: not found"),
        ("shangma-leisure-quarter", "上马文化休闲街区", "Shangma cultural leisure quarter", "商业街区", EXISTING, False,
         "上马街 renovated in 2022 with 百余间商铺 (facts §4.7); the seed names no stage", SEED_BRANDS,
         pt(112.5714, Z), 250.0, False, "on the named road 上马街 (its drawn middle; east end assumed)",
         "target: 10 '上马' brand businesses (seed)"),
        ("nanhai-food-quarter", "南海美食休闲街区", "Nanhai food and leisure quarter", "商业街区", EXISTING, False,
         "the seed relies on it as an existing carrier and names no stage", SEED_BRANDS, pt(112.5450, 37.8635), 1500.0,
         True, "not located: 南海街 not found; 庙前街道 has a 南海街一社区 (facts §4.11), so it is put in the schematic 庙前 area",
         "named after 南海子, the southern end of the old city's western water system"),
        ("maoye-department-store", "茂业百货（柳巷店）", "Maoye department store (Liuxiang)", "商业综合体", EXISTING, False,
         "茂业 bought a 6-storey department store (3.06万 m²) that opened as 柳巷店; date not in the excerpt (facts §5)",
         SEED_BRANDS, pt(LIUXIANG_LON + 0.0004, 37.8688), 400.0, False,
         "on 柳巷 (the store is called 柳巷店); position along the street unknown", "property 3.06万 m² (jycbd.com, medium)"),
        ("huayu-shopping-centre", "华宇购物中心", "Huayu shopping centre", "商业综合体", EXISTING, False,
         "mentioned as a modern mall on 柳巷 (facts §5); the seed names no stage", SEED_BRANDS,
         pt(LIUXIANG_LON - 0.0004, 37.8690), 400.0, False, "on 柳巷 (facts: a mall on 柳巷); position along it unknown",
         "first 仓储超市 '华宇' (low)"),
        ("causeway-bay-mall", "铜锣湾国际购物中心", "Causeway Bay international shopping centre", "商业综合体", EXISTING,
         False, "built in 2005 (ty.focus.cn, facts §5); the seed names no stage", SEED_BRANDS,
         pt((LIUXIANG_LON + WUYI_LON) / 2, 37.8672), 250.0, False,
         "centre of the block 柳巷–五一路, 桥头街–南肖墙 (facts §5); 南肖墙 not located, taken north of 桥头街",
         "铜锣湾夜市 is part of the 柳巷商圈"),
        ("shuangtahui-street", "双塔汇商业街", "Shuangtahui commercial street", "商业街区", START, True,
         "seed 002: 启动…重点载体建设项目", SEED_START, shuangtahui, 300.0, False,
         "app point 112.599477, 37.85395 (CRS not stated, probably GCJ-02: Amap-style address) converted to WGS84; "
         "478 m from the OSM 朝阳街 station (158 m if the point were WGS84)", "太原双塔汇商业广场 南广场"),
        ("park-1991-outlets", "公园1991奥特莱斯", "Park 1991 outlets", "商业综合体", START, True,
         "seed 002: 启动…重点载体建设项目 (planned to open 2022-10, still being levelled 2022-11: facts §5)", SEED_START,
         pt(112.5950, 37.8430), 1500.0, True, "not located: '迎泽区双塔片区' only (facts §5); put near the 双塔 station",
         "on the site of a building-materials market demolished in spring 2022"),
        ("jiabao-plaza", "太原珈宝广场", "Taiyuan Jiabao Plaza", "商业综合体", START, True,
         "seed 002: 启动…重点载体建设项目", SEED_START, pt(*UNKNOWN_ROW[0]), 5000.0, True,
         "not located: nothing found (facts §5); the point only keeps the project on the map", "not found"),
        ("greentown-taohuayuan", "绿城·桃花源小镇", "Greentown Taohuayuan town", "商业街区", START, True,
         "seed 002: 启动…重点载体建设项目", SEED_START, pt(*UNKNOWN_ROW[1]), 5000.0, True,
         "not located: nothing found (facts §5); the point only keeps the project on the map", "not found"),
        ("crland-mixc-world", "华润万象天地", "China Resources MIXC World", "商业综合体", RESERVE, True,
         "seed 002: 加快谋划招引…储备项目", SEED_RESERVE, pt(*UNKNOWN_ROW[2]), 5000.0, True,
         "not located: a reserve project with no site (facts §5); the point only keeps it on the map", "not found"),
        ("metro-tod-underground", "地铁TOD地下空间改造", "Metro TOD underground space", "地下空间", RESERVE, True,
         "seed 002: 加快谋划招引…储备项目", SEED_RESERVE, pt(*UNKNOWN_ROW[3]), 5000.0, True,
         "not located: the seed names no station; the point only keeps the project on the map", "not found"),
        ("zhongzheng-tianjie", "中正天街", "Zhongzheng Tianjie", "商业街区", EXISTING, False,
         "recognised as 山西省特色商业街 in 2020 (facts §3); the seed names no stage", SEED_SMART,
         pt(112.566141985879, 37.850304506414), 300.0, False,
         "'中正天街商圈' point of a GitHub ECharts file (CRS not stated, probably WGS84; low confidence)",
         "山西省特色商业街 (2020)"),
        ("shanxi-hotel", "山西饭店", "Shanxi Hotel", "酒店", EXISTING, False,
         "named 山西饭店 since 1985 (facts §5); the seed asks for its 加速布局, not a stage", SEED_HOTELS,
         pt(112.5650, 37.8615), 150.0, False,
         "at 五一广场's north-west corner: north 文瀛公园, east 五一广场, south 纯阳宫 (facts §5); no coordinate",
         "about 5万 m² floor area, 308 rooms (low)"),
        ("bingzhou-hotel", "并州饭店", "Bingzhou Hotel", "酒店", EXISTING, False,
         "founded 1956 (facts §5); the seed asks for its 加速布局, not a stage", SEED_HOTELS,
         pt(112.5660, 37.8588), 150.0, False, "迎泽大街118号, south-west side of 五一广场, 迎泽街道 (facts §5)",
         "footprint 3,708 m²; a plan to merge it with 晋阳饭店 into a ~300 m tower"),
        ("zhonglou-jie-homestays", "钟楼街民宿", "Zhonglou Street homestays", "民宿", EXISTING, False,
         "the seed asks for their 加速布局; whether any exist was not found (facts §4.5)", SEED_HOTELS,
         pt(112.5575, Z + 0.0002), 400.0, True, "not located: only the name (homestays on 钟楼街): a point on the street",
         "not found"),
    ]
    #: seed 002's numeric targets for single carriers (钟楼步行街引进20个品牌、完成5家品牌首店引进; 上马街打造10个“上马”品牌)
    targets = {"zhonglou-pedestrian-street": (20, 5), "shangma-leisure-quarter": (10, None)}
    out = []
    for (cid, name, name_en, ctype, stage, in_seed, basis, seed_text, point, acc, placeholder, where, facts) in rows:
        brands, first_stores = targets.get(cid, (None, None))
        out.append(({
            "id": cid, "name": name, "name_en": name_en, "carrier_type": ctype, "stage": stage,
            "stage_in_seed": in_seed, "stage_basis": basis if in_seed else f"our inference: {basis}",
            "seed_text": seed_text, "location_basis": where, "placeholder": placeholder, "facts": facts,
            "target_brands": brands, "target_first_stores": first_stores,
            "source": f"{SEED_REF}; {FACTS_REF}", "accuracy_m": acc,
            "method": ("placeholder point: " if placeholder else "position estimated: ") + where + "; " + NOT_SURVEYED,
        }, point))
    return out


# ------------------------------------------------------------------------------------------------ subdistricts
#: (id, name, name_en, NBS code, seed point lon/lat, published area km², seat, published bounds, known streets)
SUBDISTRICTS = [
    ("liuxiang", "柳巷街道", "Liuxiang Subdistrict", "140106001", (112.561, 37.866), 1.0, "钟楼街东段北侧二市场31号",
     "东至五一路 (与文庙街道为邻); 呈正方形 (tcmap)", "钟楼街、食品街、桥头街、柳巷 (inferred)"),
    ("wenmiao", "文庙街道", "Wenmiao Subdistrict", "140106002", (112.575, 37.866), 2.7, "文庙巷21号",
     "北: 府东街、五龙口街; 南: 迎泽大街、郝家沟街; 西: 五一路; 东: 华北广播电影电视干部管理学院/东华苑 (tcmap)", "上马街"),
    ("miaoqian", "庙前街道", "Miaoqian Subdistrict", "140106003", (112.540, 37.864), 3.0, "",
     "not published; communities 桃园路、水西关街、海边街、南海街一 (tcmap)", "南海街 (probable)"),
    ("yingze", "迎泽街道", "Yingze Subdistrict", "140106004", (112.558, 37.848), 4.4, "",
     "not published; 解放南路一社区 from 迎泽大街 south, west to 新建南路 (tcmap)", ""),
    ("qiaodong", "桥东街道", "Qiaodong Subdistrict", "140106005", (112.577, 37.848), 7.0, "",
     "not published; 南官坊社区 北起迎泽大街中心线南, 东起建设南路 (tcmap)", ""),
    ("laojunying", "老军营街道", "Laojunying Subdistrict", "140106006", (112.538, 37.848), 3.5, "",
     "东起新建南路, 西至滨河东路, 南起南内环街, 北至迎泽大街 (tcmap)", "老军营美食街 (not named in seed 002)"),
    ("shuangta", "双塔街道", "Shuangta Subdistrict", "", (112.605, 37.835), 17.5, "双塔南路18号",
     "set up 2024-08 in the south-east of the district; bounds not published (tcmap, medium)", ""),
    ("haozhuang", "郝庄镇", "Haozhuang Town", "140106100", (112.700, 37.880), 85.08, "",
     "not published; 永祚寺 lies in 郝庄村 (before 双塔街道 was split off)", ""),
]
TARGETS = {"target_feature_streets_min": 1, "target_feature_streets_max": 2, "target_life_circles_min": 3,
           "target_new_checkin_points": 3, "target_brands_min": 5, "target_first_stores_min": 1}
TARGETS_TEXT = ("每个街办(镇)打造1条至2条有烟火气、市井味的特色街区或基于产业基础的特色产业街区，新增网红打卡点3个；"
                "打造不少于3个便民生活圈；在本辖区商业载体引进至少5个国内外知名品牌；至少引进1家品牌首店 (seed 002)")


def _cut_lines() -> list[LineString]:
    roads = _roads()
    far = 3000.0

    def ns(lon: float, lat_from: float, lat_to: float) -> LineString:
        return LineString([(pt(lon, lat_from).x, pt(lon, lat_from).y), (pt(lon, lat_to).x, pt(lon, lat_to).y)])

    yz = list(roads["yingze-dajie"].line().coords)
    hj = list(roads["haojiagou-jie"].line().coords)
    yz.sort(key=lambda c: c[0])
    hj.sort(key=lambda c: c[0])
    main = LineString([(yz[0][0] - far, yz[0][1]), *yz, *hj, (pt(112.633, 37.8600).x, pt(112.633, 37.8600).y)])
    y_lat = 37.8597
    return [
        main,
        roads["jiefang-lu"].line(), ns(WUYI_LON, y_lat - 0.001, 37.9000),
        ns(XINJIAN_LON, y_lat + 0.001, 37.8200), ns(112.5690, y_lat + 0.001, 37.8000),
        ns(112.5860, 37.8612, 37.7900), ns(112.6000, 37.8590, 37.9000), ns(112.6330, 37.8612, 37.7900),
    ]


def build_subdistricts(carrier_rows: list[tuple[dict[str, Any], Point]]) -> list[dict[str, Any]]:
    district = boundary_metric()
    cuts = shapely.union_all([district.boundary, *[shapely.intersection(c, district.buffer(1)) for c in _cut_lines()]])
    cells = [c for c in shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.node(cuts))))
             if c.area > 1 and district.contains(c.representative_point())]
    seeds = {sid: pt(*lonlat) for sid, _, _, _, lonlat, *_ in SUBDISTRICTS}
    parts: dict[str, list[Polygon]] = {sid: [] for sid in seeds}
    for cell in cells:
        inside = [sid for sid, p in seeds.items() if cell.contains(p)]
        sid = inside[0] if inside else min(seeds, key=lambda s: cell.distance(seeds[s]))
        parts[sid].append(cell)
    features = []
    for sid, name, name_en, code, _, area_pub, seat, bounds, streets in SUBDISTRICTS:
        geom = shapely.union_all(parts[sid])
        geom = shapely.make_valid(geom)
        inside = [props["name"] for props, point in carrier_rows if geom.contains(point) and not props["placeholder"]]
        features.append(_feature(
            geom, id=f"subdistrict-{sid}", name=name, name_en=name_en, code=code or "not found (set up 2024)",
            seat=seat or "not found", area_km2_published=area_pub, area_km2_drawn=round(geom.area / 1e6, 2),
            bounds_published=bounds, feature_streets_known=streets, carriers=("、".join(inside) or "none located"),
            **TARGETS, targets_text=TARGETS_TEXT, legal_boundary=False,
            source=f"NBS codes and tcmap descriptions ({FACTS_REF} §2); {SEED_REF} (targets)",
            method=("NOT a legal boundary: the district outline cut along the named roads the published bounds name "
                    "(迎泽大街/郝家沟街, 解放路, 五一路, 新建南路) and along assumed lines (112.569 E 迎泽/桥东, 112.586 E "
                    "桥东/双塔, 112.600 E 文庙/郝庄, 112.633 E 双塔/郝庄); published areas mix dates (about 124 km² in "
                    "all vs 105 km²), so drawn and published areas differ; " + NOT_SURVEYED),
            accuracy_m=300.0 if sid in {"liuxiang", "wenmiao", "miaoqian", "laojunying"} else 1000.0))
    return features


# ------------------------------------------------------------------------------------------------ bus stops, facilities
ASSUMED_STOP_ROADS = ("yingze-dajie", "jiefang-lu", "jiefang-nanlu", "wuyi-lu", "fudong-jie", "haojiagou-jie",
                      "line1-south-road", "chaoyang-jie", "xinjian-nanlu", "nan-neihuan-jie", "binhe-donglu")
STOP_SPACING_M = 450.0


def bus_stops() -> list[dict[str, Any]]:
    roads = _roads()
    district = boundary_metric().buffer(400)
    yz = roads["yingze-dajie"].line()
    liunan = shapely.ops.nearest_points(yz, pt(LIUXIANG_LON, 37.8594))[0]
    named = [_feature(liunan, id="bus-liunan", name="柳南", name_en="Liunan", basis="named", routes="",
                      source=f"{FACTS_REF} §4.2 (儿童公园: 'nearest bus stop 柳南站', watu.cn / bike163.net, medium)",
                      method="placed on 迎泽大街 at 柳巷南路 (where the 柳南 metro station is); routes not found; " + NOT_SURVEYED,
                      accuracy_m=150.0)]
    features = list(named)
    taken = [liunan]
    for slug in ASSUMED_STOP_ROADS:
        road = roads[slug]
        line = road.line()
        n = int(line.length // STOP_SPACING_M)
        for i in range(n + 1):
            here = line.interpolate(min(line.length, (i + 0.5) * STOP_SPACING_M))
            if not district.contains(here) or min(here.distance(t) for t in taken) < 250:
                continue
            taken.append(here)
            features.append(_feature(
                here, id=f"bus-{slug}-{i + 1}", name=f"{road.name or '地铁1号线上方道路'}（推定站{i + 1}）",
                name_en=f"{road.name_en or 'Road above metro Line 1'} (assumed stop {i + 1})", basis="assumed", routes="",
                source="planmap-schematic (no bus-stop data exists for Yingze: SOURCES.md)",
                method=f"hypothetical stop every ~{STOP_SPACING_M:.0f} m on the main road {road.name or slug}; stands in "
                       "for the real stops, which are not surveyed",
                accuracy_m=250.0))
    return features


#: (id, name, name_en, kind, point or None, accuracy, source, how)
def facilities() -> list[dict[str, Any]]:
    park = _park()
    rows = [
        ("fac-childrens-park", "儿童公园（文瀛公园）", "Children's Park (Wenying Park)", "park", park.centroid, 250.0,
         f"{FACTS_REF} §4.2", "centre of the assumed park footprint (address 海子边东街28号; 11.9万 m²)"),
        ("fac-wuyi-square", "五一广场", "Wuyi Square", "park", pt(*SQUARE_CENTRE), 100.0,
         f"{FACTS_REF} §0, §4.3 (zh-wiki, WGS84)", "the zh-wiki coordinate of the garden square (rebuilt 1995 as a garden square)"),
        ("fac-yongzuo-temple", "永祚寺（双塔寺）", "Yongzuo Temple (Twin Pagodas)", "culture",
         pt(112.589648103118, 37.8456595650776), 150.0, f"{FACTS_REF} §0, §4.9 (GitHub file id 21589172150, low)",
         "point of a GitHub ECharts file (CRS not stated, probably WGS84); a second source read as GCJ-02 lies 101 m away"),
        ("fac-shuangta-park", "双塔公园", "Shuangta Park", "park", pt(112.5925, 37.8440), 500.0,
         f"{FACTS_REF} §4.9 (szuonline.cn, low)", "the park built round 永祚寺 from 2020 (1,344 亩 phase 1): "
         "a point 300 m south-east of the temple, extent not found"),
        ("fac-chunyang-gong", "纯阳宫", "Chunyang Palace", "culture", pt(112.5650, 37.8603), 200.0,
         f"{FACTS_REF} §5 (山西饭店: 南是纯阳宫)", "south of 山西饭店 at 五一广场's west side: position inferred from that "
         "neighbour; its use as a museum is not in the facts"),
        ("fac-gymnasium", "体育馆（地铁站名所指）", "Gymnasium (named by the metro station)", "sport",
         pt(112.5560, 37.8452), 300.0, f"OSM 体育馆 station ({OSM_ATTRIBUTION})",
         "inferred from the metro station's name only: a gymnasium near the 体育馆 station; not located"),
        ("fac-ershichang-market", "二市场", "Ershichang market", "convenience", pt(112.5598, Z + 0.0005), 150.0,
         f"{FACTS_REF} §2 (柳巷街道 seat: 钟楼街东段北侧二市场31号, tcmap)", "north side of the east part of 钟楼街, "
         "from the subdistrict office's address; taken as a neighbourhood market"),
        ("fac-ncrt-college", "华北广播电影电视干部管理学院", "North China radio, film and TV cadre college", "education",
         pt(112.5960, 37.8625), 600.0, f"{FACTS_REF} §2 (文庙街道 east boundary, tcmap)",
         "named as 文庙街道's eastern neighbour: placed at the east edge of the schematic 文庙 area; not located"),
    ]
    return [_feature(point, id=fid, name=name, name_en=name_en, kind=kind, basis="described",
                     source=src, method=f"{how}; {NOT_SURVEYED}", accuracy_m=acc)
            for fid, name, name_en, kind, point, acc, src, how in rows]


# ------------------------------------------------------------------------------------------------ main
def main() -> None:
    stations = {f["properties"]["name"]: to_metric(f["geometry"]) for f in read_layer("transit-stations")}
    lines, areas = build_belts(belt_legs())
    write_geojson(PLAN_DATA / "night-belts.geojson", lines)
    write_geojson(PLAN_DATA / "night-belt-areas.geojson", areas)
    write_geojson(PLAN_DATA / "business-circles.geojson", build_business_circles(stations))
    rows = carriers()
    subdistricts = build_subdistricts(rows)
    write_geojson(PLAN_DATA / "subdistricts.geojson", subdistricts)
    features = []
    for props, point in rows:
        home = next((s["properties"]["name"] for s in subdistricts
                     if to_metric(s["geometry"]).contains(point)), "outside")
        props["subdistrict"] = "未知（占位）" if props["accuracy_m"] >= 5000 else home
        features.append(_feature(point, **props))
    write_geojson(PLAN_DATA / "carriers.geojson", features)
    write_geojson(PLAN_DATA / "bus-stops.geojson", bus_stops())
    write_geojson(PLAN_DATA / "facilities.geojson", facilities())
    for s in subdistricts:
        p = s["properties"]
        print(f"  {p['name']}: drawn {p['area_km2_drawn']} km² (published {p['area_km2_published']}); carriers: {p['carriers']}")


if __name__ == "__main__":
    main()
