"""The map sheet: title block, the map frame, the legend and the footer on one page."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

import geopandas as gpd
import matplotlib
import numpy as np
from matplotlib.lines import Line2D
from pyproj import CRS

from maps import citations, vocabulary
from maps.sheet.drawing import _map_frame, _present
from maps.sheet.legend import (
    _draw_footer,
    _draw_legend,
    _legend_entries,
    _plan_footer,
    _round_scale,
    _side_notes,
    attribution_lines,
)
from maps.sheet.paper import (
    _RENDER_LOCK,
    A4_LANDSCAPE,
    FORMATS,
    PT_PER_MM,
    Format,
    MapLayer,
    PageSize,
    SheetError,
    SheetInfo,
    _rc,
    _Sheet,
)

HIGHLIGHT = "#d7301f"


def render_map_sheet(
    layers: Sequence[MapLayer],
    *,
    extent: tuple[float, float, float, float],
    metric_crs: CRS,
    info: SheetInfo,
    font_family: str,
    page: PageSize = A4_LANDSCAPE,
    fmt: Format = "png",
    highlight: gpd.GeoDataFrame | None = None,
    scale: int | None = None,
) -> bytes:
    """Draw a map sheet of ``layers`` framed on ``extent`` (EPSG:4326 bbox) and return PNG, SVG or PDF bytes.

    Parameters
    ----------
    layers
        Layers in catalogue order (drawn polygons first, then lines, then points; base layers lowest).
    extent
        (min_lon, min_lat, max_lon, max_lat) to frame; grown to the map frame's shape.
    metric_crs
        The projected CRS to draw in (the plan's UTM zone): the scale bar and scale are true in it.
    info
        Title, subtitle, language, dates and notes.
    font_family
        A CJK family registered with matplotlib (see :func:`maps.sheet.fonts.find_cjk_font`).
    page
        Paper size and dpi (validate with :func:`page_size`).
    fmt
        ``png``, ``svg`` or ``pdf``.
    highlight
        Features (EPSG:4326) to emphasise and label, e.g. the selected zone or project.
    scale
        A scale denominator (5000 for 1:5,000): the map is drawn at exactly that scale around the extent's
        centre, and the sheet says so.

    Raises
    ------
    SheetError
        Unknown format, or no feature of any layer lies in the extent.
    """
    if fmt not in FORMATS:
        raise SheetError(f"unknown map format {fmt!r}; use one of: {', '.join(FORMATS)}")
    lang = info.lang
    present = _present(layers, extent)
    if not present and (highlight is None or len(highlight) == 0):
        raise SheetError("nothing to draw: no feature of the chosen layers lies in the map extent")
    with _RENDER_LOCK, matplotlib.rc_context(_rc()):
        sheet = _Sheet(page, font_family)
        page_w, page_h = page.width_mm, page.height_mm
        base = sheet.base_pt
        margin = max(6.0, min(page_w, page_h) * 0.035)
        title_size = base * 2.0
        title_h = title_size / PT_PER_MM * 1.25 + (base * 1.05 / PT_PER_MM * 1.5 if info.subtitle else 0.0)
        top = page_h - margin - title_h - 3.0
        inner_w = page_w - 2 * margin
        line_scale = base / 8.0

        docs = citations.documents(
            [layer.spec.provenance.source for layer in layers]
            + [str(v) for layer in layers if "source" in layer.frame.columns
               for v in layer.frame["source"].dropna().unique()])
        credits, osm = attribution_lines(present, lang, docs)
        if scale:
            info = replace(info, notes=(*info.notes, vocabulary.word("sheet.scale_chosen", lang).replace(
                "{scale}", f"{scale:,}")))
        placeholder = _side_notes(info, present, metric_crs, "00 000", osm)
        footer_size, footer = _plan_footer(sheet, inner_w, (top - margin) * 0.24, credits, placeholder, lang)
        footer_top = margin + footer[0]
        body_bottom = footer_top + 4.0

        landscape = page_w >= page_h * 1.05
        if landscape:
            panel_w = float(np.clip(page_w * 0.25, 50.0, 150.0))
            map_box = (margin, body_bottom, inner_w - panel_w - 5.0, top - body_bottom)
        else:
            panel_h = float(np.clip((top - body_bottom) * 0.30, 35.0, 300.0))
            map_box = (margin, body_bottom + panel_h + 4.0, inner_w, top - body_bottom - panel_h - 4.0)
        drawn, view, scale_denominator = _map_frame(
            sheet, *map_box, layers=layers, extent=extent, metric_crs=metric_crs, lang=lang,
            highlight=highlight, highlight_colour=HIGHLIGHT, scale=scale)

        # title block and rules
        sheet.text(margin, page_h - margin, info.title, title_size, bold=True)
        if info.subtitle:
            sheet.text(margin, page_h - margin - title_size / PT_PER_MM * 1.3, info.subtitle, base * 1.05,
                       colour="#555555")
        rule = dict(color="#333333", linewidth=0.8)
        sheet.canvas_ax.add_line(Line2D([margin, page_w - margin], [top + 1.5, top + 1.5], **rule))
        sheet.canvas_ax.add_line(Line2D([margin, page_w - margin], [footer_top + 2.0, footer_top + 2.0],
                                        color="#999999", linewidth=0.5))

        entries = _legend_entries(drawn, lang)
        if landscape:
            _draw_legend(sheet, page_w - margin - panel_w, top - 1.0, panel_w, body_bottom, entries, lang,
                         line_scale, max_columns=3)
        else:
            _draw_legend(sheet, margin, body_bottom + panel_h, inner_w, body_bottom, entries, lang, line_scale,
                         max_columns=4)
        notes = _side_notes(info, present, metric_crs, _round_scale(scale_denominator), osm)
        _, footer = _plan_footer(sheet, inner_w, (top - margin) * 0.24, credits, notes, lang)
        _draw_footer(sheet, margin, footer_top, footer_size, footer)
        return sheet.save(fmt, info.title)
