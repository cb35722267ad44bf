"""OGC API – Features helpers: request parsing, feature selection and JSON documents.

The router (:mod:`api.routers.features`) stays thin: it parses with these helpers, selects features from the
store and formats the documents built here. Other routers (exports) reuse :func:`parse_bbox`,
:func:`select_features` and :func:`features_to_geojson`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from api.errors import BadRequestError
from layers.catalogue import GROUP_EN, LayerSpec

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
MEDIA_JSON = "application/json"
MEDIA_GEOJSON = "application/geo+json"
MEDIA_HTML = "text/html"
MEDIA_OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
EPSG4326 = "http://www.opengis.net/def/crs/EPSG/0/4326"
#: bbox-crs values accepted → whether the bbox is latitude first
BBOX_CRS = {CRS84: False, "http://www.opengis.net/def/crs/OGC/1.3/CRS84h": False, "CRS84": False,
            "OGC:CRS84": False, EPSG4326: True, "EPSG:4326": True}
#: query parameters a download reads besides the items parameters (see api.routers.exports)
EXPORT_PARAMETERS = ("crs", "geometry")
CONFORMANCE_CLASSES = [
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/html",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
]
#: decimals kept in GeoJSON coordinates (7 decimals of a degree ≈ 1 cm)
COORDINATE_DECIMALS = 7
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
#: query parameters of /items that are not property filters
ITEMS_PARAMETERS = ("f", "bbox", "bbox-crs", "limit", "offset", "datetime")
_JSON_SCHEMA_TYPES = {"date": ("string", "date")}


# ---------------------------------------------------------------------------------------------- parsing
def shown(text: str, width: int = 60) -> str:
    """A user-given value quoted for an error message, shortened when long."""
    return repr(text if len(text) <= width else text[: width - 1] + "…")


def parse_bbox(
    text: str | None, *, strict: bool = False, map_area: tuple[float, float, float, float] | None = None,
    lat_first: bool = False,
) -> tuple[float, float, float, float] | None:
    """Parse a ``bbox`` parameter; the one parser every router uses.

    Four numbers ``minLon,minLat,maxLon,maxLat`` or six ``minLon,minLat,minHeight,maxLon,maxLat,maxHeight``
    (heights checked, then dropped: the layers are 2D), in CRS84.

    Parameters
    ----------
    strict
        Require min < max (a map frame needs an area); the OGC items filter accepts a degenerate box and a
        box crossing the antimeridian (minLon > maxLon, as OGC API – Features allows).
    map_area
        When given, the box must overlap it (the plan's map area).
    lat_first
        The numbers give latitude before longitude (``bbox-crs=EPSG:4326``); the result is lon/lat.

    Raises
    ------
    BadRequestError
        When the value does not hold four or six finite numbers inside ±180/±90 with min ≤ max (min < max
        when strict; minLon > maxLon allowed when not strict), or misses the map area.
    """
    if text is None:
        return None
    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (4, 6):
        raise BadRequestError(
            f"bbox {shown(text)}: expected 4 comma-separated numbers (four numbers minLon,minLat,maxLon,maxLat) "
            f"or 6 (with heights), got {len(parts)}"
        )
    axis = ("minLat", "minLon", "maxLat", "maxLon") if lat_first else ("minLon", "minLat", "maxLon", "maxLat")
    names = axis if len(parts) == 4 else (axis[0], axis[1], "minHeight", axis[2], axis[3], "maxHeight")
    values: list[float] = []
    for name, part in zip(names, parts, strict=True):
        try:
            value = float(part)
        except ValueError:
            raise BadRequestError(
                f"bbox {shown(text)}: {name} {shown(part)} is not a number; give four numbers "
                "minLon,minLat,maxLon,maxLat"
            ) from None
        if not math.isfinite(value):
            raise BadRequestError(f"bbox {shown(text)}: {name} must be a finite number, got {shown(part)}")
        values.append(value)
    if len(values) == 6:
        if values[2] > values[5]:
            raise BadRequestError(f"bbox {shown(text)}: minHeight {values[2]} is greater than maxHeight {values[5]}")
        values = [values[0], values[1], values[3], values[4]]
    if lat_first:
        values = [values[1], values[0], values[3], values[2]]
    x0, y0, x1, y1 = values
    order = "latitude first, as bbox-crs EPSG:4326 says" if lat_first else "longitude first, then latitude"
    for name, value, limit in (("minLon", x0, 180), ("maxLon", x1, 180), ("minLat", y0, 90), ("maxLat", y1, 90)):
        if abs(value) > limit:
            raise BadRequestError(f"bbox {shown(text)}: {name} {value} is outside -{limit}..{limit} ({order})")
    pairs = [(y0, y1, "minLat", "maxLat")]
    if strict or x0 <= x1:
        pairs.insert(0, (x0, x1, "minLon", "maxLon"))
    for low, high, lo_name, hi_name in pairs:
        if low > high or (strict and low == high):
            relation = "greater than" if low > high else "equal to"
            raise BadRequestError(f"bbox {shown(text)}: {lo_name} {low} is {relation} {hi_name} {high} (need min < max)")
    if map_area is not None:
        a0, b0, a1, b1 = map_area
        if x1 < a0 or x0 > a1 or y1 < b0 or y0 > b1:
            raise BadRequestError(
                f"bbox {shown(text)} lies outside the plan's map area {a0},{b0},{a1},{b1}: it does not overlap it"
            )
    return (x0, y0, x1, y1)


def parse_frame_bbox(
    text: str | None, map_area: tuple[float, float, float, float]
) -> tuple[float, float, float, float] | None:
    """A map frame or export selection: optional (blank = none), with an area, overlapping the map area."""
    if text is None or not text.strip():
        return None
    return parse_bbox(text, strict=True, map_area=map_area)


def parse_bbox_crs(text: str | None) -> bool:
    """Whether ``bbox-crs`` puts latitude first: False for CRS84 (the default), True for EPSG:4326.

    EPSG:4326's axis order is latitude, longitude; a client naming it means its bbox is lat/lon.
    """
    if text is None:
        return False
    value = text.strip()
    if value not in BBOX_CRS:
        raise BadRequestError(f"bbox-crs {shown(text)} is not supported; use {CRS84} (longitude, latitude) "
                              f"or {EPSG4326} (latitude, longitude)")
    return BBOX_CRS[value]


def parse_datetime(text: str | None) -> None:
    """Check a ``datetime`` parameter: an RFC 3339 date or date-time, or an interval ``start/end`` whose ends
    may be ``..`` or empty (open). The layers carry no time, so a valid value selects every feature.

    Raises
    ------
    BadRequestError
        When the value is neither.
    """
    if text is None:
        return
    ends = text.split("/")
    if len(ends) > 2 or not text.strip():
        raise BadRequestError(f"datetime {shown(text)}: give an RFC 3339 instant (2024-05-01T12:00:00Z, "
                              "2024-05-01) or an interval start/end ('..' for an open end)")
    parsed = []
    for end in ends:
        end = end.strip()
        if len(ends) == 2 and end in ("", ".."):
            parsed.append(None)
            continue
        try:
            if len(end) == 10:
                parsed.append(dt.datetime.combine(dt.date.fromisoformat(end), dt.time(), dt.UTC))
            elif "T" in end.upper() and len(end) >= 19:
                value = dt.datetime.fromisoformat(end.upper().replace("Z", "+00:00"))
                parsed.append(value if value.tzinfo else value.replace(tzinfo=dt.UTC))
            else:
                raise ValueError(end)
        except ValueError:
            raise BadRequestError(
                f"datetime {shown(text)}: {shown(end)} is not an RFC 3339 date or date-time "
                "(2024-05-01T12:00:00Z, 2024-05-01; '..' for an open end)") from None
    if len(parsed) == 2 and parsed[0] is None and parsed[1] is None:
        raise BadRequestError(f"datetime {shown(text)}: an interval needs at least one end")
    if len(parsed) == 2 and None not in parsed and parsed[0] > parsed[1]:
        raise BadRequestError(f"datetime {shown(text)}: the interval starts after it ends")


def parse_int(name: str, text: str | None, *, default: int, minimum: int, maximum: int | None = None) -> int:
    """Parse a non-negative integer query parameter with bounds, with a message naming the parameter."""
    if text is None or text.strip() == "":
        return default
    try:
        value = int(text.strip())
    except ValueError:
        raise BadRequestError(f"{name} {shown(text)} is not an integer") from None
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and {maximum}" if maximum is not None else ""
        phrase = f"between {minimum}{upper}" if maximum is not None else f"at least {minimum}"
        raise BadRequestError(f"{name} must be {phrase}, got {shown(str(value))}")
    return value


# ---------------------------------------------------------------------------------------------- selection
def _matches(column: pd.Series, raw: str, name: str) -> np.ndarray:
    """Equality of a column with a query-string value, typed by the column."""
    if pd.api.types.is_bool_dtype(column):
        lowered = raw.strip().lower()
        if lowered not in {"true", "false", "1", "0"}:
            raise BadRequestError(f"property filter {name}={shown(raw)}: expected true or false")
        return (column == (lowered in {"true", "1"})).to_numpy()
    if pd.api.types.is_numeric_dtype(column):
        try:
            number = float(raw)
        except ValueError:
            raise BadRequestError(f"property filter {name}={shown(raw)}: {name} is numeric, give a number") from None
        return (column.astype(float) == number).to_numpy()
    text = column.map(lambda v: None if _is_missing(v) else str(json_safe(v)))
    return (text == raw).to_numpy()


def select_features(
    frame: gpd.GeoDataFrame,
    bbox: tuple[float, float, float, float] | None = None,
    filters: Mapping[str, str] | None = None,
) -> gpd.GeoDataFrame:
    """Features intersecting ``bbox`` and equal to every property filter, in store order.

    Parameters
    ----------
    frame
        A layer from the store (EPSG:4326).
    bbox
        ``(min_lon, min_lat, max_lon, max_lat)`` or None.
    filters
        ``{column: value}`` equality filters on property columns.
    """
    mask = np.ones(len(frame), dtype=bool)
    if bbox is not None and len(frame):
        x0, y0, x1, y1 = bbox
        # minLon > maxLon crosses the antimeridian: the box is two boxes, east and west of it
        boxes = [(x0, y0, x1, y1)] if x0 <= x1 else [(x0, y0, 180.0, y1), (-180.0, y0, x1, y1)]
        in_box = np.zeros(len(frame), dtype=bool)
        for a, b, c, d in boxes:
            # the envelope of the corners: a point or a line when the box is degenerate, so it still intersects
            query = shapely.envelope(shapely.multipoints([(a, b), (c, d)]))
            in_box[frame.sindex.query(query, predicate="intersects")] = True
        mask &= in_box
    for name, raw in (filters or {}).items():
        if name not in frame.columns or name == frame.geometry.name:
            raise BadRequestError(f"unknown property {name!r} to filter on")
        mask &= _matches(frame[name], raw, name)
    return frame[mask]


def property_filters(
    params: Iterable[tuple[str, str]], frame: gpd.GeoDataFrame, *, known: Iterable[str] = ITEMS_PARAMETERS
) -> dict[str, str]:
    """Split query parameters into property filters; unknown names raise with the list of allowed ones."""
    known = set(known)
    columns = [c for c in frame.columns if c != frame.geometry.name]
    filters: dict[str, str] = {}
    for name, value in params:
        if name in known:
            continue
        if name not in columns:
            allowed = ", ".join(list(ITEMS_PARAMETERS) + columns)
            raise BadRequestError(f"unknown query parameter {shown(name)}; allowed: {allowed}")
        if name in filters and filters[name] != value:
            raise BadRequestError(f"property filter {name!r} given twice with different values")
        filters[name] = value
    return filters


# ---------------------------------------------------------------------------------------------- JSON values
def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NaT or value is pd.NA:
        return True
    if isinstance(value, float | np.floating):
        return not math.isfinite(float(value))
    return False


def json_safe(value: Any) -> Any:
    """A value JSON can carry: numpy scalars to Python, NaN/inf/NA to None, dates to ISO 8601 strings."""
    if _is_missing(value):
        return None
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value)
    if isinstance(value, str):
        return value
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, np.datetime64):
        return None if np.isnat(value) else pd.Timestamp(value).isoformat()
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | np.ndarray):
        return [json_safe(v) for v in value]
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, shapely.Geometry):
        return value.wkt
    return str(value)


def _round_coordinates(coords: np.ndarray) -> np.ndarray:
    return np.round(coords, COORDINATE_DECIMALS)


def geometries_to_geojson(geoms: Iterable[Any]) -> list[dict | None]:
    """GeoJSON geometry dicts with coordinates rounded to :data:`COORDINATE_DECIMALS` decimals."""
    array = np.asarray(list(geoms), dtype=object)
    rounded = shapely.transform(array, _round_coordinates) if len(array) else array
    return [None if g is None or g.is_empty else g.__geo_interface__ for g in rounded]


def feature_properties(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """Each row's non-geometry columns as JSON-safe dicts."""
    attributes = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    return [{str(k): json_safe(v) for k, v in row.items()} for row in attributes.to_dict("records")]


def features_to_geojson(frame: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """GeoJSON Feature dicts (EPSG:4326), ``id`` = the store's feature id."""
    if frame.crs is not None and frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    geometries = geometries_to_geojson(frame.geometry.values)
    properties = feature_properties(frame)
    return [
        {"type": "Feature", "id": str(fid), "geometry": geometry, "properties": props}
        for fid, geometry, props in zip(frame.index, geometries, properties, strict=True)
    ]


# ---------------------------------------------------------------------------------------------- metadata
def now_iso() -> str:
    """The current time, UTC, ISO 8601 with a Z."""
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def layer_attribution(spec: LayerSpec) -> str:
    """The attribution to show with a layer; OSM layers always carry ``© OpenStreetMap contributors``."""
    attribution = spec.provenance.attribution or f"{spec.provenance.source} ({spec.provenance.licence})"
    if spec.osm_derived and "openstreetmap contributors" not in attribution.lower():
        attribution = f"{OSM_ATTRIBUTION}; {attribution}"
    return attribution


def fields_schema(spec: LayerSpec) -> dict[str, Any]:
    """The layer's declared fields as a JSON-Schema-like object description."""
    properties: dict[str, Any] = {}
    for name, field in spec.fields.items():
        json_type, fmt = _JSON_SCHEMA_TYPES.get(field.type, (field.type, None))
        entry: dict[str, Any] = {"type": json_type}
        if fmt:
            entry["format"] = fmt
        if field.title_zh:
            entry["title"] = field.title_zh
        if field.title_en:
            entry["x-title-en"] = field.title_en
        properties[name] = entry
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name, field in spec.fields.items() if field.required],
    }


