"""The check report: the site on the map and the criteria table of a check report; the table goes on over
further pages (PDF) rather than shrinking below 8 pt, and every page carries the 示意/仅供参考 note and the
data date."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import matplotlib
import shapely
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pyproj import CRS

from layers.catalogue import LayerSpec
from maps import citations, vocabulary
from maps.sheet.drawing import _crs_label, _map_frame
from maps.sheet.legend import _round_scale, attribution_lines
from maps.sheet.paper import (
    _RENDER_LOCK,
    A4_PORTRAIT,
    FORMATS,
    PT_PER_MM,
    Format,
    Lang,
    MapLayer,
    PageSize,
    SheetError,
    SheetInfo,
    _rc,
    _Sheet,
    save_pdf_pages,
)
from maps.sheet.text import _t, text_width_mm, wrap

STATUS_COLOURS = {
    "pass": "#1a9641", "fail": "#d7191c", "needs-data": "#e08a00", "manual": "#5e6c84",
    "incomplete": "#e08a00",
}
#: the smallest text of the report's table and notes (points)
MIN_TEXT_PT = 8.0
#: the measurements a check report lists under its map, in this order (labels from the vocabulary)
REPORT_MEASURES = ("length_m", "width_mean_m", "width_min_m", "width_max_m", "area_m2")


def _number(value: float) -> str:
    if value == int(value) and abs(value) < 1e15:
        return f"{int(value):,}"
    return f"{value:,.1f}" if abs(value) >= 10 else f"{value:,.2f}"


def _value_text(value: Any, unit: str | None, lang: Lang = "zh", names: dict[str, str] | None = None) -> str:
    """A measured value or threshold as text: numbers with the unit, lists joined, mappings as key value
    (keys by their ``names``, else as they are)."""
    unit = None if unit in (None, "None", "", "HH:MM") else unit  # HH:MM is a format, not a unit
    if value is None:
        return "—"
    if isinstance(value, bool):
        return _t(lang, "是", "yes") if value else _t(lang, "否", "no")
    if isinstance(value, dict):
        return _t(lang, "；", "; ").join(
            f"{(names or {}).get(str(key), key)} {_value_text(item, unit, lang)}"
                        for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return _t(lang, "、", ", ").join(_value_text(item, None, lang) for item in value) or "—"
    text = _number(float(value)) if isinstance(value, (int, float)) else str(value)
    return f"{text} {unit}".strip() if unit else text


_OPERATORS = {">=": "≥", "<=": "≤", "==": "=", "!=": "≠", ">": ">", "<": "<", "ge": "≥", "le": "≤",
              "gt": ">", "lt": "<", "eq": "=", "within": "≤", "in": "∈"}
_OPERATOR_WORDS = {"review": vocabulary.pair("status.manual"), "is_true": ("须具备", "required"),
                   "intersects": ("位于", "within"), "in": ("属于", "one of")}


def _target_names(criterion: dict[str, Any], lang: Lang) -> dict[str, str]:
    """Names of the keys of a per-target value (``{"culture": 320, ...}``) from the criterion's details."""
    details = criterion.get("details")
    if not isinstance(details, list):
        return {}
    names = {}
    for item in details:
        if isinstance(item, dict) and item.get("key") is not None:
            title = item.get("title_zh") if lang == "zh" else item.get("title_en")
            names[str(item["key"])] = str(title or item.get("title_zh") or item["key"])
    return names


def _requirement(criterion: dict[str, Any], lang: Lang = "zh") -> str:
    operator = criterion.get("operator")
    threshold = criterion.get("threshold")
    names = _target_names(criterion, lang)
    if operator in _OPERATOR_WORDS:
        words = _OPERATOR_WORDS[str(operator)][0 if lang == "zh" else 1]
        return words if threshold is None else \
            f"{words} {_value_text(threshold, criterion.get('unit'), lang, names)}"
    if threshold is None and operator is None:
        return "—"
    op = _OPERATORS.get(str(operator), str(operator or ""))
    return f"{op} {_value_text(threshold, criterion.get('unit'), lang, names)}".strip()


def report_site_frame(report: dict[str, Any]) -> gpd.GeoDataFrame:
    """The checked site of a report as a one-row GeoDataFrame (EPSG:4326)."""
    site = report.get("site")
    if not site:
        raise SheetError("the check report has no 'site' geometry")
    geometry = shapely.geometry.shape(site.get("geometry", site) if site.get("type") == "Feature" else site)
    return gpd.GeoDataFrame({"name": [report.get("site_name") or ""]}, geometry=[geometry], crs=4326)


