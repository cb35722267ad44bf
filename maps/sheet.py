"""Print-quality map sheets and check reports drawn with matplotlib: PNG, SVG and PDF.

A sheet has a title block, the map drawn in a metric CRS (so that the scale bar and the numeric scale are
right), a legend built from the catalogue styles (with category colours), a scale bar in metres, a north
arrow turned to true north, the data sources of the layers shown (with "© OpenStreetMap contributors" where
OSM data is shown), the map and data dates and a note on schematic layers.

The functions here receive loaded data and a font family already registered with matplotlib
(:func:`layers.fonts.find_cjk_font`); they open no files or URLs and return bytes. Output is deterministic:
the same input gives the same bytes (no timestamps; fixed SVG ids; fixed font subsetting).
"""

from __future__ import annotations

import functools
import io
import math
import threading
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import matplotlib
import numpy as np
import shapely
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Rectangle
from matplotlib.patches import Polygon as PolygonPatch
from pyproj import CRS, Transformer

from layers.catalogue import GROUP_EN, GROUPS, LayerSpec
from maps import vocabulary

Format = Literal["png", "svg", "pdf"]
Lang = Literal["zh", "en"]
FORMATS: tuple[Format, ...] = ("png", "svg", "pdf")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH

#: limits of a sheet: dpi, side length in mm, and pixels of a raster sheet
MIN_DPI, MAX_DPI = 50, 300
MIN_SIDE_MM, MAX_SIDE_MM = 50.0, 1189.0
MAX_PIXELS = 40_000_000

STATUS_COLOURS = {
    "pass": "#1a9641", "fail": "#d7191c", "needs-data": "#e08a00", "manual": "#5e6c84",
    "incomplete": "#e08a00",
}
HIGHLIGHT = "#d7301f"
#: the measurements a check report lists under its map, in this order (labels from the vocabulary)
REPORT_MEASURES = ("length_m", "width_mean_m", "width_min_m", "width_max_m", "area_m2")

_RENDER_LOCK = threading.Lock()


class SheetError(ValueError):
    """A sheet cannot be drawn as asked (size, dpi, format, nothing to draw); the message says why."""


# ---------------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class PageSize:
    """Paper size in millimetres and the resolution of raster output."""

    width_mm: float = 297.0
    height_mm: float = 210.0
    dpi: int = 150

    @property
    def pixels(self) -> tuple[int, int]:
        """Pixel size of a raster sheet (truncated, as matplotlib does)."""
        return (int(round(self.width_mm / MM_PER_INCH * self.dpi, 6)),
                int(round(self.height_mm / MM_PER_INCH * self.dpi, 6)))


def page_size(
    width: float | None = None, height: float | None = None, *, unit: str = "mm", dpi: int | None = None,
    fmt: Format = "png",
) -> PageSize:
    """Validate a requested sheet size (``unit`` ``mm`` or ``px``) and dpi; A4 landscape at 150 dpi by default.

    Raises
    ------
    SheetError
        dpi outside 50–300, a side outside 50–1189 mm (A0), or a raster sheet over 40 million pixels.
    """
    dpi = 150 if dpi is None else dpi
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise SheetError(f"dpi must be between {MIN_DPI} and {MAX_DPI}, got {dpi}")
    if unit not in ("mm", "px"):
        raise SheetError(f"unit must be 'mm' or 'px', got {unit!r}")
    factor = MM_PER_INCH / dpi if unit == "px" else 1.0
    for name, value in (("width", width), ("height", height)):
        if value is None:
            continue
        in_mm = float(value) * factor
        if not (math.isfinite(in_mm) and MIN_SIDE_MM <= in_mm <= MAX_SIDE_MM):
            raise SheetError(
                f"{name} must be between {MIN_SIDE_MM:g} and {MAX_SIDE_MM:g} mm "
                f"(or the same in px at the given dpi), got {value:g} {unit}"
            )
    default_w, default_h = (297.0, 210.0)
    width_mm = None if width is None else float(width) * factor
    height_mm = None if height is None else float(height) * factor
    if width_mm is None and height_mm is None:
        width_mm, height_mm = default_w, default_h
    elif width_mm is None:
        width_mm = min(MAX_SIDE_MM, height_mm * default_w / default_h)
    elif height_mm is None:
        height_mm = max(MIN_SIDE_MM, width_mm * default_h / default_w)
    page = PageSize(width_mm, height_mm, int(dpi))
    if fmt == "png":
        w_px, h_px = page.pixels
        if w_px * h_px > MAX_PIXELS:
            raise SheetError(
                f"a {w_px}×{h_px} px image is too large (over {MAX_PIXELS // 1_000_000} million pixels); "
                "lower the dpi or the size, or export PDF/SVG"
            )
    return page


