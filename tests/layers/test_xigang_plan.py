"""The shipped PLAN layers of Xigang: loadable, valid, honest, and true to the plan texts.

Expected tables are written out here (from seed 003 box 专栏4 and seed 001 二(二)2) so that the tests do not
need ../shared to exist.
"""

from __future__ import annotations

import itertools
import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

PLAN_LAYERS = ["layout-axis", "layout-bays", "layout-streets", "layout-street-areas", "layout-blocks",
               "layout-districts", "business-circles", "night-economy", "subdistricts", "key-projects"]

#: seed 003 专栏4 重点产业项目情况: (name as stored, layout element, status)
BOX_4 = [
    ("保利·熙悦", "一轴", "重点实施"), ("医协汇肿瘤医院", "一轴", "重点实施"),
    ("大连颐养苑养老服务中心", "一轴", "重点实施"), ("大连大学科创园", "一轴", "重点实施"),
    ("威华街北侧地块改造项目", "一轴", "重点实施"), ("八一路好吃街提升改造项目", "一轴", "重点实施"),
    ("煤气大罐周边地块", "一轴", "拟推进"), ("天源山庄西侧地块", "一轴", "拟推进"),
    ("铁路西站改造项目", "一轴", "拟推进"),
    ("雅苑酒店", "一轴", "力争盘活"), ("心族大酒店", "一轴", "力争盘活"), ("原宏光集团大厦", "一轴", "力争盘活"),
    ("融创壹号院", "两湾", "重点实施"), ("白云雁水健身公园提升", "两湾", "重点实施"),
    ("煤炭疗养院提升工程", "两湾", "重点实施"), ("大云书库", "两湾", "重点实施"),
    ("森林动物园提升改造项目", "两湾", "重点实施"),
    ("大连渔轮厂", "两湾", "拟推进"), ("信达水产制品厂地块", "两湾", "拟推进"), ("船舶疗养院", "两湾", "拟推进"),
    ("付家庄公园提升改造项目", "两湾", "拟推进"), ("八一路文旅园区项目", "两湾", "拟推进"),
    ("马术表演场", "两湾", "拟推进"), ("八一路220号地块项目", "两湾", "拟推进"),
    ("东关街历史文化街区保护与利用项目", "三街", "重点实施"),
    ("高尔基路-凤鸣街沿线地块", "三街", "拟推进"), ("俄罗斯风情街提升改造项目", "三街", "拟推进"),
    ("香炉礁商贸区提升工程", "四片区", "重点实施"), ("印象城和星海商城提升改造项目", "四片区", "重点实施"),
    ("大连创谷汇双创产业中心提升工程", "四片区", "重点实施"), ("大连城市音乐文化创意产业园", "四片区", "重点实施"),
    ("大连理工大学-西岗科创产业园", "四片区", "重点实施"), ("汇景天地", "四片区", "重点实施"),
    ("锦华日本饮食文化街提升改造项目", "四片区", "重点实施"),
    ("衡器厂地块改造项目", "四片区", "拟推进"), ("英和水产制品厂地块改造项目", "四片区", "拟推进"),
    ("棒棰岛地块改造项目", "四片区", "拟推进"), ("市政南北地块改造项目", "四片区", "拟推进"),
    ("联通地块改造项目", "四片区", "拟推进"), ("旧货市场改造项目", "四片区", "拟推进"),
    ("凯旋商城C座改造项目", "四片区", "拟推进"), ("兴业建材市场改造项目", "四片区", "拟推进"),
    ("城市美术馆二期改造项目", "四片区", "拟推进"),
]

#: projects seed 001 二(二)2 names per subdistrict that 专栏4 does not list (status 规划提及)
ONLY_IN_001 = {
    "大连旅游集团智慧景区建设": "八一路街道", "森林动物园二期表演场": "八一路街道",
    "大同街地下人行通道": "人民广场街道", "香洲花园酒店升级改造": "人民广场街道",
    "新开路商务楼宇升级（珠江大厦、外经贸大厦）": "人民广场街道",
    "环奥林匹克广场地下空间开发": "白云街道", "盒马鲜生西岗店": "白云街道",
    "一二九街化物所老院区改造": "日新街道", "森茂大厦": "日新街道",
    "山姆会员店、麦德龙、宜家转型升级": "香炉礁街道", "亚洲渔港产业链延伸": "香炉礁街道",
}