def _route_frame(report: dict[str, Any]) -> gpd.GeoDataFrame | None:
    routes = []
    for station in (report.get("context") or {}).get("nearest_stations") or []:
        route = station.get("route")
        if route:
            geom = shapely.geometry.shape(route.get("geometry", route) if route.get("type") == "Feature" else route)
            routes.append(geom)
    if not routes:
        return None
    return gpd.GeoDataFrame(geometry=routes, crs=4326)


def render_check_report(
    report: dict[str, Any],
    layers: Sequence[MapLayer],
    *,
    metric_crs: CRS,
    info: SheetInfo,
    font_family: str,
    ruleset_title: str | None = None,
    page: PageSize = A4_PORTRAIT,
    fmt: Format = "pdf",
) -> bytes:
    """One page: the site on the map with its context, then the criteria table of a check report.

    ``report`` is the dict returned by ``geo.checks.run_check`` (the README's "The check report").
    """
    if fmt not in FORMATS:
        raise SheetError(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}")
    lang = info.lang
    site = report_site_frame(report)
    overall = str(report.get("overall", "incomplete"))
    colour = STATUS_COLOURS.get(overall, "#555555")
    criteria = list(report.get("criteria") or [])
    x0, y0, x1, y1 = site.total_bounds
    pad = max(x1 - x0, y1 - y0) * 0.6 + 0.004
    extent = (x0 - pad, y0 - pad, x1 + pad, y1 + pad)
    routes = _route_frame(report)
    if routes is not None:
        rx0, ry0, rx1, ry1 = routes.total_bounds
        extent = (min(extent[0], rx0), min(extent[1], ry0), max(extent[2], rx1), max(extent[3], ry1))
    with _RENDER_LOCK, matplotlib.rc_context(_rc()):
        sheet = _Sheet(page, font_family)
        page_w, page_h = page.width_mm, page.height_mm
        margin = max(8.0, min(page_w, page_h) * 0.045)
        base = sheet.base_pt
        # title block
        sheet.text(margin, page_h - margin, info.title, base * 1.8, bold=True)
        subtitle = info.subtitle or (ruleset_title or str(report.get("ruleset", "")))
        sheet.text(margin, page_h - margin - base * 1.8 / PT_PER_MM * 1.35, subtitle, base * 1.05, colour="#555555")
        badge = vocabulary.overall_label(overall, lang)
        sheet.text(page_w - margin, page_h - margin, vocabulary.word("label.overall", lang) + _t(lang, "：", ": ")
                   + badge, base * 1.5, bold=True,
                   colour=colour, ha="right")
        top = page_h - margin - base * 1.8 / PT_PER_MM * 1.35 - base * 1.05 / PT_PER_MM * 1.6 - 2.0
        map_h = (top - margin) * 0.42
        map_w = page_w - 2 * margin
        extra = []
        if routes is not None:
            route_spec = LayerSpec.model_validate({
                "id": "walking-routes", "title": {"zh": "步行路线", "en": "Walking routes"}, "group": "交通",
                "geometry_type": "LineString", "source_crs": "EPSG:4326", "file": "-", "fields": {},
                "style": {"color": "#2b83ba", "weight": 3, "dash_array": "6 4"},
                "provenance": {"source": "planmap walk network", "licence": "—",
                               "method": "shortest path on the street network", "accuracy_m": 0}})
            extra.append(MapLayer(route_spec, routes))
        drawn, view, scale = _map_frame(sheet, margin, top - map_h, map_w, map_h, layers=layers, extent=extent,
                                        metric_crs=metric_crs, lang=lang, highlight=site,
                                        highlight_colour=colour, extra=extra, min_size_m=400.0)
        y = top - map_h - 3.0
        # measurements line
        measurements = report.get("measurements") or {}
        parts = [f"{vocabulary.measure_label(key, lang)} "
                 f"{_value_text(float(measurements[key]), vocabulary.measure_unit(key, lang))}"
                 for key in REPORT_MEASURES if measurements.get(key) is not None]
        if parts:
            sheet.text(margin, y, vocabulary.word("label.measurements", lang) + _t(lang, "：", ": ")
                       + _t(lang, "；", "; ").join(parts), base * 0.95)
            y -= base * 0.95 / PT_PER_MM * 1.6
        adoption = report.get("adoption") or {}
        document = _document(criteria)
        if adoption:
            status = str(adoption.get("status") or "own")
            key = f"adoption.{status}" if status in vocabulary.keys("adoption") else "adoption.own"
            sheet.text(margin, y, vocabulary.word(key, lang).replace("{document}", document), base * 0.95,
                       colour="#8a5a00")
            y -= base * 0.95 / PT_PER_MM * 1.6
        note_size = max(MIN_TEXT_PT, base * 0.85)
        footer_room = note_size / PT_PER_MM * 1.3 * 2 + 4.0
        drawn_rows = _criteria_table(sheet, criteria, margin, y, page_w - 2 * margin, margin + footer_room, lang,
                                     paged=fmt == "pdf")
        y, done = drawn_rows
        warnings = [str(w) for w in report.get("warnings") or []]
        docs = citations.documents([layer.spec.provenance.source for layer in layers]
                                   + [str(v) for layer in layers if "source" in layer.frame.columns
                                      for v in layer.frame["source"].dropna().unique()])
        credits, osm = attribution_lines([layer.spec for layer, _ in drawn], lang, docs)
        plan = report.get("plan") or {}
        page_note = [vocabulary.word("sheet.reference_note", lang)
                     + (f" · {_t(lang, '数据日期', 'Data date')} {info.data_date}" if info.data_date else "")
                     + (f" · {_t(lang, '数据版本', 'Data version')} {str(plan.get('data_hash'))[:12]}"
                        if plan.get("data_hash") else "")]
        tail: list[str] = [
            f"{_t(lang, '比例尺', 'Scale')} 1:{_round_scale(scale)} · {_crs_label(metric_crs)}"
            + (f" · {_t(lang, '制图日期', 'Date')} {info.map_date}" if info.map_date else "")
        ]
        if warnings:
            tail.append(_t(lang, "提示：", "Warnings: ") + _t(lang, "；", "; ").join(warnings))
        if osm:
            tail.append("© OpenStreetMap contributors (ODbL)")
        tail.append(_t(lang, "数据来源：", "Sources: ") + _t(lang, "；", "; ").join(credits))
        sheets = [sheet]
        rest = criteria[done:]
        while rest and fmt == "pdf":
            more = _Sheet(page, font_family)
            sheets.append(more)
            more.text(margin, page_h - margin, info.title + vocabulary.word("sheet.continued", lang), base * 1.4,
                      bold=True)
            more.text(page_w - margin, page_h - margin, vocabulary.word("label.overall", lang) + _t(lang, "：", ": ")
                      + badge, base * 1.2, bold=True, colour=colour, ha="right")
            top_more = page_h - margin - base * 1.4 / PT_PER_MM * 1.8
            y, count = _criteria_table(more, rest, margin, top_more, page_w - 2 * margin, margin + footer_room, lang,
                                       paged=True)
            rest = rest[count:]
            if count == 0:
                break
        # the last page carries scale, warnings and the full sources under its table; every page the note
        last = sheets[-1]
        lines: list[str] = []
        for item in tail:
            lines.extend(wrap(item, page_w - 2 * margin, note_size))
        room = int((y - margin - footer_room) / (note_size / PT_PER_MM * 1.3))
        if len(lines) > room and fmt == "pdf":
            extra_page = _Sheet(page, font_family)
            extra_page.text(margin, page_h - margin, info.title + vocabulary.word("sheet.continued", lang), base * 1.4,
                            bold=True)
            sheets.append(extra_page)
            last, y = extra_page, page_h - margin - base * 1.4 / PT_PER_MM * 2.2
        elif len(lines) > max(room, 1):
            lines = lines[: max(room, 1) - 1] + [lines[max(room, 1) - 1][:-1] + "…"]
        last.text(margin, y - 1.0, "\n".join(lines), note_size, colour="#333333", va="top", linespacing=1.25)
        for number, page_sheet in enumerate(sheets, 1):
            text = page_note[0]
            if len(sheets) > 1:
                text += " · " + vocabulary.word("sheet.page", lang).replace("{n}", str(number)).replace(
                    "{total}", str(len(sheets)))
            page_sheet.text(margin, margin, text, note_size, colour="#8a1c00", va="bottom")
        if fmt == "pdf" and len(sheets) > 1:
            return save_pdf_pages(sheets, info.title)
        return sheet.save(fmt, info.title)


