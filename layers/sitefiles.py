"""Reading a file of candidate sites for batch screening: GeoPackage, shapefile, GeoJSON, CSV with WKT, DXF.

One module, one entry point (:func:`read_sites`): every feature of the file becomes a row of a GeoDataFrame in
EPSG:4326 with ``input_id`` (the file's own id — a ``id``/``fid`` column, the GeoPackage fid, the DXF handle —
or the 1-based position), ``name`` (a ``name``/``名称`` column, the DXF layer) and the file's other columns.
The CRS is the file's (GeoPackage, ``.prj``, GeoJSON) or the one given; CSV and DXF carry none and need
``crs`` unless they are in longitude/latitude. ``GCJ-02`` and ``BD-09`` are accepted as CRS names.

Written for the screening command while the workbench's upload reader (branch ``workbench``,
``layers/imports.py``) has not landed on main; when it does, this module should read through it.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.crs import geometries_bd09_to_wgs84, geometries_gcj02_to_wgs84
from layers.errors import LayersError


class SiteFileError(LayersError):
    """A site file that cannot be read (format, CRS, no geometry column); the message says what to do."""


FORMATS = {".gpkg": "GeoPackage", ".shp": "Shapefile", ".zip": "Shapefile (zip)", ".geojson": "GeoJSON",
           ".json": "GeoJSON", ".csv": "CSV (WKT)", ".txt": "CSV (WKT)", ".dxf": "DXF"}
_ID_FIELDS = ("id", "fid", "ID", "FID", "编号", "parcel_id")
_NAME_FIELDS = ("name", "名称", "名字", "地块名称", "NAME", "Name", "title")
_WKT_FIELDS = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "图形")
_LONLAT_FIELDS = (("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"), ("x", "y"))


def read_sites(path: Path | str, *, crs: str | None = None, layer: str | None = None) -> gpd.GeoDataFrame:
    """Every feature of a site file in EPSG:4326.

    Parameters
    ----------
    path
        The file (``.gpkg``, ``.shp`` or a zipped shapefile, ``.geojson``/``.json``, ``.csv`` with a WKT or
        lon/lat columns, ``.dxf``).
    crs
        The file's CRS where it does not say (``EPSG:4547``, ``4547``, ``GCJ-02``, ``BD-09`` …); a file that
        names its own CRS keeps it.
    layer
        The layer of a multi-layer GeoPackage (default: the first).

    Returns
    -------
    GeoDataFrame (EPSG:4326) with ``input_id`` (str), ``name`` (str or None), the file's columns, ``geometry``
    (None where a feature has none or its WKT is unreadable, ``problem`` then says why).

    Raises
    ------
    SiteFileError
        Unknown format, no geometry, coordinates in an unknown CRS.
    """
    path = Path(path)
    if not path.is_file():
        raise SiteFileError(f"{path}: no such file")
    suffix = path.suffix.lower()
    if suffix not in FORMATS:
        raise SiteFileError(f"{path.name}: unknown site file format {suffix!r}; accepted: "
                            f"{', '.join(sorted(set(FORMATS.values())))}")
    if suffix in (".csv", ".txt"):
        frame, file_crs, ids = _read_csv(path)
    elif suffix == ".dxf":
        frame, file_crs, ids = _read_dxf(path)
    else:
        frame, file_crs, ids = _read_ogr(path, layer)
    frame = _to_wgs84(frame, file_crs, crs, path.name)
    id_column = next((c for c in _ID_FIELDS if c in frame.columns), None)
    if ids is None:
        ids = (frame[id_column].map(_text) if id_column else pd.Series(np.arange(1, len(frame) + 1), index=frame.index)
               .astype(str))
    name_column = next((c for c in _NAME_FIELDS if c in frame.columns), None)
    names = frame[name_column].map(_text) if name_column else pd.Series([None] * len(frame), index=frame.index)
    frame = frame.drop(columns=[c for c in ("input_id", "name") if c in frame.columns])
    frame.insert(0, "input_id", list(ids))
    frame.insert(1, "name", list(names))
    if "problem" not in frame.columns:
        frame["problem"] = None
    missing = frame.geometry.isna().to_numpy() | shapely.is_empty(frame.geometry.values)
    frame.loc[missing & frame["problem"].isna().to_numpy(), "problem"] = "the feature has no geometry"
    return frame.reset_index(drop=True)


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = str(value).strip()
    return text or None


def _read_ogr(path: Path, layer: str | None) -> tuple[gpd.GeoDataFrame, Any, Any]:
    source = f"/vsizip/{path}" if path.suffix.lower() == ".zip" else path
    try:
        frame = gpd.read_file(source, layer=layer, engine="pyogrio", fid_as_index=path.suffix.lower() == ".gpkg")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise SiteFileError(f"{path.name}: cannot read it ({exc})") from exc
    ids = None
    if path.suffix.lower() == ".gpkg" and not any(c in frame.columns for c in _ID_FIELDS):
        ids = [str(i) for i in frame.index]
    return frame, frame.crs, ids


def _read_csv(path: Path) -> tuple[gpd.GeoDataFrame, Any, Any]:
    with open(path, newline="", encoding="utf-8-sig") as handle:
        sample = handle.read(4096)
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        separator = dialect.delimiter
    except csv.Error:
        separator = ","
    table = pd.read_csv(path, sep=separator, encoding="utf-8-sig", dtype=str, keep_default_na=False)
    table = table.replace("", None)
    lower = {c.lower(): c for c in table.columns}
    wkt_column = next((lower[c] for c in _WKT_FIELDS if c in lower), None)
    problems = [None] * len(table)
    if wkt_column is not None:
        geometries = []
        for i, text in enumerate(table[wkt_column].tolist()):
            try:
                geometries.append(shapely.from_wkt(text) if text else None)
            except shapely.errors.GEOSException as exc:
                geometries.append(None)
                problems[i] = f"unreadable WKT ({exc})"
        table = table.drop(columns=[wkt_column])
    else:
        pair = next(((lower[x], lower[y]) for x, y in _LONLAT_FIELDS if x in lower and y in lower), None)
        if pair is None:
            raise SiteFileError(f"{path.name}: no geometry column; give a WKT column ({', '.join(_WKT_FIELDS)}) "
                                "or lon/lat columns")
        x = pd.to_numeric(table[pair[0]], errors="coerce").to_numpy()
        y = pd.to_numeric(table[pair[1]], errors="coerce").to_numpy()
        geometries = [shapely.Point(a, b) if np.isfinite(a) and np.isfinite(b) else None
                      for a, b in zip(x, y, strict=True)]
    frame = gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(geometries, index=table.index), crs=None)
    frame["problem"] = problems
    return frame, None, None


def _read_dxf(path: Path) -> tuple[gpd.GeoDataFrame, Any, Any]:
    import ezdxf

    try:
        document = ezdxf.readfile(path)
    except (OSError, ezdxf.DXFError) as exc:
        raise SiteFileError(f"{path.name}: cannot read it as DXF ({exc})") from exc
    rows, ids = [], []
    for entity in document.modelspace():
        kind = entity.dxftype()
        if kind == "LWPOLYLINE":
            points = [(p[0], p[1]) for p in entity.get_points("xy")]
            closed = bool(entity.closed)
        elif kind == "POLYLINE":
            points = [(v.dxf.location.x, v.dxf.location.y) for v in entity.vertices]
            closed = bool(entity.is_closed)
        elif kind == "LINE":
            points, closed = [(entity.dxf.start.x, entity.dxf.start.y), (entity.dxf.end.x, entity.dxf.end.y)], False
        elif kind == "POINT":
            points, closed = [(entity.dxf.location.x, entity.dxf.location.y)], False
        else:
            continue
        if points and closed and len(points) >= 3:
            if points[0] == points[-1]:
                points = points[:-1]
            geometry = shapely.Polygon(points)
        elif len(points) >= 2:
            geometry = shapely.LineString(points)
        elif points:
            geometry = shapely.Point(points[0])
        else:
            geometry = None
        rows.append({"layer": entity.dxf.layer, "name": entity.dxf.layer, "geometry": geometry})
        ids.append(str(entity.dxf.handle))
    if not rows:
        raise SiteFileError(f"{path.name}: no polylines, lines or points in the DXF model space")
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=None), None, ids


def _to_wgs84(frame: gpd.GeoDataFrame, file_crs: Any, chosen: str | None, filename: str) -> gpd.GeoDataFrame:
    chosen_text = (chosen or "").strip().upper().replace("_", "-")
    if chosen_text.isdigit():
        chosen_text = f"EPSG:{chosen_text}"
    if file_crs is not None:
        frame = frame.to_crs(4326) if frame.crs.to_epsg() != 4326 else frame
        return frame
    if chosen_text in ("GCJ-02", "GCJ02", "BD-09", "BD09"):
        convert = geometries_gcj02_to_wgs84 if chosen_text.startswith("GCJ") else geometries_bd09_to_wgs84
        values = np.asarray(frame.geometry.values, dtype=object)
        present = ~shapely.is_missing(values)
        values[present] = convert(values[present])
        return frame.set_geometry(gpd.GeoSeries(values, index=frame.index), crs=4326)
    if chosen_text:
        try:
            return frame.set_crs(chosen_text, allow_override=True).to_crs(4326)
        except Exception as exc:  # pyproj's CRSError and friends
            raise SiteFileError(f"{filename}: unknown CRS {chosen!r} ({exc})") from exc
    coordinates = shapely.get_coordinates(frame.geometry.values)
    if len(coordinates) and (np.abs(coordinates[:, 0]).max() > 180 or np.abs(coordinates[:, 1]).max() > 90):
        raise SiteFileError(f"{filename}: the coordinates are not longitude/latitude and the file names no CRS; "
                            "say which with --crs (e.g. EPSG:4547 for CGCS2000 3° Gauss–Krüger zone 39)")
    return frame.set_crs(4326, allow_override=True)
