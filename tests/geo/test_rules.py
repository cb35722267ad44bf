"""Criteria evaluation: every criterion of both night-economy rulesets passes, fails and needs data as declared."""

from __future__ import annotations

import pytest

from geo.errors import CriteriaError, RulesetError
from geo.rules import parse_ruleset
from geo.rules.kinds import KINDS, evaluate, overall, register, summary
from geo.rules.values import coerce_attributes, night_minutes, parse_time, resolve_parameters
from layers.rulesets import SHARED_RULESETS_DIR, load_rulesets
from tests.geo.tiny_plan import SERVICE_CIRCLES_FILE

RULESETS = load_rulesets([*sorted(SHARED_RULESETS_DIR.glob("*.yaml")), SERVICE_CIRCLES_FILE])
STREET = RULESETS["night-economy-street"]
COMPLEX = RULESETS["night-economy-complex"]
CIRCLES = RULESETS["service-circles"]
NO_MEASURES = {"length_m": None, "width_mean_m": None, "width_min_m": None, "width_max_m": None,
               "width_area_m": None, "area_m2": None, "method": "test"}


def judge(ruleset, criterion_id, *, measurements=None, attributes=None, access=None, location=None,
          parameters=None, roles=None):
    results = evaluate(
        ruleset,
        measurements={**NO_MEASURES, **(measurements or {})},
        attributes=coerce_attributes(ruleset, attributes or {}),
        parameters=resolve_parameters(ruleset, parameters or {}),
        accessibility=access or {},
        location=location or {},
        roles=roles or {},
    )
    return next(r for r in results if r["id"] == criterion_id)


def near(bus, station):
    entry = {}
    for key, value in (("bus_stop", bus), ("station", station)):
        entry[key] = {"missing": "no layer"} if value is None else {
            "id": key, "name": key, "distance_m": value, "straight_m": value / 1.3, "method": "network"}
    return {"transit": entry}


# (passing input, failing input, input with the data missing) per criterion; each input is judge() kwargs
COMMON_CASES = {
    "operator": ({"attributes": {"operator_type": "街道办"}}, {"attributes": {"operator_type": "other"}}, {}),
    "transit": ({"access": near(299.9, 800.0)}, {"access": near(300.1, 100.0)}, {"access": near(None, 100.0)}),
    "location": ({"location": {"location": [{"layer": "business-circles", "id": "c", "name": "商圈"}]}},
                 {"location": {"location": []}}, {"location": {"location": None}}),
    "formats": ({"attributes": {"formats": ["购物", "餐饮", "文娱", "other"]}},
                {"attributes": {"formats": ["购物", "购物", "餐饮", "dining", "文娱"]}}, {}),
    "hours_summer": ({"attributes": {"closing_time_summer": "22:30"}},
                     {"attributes": {"closing_time_summer": "22:29"}}, {}),
    "hours_winter": ({"attributes": {"closing_time_winter": "01:00"}},
                     {"attributes": {"closing_time_winter": "21:00"}}, {}),
    "smart_parking": ({"attributes": {"smart_parking": True}}, {"attributes": {"smart_parking": False}}, {}),
    "online_delivery": ({"attributes": {"online_delivery_merchants": 10}},
                        {"attributes": {"online_delivery_merchants": 9}}, {}),
    "free_wifi": ({"attributes": {"free_wifi_merchants": 15}}, {"attributes": {"free_wifi_merchants": 14}}, {}),
    "mobile_payment": ({"attributes": {"mobile_payment_share": 0.8}},
                       {"attributes": {"mobile_payment_share": "79%"}}, {}),
    "turnover": ({"attributes": {"turnover_yuan": 100_000_000}}, {"attributes": {"turnover_yuan": 99_999_999}}, {}),
    "investment": ({"attributes": {"investment_yuan": 3_000_000}},
                   {"attributes": {"investment_yuan": 2_999_999.5}}, {}),
}
STREET_CASES = {
    **COMMON_CASES,
    "length": ({"measurements": {"length_m": 300.0}}, {"measurements": {"length_m": 299.9}}, {}),
    "width": ({"measurements": {"width_min_m": 5.0}}, {"measurements": {"width_min_m": 4.99}}, {}),
    "floor_area": ({"attributes": {"floor_area_m2": 15000}}, {"attributes": {"floor_area_m2": 14999}}, {}),
    "merchants": ({"attributes": {"merchants": 60}}, {"attributes": {"merchants": 59}}, {}),
}
COMPLEX_CASES = {
    **COMMON_CASES,
    "floor_area": ({"attributes": {"floor_area_m2": 20000}}, {"attributes": {"floor_area_m2": 19999}}, {}),
    "merchants": ({"attributes": {"merchants": 80}}, {"attributes": {"merchants": 79}}, {}),
}
MANUAL = {"plan_conformity", "brand", "appearance", "lighting", "facilities", "management", "compliance"}


