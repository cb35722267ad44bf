"""Map labels and the search index of a page, computed server-side from the plan.

- :func:`label_points`: where each feature's permanent label sits (a point inside a polygon, the middle of a
  line, the point itself) and its text (Chinese first; English with ``lang=en`` where the feature has a
  ``name_en``). The page runtime places them without overlaps and drops what does not fit at the zoom shown.
- :func:`search_entries`: every named feature of the page's layers and every named street, with its pinyin
  initials and full pinyin (``dgj`` / ``dongguanjie`` find 东关街) when :mod:`pypinyin` is installed, and the
  box to zoom to.

Which layers are labelled, and how prominently, follows their **roles** (never a plan's layer ids).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import shapely
from shapely.ops import polylabel

from geo.crs import wgs84_to_gcj02
from layers.catalogue import LayerSpec

try:  # optional: pinyin initials in the search box
    from pypinyin import Style, lazy_pinyin
except ImportError:  # pragma: no cover - the search still finds Chinese and English names
    lazy_pinyin = None
    Style = None

#: label rank by role (1 is placed first), the zoom a layer's labels start at, and the label's class
LABEL_ROLES: tuple[tuple[str, float, int, str], ...] = (
    ("axis", 1.0, 0, "pm-label-plan"),
    ("plan_elements", 1.2, 0, "pm-label-plan"),
    ("commercial_areas", 2.0, 0, "pm-label-area"),
    ("subdistricts", 3.0, 0, "pm-label-sub"),
    ("transit_stations", 4.0, 14, "pm-label-station"),
    ("projects", 5.0, 16, "pm-label-project"),
)


def label_rule(store: Any, spec: LayerSpec) -> dict[str, Any] | None:
    """How the layer's labels are placed (rank, min zoom, class), or None when the layer has no labels."""
    for role, rank, min_zoom, cls in LABEL_ROLES:
        if spec.id in store.role_layers(role):
            return {"rank": rank, "min_zoom": min_zoom, "cls": cls}
    return None


def feature_name(row: dict[str, Any], spec: LayerSpec, lang: str) -> str | None:
    """The name a planner reads: ``name_en`` on English pages where there is one, else the label field."""
    if lang == "en":
        value = row.get("name_en")
        if isinstance(value, str) and value.strip():
            return value.strip()
    for key in (spec.style.label_field, "name"):
        value = row.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()
    return None


def _anchor(geom: shapely.Geometry) -> shapely.Point | None:
    if geom is None or geom.is_empty:
        return None
    kind = geom.geom_type
    if kind == "Point":
        return geom
    if kind == "MultiPoint":
        return shapely.get_geometry(geom, 0)
    if kind in ("LineString", "MultiLineString"):
        line = geom
        if kind == "MultiLineString":
            merged = shapely.line_merge(geom)
            parts = list(getattr(merged, "geoms", [merged]))
            line = max(parts, key=lambda g: g.length)
        return line.interpolate(0.5, normalized=True)
    if kind in ("Polygon", "MultiPolygon"):
        poly = max(getattr(geom, "geoms", [geom]), key=lambda g: g.area)
        try:
            tolerance = max(math.sqrt(poly.area) / 50.0, 1e-6)
            return polylabel(poly, tolerance=tolerance)
        except Exception:  # noqa: BLE001 - a degenerate ring: fall back to a point on the surface
            return poly.representative_point()
    return geom.representative_point()


def _shift(lon: float, lat: float, datum: str) -> tuple[float, float]:
    if datum != "gcj02":
        return lon, lat
    xs, ys = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    return float(xs[0]), float(ys[0])


def label_points(frame: Any, spec: LayerSpec, lang: str, datum: str = "wgs84",
                 emphasis: str | None = None) -> list[list[Any]]:
    """``[[lon, lat, text, emphasised, extent_m], …]`` for every named feature (EPSG:4326, or GCJ-02)."""
    out: list[list[Any]] = []
    if frame is None or not len(frame):
        return out
    rows = frame.drop(columns="geometry").to_dict("records")
    for geom, row in zip(frame.geometry.values, rows, strict=True):
        text = feature_name(row, spec, lang)
        point = _anchor(geom)
        if not text or point is None:
            continue
        lon, lat = _shift(point.x, point.y, datum)
        x0, y0, x1, y1 = geom.bounds
        extent_m = max((x1 - x0) * 111_320.0 * math.cos(math.radians(lat)), (y1 - y0) * 110_540.0)
        strong = bool(emphasis and row.get(emphasis) is True)
        out.append([round(lon, 6), round(lat, 6), text, strong, round(extent_m)])
    return out


def pinyin_keys(text: str) -> tuple[str, str]:
    """(initials, full pinyin) of the Chinese characters in ``text``: 东关街 → ("dgj", "dongguanjie")."""
    if lazy_pinyin is None or not text:
        return "", ""
    hanzi = "".join(c for c in text if "\u4e00" <= c <= "\u9fff")
    if not hanzi:
        return "", ""
    full = lazy_pinyin(hanzi)
    return "".join(p[:1] for p in full).lower(), "".join(full).lower()


def search_entries(store: Any, specs: Sequence[LayerSpec], lang: str, datum: str,
                   titles: dict[str, str]) -> list[list[Any]]:
    """The page's search index: ``[name, name_en, initials, pinyin, layer_id, layer_title, [x0, y0, x1, y1]]``.

    Features with the same name in one layer (the segments of a street) become one entry with their joint box.
    """
    entries: dict[tuple[str, str], list[Any]] = {}
    for spec in specs:
        frame = store.layer(spec.id)
        if not len(frame):
            continue
        rows = frame.drop(columns="geometry").to_dict("records")
        bounds = shapely.bounds(frame.geometry.values)
        for row, box in zip(rows, bounds, strict=True):
            name = feature_name(row, spec, "zh")
            if not name or not np.all(np.isfinite(box)):
                continue
            key = (spec.id, name)
            entry = entries.get(key)
            if entry is None:
                name_en = row.get("name_en") if isinstance(row.get("name_en"), str) else ""
                initials, full = pinyin_keys(name)
                entries[key] = [name, name_en or "", initials, full, spec.id, titles.get(spec.id, spec.id),
                                [float(v) for v in box]]
            else:
                old = entry[6]
                entry[6] = [min(old[0], box[0]), min(old[1], box[1]), max(old[2], box[2]), max(old[3], box[3])]
    out = []
    for entry in entries.values():
        x0, y0, x1, y1 = entry[6]
        a = _shift(x0, y0, datum)
        b = _shift(x1, y1, datum)
        entry[6] = [round(a[0], 5), round(a[1], 5), round(b[0], 5), round(b[1], 5)]
        out.append(entry)
    return out


def named_only(frame: Any, columns: Iterable[str] = ("name",)) -> Any:
    """The features that have a name (for the quiet street lines under a tile-free map)."""
    mask = np.zeros(len(frame), dtype=bool)
    for column in columns:
        if column in frame.columns:
            values = frame[column]
            mask |= values.notna().to_numpy() & (values.astype(str).str.strip() != "").to_numpy()
    return frame[mask]
