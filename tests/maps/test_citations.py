"""Sources as a planner cites them: no file paths, seed numbers or section marks of our notes, nothing dangling."""

from __future__ import annotations

import pytest

from layers.plan import PLANS_DIR, load_plan
from maps.citations import documents, readable

DOCS = {"003": "西岗区“十四五”规划纲要"}


@pytest.mark.parametrize(("text", "cited"), [
    ("西岗区“十四五”规划纲要 (seed 003) 第六章四", "西岗区“十四五”规划纲要 第六章四"),
    ("place facts (../shared/data/facts/yingze_places.md §4.2) and planmap-schematic", "planmap-schematic"),
    ("place descriptions and coordinates quoted in ../shared/data/facts/yingze_places.md; OSM station names",
     "place descriptions and coordinates quoted；OSM station names"),
    ("seed 002; place facts §0, §4.8–§4.10; OSM stations", "OSM stations"),
    ("seed 002; place facts §4.1–§4.7 (widths, ends, areas)", "(widths, ends, areas)"),
    ("Amap; facts §3 and OSM", "Amap；OSM"),
])
def test_a_source_reads_as_a_citation(text, cited):
    assert readable(text, DOCS) == cited


@pytest.mark.parametrize("plan_id", ["xigang", "yingze"])
def test_no_cited_source_of_a_shipped_plan_keeps_a_note_mark_or_a_dangling_word(plan_id):
    plan = load_plan(plan_id, PLANS_DIR)
    texts = [spec.provenance.source for spec in plan.specs]
    docs = documents(texts)
    for text in texts:
        cited = readable(text, docs)
        assert "§" not in cited and ".md" not in cited and "seed " not in cited, (text, cited)
        assert not cited.startswith(("and ", ".", ")")) and not cited.endswith((" in", " and", "(")), (text, cited)
