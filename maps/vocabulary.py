"""The one bilingual vocabulary: result words, measurement labels and units, in Chinese and English.

The words live in ``maps/vocabulary.json``; this module reads them for Python (pages, audit, sheets, CLI) and
:func:`for_js` hands the same dict to the map pages, where ``maps/static/planmap/planmap.js`` reads it
(``planmap.vocab``). A result therefore has the same words on every surface.

Keys: ``status.<criterion status>`` (pass, fail, needs-data, manual), ``overall.<overall result>`` (pass,
fail, incomplete, not-judged), ``measure.<measurement key>`` (the names of :data:`geo.measure.COLUMNS`),
``unit.<unit>``, ``zone_kind.<kind>`` and ``label.<field>`` (column and field labels).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

VOCABULARY_FILE = Path(__file__).resolve().parent / "vocabulary.json"
LANGS = ("zh", "en")


@functools.cache
def vocabulary() -> dict[str, dict[str, dict[str, Any]]]:
    """The vocabulary file as a dict (read once): section → key → ``{"zh": …, "en": …}``."""
    data = json.loads(VOCABULARY_FILE.read_text(encoding="utf-8"))
    return {section: entries for section, entries in data.items() if not section.startswith("_")}


def _entry(key: str) -> dict[str, Any]:
    section, _, name = key.partition(".")
    try:
        return vocabulary()[section][name]
    except KeyError:
        raise KeyError(f"{key!r} is not in {VOCABULARY_FILE.name}") from None


def _lang(lang: str | None) -> str:
    return "en" if lang == "en" else "zh"


def word(key: str, lang: str | None = "zh") -> str:
    """The word for ``section.key`` (for example ``"status.pass"``) in ``lang`` (zh unless ``"en"``).

    Raises
    ------
    KeyError
        The key is not in the vocabulary.
    """
    return str(_entry(key)[_lang(lang)])


def pair(key: str) -> tuple[str, str]:
    """The (zh, en) words of ``section.key``."""
    entry = _entry(key)
    return str(entry["zh"]), str(entry["en"])


def keys(section: str) -> tuple[str, ...]:
    """The keys of one section, in file order."""
    return tuple(vocabulary()[section])


def status_label(status: Any, lang: str | None = "zh") -> str:
    """A criterion status (``pass``, ``fail``, ``needs-data``, ``manual``) in words; an overall result
    (``incomplete``) is named too, and anything unknown is shown as it is."""
    text = str(status)
    for section in ("status", "overall"):
        if text in vocabulary()[section]:
            return word(f"{section}.{text}", lang)
    return text


def overall_label(overall: Any, lang: str | None = "zh") -> str:
    """An overall result (``pass``, ``fail``, ``incomplete``; ``None`` for a zone no ruleset judges) in words."""
    if overall is None:
        return word("overall.not-judged", lang)
    text = str(overall)
    return word(f"overall.{text}", lang) if text in vocabulary()["overall"] else text


def measure_label(key: str, lang: str | None = "zh", *, unit: bool = False) -> str:
    """The label of a measurement key (``length_m`` → 长度 / Length); ``unit=True`` appends the unit as
    ``长度（m）`` / ``Length (m)``. Unknown keys are shown as they are."""
    entry = vocabulary()["measure"].get(key)
    if entry is None:
        return key
    label = str(entry[_lang(lang)])
    symbol = measure_unit(key, lang)
    if unit and symbol:
        return f"{label}（{symbol}）" if _lang(lang) == "zh" else f"{label} ({symbol})"
    return label


def measure_unit(key: str, lang: str | None = "zh") -> str | None:
    """The unit of a measurement key in ``lang`` (``m``, ``m²``), or None for a count."""
    entry = vocabulary()["measure"].get(key)
    if entry is None or not entry.get("unit"):
        return None
    return unit_label(entry["unit"], lang)


def unit_label(unit: str, lang: str | None = "zh") -> str:
    """A unit in ``lang`` (``ha`` → 公顷); units not in the vocabulary are shown as they are."""
    entry = vocabulary()["unit"].get(unit)
    return str(entry[_lang(lang)]) if entry else unit


def for_js() -> dict[str, dict[str, dict[str, Any]]]:
    """The vocabulary as the map pages embed it (``planmap.vocab``)."""
    return vocabulary()


__all__ = [
    "LANGS", "VOCABULARY_FILE", "for_js", "keys", "measure_label", "measure_unit", "overall_label", "pair",
    "status_label", "unit_label", "vocabulary", "word",
]
