"""``planmap check FILE.geojson --ruleset ID [--attr k=v ...] [--param k=v ...] [--lang zh|en] [--json]``.

Prints the check report as a table (or JSON): each status as its code (``PASS``, ``FAIL``, ``NEEDS-DATA``,
``MANUAL``, for scripts) followed by the words of :mod:`maps.vocabulary` in the chosen language. Exit status: 0 when every computable criterion passes (items
needing data or a person's judgement do not count against it), 1 when a criterion fails, 2 on bad input (missing
file, bad JSON, unusable geometry, unknown ruleset, attribute or parameter) with the reason on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from maps import vocabulary

EXIT_PASS, EXIT_FAIL, EXIT_BAD_INPUT = 0, 1, 2
#: widest shown cell per column (status, criterion, value, op, threshold, unit); --json has everything
COLUMN_CAPS = (24, 44, 40, 10, 30, 12)
#: the measurements the table's first lines show, in this order (labels and units from the vocabulary)
SHOWN_MEASURES = ("length_m", "width_mean_m", "width_min_m", "width_max_m", "area_m2")


class BadInputError(Exception):
    """Input the user must fix (exit status 2)."""


def _key_values(pairs: list[str] | None, what: str) -> dict[str, Any]:
    """``k=v`` strings → dict; JSON values (numbers, lists, true/false) are decoded, anything else is text."""
    result: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, text = pair.partition("=")
        if not sep or not key.strip():
            raise BadInputError(f"--{what} expects key=value, got {pair!r}")
        try:
            value = json.loads(text)
            if not isinstance(value, int | float | list | bool):
                value = text
        except ValueError:
            value = text
        result[key.strip()] = value
    return result


def _read(path: str) -> Any:
    file = Path(path)
    if not file.is_file():
        raise BadInputError(f"{path}: no such file")
    try:
        return json.loads(file.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise BadInputError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise BadInputError(f"{path}: not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})") from None


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _cut(text: str, width: int) -> str:
    """Shorten ``text`` to ``width`` display columns, marking the cut with an ellipsis."""
    if _width(text) <= width:
        return text
    out = ""
    for ch in text:
        if _width(out + ch) > width - 1:
            break
        out += ch
    return out + "…"


def _pad(text: str, width: int) -> str:
    return text + " " * max(width - _width(text), 0)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int) and not isinstance(value, bool):
        return f"{value:,}"
    if isinstance(value, dict):
        return ", ".join(f"{k} {_show(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "、".join(_show(v) for v in value)
    return str(value)


def _result(code: str, lang: str, *, overall: bool = False) -> str:
    """A status or overall result as its code and its words in ``lang`` (``PASS`` and the vocabulary's word)."""
    words = vocabulary.overall_label(code, lang) if overall else vocabulary.status_label(code, lang)
    return f"{code.upper()} {words}"


def format_table(report: dict[str, Any], lang: str = "zh") -> str:
    """The report as a plain-text table, titles and result words in ``lang`` (``zh`` or ``en``)."""
    title = report.get("ruleset_title", {})
    lines = [f"{title.get('en' if lang == 'en' else 'zh', '')} ({report['ruleset']}) — overall: "
             f"{_result(report['overall'], lang, overall=True)}"]
    m = report["measurements"]
    parts = []
    for key in SHOWN_MEASURES:
        if m.get(key) is not None:
            unit = vocabulary.measure_unit(key, lang)
            parts.append(f"{vocabulary.measure_label(key, lang)} {_show(m[key])}" + (f" {unit}" if unit else ""))
    lines.append("measurements: " + (" · ".join(parts) or "none (point)") + f"  [{report['crs_metric']}]")
    rows = [("status", "criterion", "value", "op", "threshold", "unit")]
    for c in report["criteria"]:
        value = _show(c["value"])
        if c["status"] == "needs-data" and c.get("missing_attribute"):
            value = f"supply {c['missing_attribute']}"
        elif c["status"] == "needs-data" and c.get("missing_layer"):
            value = f"{vocabulary.status_label('needs-data', lang)}: {c['missing_layer']}"
        title_text = c.get("title_en") if lang == "en" else c.get("title_zh")
        rows.append((_result(c["status"], lang), f"{c['id']} {title_text or c.get('title_zh')}", value,
                     "" if c["operator"] == "review" else c["operator"],
                     _show(c["threshold"]) if c["operator"] != "review" else "", c.get("unit") or ""))
    widths = [min(max(_width(r[i]) for r in rows), cap) for i, cap in enumerate(COLUMN_CAPS)]
    for row in rows:
        cells = [_pad(_cut(cell, w), w) for cell, w in zip(row, widths, strict=True)]
        lines.append("  ".join(cells).rstrip())
    counts = report.get("summary", {})
    lines.append("summary: " + ", ".join(f"{k} {v}" for k, v in counts.items()))
    context = report.get("context") or {}
    if context:
        sub = context.get("subdistrict")
        lines.append(f"subdistrict: {sub['name'] if sub else '—'}; in district: {_show(context.get('in_district'))}")
        for station in context.get("nearest_stations", []):
            lines.append(f"station: {station['name']} ({station.get('mode')}) {_show(station['distance_m'])} m "
                         f"walking [{station['method']}]")
        elements = context.get("plan_elements", [])
        if elements:
            lines.append("plan elements: " + "; ".join(
                f"{e['name']} ({e['layer']}, {_show(e['distance_m'])} m)" for e in elements))
    for warning in report.get("warnings", []):
        lines.append(f"warning: {warning}")
    return "\n".join(lines)


def _run(args: argparse.Namespace) -> int:
    from api.service import BadRequestError, PlanService
    from api.settings import Settings
    from geo.errors import GeoError
    from layers.errors import LayersError
    from layers.plan import load_plan

    try:
        site = _read(args.file)
        attributes = _key_values(args.attr, "attr")
        parameters = _key_values(args.param, "param")
        settings = Settings()
        service = PlanService(load_plan(args.plan or settings.plan, settings.plans_dir))
        report = service.check_site(site, args.ruleset, attributes=attributes, parameters=parameters,
                                    from_text=True)
    except (BadInputError, BadRequestError, GeoError, LayersError) as exc:
        print(f"planmap check: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(format_table(report, args.lang))
    return EXIT_FAIL if report["overall"] == "fail" else EXIT_PASS


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``check`` subcommand."""
    parser = sub.add_parser(
        "check", help="check a site (GeoJSON file) against a ruleset",
        description="Measure a site and judge it against a ruleset. Exit 0: everything computable passes; "
                    "1: a criterion fails; 2: bad input.",
    )
    parser.add_argument("file", help="GeoJSON geometry, Feature or one-feature FeatureCollection (EPSG:4326)")
    parser.add_argument("--ruleset", required=True, help="ruleset id (night-economy-street, night-economy-complex, "
                                                         "service-circles, ...)")
    parser.add_argument("--attr", action="append", metavar="K=V",
                        help="attribute, e.g. merchants=72 or formats=购物,餐饮,文娱,休闲旅游 (repeatable)")
    parser.add_argument("--param", action="append", metavar="K=V",
                        help="parameter override, e.g. bus_stop_walk_m=400 (repeatable)")
    parser.add_argument("--lang", choices=("zh", "en"), default="zh",
                        help="language of the table's titles and result words (default zh)")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--plan", default=None, help="plan id (default: PLANMAP_PLAN or xigang)")
    parser.set_defaults(func=_run)