@dataclass(frozen=True)
class MapLayer:
    """A layer to draw: its catalogue entry and its features (EPSG:4326)."""

    spec: LayerSpec
    frame: gpd.GeoDataFrame


@dataclass(frozen=True)
class SheetInfo:
    """The words on a sheet."""

    title: str
    subtitle: str | None = None
    lang: Lang = "zh"
    #: date the sheet is made (ISO date); an input so that a sheet can be rebuilt byte for byte
    map_date: str = ""
    data_date: str | None = None
    #: extra attribution lines (for example the plan's own)
    notes: tuple[str, ...] = field(default_factory=tuple)


# ---------------------------------------------------------------------------------------------------- text helpers
def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


@functools.lru_cache(maxsize=8192)
def _char_em(char: str) -> float:
    # ambiguous-width characters (“ ” · — …) are drawn full width by CJK fonts
    if unicodedata.east_asian_width(char) in ("W", "F", "A"):
        return 1.0
    if char.isspace():
        return 0.3
    if char.isupper() or char.isdigit():
        return 0.62
    return 0.52


def _em(text: str) -> float:
    return sum(_char_em(c) for c in text)


def text_width_mm(text: str, size_pt: float) -> float:
    """Estimated width of one line of text (CJK characters are one em wide, Latin about half)."""
    return _em(text) * size_pt / PT_PER_MM


def wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """Wrap ``text`` to ``width_mm``: between words for Latin text, between any characters for CJK."""
    limit = width_mm * PT_PER_MM / size_pt  # in em
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for token in _tokens(paragraph):
            token_em = _em(token)
            if token in _NO_LINE_START or not line or used + _em(token.rstrip()) <= limit:
                line, used = line + token, used + token_em
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
            while _em(line) > limit and len(line) > 1:
                cut = _fit(line, width_mm, size_pt)
                lines.append(line[:cut])
                line = line[cut:]
            used = _em(line)
        lines.append(line.rstrip())
    return lines


_NO_LINE_START = set("，。、；：？！）》」』】〕,.;:?!)]}%")


def _fit(text: str, width_mm: float, size_pt: float) -> int:
    total = 0.0
    for index, char in enumerate(text):
        total += _char_em(char) * size_pt / PT_PER_MM
        if total > width_mm:
            return max(1, index)
    return len(text)


