"""Map page builders: loaded plan data in, one HTML page out. No file or network I/O here.

Every page is built from the catalogue (``store.specs``): a new layer appears on every map, in its group, with its
style, legend entry, tooltip and popup, without changes here.
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import folium
import numpy as np
import shapely
import shapely.geometry
from branca.element import Figure
from folium.plugins import Draw, GroupedLayerControl

from geo.crs import wgs84_to_gcj02
from layers.catalogue import GROUP_EN, GROUPS, LayerSpec
from maps import citations, labels, templates, vocabulary
from maps.assets import inline_tags, link_tags, localise_assets
from maps.basemaps import BASEMAPS, Basemap, available_basemaps, tile_layers
from maps.credits import layer_credits, page_credits
from maps.data import Datum, LayerPayload, geometry_kind, layer_payload, shift_bounds, zoom_for_bounds
from maps.elements import BasemapControl, CheckTool, LayerData, Legend, PageSetup, PlanLayer

#: attributes a planner can type on the check map when the rulesets do not declare their own
DEFAULT_ATTRIBUTES = (
    ("floor_area_m2", "number", "建筑面积（m²）", "Floor area (m²)"),
    ("merchants", "integer", "商户数", "Merchants"),
    ("formats", "array", "业态（逗号分隔）", "Formats (comma separated)"),
)
QUIET_LAND = {"color": "#cfc6b4", "weight": 1, "opacity": 1, "fill_color": "#fffdf8", "fill_opacity": 1,
              "dash_array": None}
#: roles whose layers are context that would drown the plan: off until the planner switches them on
CONTEXT_ROLES_OFF = ("streets", "bus_stops")
#: a feature whose stated accuracy is this coarse (metres) is drawn as a faded area of uncertainty
UNCERTAIN_M = 1000.0


@dataclass(frozen=True)
class PageOptions:
    """How a page is built; the API fills it from the request and the settings.

    ``assets`` given (path → bytes of the files under ``maps/static``) makes a standalone page: every script,
    stylesheet and image inlined, no links back to the service.
    """

    basemap: str = "none"
    lang: str = "zh"
    bbox: tuple[float, float, float, float] | None = None
    layer_ids: tuple[str, ...] | None = None
    static_url: str = "/static"
    maps_url: str = "/maps"
    embed_url: str = "/embed"
    api_url: str = "/api"
    tianditu_key: str | None = None
    assets: Mapping[str, bytes] | None = None
    basemap_links: Mapping[str, str] = field(default_factory=dict)
    snippet_src: str | None = None
    download_href: str | None = None
    #: layers playing the plan's ``projects`` role (their features open a project map)
    project_layers: tuple[str, ...] = ()

    @property
    def standalone(self) -> bool:
        return self.assets is not None

    def t(self, zh: str, en: str) -> str:
        return en if self.lang == "en" else zh


@dataclass
class _Built:
    map: folium.Map
    layers: dict[str, PlanLayer]
    datum: Datum
    zoom: int
    title: str


# ---------------------------------------------------------------------------------------------- helpers
def layer_title(spec: LayerSpec, lang: str) -> str:
    return spec.title.en if lang == "en" else spec.title.zh


def group_title(group: str, lang: str) -> str:
    return GROUP_EN.get(group, group) if lang == "en" else group


def field_title(spec: LayerSpec, name: str, lang: str) -> str:
    f = spec.fields.get(name)
    if f is None:
        return name
    return (f.title_en or f.title_zh or name) if lang == "en" else (f.title_zh or f.title_en or name)


def field_kind(spec: LayerSpec, name: str) -> str:
    """How a field's numbers are written: ``year`` (2024), ``money`` (1.2 亿元), ``percent`` (85 %), ``text``
    or ``number`` (18,000)."""
    f = spec.fields.get(name)
    kind = f.type if f is not None else "string"
    title = f"{(f.title_zh or '') if f else ''} {(f.title_en or '') if f else ''}".lower()
    if kind not in ("number", "integer"):
        return "text"
    if "year" in name or "年份" in title:
        return "year"
    if name.endswith("_yuan") or "元" in title or "yuan" in title:
        return "money"
    if name.endswith("_share") or "比例" in title or "share" in title:
        return "percent"
    return "number"


def style_config(spec: LayerSpec) -> dict[str, Any]:
    """The layer's style as ``planmap.pathStyle`` reads it (the category names travel as ``value_labels``)."""
    return spec.style.model_dump(exclude={"category_labels"})


def value_labels(spec: LayerSpec, lang: str) -> dict[str, dict[str, str]]:
    """Names of the category codes in the page language, by field: ``{field: {code: name}}`` (popups, tables)."""
    style = spec.style
    if not (style.category_field and style.category_labels):
        return {}
    return {style.category_field: {code: style.category_label(code, lang) for code in style.category_labels}}


def _display_value(spec: LayerSpec, field_name: str, value: Any, lang: str) -> Any:
    """A field's value as shown: a category code becomes its name (the code itself where it has none)."""
    if field_name == spec.style.category_field and isinstance(value, str):
        return spec.style.category_label(value, lang)
    return value


def legend_title(spec: LayerSpec, lang: str) -> str:
    """The layer title without a trailing "(schematic)": the legend marks schematic layers with a badge."""
    title = layer_title(spec, lang)
    if spec.schematic:
        for suffix in ("（示意）", " (schematic)"):
            if title.endswith(suffix) and len(title) > len(suffix):
                return title[: -len(suffix)]
    return title


