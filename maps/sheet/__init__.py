"""Print-quality map sheets and check reports drawn with matplotlib: PNG, SVG and PDF.

A sheet has a title block, the map drawn in a metric CRS (so that the scale bar and the numeric scale are
right), a legend built from the catalogue styles (with category colours), a scale bar in metres, a north
arrow turned to true north, the data sources of the layers shown (with "© OpenStreetMap contributors" where
OSM data is shown), the map and data dates and a note on schematic layers.

The drawing functions receive loaded data and a font family already registered with matplotlib
(:func:`maps.sheet.fonts.find_cjk_font`); they open no files or URLs and return bytes. Output is deterministic:
the same input gives the same bytes (no timestamps; fixed SVG ids; fixed font subsetting).

Modules, by concern:

- :mod:`~maps.sheet.paper` — formats, units and size limits, the inputs (:class:`PageSize`, :class:`MapLayer`,
  :class:`SheetInfo`) and the millimetre canvas;
- :mod:`~maps.sheet.text` — text widths and wrapping (CJK and Latin);
- :mod:`~maps.sheet.drawing` — the map frame: layer styles, layers, labels, scale bar, north arrow;
- :mod:`~maps.sheet.legend` — legend, data sources and the footer notes;
- :mod:`~maps.sheet.map_sheet` — :func:`render_map_sheet`;
- :mod:`~maps.sheet.report` — :func:`render_check_report`, the check report PDF;
- :mod:`~maps.sheet.fonts` — finding and registering a CJK font (the only module that reads files).
"""

from __future__ import annotations

from maps.sheet.fonts import CjkFont, find_cjk_font
from maps.sheet.legend import attribution_lines
from maps.sheet.map_sheet import render_map_sheet
from maps.sheet.paper import (
    FORMATS,
    MEDIA_TYPES,
    Format,
    Lang,
    MapLayer,
    PageSize,
    SheetError,
    SheetInfo,
    page_size,
)
from maps.sheet.report import render_check_report, report_site_frame
from maps.sheet.text import text_width_mm, wrap

__all__ = [
    "FORMATS", "MEDIA_TYPES", "CjkFont", "Format", "Lang", "MapLayer", "PageSize", "SheetError", "SheetInfo",
    "attribution_lines", "find_cjk_font", "page_size", "render_check_report", "render_map_sheet",
    "report_site_frame", "text_width_mm", "wrap",
]
