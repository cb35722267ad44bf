"""The plan audit as a page planners read, and as a CSV of the same table.

Pure: the audit dict of ``GET /api/checks/plan`` plus the catalogue's layer specs and the rulesets in, HTML or CSV
text out. Every value from the data reaches the page through the autoescaped templates of :mod:`maps.templates`.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from geo.rules import Ruleset
from layers.catalogue import LayerSpec, PlanSpec
from maps import templates, vocabulary
from maps.assets import inline_tags, link_tags

#: overall results of a zone; None is a zone no ruleset judges (words: :func:`maps.vocabulary.overall_label`)
OVERALLS = ("pass", "fail", "incomplete", None)
OPERATORS = {">=": "≥", "<=": "≤", ">": ">", "<": "<", "==": "="}
#: the transit targets the table shows, in order: key → (zh, en) column title
TRANSIT_TARGETS = {"bus_stop": ("步行至公交站", "Walk to bus stop"),
                   "station": ("步行至轨道站", "Walk to metro/tram station")}

#: CSV/table columns: key → (zh, en) header
COLUMNS = {
    "layer": ("图层", "Layer"),
    "id": ("区域编号", "Zone id"),
    "name": ("区域", "Zone"),
    "schematic": ("示意", "Schematic"),
    "ruleset": vocabulary.pair("label.ruleset"),
    **{key: (vocabulary.measure_label(key, "zh", unit=True), vocabulary.measure_label(key, "en", unit=True))
       for key in ("length_m", "width_min_m", "width_mean_m", "area_m2")},
    "bus_stop_m": ("步行至公交站（m）", "Walk to bus stop (m)"),
    "bus_stop_result": ("公交站结论", "Bus stop result"),
    "station_m": ("步行至轨道站（m）", "Walk to station (m)"),
    "station_result": ("轨道站结论", "Station result"),
    "walk_method": ("步行距离方法", "Walking distance method"),
    "overall": vocabulary.pair("label.overall"),
    "failed": vocabulary.pair("label.failed_items"),
    "needs_data": vocabulary.pair("label.needs_data_items"),
    "accuracy_m": ("图形精度（±m）", "Geometry accuracy (±m)"),
    "warnings": ("说明", "Notes"),
}


@dataclass
class TransitCell:
    """Walking distance to the nearest target of one kind, judged against its threshold."""

    value: float | None
    threshold: float | None
    status: str  # pass | fail | needs-data

    def text(self, lang: str) -> str:
        if self.value is None:
            return vocabulary.status_label("needs-data", lang)
        return f"{_number(self.value, 0)} m"


@dataclass
class AuditRow:
    """One zone of the audit as the table shows it (the same values go into the CSV)."""

    layer: str
    layer_title: str
    id: str
    name: str
    schematic: bool
    ruleset: str | None
    ruleset_title: str | None
    length_m: float | None
    width_min_m: float | None
    width_mean_m: float | None
    area_m2: float | None
    transit: dict[str, TransitCell]
    walk_method: str | None
    overall: str | None
    overall_label: str
    failed: list[str]
    needs_data: list[str]
    accuracy_m: float | None
    warnings: list[str] = field(default_factory=list)

    def csv_values(self, lang: str) -> dict[str, Any]:
        """The row as CSV cells: plain numbers (rounded to cm), labels in the page language."""
        yes_no = ("是", "否") if lang == "zh" else ("yes", "no")
        values: dict[str, Any] = {
            "layer": self.layer_title, "id": self.id, "name": self.name,
            "schematic": yes_no[0] if self.schematic else yes_no[1],
            "ruleset": self.ruleset or "",
            "length_m": _plain(self.length_m), "width_min_m": _plain(self.width_min_m),
            "width_mean_m": _plain(self.width_mean_m), "area_m2": _plain(self.area_m2),
        }
        for key in TRANSIT_TARGETS:
            cell = self.transit.get(key)
            values[f"{key}_m"] = _plain(cell.value) if cell else ""
            values[f"{key}_result"] = _status_label(cell.status, lang) if cell else ""
        values.update({
            "walk_method": self.walk_method or "", "overall": self.overall_label,
            "failed": "、".join(self.failed) if lang == "zh" else "; ".join(self.failed),
            "needs_data": "、".join(self.needs_data) if lang == "zh" else "; ".join(self.needs_data),
            "accuracy_m": _plain(self.accuracy_m), "warnings": " | ".join(self.warnings),
        })
        return values


@dataclass
class LayerGroup:
    id: str
    title: str
    rows: list[AuditRow]


# ---------------------------------------------------------------------------------------------- the table
def audit_rows(audit: Mapping[str, Any], specs: Sequence[LayerSpec], rulesets: Mapping[str, Ruleset], *,
               lang: str = "zh", layer_ids: Sequence[str] | None = None,
               names_en: Mapping[str, str] | None = None) -> list[LayerGroup]:
    """The audit's zones as table rows grouped by layer, in catalogue order (zones of unknown layers last).

    Parameters
    ----------
    audit
        ``GET /api/checks/plan``: ``{"zones": [...], "summary": {...}}``.
    specs, rulesets
        The catalogue's layer specs (titles, order) and the rulesets (criterion titles).
    layer_ids
        Only zones of these layers (default: all).
    names_en
        English zone names by zone id, shown for ``lang="en"`` where given.
    """
    titles = {s.id: (s.title.en if lang == "en" else s.title.zh) for s in specs}
    order = {s.id: i for i, s in enumerate(specs)}
    groups: dict[str, LayerGroup] = {}
    for zone in audit.get("zones") or []:
        layer = str(zone.get("layer") or "")
        if layer_ids is not None and layer not in layer_ids:
            continue
        group = groups.setdefault(layer, LayerGroup(layer, titles.get(layer, layer), []))
        group.rows.append(_row(zone, group.title, rulesets, lang, names_en or {}))
    return sorted(groups.values(), key=lambda g: order.get(g.id, len(order)))


def _row(zone: Mapping[str, Any], layer_title: str, rulesets: Mapping[str, Ruleset], lang: str,
         names_en: Mapping[str, str]) -> AuditRow:
    zone_id = str(zone.get("id"))
    name = str(zone.get("name") or zone_id)
    if lang == "en" and names_en.get(zone_id):
        name = f"{names_en[zone_id]} ({name})"
    ruleset_id = zone.get("ruleset")
    ruleset = rulesets.get(ruleset_id) if isinstance(ruleset_id, str) else None
    provenance = zone.get("provenance") or {}
    transit = zone.get("transit") if isinstance(zone.get("transit"), Mapping) else {}
    values = transit.get("value") if isinstance(transit.get("value"), Mapping) else {}
    thresholds = transit.get("threshold") if isinstance(transit.get("threshold"), Mapping) else {}
    cells = {}
    for key in TRANSIT_TARGETS:
        if not transit:
            continue
        value, threshold = _finite(values.get(key)), _finite(thresholds.get(key))
        status = "needs-data" if value is None or threshold is None else ("pass" if value <= threshold else "fail")
        cells[key] = TransitCell(value, threshold, status)
    overall = zone.get("overall") if zone.get("overall") in OVERALLS else None
    warnings = [str(w) for w in zone.get("warnings") or []]
    if zone.get("error"):
        warnings.append(str(zone["error"]))
    return AuditRow(
        layer=str(zone.get("layer") or ""), layer_title=layer_title, id=zone_id, name=name,
        schematic=provenance.get("schematic") is True, ruleset=ruleset_id if isinstance(ruleset_id, str) else None,
        ruleset_title=(ruleset.title.en if lang == "en" else ruleset.title.zh) if ruleset else None,
        length_m=_finite(zone.get("length_m")), width_min_m=_finite(zone.get("width_min_m")),
        width_mean_m=_finite(zone.get("width_mean_m")), area_m2=_finite(zone.get("area_m2")),
        transit=cells,
        walk_method=_walk_method(transit.get("method"), lang) if any(
            c.value is not None for c in cells.values()) else None,
        overall=overall, overall_label=vocabulary.overall_label(overall, lang),
        failed=[_criterion_title(ruleset, c, lang) for c in zone.get("failed") or []],
        needs_data=[_criterion_title(ruleset, c, lang) for c in zone.get("needs_data") or []],
        accuracy_m=_finite(provenance.get("accuracy_m")), warnings=warnings,
    )


def thresholds(rulesets: Mapping[str, Ruleset], used: Sequence[str], lang: str = "zh") -> list[dict[str, Any]]:
    """What the page header says about the thresholds of the rulesets the audit used, read from the rulesets:
    each computed criterion (measurements, walking access) with its threshold or its parameter's default."""
    out = []
    for ruleset_id in used:
        ruleset = rulesets.get(ruleset_id)
        if ruleset is None:
            continue
        items = []
        for c in ruleset.criteria:
            title = c.title_en if lang == "en" else c.title_zh
            if c.kind == "measurement":
                value, parameter = _threshold(ruleset, c.threshold, c.threshold_parameter)
                items.append({"title": title, "operator": OPERATORS.get(c.operator, c.operator), "value": value,
                              "unit": c.unit or "",
                              "parameter": parameter, "targets": []})
            elif c.kind == "accessibility":
                targets = []
                for target in c.targets:
                    value, parameter = _threshold(ruleset, target.max_m, target.max_parameter)
                    targets.append({"title": target.title_en if lang == "en" else target.title_zh,
                                    "value": value, "parameter": parameter})
                items.append({"title": title, "operator": c.operator, "value": None, "unit": c.unit or "m",
                              "parameter": None, "targets": targets})
        out.append({"id": ruleset.id, "title": ruleset.title.en if lang == "en" else ruleset.title.zh,
                    "criteria": items})
    return out