def _link_for(spec: LayerSpec, opts: PageOptions) -> tuple[str | None, str | None]:
    if opts.standalone:
        return None, None
    if spec.id in opts.project_layers:
        return f"{opts.maps_url}/projects/", opts.t("打开项目地图", "Open project map")
    if spec.zone_kind:
        return f"{opts.maps_url}/zones/", opts.t("打开区域地图", "Open zone map")
    return None, None


def layer_config(spec: LayerSpec, payload: LayerPayload, opts: PageOptions, **overrides: Any) -> dict[str, Any]:
    """What ``planmap.geojson`` needs to draw a layer (all of it JSON, escaped when written into the page)."""
    skip = {"id", "name", "name_en", "geometry"}
    fields = [[name, field_title(spec, name, opts.lang), field_kind(spec, name)] for name in spec.fields
              if name not in skip]
    link, link_label = _link_for(spec, opts)
    check_link = f"{opts.maps_url}/check?zone=" if spec.zone_kind and not opts.standalone else None
    config = {
        "id": spec.id,
        "title": layer_title(spec, opts.lang),
        "kind": payload.kind,
        "schematic": spec.schematic,
        "style": style_config(spec),
        "fields": fields,
        "value_labels": value_labels(spec, opts.lang),
        "common": payload.common,
        "credits": [credit.key for credit in layer_credits(spec)],
        "interactive": True,
        "link": link,
        "link_label": link_label,
        "check_link": check_link,
    }
    if spec.style.emphasis_field and spec.style.emphasis_field in spec.fields:
        config["emphasis"] = {"field": spec.style.emphasis_field,
                              "title": field_title(spec, spec.style.emphasis_field, opts.lang)}
    config["uncertain_m"] = UNCERTAIN_M
    config.update(overrides)
    return config


def _label_config(store: Any, spec: LayerSpec, datum: Datum, lang: str) -> dict[str, Any]:
    """The layer's permanent labels (placed without overlaps by the page), or nothing for unlabelled layers."""
    rule = labels.label_rule(store, spec)
    if rule is None:
        return {}
    key = ("labels", spec.id, datum, lang)
    cache = getattr(store, "map_cache", None)
    points = cache.get(key) if cache is not None else None
    if points is None:
        points = labels.label_points(store.layer(spec.id), spec, lang, datum, emphasis=spec.style.emphasis_field)
        if cache is not None:
            cache[key] = points
    return {"label": rule, "labels": points}


def _context_off(store: Any) -> set[str]:
    return {layer_id for role in CONTEXT_ROLES_OFF for layer_id in store.role_layers(role)}


def _search_index(store: Any, specs: Sequence[LayerSpec], datum: Datum, lang: str) -> list[list[Any]]:
    streets = store.role_layer("streets")
    wanted = list(specs) + ([store.spec(streets)] if streets and streets not in {s.id for s in specs} else [])
    key = ("search", tuple(s.id for s in wanted), datum, lang)
    cache = getattr(store, "map_cache", None)
    if cache is not None and key in cache:
        return cache[key]
    index = labels.search_entries(store, wanted, lang, datum, {s.id: legend_title(s, lang) for s in wanted})
    if cache is not None:
        cache[key] = index
    return index


def _legend_entries(specs: Sequence[LayerSpec], store: Any, opts: PageOptions) -> list[dict[str, Any]]:
    entries = []
    for spec in specs:
        kind = geometry_kind(spec, store.layer(spec.id))
        style = spec.style

        def css(colour: str | None, *, _style=style, _kind=kind) -> str:
            stroke = colour or _style.color
            fill = _style.fill_color or stroke
            if colour and (_kind == "polygon" or not _style.fill_color):
                fill = colour
            if _kind == "line":
                dash = "dashed" if _style.dash_array else "solid"
                return f"border-top-color:{stroke};border-top-style:{dash}"
            opacity = max(_style.fill_opacity, 0.75) if _kind == "point" else max(_style.fill_opacity, 0.15)
            rgba = _with_alpha(fill, opacity)
            dash = "dashed" if _style.dash_array else "solid"
            return f"border-color:{stroke};border-style:{dash};background:{rgba}"

        items = []
        if style.category_field and style.categories:
            present = set()
            frame = store.layer(spec.id)
            if style.category_field in frame.columns:
                present = {str(v) for v in frame[style.category_field].dropna().unique()}
            for value, colour in style.categories.items():
                if present and value not in present:
                    continue
                items.append({"label": style.category_label(value, opts.lang), "css": css(colour)})
        categorised = bool(items)
        if not items:
            items.append({"label": legend_title(spec, opts.lang), "css": css(None)})
        entries.append({"id": spec.id, "title": legend_title(spec, opts.lang), "schematic": spec.schematic,
                        "kind": kind, "swatches": items, "categorised": categorised})
    return entries