def _params(ruleset, cases):
    return [pytest.param(ruleset, cid, case, id=f"{ruleset.id}:{cid}") for cid, case in cases.items()]


def test_the_cases_cover_every_criterion():
    assert set(STREET_CASES) | MANUAL == {c.id for c in STREET.criteria}
    assert set(COMPLEX_CASES) | MANUAL == {c.id for c in COMPLEX.criteria}


@pytest.mark.parametrize("ruleset, cid, case", _params(STREET, STREET_CASES) + _params(COMPLEX, COMPLEX_CASES))
def test_pass_fail_and_missing_data(ruleset, cid, case):
    passing, failing, missing = case
    assert judge(ruleset, cid, **passing)["status"] == "pass"
    assert judge(ruleset, cid, **failing)["status"] == "fail"
    result = judge(ruleset, cid, **missing)
    criterion = ruleset.criterion(cid)
    assert result["status"] == ("manual" if criterion.on_missing == "manual" else "needs-data")
    assert result["value"] in (None, {"bus_stop": None, "station": 100.0})
    if criterion.kind in ("attribute", "count_distinct", "time"):
        assert result["missing_attribute"] == criterion.attribute
    for key in ("id", "title_zh", "title_en", "status", "value", "operator", "threshold", "unit", "method", "source"):
        assert key in result
    assert result["source"].startswith("《拉萨市夜间经济示范区认定和奖励办法》第六条")


@pytest.mark.parametrize("ruleset", [STREET, COMPLEX], ids=lambda r: r.id)
@pytest.mark.parametrize("cid", sorted(MANUAL))
def test_qualitative_items_come_back_for_manual_review_with_the_original_text(ruleset, cid):
    result = judge(ruleset, cid)
    assert result["status"] == "manual" and result["value"] is None
    assert result["text"] == ruleset.criterion(cid).text and len(result["text"]) > 10


def test_values_thresholds_and_details_are_reported():
    length = judge(STREET, "length", measurements={"length_m": 321.456})
    assert (length["value"], length["operator"], length["threshold"], length["unit"]) == (321.46, ">=", 300, "m")
    formats = judge(STREET, "formats", attributes={"formats": ["购物", "dining", "餐饮", "文娱"]})
    assert formats["value"] == 3 and formats["details"]["distinct"] == ["购物", "餐饮", "文娱"]
    transit = judge(STREET, "transit", access=near(120.0, 650.0))
    assert transit["value"] == {"bus_stop": 120.0, "station": 650.0}
    assert transit["threshold"] == {"bus_stop": 300.0, "station": 800.0}
    assert "[network]" in transit["method"]
    assert [d["key"] for d in transit["details"]] == ["bus_stop", "station"]


def test_transit_thresholds_follow_the_parameters():
    assert judge(STREET, "transit", access=near(350, 700), parameters={"bus_stop_walk_m": 400})["status"] == "pass"
    assert judge(STREET, "transit", access=near(250, 700), parameters={"station_walk_m": 600})["status"] == "fail"


def test_a_failing_target_outweighs_a_missing_one():
    assert judge(STREET, "transit", access=near(None, 900.0))["status"] == "fail"
    missing = judge(STREET, "transit", access=near(None, 100.0))
    assert missing["missing_layer"] == "bus_stops"  # the plan gives no layer for the role: the role is named
    named = judge(STREET, "transit", access=near(None, 100.0), roles={"bus_stops": ("stops",)})
    assert named["missing_layer"] == "stops"


def test_unreachable_target_fails():
    access = near(100.0, float("inf"))
    result = judge(STREET, "transit", access=access)
    assert result["status"] == "fail" and result["value"]["station"] is None