#: NBS statistical division codes (facts §2)
SUBDISTRICT_CODES = {"香炉礁街道": "210203001", "日新街道": "210203004", "八一路街道": "210203010",
                     "人民广场街道": "210203011", "白云街道": "210203013"}


def metric(store, layer_id: str) -> gpd.GeoDataFrame:
    return store.layer(layer_id).to_crs(store.metric_crs)


@pytest.mark.parametrize("layer_id", PLAN_LAYERS)
def test_plan_layer_loads_valid_in_wgs84_with_provenance(store, layer_id):
    spec = store.spec(layer_id)
    frame = store.layer(layer_id)
    assert len(frame) > 0
    assert frame.crs.to_epsg() == 4326
    assert spec.source_crs == "EPSG:4326"
    assert shapely.is_valid(frame.geometry.values).all()
    assert not shapely.is_empty(frame.geometry.values).any()
    assert frame.index.is_unique and (frame.index == frame["id"]).all()
    assert frame["id"].str.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*").all()
    x0, y0, x1, y1 = store.plan.map_area
    minx, miny, maxx, maxy = frame.total_bounds
    assert x0 <= minx and y0 <= miny and maxx <= x1 and maxy <= y1
    for column in ("name", "name_en", "source", "method"):
        assert frame[column].map(lambda v: isinstance(v, str) and len(v) > 0).all(), column
    assert (frame["accuracy_m"] > 0).all()
    assert frame["schematic"].map(lambda v: isinstance(v, (bool, np.bool_))).all()


@pytest.mark.parametrize("layer_id", PLAN_LAYERS)
def test_schematic_layers_say_so_in_their_titles(store, layer_id):
    spec = store.spec(layer_id)
    assert spec.schematic
    if layer_id != "key-projects":
        assert "示意" in spec.title.zh and "schematic" in spec.title.en
        assert store.layer(layer_id)["schematic"].all()


def test_plan_feature_ids_are_unique_across_layers(store):
    ids = [fid for layer_id in PLAN_LAYERS for fid in store.layer(layer_id).index]
    assert len(ids) == len(set(ids))


def test_zone_kinds_are_declared_and_per_feature(store):
    assert store.spec("layout-street-areas").zone_kind == "street"
    for layer_id in ("layout-districts", "business-circles", "layout-bays", "layout-blocks"):
        assert store.spec(layer_id).zone_kind == "area"
        assert (store.layer(layer_id)["zone_kind"] == "area").all()
    night = store.layer("night-economy")
    assert set(night["zone_kind"]) == {"street", "complex", "area"}


def test_subdistricts_partition_the_district(store):
    parts = metric(store, "subdistricts")
    boundary = gpd.GeoSeries([store.boundary], crs=4326).to_crs(store.metric_crs).iloc[0]
    assert len(parts) == 5
    union = shapely.union_all(parts.geometry.values)
    assert union.area == pytest.approx(boundary.area, rel=0.01)
    assert union.symmetric_difference(boundary).area < 0.01 * boundary.area
    for a, b in itertools.combinations(parts.geometry.values, 2):
        assert a.intersection(b).area < 1e-4 * boundary.area
    # every subdistrict is a real share of the district, not a sliver
    assert (parts.area > 0.08 * boundary.area).all()


def test_subdistricts_carry_codes_layout_and_projects(store):
    parts = store.layer("subdistricts").set_index("name")
    assert parts["code"].to_dict() == SUBDISTRICT_CODES
    assert "东关街历史文化街" in parts.loc["日新街道", "carries_layout"]
    assert "香炉礁国际商贸片区" in parts.loc["香炉礁街道", "carries_layout"]
    assert "融创壹号院" in parts.loc["日新街道", "carries_projects"].split("、")
    assert "雅苑酒店提升改造" in parts.loc["白云街道", "carries_projects"].split("、")
    assert "NOT authoritative" in parts.loc["八一路街道", "method"]


def test_every_box4_project_is_present_with_its_status(store):
    projects = store.layer("key-projects").set_index("name")
    assert projects.index.is_unique
    for name, element, status in BOX_4:
        assert name in projects.index, name
        assert projects.loc[name, "status"] == status, name
        assert projects.loc[name, "layout_element"] == element, name
        assert "003专栏4" in projects.loc[name, "listed_in"], name
    assert (projects["status"] == "力争盘活").sum() == 3