def _document(criteria: list[dict[str, Any]]) -> str:
    """The document the criteria cite (《…》), for the adoption line."""
    for criterion in criteria:
        source = str(criterion.get("source") or "")
        if "《" in source and "》" in source:
            return source[source.index("《"): source.index("》") + 1]
    return ""


def _clip_lines(lines: list[str], most: int) -> list[str]:
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], lines[most - 1].rstrip("…") + "…"]


def _criteria_table(sheet: _Sheet, criteria: list[dict[str, Any]], x: float, top: float, width: float,
                    bottom: float, lang: Lang, paged: bool = False) -> tuple[float, int]:
    """Draw the criteria table from ``top`` down; return the y below the table and how many rows were drawn.

    ``paged``: text stays at 8 pt or more and what does not fit is left for the next page; otherwise the text
    shrinks to fit one page."""
    headers = [vocabulary.word(f"label.{key}", lang)
               for key in ("criterion", "result", "value", "requirement", "method_source")]
    fractions = [0.22, 0.11, 0.15, 0.14, 0.38]
    widths = [width * f for f in fractions]
    for shrink in ((1.0,) if paged else (1.0, 0.9, 0.8, 0.7, 0.6)):
        size = max(MIN_TEXT_PT, sheet.base_pt * 0.85) * shrink if paged else sheet.base_pt * 0.85 * shrink
        line_h = size / PT_PER_MM * 1.3
        rows = []
        for criterion in criteria:
            title = str(criterion.get("title_zh") if lang == "zh" else criterion.get("title_en")
                        or criterion.get("title_zh") or criterion.get("id"))
            status = str(criterion.get("status", ""))
            note = str(criterion.get("method") or "")
            if lang != "en" and not _mostly_chinese(note):
                note = ""  # the methods are written in English: a Chinese report cites the article instead
            if criterion.get("basis") in ("assumed", "stand-in"):
                note = vocabulary.word(f"basis.{criterion['basis']}", lang) + (
                    (_t(lang, "；", "; ") + note) if note else "")
            if criterion.get("source"):
                note += (_t(lang, "；", "; ") if note else "") + vocabulary.word("label.source", lang) \
                    + _t(lang, "：", ": ") + str(criterion["source"])
            if criterion.get("missing_attribute"):
                note += (_t(lang, "；", "; ") if note else "") + vocabulary.word("label.missing_attribute", lang) \
                    + " " + str(criterion["missing_attribute"])
            cells = [
                wrap(title, widths[0] - 2, size),
                [vocabulary.status_label(status, lang)],
                wrap(_value_text(criterion.get("value"), criterion.get("unit"), lang,
                                 _target_names(criterion, lang)), widths[2] - 2, size),
                wrap(_requirement(criterion, lang), widths[3] - 2, size),
                _clip_lines(wrap(note, widths[4] - 2, size if paged else size * 0.9), 3),
            ]
            rows.append((status, cells, max(len(c) for c in cells[:4]), len(cells[4])))
        heights = [max(n * line_h, m * line_h * 0.9) + 1.6 for _, _, n, m in rows]
        if sum(heights) + line_h + 2 <= top - bottom or shrink == 0.6:
            break
    ax = sheet.canvas_ax
    y = top
    header_h = line_h + 1.6
    ax.add_patch(Rectangle((x, y - header_h), width, header_h, facecolor="#eeeeee", edgecolor="none"))
    cx = x
    for header, w in zip(headers, widths, strict=True):
        sheet.text(cx + 1.0, y - 0.8, header, size, bold=True)
        cx += w
    y -= header_h
    drawn = 0
    for (status, cells, _, _), height in zip(rows, heights, strict=True):
        if y - height < bottom:
            if not paged:
                sheet.text(x, y - 0.8, _t(lang, f"…另有 {len(rows) - drawn} 项指标未显示，见 JSON 报告",
                                          "… more criteria in the JSON report"), size)
                y -= line_h
            break
        drawn += 1
        cx = x
        for index, (lines, w) in enumerate(zip(cells, widths, strict=True)):
            if index == 1:
                colour = STATUS_COLOURS.get(status, "#555555")
                ax.add_patch(Rectangle((cx + 0.6, y - line_h - 0.9), w - 2.4, line_h + 0.2, facecolor=colour,
                                       edgecolor="none"))
                # the status word fits its badge (bold runs about a tenth wider than the estimate)
                badge_size = min(size * 0.95, size * 0.95 * (w - 3.6) / (text_width_mm(lines[0], size * 0.95) * 1.1))
                sheet.text(cx + w / 2 - 0.6, y - 0.9 - line_h / 2 + 0.1, lines[0], badge_size, bold=True,
                           colour="white", ha="center", va="center")
            else:
                text_size = size * 0.9 if index == 4 and not paged else size
                sheet.text(cx + 1.0, y - 0.8, "\n".join(lines), text_size,
                           colour="#444444" if index == 4 else "#222222", linespacing=1.2)
            cx += w
        y -= height
        ax.add_line(Line2D([x, x + width], [y, y], color="#cccccc", linewidth=0.5))
    return y - 2.0, drawn


def _mostly_chinese(text: str) -> bool:
    cjk = sum(1 for c in text if "\u3400" <= c <= "\u9fff")
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    return cjk >= latin
