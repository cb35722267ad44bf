"""The plan audit as a page planners read, and as a CSV of the same table.

Pure: the audit dict of ``GET /api/checks/plan`` plus the catalogue's layer specs and the rulesets in, HTML or CSV
text out. Every value from the data reaches the page through the autoescaped templates of :mod:`maps.templates`.
"""

from __future__ import annotations

import csv
import io
import json
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
    #: criterion ids still needing data (the values a planner supplies), and the needs-data titles beyond the
    #: ones every zone of the ruleset needs (the page's legend lists those once)
    needs_ids: list[str] = field(default_factory=list)
    needs_extra: list[str] = field(default_factory=list)
    #: the titles of the layers this zone is drawn in (more than one: the same shape drawn twice)
    drawn_in: list[str] = field(default_factory=list)
    #: what verdicts rest on besides measurement: [(basis word, [criterion titles])] for assumed / stand-in
    bases: list[tuple[str, list[str]]] = field(default_factory=list)
    walk_basis: str | None = None
    #: the values the zone is judged on (attribute → ``{value, origin, …}`` of the audit), and as the page shows
    #: them, grouped by origin: ``{origin, kind, items: [{name, title, text}]}``
    values: dict[str, Any] = field(default_factory=dict)
    given: list[dict[str, str]] = field(default_factory=list)
    #: the attributes the zone's form offers (needed or given), in ruleset order
    fields: list[str] = field(default_factory=list)

    def csv_values(self, lang: str) -> dict[str, Any]:
        """The row as CSV cells: plain numbers (rounded to cm), labels in the page language."""
        yes_no = ("是", "否") if lang == "zh" else ("yes", "no")
        values: dict[str, Any] = {
            "layer": " | ".join(self.drawn_in) or self.layer_title, "id": self.id, "name": self.name,
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
               names_en: Mapping[str, str] | None = None,
               same_shape: Mapping[str, str] | None = None) -> list[LayerGroup]:
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
    same_shape
        Zone id → the id of the zone drawn with the same shape in an earlier layer (:func:`same_shapes`): such a
        zone is listed once, in the first layer, saying which layers draw it.
    """
    titles = {s.id: (s.title.en if lang == "en" else s.title.zh) for s in specs}
    order = {s.id: i for i, s in enumerate(specs)}
    zones = [z for z in audit.get("zones") or []
             if layer_ids is None or str(z.get("layer") or "") in layer_ids]
    zones.sort(key=lambda z: order.get(str(z.get("layer") or ""), len(order)))
    same = {k: v for k, v in (same_shape or {}).items()}
    groups: dict[str, LayerGroup] = {}
    by_id: dict[str, AuditRow] = {}
    for zone in zones:
        layer = str(zone.get("layer") or "")
        kept = by_id.get(same.get(str(zone.get("id")), ""))
        if kept is not None:
            kept.drawn_in.append(titles.get(layer, layer))
            continue
        group = groups.setdefault(layer, LayerGroup(layer, titles.get(layer, layer), []))
        row = _row(zone, group.title, rulesets, lang, names_en or {})
        row.drawn_in.append(group.title)
        group.rows.append(row)
        by_id[row.id] = row
    rows = [r for g in groups.values() for r in g.rows]
    common = common_needs(rows)
    for row in rows:
        shared = set(common.get(row.ruleset or "", ()))
        row.needs_extra = [title for cid, title in zip(row.needs_ids, row.needs_data, strict=True)
                           if cid not in shared]
    return sorted(groups.values(), key=lambda g: order.get(g.id, len(order)))


def common_needs(rows: Sequence[AuditRow]) -> dict[str, list[str]]:
    """Ruleset id → the needs-data criterion ids every zone judged by that ruleset shares (in ruleset order)."""
    out: dict[str, list[str]] = {}
    for ruleset_id in dict.fromkeys(r.ruleset for r in rows if r.ruleset):
        scored = [r for r in rows if r.ruleset == ruleset_id and r.overall is not None]
        if scored:
            shared = set(scored[0].needs_ids).intersection(*(r.needs_ids for r in scored[1:]))
            out[ruleset_id] = [cid for cid in scored[0].needs_ids if cid in shared]
    return out


def same_shapes(frames: Sequence[tuple[str, Any]]) -> dict[str, str]:
    """Zone id → the id of the first zone (in the order given) drawn with exactly the same shape.

    ``frames`` are (layer id, GeoDataFrame indexed by zone id) in catalogue order. Shapes are compared after
    normalising (ring start and orientation do not matter) and rounding to about a centimetre.
    """
    import shapely

    first: dict[bytes, str] = {}
    out: dict[str, str] = {}
    for _layer, frame in frames:
        for zone_id, geometry in zip(frame.index, frame.geometry, strict=True):
            if geometry is None or geometry.is_empty:
                continue
            key = shapely.normalize(shapely.set_precision(geometry, 1e-7)).wkb
            if key in first and first[key] != str(zone_id):
                out[str(zone_id)] = first[key]
            else:
                first.setdefault(key, str(zone_id))
    return out


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
    given = zone.get("values") if isinstance(zone.get("values"), Mapping) and ruleset is not None else {}
    given = {name: v for name, v in given.items() if isinstance(v, Mapping) and name in ruleset.attributes} \
        if ruleset is not None else {}
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
        needs_ids=[str(c) for c in zone.get("needs_data") or []],
        bases=_bases(zone, ruleset, lang),
        walk_basis=vocabulary.word(f"basis.{transit['basis']}", lang)
        if transit.get("basis") in ("assumed", "stand-in") else None,
        values=given,
        given=_given_groups(ruleset, given, lang) if ruleset else [],
        fields=value_attributes(ruleset, [str(c) for c in zone.get("needs_data") or []], given)
        if ruleset is not None and overall is not None else [],
    )


def _given_groups(ruleset: Ruleset, given: Mapping[str, Any], lang: str) -> list[dict[str, Any]]:
    """The given values in ruleset order, grouped by where they come from (one line per origin)."""
    groups: dict[str, dict[str, Any]] = {}
    for name in ruleset.attributes:
        if name in given:
            item = _given(ruleset, name, given[name], lang)
            group = groups.setdefault(item["origin"], {"origin": item["origin"], "kind": item["kind"], "items": []})
            group["items"].append(item)
    return list(groups.values())


def _given(ruleset: Ruleset, name: str, item: Mapping[str, Any], lang: str) -> dict[str, str]:
    """One given value as the page shows it: title, value as written, and where it comes from."""
    spec = ruleset.attributes[name]
    if item.get("origin") == "store":
        origin = _fmt("values.origin_store", lang, author=item.get("author") or "?",
                      date=str(item.get("saved") or "")[:10])
    else:
        parts = [str(item[k]) for k in ("source", "author", "date") if item.get(k)]
        origin = vocabulary.word("values.origin_file", lang) + (f"（{'，'.join(parts)}）" if lang != "en" and parts
                                                               else f" ({', '.join(parts)})" if parts else "")
    unit = "" if spec.type in ("fraction", "boolean", "list", "time") else (spec.unit or "")
    return {"name": name, "title": spec.title_en if lang == "en" else spec.title_zh,
            "text": value_text(spec, item.get("value"), lang) + (f" {unit}" if unit else ""), "origin": origin,
            "kind": str(item.get("origin") or "file")}


def form_value(spec: Any, value: Any) -> Any:
    """A given value as the form's field shows it: yes/no as true/false, a share as a percentage, lists as they
    are, other values as text."""
    if spec.type == "boolean":
        return "true" if value else "false"
    if spec.type == "fraction" and isinstance(value, int | float):
        return _plain(float(value) * 100)
    if isinstance(value, list | tuple):
        return [str(v) for v in value]
    if isinstance(value, float):
        return _plain(value)
    return "" if value is None else str(value)


def _bases(zone: Mapping[str, Any], ruleset: Ruleset | None, lang: str) -> list[tuple[str, list[str]]]:
    """The verdicts that rest on an assumed position or a stand-in shape, by basis, in words."""
    bases = zone.get("bases") if isinstance(zone.get("bases"), Mapping) else {}
    out = []
    for basis in ("assumed", "stand-in"):
        items = [_criterion_title(ruleset, cid, lang) for cid, b in bases.items() if b == basis]
        if items:
            out.append((vocabulary.word(f"basis.{basis}", lang), items))
    return out


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
                     other_lang_href: str | None = None, unavailable: str | None = None,
                     same_shape: Mapping[str, str] | None = None, values_href: str | None = None,
                     sheet_href: str | None = None) -> str:
    """The audit as a readable page: one table per zone layer, thresholds explained from the rulesets.

    ``assets`` given (path → bytes of the files under ``maps/static``) makes a standalone page with the stylesheet
    inlined and no links back to the service. ``unavailable`` says why there is no audit (the page shows it).
    """
    t = (lambda zh, en: en) if lang == "en" else (lambda zh, en: zh)  # noqa: E731 - tiny local helper
    groups = audit_rows(audit, specs, rulesets, lang=lang, layer_ids=layer_ids, names_en=names_en,
                        same_shape=same_shape)
    rows = [r for g in groups for r in g.rows]
    used = list(dict.fromkeys(r.ruleset for r in rows if r.ruleset))
    common = [{"ruleset": rulesets[rid].title.en if lang == "en" else rulesets[rid].title.zh,
               "needs": [_criterion_title(rulesets[rid], cid, lang) for cid in ids]}
              for rid, ids in common_needs(rows).items() if ids and rid in rulesets]
    adoptions = _adoptions(audit, rulesets, used, lang)
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
    script = inline_tags(["audit-js"], assets) if standalone else link_tags(["audit-js"], static_url)
    forms = [] if standalone else [
        {"ruleset": rid, "fields": value_fields(rulesets[rid], lang)} for rid in used if rid in rulesets]
    prefill = {r.id: json.dumps({name: form_value(rulesets[r.ruleset].attributes[name], item.get("value"))
                                 for name, item in r.values.items()}, ensure_ascii=False)
               for r in rows if r.ruleset in rulesets and r.values}
    return templates.render(
        templates.AUDIT_PAGE, lang, css=css, header=header, groups=groups, zone_count=len(rows),
        forms=forms, prefill=prefill, values_endpoint=None if standalone else f"{api_url}/audit/values",
        me_endpoint=None if standalone else f"{api_url}/me",
        ruleset_options=[(rid, rulesets[rid].title.en if lang == "en" else rulesets[rid].title.zh)
                         for rid in used if rid in rulesets],
        summary=summary, thresholds=thresholds(rulesets, used, lang), transit_targets=_transit_headers(rows, lang),
        overall_labels={k or "none": vocabulary.overall_label(k, lang) for k in OVERALLS},
        status_label=lambda s: _status_label(s, lang), number=_number,
        plan_title=plan.title.en if lang == "en" else plan.title.zh, maps_url=None if standalone else maps_url,
        link_query="?lang=en" if lang == "en" else "", api_href=f"{api_url}/checks/plan",
        csv_href=None if standalone else csv_href, other_lang_href=None if standalone else other_lang_href,
        attribution=plan.attribution, unavailable=unavailable, any_schematic=any(r.schematic for r in rows),
        common=common, adoptions=adoptions, values_href=None if standalone else values_href,
        sheet_href=None if standalone else sheet_href, fmt=_fmt,
        check_href=None if standalone else f"{maps_url}/check", script=script,
    )


def value_fields(ruleset: Ruleset, lang: str) -> list[dict[str, Any]]:
    """The form fields of a ruleset's attributes, fitted to each (the check page's: yes/no, a percentage, the
    formats as check boxes, HH:MM, numbers with unit and minimum)."""
    from maps.builders import _attribute_view

    return [_attribute_view(name, spec, lang) for name, spec in ruleset.attributes.items()]


def _fmt(key: str, lang: str, **values: Any) -> str:
    text = vocabulary.word(key, lang)
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def _adoptions(audit: Mapping[str, Any], rulesets: Mapping[str, Ruleset], used: Sequence[str],
               lang: str) -> list[dict[str, str]]:
    """Whose standard each ruleset of the audit is here, in words (参照《…》 for a reference ruleset)."""
    from maps.builders import adoption_text

    adoption = audit.get("adoption") if isinstance(audit.get("adoption"), Mapping) else {}
    out = []
    for rid in used:
        ruleset = rulesets.get(rid)
        if ruleset is None:
            continue
        document = getattr(getattr(ruleset, "source", None), "document", None) or ""
        out.append({"title": ruleset.title.en if lang == "en" else ruleset.title.zh,
                    "text": adoption_text(adoption.get(rid) or {"status": "own"}, document, lang),
                    "status": str((adoption.get(rid) or {}).get("status") or "own")})
    return out


def values_csv(audit: Mapping[str, Any], *, specs: Sequence[LayerSpec], rulesets: Mapping[str, Ruleset],
               lang: str = "zh", layer_ids: Sequence[str] | None = None,
               same_shape: Mapping[str, str] | None = None) -> str:
    """The values template: the columns of a plan's values file (:data:`layers.audit_values.COLUMNS`), one row
    per judged zone (listed once) and attribute it still needs or already has (given values filled in, with
    their source, date and author), so that the filled-in file is read back as it is."""
    from layers.audit_values import COLUMNS as VALUE_COLUMNS

    groups = audit_rows(audit, specs, rulesets, lang=lang, layer_ids=layer_ids, same_shape=same_shape)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(VALUE_COLUMNS)
    for row in (r for g in groups for r in g.rows if r.ruleset and r.ruleset in rulesets and r.overall):
        ruleset = rulesets[row.ruleset]
        for name in value_attributes(ruleset, row.needs_ids, row.values):
            spec = ruleset.attributes[name]
            given = row.values.get(name) or {}
            origin = given.get("origin")
            writer.writerow([
                row.id, _csv_text(row.name), name, spec.title_en if lang == "en" else spec.title_zh,
                _csv_text(value_text(spec, given["value"], lang, plain=True)) if given else "",
                "%" if spec.type == "fraction" else (spec.unit or ""),
                _csv_text(str(given.get("notes") or given.get("note") or "")),
                _csv_text(str(given.get("source") or "")),
                str(given.get("date") or given.get("saved") or "")[:10],
                _csv_text(str(given.get("author") or "")) if origin else ""])
    return out.getvalue()


def value_attributes(ruleset: Ruleset, needs_ids: Sequence[str], values: Mapping[str, Any]) -> list[str]:
    """The attributes a zone is asked for, in ruleset order: those of its needs-data criteria and those it has."""
    wanted = set(values)
    for criterion in ruleset.criteria:
        name = getattr(criterion, "attribute", None)
        if criterion.id in needs_ids and name in ruleset.attributes:
            wanted.add(name)
    return [name for name in ruleset.attributes if name in wanted]


def value_text(spec: Any, value: Any, lang: str, *, plain: bool = False) -> str:
    """A typed value as a planner writes it (是/否, 85 %, 22:30, 购物、餐饮, 18,000), read back by the same parser;
    ``plain`` (for a file) leaves out thousands separators and the space before %."""
    if value is None:
        return ""
    if spec.type == "boolean":
        return vocabulary.word("form.yes" if value else "form.no", lang)
    if spec.type == "fraction" and isinstance(value, int | float):
        return f"{_plain(float(value) * 100)}{'%' if plain else ' %'}"
    if isinstance(value, list | tuple):
        return ("、" if lang != "en" or plain else ", ").join(str(v) for v in value)
    if isinstance(value, int | float):
        return _plain(float(value)) if plain else _number(value, 2)
    return str(value)


def _csv_text(value: str) -> str:
    """A text cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def audit_csv(audit: Mapping[str, Any], *, specs: Sequence[LayerSpec], rulesets: Mapping[str, Ruleset],
              lang: str = "zh", layer_ids: Sequence[str] | None = None,
              names_en: Mapping[str, str] | None = None, same_shape: Mapping[str, str] | None = None) -> str:
    """The same table as CSV text (one row per zone, grouped by layer); the caller encodes it as UTF-8 with BOM."""
    groups = audit_rows(audit, specs, rulesets, lang=lang, layer_ids=layer_ids, names_en=names_en,
                        same_shape=same_shape)
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