def test_projects_named_only_in_001_are_marked_and_sourced(store):
    projects = store.layer("key-projects").set_index("name")
    for name, subdistrict in ONLY_IN_001.items():
        assert projects.loc[name, "status"] == "规划提及", name
        assert "001" in projects.loc[name, "listed_in"] and "003专栏4" not in projects.loc[name, "listed_in"]
        assert projects.loc[name, "subdistrict_in_text"] == subdistrict
    box_names = {name for name, *_ in BOX_4}
    others = set(projects.index) - box_names - set(ONLY_IN_001)
    assert others == {"长春路北段打通工程"}  # named in seed 003 第六章一, not in the box


def test_key_project_fields_and_honest_accuracy(store):
    projects = store.layer("key-projects")
    assert set(projects["status"]) == {"重点实施", "拟推进", "力争盘活", "规划提及"}
    assert set(projects["layout_element"]) == {"一轴", "两湾", "三街", "四片区"}
    assert projects["location_basis"].str.len().gt(10).all()
    assert projects["accuracy_m"].between(150, 3000).all()
    unknown = projects[projects["location_basis"].str.contains("not found")]
    assert len(unknown) > 10 and (unknown["accuracy_m"] >= 300).all()
    # a project that is the whole of a drawn zone sits at its centre with the zone's accuracy
    covers = projects[projects["location_basis"].str.startswith("the project covers")]
    assert set(covers.index) == {"proj-dongguan-street-conservation", "proj-russian-street-upgrade"}
    app_points = projects[projects["location_basis"].str.startswith("app point")]
    assert len(app_points) >= 2 and app_points["accuracy_m"].between(150, 300).all()


def test_key_project_subdistrict_matches_point_in_polygon(store):
    projects = store.layer("key-projects")
    parts = store.layer("subdistricts")
    joined = gpd.sjoin(projects[["subdistrict", "geometry"]], parts[["name", "geometry"]], predicate="within")
    assert len(joined) == len(projects)
    assert (joined["subdistrict"] == joined["name"]).all()


def test_projects_the_plan_assigns_to_a_subdistrict_lie_there(store):
    projects = store.layer("key-projects")
    named = projects[projects["subdistrict_in_text"].str.len() > 0]
    assert len(named) >= 25
    wrong = [row.Index for row in named.itertuples() if row.subdistrict not in row.subdistrict_in_text]
    assert wrong == []  # before issue 9: the 大同街 underpass lay in 白云, not 人民广场


def test_axis_runs_from_the_north_shore_to_the_south_shore(store):
    axis = metric(store, "layout-axis")
    assert len(axis) == 1
    line = axis.geometry.iloc[0]
    coast = shapely.union_all(metric(store, "coastline").geometry.values)
    north, south = shapely.Point(line.coords[0]), shapely.Point(line.coords[-1])
    assert north.y - south.y > 5000  # the district is ~9.5 km north–south
    assert north.distance(coast) < 300
    # the south end is the district's own edge (the GSHHG shore lies ~200 m outside the outline there)
    boundary = gpd.GeoSeries([store.boundary], crs=4326).to_crs(store.metric_crs).iloc[0]
    assert south.distance(boundary.exterior) < 5 and south.distance(coast) < 500
    assert axis["roads"].iloc[0] == "长春路、八一路"
    # 965 m of the axis lay outside the district before issue 9
    assert line.difference(boundary.buffer(1)).length < 1


def test_axis_follows_the_named_road_lines(store):
    axis = metric(store, "layout-axis").geometry.iloc[0]
    streets = store.layer("streets")
    for road in ("长春路", "八一路"):
        lines = streets[streets["name"] == road].to_crs(store.metric_crs)
        if len(lines) == 0:
            pytest.skip(f"{road} not in the streets layer")
        # the street layer's road edges lie on the axis (within 15 m)
        boundary = gpd.GeoSeries([store.boundary], crs=4326).to_crs(store.metric_crs).iloc[0]
        road_lines = shapely.union_all(lines.geometry.values).intersection(boundary.buffer(-20))
        assert road_lines.length > 1000
        assert road_lines.difference(axis.buffer(15)).length < 0.05 * road_lines.length


def test_fengming_street_is_1200_m_long_and_4_m_wide(store):
    streets = metric(store, "layout-streets").set_index("name")
    line = streets.loc["凤鸣街休闲文化街"]
    assert line.geometry.length == pytest.approx(1200, rel=0.10)
    assert line["width_m"] == 4.0
    assert line["length_m"] == pytest.approx(line.geometry.length, abs=1)