def test_width_of_a_line_from_its_attribute():
    result = judge(STREET, "width", measurements={"length_m": 400.0}, attributes={"width_m": 6})
    assert result["status"] == "pass" and result["value"] == 6 and "attribute 'width_m'" in result["method"]
    missing = judge(STREET, "width", measurements={"length_m": 400.0})
    assert missing["status"] == "needs-data" and missing["missing_attribute"] == "width_m"


def test_past_midnight_closing_times_count_as_later():
    assert night_minutes("01:00", "06:00") > night_minutes("23:59", "06:00")
    assert judge(STREET, "hours_summer", attributes={"closing_time_summer": "00:30"})["status"] == "pass"
    late = judge(STREET, "hours_summer", attributes={"closing_time_summer": "05:59"})
    assert late["status"] == "pass" and late["details"]["after_midnight"]
    # with the night ending at 00:00, 00:30 is an early opening, not a late closing
    early = judge(STREET, "hours_summer", attributes={"closing_time_summer": "00:30"},
                  parameters={"night_ends": "00:00"})
    assert early["status"] == "fail"
    assert parse_time("24:00") == 1440 and parse_time("9:05") == 545


def test_service_circle_distances():
    def access(**distances):
        return {cid: {key: {"distance_m": d, "method": "network"} for key, d in targets.items()}
                for cid, targets in distances.items()}

    found = access(culture={"culture": 500.0}, medical={"medical": 700.1}, elderly={"elderly": 120.0},
                   life_circle_15min={"convenience": 100.0, "park": 999.0, "sport": 1000.0, "education": 400.0})
    results = {r["id"]: r for r in evaluate(CIRCLES, measurements=NO_MEASURES, attributes={},
                                            parameters=resolve_parameters(CIRCLES, {}), accessibility=found)}
    assert {k: r["status"] for k, r in results.items()} == {
        "culture": "pass", "medical": "fail", "elderly": "pass", "life_circle_15min": "pass"}
    assert results["culture"]["value"] == 500.0 and results["culture"]["threshold"] == 500.0
    stricter = evaluate(CIRCLES, measurements=NO_MEASURES, attributes={}, accessibility=found,
                        parameters=resolve_parameters(CIRCLES, {"life_circle_walk_m": 800}))
    assert stricter[-1]["status"] == "fail"
    nothing = evaluate(CIRCLES, measurements=NO_MEASURES, attributes={}, parameters=resolve_parameters(CIRCLES, {}))
    assert {r["status"] for r in nothing} == {"needs-data"}


def test_overall_and_summary():
    def results(*statuses):
        return [{"status": s} for s in statuses]

    assert overall(results("pass", "manual")) == "pass"
    assert overall(results("pass", "needs-data", "manual")) == "incomplete"
    assert overall(results("fail", "needs-data", "pass")) == "fail"
    assert summary(results("pass", "pass", "fail", "manual")) == {"pass": 2, "fail": 1, "needs-data": 0, "manual": 1}


# ---------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("attributes, message", [
    ({"parking_spaces": 3}, r"unknown attribute 'parking_spaces' for ruleset 'night-economy-street'; known"),
    ({"merchants": "many"}, r"attribute 'merchants' \(入驻商户数量\) must be a whole number; got 'many' \(str\)"),
    ({"merchants": 60.5}, r"'merchants' .* whole number"),
    ({"merchants": True}, r"'merchants' .* whole number"),
    ({"merchants": -1}, r"'merchants' .* must be ≥ 0"),
    ({"floor_area_m2": float("nan")}, r"'floor_area_m2' .* finite number"),
    ({"smart_parking": "yes"}, r"'smart_parking' .* true or false"),
    ({"mobile_payment_share": 80}, r"'mobile_payment_share' .* 80 is ambiguous"),
    ({"mobile_payment_share": "0.8"}, r"'mobile_payment_share' .* fraction 0–1"),
    ({"mobile_payment_share": "120%"}, r"0–100%"),
    ({"formats": "购物"}, r"'formats' .* list of strings"),
    ({"formats": ["购物", "赌场"]}, r"'赌场' is not one of 购物, 餐饮"),
    ({"closing_time_summer": "25:00"}, r"'closing_time_summer' must be a time HH:MM"),
    ({"closing_time_summer": 2230}, r"'closing_time_summer' .* time string"),
    ({"operator_type": "club"}, r"'operator_type' .* 'club' is not one of enterprise, government, other"),
])
def test_bad_attributes_name_the_attribute_and_the_expected_type(attributes, message):
    with pytest.raises(CriteriaError, match=message):
        coerce_attributes(STREET, attributes)


