"""Write a layer or a selection of it to a file: GeoJSON, GeoPackage, KML, CSV and DXF (CAD).

Every format keeps all attributes and Chinese text (UTF-8; CSV with a BOM so that Excel reads it). Coordinates
are EPSG:4326 unless a projected CRS is asked for, such as CGCS2000 / 3-degree Gauss–Krüger CM 123E
(EPSG:4550) for Dalian; CAD drawings default to the CGCS2000 Gauss–Krüger zone of the data. GeoJSON,
GeoPackage, KML (LIBKML) and CSV are written by GDAL through pyogrio. DXF is written with ezdxf because GDAL's
DXF driver keeps no attributes: each feature becomes CAD entities on a layer named after the collection (or
``<layer>-<category>``), a text label with its name on a ``<layer>-注记`` layer, and all its attributes as
XDATA (application ``PLANMAP``), which CAD users read with ``LIST``/``XDLIST``. The drawing is DXF R2004 in
code page ANSI_936 (GBK), which AutoCAD, Chinese CAD programs and GDAL/QGIS all decode correctly.

Exports are written to a file (the caller picks a temporary directory) so that large layers stream back
without being built in memory.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError

from layers.catalogue import LayerSpec
from layers.errors import ExportError

WGS84_EPSG = 4326
#: XDATA application name under which DXF entities carry their attributes
DXF_APPID = "PLANMAP"
#: GeoPackage version written (GDAL 3.6 warns on 1.4, GDAL ≥ 3.9's default)
GPKG_VERSION = "1.2"
DXF_LABEL_SUFFIX = "-注记"
CsvGeometry = Literal["wkt", "xy"]


@dataclass(frozen=True)
class ExportFormat:
    """One export format: GDAL driver (None = written here), file extension, media type."""

    key: str
    extension: str
    media_type: str
    driver: str | None
    title: str
    #: the format can only hold WGS84 longitude/latitude
    wgs84_only: bool = False
    #: the format needs metric coordinates (CAD drawings are in metres)
    projected_only: bool = False


FORMATS: dict[str, ExportFormat] = {
    "geojson": ExportFormat("geojson", "geojson", "application/geo+json", "GeoJSON", "GeoJSON"),
    "gpkg": ExportFormat("gpkg", "gpkg", "application/geopackage+sqlite3", "GPKG", "GeoPackage"),
    "kml": ExportFormat("kml", "kml", "application/vnd.google-earth.kml+xml", "LIBKML", "KML", wgs84_only=True),
    "csv": ExportFormat("csv", "csv", "text/csv; charset=utf-8", "CSV", "CSV (WKT or x/y columns)"),
    "dxf": ExportFormat("dxf", "dxf", "image/vnd.dxf", None, "DXF (CAD)", projected_only=True),
}


@dataclass(frozen=True)
class ExportResult:
    """A written export: where it is, what it is, and the file name to offer for download."""

    path: Path
    format: ExportFormat
    filename: str
    crs: CRS
    count: int


# ---------------------------------------------------------------------------------------------------- CRS
def export_format(key: str) -> ExportFormat:
    """The export format named ``key`` (case-insensitive); :class:`ExportError` lists the known ones."""
    found = FORMATS.get(str(key).lower().strip())
    if found is None:
        raise ExportError(f"unknown export format {key!r}; use one of: {', '.join(FORMATS)}")
    return found


def parse_crs(text: str | int | CRS) -> CRS:
    """Read a CRS given as ``EPSG:4550``, ``4550``, an OGC URI/URN, or CRS84; it must have an EPSG code."""
    if isinstance(text, CRS):
        crs = text
    else:
        value = str(text).strip()
        if not value:
            raise ExportError("crs is empty; give an EPSG code such as EPSG:4326 or EPSG:4550")
        if value.upper().endswith("CRS84"):
            return CRS.from_epsg(WGS84_EPSG)
        if value.isdigit():
            value = f"EPSG:{value}"
        try:
            crs = CRS.from_user_input(value)
        except CRSError:
            raise ExportError(
                f"unknown CRS {value!r}; give an EPSG code such as EPSG:4326 or EPSG:4550"
            ) from None
    if crs.to_epsg() is None:
        raise ExportError(f"CRS {crs.name!r} has no EPSG code; give one such as EPSG:4550")
    return crs


def cgcs2000_gauss_kruger_for(lon: float) -> CRS:
    """The CGCS2000 3-degree Gauss–Krüger zone CRS (no zone prefix) whose central meridian is nearest ``lon``.

    Central meridians 75° E … 135° E are EPSG:4534 … EPSG:4554 (e.g. 123° E → EPSG:4550 for Dalian).
    """
    central = int(round(lon / 3.0) * 3)
    if not 75 <= central <= 135:
        raise ExportError(f"longitude {lon:.3f} lies outside China's Gauss–Krüger zones (75° E–135° E)")
    return CRS.from_epsg(4534 + (central - 75) // 3)


def label(crs: CRS) -> str:
    """``EPSG:4550`` for a CRS."""
    return f"EPSG:{crs.to_epsg()}"


def resolve_export_crs(fmt: ExportFormat, requested: str | CRS | None, frame: gpd.GeoDataFrame) -> CRS:
    """The CRS an export will be written in, after checking that it suits the format and the data.

    Without a request: EPSG:4326, or for CAD the CGCS2000 Gauss–Krüger zone of the data. A request must be
    EPSG:4326 or a projected CRS whose area of use holds the data; KML only holds EPSG:4326; CAD needs metres.
    """
    if requested is None or (isinstance(requested, str) and not requested.strip()):
        if fmt.projected_only:
            lon = float(np.mean(frame.total_bounds[[0, 2]])) if len(frame) else 0.0
            return cgcs2000_gauss_kruger_for(lon)
        return CRS.from_epsg(WGS84_EPSG)
    crs = parse_crs(requested)
    code = label(crs)
    if crs.to_epsg() == WGS84_EPSG:
        if fmt.projected_only:
            raise ExportError(
                f"{fmt.title} needs a projected CRS in metres (for example EPSG:4550); {code} is longitude/latitude"
            )
        return crs
    if fmt.wgs84_only:
        raise ExportError(f"{fmt.title} always holds WGS84 longitude/latitude (EPSG:4326); drop crs={code}")
    if not crs.is_projected:
        raise ExportError(
            f"{code} ({crs.name}) is not a projected CRS; export in EPSG:4326 or a projected CRS such as EPSG:4550"
        )
    area = crs.area_of_use
    if area is not None and len(frame):
        x0, y0, x1, y1 = frame.total_bounds
        slack = 0.5  # degrees: Gauss–Krüger and UTM zones stay usable a little past their nominal edges
        if x0 < area.west - slack or x1 > area.east + slack or y0 < area.south - slack or y1 > area.north + slack:
            raise ExportError(
                f"{code} ({crs.name}) is meant for {area.name} "
                f"({area.west:.2f}–{area.east:.2f}° E, {area.south:.2f}–{area.north:.2f}° N); "
                f"the data ({x0:.2f}–{x1:.2f}° E) lies outside it"
            )
    return crs


# ---------------------------------------------------------------------------------------------------- attributes
def _plain(value: Any) -> Any:
    """A value GDAL can store: lists and mappings become JSON text, numpy scalars plain Python."""
    if isinstance(value, (list, tuple, dict)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, np.ndarray):
        return json.dumps(value.tolist(), ensure_ascii=False)
    return value


def attribute_table(frame: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """The features ready to write: ``id`` first, declared fields next, nested values as JSON text."""
    out = frame.copy()
    out.index = pd.RangeIndex(len(out))
    if "id" not in out.columns:
        out.insert(0, "id", frame.index.astype(str))
    geometry_name = out.geometry.name
    for column in out.columns:
        if column == geometry_name:
            continue
        series = out[column]
        if series.dtype == object and series.map(lambda v: isinstance(v, (list, tuple, dict, np.ndarray))).any():
            out[column] = series.map(_plain)
    leading = ["id", "name", "name_en"]
    declared = [name for name in spec.fields if name in out.columns and name not in leading]
    ordered = [c for c in leading if c in out.columns] + declared
    rest = [c for c in out.columns if c not in ordered and c != geometry_name]
    return out[ordered + rest + [geometry_name]]


# ---------------------------------------------------------------------------------------------------- writers
def export_layer(
    frame: gpd.GeoDataFrame,
    spec: LayerSpec,
    fmt: str | ExportFormat,
    directory: Path | str,
    *,
    crs: str | CRS | None = None,
    csv_geometry: CsvGeometry = "wkt",
) -> ExportResult:
    """Write ``frame`` (features of ``spec``, EPSG:4326) in ``fmt`` into ``directory``.

    Parameters
    ----------
    frame
        The features to export (a whole layer or a selection), EPSG:4326.
    spec
        The layer's catalogue entry: names the file, the layer and the label field.
    fmt
        ``geojson``, ``gpkg``, ``kml``, ``csv`` or ``dxf``.
    directory
        An existing directory to write into (a temporary one for downloads).
    crs
        Output CRS (``EPSG:4550`` …); see :func:`resolve_export_crs` for the default and the rules.
    csv_geometry
        For CSV: ``wkt`` writes a ``WKT`` column; ``xy`` writes ``lon``/``lat`` (``x``/``y`` when projected)
        of each point, or of a point on the surface of a line or polygon.

    Raises
    ------
    ExportError
        Unknown format or CRS, a CRS that does not suit the format or the data, or an empty selection.
    """
    fmt = fmt if isinstance(fmt, ExportFormat) else export_format(fmt)
    if len(frame) == 0:
        raise ExportError(f"the selection from {spec.id!r} holds no features; nothing to export")
    if csv_geometry not in ("wkt", "xy"):
        raise ExportError(f"csv geometry must be 'wkt' or 'xy', got {csv_geometry!r}")
    if frame.crs is None or frame.crs.to_epsg() != WGS84_EPSG:
        raise ExportError("features to export must be in EPSG:4326")
    out_crs = resolve_export_crs(fmt, crs, frame)
    table = attribute_table(frame, spec)
    if out_crs.to_epsg() != WGS84_EPSG:
        table = table.to_crs(out_crs)
    suffix = "" if out_crs.to_epsg() == WGS84_EPSG else f".epsg{out_crs.to_epsg()}"
    filename = f"{spec.id}{suffix}.{fmt.extension}"
    path = Path(directory) / filename
    if fmt.key == "dxf":
        write_dxf(table, spec, path, crs=out_crs)
    elif fmt.key == "csv":
        _write_csv(table, path, csv_geometry, projected=out_crs.is_projected)
    else:
        _write_gdal(table, spec, fmt, path, out_crs)
    return ExportResult(path=path, format=fmt, filename=filename, crs=out_crs, count=len(table))


def kml_booleans(table: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Boolean columns as integers 1/0 for KML.

    LIBKML writes a boolean as ``type="bool"`` with ``true``/``false``, which GDAL before 3.7 (QGIS 3.22) reads
    as an integer field holding 0 for every value; ``type="int"`` with 1/0 reads back alike everywhere.
    """
    out = table.copy()
    for column in out.columns:
        series = out[column]
        if column == out.geometry.name:
            continue
        values = series.dropna()
        if pd.api.types.is_bool_dtype(series) or (len(values) and values.map(lambda v: isinstance(v, bool | np.bool_)).all()):
            out[column] = series.map(lambda v: None if _missing(v) else int(bool(v))).astype("Int32")
    return out