def layer_extent(frame: gpd.GeoDataFrame, fallback: Iterable[float]) -> list[float]:
    """WGS84 bounds of the data (the plan's map area when the layer is empty)."""
    if len(frame) == 0:
        return [float(v) for v in fallback]
    return [round(float(v), COORDINATE_DECIMALS) for v in frame.total_bounds]


def layer_description(spec: LayerSpec) -> str:
    """English title, description and provenance in one sentence block."""
    prov = spec.provenance
    parts = [spec.title.en + ("" if spec.title.en.endswith(".") else ".")]
    if spec.schematic:
        parts.append("SCHEMATIC (drawn from plan texts, not surveyed).")
    if spec.description:
        parts.append(spec.description.strip())
    parts.append(
        f"Source: {prov.source}. Licence: {prov.licence}. Method: {prov.method}. "
        f"Stated accuracy: ±{prov.accuracy_m:g} m."
    )
    return " ".join(parts)


def link(href: str, rel: str, media_type: str, title: str) -> dict[str, str]:
    return {"href": href, "rel": rel, "type": media_type, "title": title}


def url(base: str, path: str, **params: Any) -> str:
    """``base + path`` with query parameters (None values dropped)."""
    query = urlencode([(k, v) for k, v in params.items() if v is not None])
    return f"{base}{path}" + (f"?{query}" if query else "")


