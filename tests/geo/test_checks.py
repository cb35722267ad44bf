"""run_check and plan_audit on the tiny synthetic plan: measured values, walking distances, context, audit."""

from __future__ import annotations

import json
import math

import pytest
import shapely

from geo.checks import plan_audit, run_check
from geo.errors import CriteriaError, InvalidGeometryError
from geo.network import WalkNetwork
from layers.rulesets import SHARED_RULESETS_DIR, load_rulesets
from tests.geo import tiny_plan as tp

RULESETS = load_rulesets([*sorted(SHARED_RULESETS_DIR.glob("*.yaml")), tp.SERVICE_CIRCLES_FILE])
STREET = RULESETS["night-economy-street"]
LAYERS = tp.layers()
FULL = {"operator_type": "enterprise", "floor_area_m2": 18000, "merchants": 72,
        "formats": ["购物", "餐饮", "文娱", "休闲旅游", "其他"], "closing_time_summer": "23:30",
        "closing_time_winter": "22:00", "online_delivery_merchants": 12, "free_wifi_merchants": 20,
        "mobile_payment_share": "92%", "smart_parking": True, "turnover_yuan": 1.2e8, "investment_yuan": 4e6}


@pytest.fixture(scope="module")
def network():
    return WalkNetwork.from_graph(tp.graph(), tp.METRIC)


def check(site, ruleset=STREET, network=None, **kwargs):
    return run_check(site, ruleset, tp.plan_data(network), **kwargs)


def by_id(report):
    return {c["id"]: c for c in report["criteria"]}


def test_street_report_without_network_uses_the_stated_fallback():
    report = check(tp.geojson(tp.STREET_M), attributes=FULL)
    json.dumps(report, allow_nan=False)  # JSON-safe
    assert report["overall"] == "pass"
    assert report["measurements"]["length_m"] == pytest.approx(320, rel=1e-3)
    assert report["measurements"]["width_min_m"] == pytest.approx(8, rel=1e-3)
    assert report["measurements"]["area_m2"] == pytest.approx(2560, rel=1e-3)
    assert report["crs_metric"] == "EPSG:32651" and report["geometry_type"] == "Polygon"
    criteria = by_id(report)
    assert {c["status"] for c in report["criteria"]} == {"pass", "manual"}
    # bus stop 92 m and metro 592 m straight-line from the street's edge, × 1.3 without a network
    assert criteria["transit"]["value"] == {"bus_stop": pytest.approx(119.6), "station": pytest.approx(769.6)}
    assert "straight-line×1.3" in criteria["transit"]["method"]
    assert any(w.startswith("walking distances not along the street network for transit → bus_stop 近站 "
                           "(straight-line×1.3)") and w.endswith("no street network loaded") for w in report["warnings"])
    assert criteria["location"]["value"] == ["测试商圈（shopping-areas）", "夜街（night-zones）"]
    assert report["centreline"]["type"] == "LineString"
    profile = report["width_profile"]
    assert profile["transects"]["type"] == "MultiLineString" and len(profile["widths_m"]) == 30
    assert all(w == pytest.approx(8, abs=0.01) for w in profile["widths_m"])
    assert report["site"]["type"] == "Polygon"


def test_walking_distances_along_the_network(network):
    report = check(tp.geojson(tp.STREET_M), network=network)
    transit = by_id(report)["transit"]
    # the street's centre line is a street: walk from (160, 4) north along x = 160 → bus stop (160, 100), metro
    # (160, 600); the site's edge is 4 m from the centre line
    assert transit["value"]["bus_stop"] == pytest.approx(92, abs=1.5)
    assert transit["value"]["station"] == pytest.approx(592, abs=1.5)
    assert "[network]" in transit["method"]
    stations = report["context"]["nearest_stations"]
    assert [s["id"] for s in stations] == ["st-rail", "st-metro", "st-tram"]
    metro = stations[1]
    assert metro["method"] == "network" and metro["route"]["type"] == "LineString"
    assert metro["distance_m"] >= metro["straight_m"]