def _write_gdal(table: gpd.GeoDataFrame, spec: LayerSpec, fmt: ExportFormat, path: Path, crs: CRS) -> None:
    layer_options: dict[str, Any] = {}
    dataset_options: dict[str, Any] = {}
    if fmt.key == "geojson":
        if crs.to_epsg() == WGS84_EPSG:
            layer_options["RFC7946"] = "YES"
        layer_options["WRITE_NAME"] = "NO"
    elif fmt.key == "gpkg":
        # GeoPackage 1.2: what GDAL 3.6 / QGIS 3.22 read without a warning (GDAL ≥ 3.9 writes 1.4 by default)
        dataset_options["VERSION"] = GPKG_VERSION
        layer_options["IDENTIFIER"] = spec.title.zh
        layer_options["DESCRIPTION"] = f"{spec.title.en}. Source: {spec.provenance.source}"
    elif fmt.key == "kml":
        # LIBKML: field "id" → Placemark id, "name" → <name>, the other fields → ExtendedData
        dataset_options["NAME"] = spec.title.zh
        layer_options["NAME"] = spec.title.zh
        layer_options["DESCRIPTION"] = f"{spec.title.en}. Source: {spec.provenance.source}"
        table = kml_booleans(table)
    pyogrio.write_dataframe(
        table, path, layer=spec.id, driver=fmt.driver, encoding="UTF-8",
        layer_options=layer_options or None, dataset_options=dataset_options or None,
    )


