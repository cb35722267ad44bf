"""The plan's values file (``plan.audit_values``): typed as a check types text, validated at load with the
row named, part of the data hash; a plan without one works as before."""

from __future__ import annotations

import pytest

from layers.audit_values import COLUMNS, read_values
from layers.errors import CatalogueError
from layers.plan import load_plan
from tests.geo import tiny_plan as tp

HEADER = "zone_id,attribute,value,unit,notes,source,date,author\n"


def plan_with(tmp_path, text: str | None, name: str = "audit-values.csv"):
    extra = {"audit_values": name} if text is not None else {}
    plan_dir = tp.write_plan(tmp_path / "plans", **extra)
    if text is not None:
        (plan_dir / name).write_text(text, encoding="utf-8")
    return load_plan("tiny", tmp_path / "plans")


def test_values_are_typed_like_a_checks_typed_text(tmp_path):
    plan = plan_with(tmp_path, "\ufeff" + HEADER
                     + "ne-street,smart_parking,是,,,商务局摸底,2025-05-01,王工\n"
                     + "ne-street,mobile_payment_share,85 %,%,,,2025-05,\n"
                     + "ne-street,formats,购物、餐饮，文娱,,,,,\n"
                     + "ne-street,closing_time_summer,23：30,,,,,\n"
                     + "ne-complex,merchants,82,户,,,,\n"
                     + "ls-short,merchants,,,,,,\n")  # a template row not filled in: skipped
    got = {(v.zone_id, v.attribute): v for v in plan.audit_values}
    assert {k: v.value for k, v in got.items()} == {
        ("ne-street", "smart_parking"): True, ("ne-street", "mobile_payment_share"): 0.85,
        ("ne-street", "formats"): ["购物", "餐饮", "文娱"], ("ne-street", "closing_time_summer"): "23:30",
        ("ne-complex", "merchants"): 82}
    first = got["ne-street", "smart_parking"]
    assert (first.source, first.date, first.author, first.row, first.text) == ("商务局摸底", "2025-05-01", "王工", 2, "是")
    assert plan.zone_rulesets == {"bc-main": None, "ne-street": "night-economy-street",
                                  "ne-complex": "night-economy-complex", "ne-area": None,
                                  "ls-short": "night-economy-street"}


@pytest.mark.parametrize(("row", "says"), [
    ("ne-nowhere,merchants,70", ["row 2", "no zone 'ne-nowhere'"]),
    ("ne-street,shop_count,70", ["row 2", "'shop_count'", "merchants"]),
    ("ne-street,mobile_payment_share,85", ["row 2", "column 'value'", "ambiguous", "'80%'"]),  # 85 alone is ambiguous, as in a check
    ("ne-street,smart_parking,maybe", ["row 2", "true or false"]),
    ("ne-street,closing_time_summer,25:00", ["row 2", "HH:MM"]),
    ("ne-street,formats,购物、夜宵", ["row 2", "'夜宵' is not one of"]),
    ("ne-area,merchants,70", ["row 2", "not judged by any ruleset"]),
    ("ne-street,merchants,70,,,,2025-13-01", ["row 2", "column 'date'"]),
])
def test_a_bad_row_stops_loading_and_names_the_row(tmp_path, row, says):
    with pytest.raises(CatalogueError) as caught:
        plan_with(tmp_path, HEADER + row + "\n")
    message = str(caught.value)
    assert "tiny/audit-values.csv" in message
    for part in says:
        assert part in message, message


def test_the_same_value_twice_and_missing_columns_are_refused(tmp_path):
    with pytest.raises(CatalogueError, match="row 3 .*same zone and attribute as row 2"):
        plan_with(tmp_path, HEADER + "ne-street,merchants,70\nne-street,merchants,71\n")
    with pytest.raises(CatalogueError, match="lacks column.*value"):
        read_values("zone_id,attribute\nne-street,merchants\n", {"ne-street": "x"}, {})
    with pytest.raises(CatalogueError, match="unknown column.*shop"):
        read_values("zone_id,attribute,value,shop\n", {}, {})


def test_a_missing_file_is_named_and_a_bad_name_refused(tmp_path):
    plan_dir = tp.write_plan(tmp_path / "plans", audit_values="values.csv")
    with pytest.raises(CatalogueError, match="values.csv.*not there"):
        load_plan("tiny", tmp_path / "plans")
    plan_dir.rename(tmp_path / "gone")
    tp.write_plan(tmp_path / "plans", audit_values="../secrets.csv")
    with pytest.raises(CatalogueError, match="audit_values"):
        load_plan("tiny", tmp_path / "plans")


def test_no_values_file_works_as_before_and_the_file_is_part_of_the_data_hash(tmp_path):
    without = plan_with(tmp_path / "a", None)
    assert without.audit_values == [] and without.values_path is None
    with_file = plan_with(tmp_path / "b", HEADER + "ne-street,merchants,70\n")
    changed = plan_with(tmp_path / "c", HEADER + "ne-street,merchants,71\n")
    assert len({without.data_hash, with_file.data_hash, changed.data_hash}) == 3


def test_columns_are_the_templates():
    assert COLUMNS[:5] == ("zone_id", "zone_name", "attribute", "attribute_title", "value")