def _tokens(text: str) -> list[str]:
    """Words (with their trailing space) and single CJK characters."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _ellipsize(text: str, width_mm: float, size_pt: float) -> str:
    if text_width_mm(text, size_pt) <= width_mm:
        return text
    return text[: max(1, _fit(text, width_mm - text_width_mm("…", size_pt), size_pt))] + "…"


# ---------------------------------------------------------------------------------------------------- styles
def _rgba(colour: str | None, alpha: float) -> tuple[float, float, float, float]:
    from matplotlib.colors import to_rgba

    try:
        return to_rgba(colour or "#3388ff", alpha)
    except ValueError:
        return to_rgba("#3388ff", alpha)


def _linewidth(weight: float, scale: float) -> float:
    return max(0.3, weight * 0.5 * scale)


def _dashes(spec: LayerSpec) -> Any:
    text = spec.style.dash_array
    if not text:
        return "solid"
    try:
        parts = [float(v) for v in text.replace(",", " ").split()]
    except ValueError:
        return "solid"
    if not parts or any(v < 0 for v in parts) or sum(parts) == 0:
        return "solid"
    if len(parts) % 2:
        parts = parts * 2
    weight = max(spec.style.weight, 1.0)
    return (0, tuple(v / weight for v in parts))


def _kind(frame: gpd.GeoDataFrame, spec: LayerSpec) -> str:
    """``polygon``, ``line`` or ``point``: how the layer is drawn and shown in the legend."""
    declared = spec.geometry_type
    if declared != "Geometry":
        return "polygon" if "Polygon" in declared else "line" if "Line" in declared else "point"
    types = set(frame.geom_type) if len(frame) else {"Polygon"}
    if types & {"Polygon", "MultiPolygon"}:
        return "polygon"
    if types & {"LineString", "MultiLineString"}:
        return "line"
    return "point"


def _category_colours(spec: LayerSpec, frame: gpd.GeoDataFrame) -> list[str]:
    style = spec.style
    if style.category_field and style.category_field in frame.columns and style.categories:
        return [style.categories.get(str(v), style.color) for v in frame[style.category_field]]
    return [style.color] * len(frame)


def _has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


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


# ---------------------------------------------------------------------------------------------------- geometry helpers
def _metric_extent(extent: tuple[float, float, float, float], metric_crs: CRS) -> tuple[float, float, float, float]:
    to_metric = Transformer.from_crs(4326, metric_crs, always_xy=True)
    return to_metric.transform_bounds(*extent, densify_pts=21)


def _fit_extent(bounds: tuple[float, float, float, float], aspect: float, margin: float = 0.04,
                min_size_m: float = 300.0) -> tuple[float, float, float, float]:
    """Grow metric ``bounds`` by a margin and to the frame's ``aspect`` (width/height), centred."""
    x0, y0, x1, y1 = bounds
    cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
    w = max(x1 - x0, min_size_m) * (1 + 2 * margin)
    h = max(y1 - y0, min_size_m) * (1 + 2 * margin)
    if w / h < aspect:
        w = h * aspect
    else:
        h = w / aspect
    return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2


def _nice_length(target_m: float) -> float:
    exponent = math.floor(math.log10(target_m))
    for step in (5, 2, 1):
        value = step * 10**exponent
        if value <= target_m:
            return float(value)
    return float(10**exponent)


def _format_metres(value: float, lang: Lang) -> str:
    if value >= 1000:
        km = value / 1000
        return f"{km:g} km" if lang == "en" else f"{km:g} 千米"
    return f"{value:g} m" if lang == "en" else f"{value:g} 米"


def _true_north_degrees(metric_crs: CRS, lon: float, lat: float) -> float:
    """Clockwise angle from grid north to true north at (lon, lat) in ``metric_crs``."""
    to_metric = Transformer.from_crs(4326, metric_crs, always_xy=True)
    x0, y0 = to_metric.transform(lon, lat)
    x1, y1 = to_metric.transform(lon, lat + 0.01)
    return math.degrees(math.atan2(x1 - x0, y1 - y0))