def _write_csv(table: gpd.GeoDataFrame, path: Path, csv_geometry: CsvGeometry, *, projected: bool) -> None:
    if csv_geometry == "wkt":
        layer_options = {"GEOMETRY": "AS_WKT", "WRITE_BOM": "YES"}
        pyogrio.write_dataframe(table, path, driver="CSV", encoding="UTF-8", layer_options=layer_options)
        return
    points = table.geometry.values
    not_point = ~shapely.get_type_id(points).__eq__(0)
    points = np.where(not_point, shapely.point_on_surface(points), points)
    x_name, y_name = ("x", "y") if projected else ("lon", "lat")
    plain = pd.DataFrame(table.drop(columns=table.geometry.name))
    plain[x_name] = shapely.get_x(points)
    plain[y_name] = shapely.get_y(points)
    pyogrio.write_dataframe(plain, path, driver="CSV", encoding="UTF-8", layer_options={"WRITE_BOM": "YES"})


# ---------------------------------------------------------------------------------------------------- DXF
_DXF_BAD_NAME = re.compile(r'[<>/\\":;?*|=`,]+')
_CAD_ESCAPE = re.compile(r"(?:\\U\+[0-9A-Fa-f]{4})+")
#: DXF R2004 stores text in the drawing's code page; ANSI_936 (GBK) is what Chinese AutoCAD and GDAL expect
DXF_CODEPAGE = "gbk"


