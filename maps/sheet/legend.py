"""Legend and credits: the legend from the catalogue styles (with category colours), the data sources,
the side notes (OpenStreetMap credit, schematic layers, scale, CRS, dates) and the footer."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from pyproj import CRS

from layers.catalogue import GROUP_EN, GROUPS, LayerSpec
from maps import citations, vocabulary
from maps.sheet.drawing import _crs_label, _dashes, _kind, _linewidth, _rgba
from maps.sheet.paper import PT_PER_MM, Lang, SheetInfo, _Sheet
from maps.sheet.text import _ellipsize, _has_cjk, _t, wrap


def _category_entries(spec: LayerSpec, frame: gpd.GeoDataFrame, lang: Lang) -> list[tuple[str, str]]:
    """(label, colour) per category present in the frame, in the catalogue's order."""
    style = spec.style
    if not (style.category_field and style.category_field in frame.columns and style.categories):
        return []
    values = frame[style.category_field].astype(str)
    present = set(values)
    label_field = style.label_field
    if lang == "en" and f"{label_field}_en" in frame.columns:
        label_field = f"{label_field}_en"
    names = frame[label_field] if label_field in frame.columns else None
    #: one feature name per category (e.g. one metro line per line colour): show the names instead of codes
    named: dict[str, str] = {}
    # the catalogue's category_labels name the codes; bare codes without a label (line "1", "201") are replaced
    # by the feature names when each such code stands for exactly one named feature, or else shown as they are
    bare = sorted(v for v in present if not _has_cjk(v) and v not in style.category_labels)
    if names is not None:
        for value in bare:
            distinct = {str(v) for v in names[values == value] if isinstance(v, str) and v.strip()}
            if len(distinct) != 1:
                named = {}
                break
            named[value] = distinct.pop()
    entries = []
    for value, colour in style.categories.items():
        if value not in present:
            continue
        label = named.get(value) or style.category_label(value, lang)
        entries.append((label, colour))
    others = sorted(present - set(style.categories))
    if others:
        entries.append((_t(lang, "其他", "other") + f" ({', '.join(others[:3])})", style.color))
    return entries


def _legend_symbol(ax, x: float, y: float, kind: str, spec: LayerSpec, colour: str, line_scale: float) -> None:
    """A legend swatch 7 mm wide centred on y, in millimetre coordinates of the sheet."""
    style = spec.style
    if kind == "polygon":
        face = _rgba(colour if style.category_field else (style.fill_color or colour), max(style.fill_opacity, 0.08))
        ax.add_patch(Rectangle((x, y - 1.6), 7.0, 3.2, facecolor=face, edgecolor=_rgba(colour, style.opacity),
                               linewidth=_linewidth(style.weight, line_scale) * 0.8,
                               linestyle=_dashes(spec)))
    elif kind == "line":
        ax.add_line(Line2D([x, x + 7.0], [y, y], color=_rgba(colour, style.opacity),
                           linewidth=_linewidth(style.weight, line_scale), linestyle=_dashes(spec),
                           solid_capstyle="butt"))
    else:
        fill = style.fill_color
        ax.add_line(Line2D([x + 3.5], [y], marker="o", markersize=max(style.radius, 1.0) * 1.2 * line_scale,
                           markerfacecolor=_rgba(fill if fill else colour, style.fill_opacity if fill else 1.0),
                           markeredgecolor=_rgba(colour, style.opacity), markeredgewidth=0.8 * line_scale,
                           linestyle="none"))


def attribution_lines(specs: Sequence[LayerSpec], lang: Lang,
                      docs: dict[str, str] | None = None) -> tuple[list[str], bool]:
    """Source credits of the layers shown as short citations (document and article; data source and licence;
    no file paths), layers sharing a source on one line, and whether any is OSM."""
    grouped: dict[tuple[str, str], list[str]] = {}
    osm = False
    for spec in specs:
        prov = spec.provenance
        osm = osm or spec.osm_derived
        title = spec.title.zh if lang == "zh" else spec.title.en
        source = citations.readable(prov.source, docs) or prov.source
        licence = citations.readable(prov.licence, docs) or prov.licence
        titles = grouped.setdefault((source, licence), [])
        if title not in titles:
            titles.append(title)
    if lang == "zh":
        return [f"{'、'.join(t)}：{source}（{licence}）" for (source, licence), t in grouped.items()], osm
    return [f"{'; '.join(t)}: {source} ({licence})" for (source, licence), t in grouped.items()], osm


