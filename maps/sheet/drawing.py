"""The map frame: layer styles, the layers drawn in a metric CRS, labels, scale bar and north arrow."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import shapely
from matplotlib.patches import Circle, Rectangle
from matplotlib.patches import Polygon as PolygonPatch
from pyproj import CRS, Transformer

from layers.catalogue import GROUPS, LayerSpec
from maps.sheet.paper import PT_PER_MM, Lang, MapLayer, _Sheet
from maps.sheet.text import text_width_mm


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
               min_size_m: float = 300.0, scale: float | None = None):
    """Draw the map into a frame at (x, y, w, h) mm; return what was drawn, the view and the scale.

    ``scale`` (a denominator, 5000 for 1:5,000) frames the map at exactly that scale around the extent's centre.
    """
    ax = sheet.axes_mm(x, y, w, h)
    if scale:
        mx0, my0, mx1, my1 = _metric_extent(extent, metric_crs)
        cx, cy = (mx0 + mx1) / 2, (my0 + my1) / 2
        half_w, half_h = w * scale / 1000.0 / 2, h * scale / 1000.0 / 2
        view = (cx - half_w, cy - half_h, cx + half_w, cy + half_h)
    else:
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