def quote_id(value: str) -> str:
    """A path segment for an id (collection or feature)."""
    return quote(str(value), safe="")


def collection_document(spec: LayerSpec, frame: gpd.GeoDataFrame, base: str, map_area: Iterable[float]) -> dict:
    """The ``/collections/{id}`` JSON document (OGC core members plus planmap extras)."""
    path = f"/collections/{quote_id(spec.id)}"
    return {
        "id": spec.id,
        "title": spec.title.zh,
        "title_en": spec.title.en,
        "description": layer_description(spec),
        "extent": {"spatial": {"bbox": [layer_extent(frame, map_area)], "crs": CRS84}},
        "itemType": "feature",
        "crs": [CRS84],
        "storageCrs": CRS84,
        "links": [
            link(url(base, path, f="json"), "self", MEDIA_JSON, f"{spec.title.zh} (JSON)"),
            link(url(base, path, f="html"), "alternate", MEDIA_HTML, f"{spec.title.zh} (HTML)"),
            link(url(base, f"{path}/items", f="json"), "items", MEDIA_GEOJSON, f"{spec.title.zh} 要素 (GeoJSON)"),
            link(url(base, f"{path}/items", f="html"), "items", MEDIA_HTML, f"{spec.title.zh} 要素 (HTML)"),
        ],
        "group": spec.group,
        "group_en": GROUP_EN.get(spec.group, spec.group),
        "geometry_type": spec.geometry_type,
        "schematic": spec.schematic,
        "numberOfFeatures": len(frame),
        "provenance": spec.provenance.model_dump(),
        "attribution": layer_attribution(spec),
        "source_crs": spec.source_crs,
        "fields": fields_schema(spec),
        "style": spec.style.model_dump(),
        "zone_kind": spec.zone_kind,
        "visible": spec.visible,
    }
