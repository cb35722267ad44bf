"""One bilingual vocabulary: every surface (zone and check pages, their JS, the audit page and CSV, the sheets
and report PDF, the CLI) takes its result words and measurement labels from ``maps/vocabulary.json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from geo.measure import COLUMNS
from geo.rules.kinds import OVERALLS, STATUSES
from maps import builders, vocabulary
from maps.builders import PageOptions

ROOT = Path(__file__).resolve().parents[2]
#: the planner words chosen for issue 8 (a change here is a change on every surface)
CHOSEN = {
    "status": {"pass": ("符合", "Meets"), "fail": ("不符合", "Does not meet"), "needs-data": ("需补充数据", "Needs data"),
               "manual": ("需人工判定", "Manual review")},
    "overall": {"pass": ("符合", "Meets"), "fail": ("不符合", "Does not meet"), "incomplete": ("待补充数据", "Incomplete")},
}
#: words that name a result and so may only come from the vocabulary (including the old variants)
RESULT_WORDS = re.compile(r"符合|通过|需补充数据|人工判定|人工核查|待补充|缺数据|无数据|不评判|不判定|"
                          r"needs data|no data|not judged|does not meet|\bmeets\b|manual review", re.IGNORECASE)


def _surfaces() -> list[Path]:
    """The code that shows results: every module of maps/, the page runtime and the check CLI."""
    files = [p for p in (ROOT / "maps").rglob("*.py") if p.name != "vocabulary.py"]
    return [*files, ROOT / "maps/static/planmap/planmap.js", ROOT / "api/cli_check.py"]


def test_the_chosen_words():
    for section, entries in CHOSEN.items():
        for key, words in entries.items():
            assert vocabulary.pair(f"{section}.{key}") == words


def test_every_entry_has_both_languages():
    data = json.loads(vocabulary.VOCABULARY_FILE.read_text(encoding="utf-8"))
    for section, entries in vocabulary.vocabulary().items():
        assert entries, section
        for key, entry in entries.items():
            assert entry["zh"].strip() and entry["en"].strip(), f"{section}.{key}"
    assert set(vocabulary.vocabulary()) == {s for s in data if not s.startswith("_")}


def test_statuses_overalls_and_measures_are_all_named():
    assert set(vocabulary.keys("status")) == set(STATUSES)
    assert set(OVERALLS) <= set(vocabulary.keys("overall"))
    assert set(COLUMNS) - {"method"} <= set(vocabulary.keys("measure"))
    for key in vocabulary.keys("measure"):
        unit = vocabulary.vocabulary()["measure"][key]["unit"]
        assert unit is None or unit in vocabulary.keys("unit"), key


def test_python_api():
    assert vocabulary.word("status.needs-data", "en") == "Needs data"
    assert vocabulary.word("status.needs-data", None) == "需补充数据"
    assert vocabulary.status_label("incomplete", "zh") == "待补充数据"
    assert vocabulary.status_label("weird", "en") == "weird"
    assert vocabulary.overall_label(None, "zh") == "不判定"
    assert vocabulary.measure_label("area_m2", "zh", unit=True) == "面积（m²）"
    assert vocabulary.measure_label("length_m", "en", unit=True) == "Length (m)"
    assert vocabulary.measure_label("n_transects", "en", unit=True) == "Width transects"
    assert vocabulary.measure_unit("n_transects") is None
    with pytest.raises(KeyError, match="vocabulary.json"):
        vocabulary.word("status.nope")


@pytest.mark.parametrize("path", _surfaces(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_surface_hard_codes_a_result_word(path):
    text = path.read_text(encoding="utf-8")
    hits = [(n, m.group(0)) for n, line in enumerate(text.splitlines(), 1) for m in RESULT_WORDS.finditer(line)]
    assert not hits, f"{path.relative_to(ROOT)}: result words not from maps/vocabulary.json: {hits}"


def test_js_has_no_word_table_of_its_own():
    js = (ROOT / "maps/static/planmap/planmap.js").read_text(encoding="utf-8")
    assert "STATUS_LABEL" not in js and "pm.vocab" in js
    assert "word('label.overall')" in js and "statusText(data.overall, 'overall')" in js


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_pages_embed_the_vocabulary(tiny_store, lang):
    html = builders.build_check_map(tiny_store, PageOptions(lang=lang))
    embedded = re.search(r"planmap\.vocab = (\{.*?\});\n", html)
    assert embedded, "the check page does not embed the vocabulary"
    assert json.loads(embedded.group(1)) == vocabulary.vocabulary()


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_zone_page_and_audit_use_the_same_words(tiny_store, lang):
    zone_id = "zone-safe"
    audit = {"overall": "incomplete", "ruleset": None, "criteria": {"a": "pass", "b": "needs-data", "c": "manual"},
             "length_m": 120.0}
    html = builders.build_zone_map(tiny_store, zone_id, PageOptions(lang=lang), audit=audit)
    for word in (vocabulary.overall_label("incomplete", lang), vocabulary.status_label("pass", lang),
                 vocabulary.status_label("needs-data", lang), vocabulary.status_label("manual", lang),
                 vocabulary.measure_label("length_m", lang)):
        assert word in html, word
