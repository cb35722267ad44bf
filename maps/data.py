"""Layer data for the map pages: simplified for the zoom shown, rounded, shifted to the basemap's datum, compact.

A layer becomes one GeoJSON text that goes into the page once. Properties that are the same for every feature of
a layer (often the provenance) are sent once per layer as ``common``. Results are cached per store, so a warm
page build does no geometry work.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import geometries_wgs84_to_gcj02, wgs84_to_gcj02
from layers.catalogue import LayerSpec
from maps import citations

Datum = Literal["wgs84", "gcj02"]
PROVENANCE = ("source", "method", "accuracy_m")


def js_json(value: Any) -> str:
    """JSON that is safe inside an HTML ``<script>`` element (no ``</script>``, no HTML-significant characters)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_plain)
    return (text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (pd.Timestamp,)):
        return value.isoformat()
    return str(value)


def geometry_kind(spec: LayerSpec, frame: gpd.GeoDataFrame | None = None) -> str:
    """'point', 'line' or 'polygon': how the layer is drawn and shown in the legend."""
    kind = spec.geometry_type
    if kind == "Geometry" and frame is not None and len(frame):
        kind = str(frame.geom_type.iloc[0])
    if "Point" in kind:
        return "point"
    if "Line" in kind:
        return "line"
    return "polygon"


