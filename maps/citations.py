"""Sources as a planner cites them: document and article, data source and licence, never a file path or our
working notes.

The plan's data name their documents the way the builders wrote them ("西岗区“十四五”规划纲要 (seed 003) 第六章四",
"../shared/data/facts/xigang_places.md §3", "data/anchors/named_roads.geojson"). :func:`readable` turns such a
text into a citation: "西岗区“十四五”规划纲要 第六章四"; a bare "seed 003" becomes the document it stands for
(learnt from the texts that name both, :func:`documents`); file paths, section marks of our notes and
"facts §28" go. :func:`internal` says whether a value is a working note that no page should show.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

_SEED_WITH_TITLE = re.compile(r"([^;；,，()（）]+?)\s*\(seed (\d{3})\)")
_SEED = re.compile(r"\bseeds? (\d{3})\b")
_PATH = re.compile(r"(?:\.\./|\b[\w-]+/)[\w./-]*\.(?:md|py|geojson|json|ya?ml|csv|osm|txt)\b|"
                   r"\b[\w-]+\.(?:md|py|geojson|json|ya?ml|osm)\b")
#: a section mark of our notes: §4, §4.2, §4.1–§4.7, §0, §4.8–§4.10
_NUMBERS = r"\d+(?:\.\d+)*(?:\s*[–\-]\s*§?\s*\d+(?:\.\d+)*)?"
_FACTS = re.compile(r"(?:\s*\band)?(?:\s*\bthe)?\s*\(?\b(?:place )?facts\b(?:\s*§\s*" + _NUMBERS
                    + r"(?:\s*[,，、]\s*§?\s*" + _NUMBERS + r")*)?\)?", re.IGNORECASE)
_SECTION = re.compile(r"§\s*" + _NUMBERS + r"(?:\s*[,，、]?\s*§\s*" + _NUMBERS + r")*")
_SEED_CODES = re.compile(r"[（(]\s*(?:0\d\d)(?:[^)）]*)[)）]")
_EMPTY_BRACKETS = re.compile(r"[（(]\s*[,，;；、]*\s*[)）]")
_SLUG_IDS = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)+(?:\s*[,;]\s*[a-z0-9]+(?:-[a-z0-9]+)+)*$")
_INTERNAL = re.compile(r"\bseed \d{3}\b|§|\bfacts\b|\.(?:md|py|geojson|yaml)\b")


def documents(texts: Iterable[str]) -> dict[str, str]:
    """``{"003": "西岗区“十四五”规划纲要", …}`` learnt from texts that write a title next to its seed number."""
    found: dict[str, str] = {}
    for text in texts:
        for title, number in _SEED_WITH_TITLE.findall(text or ""):
            title = title.strip(" ;；,，")
            if title and number not in found:
                found[number] = title
    return found


def plan_documents(store: Any) -> dict[str, str]:
    """The documents the plan's sources name (read from every source text once, kept in the store's cache)."""
    cache = getattr(store, "map_cache", None)
    if cache is not None and ("documents",) in cache:
        return cache[("documents",)]
    texts = [spec.provenance.source for spec in store.specs]
    for spec in store.specs:
        frame = store.layer(spec.id)
        if "source" in frame.columns:
            texts.extend(str(v) for v in frame["source"].dropna().unique())
    found = documents(texts)
    if cache is not None:
        cache[("documents",)] = found
    return found


def readable(text: Any, docs: Mapping[str, str] | None = None) -> str:
    """A source or method text without file paths, seed numbers and note marks (see the module docstring)."""
    if text is None:
        return ""
    value = str(text)
    docs = docs or {}
    value = re.sub(r"\s*\(seed \d{3}\)", "", value)
    value = _SEED.sub(lambda m: docs.get(m.group(1), ""), value)
    value = _PATH.sub("", value)
    value = _FACTS.sub("", value)
    value = _SECTION.sub("", value)
    value = _SEED_CODES.sub("", value)
    for _ in range(2):
        value = _EMPTY_BRACKETS.sub("", value)
        value = re.sub(r"\s*[;；]\s*(?=[;；]|$)", "", value)
        value = re.sub(r"^\s*[;；,，、]\s*", "", value)
        value = re.sub(r"\s*(?:and|,|，|、)\s*(?=[;；]|$)", "", value)
        # a preposition whose object (a file path, our notes) was removed: "quoted in ;" → "quoted"
        value = re.sub(r"\s+(?:in|from|of|via|and)\s*(?=[;；)）]|$)", "", value)
        value = re.sub(r"(^|[;；(（])\s*and\s+", r"\1", value)  # "(path) and X" → "X"
    value = re.sub(r"\s+([,，;；)）])", r"\1", value)
    value = re.sub(r"\s{2,}", " ", value).strip(" ;；,，、")
    value = _balanced(value)
    # one citation once: "A; B; A" → "A; B"
    parts = [p.strip() for p in re.split(r"\s*[;；]\s*", value) if p.strip()]
    return "；".join(dict.fromkeys(parts))


def _balanced(text: str) -> str:
    """Drop closing brackets left without their opening one by the removals above."""
    out, depth = [], 0
    for char in text:
        if char in "(（":
            depth += 1
        elif char in ")）":
            if depth == 0:
                continue
            depth -= 1
        out.append(char)
    return "".join(out).strip()


def internal(value: Any) -> bool:
    """Whether a field value is one of our working notes (seed numbers, file paths, note marks, lists of ids)."""
    if not isinstance(value, str):
        return False
    text = value.strip()
    return bool(text) and bool(_INTERNAL.search(text) or _SLUG_IDS.match(text))


__all__ = ["documents", "internal", "plan_documents", "readable"]