@functools.lru_cache(maxsize=65536)
def cad_text(text: str) -> str:
    """``text`` with every character outside GBK written as AutoCAD's ``\\U+XXXX`` escape."""
    try:
        text.encode(DXF_CODEPAGE)
    except UnicodeEncodeError:
        pass
    else:
        return text
    out = []
    for char in text:
        try:
            char.encode(DXF_CODEPAGE)
        except UnicodeEncodeError:
            units = char.encode("utf-16-be")  # characters beyond the BMP become two escaped surrogates
            out.extend(f"\\U+{int.from_bytes(units[i : i + 2], 'big'):04X}" for i in range(0, len(units), 2))
        else:
            out.append(char)
    return "".join(out)


def uncad_text(text: str) -> str:
    """Invert :func:`cad_text`: decode ``\\U+XXXX`` escapes."""
    def decode(match: re.Match[str]) -> str:
        units = b"".join(int(code, 16).to_bytes(2, "big") for code in match.group(0).split("\\U+")[1:])
        return units.decode("utf-16-be", errors="replace")

    return _CAD_ESCAPE.sub(decode, text)


def dxf_layer_name(text: str) -> str:
    """A DXF layer name from ``text``: characters CAD forbids, and those outside GBK, become ``_``."""
    cleaned = _DXF_BAD_NAME.sub("_", text)
    cleaned = "".join(c if c == cad_text(c) else "_" for c in cleaned)
    return cleaned.strip() or "0"


def _missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _xdata(row: dict[str, Any]) -> list[tuple[int, Any]]:
    """Attributes as XDATA: for each, ``{`` key value-chunks ``}``; chunks keep strings under CAD's limit."""
    tags: list[tuple[int, Any]] = []
    for key, value in row.items():
        if _missing(value):
            continue
        text = str(_plain(value))
        chunks = [cad_text(text[i : i + 60]) for i in range(0, len(text), 60)] or [""]
        tags.append((1002, "{"))
        tags.append((1000, cad_text(str(key))))
        tags.extend((1000, chunk) for chunk in chunks)
        tags.append((1002, "}"))
    return tags


def read_dxf_xdata(tags: Iterable[tuple[int, Any]]) -> dict[str, str]:
    """Invert :func:`_xdata`: the attributes of one entity as strings."""
    result: dict[str, str] = {}
    current: list[str] | None = None
    for code, value in tags:
        if code == 1002 and value == "{":
            current = []
        elif code == 1002 and value == "}" and current is not None:
            if current:
                result[uncad_text(current[0])] = uncad_text("".join(current[1:]))
            current = None
        elif code == 1000 and current is not None:
            current.append(value)
    return result