def _legend_notes(specs: Sequence[LayerSpec], store: Any, opts: PageOptions) -> list[dict[str, Any]]:
    """How emphasised features (e.g. the 两圈三街) and features of uncertain position are drawn."""
    notes = []
    for spec in specs:
        field_name = spec.style.emphasis_field
        if field_name and field_name in spec.fields:
            text = vocabulary.word("ui.emphasis_legend", opts.lang).replace(
                "{title}", field_title(spec, field_name, opts.lang))
            notes.append({"layer": spec.id, "text": text, "kind": "polygon", "cls": "pm-legend-emphasis",
                          "css": f"border:4px solid {spec.style.color};background:transparent"})
    vague = []
    for spec in specs:
        frame = store.layer(spec.id)
        coarse = "accuracy_m" in frame.columns and bool((frame["accuracy_m"].astype(float) >= UNCERTAIN_M).any())
        placeholder = "placeholder" in frame.columns and bool((frame["placeholder"] == True).any())  # noqa: E712
        if coarse or placeholder or spec.provenance.accuracy_m >= UNCERTAIN_M and "accuracy_m" not in frame.columns:
            vague.append(spec.id)
    if vague:
        text = vocabulary.word("ui.uncertain_legend", opts.lang).replace("{m}", f"{UNCERTAIN_M:,.0f}")
        notes.append({"layer": None, "text": text, "kind": "point", "cls": "pm-legend-uncertain",
                      "css": "border:1.5px dashed #666;background:rgba(120,120,120,0.2);width:16px;height:16px"})
    return notes


def _with_alpha(colour: str, alpha: float) -> str:
    value = colour.strip()
    if value.startswith("#") and len(value) in (4, 7):
        if len(value) == 4:
            value = "#" + "".join(c * 2 for c in value[1:])
        try:
            r, g, b = (int(value[i:i + 2], 16) for i in (1, 3, 5))
        except ValueError:
            return "transparent"
        return f"rgba({r},{g},{b},{alpha:.2f})"
    return "transparent"


def _mean_area(store: Any, spec: LayerSpec) -> float:
    frame = store.layer(spec.id)
    if not len(frame):
        return 0.0
    return float(np.mean(shapely.area(frame.geometry.values)))


def _draw_order(store: Any, specs: Sequence[LayerSpec]) -> list[LayerSpec]:
    """Large polygons at the bottom, then smaller polygons, then lines, then points (so everything stays clickable)."""
    rank = {"polygon": 0, "line": 1, "point": 2}

    def key(spec: LayerSpec) -> tuple[int, float]:
        kind = geometry_kind(spec, store.layer(spec.id))
        return rank[kind], -_mean_area(store, spec) if kind == "polygon" else 0.0

    return sorted(specs, key=key)


def _bounds_with_margin(bounds: tuple[float, float, float, float], min_half_m: float = 250.0,
                        factor: float = 0.25) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = bounds
    lat = (y0 + y1) / 2
    min_dx = min_half_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.1))
    min_dy = min_half_m / 110_540.0
    dx = max((x1 - x0) * factor, min_dx - (x1 - x0) / 2, 0)
    dy = max((y1 - y0) * factor, min_dy - (y1 - y0) / 2, 0)
    return (x0 - dx, y0 - dy, x1 + dx, y1 + dy)


def resolve_basemap(opts: PageOptions) -> Basemap:
    basemap = BASEMAPS.get(opts.basemap)
    if basemap is None or (basemap.needs_key and not opts.tianditu_key):
        offered = ", ".join(b.id for b in available_basemaps(opts.tianditu_key))
        raise ValueError(f"unknown basemap {opts.basemap!r}; basemaps on offer: {offered}")
    return basemap


def _base_map(store: Any, opts: PageOptions, *, specs: Sequence[LayerSpec], frame_bounds: tuple | None,
              embed: bool, title: str) -> _Built:
    basemap = resolve_basemap(opts)
    datum: Datum = basemap.datum
    bounds = opts.bbox or frame_bounds or _bounds_with_margin(tuple(float(v) for v in store.boundary.bounds),
                                                              factor=0.03)
    zoom = zoom_for_bounds(bounds)
    shown = shift_bounds(bounds, datum)
    m = folium.Map(location=[(shown[1] + shown[3]) / 2, (shown[0] + shown[2]) / 2], zoom_start=zoom, tiles=None,
                   control_scale=False, max_zoom=19)
    for tiles in tile_layers(basemap, opts.tianditu_key):
        tiles.add_to(m)
    root_url = opts.maps_url[: -len("/maps")] if opts.maps_url.endswith("/maps") else ""
    m.add_child(PageSetup({
        "lang": opts.lang, "crs": datum, "basemap": basemap.id, "links": not opts.standalone,
        "mapsUrl": opts.maps_url, "apiUrl": opts.api_url, "rootUrl": root_url,
        "linkQuery": _link_query(basemap.id, opts.lang),
        # every credit a layer of this plan may need; a credit shows while a layer needing it is on the map
        "credits": page_credits(store.specs, opts.lang, basemap=basemap.id),
        "offlineHref": opts.basemap_links.get("none"),
        "search": _search_index(store, specs, datum, opts.lang),
        "exports": not opts.standalone and not embed,
        "planTitle": store.plan.title.en if opts.lang == "en" else store.plan.title.zh,
    }))

    data_elements: dict[str, LayerData] = {}

    def data_for(spec: LayerSpec) -> tuple[LayerData, LayerPayload]:
        payload = layer_payload(store, spec, zoom=zoom, datum=datum)
        if spec.id not in data_elements:
            data_elements[spec.id] = LayerData(payload.geojson)
            m.add_child(data_elements[spec.id])
        return data_elements[spec.id], payload

    if basemap.id == "none":
        base_ids = [s.id for s in store.specs if s.group == "基础"]
        streets = store.role_layer("streets")
        if streets and streets not in base_ids:
            base_ids.append(streets)
        for spec in _draw_order(store, [store.spec(i) for i in base_ids]):
            if spec.id == streets:
                # under the plan only the named streets, quietly: the unnamed (schematic) grid would drown it
                frame = labels.named_only(store.layer(spec.id), ("name", "name_en"))
                payload = layer_payload(store, spec, zoom=zoom, datum=datum, frame=frame)
                data = LayerData(payload.geojson)
                m.add_child(data)
            else:
                data, payload = data_for(spec)
            style = style_config(spec)
            if payload.kind == "polygon":
                style.update(QUIET_LAND)
            else:
                style.update({"opacity": 0.45, "weight": min(spec.style.weight, 1.5), "dash_array": None,
                              "category_field": None, "categories": {}})
            config = layer_config(spec, payload, opts, style=style, interactive=False, pane="pmBase")
            m.add_child(PlanLayer(data, config, name=f"base-{spec.id}", control=False))

    layers: dict[str, PlanLayer] = {}
    context_off = _context_off(store) if opts.layer_ids is None else set()
    for spec in _draw_order(store, specs):
        data, payload = data_for(spec)
        config = layer_config(spec, payload, opts, **_label_config(store, spec, datum, opts.lang))
        layer = PlanLayer(data, config, name=layer_title(spec, opts.lang),
                          show=spec.visible and spec.id not in context_off)
        m.add_child(layer)
        layers[spec.id] = layer

    groups: dict[str, list[PlanLayer]] = {}
    for group in GROUPS:
        members = [layers[s.id] for s in specs if s.group == group and s.id in layers]
        if members:
            groups[group_title(group, opts.lang)] = members
    if groups:
        m.add_child(GroupedLayerControl(groups, exclusive_groups=False, collapsed=True, position="topright"))

    ordered = [s for g in GROUPS for s in specs if s.group == g and s.id in layers]
    legend_html = templates.render(templates.LEGEND, opts.lang, node_id="pm-legend",
                                   entries=_legend_entries(ordered, store, opts),
                                   notes=_legend_notes(ordered, store, opts))
    m.add_child(Legend(legend_html, "pm-legend", {s.id: layers[s.id] for s in ordered}))

    if not opts.standalone and opts.basemap_links:
        choices = [{"id": b.id, "label": b.label(opts.lang), "href": opts.basemap_links[b.id],
                    "active": b.id == basemap.id}
                   for b in available_basemaps(opts.tianditu_key) if b.id in opts.basemap_links]
        m.add_child(BasemapControl(choices))
    # leave room for the layer control and legend on the right of full pages
    m.fit_bounds([[shown[1], shown[0]], [shown[3], shown[2]]], padding_top_left=(10, 10),
                 padding_bottom_right=(10, 10) if embed else (290, 10))
    return _Built(map=m, layers=layers, datum=datum, zoom=zoom, title=title)


