"""The shipped PLAN layers of Xigang: loadable, valid, honest, and true to the plan texts.

Expected tables are written out here (from seed 003 box 专栏4 and seed 001 二(二)2) so that the tests do not
need ../shared to exist.
"""

from __future__ import annotations

import itertools

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