def test_attributes_from_the_command_line_are_parsed():
    parsed = coerce_attributes(STREET, {"merchants": "72", "smart_parking": "是", "formats": "购物,餐饮、文娱",
                                        "mobile_payment_share": "0.85", "floor_area_m2": "1.6e4"}, from_text=True)
    assert parsed == {"merchants": 72, "smart_parking": True, "formats": ["购物", "餐饮", "文娱"],
                      "mobile_payment_share": 0.85, "floor_area_m2": 16000.0}
    with pytest.raises(CriteriaError, match="'merchants'"):
        coerce_attributes(STREET, {"merchants": "seventy"}, from_text=True)


def test_parameters_are_checked():
    assert resolve_parameters(STREET, {})["bus_stop_walk_m"] == 300
    assert resolve_parameters(STREET, {"bus_stop_walk_m": "450"}, from_text=True)["bus_stop_walk_m"] == 450.0
    with pytest.raises(CriteriaError, match="unknown parameter 'speed'"):
        resolve_parameters(STREET, {"speed": 80})
    with pytest.raises(CriteriaError, match="'bus_stop_walk_m' .* must be a finite number"):
        resolve_parameters(STREET, {"bus_stop_walk_m": "far"})
    with pytest.raises(CriteriaError, match="between 50 and 3000 m"):
        resolve_parameters(STREET, {"bus_stop_walk_m": 10_000})
    with pytest.raises(CriteriaError, match="'night_ends' must be a time"):
        resolve_parameters(STREET, {"night_ends": "late"})
    with pytest.raises(CriteriaError, match="must be an object"):
        resolve_parameters(STREET, ["bus_stop_walk_m"])


@pytest.mark.parametrize(("length", "expected"), [(299.996, "fail"), (299.9995, "pass"), (300.0, "pass")])
def test_length_is_judged_on_the_unrounded_value(length, expected):
    result = judge(STREET, "length", measurements={"length_m": length})
    assert result["status"] == expected
    assert result["value"] == round(length, 2)  # reported rounded, judged unrounded


@pytest.mark.parametrize(("distance", "expected"), [(300.004, "fail"), (300.0, "pass")])
def test_walking_distance_is_judged_with_the_same_rule(distance, expected):
    access = {"transit": {"bus_stop": {"distance_m": distance, "method": "network"},
                          "station": {"distance_m": 100.0, "method": "network"}}}
    assert judge(STREET, "transit", access=access)["status"] == expected


# ---------------------------------------------------------------------------------------------- the kind registry
def test_every_shipped_kind_is_registered_with_its_needs():
    assert set(KINDS) == {"measurement", "attribute", "count_distinct", "time", "accessibility", "location", "manual"}
    assert KINDS["accessibility"].needs == ("targets",) and KINDS["location"].operators == ("intersects",)
    assert {k for k, kind in KINDS.items() if kind.spatial} == {"measurement", "accessibility", "location"}


def _minimal(kind: str, **fields) -> dict:
    return {"id": "demo", "title": {"zh": "示例", "en": "Demo"}, "description": "d",
            "source": {"document": "《示例》"}, "geometry": ["point"],
            "criteria": [{"id": "c", "title_zh": "甲", "title_en": "A", "source": {"document": "《示例》"},
                          "text": "原文", "kind": kind, **fields}]}


def test_an_unknown_kind_is_refused_naming_the_known_ones():
    with pytest.raises(RulesetError, match="unknown criterion kind 'colour'; kinds: manual, measurement"):
        parse_ruleset(_minimal("colour", operator="review"), "demo.yaml")


def test_a_new_kind_is_one_function_and_one_registration():
    @register("always_manual_demo", operators=("review",))
    def _demo(result, criterion, inputs):
        result["status"] = "manual"
        result["value"] = len(inputs.attributes)

    try:
        ruleset = parse_ruleset(_minimal("always_manual_demo", operator="review"), "demo.yaml")
        [result] = evaluate(ruleset, measurements={}, attributes={"a": 1, "b": 2}, parameters={})
        assert result["status"] == "manual" and result["value"] == 2
        with pytest.raises(RulesetError, match="uses operator 'review', not '>='"):
            parse_ruleset(_minimal("always_manual_demo", operator=">="), "demo.yaml")
    finally:
        KINDS.pop("always_manual_demo")