def _link_query(basemap_id: str, lang: str) -> str:
    """Query that keeps the basemap and language when a popup links to a zone or project map."""
    params = [p for p in (f"basemap={basemap_id}" if basemap_id != "none" else "",
                          f"lang={lang}" if lang != "zh" else "") if p]
    return "?" + "&".join(params) if params else ""


def _select_specs(store: Any, opts: PageOptions) -> list[LayerSpec]:
    if opts.layer_ids is None:
        return store.specs
    return [store.spec(i) for i in opts.layer_ids]  # raises LayerNotFoundError for an unknown id


def _render(built: _Built, opts: PageOptions, *, header_html: str = "", panel_html: str = "",
            body_class: str = "pm-page") -> str:
    m = built.map
    asset_ids = localise_assets(m)
    figure = Figure()
    figure.add_child(m)
    for child in list(figure._children.values()):
        child.render()
    assets = inline_tags(asset_ids, opts.assets) if opts.assets is not None else link_tags(asset_ids,
                                                                                             opts.static_url)
    return templates.render(
        templates.PAGE, opts.lang, title=built.title, body_class=body_class,
        header=assets + "\n" + figure.header.render(),
        html=header_html + figure.html.render() + panel_html,
        script=figure.script.render(),
    )


def _header(store: Any, opts: PageOptions, page_title: str) -> str:
    plan = store.plan
    links = [] if opts.standalone else [
        (opts.maps_url, opts.t("地图目录", "Maps")),
        (f"{opts.maps_url}/overview", opts.t("总图", "Overview")),
        (f"{opts.maps_url}/check", opts.t("选址检查", "Site check")),
        (f"{opts.maps_url}/audit" + ("?lang=en" if opts.lang == "en" else ""), opts.t("规划核查", "Plan audit")),
    ]
    return templates.render(templates.HEADER, opts.lang, plan_title=plan.title.en if opts.lang == "en"
                            else plan.title.zh, page_title=page_title, data_date=plan.data_date, links=links)


def _share(opts: PageOptions, title: str) -> str:
    snippet = None
    if opts.snippet_src and not opts.standalone:
        snippet = (f'<iframe src="{html.escape(opts.snippet_src, quote=True)}" width="100%" height="480" '
                   f'style="border:0" loading="lazy" title="{html.escape(title, quote=True)}"></iframe>')
    return templates.render(templates.SHARE, opts.lang, snippet=snippet,
                            download_href=None if opts.standalone else opts.download_href)