def _crs_label(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"{crs.name} (EPSG:{code})" if code else crs.name


# ---------------------------------------------------------------------------------------------------- drawing
class _Sheet:
    """One figure in millimetre coordinates, with helpers to place text and symbols."""

    def __init__(self, page: PageSize, font_family: str) -> None:
        self.page = page
        self.font_family = font_family
        self.fig = Figure(figsize=(page.width_mm / MM_PER_INCH, page.height_mm / MM_PER_INCH), dpi=page.dpi)
        self.fig.patch.set_facecolor("white")
        #: base text size in points, grown with the paper (8 pt on A4)
        self.base_pt = float(np.clip(min(page.width_mm, page.height_mm) / 210.0 * 8.0, 6.0, 16.0))
        self.canvas_ax = self.fig.add_axes((0, 0, 1, 1))
        self.canvas_ax.set_xlim(0, page.width_mm)
        self.canvas_ax.set_ylim(0, page.height_mm)
        self.canvas_ax.axis("off")
        self.canvas_ax.set_zorder(5)
        self.canvas_ax.patch.set_alpha(0)

    def text(self, x: float, y: float, text: str, size: float, *, bold: bool = False, colour: str = "#222222",
             ha: str = "left", va: str = "top", **kwargs: Any) -> None:
        """Text at (x, y) mm from the bottom-left corner of the sheet."""
        self.canvas_ax.text(x, y, text, fontsize=size, fontweight="bold" if bold else "normal", color=colour,
                            ha=ha, va=va, family=[self.font_family, "DejaVu Sans"], **kwargs)

    def axes_mm(self, x: float, y: float, w: float, h: float):
        page_w, page_h = self.page.width_mm, self.page.height_mm
        return self.fig.add_axes((x / page_w, y / page_h, w / page_w, h / page_h))

    def save(self, fmt: Format, title: str) -> bytes:
        buffer = io.BytesIO()
        if fmt == "png":
            metadata = {"Software": "planmap", "Title": title}
        elif fmt == "svg":
            metadata = {"Date": None, "Creator": "planmap", "Title": title}
        else:
            metadata = {"CreationDate": None, "ModDate": None, "Creator": "planmap", "Producer": "planmap",
                        "Title": title}
        self.fig.savefig(buffer, format=fmt, dpi=self.page.dpi, metadata=metadata, facecolor="white")
        return buffer.getvalue()


def _rc() -> dict[str, Any]:
    return {
        # Type 3 keeps the text layer (ToUnicode) and subsets in milliseconds; Type 42 re-parses the whole
        # CJK collection with fontTools on every save (about 3 s)
        "pdf.fonttype": 3,
        "svg.fonttype": "path",
        "svg.hashsalt": "planmap",
        # titles and feature names are user data: "$" must print as a dollar sign, not start mathtext
        "text.parse_math": False,
        "axes.unicode_minus": False,
        "path.simplify": True,
        "agg.path.chunksize": 20000,
    }


def _draw_layers(ax, layers: Sequence[MapLayer], metric_crs: CRS, view: tuple[float, float, float, float],
                 line_scale: float) -> list[tuple[MapLayer, gpd.GeoDataFrame]]:
    """Draw layers (polygons, then lines, then points); return each with its features in view (metric)."""
    x0, y0, x1, y1 = view
    pad = 0.05 * max(x1 - x0, y1 - y0)
    drawn: list[tuple[MapLayer, gpd.GeoDataFrame]] = []
    order = {"polygon": 0, "line": 1, "point": 2}
    #: within a kind: base context at the bottom, plan layers above it, transport and projects on top
    group_rank = {"基础": 0, "规划结构": 1, "商圈与夜经济": 2, "交通": 3, "重点项目": 4}
    prepared = []
    for index, layer in enumerate(layers):
        if layer.frame is None or len(layer.frame) == 0:
            continue
        metric = layer.frame.to_crs(metric_crs)
        geoms = metric.geometry.values
        keep = shapely.intersects(geoms, shapely.box(x0 - pad, y0 - pad, x1 + pad, y1 + pad))
        metric = metric[keep & ~shapely.is_empty(geoms)]
        if len(metric) == 0:
            continue
        kind = _kind(metric, layer.spec)
        rank = group_rank.get(layer.spec.group, 2) * 100 + index
        prepared.append((order[kind], rank, kind, layer, metric))
    for _, index, kind, layer, metric in sorted(prepared, key=lambda item: (item[0], item[1])):
        style = layer.spec.style
        colours = _category_colours(layer.spec, metric)
        z = 2 + index * 0.001
        lw = _linewidth(style.weight, line_scale)
        if kind == "polygon":
            faces = [_rgba(c if style.category_field else (style.fill_color or c), style.fill_opacity)
                     for c in colours]
            edges = [_rgba(c, style.opacity) for c in colours]
            metric.plot(ax=ax, facecolor=faces, edgecolor="none", linewidth=0, zorder=z)
            metric.boundary.plot(ax=ax, color=edges, linewidth=lw, linestyle=_dashes(layer.spec), zorder=z + 1)
        elif kind == "line":
            metric.plot(ax=ax, color=[_rgba(c, style.opacity) for c in colours], linewidth=lw,
                        linestyle=_dashes(layer.spec), zorder=z + 2, capstyle="round", joinstyle="round")
        else:
            fill = style.fill_color
            faces = [_rgba(fill if fill else c, style.fill_opacity if fill else 1.0) for c in colours]
            size = (max(style.radius, 1.0) * 1.2 * line_scale) ** 2
            metric.plot(ax=ax, color=faces, edgecolor=[_rgba(c, style.opacity) for c in colours],
                        linewidth=max(0.4, 0.8 * line_scale), markersize=size, zorder=z + 4)
        drawn.append((layer, metric))
    return drawn


class _LabelPlacer:
    """Greedy label placement: a label is drawn only where it overlaps no label drawn before."""

    def __init__(self, ax, view, frame_mm: tuple[float, float], font_family: str) -> None:
        self.ax = ax
        self.view = view
        self.mm_per_m = frame_mm[0] / (view[2] - view[0])
        self.boxes: list[tuple[float, float, float, float]] = []
        self.font_family = font_family

    def place(self, x: float, y: float, text: str, size: float, *, dx_mm: float = 0.0, bold: bool = False,
              colour: str = "#222222", ha: str = "left") -> bool:
        x0, y0, x1, y1 = self.view
        if not (x0 <= x <= x1 and y0 <= y <= y1) or not text:
            return False
        w = text_width_mm(text, size) / self.mm_per_m
        h = size / PT_PER_MM * 1.25 / self.mm_per_m
        left = x + dx_mm / self.mm_per_m if ha == "left" else x - w / 2
        box = (left, y - h / 2, left + w, y + h / 2)
        if box[2] > x1 or box[0] < x0 or box[1] < y0 or box[3] > y1:
            return False
        if any(box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in self.boxes):
            return False
        self.boxes.append(box)
        _halo_text(self.ax, left, y, text, fontsize=size, va="center", ha="left", color=colour, zorder=30,
                   fontweight="bold" if bold else "normal", family=[self.font_family, "DejaVu Sans"])
        return True


def _halo_text(ax, x: float, y: float, text: str, **kwargs: Any) -> None:
    """Text with a white halo. The halo is a separate outline underneath, so that the text itself stays
    text (searchable in PDF and SVG) rather than being turned into paths by the path effect."""
    from matplotlib import patheffects

    halo = dict(kwargs, color="white", zorder=kwargs.get("zorder", 30) - 0.01)
    ax.text(x, y, text, path_effects=[patheffects.Stroke(linewidth=2.4, foreground="white")], **halo)
    ax.text(x, y, text, **kwargs)


def _labels(frame: gpd.GeoDataFrame, field_name: str, lang: Lang) -> list[str | None]:
    """Label text per feature: the English field (``name_en``) on English sheets where it has a value."""
    def clean(value: Any) -> str | None:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            return None
        text = str(value).strip()
        return text or None

    own = [clean(v) for v in frame[field_name]] if field_name in frame.columns else [None] * len(frame)
    english = f"{field_name}_en"
    if lang == "en" and english in frame.columns:
        return [clean(en) or zh for en, zh in zip(frame[english], own, strict=True)]
    return own


def _draw_labels(placer: _LabelPlacer, drawn, size: float, max_labels: int, lang: Lang) -> None:
    """Label point and polygon features of layers with few features in view (base layers stay unlabelled)."""
    ranked = sorted(drawn, key=lambda item: (item[0].spec.group == "基础", -GROUPS.index(item[0].spec.group)))
    for layer, metric in ranked:
        field_name = layer.spec.style.label_field
        kind = _kind(metric, layer.spec)
        if kind == "line" or field_name not in metric.columns or len(metric) > max_labels:
            continue
        if layer.spec.group == "基础":
            continue
        anchors = shapely.point_on_surface(metric.geometry.values)
        for anchor, text in zip(anchors, _labels(metric, field_name, lang), strict=True):
            if text is None:
                continue
            if kind == "point":
                placer.place(anchor.x, anchor.y, text, size, dx_mm=1.6)
            else:
                placer.place(anchor.x, anchor.y, text, size, ha="center", colour="#333333")


def _scale_bar(ax, view, frame_mm: tuple[float, float], size: float, lang: Lang, font_family: str) -> None:
    x0, y0, x1, y1 = view
    width_m = x1 - x0
    length = _nice_length(width_m / 4.5)
    mm_per_m = frame_mm[0] / width_m
    pad = 4.0 / mm_per_m
    bar_h = 1.6 / mm_per_m
    bx, by = x0 + pad, y0 + pad + 3.2 / mm_per_m
    ax.add_patch(Rectangle((bx - 2.0 / mm_per_m, y0 + pad - 1.5 / mm_per_m),
                           length + 4.0 / mm_per_m
                           + text_width_mm(_format_metres(length, lang), size * 0.85) / 2 / mm_per_m,
                           (bar_h + 6.5 / mm_per_m), facecolor=(1, 1, 1, 0.85), edgecolor="none", zorder=40))
    segments = 4
    for i in range(segments):
        ax.add_patch(Rectangle((bx + i * length / segments, by), length / segments, bar_h,
                               facecolor="#222222" if i % 2 == 0 else "white", edgecolor="#222222",
                               linewidth=0.6, zorder=41))
    family = [font_family, "DejaVu Sans"]
    for i, value in ((0, 0.0), (segments // 2, length / 2), (segments, length)):
        label = _format_metres(value, lang) if i == segments else f"{value:g}"
        ax.text(bx + i * length / segments, by - 0.6 / mm_per_m, label, fontsize=size * 0.85, ha="center",
                va="top", zorder=42, family=family)


def _north_arrow(ax, view, frame_mm: tuple[float, float], rotation_deg: float, size: float, lang: Lang,
                 font_family: str) -> None:
    x0, y0, x1, y1 = view
    mm_per_m = frame_mm[0] / (x1 - x0)
    length = 11.0 / mm_per_m
    cx = x1 - 9.0 / mm_per_m
    cy = y1 - 18.0 / mm_per_m
    angle = math.radians(rotation_deg)
    dx, dy = math.sin(angle) * length, math.cos(angle) * length
    half_w = 3.2 / mm_per_m
    tip = (cx + dx / 2, cy + dy / 2)
    base = (cx - dx / 2, cy - dy / 2)
    nx, ny = math.cos(angle) * half_w, -math.sin(angle) * half_w
    left = PolygonPatch([tip, (base[0] - nx, base[1] - ny), (cx - dx * 0.25, cy - dy * 0.25)], closed=True,
                        facecolor="#222222", edgecolor="#222222", linewidth=0.6, zorder=41)
    right = PolygonPatch([tip, (base[0] + nx, base[1] + ny), (cx - dx * 0.25, cy - dy * 0.25)], closed=True,
                         facecolor="white", edgecolor="#222222", linewidth=0.6, zorder=41)
    ax.add_patch(Circle((cx, cy + 1.6 / mm_per_m), 8.6 / mm_per_m, facecolor=(1, 1, 1, 0.8), edgecolor="none",
                        zorder=40))
    ax.add_patch(left)
    ax.add_patch(right)
    _halo_text(ax, tip[0], tip[1] + 1.0 / mm_per_m, "N" if lang == "en" else "北", fontsize=size * 1.15,
               ha="center", va="bottom", fontweight="bold", zorder=42, family=[font_family, "DejaVu Sans"])


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


def attribution_lines(specs: Sequence[LayerSpec], lang: Lang) -> tuple[list[str], bool]:
    """Source credits of the layers shown (layers sharing a source on one line), and whether any is OSM."""
    grouped: dict[tuple[str, str], list[str]] = {}
    osm = False
    for spec in specs:
        prov = spec.provenance
        osm = osm or spec.osm_derived
        title = spec.title.zh if lang == "zh" else spec.title.en
        titles = grouped.setdefault((prov.source, prov.licence), [])
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


def _present(layers: Sequence[MapLayer], extent: tuple[float, float, float, float]) -> list[LayerSpec]:
    """Layers with features in (a generous margin around) the extent: those the footer must credit."""
    x0, y0, x1, y1 = extent
    dx, dy = (x1 - x0) * 0.5, (y1 - y0) * 0.5
    box = shapely.box(x0 - dx, y0 - dy, x1 + dx, y1 + dy)
    return [layer.spec for layer in layers
            if layer.frame is not None and len(layer.frame)
            and bool(shapely.intersects(layer.frame.geometry.values, box).any())]


def _map_frame(sheet: _Sheet, x: float, y: float, w: float, h: float, layers: Sequence[MapLayer],
               extent: tuple[float, float, float, float], metric_crs: CRS, lang: Lang,
               highlight: gpd.GeoDataFrame | None, highlight_colour: str, extra: Sequence[MapLayer] = (),
               min_size_m: float = 300.0):
    """Draw the map into a frame at (x, y, w, h) mm; return what was drawn, the view and the scale."""
    ax = sheet.axes_mm(x, y, w, h)
    view = _fit_extent(_metric_extent(extent, metric_crs), w / h, min_size_m=min_size_m)
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    ax.set_aspect("equal", adjustable="box")
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_facecolor("#fbfbf8")
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)
        spine.set_color("#333333")
    line_scale = sheet.base_pt / 8.0
    drawn = _draw_layers(ax, list(layers) + list(extra), metric_crs, view, line_scale)
    placer = _LabelPlacer(ax, view, (w, h), sheet.font_family)
    if highlight is not None and len(highlight):
        metric = highlight.to_crs(metric_crs)
        geoms = metric.geometry.values
        kinds = set(metric.geom_type)
        if kinds & {"Polygon", "MultiPolygon"}:
            metric.plot(ax=ax, facecolor=_rgba(highlight_colour, 0.18), edgecolor=highlight_colour,
                        linewidth=2.2 * line_scale, zorder=20)
        elif kinds & {"LineString", "MultiLineString"}:
            metric.plot(ax=ax, color=highlight_colour, linewidth=3.0 * line_scale, zorder=20)
        else:
            metric.plot(ax=ax, color=highlight_colour, edgecolor="white", markersize=(7 * line_scale) ** 2,
                        linewidth=1.0, zorder=21, marker="*")
        for anchor, text in zip(shapely.point_on_surface(geoms), _labels(metric, "name", lang), strict=True):
            if text is not None:
                placer.place(anchor.x, anchor.y, text, sheet.base_pt * 1.05, dx_mm=2.5, bold=True,
                             colour=highlight_colour)
    max_labels = max(6, int(w * h / 1500))
    _draw_labels(placer, drawn, sheet.base_pt * 0.78, max_labels, lang)
    _scale_bar(ax, view, (w, h), sheet.base_pt * 0.9, lang, sheet.font_family)
    centre = Transformer.from_crs(metric_crs, 4326, always_xy=True).transform(
        (view[0] + view[2]) / 2, (view[1] + view[3]) / 2)
    _north_arrow(ax, view, (w, h), _true_north_degrees(metric_crs, *centre), sheet.base_pt, lang,
                 sheet.font_family)
    scale_denominator = (view[2] - view[0]) * 1000.0 / w
    ax.set_xlabel("")
    ax.set_ylabel("")
    ax.set_xlim(view[0], view[2])
    ax.set_ylim(view[1], view[3])
    return drawn, view, scale_denominator


# ---------------------------------------------------------------------------------------------------- sheets
def render_map_sheet(
    layers: Sequence[MapLayer],
    *,
    extent: tuple[float, float, float, float],
    metric_crs: CRS,
    info: SheetInfo,
    font_family: str,
    page: PageSize = PageSize(),
    fmt: Format = "png",
    highlight: gpd.GeoDataFrame | None = None,
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
        A CJK family registered with matplotlib (see :func:`layers.fonts.find_cjk_font`).
    page
        Paper size and dpi (validate with :func:`page_size`).
    fmt
        ``png``, ``svg`` or ``pdf``.
    highlight
        Features (EPSG:4326) to emphasise and label, e.g. the selected zone or project.

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

        credits, osm = attribution_lines(present, lang)
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
            highlight=highlight, highlight_colour=HIGHLIGHT)

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


# ---------------------------------------------------------------------------------------------------- check report
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
    page: PageSize = PageSize(210.0, 297.0, 150),
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
        y = _criteria_table(sheet, criteria, margin, y, page_w - 2 * margin, margin + 16.0, lang)
        warnings = [str(w) for w in report.get("warnings") or []]
        credits, osm = attribution_lines([layer.spec for layer, _ in drawn], lang)
        # most important first: what is cut for lack of room is the tail of the source list
        footer: list[str] = [
            f"{_t(lang, '比例尺', 'Scale')} 1:{_round_scale(scale)} · {_crs_label(metric_crs)}"
            + (f" · {_t(lang, '制图日期', 'Date')} {info.map_date}" if info.map_date else "")
            + (f" · {_t(lang, '数据日期', 'Data')} {info.data_date}" if info.data_date else "")
        ]
        if warnings:
            footer.append(_t(lang, "提示：", "Warnings: ") + _t(lang, "；", "; ").join(warnings))
        if osm:
            footer.append("© OpenStreetMap contributors (ODbL)")
        footer.append(_t(lang, "数据来源：", "Sources: ") + _t(lang, "；", "; ").join(credits))
        small = base * 0.7
        lines: list[str] = []
        for item in footer:
            lines.extend(wrap(item, page_w - 2 * margin, small))
        available = max(1, int((y - margin) / (small / PT_PER_MM * 1.3)))
        if len(lines) > available:
            lines = lines[: available - 1] + [lines[available - 1][:-1] + "…"]
        sheet.text(margin, margin, "\n".join(lines), small, colour="#333333", va="bottom", linespacing=1.25)
        return sheet.save(fmt, info.title)


def _clip_lines(lines: list[str], most: int) -> list[str]:
    if len(lines) <= most:
        return lines
    return [*lines[: most - 1], lines[most - 1].rstrip("…") + "…"]


def _criteria_table(sheet: _Sheet, criteria: list[dict[str, Any]], x: float, top: float, width: float,
                    bottom: float, lang: Lang) -> float:
    """Draw the criteria table from ``top`` down; shrink text to fit; return the y below the table."""
    headers = [vocabulary.word(f"label.{key}", lang)
               for key in ("criterion", "result", "value", "requirement", "method_source")]
    fractions = [0.22, 0.10, 0.14, 0.14, 0.40]
    widths = [width * f for f in fractions]
    for shrink in (1.0, 0.9, 0.8, 0.7, 0.6):
        size = sheet.base_pt * 0.85 * shrink
        line_h = size / PT_PER_MM * 1.3
        rows = []
        for criterion in criteria:
            title = str(criterion.get("title_zh") if lang == "zh" else criterion.get("title_en")
                        or criterion.get("title_zh") or criterion.get("id"))
            status = str(criterion.get("status", ""))
            note = str(criterion.get("method") or "")
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
                _clip_lines(wrap(note, widths[4] - 2, size * 0.9), 3),
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
    for (status, cells, _, _), height in zip(rows, heights, strict=True):
        if y - height < bottom:
            sheet.text(x, y - 0.8, _t(lang, f"…另有 {len(rows)} 项中未显示的指标，见 JSON 报告",
                                      "… more criteria in the JSON report"), size)
            y -= line_h
            break
        cx = x
        for index, (lines, w) in enumerate(zip(cells, widths, strict=True)):
            if index == 1:
                colour = STATUS_COLOURS.get(status, "#555555")
                ax.add_patch(Rectangle((cx + 0.6, y - line_h - 0.9), w - 2.4, line_h + 0.2, facecolor=colour,
                                       edgecolor="none"))
                sheet.text(cx + w / 2 - 0.6, y - 0.9 - line_h / 2 + 0.1, lines[0], size * 0.95, bold=True,
                           colour="white", ha="center", va="center")
            else:
                text_size = size * 0.9 if index == 4 else size
                sheet.text(cx + 1.0, y - 0.8, "\n".join(lines), text_size,
                           colour="#444444" if index == 4 else "#222222", linespacing=1.2)
            cx += w
        y -= height
        ax.add_line(Line2D([x, x + width], [y, y], color="#cccccc", linewidth=0.5))
    return y - 2.0


__all__ = [
    "FORMATS", "MEDIA_TYPES", "MapLayer", "PageSize", "SheetError", "SheetInfo", "attribution_lines",
    "page_size", "render_check_report", "render_map_sheet", "report_site_frame", "text_width_mm", "wrap",
]

