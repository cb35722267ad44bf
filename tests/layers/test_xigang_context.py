"""The Xigang context layers: coastline, transit, bus stops, facilities and the OSM-XML street network."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely
import yaml

from geo.crs import bd09_to_wgs84
from layers.plan import Plan

REPO = Path(__file__).resolve().parents[2]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
ANCHORS = REPO / "data" / "anchors" / "named_roads.geojson"

CONTEXT_LAYERS = ["coastline", "transit-lines", "transit-stations", "bus-stops", "facilities", "streets"]
GEOJSON_CONTEXT = ["coastline", "transit-lines", "transit-stations", "bus-stops", "facilities"]
OSM = "© OpenStreetMap contributors"

#: stations the issue names: in the district, and just outside it (people walk across district borders)
IN_DISTRICT = {("人民广场", "metro"), ("一二九街", "metro"), ("香炉礁", "metro"), ("大连站", "metro"),
               ("大同街", "tram"), ("北京街", "tram"), ("市场街", "tram"), ("东关街", "tram"),
               ("森林动物园南门", "cableway"), ("莲花山", "cableway"), ("白云雁水", "cableway")}
OUTSIDE = {("友好广场", "metro"), ("青泥洼桥", "metro"), ("联合路", "metro"), ("中长街", "metro"),
           ("兴工街", "metro"), ("西安路", "metro"), ("劳动公园", "metro"), ("中山广场", "metro")}


def _metric(store, frame):
    return frame.to_crs(store.metric_crs)


# ------------------------------------------------------------------------------------------------ all layers
@pytest.mark.parametrize("layer_id", CONTEXT_LAYERS)
def test_context_layer_loads_valid_inside_map_area_with_provenance(store, layer_id: str) -> None:
    spec = store.spec(layer_id)
    frame = store.layer(layer_id)
    assert len(frame) > 0
    assert frame.crs.to_epsg() == 4326
    assert shapely.is_valid(frame.geometry.values).all()
    assert not shapely.is_empty(frame.geometry.values).any()
    x0, y0, x1, y1 = store.plan.map_area
    minx, miny, maxx, maxy = frame.total_bounds
    assert x0 <= minx and y0 <= miny and maxx <= x1 and maxy <= y1
    for column in ("source", "method", "accuracy_m"):
        assert frame[column].notna().all(), column
    assert (frame["accuracy_m"] > 0).all()
    assert spec.provenance.source and spec.provenance.licence and spec.provenance.method
    assert frame.index.is_unique


@pytest.mark.parametrize("layer_id", GEOJSON_CONTEXT)
def test_every_feature_carries_the_common_properties(store, layer_id: str) -> None:
    frame = store.layer(layer_id)
    for column in ("id", "name", "name_en", "source", "method", "accuracy_m", "schematic"):
        assert column in frame.columns, column
    assert frame["name"].map(lambda v: isinstance(v, str) and len(v) > 0).all()
    assert frame["id"].map(lambda v: re.fullmatch(r"[a-z0-9][a-z0-9-]*", v) is not None).all()


@pytest.mark.parametrize("layer_id", ["bus-stops", "facilities", "streets"])
def test_schematic_layers_say_so_in_catalogue_and_title(store, layer_id: str) -> None:
    spec = store.spec(layer_id)
    assert spec.schematic is True
    assert "示意" in spec.title.zh and "schematic" in spec.title.en.lower()


def test_groups_follow_the_brief(store) -> None:
    assert {s: store.spec(s).group for s in CONTEXT_LAYERS} == {
        "coastline": "基础", "facilities": "基础", "streets": "基础",
        "transit-lines": "交通", "transit-stations": "交通", "bus-stops": "交通"}


# ------------------------------------------------------------------------------------------------ coastline
def test_coastline_states_its_coarse_accuracy_and_the_reclamation(store) -> None:
    coast = store.layer("coastline")
    spec = store.spec("coastline")
    assert set(coast.geom_type) == {"LineString"}
    assert spec.provenance.accuracy_m >= 150 and (coast["accuracy_m"] >= 150).all()
    assert "LGPL" in spec.provenance.licence
    assert coast["method"].str.contains("reclamation").all()
    # the district reaches the sea on the south shore: the coast passes within 1 km of the boundary there
    metric_coast = shapely.union_all(_metric(store, coast).geometry.values)
    south_tip = shapely.Point(store.boundary.centroid.x, store.boundary.bounds[1])
    south_tip_m = _metric(store, gpd.GeoSeries([south_tip], crs=4326)).iloc[0]
    assert metric_coast.distance(south_tip_m) < 1000


# ------------------------------------------------------------------------------------------------ transit
def test_named_stations_are_present_with_in_district_correct(store) -> None:
    stations = store.layer("transit-stations")
    found = {(row.name, row.mode): bool(row.in_district) for row in stations.itertuples()}
    for key in IN_DISTRICT:
        assert found.get(key) is True, key
    for key in OUTSIDE:
        assert found.get(key) is False, key


def test_in_district_agrees_with_point_in_polygon(store) -> None:
    stations = store.layer("transit-stations")
    inside = shapely.contains(store.boundary, stations.geometry.values)
    assert (stations["in_district"].astype(bool).values == inside).all()
    assert 8 <= inside.sum() <= 20


def test_one_feature_per_station_with_osm_ids_modes_and_lines(store) -> None:
    stations = store.layer("transit-stations")
    assert not stations.duplicated(["name", "mode"]).any()
    assert stations["osm_id"].str.fullmatch(r"node/\d+").all()
    assert set(stations["mode"]) <= {"metro", "tram", "cableway", "rail"}
    assert (stations["lines"].str.len() > 0).all()
    by_name = stations.set_index(["name", "mode"])
    assert set(by_name.loc[("大连站", "metro"), "lines"].split(";")) == {"3", "5"}
    assert by_name.loc[("人民广场", "metro"), "lines"] == "2"
    assert set(by_name.loc[("青泥洼桥", "metro"), "lines"].split(";")) == {"2", "5"}
    assert by_name.loc[("东关街", "tram"), "lines"] == "201"
    # station node preferred over the stop_position node of the same station (OSM node/10722780300)
    assert by_name.loc[("人民广场", "metro"), "osm_id"] == "node/10722780300"


def test_osm_attribution_travels_with_transit(store) -> None:
    for layer_id in ("transit-lines", "transit-stations"):
        spec = store.spec(layer_id)
        assert OSM in spec.provenance.attribution
        assert "ODbL" in spec.provenance.licence
    for layer_id in ("transit-lines", "transit-stations"):
        assert store.layer(layer_id)["source"].str.contains(OSM, regex=False).all()
    assert OSM in store.plan.attribution


def test_transit_lines_have_official_colours(store) -> None:
    lines = store.layer("transit-lines").set_index("line")
    assert {"1", "2", "3", "5", "201"} <= set(lines.index)
    assert lines.loc["2", "colour"].upper() == "#009AD8"
    assert lines.loc["5", "colour"].upper() == "#FF0000"
    assert lines["colour"].str.fullmatch(r"#[0-9A-Fa-f]{6}").all()
    assert set(lines["mode"]) <= {"metro", "tram", "cableway"}
    assert set(lines.geom_type) <= {"LineString", "MultiLineString"}
    style = store.spec("transit-lines").style
    assert style.category_field == "line" and style.categories["2"].upper() == "#009AD8"


def test_stations_lie_on_their_lines(store) -> None:
    stations = _metric(store, store.layer("transit-stations"))
    lines = _metric(store, store.layer("transit-lines")).set_index("line")
    for row in stations[stations["mode"] == "metro"].itertuples():
        for ref in row.lines.split(";"):
            if ref in lines.index:
                assert lines.loc[ref, "geometry"].distance(row.geometry) < 300, (row.name, ref)


# ------------------------------------------------------------------------------------------------ bus stops
def test_bus_stops_named_from_facts_and_assumed_ones_labelled(store) -> None:
    stops = store.layer("bus-stops")
    assert set(stops["basis"]) == {"named", "assumed"}
    named = stops[stops["basis"] == "named"]
    for name in ("奥林匹克广场", "人民广场", "长春路", "大同街", "胜利桥", "森林动物园", "行政服务中心", "石道街",
                 "一二九街", "建业街"):
        assert name in set(named["name"]), name
    assert "708" in named.set_index("name").loc["长春路", "routes"].split(";")
    assumed = stops[stops["basis"] == "assumed"]
    assert len(assumed) >= 10
    assert assumed["method"].str.contains("assumed stop spacing").all()
    assert assumed["method"].str.contains("no survey").all()
    assert assumed["name"].str.contains("示意").all()
    assert (assumed["accuracy_m"] >= 200).all()
    assert (named["accuracy_m"] >= 150).all() and (named["accuracy_m"] <= 400).all()
    assert stops["schematic"].astype(bool).all()


def test_assumed_stops_sit_on_main_roads_and_keep_their_spacing(store) -> None:
    stops = _metric(store, store.layer("bus-stops"))
    streets = _metric(store, store.layer("streets"))
    main = shapely.union_all(streets[streets["highway"].str.contains("primary|secondary|tertiary")].geometry.values)
    assumed = stops[stops["basis"] == "assumed"].geometry.values
    assert (shapely.distance(assumed, main) < 5).all()
    pts = shapely.get_coordinates(stops.geometry.values)
    gaps = np.hypot(*(pts[:, None, :] - pts[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(gaps, np.inf)
    assert gaps.min() > 100


# ------------------------------------------------------------------------------------------------ facilities
def test_facilities_kinds_and_converted_points(store) -> None:
    facilities = store.layer("facilities")
    assert set(facilities["kind"]) <= {"culture", "medical", "elderly", "park", "education", "sport", "convenience"}
    assert {"culture", "medical", "park", "education"} <= set(facilities["kind"])
    assert (facilities["accuracy_m"] >= 150).all() and (facilities["accuracy_m"] <= 400).all()
    assert set(facilities["basis"]) <= {"named", "assumed"}
    clinic = facilities.loc["bayilu-health-centre"]
    assert clinic["kind"] == "medical" and "BD-09" in clinic["method"]
    lon, lat = bd09_to_wgs84(121.644, 38.8922)
    assert clinic.geometry.distance(shapely.Point(lon, lat)) < 1e-6
    # facts §27 table: 大连付家庄医院 BD-09 38.8785,121.639 ≈ WGS84 38.8720,121.6275
    hospital = facilities.loc["fujiazhuang-hospital"].geometry
    assert abs(hospital.x - 121.6275) < 2e-4 and abs(hospital.y - 38.8720) < 2e-4


def test_medical_service_circle_result_is_real_not_padded(store) -> None:
    """Only a handful of named facilities: most of the district lies beyond 700 m of a named clinic."""
    facilities = _metric(store, store.layer("facilities"))
    medical = shapely.union_all(facilities[facilities["kind"] == "medical"].geometry.buffer(700).values)
    district = _metric(store, store.layer("district-boundary")).geometry.union_all()
    covered = district.intersection(medical).area / district.area
    assert 0.02 < covered < 0.5


# ------------------------------------------------------------------------------------------------ streets
def test_streets_graph_is_osmnx_connected_and_plausible(store) -> None:
    graph = store.graph
    assert graph is not None and isinstance(graph, nx.MultiDiGraph)
    assert graph.graph.get("created_with", "").startswith("OSMnx")
    assert str(graph.graph["crs"]).upper().endswith("4326")
    assert nx.number_weakly_connected_components(graph) == 1
    assert graph.number_of_nodes() > 1000
    total_km = sum(length for *_, length in graph.edges(data="length")) / 2 / 1000
    print(f"streets: {graph.number_of_nodes()} nodes, {graph.number_of_edges()} directed edges, "
          f"{total_km:.1f} km of street")
    # the district (~26 km²) plus an 800 m margin on land at 8–20 km of street per km²
    assert 300 < total_km < 900


def test_street_density_inside_the_district_is_urban(store) -> None:
    streets = _metric(store, store.layer("streets"))
    district = _metric(store, store.layer("district-boundary")).geometry.union_all()
    inside_km = float(shapely.length(shapely.intersection(streets.geometry.values, district)).sum()) / 1000
    density = inside_km / (district.area / 1e6)
    assert 6 < density < 25


def test_named_streets_sit_on_their_real_anchors(store) -> None:
    streets = _metric(store, store.layer("streets"))
    stations = _metric(store, store.layer("transit-stations")).set_index(["name", "mode"])

    def street(name: str):
        rows = streets[streets["name"].fillna("").str.split(";").map(lambda names: name in names)]
        assert len(rows), name
        return shapely.union_all(rows.geometry.values)

    # 长江路 is drawn on the tram 201 track; 中山路 on metro Line 2
    for stop in ("东关街", "北京街", "市场街"):
        assert street("长江路").distance(stations.loc[(stop, "tram"), "geometry"]) < 40, stop
    for station in ("人民广场", "一二九街"):
        assert street("中山路").distance(stations.loc[(station, "metro"), "geometry"]) < 60, station
    # 不老街 / 大同街 follow the Shahekou boundary
    boundary = _metric(store, store.layer("district-boundary")).geometry.union_all().boundary
    assert street("不老街").hausdorff_distance(boundary.intersection(street("不老街").buffer(80))) < 80
    assert {"中山路", "长春路", "八一路", "五四路", "北京街", "东关街", "凤鸣街", "团结街", "滨海路"} <= set(
        name for names in streets["name"].dropna() for name in names.split(";"))


def test_every_street_way_has_provenance_and_schematic_grid_is_labelled(store) -> None:
    streets = store.layer("streets")
    assert (streets["source"] == "planmap-schematic").all()
    assert streets["method"].str.len().gt(20).all()
    grid = streets[streets["name"].isna() & (streets["highway"] == "residential")]
    assert len(grid) > 100
    assert grid["method"].str.contains("schematic grid").all()
    assert (grid["accuracy_m"] >= 100).all()
    fengming = streets[streets["name"] == "凤鸣街"]
    assert (fengming["width"].astype(float) == 4.0).all()


def test_streets_stay_near_the_district_and_reach_every_station_in_it(store) -> None:
    streets = _metric(store, store.layer("streets"))
    district = _metric(store, store.layer("district-boundary")).geometry.union_all()
    assert shapely.within(streets.geometry.values, district.buffer(1000)).all()
    stations = _metric(store, store.layer("transit-stations"))
    inside = stations[stations["in_district"].astype(bool)]
    network = shapely.union_all(streets.geometry.values)
    assert (shapely.distance(inside.geometry.values, network) < 250).all()


def test_named_road_anchor_file_for_the_plan_layers() -> None:
    anchors = json.loads(ANCHORS.read_text(encoding="utf-8"))["features"]
    by_name = {f["properties"]["name"]: f for f in anchors}
    for name in ("长春路", "八一路", "东关街", "凤鸣街", "团结街"):
        assert by_name[name]["geometry"]["type"] == "LineString"
        assert by_name[name]["properties"]["accuracy_m"] > 0
    assert by_name["凤鸣街"]["properties"]["width_m"] == 4.0
    assert 1000 < by_name["凤鸣街"]["properties"]["length_m"] < 1400


def test_anchor_file_and_streets_were_built_together(store) -> None:
    """The plan layers are drawn on the anchors: the streets of the same name must lie on them."""
    anchors = json.loads(ANCHORS.read_text(encoding="utf-8"))["features"]
    streets = store.layer("streets")
    for anchor in anchors:
        name = anchor["properties"]["name"]
        line = shapely.geometry.shape(anchor["geometry"])
        rows = streets[streets["name"] == name]
        assert len(rows), name
        vertices = shapely.points(shapely.get_coordinates(rows.geometry.values))
        # 1e-5 degrees ≈ 1 m
        assert shapely.distance(vertices, line).max() < 1e-5, name


# ------------------------------------------------------------------------------------------------ swap test
def test_a_different_osm_extract_loads_through_the_provider_with_no_code_change(tmp_path: Path) -> None:
    """Replace the streets file of a plan by another OSM XML: the same catalogue and provider read it."""
    plan = tmp_path / "tiny"
    (plan / "data").mkdir(parents=True)
    shutil.copy(FIXTURES / "tiny_streets.osm", plan / "data" / "streets.osm")
    ring = [[10.49, 50.49], [10.52, 50.49], [10.52, 50.52], [10.49, 50.52], [10.49, 50.49]]
    (plan / "data" / "area.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "area", "name": "测试区"},
         "geometry": {"type": "Polygon", "coordinates": [ring]}}]}), encoding="utf-8")
    provenance = {"source": "hand-written OSM fixture", "licence": "CC0", "method": "typed", "accuracy_m": 3}
    catalogue = {
        "plan": {"id": "tiny", "title": {"zh": "小", "en": "Tiny"}, "district": {"zh": "测试", "en": "Test"},
                 "data_date": "2026-01", "roles": {"boundary": "area", "streets": "streets"},
                 "map_area": [10.4, 50.4, 10.6, 50.6], "attribution": "test"},
        "layers": [
            {"id": "area", "title": {"zh": "边界", "en": "Area"}, "group": "基础", "geometry_type": "Polygon",
             "source_crs": "EPSG:4326", "file": "area.geojson", "fields": {}, "provenance": provenance},
            {"id": "streets", "title": {"zh": "街道", "en": "Streets"}, "group": "基础",
             "geometry_type": "LineString", "source_crs": "EPSG:4326", "provider": "osm-xml",
             "file": "streets.osm", "fields": {"highway": {"type": "string", "required": True}},
             "provenance": provenance},
        ],
    }
    (plan / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")

    store = Plan(plan)
    graph = store.graph
    assert nx.number_weakly_connected_components(graph) == 1
    assert 901 not in graph.nodes  # the disconnected way is dropped (retain_all=False)
    total = sum(length for *_, length in graph.edges(data="length")) / 2
    assert total == pytest.approx(3 * 198.4 + 3 * 200.2, rel=0.01)
    streets = store.layer("streets")
    avenue = streets[streets["name"] == "测试大街"]
    assert len(avenue) >= 1
    assert set(avenue["name_en"]) == {"Test Avenue"} and set(avenue["width"]) == {"18"}
    # a real extract has no planmap provenance tags: the layer's declared provenance fills in
    assert (streets["source"] == "hand-written OSM fixture").all()
    assert (streets["accuracy_m"] == 3.0).all()
    # osmnx merges the tags of ways it joins at simplified corners ("footway;residential")
    assert {h for value in streets["highway"] for h in value.split(";")} == {"secondary", "residential", "footway"}
