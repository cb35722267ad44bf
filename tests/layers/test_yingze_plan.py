"""The shipped Yingze plan (迎泽区, seed 002 “九大行动”): loadable, valid, honest, and true to the seed and the facts.

Expected values are written out here (from seed 002, the facts file and the OSM export) so that the tests do
not need ../shared to exist. No network access.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import shapely

from geo.crs import wgs84_to_gcj02
from layers.plan import PLANS_DIR, load_plan
from layers.rulesets import read_ruleset

LAYERS = ["district-boundary", "neighbour-districts", "transit-lines", "transit-stations", "bus-stops",
          "facilities", "streets", "night-belts", "night-belt-areas", "business-circles", "carriers", "subdistricts"]
MADE_LAYERS = ["bus-stops", "facilities", "night-belts", "night-belt-areas", "business-circles", "carriers",
               "subdistricts"]

#: seed 002: the stage of every carrier it gives one for (启动… 重点载体建设项目 / 加快谋划招引… 储备项目)
SEED_STAGES = {"钟楼步行街二期": "启动建设", "太原珈宝广场": "启动建设", "双塔汇商业街": "启动建设",
               "公园1991奥特莱斯": "启动建设", "绿城·桃花源小镇": "启动建设",
               "华润万象天地": "谋划招引储备", "地铁TOD地下空间改造": "谋划招引储备"}
#: carriers seed 002 names without a stage (as stored; the name may carry a gloss in brackets)
SEED_WITHOUT_STAGE = ["钟楼步行街", "上马文化休闲街区", "南海美食休闲街区", "茂业百货", "华宇购物中心",
                      "铜锣湾国际购物中心", "中正天街", "山西饭店", "并州饭店", "钟楼街民宿"]

#: facts §6: OSM metro points inside Yingze after converting the boundary (大南门's two stop positions merged)
STATIONS_IN_YINGZE = {"长风东街", "南十方街", "双塔", "体育馆", "朝阳街", "桃园路", "大南门", "柳南", "五一广场",
                      "太原站西广场", "太原", "太原站东广场", "郝家沟", "开化寺街"}
#: facts §6: a few OSM node positions (WGS84)
OSM_NODES = {"五一广场": ("node/12603762932", 112.5676129, 37.8596957),
             "开化寺街": ("node/9792411044", 112.5538653, 37.8644197),
             "朝阳街": ("node/12603771448", 112.5983055, 37.8550228)}

SUBDISTRICT_CODES = {"柳巷街道": "140106001", "文庙街道": "140106002", "庙前街道": "140106003",
                     "迎泽街道": "140106004", "桥东街道": "140106005", "老军营街道": "140106006",
                     "郝庄镇": "140106100", "双塔街道": None}


@pytest.fixture(scope="module")
def plan():
    return load_plan("yingze", PLANS_DIR)


def metric(plan, layer_id: str):
    return plan.layer(layer_id).to_crs(plan.metric_crs)


def _bearing_deg(line: shapely.LineString) -> float:
    """Direction of a line from its first to its last vertex, 0 = north–south, 90 = east–west."""
    (x0, y0), (x1, y1) = line.coords[0], line.coords[-1]
    return math.degrees(math.atan2(abs(x1 - x0), abs(y1 - y0)))


# ------------------------------------------------------------------------------------------------ every layer
@pytest.mark.parametrize("layer_id", LAYERS)
def test_layer_loads_valid_in_wgs84_with_provenance(plan, layer_id):
    frame = plan.layer(layer_id)
    assert len(frame) > 0
    assert frame.crs.to_epsg() == 4326
    assert shapely.is_valid(frame.geometry.values).all()
    assert not shapely.is_empty(frame.geometry.values).any()
    assert frame.index.is_unique
    x0, y0, x1, y1 = plan.plan.map_area
    minx, miny, maxx, maxy = frame.total_bounds
    assert x0 <= minx and y0 <= miny and maxx <= x1 and maxy <= y1
    for column in ("source", "method"):
        assert frame[column].map(lambda v: isinstance(v, str) and len(v) > 3).all(), column
    assert (frame["accuracy_m"].astype(float) > 0).all()


@pytest.mark.parametrize("layer_id", MADE_LAYERS)
def test_made_features_say_how_they_were_made(plan, layer_id):
    spec = plan.spec(layer_id)
    frame = plan.layer(layer_id)
    assert spec.schematic
    assert "示意" in spec.title.zh and ("schematic" in spec.title.en or "approximate" in spec.title.en)
    assert frame["schematic"].all()
    assert frame["placeholder"].map(lambda v: isinstance(v, (bool, np.bool_))).all()
    assert frame["id"].str.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*").all()
    # a placeholder never claims to be accurate
    assert (frame.loc[frame["placeholder"].astype(bool), "accuracy_m"] >= 400).all()


def test_feature_ids_are_unique_across_plan_layers(plan):
    ids = [fid for layer_id in MADE_LAYERS for fid in plan.layer(layer_id).index]
    assert len(ids) == len(set(ids))


# ------------------------------------------------------------------------------------------------ catalogue
def test_catalogue_roles_crs_night_window_and_rulesets(plan):
    spec = plan.plan
    assert spec.id == "yingze"
    assert spec.roles["boundary"] == "district-boundary"
    assert spec.roles["streets"] == "streets" and plan.spec("streets").provider == "osm-xml"
    assert "coast" not in spec.roles and "axis" not in spec.roles
    assert spec.roles["projects"] == "carriers"
    assert set(spec.roles["commercial_areas"]) == {"business-circles", "night-belt-areas"}
    assert spec.gauss_kruger_crs == "EPSG:4547"
    assert tuple(spec.night_window) == ("18:00", "06:00")
    assert plan.metric_crs.to_epsg() == 32649
    adoption = spec.rulesets
    for lhasa in ("night-economy-street", "night-economy-complex"):
        assert adoption[lhasa].status == "reference" and adoption[lhasa].audits is None
        assert adoption[lhasa].note.startswith("参照《拉萨市夜间经济示范区认定和奖励办法》")
    assert adoption["night-culture-tourism-area"].status == "adopted"
    assert adoption["night-culture-tourism-area"].audits == "street"
    assert adoption["night-culture-tourism-area"].default
    assert adoption["night-culture-tourism-complex"].audits == "complex"
    assert adoption["yingze-life-circles"].status == "own"
    assert set(plan.rulesets) == set(adoption)
    for layer_id in ("night-belt-areas", "business-circles"):
        assert plan.spec(layer_id).zone_kind is not None
        assert set(plan.layer(layer_id)["zone_kind"]) <= {"street", "complex", "area"}


def test_national_rulesets_carry_the_2021_thresholds():
    area = read_ruleset(PLANS_DIR.parent / "rulesets" / "night-culture-tourism-area.yaml")
    assert area.criterion("area").measure == "area_m2"
    assert area.criterion("area").operator == "<=" and area.criterion("area").threshold == 3_000_000
    complex_ = read_ruleset(PLANS_DIR.parent / "rulesets" / "night-culture-tourism-complex.yaml")
    assert complex_.criterion("floor_area").threshold == 10_000
    for ruleset in (area, complex_):
        share = ruleset.criterion("cultural_share")
        assert share.operator == ">=" and share.threshold == 0.4
        assert ruleset.criterion("compliance").kind == "manual"
        assert "文化和旅游部" in ruleset.source.document


def test_yingze_life_circle_ruleset_names_roles_not_layers(plan):
    ruleset = plan.rulesets["yingze-life-circles"]
    targets = [t for c in ruleset.criteria for t in c.targets]
    assert targets and all(t.role == "facilities" for t in targets)
    assert targets[0].filter == {"kind": ["convenience"]}
    assert ruleset.parameters["life_circle_walk_m"].default == 1000


# ------------------------------------------------------------------------------------------------ real context
def test_boundary_is_the_converted_amap_outline(plan):
    frame = plan.layer("district-boundary")
    geom = frame.geometry.iloc[0]
    assert frame["adcode"].iloc[0] == "140106"
    area_km2 = metric(plan, "district-boundary").area.iloc[0] / 1e6
    assert 104.0 < area_km2 < 106.0  # published 105 / 104.57 km²; computed 105.0 (facts §1)
    x0, y0, x1, y1 = geom.bounds
    # SOURCES.md: GCJ-02 lon 112.5366–112.7840, lat 37.8076–37.9205, i.e. about 0.0063° further east
    assert x0 == pytest.approx(112.5303, abs=0.001) and x1 == pytest.approx(112.7775, abs=0.001)
    assert y0 == pytest.approx(37.8071, abs=0.001) and y1 == pytest.approx(37.9199, abs=0.001)


def test_boundary_shift_against_gcj02_is_about_550_m(plan):
    geom = plan.layer("district-boundary").geometry.iloc[0]
    coords = shapely.get_coordinates(geom)
    glon, glat = wgs84_to_gcj02(coords[:, 0], coords[:, 1])
    dlon, dlat = glon - coords[:, 0], glat - coords[:, 1]
    # facts: GCJ-02 → WGS84 moves lon −0.00623° to −0.00652°, lat −0.00047° to −0.00066° (median −0.00627, −0.00051)
    assert np.median(dlon) == pytest.approx(0.00627, abs=0.0002)
    assert np.median(dlat) == pytest.approx(0.00051, abs=0.0001)
    assert dlon.min() > 0.0060 and dlon.max() < 0.0067
    from pyproj import Geod
    _, _, dist = Geod(ellps="WGS84").inv(coords[:, 0], coords[:, 1], glon, glat)
    assert 530 < np.median(dist) < 580
    assert plan.layer("district-boundary")["gcj02_shift_m"].iloc[0] == pytest.approx(np.median(dist), abs=5)


def test_neighbours_are_context_outside_the_district(plan):
    frame = plan.layer("neighbour-districts")
    assert {"杏花岭区", "小店区", "万柏林区"} <= set(frame["name"])
    district = metric(plan, "district-boundary").geometry.iloc[0]
    overlap = metric(plan, "neighbour-districts").intersection(district).area.sum()
    assert overlap < 1000  # m²: cut at the Yingze edge


def test_stations_are_osm_with_mode_and_odbl(plan):
    frame = plan.layer("transit-stations")
    spec = plan.spec("transit-stations")
    assert spec.osm_derived and "ODbL" in spec.provenance.licence
    assert frame["osm_id"].str.fullmatch(r"node/\d+").all()
    assert frame["source"].str.contains("OpenStreetMap").all()
    assert frame["source"].str.contains("ODbL").all()
    assert set(frame["mode"]) == {"metro", "rail"}
    inside = set(frame.loc[frame["in_district"].astype(bool), "name"])
    assert inside == STATIONS_IN_YINGZE
    assert frame.loc[frame["name"] == "太原", "mode"].item() == "rail"
    assert frame.loc[frame["name"] == "大南门", "lines"].item() == "1;2"
    for name, (osm_id, lon, lat) in OSM_NODES.items():
        row = frame[frame["name"] == name].iloc[0]
        assert row["osm_id"] == osm_id
        assert row.geometry.x == pytest.approx(lon, abs=1e-7) and row.geometry.y == pytest.approx(lat, abs=1e-7)
    assert "钟楼街" not in set(frame["name"])  # facts §6: there is no 钟楼街 station


def test_metro_lines_are_osm_lines_1_and_2(plan):
    frame = plan.layer("transit-lines")
    assert sorted(frame["line"]) == ["1", "2"]
    assert plan.spec("transit-lines").osm_derived
    assert frame["colour"].tolist() == ["#1B5EAB", "#DA2B30"]


# ------------------------------------------------------------------------------------------------ streets
def test_streets_are_osm_xml_with_named_fact_streets(plan):
    frame = plan.layer("streets")
    named = frame[frame["name"].notna()]
    for name in ("迎泽大街", "解放路", "五一路", "府东街", "柳巷", "钟楼街", "桥头街", "上马街", "食品街", "海子边东街"):
        assert name in set(named["name"]), name
    assert set(named.loc[named["name"] == "钟楼街", "width"]) == {"13"}
    assert set(named.loc[named["name"] == "食品街", "width"]) == {"10"}
    assert frame["source"].eq("planmap-schematic").all()
    # honest accuracy per way: anchored on the metro tracks better than placed from descriptions
    acc = frame.groupby("name")["accuracy_m"].max()
    assert acc["迎泽大街"] <= 50 and acc["钟楼街"] >= 150 and acc["上马街"] >= 200
    assert plan.graph is not None and plan.graph.number_of_nodes() > 1000


@pytest.mark.parametrize("a,b", [("食品街", "钟楼街"), ("食品街", "府东街"), ("钟楼街", "解放路"), ("钟楼街", "柳巷"),
                                 ("桥头街", "上马街"), ("上马街", "五一路"), ("海子边东街", "桥头街"),
                                 ("开化寺街", "解放路"), ("五一路", "迎泽大街"), ("解放路", "迎泽大街")])
def test_named_streets_that_meet_share_a_node(plan, a, b):
    frame = plan.layer("streets")

    def nodes(name: str) -> set[int]:
        rows = frame[frame["name"] == name]
        return set(rows["u"]) | set(rows["v"])

    assert nodes(a) & nodes(b), f"{a} and {b} do not meet in the walk network"


def test_yingze_dajie_runs_over_metro_line_1(plan):
    streets = metric(plan, "streets")
    avenue = shapely.union_all(streets.loc[streets["name"] == "迎泽大街"].geometry.values)
    stations = metric(plan, "transit-stations").set_index("name")
    for name in ("桃园路", "大南门", "柳南", "五一广场", "太原站西广场"):
        assert avenue.distance(stations.loc[name].geometry) < 60, name


# ------------------------------------------------------------------------------------------------ the L
def test_belts_form_an_l(plan):
    legs = metric(plan, "night-belts")
    assert len(legs) == 7
    belt1 = legs[legs["belt"] == "belt-1"].sort_values("leg_order")
    belt2 = legs[legs["belt"] == "belt-2"].sort_values("leg_order")
    assert belt1["name"].tolist()[0].startswith("海子边街") and belt1["name"].tolist()[-1] == "五一广场"
    assert belt2["name"].tolist() == ["食品街", "钟楼街", "桥头街", "上马街"]
    # belt 1 runs north–south, belt 2's 钟楼街—桥头街—上马街 east–west: the two strokes of the L are perpendicular
    assert all(_bearing_deg(g) < 10 for g in belt1.geometry)
    east_west = belt2[belt2["name"] != "食品街"]
    assert all(_bearing_deg(g) > 80 for g in east_west.geometry)
    stroke2 = shapely.line_merge(shapely.union_all(east_west.geometry.values))
    assert stroke2.geom_type == "LineString" and stroke2.length > 1500
    stroke1 = shapely.union_all(belt1.geometry.values)
    # they meet: belt 1 hangs from belt 2 at 桥头街 (its north end within 20 m) and lies south of it
    north_end = max((shapely.Point(c) for c in shapely.get_coordinates(stroke1)), key=lambda p: p.y)
    assert north_end.distance(stroke2) < 20
    assert stroke1.bounds[3] <= stroke2.bounds[3] + 1
    assert 300 < stroke1.bounds[3] - stroke1.bounds[1] < 800  # 海子边 to 五一广场, about 0.5 km


def test_each_leg_has_its_own_provenance_and_width(plan):
    legs = plan.layer("night-belts").set_index("name")
    assert legs.loc["食品街", "width_m"] == 10 and legs.loc["食品街", "width_basis"].startswith("published")
    assert legs.loc["钟楼街", "width_m"] == 13 and legs.loc["钟楼街", "width_basis"].startswith("published")
    for name in ("桥头街", "上马街"):
        assert legs.loc[name, "width_basis"].startswith("assumed")
    assert legs["method"].nunique() == len(legs)
    assert legs["facts"].map(len).min() > 40
    # 食品街: 北起府东街，南至钟楼街 — the drawn length is the distance between the two streets (≈ 545 m)
    assert 450 < legs.loc["食品街", "length_m"] < 650
    assert 500 < legs.loc["钟楼街", "length_m"] < 700  # 解放路 to the 柳巷 crossing


def test_zhonglou_street_ends_on_its_published_neighbours(plan):
    legs = metric(plan, "night-belts").set_index("name")
    streets = metric(plan, "streets")
    jiefang = shapely.union_all(streets.loc[streets["name"] == "解放路"].geometry.values)
    fudong = shapely.union_all(streets.loc[streets["name"] == "府东街"].geometry.values)
    zhonglou = legs.loc["钟楼街"].geometry
    assert min(shapely.Point(zhonglou.coords[0]).distance(jiefang), shapely.Point(zhonglou.coords[-1]).distance(jiefang)) < 30
    food = legs.loc["食品街"].geometry
    assert min(shapely.Point(c).distance(fudong) for c in (food.coords[0], food.coords[-1])) < 30
    assert min(shapely.Point(c).distance(zhonglou) for c in (food.coords[0], food.coords[-1])) < 1


def test_street_areas_are_flat_buffers_and_footprints(plan):
    areas = metric(plan, "night-belt-areas").set_index("name")
    legs = metric(plan, "night-belts").set_index("name")
    for name in ("食品街", "钟楼街", "桥头街", "上马街"):
        expected = legs.loc[name].geometry.length * legs.loc[name, "width_m"]
        assert areas.loc[name].geometry.area == pytest.approx(expected, rel=0.02)
        assert areas.loc[name, "zone_kind"] == "street"
    assert areas.loc["文瀛湖（儿童公园）"].geometry.area == pytest.approx(119000, rel=0.05)  # 11.9万 m²
    assert areas.loc["五一广场"].geometry.area == pytest.approx(34600, rel=0.02)  # 3.46 ha
    block = areas.loc["钟楼街片区（钟楼高品质步行街）"]
    assert block.geometry.area == pytest.approx(161000, rel=0.01)  # 16.1 ha
    assert block["national_title"].startswith("国家级夜间文化和旅游消费集聚区")
    assert block.geometry.contains(legs.loc["钟楼街"].geometry.interpolate(0.5, normalized=True))
    assert areas.loc["食品街", "merchants"] == 120


def test_zhonglou_street_is_near_real_metro_stations(plan):
    leg = metric(plan, "night-belts").set_index("name").loc["钟楼街"].geometry
    stations = metric(plan, "transit-stations")
    near = stations[stations.distance(leg) < 800]
    assert {"开化寺街", "大南门", "柳南"} <= set(near["name"])


# ------------------------------------------------------------------------------------------------ circles
def test_business_circles_hold_their_anchors(plan):
    circles = metric(plan, "business-circles").set_index("name")
    assert set(circles.index) == {"柳巷—钟楼商圈", "双塔—朝阳商圈"}
    legs = metric(plan, "night-belts").set_index("name")
    carriers = metric(plan, "carriers").set_index("id")
    liuxiang = circles.loc["柳巷—钟楼商圈"].geometry
    for name in ("食品街", "钟楼街", "桥头街"):
        # the circle is cut at the district outline, which runs up to ~15 m south of the drawn 府东街
        assert liuxiang.buffer(20).contains(legs.loc[name].geometry), name
    for cid in ("maoye-department-store", "causeway-bay-mall", "zhonglou-pedestrian-street"):
        assert liuxiang.contains(carriers.loc[cid].geometry), cid
    # 迎泽大街往北、府东街往南、解放路往东、五一路以西: about 1.2 km × 1.2 km
    assert 1.2e6 < liuxiang.area < 1.8e6
    stations = metric(plan, "transit-stations").set_index("name")
    shuangta = circles.loc["双塔—朝阳商圈"].geometry
    assert shuangta.contains(stations.loc["朝阳街"].geometry)
    assert shuangta.contains(carriers.loc["shuangtahui-street"].geometry)
    assert circles.loc["双塔—朝阳商圈", "accuracy_m"] >= 500


# ------------------------------------------------------------------------------------------------ carriers
def test_every_seed_carrier_is_present_with_the_seed_stage(plan):
    frame = plan.layer("carriers")
    names = frame["name"].tolist()
    for name, stage in SEED_STAGES.items():
        row = frame[frame["name"] == name]
        assert len(row) == 1, name
        assert row["stage"].item() == stage, name
        assert bool(row["stage_in_seed"].item())
        assert row["seed_text"].item().find(name.replace("·", "·")) >= 0 or name in row["seed_text"].item()
    for name in SEED_WITHOUT_STAGE:
        matches = [n for n in names if n == name or n.startswith(name + "（")]
        assert len(matches) == 1, name
        row = frame[frame["name"] == matches[0]]
        assert not bool(row["stage_in_seed"].item())
        assert "推断" in row["stage"].item()
        assert row["stage_basis"].item().startswith("our inference")
    assert len(frame) == len(SEED_STAGES) + len(SEED_WITHOUT_STAGE)
    assert set(frame["stage"]) == {"启动建设", "谋划招引储备", "现有载体（推断）"}


def test_carrier_targets_from_the_seed(plan):
    frame = plan.layer("carriers").set_index("id")
    assert frame.loc["zhonglou-pedestrian-street", "target_brands"] == 20  # 钟楼步行街引进20个国内外知名品牌
    assert frame.loc["zhonglou-pedestrian-street", "target_first_stores"] == 5  # 完成5家品牌首店引进
    assert frame.loc["shangma-leisure-quarter", "target_brands"] == 10  # 上马街打造10个“上马”品牌系列的主体商业


def test_unlocated_carriers_are_placeholders(plan):
    frame = plan.layer("carriers").set_index("name")
    for name in ("太原珈宝广场", "绿城·桃花源小镇", "华润万象天地", "地铁TOD地下空间改造", "钟楼步行街二期",
                 "公园1991奥特莱斯", "钟楼街民宿"):
        assert bool(frame.loc[name, "placeholder"]), name
        assert frame.loc[name, "location_basis"].startswith("not located")
    for name in ("山西饭店", "并州饭店", "双塔汇商业街", "中正天街"):
        assert not bool(frame.loc[name, "placeholder"]) and frame.loc[name, "accuracy_m"] <= 300


def test_shuangtahui_point_is_converted_from_gcj02(plan):
    row = plan.layer("carriers").set_index("name").loc["双塔汇商业街"]
    # facts §0: 112.599477, 37.85395 (probably GCJ-02) → 112.593239, 37.853474
    assert row.geometry.x == pytest.approx(112.593239, abs=2e-5)
    assert row.geometry.y == pytest.approx(37.853474, abs=2e-5)


# ------------------------------------------------------------------------------------------------ subdistricts
def test_subdistricts_partition_the_district_and_are_not_legal(plan):
    subs = metric(plan, "subdistricts")
    district = metric(plan, "district-boundary").geometry.iloc[0]
    assert set(subs["name"]) == set(SUBDISTRICT_CODES)
    union = shapely.union_all(subs.geometry.values)
    assert union.symmetric_difference(district).area < 0.001 * district.area
    assert sum(g.area for g in subs.geometry) == pytest.approx(district.area, rel=0.001)
    assert not subs["legal_boundary"].astype(bool).any()
    assert "NOT a legal boundary" in subs["method"].iloc[0]
    assert "非法定界线" in plan.spec("subdistricts").title.zh
    for _, row in subs.iterrows():
        code = SUBDISTRICT_CODES[row["name"]]
        if code:
            assert row["code"] == code
        else:
            assert row["code"].startswith("not found")


def test_subdistricts_carry_the_seed_targets(plan):
    subs = plan.layer("subdistricts")
    assert (subs["target_feature_streets_min"] == 1).all() and (subs["target_feature_streets_max"] == 2).all()
    assert (subs["target_life_circles_min"] == 3).all()
    assert (subs["target_first_stores_min"] == 1).all() and (subs["target_brands_min"] == 5).all()
    assert (subs["target_new_checkin_points"] == 3).all()


def test_places_lie_in_the_subdistricts_the_facts_name(plan):
    subs = metric(plan, "subdistricts").set_index("name")
    legs = metric(plan, "night-belts").set_index("name")
    carriers = metric(plan, "carriers").set_index("name")
    assert subs.loc["柳巷街道"].geometry.contains(legs.loc["钟楼街"].geometry.centroid)   # seat on 钟楼街 (medium)
    assert subs.loc["文庙街道"].geometry.contains(legs.loc["上马街"].geometry.centroid)   # 上马街: 文庙 (medium)
    assert subs.loc["迎泽街道"].geometry.contains(carriers.loc["并州饭店"].geometry)      # 并州饭店: 迎泽街道
    stations = metric(plan, "transit-stations").set_index("name")
    assert subs.loc["文庙街道"].geometry.contains(stations.loc["太原"].geometry)          # 太原火车站 in 文庙


# ------------------------------------------------------------------------------------------------ places
def test_facilities_and_bus_stops(plan):
    facilities = plan.layer("facilities")
    assert set(facilities["kind"]) <= {"culture", "medical", "elderly", "park", "education", "sport", "convenience"}
    assert {"park", "culture", "convenience"} <= set(facilities["kind"])
    wuyi = facilities.set_index("name").loc["五一广场"]
    assert wuyi.geometry.x == pytest.approx(112.56791, abs=1e-6) and wuyi.geometry.y == pytest.approx(37.86111, abs=1e-6)
    stops = plan.layer("bus-stops")
    assert set(stops["basis"]) == {"named", "assumed"}
    assert stops.loc[stops["basis"] == "named", "name"].tolist() == ["柳南"]
    assert stops["name"].map(lambda n: re.search(r"推定站", n) is not None).sum() == (stops["basis"] == "assumed").sum()