def test_street_areas_are_flat_capped_buffers_of_the_centre_lines(store):
    lines = metric(store, "layout-streets")
    areas = metric(store, "layout-street-areas")
    assert len(lines) == len(areas) == 3
    for fid, line in lines.iterrows():
        area = areas.loc[fid.replace("street-", "street-area-")]
        assert area["name"] == line["name"]
        assert area.geometry.area == pytest.approx(line.geometry.length * line["width_m"], rel=0.05)
        # flat caps: the polygon does not reach beyond the line's ends
        assert area.geometry.buffer(0.5).contains(line.geometry)
        assert shapely.Point(line.geometry.coords[0]).buffer(line["width_m"]).difference(area.geometry).area > 0


def test_night_economy_carriers_rulesets_and_facts(store):
    night = store.layer("night-economy").set_index("name")
    assert set(night["carrier_type"]) == {"商圈", "商业街区", "商业综合体", "滨海区域"}
    expected_ruleset = {"商业街区": "night-economy-street", "商业综合体": "night-economy-complex",
                        "商圈": "none", "滨海区域": "none"}
    assert (night["ruleset"] == night["carrier_type"].map(expected_ruleset)).all()
    kind = {"商业街区": "street", "商业综合体": "complex", "商圈": "area", "滨海区域": "area"}
    assert (night["zone_kind"] == night["carrier_type"].map(kind)).all()
    two_circles_three_streets = set(night.index[night["two_circles_three_streets"].astype(bool)])
    assert two_circles_three_streets == {"奥林匹克商圈", "香炉礁商圈", "俄罗斯风情街", "锦华日本饮食文化街", "东关街"}
    for name in ("八一路好吃街", "百年港湾奥特莱斯滨海区域", "付家庄滨海区域", "港湾市集", "恒隆广场",
                 "奥林匹克电子城（盒马鲜生）"):
        assert name in night.index
    olympia = night.loc["恒隆广场"]
    assert olympia["floor_area_m2"] == 221_900
    assert "221,900" in olympia["facts"]
    footprint = gpd.GeoSeries([olympia.geometry], crs=4326).to_crs(store.metric_crs).iloc[0]
    assert footprint.area == pytest.approx(63_400, rel=0.02)
    # no merchant counts or turnovers are invented
    assert night["merchants"].isna().all()
    assert "turnover_yuan" not in night.columns
    # the unlocated Japanese food street says so, with a district-scale accuracy
    japanese = night.loc["锦华日本饮食文化街"]
    assert bool(japanese["placeholder"]) and japanese["accuracy_m"] >= 2000
    assert "UNKNOWN" in japanese["method"]


def test_night_economy_circles_match_the_business_circles(store):
    night = store.layer("night-economy").set_index("name")
    circles = store.layer("business-circles").set_index("name")
    for name in ("奥林匹克商圈", "香炉礁商圈"):
        assert night.loc[name].geometry.normalize().equals_exact(circles.loc[name].geometry.normalize(), 1e-7)


def test_districts_and_circles_hold_their_anchor_places(store):
    districts = store.layer("layout-districts").set_index("name")
    stations = store.layer("transit-stations")

    def station(name: str):
        return stations[stations["name"] == name].geometry.iloc[0]

    assert districts.loc["一二九街科技创新片区"].geometry.contains(station("一二九街"))
    assert districts.loc["香炉礁国际商贸片区"].geometry.contains(station("香炉礁"))
    assert districts.loc["奥林匹克时尚商业片区"].geometry.contains(station("人民广场"))
    circles = store.layer("business-circles").set_index("name")
    olympia = store.layer("night-economy").set_index("name").loc["恒隆广场"].geometry
    assert circles.loc["奥林匹克商圈"].geometry.contains(olympia.centroid)


def test_bays_lie_on_their_shores(store):
    bays = metric(store, "layout-bays").set_index("name")
    north, south = bays.loc["北部宜居休闲商务海湾"].geometry, bays.loc["南部生态文化旅游海湾"].geometry
    assert north.centroid.y - south.centroid.y > 5000
    assert not north.intersects(south)
    coast = shapely.union_all(metric(store, "coastline").geometry.values)
    assert north.intersects(coast) and south.distance(coast) < 300


