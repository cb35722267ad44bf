"""Catalogue validation: a bad catalogue or bad data stops start-up with a message naming file, layer and field."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from api import cli
from layers.catalogue import load_catalogue, parse_catalogue
from layers.errors import CatalogueError
from layers.plan import Plan

MAP_AREA = [10.0, 50.0, 11.0, 51.0]


def _feature(fid: str, geometry: dict, **props: Any) -> dict:
    return {"type": "Feature", "properties": {"id": fid, **props}, "geometry": geometry}


def _square(x0: float, y0: float, size: float) -> dict:
    ring = [[x0, y0], [x0 + size, y0], [x0 + size, y0 + size], [x0, y0 + size], [x0, y0]]
    return {"type": "Polygon", "coordinates": [ring]}


def _point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


def good_catalogue() -> dict:
    provenance = {"source": "test fixture", "licence": "CC0", "method": "typed by hand", "accuracy_m": 5}
    return {
        "plan": {
            "id": "tiny",
            "title": {"zh": "小规划", "en": "Tiny plan"},
            "district": {"zh": "测试区", "en": "Test district"},
            "data_date": "2026-01",
            "roles": {"boundary": "area", "projects": "spots"},
            "map_area": MAP_AREA,
            "attribution": "test data",
        },
        "layers": [
            {
                "id": "area",
                "title": {"zh": "边界", "en": "Boundary"},
                "group": "基础",
                "geometry_type": "Polygon",
                "source_crs": "EPSG:4326",
                "file": "area.geojson",
                "fields": {"name": {"type": "string", "required": True}},
                "provenance": provenance,
            },
            {
                "id": "spots",
                "title": {"zh": "地点", "en": "Spots"},
                "group": "重点项目",
                "geometry_type": "Point",
                "source_crs": "EPSG:4326",
                "file": "spots.geojson",
                "schematic": True,
                "fields": {"name": {"type": "string", "required": True}, "kind": {"type": "string"}},
                "provenance": {**provenance, "accuracy_m": 50},
            },
        ],
    }


def good_data() -> dict[str, dict]:
    area = _feature("area-1", _square(10.1, 50.1, 0.5), name="区", source="survey", method="GNSS",
                    accuracy_m=1.5)
    spots = [_feature(f"spot-{i}", _point(10.2 + 0.1 * i, 50.2), name=f"点{i}", kind="a") for i in range(3)]
    return {
        "area.geojson": {"type": "FeatureCollection", "features": [area]},
        "spots.geojson": {"type": "FeatureCollection", "features": spots},
    }


def write_plan(root: Path, catalogue: dict, data: dict[str, dict], plan_id: str = "tiny") -> Path:
    plan_dir = root / plan_id
    (plan_dir / "data").mkdir(parents=True)
    (plan_dir / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    for name, document in data.items():
        (plan_dir / "data" / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return plan_dir


# ---------------------------------------------------------------------------------------------- the good plan
def test_good_plan_loads_with_only_a_folder_and_a_catalogue(tmp_path: Path) -> None:
    plan_dir = write_plan(tmp_path, good_catalogue(), good_data())
    store = Plan(plan_dir)
    assert [s.id for s in store.specs] == ["area", "spots"]
    assert store.plan.id == "tiny"
    spots = store.layer("spots")
    assert list(spots.index) == ["spot-0", "spot-1", "spot-2"]
    assert spots.crs.to_epsg() == 4326
    # per-feature provenance missing from the file is filled from the catalogue
    assert set(spots["source"]) == {"test fixture"}
    assert spots["accuracy_m"].tolist() == [50.0, 50.0, 50.0]
    # and kept where the file has it
    area = store.layer("area")
    assert area.loc["area-1", "source"] == "survey"
    assert area.loc["area-1", "accuracy_m"] == 1.5
    assert store.boundary.area == pytest.approx(0.25)


def test_empty_layer_is_allowed(tmp_path: Path) -> None:
    data = good_data()
    data["spots.geojson"] = {"type": "FeatureCollection", "features": []}
    store = Plan(write_plan(tmp_path, good_catalogue(), data))
    assert len(store.layer("spots")) == 0


# ---------------------------------------------------------------------------------------------- bad catalogues
def _set(path: str, value: Any):
    """A mutation setting ``layers.1.group``-style paths (``None`` value deletes the key)."""

    def mutate(catalogue: dict, data: dict) -> None:
        *parents, last = path.split(".")
        node: Any = catalogue
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        if value is None:
            del node[last]
        else:
            node[last] = value

    return mutate


def _duplicate_layer(catalogue: dict, data: dict) -> None:
    clone = copy.deepcopy(catalogue["layers"][1])
    catalogue["layers"].append(clone)


def _spot_outside(catalogue: dict, data: dict) -> None:
    data["spots.geojson"]["features"][2]["geometry"] = _point(12.5, 50.5)


def _bowtie_area(catalogue: dict, data: dict) -> None:
    ring = [[10.1, 50.1], [10.6, 50.6], [10.6, 50.1], [10.1, 50.6], [10.1, 50.1]]
    data["area.geojson"]["features"][0]["geometry"] = {"type": "Polygon", "coordinates": [ring]}


def _line_among_points(catalogue: dict, data: dict) -> None:
    data["spots.geojson"]["features"][1]["geometry"] = {
        "type": "LineString", "coordinates": [[10.2, 50.2], [10.3, 50.3]]
    }


def _null_geometry(catalogue: dict, data: dict) -> None:
    data["spots.geojson"]["features"][0]["geometry"] = None


def _required_value_missing(catalogue: dict, data: dict) -> None:
    del data["spots.geojson"]["features"][1]["properties"]["name"]


def _duplicate_feature_id(catalogue: dict, data: dict) -> None:
    data["spots.geojson"]["features"][1]["properties"]["id"] = "spot-0"


BAD_CASES = {
    # name: (mutation, layer named in the message, field named in the message, words of the reason)
    "wrong group": (_set("layers.1.group", "商业"), "spots", "group", "规划结构"),
    "bad slug": (_set("layers.1.id", "Spots_1"), "Spots_1", "id", "slug"),
    "unknown geometry type": (_set("layers.1.geometry_type", "Polyline"), "spots", "geometry_type", "Point"),
    "missing accuracy": (_set("layers.1.provenance.accuracy_m", None), "spots", "provenance.accuracy_m",
                         "required"),
    "negative accuracy": (_set("layers.1.provenance.accuracy_m", -3), "spots", "provenance.accuracy_m",
                          "greater than or equal to 0"),
    "misspelt style key": (_set("layers.1.style", {"colour": "#fff"}), "spots", "style.colour", "not permitted"),
    "label for an unknown category": (
        _set("layers.1.style", {"category_field": "kind", "categories": {"a": "#ff0000"},
                                "category_labels": {"a": {"zh": "甲", "en": "A"}, "b": {"zh": "乙", "en": "B"}}}),
        "spots", "style.category_labels", "labels for 'b', which are not codes of categories ('a')"),
    "category label without English": (
        _set("layers.1.style", {"category_field": "kind", "categories": {"a": "#ff0000"},
                                "category_labels": {"a": {"zh": "甲"}}}),
        "spots", "style.category_labels.a.en", "required"),
    "bad source crs": (_set("layers.1.source_crs", "EPSG:999999"), "spots", "source_crs", "unknown CRS"),
    "duplicate layer ids": (_duplicate_layer, "spots", "id", "duplicate"),
    "unknown provider": (_set("layers.1.provider", "shapefile"), "spots", "provider", "geojson"),
    "data file missing": (_set("layers.1.file", "nowhere.geojson"), "spots", "file", "nowhere.geojson"),
    "data outside map_area": (_spot_outside, "spots", "geometry", "map_area"),
    "invalid geometry": (_bowtie_area, "area", "geometry", "Self-intersection"),
    "wrong geometry type": (_line_among_points, "spots", "geometry_type", "LineString"),
    "feature without geometry": (_null_geometry, "spots", "geometry", "spot-0"),
    "required value missing": (_required_value_missing, "spots", "fields.name", "required"),
    "duplicate feature ids": (_duplicate_feature_id, "spots", "id", "spot-0"),
}


def _bad_plan(tmp_path: Path, case: str) -> Path:
    mutate = BAD_CASES[case][0]
    catalogue, data = good_catalogue(), good_data()
    mutate(catalogue, data)
    return write_plan(tmp_path, catalogue, data)


@pytest.mark.parametrize("case", sorted(BAD_CASES))
def test_bad_catalogue_names_file_layer_and_field(tmp_path: Path, case: str) -> None:
    _, layer, field, reason = BAD_CASES[case]
    plan_dir = _bad_plan(tmp_path, case)
    with pytest.raises(CatalogueError) as caught:
        Plan(plan_dir)
    message = str(caught.value)
    assert str(plan_dir / "catalogue.yaml") in message
    assert f"layer {layer!r}" in message
    assert f"field {field!r}" in message
    assert reason in message


def test_plan_reference_to_unknown_layer(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["roles"]["boundary"] = "outline"
    with pytest.raises(CatalogueError, match="plan 'tiny', role 'boundary': layer 'outline' is not in the catalogue"):
        parse_catalogue(catalogue, tmp_path / "catalogue.yaml")


@pytest.mark.parametrize(("roles", "message"), [
    ({"projects": "spots"}, "plan 'tiny': required role 'boundary' is not given in plan.roles"),
    ({"boundary": "spots"}, "plan 'tiny', role 'boundary': layer 'spots' holds Point, the role needs polygon"),
    ({"boundary": ["area"]}, "plan 'tiny', role 'boundary': takes one layer, not a list"),
    ({"boundary": "area", "facilities": "spots", "tram": "spots"}, "unknown role 'tram'; roles: boundary"),
    ({"boundary": "area", "transit_stations": "spots"},
     "plan 'tiny', role 'transit_stations': layer 'spots' lacks field\\(s\\) mode"),
    ({"boundary": "area", "streets": "area"}, "role 'streets': layer 'area' holds Polygon, the role needs line"),
])
def test_roles_are_validated_naming_plan_role_and_layer(tmp_path: Path, roles, message) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["roles"] = roles
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(catalogue, tmp_path / "catalogue.yaml")


def test_a_plan_without_optional_roles_loads(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["roles"] = {"boundary": "area"}
    plan = Plan(write_plan(tmp_path, catalogue, good_data()))
    assert plan.role_layer("coast") is None and plan.role_layers("plan_elements") == ()
    assert plan.graph is None and plan.roles == {"boundary": ("area",)}


def test_map_area_must_be_ordered(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["map_area"] = [11.0, 50.0, 10.0, 51.0]
    with pytest.raises(CatalogueError, match=r"field 'plan'.*map_area must be"):
        parse_catalogue(catalogue, tmp_path / "catalogue.yaml")


def test_unreadable_yaml_and_missing_file(tmp_path: Path) -> None:
    broken = tmp_path / "catalogue.yaml"
    broken.write_text("plan: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="not valid YAML"):
        load_catalogue(broken)
    with pytest.raises(CatalogueError, match="catalogue file not found"):
        load_catalogue(tmp_path / "absent.yaml")
    not_a_mapping = tmp_path / "list.yaml"
    not_a_mapping.write_text("- a\n- b\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match="must be a mapping"):
        load_catalogue(not_a_mapping)


def test_unreadable_data_file_names_layer_and_file(tmp_path: Path) -> None:
    plan_dir = write_plan(tmp_path, good_catalogue(), good_data())
    (plan_dir / "data" / "spots.geojson").write_text("{ not json", encoding="utf-8")
    with pytest.raises(CatalogueError) as caught:
        Plan(plan_dir)
    assert "layer 'spots', field 'file'" in str(caught.value)
    assert "spots.geojson" in str(caught.value)


def test_real_catalogue_is_valid(store) -> None:
    assert store.plan.id == "xigang"
    assert "district-boundary" in [s.id for s in store.specs]


def test_real_catalogue_names_every_category(store) -> None:
    categorised = [s for s in store.specs if s.style.category_field]
    assert {s.id for s in categorised} >= {"transit-lines", "transit-stations", "bus-stops", "facilities",
                                          "night-economy", "key-projects"}
    for spec in categorised:
        assert set(spec.style.category_labels) == set(spec.style.categories), spec.id
    status = store.spec("key-projects").style
    assert status.category_label("重点实施", "en") == "Under implementation"
    assert status.category_label("重点实施", "zh") == "重点实施"
    assert status.category_label("未知状态", "en") == "未知状态"  # no label: the code itself
    assert store.spec("transit-lines").style.category_label("2", "en") == "Dalian Metro Line 2"


# ---------------------------------------------------------------------------------------------- planmap serve
@pytest.fixture
def no_server(monkeypatch: pytest.MonkeyPatch) -> list:
    """Replace uvicorn.run so a plan that wrongly validates cannot start a blocking server."""
    import uvicorn

    calls: list = []
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: calls.append((args, kwargs)))
    return calls


@pytest.mark.parametrize("case", ["wrong group", "data outside map_area", "unknown provider"])
def test_serve_with_bad_plan_exits_2_with_the_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, no_server: list, case: str
) -> None:
    _, layer, field, _ = BAD_CASES[case]
    plan_dir = _bad_plan(tmp_path, case)
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(tmp_path))
    monkeypatch.setenv("PLANMAP_PLAN", "xigang")  # restored after the test (serve --plan overwrites it)
    code = cli.main(["serve", "--plan", "tiny", "--port", "8999"])
    err = capsys.readouterr().err
    assert code == 2
    assert no_server == []
    assert "cannot start" in err
    assert str(plan_dir / "catalogue.yaml") in err
    assert f"layer {layer!r}" in err and f"field {field!r}" in err


def test_serve_unknown_plan_exits_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, no_server: list
) -> None:
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(tmp_path / "no-such-dir"))
    monkeypatch.setenv("PLANMAP_PLAN", "xigang")
    assert cli.main(["serve", "--plan", "nowhere"]) == 2
    assert "no plan 'nowhere'" in capsys.readouterr().err
    assert no_server == []


def test_serve_good_plan_starts_uvicorn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, no_server: list
) -> None:
    write_plan(tmp_path, good_catalogue(), good_data())
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(tmp_path))
    monkeypatch.setenv("PLANMAP_PLAN", "xigang")
    assert cli.main(["serve", "--plan", "tiny", "--port", "8999"]) == 0
    assert "plan 'tiny' with 2 layers" in capsys.readouterr().err
    assert len(no_server) == 1
    assert no_server[0][1]["port"] == 8999


# ---------------------------------------------------------------------------------------------- rulesets
def test_plan_rulesets_pick_which_rulesets_the_plan_offers(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["rulesets"] = {"night-economy-complex": {"status": "reference", "audits": "complex"}}
    store = Plan(write_plan(tmp_path, catalogue, good_data()))
    assert any("reads role 'bus_stops', which no layer plays here: it will need data" in w for w in store.warnings)
    assert list(store.rulesets) == ["night-economy-complex"]
    assert store.audits == {"complex": "night-economy-complex"}
    assert store.adoption("night-economy-complex").status == "reference"
    assert any("criterion 'location' reads role 'commercial_areas'" in w for w in store.warnings)


def test_a_plan_own_ruleset_comes_from_its_folder(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["rulesets"] = {"service-circles": {"status": "own"}}
    plan_dir = write_plan(tmp_path, catalogue, good_data())
    (plan_dir / "rulesets").mkdir()
    source = Path(__file__).resolve().parents[2] / "layers" / "plans" / "xigang" / "rulesets" / "service-circles.yaml"
    (plan_dir / "rulesets" / "service-circles.yaml").write_bytes(source.read_bytes())
    store = Plan(plan_dir)
    assert any("reads role 'facilities'" in w for w in store.warnings)
    assert list(store.rulesets) == ["service-circles"] and store.default_ruleset == "service-circles"
    assert len(store.data_hash) == 64
    first = store.data_hash
    (plan_dir / "data" / "spots.geojson").write_text(
        (plan_dir / "data" / "spots.geojson").read_text(encoding="utf-8") + " ", encoding="utf-8")
    assert Plan(plan_dir).data_hash != first  # any data change changes the hash


def test_two_default_rulesets_are_refused(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["rulesets"] = {"night-economy-street": {"status": "reference", "default": True},
                                     "night-economy-complex": {"status": "reference", "default": True}}
    with pytest.raises(CatalogueError, match="only one ruleset can be the default"):
        parse_catalogue(catalogue, tmp_path / "catalogue.yaml")


def test_a_misspelt_plan_ruleset_stops_start_up(tmp_path: Path) -> None:
    catalogue = good_catalogue()
    catalogue["plan"]["rulesets"] = {"night-economy-stret": {"status": "reference"}}
    with pytest.raises(CatalogueError, match=r"catalogue\.yaml: field 'plan\.rulesets'.*night-economy-stret"):
        Plan(write_plan(tmp_path, catalogue, good_data()))


def test_a_bad_ruleset_file_of_the_plan_stops_start_up(tmp_path: Path) -> None:
    plan_dir = write_plan(tmp_path, good_catalogue(), good_data())
    (plan_dir / "rulesets").mkdir()
    (plan_dir / "rulesets" / "broken.yaml").write_text("id: broken\ncriteria: 42\n", encoding="utf-8")
    with pytest.raises(CatalogueError, match=r"broken\.yaml"):
        Plan(plan_dir)