def _threshold(ruleset: Ruleset, fixed: Any, parameter: str | None) -> tuple[str, str | None]:
    if parameter and parameter in ruleset.parameters:
        return _number(ruleset.parameters[parameter].default, 2), parameter
    return _number(fixed, 2), None


# ---------------------------------------------------------------------------------------------- outputs
def build_audit_page(audit: Mapping[str, Any], *, specs: Sequence[LayerSpec], rulesets: Mapping[str, Ruleset],
                     plan: PlanSpec, lang: str = "zh", static_url: str = "/static", maps_url: str = "/maps",
                     api_url: str = "/api", csv_href: str | None = None, assets: Mapping[str, bytes] | None = None,
                     layer_ids: Sequence[str] | None = None, names_en: Mapping[str, str] | None = None,
                     other_lang_href: str | None = None, unavailable: str | None = None) -> str:
    """The audit as a readable page: one table per zone layer, thresholds explained from the rulesets.

    ``assets`` given (path → bytes of the files under ``maps/static``) makes a standalone page with the stylesheet
    inlined and no links back to the service. ``unavailable`` says why there is no audit (the page shows it).
    """
    t = (lambda zh, en: en) if lang == "en" else (lambda zh, en: zh)  # noqa: E731 - tiny local helper
    groups = audit_rows(audit, specs, rulesets, lang=lang, layer_ids=layer_ids, names_en=names_en)
    rows = [r for g in groups for r in g.rows]
    used = list(dict.fromkeys(r.ruleset for r in rows if r.ruleset))
    summary = {key: sum(1 for r in rows if r.overall == key) for key in ("pass", "fail", "incomplete")}
    summary["none"] = sum(1 for r in rows if r.overall is None)
    standalone = assets is not None
    links = [] if standalone else [
        (maps_url, t("地图目录", "Maps")), (f"{maps_url}/overview", t("总图", "Overview")),
        (f"{maps_url}/check", t("选址检查", "Site check")), (f"{maps_url}/audit", t("规划核查", "Plan audit"))]
    header = templates.render(templates.HEADER, lang, plan_title=plan.title.en if lang == "en" else plan.title.zh,
                              page_title=t("规划区域核查表", "Plan audit table"), data_date=plan.data_date,
                              links=links)
    css = inline_tags(["planmap-css"], assets) if standalone else link_tags(["planmap-css"], static_url)
    return templates.render(
        templates.AUDIT_PAGE, lang, css=css, header=header, groups=groups, zone_count=len(rows),
        summary=summary, thresholds=thresholds(rulesets, used, lang), transit_targets=_transit_headers(rows, lang),
        overall_labels={k or "none": vocabulary.overall_label(k, lang) for k in OVERALLS},
        status_label=lambda s: _status_label(s, lang), number=_number,
        plan_title=plan.title.en if lang == "en" else plan.title.zh, maps_url=None if standalone else maps_url,
        link_query="?lang=en" if lang == "en" else "", api_href=f"{api_url}/checks/plan",
        csv_href=None if standalone else csv_href, other_lang_href=None if standalone else other_lang_href,
        attribution=plan.attribution, unavailable=unavailable, any_schematic=any(r.schematic for r in rows),
    )