def test_failing_and_missing_items_set_overall():
    report = check(tp.geojson(shapely.box(0, 0, 250, 4)), attributes={"merchants": 30})
    criteria = by_id(report)
    assert report["overall"] == "fail"
    assert criteria["length"]["status"] == "fail" and criteria["width"]["status"] == "fail"
    assert criteria["merchants"]["status"] == "fail"
    assert criteria["turnover"]["status"] == "needs-data"
    assert report["summary"]["fail"] == 3
    complete = check(tp.geojson(tp.STREET_M), attributes={k: v for k, v in FULL.items() if k != "turnover_yuan"})
    assert complete["overall"] == "incomplete" and by_id(complete)["turnover"]["missing_attribute"] == "turnover_yuan"


def test_transit_parameters_override_the_defaults():
    strict = check(tp.geojson(tp.STREET_M), parameters={"station_walk_m": 700})
    assert by_id(strict)["transit"]["status"] == "fail"
    assert strict["parameters"]["station_walk_m"] == 700


def test_context():
    report = check(tp.geojson(tp.STREET_M))
    context = report["context"]
    elements = {(e["layer"], e["id"]): e for e in context["plan_elements"]}
    assert elements[("shopping-areas", "bc-main")]["relation"] == "intersects"
    assert elements[("night-zones", "ne-street")]["distance_m"] == 0
    assert ("street-zones", "ls-short") not in elements  # 394 m away > 300 m context distance
    assert context["subdistrict"]["id"] == "sd-east"  # 220 of its 320 m lie east of x = 100
    assert [s["id"] for s in context["subdistricts"]] == ["sd-east", "sd-west"]
    assert [p["id"] for p in context["nearby_projects"]] == ["kp-near"]
    assert context["nearby_projects"][0]["distance_m"] == pytest.approx(142, abs=0.5)
    assert context["distance_to_axis_m"] == pytest.approx(200, abs=0.5)
    # the tiny plan has no coast: the distance is null and the report says why
    assert context["distance_to_coast_m"] is None
    assert any("no layer playing the role 'coast'" in w for w in report["warnings"])
    assert context["in_district"] is True
    wider = check(tp.geojson(tp.STREET_M), parameters={"context_distance_m": 500})["context"]
    assert ("street-zones", "ls-short") in {(e["layer"], e["id"]) for e in wider["plan_elements"]}


def test_line_site_takes_its_width_from_the_attribute():
    line = tp.geojson(shapely.LineString([(0, 4), (400, 4)]))
    report = check(line, attributes={"width_m": 6})
    assert report["measurements"]["length_m"] == pytest.approx(400, rel=1e-3)
    assert by_id(report)["width"]["status"] == "pass" and report["centreline"] is None
    missing = by_id(check(line))["width"]
    assert missing["status"] == "needs-data" and missing["missing_attribute"] == "width_m"


def test_service_circles_for_a_point():
    report = check(tp.geojson(shapely.Point(0, 0)), RULESETS["service-circles"])
    criteria = by_id(report)
    # straight-line × 1.3: culture 300 → 390, medical 608 → 790.4, elderly 1008 → 1310.4
    assert criteria["culture"]["value"] == pytest.approx(390) and criteria["culture"]["status"] == "pass"
    assert criteria["medical"]["value"] == pytest.approx(790.4) and criteria["medical"]["status"] == "fail"
    assert criteria["elderly"]["status"] == "fail"
    life = criteria["life_circle_15min"]
    assert life["value"]["education"] == pytest.approx(500 * 1.3) and life["status"] == "pass"
    assert report["measurements"]["length_m"] is None and report["overall"] == "fail"


def test_facilities_layer_parameter():
    report = check([121.62, 38.915], RULESETS["service-circles"], parameters={"facilities_layer": "stops"})
    assert report["overall"] == "incomplete"  # bus stops have no 'kind'
    assert any("has no field 'kind'" in w for w in report["warnings"])
    with pytest.raises(CriteriaError, match="names layer 'shops', which is not in this plan"):
        check([121.62, 38.915], RULESETS["service-circles"], parameters={"facilities_layer": "shops"})