def test_bd09_conversion_matches_the_facts_table():
    from data.build_plan import bd09_to_wgs84

    # facts §27: 恒隆广场 BD-09 38.9127,121.616 ≈ WGS84 38.9062,121.6044; 凯旋商城 38.9298,121.638 ≈ 38.9233,121.6264
    for (bd_lat, bd_lng), (lat, lon) in (((38.9127, 121.616), (38.9062, 121.6044)),
                                         ((38.9298, 121.638), (38.9233, 121.6264))):
        got_lon, got_lat = bd09_to_wgs84(bd_lat, bd_lng)
        assert got_lat == pytest.approx(lat, abs=1.5e-4)
        assert got_lon == pytest.approx(lon, abs=1.5e-4)


# ---------------------------------------------------------------------------------------------- issue 9: data truth
# Every data change must keep these: they hold the drawn data to what the plan texts (seeds 000/001/003) say.
# Figures in comments are the values before issue 9.
import re  # noqa: E402
from pathlib import Path  # noqa: E402

import yaml  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]


def seed_text(prefix: str) -> str:
    """A seed's full text, or skip where ../shared is not beside the checkout."""
    for parent in ROOT.parents:
        found = sorted((parent / "shared" / "seeds").glob(f"{prefix}_*.txt"))
        if found:
            return found[0].read_text(encoding="utf-8")
    pytest.skip("../shared/seeds not available")


def every_plan_feature(store):
    for layer_id in PLAN_LAYERS:
        for fid, row in metric(store, layer_id).iterrows():
            yield layer_id, fid, row


def district_metric(store):
    return gpd.GeoSeries([store.boundary], crs=4326).to_crs(store.metric_crs).iloc[0]


def test_every_plan_feature_lies_in_the_district_or_says_why(store):
    boundary = district_metric(store)
    flagged = set()
    for _layer_id, fid, row in every_plan_feature(store):
        geom = row.geometry
        share = (geom.intersection(boundary).area / geom.area if geom.area > 0 else
                 geom.intersection(boundary.buffer(0.5)).length / geom.length if geom.length > 0 else
                 float(boundary.buffer(0.5).contains(geom)))
        assert row["in_district_share"] == pytest.approx(share, abs=0.01), fid
        if share < 0.99:
            assert isinstance(row["outside_reason"], str) and len(row["outside_reason"]) > 40, fid
            assert share > 0.8, fid  # a flagged feature still lies mostly in the district
            flagged.add(fid)
    # only the schematic 团结街 and 凤鸣街 lines (and the zones drawn on them) overrun the outline
    assert flagged == {"street-shengliqiao-north", "street-area-shengliqiao-north", "ne-russian-street",
                       "street-fengming", "street-area-fengming"}
    seaside = metric(store, "night-economy").loc["ne-fujiazhuang-seaside"].geometry
    assert seaside.intersection(boundary).area / seaside.area > 0.99  # was 0.011 (98.9 % outside)
    park = metric(store, "key-projects").loc["proj-fujiazhuang-park"].geometry
    assert seaside.buffer(1).contains(park)


def test_blocks_are_areas_with_their_main_streets(store):
    blocks = metric(store, "layout-blocks")
    streets = metric(store, "layout-streets")
    assert set(blocks.index) == {"block-dongguan", "block-shengliqiao-north"}
    for fid, block in blocks.iterrows():
        rect = block.geometry.minimum_rotated_rectangle
        sides = sorted(shapely.Point(a).distance(shapely.Point(b))
                       for a, b in zip(rect.exterior.coords[:-1], rect.exterior.coords[1:], strict=True))
        assert sides[0] > 200, fid  # an area, not a 6 m street line
        assert block["area_ha"] == pytest.approx(block.geometry.area / 1e4, rel=0.01)
        street = streets.loc[block["main_street"]]
        assert street["block"] == fid
        inside = street.geometry.intersection(district_metric(store))
        assert inside.intersection(block.geometry.buffer(5)).length > 0.95 * inside.length, fid
    dongguan = blocks.loc["block-dongguan"]
    assert 8 < dongguan["area_ha"] < 50  # the 东关街 street line was 364 m × 6 m = 0.2 ha
    # closed on the four bounding streets the facts name: its edges lie on those street lines
    named = store.layer("streets").to_crs(store.metric_crs)
    edge = dongguan.geometry.exterior
    for name in ("长江路", "繁荣街", "顺利街", "庆胜街"):
        lines = shapely.union_all(named[named["name"] == name].geometry.values)
        assert edge.buffer(3).intersection(lines).length > 150, name
    tram_stop = store.layer("transit-stations").to_crs(store.metric_crs)
    stop = tram_stop[(tram_stop["name"] == "东关街") & (tram_stop["mode"] == "tram")].geometry.iloc[0]
    assert dongguan.geometry.distance(stop) < 60  # the stop is on 长江路, the block's north edge
    sheng = blocks.loc["block-shengliqiao-north"]
    assert sheng["published_area_ha"] == 14.57
    assert 0.8 * 14.57 < sheng["area_ha"] <= 14.57 * 1.001  # the core, clipped to the district
    assert "40.47" in sheng["area_basis"]