def _legend_entries(drawn, lang: Lang) -> list[tuple[str, Any]]:
    """Legend entries grouped as in the catalogue: ("group", name), ("layer"|"category", (label, kind, spec,
    colour or None for a layer whose categories follow))."""
    entries: list[tuple[str, Any]] = []
    by_group: dict[str, list] = {}
    for layer, metric in drawn:
        by_group.setdefault(layer.spec.group, []).append((layer, metric))
    for group in GROUPS:
        if group not in by_group:
            continue
        entries.append(("group", group if lang == "zh" else GROUP_EN[group]))
        for layer, metric in by_group[group]:
            spec = layer.spec
            kind = _kind(metric, spec)
            title = spec.title.zh if lang == "zh" else spec.title.en
            if spec.schematic and not ("示意" in title or "schematic" in title.lower()):
                title += _t(lang, "（示意）", " (schematic)")
            categories = _category_entries(spec, metric, lang)
            entries.append(("layer", (title, kind, spec, None if categories else spec.style.color)))
            entries.extend(("category", (label, kind, spec, colour)) for label, colour in categories)
    return entries


def _side_notes(info: SheetInfo, specs: Sequence[LayerSpec], metric_crs: CRS, scale_text: str,
                osm: bool) -> list[tuple[str, str]]:
    """(text, colour) lines of the footer's right column: attribution, schematic note, scale, CRS, dates."""
    lang = info.lang
    notes: list[tuple[str, str]] = []
    if osm:
        notes.append(("© OpenStreetMap contributors (ODbL)", "#222222"))
    titles = {s.id: (s.title.zh if lang == "zh" else s.title.en) for s in specs}
    schematic = [titles[s.id] for s in specs if s.schematic]
    surveyed = [titles[s.id] for s in specs if not s.schematic]
    sep = "、" if lang == "zh" else ", "
    if schematic and len(schematic) > len(surveyed) + 2:
        notes.append((_t(lang, f"示意：除{sep.join(surveyed)}外，其余图层均为规划示意，非测绘成果，仅供参考。",
                         f"Schematic: all layers except {sep.join(surveyed)} are schematic, not surveyed."),
                      "#8a1c00"))
    elif schematic:
        notes.append((_t(lang, f"示意：{sep.join(schematic)} 为规划示意图层，非测绘成果，仅供参考。",
                         f"Schematic: {sep.join(schematic)} are schematic, not surveyed."), "#8a1c00"))
    notes.append((vocabulary.word("sheet.reference_note", lang), "#8a1c00"))
    notes.extend((note, "#333333") for note in info.notes)
    notes.append((_t(lang, f"比例尺 1:{scale_text}（按出图尺寸）", f"Scale 1:{scale_text} at the printed size"),
                  "#333333"))
    notes.append((_t(lang, "坐标系：", "Projection: ") + _crs_label(metric_crs), "#333333"))
    dates = []
    if info.map_date:
        dates.append(_t(lang, "制图日期 ", "Map date ") + info.map_date)
    if info.data_date:
        dates.append(_t(lang, "数据日期 ", "Data date ") + info.data_date)
    if dates:
        notes.append((" · ".join(dates), "#333333"))
    return notes


def _round_scale(value: float) -> str:
    digits = max(0, int(math.floor(math.log10(value))) - 1)
    rounded = int(round(value / 10**digits) * 10**digits)
    return f"{rounded:,}".replace(",", " ")


_LEGEND_TRIES = ((1, 1.0), (1, 0.92), (2, 0.92), (2, 0.84), (2, 0.76), (3, 0.76), (2, 0.68), (3, 0.68),
                 (3, 0.6), (4, 0.6), (4, 0.52))
_SWATCH_MM = 9.0


def _legend_items(entries, col_w: float, size: float) -> list[tuple[float, str, Any]]:
    line_h = size / PT_PER_MM * 1.32
    items: list[tuple[float, str, Any]] = []
    for kind, payload in entries:
        if kind == "group":
            lines = wrap(payload, col_w * 0.92, size)  # bold runs wider
            items.append((line_h * (len(lines) + 0.35), kind, "\n".join(lines)))
            continue
        title, geom_kind, spec, colour = payload
        indent = 0.0 if kind == "layer" else 3.0
        text_w = col_w - indent - (_SWATCH_MM if colour is not None else 0.0)
        lines = wrap(title, text_w, size)
        if len(lines) > 2:
            lines = [lines[0], _ellipsize("".join(lines[1:]), text_w, size)]
        height = max(line_h * len(lines), 4.0 * size / 8.0) + 0.6
        items.append((height, kind, ("\n".join(lines), geom_kind, spec, colour, indent)))
    return items