def audit_csv(audit: Mapping[str, Any], *, specs: Sequence[LayerSpec], rulesets: Mapping[str, Ruleset],
              lang: str = "zh", layer_ids: Sequence[str] | None = None,
              names_en: Mapping[str, str] | None = None) -> str:
    """The same table as CSV text (one row per zone, grouped by layer); the caller encodes it as UTF-8 with BOM."""
    groups = audit_rows(audit, specs, rulesets, lang=lang, layer_ids=layer_ids, names_en=names_en)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([_pick(title, lang) for title in COLUMNS.values()])
    for group in groups:
        for row in group.rows:
            values = row.csv_values(lang)
            writer.writerow([values[key] for key in COLUMNS])
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- helpers
def _pick(pair: tuple[str, str], lang: str) -> str:
    return pair[1] if lang == "en" else pair[0]


def _status_label(status: str, lang: str) -> str:
    return vocabulary.status_label(status, lang)


def _transit_headers(rows: Sequence[AuditRow], lang: str) -> list[dict[str, str]]:
    """Column heads of the walking distances, with the threshold where every zone has the same one."""
    heads = []
    for key, pair in TRANSIT_TARGETS.items():
        limits = {r.transit[key].threshold for r in rows if key in r.transit and r.transit[key].threshold is not None}
        limit = f"≤ {_number(next(iter(limits)), 0)} m" if len(limits) == 1 else ""
        heads.append({"key": key, "title": _pick(pair, lang), "limit": limit})
    return heads