def test_street_zones_stay_streets_and_name_their_block(store):
    areas = store.layer("layout-street-areas")
    assert areas.loc["street-area-dongguan", "block"] == "block-dongguan"
    assert areas.loc["street-area-shengliqiao-north", "block"] == "block-shengliqiao-north"
    assert areas.loc["street-area-fengming", "geometry_basis"] == "supplied"  # 1.2 km, < 4 m published
    assert set(areas.loc[["street-area-dongguan", "street-area-shengliqiao-north"], "geometry_basis"]) == {"stand-in"}
    night = store.layer("night-economy")
    assert night.loc["ne-dongguan-street", "block"] == "block-dongguan"
    assert night.loc["ne-russian-street", "block"] == "block-shengliqiao-north"


def test_bayi_food_street_is_a_placeholder_not_the_whole_road(store):
    night = metric(store, "night-economy")
    food = night.loc["ne-bayi-road-food-street"]
    assert bool(food["placeholder"]) and food["geometry_basis"] == "placeholder"
    assert food.geometry.area < 15_000  # was the whole of 八一路: 4.2 km × 20 m = 84,402 m²
    assert pd_isna(food["length_m"]) and pd_isna(food["width_m"])
    assert food["accuracy_m"] >= 2000
    # no seed names it as a night-economy carrier; every other carrier cites where it is named
    assert not bool(food["night_carrier_in_text"]) and food["carrier_cited"] in ("", None)
    others = night.drop(index="ne-bayi-road-food-street")
    assert others["night_carrier_in_text"].astype(bool).all()
    assert others["carrier_cited"].str.contains("seed 000").all()
    placeholders = set(night.index[night["placeholder"].astype(bool)])
    assert placeholders == {"ne-bayi-road-food-street", "ne-japanese-food-street", "ne-olympic-electronics-hema",
                            "ne-harbour-market"}
    assert (night.loc[list(placeholders), "geometry_basis"] == "placeholder").all()
    assert set(night["geometry_basis"]) == {"placeholder", "stand-in", "supplied"}


def pd_isna(value) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value))


def test_subdistricts_hold_or_touch_every_feature_seed_001_lists(store):
    parts = metric(store, "subdistricts")
    features = {fid: row.geometry for _, fid, row in every_plan_feature(store)}
    for sid, part in parts.iterrows():
        ids = part["carries_layout_ids"].split(",") + part["carries_project_ids"].split(",")
        assert len(ids) >= 6, sid
        for fid in ids:
            assert features[fid].distance(part.geometry) < 2.0, (sid, fid)
    # 凤鸣街: listed by 白云 (凤鸣街休闲文化街) and 人民广场 (高尔基路—凤鸣街); was 0 m in 白云 (287 m away)
    fengming = features["street-fengming"]
    for name in ("sd-baiyun", "sd-renminguangchang"):
        assert fengming.intersection(parts.loc[name].geometry).length > 300, name
    # the axis reaches 白云 (was 74.6 m away; its three 一轴 projects sat 403–606 m off the axis)
    axis = features["axis-changchun-bayi"]
    assert axis.intersection(parts.loc["sd-baiyun"].geometry).length > 300
    for pid in ("proj-yiyangyuan-elderly-centre", "proj-weihua-street-north-plot", "proj-yayuan-hotel"):
        assert features[pid].distance(axis) < 5 and parts.loc["sd-baiyun"].geometry.contains(features[pid])
    # the southern bay (傅家庄区域) belongs to 八一路 in 001 (was 53.8 %, with 46.2 % in 白云)
    bay = features["bay-south"]
    assert bay.intersection(parts.loc["sd-bayilu"].geometry).area / bay.area > 0.95
    assert parts.loc["sd-renminguangchang"].geometry.contains(features["proj-datong-street-underpass"])