def _split_columns(items, ncols: int, height: float) -> list[list[tuple[float, str, Any]]] | None:
    columns: list[list[tuple[float, str, Any]]] = [[]]
    used = 0.0
    for index, item in enumerate(items):
        needed = item[0]
        if item[1] == "group" and index + 1 < len(items):
            needed += items[index + 1][0]  # keep a group heading with its first entry
        if used + needed > height and columns[-1]:
            if len(columns) == ncols:
                return None
            columns.append([])
            used = 0.0
        if item[0] > height:
            return None
        columns[-1].append(item)
        used += item[0]
    return columns


def _draw_legend(sheet: _Sheet, x: float, top: float, width: float, bottom: float, entries, lang: Lang,
                 line_scale: float, max_columns: int = 3) -> None:
    """The legend in up to ``max_columns`` columns, text shrunk only as far as needed to fit."""
    gap = 3.0
    heading = sheet.base_pt * 1.15
    heading_h = heading / PT_PER_MM * 1.6
    chosen = None
    for ncols, shrink in _LEGEND_TRIES:
        if ncols > max_columns:
            continue
        col_w = (width - gap * (ncols - 1)) / ncols
        size = sheet.base_pt * shrink
        columns = _split_columns(_legend_items(entries, col_w, size), ncols, top - bottom - heading_h)
        if columns is not None:
            chosen = (columns, col_w, size)
            break
    if chosen is None:  # draw what fits at the smallest size
        ncols, shrink = max_columns, _LEGEND_TRIES[-1][1]
        col_w = (width - gap * (ncols - 1)) / ncols
        size = sheet.base_pt * shrink
        items = _legend_items(entries, col_w, size)
        per = max(1, math.ceil(len(items) / ncols))
        chosen = ([items[i : i + per] for i in range(0, len(items), per)][:ncols], col_w, size)
    columns, col_w, size = chosen
    sheet.text(x, top, _t(lang, "图例", "Legend"), heading, bold=True)
    ax = sheet.canvas_ax
    for number, column in enumerate(columns):
        cx = x + number * (col_w + gap)
        y = top - heading_h
        for height, kind, payload in column:
            if y - height < bottom - 0.5:
                break
            if kind == "group":
                sheet.text(cx, y - 0.6, payload, size, bold=True, colour="#444444")
            else:
                label, geom_kind, spec, colour, indent = payload
                middle = y - height / 2
                if colour is not None:
                    first_line = y - size / PT_PER_MM * 0.66 - 0.3 if "\n" in label else middle
                    _legend_symbol(ax, cx + indent, first_line, geom_kind, spec, colour, line_scale)
                    sheet.text(cx + indent + _SWATCH_MM, middle, label, size, va="center", linespacing=1.15)
                else:
                    sheet.text(cx + indent, middle, label, size, va="center", linespacing=1.15)
            y -= height


def _footer_plan(width: float, size: float, credits: list[str], notes: list[tuple[str, str]], lang: Lang):
    left_w = width * 0.58
    right_w = width - left_w - 5.0
    heading = _t(lang, "数据来源", "Sources")
    left = [(heading, "#222222", True)]
    for credit in credits:
        left.extend((line, "#333333", False) for line in wrap(credit, left_w, size))
    right = []
    for text, colour in notes:
        right.extend((line, colour, False) for line in wrap(text, right_w, size))
    line_h = size / PT_PER_MM * 1.3
    return max(len(left), len(right)) * line_h, left, right, left_w


def _plan_footer(sheet: _Sheet, width: float, max_height: float, credits, notes, lang: Lang):
    for shrink in (0.8, 0.74, 0.68, 0.62, 0.56, 0.5):
        size = sheet.base_pt * shrink
        plan = _footer_plan(width, size, credits, notes, lang)
        if plan[0] <= max_height:
            return size, plan
    return size, plan


def _draw_footer(sheet: _Sheet, x: float, top: float, size: float, plan) -> None:
    height, left, right, left_w = plan
    line_h = size / PT_PER_MM * 1.3
    for column_x, lines in ((x, left), (x + left_w + 5.0, right)):
        y = top
        for text, colour, bold in lines:
            sheet.text(column_x, y, text, size, colour=colour, bold=bold)
            y -= line_h
