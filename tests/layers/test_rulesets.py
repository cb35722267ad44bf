"""Rulesets are declared files, validated on load with messages naming file, criterion and field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from geo.rules import COMMON_PARAMETERS
from layers.errors import CatalogueError
from layers.plan import PLANS_DIR
from layers.rulesets import SHARED_RULESETS_DIR, load_rulesets

#: the shared rulesets and every plan's own
SHIPPED = sorted(SHARED_RULESETS_DIR.glob("*.yaml")) + sorted(PLANS_DIR.glob("*/rulesets/*.yaml"))
#: the 14 items of article 6 of the Lhasa standard, as criterion ids (规划选址 and 智慧功能 and 营业时间 split)
ARTICLE_6 = {
    "第六条第1项": ["operator"],
    "第六条第2项": ["transit", "location", "plan_conformity"],
    "第六条第3项": ["brand"],
    "第六条第4项": ["floor_area", "merchants"],
    "第六条第5项": ["formats"],
    "第六条第6项": ["appearance"],
    "第六条第7项": ["lighting"],
    "第六条第8项": ["facilities"],
    "第六条第9项": ["hours_summer", "hours_winter"],
    "第六条第10项": ["management"],
    "第六条第11项": ["smart_parking", "online_delivery", "free_wifi", "mobile_payment"],
    "第六条第12项": ["turnover"],
    "第六条第13项": ["investment"],
    "第六条第14项": ["compliance"],
}


@pytest.fixture(scope="module")
def rulesets():
    return load_rulesets(SHIPPED)


def test_shipped_rulesets(rulesets):
    assert {"night-economy-street", "night-economy-complex", "service-circles"} <= set(rulesets)


def test_shared_rulesets_name_roles_not_layers():
    """A shared ruleset reads the plan through roles; none names a plan's layer."""
    for path in sorted(SHARED_RULESETS_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        for criterion in raw["criteria"]:
            assert "layers" not in criterion, path.name
            for target in criterion.get("targets", []):
                assert "layer" not in target and target["role"], (path.name, target)


def test_a_ruleset_naming_an_unknown_role_is_refused(tmp_path):
    ruleset = {**_minimal(), "criteria": [{
        "id": "near", "title_zh": "近", "title_en": "Near", "source": {"document": "《示例》"}, "text": "原文",
        "kind": "accessibility", "operator": "within",
        "targets": [{"key": "x", "title_zh": "站", "title_en": "stop", "role": "tram_stops", "max_m": 300}]}]}
    with pytest.raises(CatalogueError, match="unknown role 'tram_stops'; roles: boundary"):
        load_rulesets([_write(tmp_path, "mini", ruleset)])


@pytest.mark.parametrize("ruleset_id", ["night-economy-street", "night-economy-complex"])
def test_every_item_of_article_6_is_a_criterion(rulesets, ruleset_id):
    ruleset = rulesets[ruleset_id]
    for article, ids in ARTICLE_6.items():
        for criterion_id in ids:
            criterion = ruleset.criterion(criterion_id)
            assert criterion.source.document == "《拉萨市夜间经济示范区认定和奖励办法》"
            assert criterion.source.article.startswith(article)
            assert criterion.text and criterion.title_zh and criterion.title_en


def test_street_scale_thresholds_come_from_the_text(rulesets):
    street, complex_ = rulesets["night-economy-street"], rulesets["night-economy-complex"]
    assert (street.criterion("length").threshold, street.criterion("length").measure) == (300, "length_m")
    assert (street.criterion("width").threshold, street.criterion("width").measure) == (5, "width_min_m")
    assert street.criterion("floor_area").threshold == 15000 and complex_.criterion("floor_area").threshold == 20000
    assert street.criterion("merchants").threshold == 60 and complex_.criterion("merchants").threshold == 80
    assert street.criterion("formats").threshold == 4 and street.criterion("formats").operator == ">="
    assert street.attributes["formats"].choices == ["购物", "餐饮", "文娱", "健身运动", "教育培训", "休憩康养",
                                                     "休闲旅游", "其他"]
    assert street.criterion("turnover").threshold == 100_000_000
    assert street.criterion("investment").threshold == 3_000_000
    assert street.criterion("hours_summer").threshold == "22:30"
    assert street.criterion("hours_winter").threshold == "21:30"
    with pytest.raises(KeyError):
        complex_.criterion("length")
    assert street.geometry == ["polygon", "line"] and complex_.geometry == ["polygon", "point"]


def test_transit_thresholds_are_documented_overridable_parameters(rulesets):
    street = rulesets["night-economy-street"]
    assert street.parameters["bus_stop_walk_m"].default == 300
    assert street.parameters["station_walk_m"].default == 800
    assert "Ours" in street.parameters["bus_stop_walk_m"].description
    transit = street.criterion("transit")
    assert [t.max_parameter for t in transit.targets] == ["bus_stop_walk_m", "station_walk_m"]
    assert transit.targets[1].filter == {"mode": ["metro", "tram"]}
    for name in COMMON_PARAMETERS:
        assert name in street.parameters


def test_service_circles(rulesets):
    circles = rulesets["service-circles"]
    limits = {c.id: [t.max_m or circles.parameters[t.max_parameter].default for t in c.targets]
              for c in circles.criteria}
    assert limits == {"culture": [500], "medical": [700], "elderly": [500], "life_circle_15min": [1000] * 4}
    assert "GB 50180-2018" in circles.criterion("life_circle_15min").source.document
    assert circles.parameters["facilities_layer"].default == ""  # empty: the plan's facilities role


def _write(tmp_path: Path, name: str, data) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True) if not isinstance(data, str) else data,
                    encoding="utf-8")
    return path