def test_subdistrict_roles_are_seed_001s_words(store):
    parts = store.layer("subdistricts").set_index("name")
    keywords = {"八一路街道": "品质民宿", "人民广场街道": "商务服务集聚区", "白云街道": "夜经济",
                "日新街道": "“科创+文创”双引擎", "香炉礁街道": "国际商贸集聚区"}
    for name, word in keywords.items():
        assert word in parts.loc[name, "role"], name
        assert word in parts.loc[name, "role_text"], name
    text = seed_text("001")
    for name, quote in parts["role_text"].items():
        for piece in quote.split("……"):
            assert piece in text, (name, piece)  # quoted verbatim (elisions marked ……)


def test_aliases_are_names_the_seeds_use(store):
    texts = seed_text("000") + seed_text("001") + seed_text("003")
    checked = 0
    for _, fid, row in every_plan_feature(store):
        aliases = row.get("aliases")
        if not isinstance(aliases, str) or not aliases:
            continue
        for alias in re.split(r"[；]", aliases):
            for name in re.split(r"、", re.sub(r"（[^）]*）", "", alias)):
                name = name.strip()
                if name:
                    assert name in texts, (fid, name)
                    checked += 1
    assert checked >= 40
    streets = store.layer("layout-streets")
    assert "东关街历史文化保护街" in streets.loc["street-dongguan", "aliases"]  # seed 001's name
    assert "八一路“好吃街”" in store.layer("night-economy").loc["ne-bayi-road-food-street", "aliases"]


def test_no_two_projects_closer_than_100_m_unless_stated(store):
    projects = metric(store, "key-projects")
    close = []
    for (a, pa), (b, pb) in itertools.combinations(projects.geometry.items(), 2):
        if pa.distance(pb) < 100:
            close.append((a, b))
            assert b in projects.loc[a, "co_located_with"].split("、"), (a, b)
            assert a in projects.loc[b, "co_located_with"].split("、"), (a, b)
            assert len(projects.loc[a, "co_location_note"]) > 20
    # only the stated 奥林匹克广场 cluster (was: 大云书库 = 二期表演场 at 0 m, 盒马 3.9 m, 25 m, 99 m pairs)
    assert {p for pair in close for p in pair} <= {"proj-olympic-square-underground", "proj-hema-xigang",
                                                   "proj-impression-city-xinghai-mall"}
    zoo, arena = projects.loc["proj-forest-zoo-upgrade"].geometry, projects.loc["proj-forest-zoo-phase2-arena"].geometry
    assert zoo.distance(arena) < 600  # was 1.47 km


def test_project_locations_and_zones_say_when_they_are_guesses(store):
    projects = store.layer("key-projects")
    assert set(projects["location_kind"]) == {"anchored", "inferred", "zone"}
    assert (projects["schematic"] == (projects["location_kind"] != "anchored")).all()
    anchored = projects[projects["location_kind"] == "anchored"]
    assert anchored["location_basis"].str.match(r"(app point|midpoint of app points|at the OSM station|ja\.wikipedia)").all()
    for pid in ("proj-forest-zoo-upgrade", "proj-datong-street-underpass", "proj-xingye-building-materials-market",
                "proj-xinkai-road-office-towers"):
        assert bool(projects.loc[pid, "schematic"]), pid  # were schematic=false though guessed
    for pid in ("proj-dayun-book-house", "proj-coal-sanatorium", "proj-ship-sanatorium", "proj-equestrian-arena",
                "proj-chuangguhui-centre", "proj-kaixuan-mall-block-c"):
        assert bool(projects.loc[pid, "layout_zone_inferred"]), pid
        assert projects.loc[pid, "layout_zone_basis"].startswith("inferred: ")
    for pid in ("proj-sunac-no1-courtyard", "proj-fishing-vessel-plant", "proj-fujiazhuang-park"):
        assert not bool(projects.loc[pid, "layout_zone_inferred"]), pid  # 003 第六章二 names their bay
    conflict = projects.loc["proj-city-art-museum-phase2", "conflict"]
    assert "003" in conflict and "001" in conflict and "奥林匹克" in conflict and "日新" in conflict