def test_missing_layers_give_needs_data():
    layers = {k: v for k, v in LAYERS.items() if k not in ("outline", "stops", "shopping-areas", "night-zones",
                                                           "street-zones")}
    report = run_check(tp.geojson(tp.STREET_M), STREET, tp.plan_data(frames=layers))
    criteria = by_id(report)
    assert criteria["transit"]["status"] == "needs-data" and criteria["transit"]["missing_layer"] == "stops"
    assert criteria["location"]["status"] == "needs-data"
    assert report["context"]["in_district"] is None


def test_bad_input_raises_domain_errors():
    with pytest.raises(InvalidGeometryError, match="cannot be checked with this ruleset"):
        check([121.62, 38.915])  # a point is no street
    with pytest.raises(CriteriaError, match="unknown attribute"):
        check(tp.geojson(tp.STREET_M), attributes={"height": 3})
    with pytest.raises(CriteriaError, match="unknown parameter"):
        check(tp.geojson(tp.STREET_M), parameters={"radius": 3})


def test_outside_the_district_is_flagged():
    report = check(tp.geojson(shapely.box(2000, 0, 2320, 8)))
    assert any("outside the district boundary" in w for w in report["warnings"])
    assert report["context"]["in_district"] is False


def test_repaired_site_is_returned_and_reported():
    outline = shapely.Polygon([(0, 0), (320, 0), (320, 8), (0, 8), (1, -1), (0, 0)])
    report = check(tp.geojson(outline))
    assert any("repaired with make_valid" in w for w in report["warnings"])
    assert shapely.geometry.shape(report["site"]).is_valid


def test_plan_audit(network):
    zones = [("night-zones", "street", LAYERS["night-zones"]),
             ("street-zones", "street", LAYERS["street-zones"]),
             ("shopping-areas", "area", LAYERS["shopping-areas"])]
    audit = plan_audit(zones, RULESETS, tp.plan_data(network), audits={"street": "night-economy-street",
                                                                      "complex": "night-economy-complex"})
    json.dumps(audit, allow_nan=False)
    rows = {z["id"]: z for z in audit["zones"]}
    assert list(rows) == ["ne-street", "ne-complex", "ne-area", "ls-short", "bc-main"]
    street = rows["ne-street"]
    assert street["ruleset"] == "night-economy-street" and street["zone_kind"] == "street"
    assert street["length_m"] == pytest.approx(320, rel=1e-3) and street["width_min_m"] == pytest.approx(8, rel=1e-3)
    assert street["transit"]["status"] == "pass"
    assert street["criteria"]["merchants"] == "pass"  # the zone's own 'merchants' property (75) is used
    assert street["overall"] == "incomplete" and "turnover" in street["needs_data"]
    assert street["provenance"]["accuracy_m"] == 0.0
    complex_ = rows["ne-complex"]
    assert complex_["ruleset"] == "night-economy-complex" and complex_["zone_kind"] == "complex"
    assert "length" not in complex_["criteria"] and complex_["length_m"] is None
    assert complex_["area_m2"] == pytest.approx(8000, rel=1e-3)
    assert complex_["failed"] == ["transit"]  # nearest bus stop (160, 100) is > 300 m from x = 600…700
    short = rows["ls-short"]
    assert short["overall"] == "fail" and "length" in short["failed"]
    assert short["length_m"] == pytest.approx(200, rel=1e-3) and short["width_min_m"] == pytest.approx(6, rel=1e-3)
    for area in ("ne-area", "bc-main"):
        assert rows[area]["ruleset"] is None and rows[area]["overall"] is None
        assert rows[area]["length_m"] is None and rows[area]["area_m2"] > 0
        assert rows[area]["transit"]["status"] in ("pass", "fail")
    assert rows["bc-main"]["area_m2"] == pytest.approx(600 * 300, rel=1e-3)
    assert audit["summary"] == {"pass": 0, "fail": 2, "incomplete": 1, "zones": 5, "not_judged": 2}
    assert not math.isnan(rows["ne-complex"]["area_m2"])