def _criterion_title(ruleset: Ruleset | None, criterion_id: Any, lang: str) -> str:
    if ruleset is not None:
        for c in ruleset.criteria:
            if c.id == criterion_id:
                return c.title_en if lang == "en" else c.title_zh
    return str(criterion_id)


def _walk_method(method: Any, lang: str) -> str | None:
    """The audit's walking-distance method in short: the bracketed tag the checks append (network or fallback)."""
    if not isinstance(method, str) or not method:
        return None
    tag = method.rsplit("[", 1)[1].rstrip("]") if method.rstrip().endswith("]") and "[" in method else method
    if tag == "network":
        return "沿路网步行" if lang == "zh" else "along the street network"
    if tag.startswith("straight-line"):
        factor = tag.split("×", 1)[1] if "×" in tag else ""
        return (f"直线×{factor}（路网未覆盖）" if lang == "zh" else f"straight line ×{factor} (off the network)") \
            if factor else tag
    return tag


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _plain(value: float | None) -> str:
    """A number for the CSV: plain digits, at most two decimals (centimetres), empty for none."""
    if value is None:
        return ""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _number(value: Any, digits: int = 1) -> str:
    """A number for reading: thousands separated, at most ``digits`` decimals, ``—`` for none."""
    number = _finite(value)
    if number is None:
        return "—" if value is None else str(value)
    text = f"{number:,.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text