def _fmt(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        if math.isinf(value):
            return "∞"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{round(value, 2):g}"
    if isinstance(value, (list, tuple)):
        return "、".join(_fmt(v) for v in value)
    if isinstance(value, Mapping):
        return "; ".join(f"{k}: {_fmt(v)}" for k, v in value.items())
    return str(value)


def _attribute_rows(spec: LayerSpec, row: Mapping[str, Any], opts: PageOptions) -> list[tuple[str, str]]:
    rows = []
    for name in spec.fields:
        if name in ("id",):
            continue
        value = row.get(name)
        if value is None or (isinstance(value, float) and math.isnan(value)) or value == "":
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if citations.internal(value) or value == "none" or (
                opts.lang != "en" and isinstance(value, str) and not re.search(r"[\u3400-\u9fff]", value)
                and re.search(r"[A-Za-z]+[\s:]+[A-Za-z]+", value)):
            continue  # working notes and English notes stay in the data, not on a planner's page
        if isinstance(value, str) and value in vocabulary.keys("basis"):
            value = vocabulary.word(f"basis.{value}", opts.lang)
        shown = _display_value(spec, name, value, opts.lang)
        rows.append((field_title(spec, name, opts.lang), format_value(field_kind(spec, name), shown, opts.lang)))
    return rows


def format_value(kind: str, value: Any, lang: str = "zh") -> str:
    """A field value as a planner writes it: years plain (2024), money in 万元/亿元, shares as 85 %, grouped
    thousands (18,000)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return _fmt(value)
    if isinstance(value, float) and not math.isfinite(value):
        return _fmt(value)
    if kind == "year":
        return str(int(round(value)))
    if kind == "money":
        for factor, unit in ((1e8, "unit.yi_yuan"), (1e4, "unit.wan_yuan")):
            if abs(value) >= factor:
                return f"{value / factor:,.2f}".rstrip("0").rstrip(".") + " " + vocabulary.word(unit, lang)
        return f"{value:,.0f} " + vocabulary.word("unit.yuan", lang)
    if kind == "percent":
        return f"{value * 100:,.1f}".rstrip("0").rstrip(".") + " %"
    if isinstance(value, int):
        return f"{value:,}"
    return f"{value:,.0f}" if abs(value) >= 100 else f"{round(value, 2):g}"


def _provenance_html(store: Any, spec: LayerSpec, row: Mapping[str, Any], opts: PageOptions) -> str:
    schematic = bool(spec.schematic or row.get("schematic") is True)
    docs = citations.plan_documents(store)
    method = citations.readable(row.get("method"), docs)
    if opts.lang != "en" and method and not re.search(r"[\u3400-\u9fff]", method):
        method = None  # an English working note: the Chinese page shows source and accuracy only
    return templates.render(templates.PROVENANCE, opts.lang, source=citations.readable(row.get("source"), docs) or "—",
                            method=method, accuracy=_fmt(row.get("accuracy_m")),
                            licence=spec.provenance.licence, date=spec.provenance.date, schematic=schematic)


def _status(value: Any, lang: str) -> str:
    return vocabulary.status_label(value, lang)


def _criterion_title(store: Any, ruleset_id: Any, criterion_id: str, lang: str) -> str:
    try:
        criterion = store.rulesets[ruleset_id].criterion(criterion_id)
    except Exception:  # noqa: BLE001 - unknown ruleset or criterion: show the id
        return criterion_id
    return criterion.title_en if lang == "en" else criterion.title_zh


def _audit_html(store: Any, audit: Mapping[str, Any] | None, reason: str | None, opts: PageOptions) -> str:
    """The zone's row of the plan audit: overall, measurements, transit access, each criterion's status."""
    view = None
    if audit is not None:
        ruleset = audit.get("ruleset")
        criteria = []
        raw = audit.get("criteria") or {}
        items = raw.items() if isinstance(raw, Mapping) else ((c.get("id"), c.get("status")) for c in raw)
        for criterion_id, status in items:
            criteria.append({"title": _criterion_title(store, ruleset, str(criterion_id), opts.lang),
                             "status": str(status), "detail": None})
        transit = audit.get("transit")
        if isinstance(transit, Mapping):
            criteria.append({"title": opts.t("轨道交通可达（步行）", "Transit within walking distance"),
                             "status": str(transit.get("status")),
                             "detail": f"{_fmt(transit.get('value'))} m / ≤ {_fmt(transit.get('threshold'))} m"})
        measures = [(vocabulary.measure_label(key, opts.lang), audit.get(key), vocabulary.measure_unit(key, opts.lang))
                    for key in ("length_m", "width_mean_m", "width_min_m", "area_m2")]
        view = {
            "overall": None if audit.get("overall") is None else str(audit.get("overall")),
            "ruleset": ruleset,
            "criteria": criteria,
            "measures": [(label, f"{_fmt(value)} {unit}") for label, value, unit in measures if value is not None],
            "warnings": [str(w) for w in (audit.get("warnings") or [])] + (
                [str(audit["error"])] if audit.get("error") else []),
        }
    return templates.render(templates.AUDIT, opts.lang, audit=view, reason=reason,
                            status=lambda s: _status(s, opts.lang))


def _focus_layer(built: _Built, store: Any, spec: LayerSpec, feature: Any, opts: PageOptions) -> None:
    """The addressed feature, drawn on top with a strong outline (not in the layer control)."""
    payload = layer_payload(store, spec, zoom=built.zoom, datum=built.datum, frame=feature)
    data = LayerData(payload.geojson)
    built.map.add_child(data)
    style = style_config(spec)
    style.update({"color": "#d7301f", "weight": max(spec.style.weight, 1) + 3, "opacity": 1,
                  "fill_opacity": 0.25 if payload.kind == "polygon" else style["fill_opacity"],
                  "radius": spec.style.radius + 4, "category_field": None, "categories": {}})
    config = layer_config(spec, payload, opts, style=style)
    layer = PlanLayer(data, config, name=opts.t("本要素", "This feature"), control=False)
    built.map.add_child(layer)
    accuracy = _accuracy_m(feature)
    if payload.kind == "point" and accuracy and accuracy > 20:
        # how far the true position may lie: a dashed ring of the feature's stated accuracy
        point = shapely.get_point(feature.geometry.values[0], 0) if feature.geom_type.iloc[0] == "MultiPoint" \
            else feature.geometry.values[0]
        x, y = point.x, point.y
        if built.datum == "gcj02":
            xs, ys = wgs84_to_gcj02(np.array([x]), np.array([y]))
            x, y = float(xs[0]), float(ys[0])
        folium.Circle([y, x], radius=float(min(accuracy, 5000.0)), color="#d7301f", weight=1.5, dash_array="5 5",
                      fill=False, interactive=False).add_to(built.map)


def _accuracy_m(feature: Any) -> float | None:
    value = feature.iloc[0].get("accuracy_m") if "accuracy_m" in feature.columns else None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return value if math.isfinite(value) else None


# ---------------------------------------------------------------------------------------------- pages
def build_overview(store: Any, opts: PageOptions, *, embed: bool = False) -> str:
    """The whole plan: every layer grouped as in the catalogue, legend, scale, title block with the data date."""
    specs = _select_specs(store, opts)
    page_title = opts.t("总图", "Overview")
    plan_title = store.plan.title.en if opts.lang == "en" else store.plan.title.zh
    built = _base_map(store, opts, specs=specs, frame_bounds=None, embed=embed,
                      title=f"{plan_title} · {page_title}")
    if embed:
        return _render(built, opts, body_class="pm-embed")
    rows = []
    total = 0
    for spec in specs:
        count = len(store.layer(spec.id))
        total += count
        rows.append({"title": layer_title(spec, opts.lang), "schematic": spec.schematic, "count": count,
                     "source": citations.readable(spec.provenance.source, citations.plan_documents(store))})
    panel = templates.render(
        templates.OVERVIEW_PANEL, opts.lang,
        district=store.plan.district.en if opts.lang == "en" else store.plan.district.zh,
        layer_count=len(specs), feature_count=total, layers=rows, attribution=store.plan.attribution,
        share=_share(opts, built.title))
    return _render(built, opts, header_html=_header(store, opts, page_title), panel_html=panel)


def zone_specs(store: Any) -> list[LayerSpec]:
    return [s for s in store.specs if s.zone_kind]


def find_zone(store: Any, zone_id: str) -> tuple[LayerSpec, Any]:
    """The zone (a feature of a layer with ``zone_kind``); FeatureNotFoundError if there is none."""
    return store.find_feature(zone_id, [s.id for s in zone_specs(store)])


def find_project(store: Any, project_id: str) -> tuple[LayerSpec, Any]:
    return store.find_feature(project_id, list(store.role_layers("projects")))


def _feature_page(store: Any, spec: LayerSpec, feature: Any, opts: PageOptions, *, embed: bool,
                  page_kind: tuple[str, str], audit_html: str = "", kind_label: str | None = None) -> str:
    row = feature.iloc[0].to_dict()
    name = (row.get("name_en") if opts.lang == "en" and row.get("name_en") else row.get(spec.style.label_field)
            or row.get("name") or str(feature.index[0]))
    specs = _select_specs(store, opts)
    accuracy = _accuracy_m(feature) or 0.0
    bounds = _bounds_with_margin(tuple(float(v) for v in feature.total_bounds),
                                 min_half_m=min(max(400.0, accuracy * 1.1), 2500.0))
    page_title = f"{opts.t(*page_kind)} · {name}"
    plan_title = store.plan.title.en if opts.lang == "en" else store.plan.title.zh
    built = _base_map(store, opts, specs=specs, frame_bounds=bounds, embed=embed,
                      title=f"{page_title} · {plan_title}")
    _focus_layer(built, store, spec, feature, opts)
    if embed:
        return _render(built, opts, body_class="pm-embed")
    attributes = templates.render(templates.ATTRIBUTES, opts.lang, rows=_attribute_rows(spec, row, opts))
    panel = templates.render(
        templates.FEATURE_PANEL, opts.lang, name=_fmt(name), schematic=bool(spec.schematic or row.get("schematic")),
        layer_title=layer_title(spec, opts.lang), kind_label=kind_label, feature_id=str(feature.index[0]),
        attributes=attributes, provenance=_provenance_html(store, spec, row, opts), audit=audit_html,
        share=_share(opts, built.title))
    return _render(built, opts, header_html=_header(store, opts, page_title), panel_html=panel)


def build_zone_map(store: Any, zone_id: str, opts: PageOptions, *, audit: Mapping[str, Any] | None = None,
                   audit_reason: str | None = None, embed: bool = False) -> str:
    """One zone framed with its context, attributes, provenance and its audit result (or "audit not available")."""
    spec, feature = find_zone(store, zone_id)
    zone_kind = feature.iloc[0].get("zone_kind") if "zone_kind" in feature.columns else None
    kind = f"zone_kind.{zone_kind or spec.zone_kind}"
    kind_label = vocabulary.word(kind, opts.lang) if kind.split(".", 1)[1] in vocabulary.keys("zone_kind") else None
    return _feature_page(store, spec, feature, opts, embed=embed, page_kind=("区域", "Zone"),
                         audit_html=_audit_html(store, audit, audit_reason, opts), kind_label=kind_label)


def build_project_map(store: Any, project_id: str, opts: PageOptions, *, embed: bool = False) -> str:
    """One key project framed with its context, attributes and provenance."""
    spec, feature = find_project(store, project_id)
    return _feature_page(store, spec, feature, opts, embed=embed, page_kind=("重点项目", "Key project"))


def ruleset_choices(store: Any, lang: str = "zh") -> list[dict[str, Any]]:
    """Rulesets for the picker, in the plan's order: id, title, the site families they judge, their attributes,
    the document they come from and whose standard each is here (``参照《…》`` for a reference)."""
    choices = []
    for rid, rs in store.rulesets.items():
        title = rs.title.en if lang == "en" else rs.title.zh
        adoption = store.adoption(rid) if hasattr(store, "adoption") else {"status": "own"}
        document = getattr(getattr(rs, "source", None), "document", None) or ""
        choices.append({"id": rid, "title": title, "geometry": " ".join(rs.geometry),
                        "attributes": _ruleset_attributes(rs, lang), "document": document,
                        "adoption": adoption_text(adoption, document, lang),
                        "adoption_status": str(adoption.get("status") or "own")})
    return choices


def adoption_text(adoption: Mapping[str, Any] | None, document: str, lang: str) -> str:
    """Whose standard a ruleset is here, in words: 参照《拉萨市夜间经济示范区认定和奖励办法》, 采用《…》, 本规划标准."""
    status = str((adoption or {}).get("status") or "own")
    key = f"adoption.{status}" if status in vocabulary.keys("adoption") else "adoption.own"
    text = vocabulary.word(key, lang).replace("{document}", document or "")
    note = (adoption or {}).get("note")
    if note and (lang == "en" or re.search(r"[\u3400-\u9fff]", str(note))) and not citations.internal(note):
        text += f"（{note}）" if lang != "en" else f" ({note})"
    return text


def _ruleset_attributes(ruleset: Any, lang: str) -> list[dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    declared = getattr(ruleset, "attributes", None)
    if isinstance(declared, Mapping):
        for name, spec in declared.items():
            found[name] = _attribute_view(name, spec, lang)
    elif isinstance(declared, Sequence) and not isinstance(declared, str):
        for item in declared:
            name = getattr(item, "name", None) or getattr(item, "id", None) or (item if isinstance(item, str) else None)
            if name:
                found[str(name)] = _attribute_view(str(name), item, lang)
    for criterion in getattr(ruleset, "criteria", []) or []:
        name = getattr(criterion, "attribute", None)
        if isinstance(name, str) and name not in found:
            found[name] = _attribute_view(name, criterion, lang)
    return list(found.values())


def _attribute_view(name: str, spec: Any, lang: str) -> dict[str, Any]:
    """What the form needs to offer an attribute as it should be typed: a yes/no choice, a percentage, the
    formats as check boxes, a time as HH:MM, a number with its unit and minimum."""
    def pick(*attrs: str) -> Any:
        for attr in attrs:
            value = spec.get(attr) if isinstance(spec, Mapping) else getattr(spec, attr, None)
            if value is not None and value != "":
                return value
        return None

    title = pick("title_en", "title") if lang == "en" else pick("title_zh", "title")
    if title is not None and not isinstance(title, str):
        title = getattr(title, "en" if lang == "en" else "zh", None) or str(title)
    unit = pick("unit")
    declared_type = str(pick("type", "attribute_type") or "number")
    kind = {"list": "array", "fraction": "fraction", "time": "time"}.get(declared_type, declared_type)
    kind = kind if kind in ("number", "integer", "array", "string", "boolean", "fraction", "time") else "string"
    choices = [str(c) for c in (pick("choices") or [])]
    aliases = pick("aliases") or {}
    names = {}
    for choice in choices:
        # a choice spelt in English (enterprise) is offered by its Chinese alias (企业) on a Chinese page
        zh = next((alias for alias, target in aliases.items() if target == choice
                   and re.search(r"[\u3400-\u9fff]", alias)), None)
        names[choice] = zh if (lang != "en" and zh) else choice
    if kind == "time":
        hint = "22:30"
    elif kind == "fraction":
        hint = vocabulary.word("form.fraction_hint", lang)
    else:
        hint = ""
    minimum = pick("minimum")
    return {"name": name, "title": f"{title or name}" + (f"（{unit}）" if unit and lang != "en" else
                                                         f" ({unit})" if unit else ""),
            "type": kind, "hint": hint, "rulesets": "", "choices": [[c, names[c]] for c in choices],
            "minimum": minimum if isinstance(minimum, (int, float)) else None}


def build_check_map(store: Any, opts: PageOptions, *, zone_id: str | None = None,
                    saved_site: tuple[dict, str] | None = None) -> str:
    """Draw a site, pick a ruleset, type attributes: the report of ``POST /api/checks/site`` appears beside the map.

    ``zone_id`` opens the page with that zone of the plan as the site (its values can then be supplied);
    ``saved_site``: a stored site (GeoJSON Feature, panel HTML from :func:`maps.compare.saved_site_panel`) shown
    on the map and above the form (``/maps/check?site=…``).
    """
    specs = _select_specs(store, opts)
    page_title = opts.t("选址检查", "Site check")
    plan_title = store.plan.title.en if opts.lang == "en" else store.plan.title.zh
    built = _base_map(store, opts, specs=specs, frame_bounds=None, embed=False, title=f"{plan_title} · {page_title}")
    drawn = folium.FeatureGroup(name="drawn", control=False)
    built.map.add_child(drawn)
    if saved_site is not None:
        folium.GeoJson(saved_site[0], name="saved-site", control=False,
                       style_function=lambda _f: {"color": "#bf3989", "weight": 4, "fillOpacity": 0.2}).add_to(built.map)
        west, south, east, north = shapely.geometry.shape(saved_site[0]["geometry"]).bounds
        built.map.fit_bounds([[south, west], [north, east]], padding=(40, 40), max_zoom=17)
    Draw(feature_group=drawn, show_geometry_on_click=False, position="topleft",
         draw_options={"polyline": {"shapeOptions": {"color": "#0969da", "weight": 4}},
                       "polygon": {"allowIntersection": False, "showArea": False,
                                   "shapeOptions": {"color": "#0969da"}},
                       "rectangle": {"showArea": False, "shapeOptions": {"color": "#0969da"}},
                       "circle": False, "circlemarker": False, "marker": True},
         edit_options={"poly": {"allowIntersection": False}}).add_to(built.map)
    rulesets = ruleset_choices(store, opts.lang)
    attributes: dict[str, dict[str, str]] = {}
    for rs in rulesets:
        for a in rs["attributes"]:
            entry = attributes.setdefault(a["name"], dict(a))
            entry["rulesets"] = (entry["rulesets"] + " " + rs["id"]).strip()
    if not attributes:
        for name, kind, zh, en in DEFAULT_ATTRIBUTES:
            attributes[name] = {"name": name, "title": en if opts.lang == "en" else zh, "type": kind, "hint": "",
                                "rulesets": "", "choices": [], "minimum": 0}
    ids = {"form_id": "pm-check-form", "report_id": "pm-report", "message_id": "pm-message",
           "download_id": "pm-download-shape", "upload_id": "pm-upload-shape"}
    root_url = opts.maps_url[: -len("/maps")] if opts.maps_url.endswith("/maps") else ""
    initial = None
    if zone_id is not None:
        spec, feature = find_zone(store, zone_id)
        row = feature.iloc[0]
        initial = {"type": "Feature", "geometry": shapely.geometry.mapping(feature.geometry.values[0]),
                   "properties": {"name": labels.feature_name(row.to_dict(), spec, opts.lang) or zone_id,
                                  "ruleset": row.get("ruleset") if isinstance(row.get("ruleset"), str) else None}}
    built.map.add_child(CheckTool(drawn, {
        "formId": ids["form_id"], "reportId": ids["report_id"], "messageId": ids["message_id"],
        "downloadId": ids["download_id"], "uploadId": ids["upload_id"],
        "endpoint": f"{opts.api_url}/checks/site",
        "isochroneEndpoint": f"{opts.api_url}/accessibility/isochrone",
        "reportEndpoint": None if opts.standalone else f"{root_url}/export/check-report.pdf",
        "sheetEndpoint": None if opts.standalone else f"{root_url}/export/map.pdf",
        "rulesets": {rs["id"]: {"document": rs["document"], "adoption": rs["adoption"],
                                "status": rs["adoption_status"], "title": rs["title"]} for rs in rulesets},
        "attributes": {a["name"]: a["title"] for a in attributes.values()},
        "layerTitles": {spec.id: legend_title(spec, opts.lang) for spec in store.specs},
        "choiceLabels": {value: label for a in attributes.values() for value, label in a.get("choices") or []
                         if value != label},
        "initialSite": initial,
    }))
    panel = templates.render(templates.CHECK_PANEL, opts.lang, rulesets=rulesets,
                             attributes=list(attributes.values()), open_attributes=False,
                             share=_share(opts, built.title), **ids)
    if saved_site is not None:
        panel = saved_site[1] + panel
    return _render(built, opts, header_html=_header(store, opts, page_title), panel_html=panel)


def build_embed(store: Any, opts: PageOptions, *, zone_id: str | None = None, project_id: str | None = None) -> str:
    """A chrome-less map for an ``<iframe>``: a layer list, a zone or a project."""
    if zone_id is not None:
        return build_zone_map(store, zone_id, opts, embed=True)
    if project_id is not None:
        return build_project_map(store, project_id, opts, embed=True)
    return build_overview(store, opts, embed=True)


def build_index(store: Any, opts: PageOptions) -> str:
    """The maps index page (Chinese first, English second)."""
    plan = store.plan
    zones = []
    for spec in zone_specs(store):
        frame = store.layer(spec.id)
        items = [{"id": str(fid), "name": _fmt(row.get("name") or fid), "name_en": row.get("name_en") or "",
                  "schematic": bool(spec.schematic or row.get("schematic") is True)}
                 for fid, row in zip(frame.index, frame.drop(columns="geometry").to_dict("records"), strict=True)]
        zones.append({"title": spec.title.zh, "title_en": spec.title.en, "entries": items})
    projects = []
    for layer_id in store.role_layers("projects"):
        frame = store.layer(layer_id)
        projects += [{"id": str(fid), "name": _fmt(row.get("name") or fid), "name_en": row.get("name_en") or "",
                     "status": row.get("status") or ""}
                    for fid, row in zip(frame.index, frame.drop(columns="geometry").to_dict("records"), strict=True)]
    basemaps = [{"id": b.id, "label": b.label_zh} for b in available_basemaps(opts.tianditu_key)]
    return templates.render(templates.INDEX, "zh", plan_title=plan.title.zh, plan_title_en=plan.title.en,
                            district=plan.district.zh, data_date=plan.data_date, maps_url=opts.maps_url,
                            embed_url=opts.embed_url, static_url=opts.static_url, zones=zones,
                            projects=projects, basemaps=basemaps, attribution=plan.attribution)