def _minimal(**criterion) -> dict:
    base = {"id": "length", "title_zh": "长度", "title_en": "Length",
            "source": {"document": "《测试》", "article": "第一条"}, "text": "长度不低于300米。",
            "kind": "measurement", "measure": "length_m", "operator": ">=", "threshold": 300, "unit": "m"}
    base.update(criterion)
    return {"id": "mini", "title": {"zh": "迷你", "en": "Mini"}, "description": "test",
            "source": {"document": "《测试》"}, "geometry": ["polygon"], "criteria": [base]}


def test_a_minimal_ruleset_loads(tmp_path):
    rulesets = load_rulesets([_write(tmp_path, "mini", _minimal())])
    assert rulesets["mini"].criterion("length").source.cite() == "《测试》第一条"


@pytest.mark.parametrize("change, message", [
    ({"measure": "height_m"}, r"criterion 'length'.*measure must be one of"),
    ({"kind": "attribute", "measure": None, "attribute": "merchants"}, r"criterion 'length'.*'merchants' is not declared"),
    ({"operator": "within"}, r"criterion 'length'.*uses operator '>=' or .*, not 'within'"),
    ({"threshold": None}, r"criterion 'length'.*threshold"),
    ({"on_missing": "skip"}, r"criterion 'length', field 'on_missing'"),
    ({"id": "Length!"}, r"criterion 'Length!', field 'id'"),
    ({"source": {"article": "第一条"}}, r"criterion 'length', field 'source.document'"),
])
def test_invalid_criteria_are_named(tmp_path, change, message):
    path = _write(tmp_path, "mini", _minimal(**change))
    with pytest.raises(CatalogueError, match=message) as info:
        load_rulesets([path])
    assert str(path) in str(info.value)


def test_file_name_must_match_the_id(tmp_path):
    with pytest.raises(CatalogueError, match="must match the file name"):
        load_rulesets([_write(tmp_path, "other", _minimal())])


def test_duplicate_ids_across_files(tmp_path):
    first = _write(tmp_path, "mini", _minimal())
    (tmp_path / "copy").mkdir()
    second = _write(tmp_path / "copy", "mini", _minimal())
    with pytest.raises(CatalogueError, match="also defined in"):
        load_rulesets([first, second])


def test_duplicate_criterion_ids(tmp_path):
    data = _minimal()
    data["criteria"].append(dict(data["criteria"][0]))
    with pytest.raises(CatalogueError, match="duplicate criterion id"):
        load_rulesets([_write(tmp_path, "mini", data)])


def test_unreadable_files(tmp_path):
    with pytest.raises(CatalogueError, match="not found"):
        load_rulesets([tmp_path / "missing.yaml"])
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_rulesets([_write(tmp_path, "bad", "id: [unclosed")])
    with pytest.raises(CatalogueError, match="must be a mapping"):
        load_rulesets([_write(tmp_path, "list", "- 1\n- 2\n")])


def _parameter(**spec) -> dict:
    base = {"type": "number", "default": 300, "title_zh": "距离", "title_en": "Distance", "unit": "m",
            "description": "test", "minimum": 50, "maximum": 3000}
    base.update(spec)
    return base


@pytest.mark.parametrize("spec, message", [
    ({"default": 10}, r"parameters.*distance.*default 10 is outside"),
    ({"default": "far"}, r"parameters.*distance.*not a number"),
    ({"minimum": 500, "maximum": 100}, r"parameters.*distance.*minimum 500 is above maximum 100"),
    ({"type": "time", "default": "99:99", "minimum": None, "maximum": None}, r"not a time HH:MM"),
    ({"type": "string", "default": 5, "minimum": None, "maximum": None}, r"not a string"),
])
def test_parameter_defaults_are_checked_on_load(tmp_path, spec, message):
    ruleset = {**_minimal(), "parameters": {"distance": _parameter(**spec)}}
    with pytest.raises(CatalogueError, match=message):
        load_rulesets([_write(tmp_path, "mini", ruleset)])


def test_a_parameter_with_only_a_minimum_refuses_a_smaller_value_with_a_message(tmp_path):
    from geo.errors import CriteriaError
    from geo.rules.values import resolve_parameters

    ruleset = {**_minimal(), "parameters": {"distance": _parameter(maximum=None)}}
    loaded = load_rulesets([_write(tmp_path, "mini", ruleset)])["mini"]
    with pytest.raises(CriteriaError, match=r"'distance' \(Distance\) must be at least 50 m, got -1"):
        resolve_parameters(loaded, {"distance": -1})
    assert resolve_parameters(loaded, {"distance": 1e6})["distance"] == 1e6


def test_a_ruleset_without_parameters_still_gets_the_common_ones(tmp_path):
    raw = _minimal()
    raw.pop("parameters", None)
    loaded = load_rulesets([_write(tmp_path, "mini", raw)])["mini"]
    assert set(COMMON_PARAMETERS) <= set(loaded.parameters)