def test_sources_cite_what_lists_each_feature(store):
    for _layer_id, fid, row in every_plan_feature(store):
        source = row["source"]
        parts = [p.strip() for p in source.split(";")]
        assert all(parts) and len(parts) == len(set(parts)), (fid, source)  # 25 had an empty "; ;" part
        assert not re.search(r"(专栏\d+)\s*\1", source), (fid, source)  # two read "专栏4 专栏4"
    projects = store.layer("key-projects")
    cites_box = projects["source"].str.contains("专栏4")
    listed_in_box = projects["listed_in"].str.contains("003专栏4")
    assert (cites_box == listed_in_box).all()  # five cited 专栏4 without being in it
    for pid in ("proj-changchun-road-north-opening", "proj-datong-street-underpass", "proj-dicp-old-site-renewal",
                "proj-sams-metro-ikea-upgrade", "proj-asia-fishing-port"):
        assert "专栏4" not in projects.loc[pid, "source"], pid
    circles = store.layer("business-circles")
    assert "seed 000" not in circles.loc["circle-zhanbei", "source"]  # 000 never names 站北
    assert circles.loc[["circle-olympic", "circle-xianglujiao"], "source"].str.contains("seed 000").all()
    axis = store.layer("layout-axis").iloc[0]
    assert "003 第六章一: 长春路、八一路" in axis["roads_in_text"] and "001 二(二)1: 长春路 only" in axis["roads_in_text"]
    assert "(seed 001) 二(二)1（以长春路为核心轴线）" in axis["source"]
    assert "以长春路为核心轴线" in seed_text("001") and "以长春路、八一路为核心轴线" in seed_text("003")
    description = store.spec("layout-axis").description
    assert "names only 长春路" in description


def test_district_land_and_boundary_provenance(store):
    land = metric(store, "district-land").iloc[0]
    boundary = district_metric(store)
    assert land["area_km2"] == pytest.approx(land.geometry.area / 1e6, abs=0.01)
    assert 22.5 < land["area_km2"] < 23.94 < 29.0 < land["outline_area_km2"] < 29.2
    assert land["published_area_km2"] == 23.94
    assert boundary.buffer(1).contains(land.geometry)
    assert "predates" in land["area_note"] and "reclamation" in land["area_note"]
    raw = json.loads((ROOT / "layers/plans/xigang/data/district-boundary.geojson").read_text(encoding="utf-8"))
    feature = raw["features"][0]
    assert feature["id"] == "xigang" == feature["properties"]["id"]  # no top-level id before issue 9
    props = feature["properties"]
    assert props["check_median_m"] <= props["accuracy_m"] == 70
    assert "Tianditu" in props["method"] and "median" in props["accuracy_basis"]
    assert props["area_km2"] == pytest.approx(boundary.area / 1e6, abs=0.01)


def test_service_circle_citations_match_the_outline():
    path = next(ROOT.glob("layers/**/service-circles.yaml"))
    ruleset = yaml.safe_load(path.read_text(encoding="utf-8"))
    criteria = {c["id"]: c for c in ruleset["criteria"]}
    outline = seed_text("003")
    # chapter headings: "[bookmark: …]第七章 提升文化软实力 …"
    chapters = {m.group(1): m.start() for m in re.finditer(r"\](第[一二三四五六七八九十]+章) ", outline)}

    def chapter_of(phrase: str) -> str:
        at = outline.index(phrase)
        return max((pos, ch) for ch, pos in chapters.items() if pos <= at)[1]

    medical = criteria["medical"]
    assert "十三五" in medical["source"]["article"] and "十三五" in medical["title_zh"]
    assert chapter_of("“700米医疗服务圈”") == "第一章"  # a 13th-plan achievement, not a 14th-plan target
    life = criteria["life_circle_15min"]
    assert "本系统" in life["title_zh"] and "planmap" in life["title_en"]
    assert "planmap's composite" in life["source"]["note"] and "15分钟生活圈" not in outline
    assert "丰富社区“15分钟健身圈”" in life["text"] and "全覆盖" not in life["text"]
    assert chapter_of("丰富社区“15分钟健身圈”") == "第七章" and chapter_of("实现“15分钟健身圈”全覆盖") == "第一章"
    for cid in ("culture", "medical", "elderly"):
        sentence = criteria[cid]["text"].split("。")[0]
        assert sentence in outline, cid
