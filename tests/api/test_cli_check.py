"""``planmap check``: table and JSON output; exit 0 pass, 1 fail, 2 bad input with the reason on stderr."""

from __future__ import annotations

import json

import pytest
import shapely

from api.cli import main
from tests.geo import tiny_plan as tp

PASSING = ["--attr", "operator_type=企业", "--attr", "floor_area_m2=18000", "--attr", "merchants=72",
           "--attr", "formats=购物,餐饮,文娱,休闲旅游", "--attr", "closing_time_summer=01:00",
           "--attr", "closing_time_winter=22:00", "--attr", "online_delivery_merchants=12",
           "--attr", "free_wifi_merchants=20", "--attr", "mobile_payment_share=92%",
           "--attr", "smart_parking=true", "--attr", "turnover_yuan=1.2e8", "--attr", "investment_yuan=4000000"]


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    directory = tmp_path_factory.mktemp("plans")
    tp.write_plan(directory)
    return directory


@pytest.fixture
def run(plans, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(plans))

    def invoke(geometry, *args, raw: str | None = None):
        path = tmp_path / "site.geojson"
        path.write_text(raw if raw is not None else json.dumps(geometry), encoding="utf-8")
        code = main(["check", str(path), "--plan", "tiny", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


def street_feature():
    return {"type": "FeatureCollection",
            "features": [{"type": "Feature", "properties": {"name": "夜街"}, "geometry": tp.geojson(tp.STREET_M)}]}


def test_everything_passes_exit_0_with_a_table(run):
    code, out, err = run(street_feature(), "--ruleset", "night-economy-street", *PASSING)
    assert code == 0, err
    assert "overall: PASS" in out
    assert "overall: PASS 符合" in out
    assert "长度 320 m" in out and "平均宽度 8 m" in out
    lines = out.splitlines()
    assert any(line.startswith("PASS 符合") and "length 街区长度" in line and "320" in line for line in lines)
    assert any(line.startswith("MANUAL 需人工判定") and "lighting 夜景灯光" in line for line in lines)
    assert "subdistrict: 东街道" in out and "station: 火车站" in out


def test_missing_data_is_not_a_failure(run):
    code, out, _ = run(street_feature(), "--ruleset", "night-economy-street")
    assert code == 0
    assert "overall: INCOMPLETE 待补充数据" in out and "supply turnover_yuan" in out
    assert any(line.startswith("NEEDS-DATA 需补充数据") for line in out.splitlines())


def test_english_table_uses_the_vocabulary_words(run):
    code, out, _ = run(street_feature(), "--ruleset", "night-economy-street", "--lang", "en", *PASSING)
    assert code == 0
    assert "overall: PASS Meets" in out and "Length 320 m" in out and "Mean width 8 m" in out
    lines = out.splitlines()
    assert any(line.startswith("PASS Meets") and "length" in line and "320" in line for line in lines)
    assert any(line.startswith("MANUAL Manual review") for line in lines)


def test_a_failing_criterion_exits_1(run):
    short = tp.geojson(shapely.box(0, 0, 250, 8))
    code, out, _ = run(short, "--ruleset", "night-economy-street", *PASSING)
    assert code == 1
    assert any(line.startswith("FAIL") and "length" in line and "250" in line for line in out.splitlines())


def test_parameters_and_json_output(run):
    code, out, _ = run(street_feature(), "--ruleset", "night-economy-street", "--param", "station_walk_m=700",
                       "--json")
    report = json.loads(out)
    assert code == 1 and report["overall"] == "fail"
    transit = next(c for c in report["criteria"] if c["id"] == "transit")
    assert transit["status"] == "fail" and transit["threshold"]["station"] == 700


@pytest.mark.parametrize("geometry, args, raw, message", [
    (None, ["--ruleset", "service-circles"], "{not json", "not valid JSON"),
    ({"type": "Point", "coordinates": [38.915, 121.62]}, ["--ruleset", "service-circles"], None, "swapped"),
    ({"type": "Polygon", "coordinates": []}, ["--ruleset", "night-economy-complex"], None, "empty"),
    ([121.62, 38.915], ["--ruleset", "night-economy-street"], None, "cannot be checked with this ruleset"),
    ([121.62, 38.915], ["--ruleset", "bars"], None, "unknown ruleset 'bars'"),
    ([121.62, 38.915], ["--ruleset", "service-circles", "--attr", "merchants=3"], None, "unknown attribute"),
    ([121.62, 38.915], ["--ruleset", "service-circles", "--attr", "merchants"], None, "key=value"),
    ([121.62, 38.915], ["--ruleset", "service-circles", "--param", "life_circle_walk_m=far"], None,
     "'life_circle_walk_m'"),
])
def test_bad_input_exits_2_with_a_message(run, geometry, args, raw, message):
    code, out, err = run(geometry, *args, raw=raw)
    assert code == 2 and out == ""
    assert err.startswith("planmap check: ") and message in err


def test_wrong_attribute_type_exits_2(run):
    code, _, err = run(street_feature(), "--ruleset", "night-economy-street", "--attr", "merchants=many")
    assert code == 2 and "'merchants'" in err and "whole number" in err


def test_missing_file_exits_2(plans, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(plans))
    code = main(["check", str(tmp_path / "nowhere.geojson"), "--plan", "tiny", "--ruleset", "service-circles"])
    assert code == 2 and "no such file" in capsys.readouterr().err


def test_unknown_plan_exits_2(plans, monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(plans))
    path = tmp_path / "p.geojson"
    path.write_text(json.dumps([121.62, 38.915]), encoding="utf-8")
    code = main(["check", str(path), "--plan", "atlantis", "--ruleset", "service-circles"])
    assert code == 2 and "atlantis" in capsys.readouterr().err