def zoom_for_bounds(bounds: tuple[float, float, float, float], width_px: int = 900, height_px: int = 650) -> int:
    """The Web Mercator zoom at which ``bounds`` fits a map of the given size (as Leaflet's fitBounds picks)."""
    x0, y0, x1, y1 = bounds
    width = max(x1 - x0, 1e-6)
    lat0, lat1 = (max(min(v, 85.0), -85.0) for v in (y0, y1))

    def merc(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    height = max(merc(lat1) - merc(lat0), 1e-9)
    zoom_x = math.log2(width_px * 360.0 / (256.0 * width))
    zoom_y = math.log2(height_px * 2 * math.pi / (256.0 * height))
    return int(max(0, min(19, math.floor(min(zoom_x, zoom_y)))))


def tolerance_for_zoom(zoom: int) -> float:
    """Simplification tolerance (degrees): half a screen pixel two zoom levels closer than the one shown."""
    return 0.5 * 360.0 / (256.0 * 2 ** (zoom + 2))


@dataclass(frozen=True)
class LayerPayload:
    """One layer ready for a page."""

    geojson: str  # FeatureCollection text, safe inside <script>
    common: dict[str, Any]  # properties shared by every feature
    count: int  # features in the layer (before merging)
    kind: str
    bounds: tuple[float, float, float, float] | None




def shipped_columns(spec: LayerSpec, frame: gpd.GeoDataFrame) -> list[str]:
    """The properties a page needs: id, label, category, declared fields, provenance, schematic flag."""
    wanted = ["id", spec.style.label_field, "name", "name_en", spec.style.category_field,
              *spec.fields, *PROVENANCE, "schematic"]
    return [c for c in dict.fromkeys(w for w in wanted if w) if c in frame.columns and c != "geometry"]


def _clean(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return None
        return round(value, 2)
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(v) for v in value]
    if isinstance(value, (str, int, bool, dict)):
        return value
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return str(value)


def _round(decimals: int):
    def apply(coords: np.ndarray) -> np.ndarray:
        return np.round(coords, decimals)

    return apply


def layer_payload(store: Any, spec: LayerSpec, *, zoom: int, datum: Datum = "wgs84",
                  frame: gpd.GeoDataFrame | None = None) -> LayerPayload:
    """The layer as compact GeoJSON for a map shown at ``zoom``, in the basemap's datum.

    Parameters
    ----------
    store
        The plan (its ``layer(id)`` gives the features, EPSG:4326); payloads are kept in its ``map_cache``
        (a dict the application layer owns) when it has one.
    spec
        The layer's catalogue entry.
    zoom
        Zoom level the page opens at; lines and polygons are simplified to well under a pixel there.
    datum
        ``"gcj02"`` shifts every coordinate for Amap tiles; ``"wgs84"`` leaves them (OSM, Tianditu, none).
    frame
        Features to use instead of the whole layer (not cached).
    """
    key = (spec.id, zoom, datum)
    per_store = None
    if frame is None:
        per_store = getattr(store, "map_cache", None)
        if per_store is not None and key in per_store:
            return per_store[key]
        frame = store.layer(spec.id)
    payload = _build(spec, frame, zoom=zoom, datum=datum, docs=citations.plan_documents(store))
    if per_store is not None:
        per_store[key] = payload
    return payload


#: line layers with more features than this are merged into one feature per distinct set of attributes
MERGE_LINES_ABOVE = 300


def merge_lines(frame: gpd.GeoDataFrame, columns: list[str]) -> gpd.GeoDataFrame:
    """One (multi)line per distinct combination of the shipped attributes (segments of a street become one).

    Per-segment measures (float columns such as ``length``) are summed; the merged feature keeps the id of its
    first segment. This is what keeps a street network of thousands of edges to a few hundred kilobytes.
    """
    measures = [c for c in columns if c != "accuracy_m" and pd.api.types.is_float_dtype(frame[c])]
    keys = [c for c in columns if c not in ("id", *measures)]
    if not keys:
        return frame
    table = frame[keys].astype(object).where(frame[keys].notna(), "\x00")  # groupby-safe missing values
    codes = table.astype(str).agg("\x1f".join, axis=1)
    groups = pd.Series(np.arange(len(frame)), index=frame.index).groupby(codes.values, sort=False)
    rows, geoms = [], []
    for _, positions in groups:
        idx = positions.to_numpy()
        first = frame.iloc[idx[0]]
        row = {c: first[c] for c in keys}
        row["id"] = first["id"] if "id" in frame.columns else str(frame.index[idx[0]])
        for c in measures:
            row[c] = float(frame[c].iloc[idx].sum(skipna=True))
        rows.append(row)
        parts = frame.geometry.values[idx]
        geoms.append(shapely.line_merge(shapely.multilinestrings(parts)) if len(idx) > 1 else parts[0])
    merged = gpd.GeoDataFrame(rows, geometry=geoms, crs=frame.crs)
    return merged[[c for c in columns if c in merged.columns] + ["geometry"]]


def _readable_records(spec: LayerSpec, records: dict[str, list[Any]], docs: dict[str, str]) -> None:
    """Sources and methods as citations; working notes (seed numbers, file paths, id lists) left out."""
    keep = {"id", "name", "name_en", spec.style.label_field, spec.style.category_field, spec.style.emphasis_field}
    for column, values in records.items():
        if column in ("source", "method"):
            records[column] = [citations.readable(v, docs) if isinstance(v, str) else v for v in values]
        elif column not in keep:
            records[column] = [None if citations.internal(v) else v for v in values]


def _build(spec: LayerSpec, frame: gpd.GeoDataFrame, *, zoom: int, datum: Datum,
           docs: dict[str, str] | None = None) -> LayerPayload:
    kind = geometry_kind(spec, frame)
    source_count = len(frame)
    if kind == "line" and len(frame) > MERGE_LINES_ABOVE:
        frame = merge_lines(frame, shipped_columns(spec, frame))
    geoms = frame.geometry.values
    if len(frame):
        if kind != "point":
            geoms = shapely.simplify(geoms, tolerance_for_zoom(zoom), preserve_topology=True)
        if datum == "gcj02":
            geoms = geometries_wgs84_to_gcj02(geoms)
        geoms = shapely.transform(geoms, _round(6 if kind == "point" else 5))
    columns = shipped_columns(spec, frame)
    records = {c: [_clean(v) for v in frame[c].tolist()] for c in columns}
    _readable_records(spec, records, docs or {})
    common: dict[str, Any] = {}
    for column in list(records):
        values = records[column]
        if column != "id" and len(values) > 1 and all(v == values[0] for v in values):
            common[column] = values[0]
            del records[column]
    geometry_texts = shapely.to_geojson(geoms) if len(frame) else []
    parts = []
    for i, geometry_text in enumerate(geometry_texts):
        props = {c: records[c][i] for c in records if records[c][i] is not None}
        parts.append('{"type":"Feature","properties":' + js_json(props) + ',"geometry":' + geometry_text + "}")
    text = '{"type":"FeatureCollection","features":[' + ",".join(parts) + "]}"
    bounds = tuple(float(v) for v in shapely.total_bounds(geoms)) if len(frame) else None
    return LayerPayload(geojson=text, common=common, count=source_count, kind=kind, bounds=bounds)


def shift_bounds(bounds: tuple[float, float, float, float], datum: Datum) -> tuple[float, float, float, float]:
    """Bounds in the page's datum."""
    if datum != "gcj02":
        return bounds
    xs, ys = wgs84_to_gcj02(np.array([bounds[0], bounds[2]]), np.array([bounds[1], bounds[3]]))
    return (float(xs[0]), float(ys[0]), float(xs[1]), float(ys[1]))