def test_audit_does_not_judge_the_shape_of_a_placeholder_zone(store):
    from geo.checks import plan_audit

    zones = [("night-economy", "street", store.layer("night-economy"))]
    audit = plan_audit(zones, store.rulesets, store.data, audits=store.source.audits)
    rows = {row["id"]: row for row in audit["zones"]}
    japanese = rows["ne-japanese-food-street"]  # 锦华: position unknown, a placeholder disc in the data
    assert japanese["overall"] == "incomplete"
    assert "length" in japanese["needs_data"] and "transit" in japanese["needs_data"]
    assert not japanese["failed"]
    assert any("placeholder" in w for w in japanese["warnings"])
    assert japanese["length_m"] is None and japanese["width_min_m"] is None and japanese["area_m2"] is None
    # a located street is still measured and judged on its drawn shape
    fengming_like = rows["ne-dongguan-street"]
    assert fengming_like["length_m"] > 300


def test_every_verdict_says_what_it_rests_on():
    report = check(tp.geojson(tp.STREET_M), attributes={"merchants": 72})
    bases = {c["id"]: c["basis"] for c in report["criteria"]}
    assert bases["length"] == "measured" and bases["transit"] == "measured"
    assert bases["merchants"] == "supplied" and bases["appearance"] == "review"
    line = check(tp.geojson(shapely.LineString([(0, 4), (400, 4)])), attributes={"width_m": 6})
    assert by_id(line)["width"]["basis"] == "supplied"  # a centre line's width comes from the attribute


def test_an_assumed_stop_is_named_as_such():
    frames = tp.layers()
    frames["stops"] = frames["stops"].assign(basis=["assumed", "named"])
    report = run_check(tp.geojson(tp.STREET_M), STREET, tp.plan_data(frames=frames))
    transit = by_id(report)["transit"]
    assert transit["basis"] == "assumed" and "近站" in transit["basis_note"]
    assert next(d for d in transit["details"] if d["key"] == "bus_stop")["basis"] == "assumed"


def test_audit_verdicts_on_schematic_zones_rest_on_a_stand_in(network):
    zones = [("street-zones", "street", LAYERS["street-zones"])]
    audit = plan_audit(zones, RULESETS, tp.plan_data(network), audits={"street": "night-economy-street"})
    bases = audit["zones"][0]["bases"]
    assert bases["length"] == "stand-in" and bases["transit"] == "stand-in" and bases["merchants"] == "supplied"


def test_a_check_walks_a_bounded_radius():
    from geo.checks import MIN_SEARCH_RADIUS_M, search_radius

    defaults = {"bus_stop_walk_m": 300, "station_walk_m": 800}
    assert search_radius(STREET, defaults) == MIN_SEARCH_RADIUS_M == 2000.0
    assert search_radius(STREET, {**defaults, "station_walk_m": 1500}) == 3000.0
    assert search_radius(RULESETS["service-circles"], {"life_circle_walk_m": 1000}) == 2000.0


def test_items_bound_to_lhasa_are_manual_where_its_standard_is_only_a_reference():
    given = {"operator_type": "enterprise"}
    own = by_id(check(tp.geojson(tp.STREET_M), attributes=given))["operator"]
    assert own["status"] == "pass" and own["basis"] == "supplied"
    reference = by_id(check(tp.geojson(tp.STREET_M), attributes=given, as_reference=True))["operator"]
    assert reference["status"] == "manual" and reference["basis"] == "review"
    assert "拉萨市的属地要求" in reference["note"]
    assert by_id(check(tp.geojson(tp.STREET_M), as_reference=True))["length"]["status"] == "pass"  # others judged