def _rgb(hex_colour: str | None) -> tuple[int, int, int] | None:
    if not hex_colour or not re.fullmatch(r"#?[0-9a-fA-F]{6}", hex_colour.strip()):
        return None
    value = hex_colour.strip().lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def write_dxf(table: gpd.GeoDataFrame, spec: LayerSpec, path: Path, crs: CRS | None = None) -> None:
    """Write projected features as a DXF R2004 drawing (code page ANSI_936) with labels and XDATA attributes.

    R2004 with the GBK code page reads correctly in AutoCAD, in Chinese CAD programs and in GDAL/QGIS (which
    decode R2007+ files by their declared code page, garbling UTF-8 Chinese). Characters outside GBK are
    written as ``\\U+XXXX`` escapes, which AutoCAD renders.

    DXF has no CRS field: ``crs`` is written as the drawing's custom properties ``CRS`` (``EPSG:4550``) and
    ``CRS_NAME`` (``DWGPROPS`` in AutoCAD) and in ``$PROJECTNAME``; the file name and the download's
    ``Content-Crs`` header say it too.
    """
    import ezdxf
    from ezdxf import colors, units

    doc = ezdxf.new("R2004", setup=False)
    doc.encoding = DXF_CODEPAGE
    doc.units = units.M
    doc.header["$MEASUREMENT"] = 1
    if crs is not None:
        code = f"EPSG:{crs.to_epsg()}" if crs.to_epsg() else crs.name
        doc.header["$PROJECTNAME"] = code
        doc.header.custom_vars.append("CRS", code)
        doc.header.custom_vars.append("CRS_NAME", cad_text(crs.name))
    doc.appids.add(DXF_APPID)
    doc.styles.new("PLANMAP_CJK", dxfattribs={"font": "simsun.ttc"})
    msp = doc.modelspace()

    geometry_layer = dxf_layer_name(spec.id)
    label_layer = dxf_layer_name(spec.id + DXF_LABEL_SUFFIX)
    colour = _rgb(spec.style.color)
    for name in (geometry_layer, label_layer):
        layer = doc.layers.add(name)
        if colour is not None:
            layer.rgb = colour
        layer.description = cad_text(spec.title.zh)
    category_field = spec.style.category_field
    category_layers: dict[str, str] = {}

    x0, y0, x1, y1 = table.total_bounds
    text_height = max(2.0, round(math.hypot(x1 - x0, y1 - y0) / 300.0, 1))
    label_field = spec.style.label_field if spec.style.label_field in table.columns else "id"
    records = table.drop(columns=table.geometry.name).to_dict("records")
    anchors = shapely.point_on_surface(table.geometry.values)

    for row, geometry, anchor in zip(records, table.geometry.values, anchors, strict=True):
        layer_name = geometry_layer
        if category_field and category_field in row and row[category_field] is not None:
            value = str(row[category_field])
            layer_name = category_layers.get(value) or dxf_layer_name(f"{spec.id}-{value}")
            if value not in category_layers:
                category_layers[value] = layer_name
                layer = doc.layers.add(layer_name)
                rgb = _rgb(spec.style.categories.get(value))
                if rgb is not None:
                    layer.rgb = rgb
        attribs = {"layer": layer_name, "color": colors.BYLAYER}
        xdata = _xdata(row)
        for entity in _dxf_entities(msp, geometry, attribs):
            entity.set_xdata(DXF_APPID, xdata)
        text = row.get(label_field)
        if not _missing(text) and str(text).strip():
            label_entity = msp.add_text(
                cad_text(str(text)), height=text_height,
                dxfattribs={"layer": label_layer, "style": "PLANMAP_CJK", "color": colors.BYLAYER},
            )
            label_entity.set_placement((float(anchor.x), float(anchor.y)))
            label_entity.set_xdata(DXF_APPID, [(1002, "{"), (1000, "id"), (1000, cad_text(str(row.get("id")))),
                                                  (1002, "}")])
    doc.saveas(path)


def _dxf_entities(msp, geometry: shapely.Geometry, attribs: dict[str, Any]) -> list[Any]:
    """CAD entities of one geometry: POINT, open LWPOLYLINE, closed LWPOLYLINE per polygon ring."""
    entities = []
    for part in shapely.get_parts(geometry):
        kind = part.geom_type
        if kind == "Point":
            entities.append(msp.add_point((part.x, part.y), dxfattribs=attribs))
        elif kind == "LineString":
            entities.append(msp.add_lwpolyline(list(part.coords), format="xy", dxfattribs=attribs))
        elif kind == "Polygon":
            for ring in [part.exterior, *part.interiors]:
                coords = list(ring.coords)[:-1]
                entities.append(msp.add_lwpolyline(coords, format="xy", close=True, dxfattribs=attribs))
        else:  # a geometry collection nested in a collection
            entities.extend(_dxf_entities(msp, part, attribs))
    return entities
