"""Reading site files: one reader for the site import of the workbench and for batch screening.

:func:`read_site_file` takes the bytes of an uploaded file and returns every feature as a shapely geometry in
EPSG:4326 longitude/latitude with its name and properties. Formats: GeoJSON, KML/KMZ, GeoPackage, zipped
Shapefile, DXF (closed polylines become polygons, open ones lines), CSV with a WKT column. The CRS comes from
the file (``.prj``, GeoPackage, KML is always WGS84, GeoJSON defaults to it) or is chosen (``crs``): EPSG:4326,
EPSG:4490 (CGCS2000), the CGCS2000 3° Gauss–Krüger zones EPSG:4534–4554 or, with the zone number in the eastings,
EPSG:4513–4533 (a CRS-less file whose eastings all carry one zone number is read in that zone, with a warning),
GCJ-02 and BD-09.

A file that cannot be read raises :class:`~layers.errors.ImportFileError` naming the problem; a feature that
cannot be used (bad WKT, empty geometry) is returned with ``problem`` set, so the caller can list it.
"""

from __future__ import annotations

import csv
import io
import json
import math
import tempfile
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from geo.crs import geometries_bd09_to_wgs84, geometries_gcj02_to_wgs84
from layers.errors import ImportFileError, ImportTooLargeError

#: features one request reads; more go to a batch job
MAX_FEATURES = 200
MAX_BYTES = 20 * 1024 * 1024
_MAX_UNZIPPED = 100 * 1024 * 1024
#: the coordinate systems a file may be declared in (besides those a file names itself)
CRS_CHOICES = ("EPSG:4326", "EPSG:4490", *(f"EPSG:{code}" for code in range(4534, 4555)),
               *(f"EPSG:{code}" for code in range(4513, 4534)), "GCJ-02", "BD-09")
#: CGCS2000 3° Gauss–Krüger zones 25–45 whose eastings carry the zone number (x = zone × 10⁶ + easting):
#: EPSG:4513 (zone 25, 75° E) … EPSG:4533 (zone 45, 135° E), as Chinese CAD and survey files often write them
PREFIXED_GK_ZONES = range(25, 46)
FORMATS = {"geojson": "GeoJSON", "kml": "KML", "kmz": "KMZ", "gpkg": "GeoPackage", "shp": "Shapefile (zip)",
           "dxf": "DXF", "csv": "CSV (WKT)"}
_NAME_FIELDS = ("name", "名称", "名字", "地块名称", "title", "NAME", "Name")
_WKT_FIELDS = ("wkt", "geometry", "geom", "the_geom", "shape", "几何", "图形")
_XY_FIELDS = (("lon", "lat"), ("lng", "lat"), ("longitude", "latitude"), ("x", "y"), ("经度", "纬度"))
#: properties that name a feature's own id in a file (batch rows keep it as ``input_id``)
_ID_FIELDS = ("id", "fid", "ID", "FID", "编号", "parcel_id", "handle")


@dataclass
class ImportedSite:
    """One feature of a file: its position (1-based), name, geometry in EPSG:4326 and properties.

    ``problem`` says why the feature cannot be used (its geometry is then None).
    """

    index: int
    name: str
    geometry: shapely.Geometry | None
    properties: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None


@dataclass
class ImportResult:
    """What a file held: format, the CRS read or chosen and where it came from, the sites, warnings."""

    format: str
    crs: str
    crs_source: str
    sites: list[ImportedSite]
    warnings: list[str] = field(default_factory=list)


def parse_crs_choice(text: str | None, *, any_epsg: bool = False) -> str | None:
    """Normalise a ``crs`` choice (``4547``, ``epsg:4547``, ``gcj02``, ``bd-09`` …); None when not given.

    ``any_epsg`` accepts any EPSG code pyproj knows besides :data:`CRS_CHOICES` (the batch command line).
    """
    if text is None or not str(text).strip():
        return None
    value = str(text).strip().upper().replace("_", "-")
    if value.isdigit():
        value = f"EPSG:{value}"
    value = {"GCJ02": "GCJ-02", "BD09": "BD-09", "WGS84": "EPSG:4326", "CGCS2000": "EPSG:4490",
             "CRS84": "EPSG:4326"}.get(value.replace("-", ""), value)
    if any_epsg and value.startswith("EPSG:") and value not in CRS_CHOICES:
        try:
            CRS.from_user_input(value)
        except CRSError:
            raise ImportFileError(f"未知坐标系 unknown crs {text!r}") from None
        return value
    if value not in CRS_CHOICES:
        raise ImportFileError(f"不支持的坐标系 unsupported crs {text!r}; choose one of EPSG:4326, EPSG:4490, "
                              "EPSG:4534–EPSG:4554 (CGCS2000 3° Gauss–Krüger), EPSG:4513–EPSG:4533 (the same "
                              "zones with the zone number in the eastings), GCJ-02, BD-09")
    return value


def detect_format(data: bytes, filename: str) -> str:
    """The format key of a file, from its name and first bytes."""
    suffix = PurePosixPath(filename.lower()).suffix.lstrip(".")
    if data.startswith(b"SQLite format 3"):
        return "gpkg"
    if data.startswith(b"PK"):
        if suffix == "kmz":
            return "kmz"
        try:
            names = [n.lower() for n in zipfile.ZipFile(io.BytesIO(data)).namelist()]
        except zipfile.BadZipFile:
            raise ImportFileError(f"{filename}: 压缩包已损坏 the zip file is damaged") from None
        if any(n.endswith(".shp") for n in names):
            return "shp"
        if any(n.endswith(".kml") for n in names):
            return "kmz"
        raise ImportFileError(f"{filename}: 压缩包中没有 .shp 或 .kml the zip holds no .shp (Shapefile) or .kml")
    known = {"geojson": "geojson", "json": "geojson", "kml": "kml", "kmz": "kmz", "gpkg": "gpkg", "dxf": "dxf",
             "csv": "csv", "txt": "csv", "zip": "shp"}
    if suffix in known:
        return known[suffix]
    head = data[:2048].lstrip()
    if head.startswith(b"{"):
        return "geojson"
    if b"<kml" in head:
        return "kml"
    if b"SECTION" in head[:200]:
        return "dxf"
    raise ImportFileError(f"{filename}: 无法识别的文件格式 unknown file format; accepted: GeoJSON, KML/KMZ, "
                          "GeoPackage, Shapefile (zip), DXF, CSV with WKT")


def read_site_file(data: bytes, filename: str, crs: str | None = None, *,
                   max_features: int | None = MAX_FEATURES, max_bytes: int | None = MAX_BYTES,
                   any_epsg: bool = False) -> ImportResult:
    """Read every feature of a site file into EPSG:4326.

    Parameters
    ----------
    data
        The file's bytes.
    filename
        Its name (the extension helps recognise the format; the stem names unnamed features).
    crs
        The chosen CRS (see :data:`CRS_CHOICES`) for files that do not carry one; a file that names a different
        CRS is refused rather than guessed.
    max_features, max_bytes
        More features (or bytes) than this are refused (None: no limit, for batch screening);
        too many features raise :class:`~layers.errors.ImportTooLargeError` (a batch job's work).
    any_epsg
        Accept any EPSG code as ``crs`` (see :func:`parse_crs_choice`).

    Returns
    -------
    ImportResult

    Raises
    ------
    ImportFileError
        Unknown or damaged file, no CRS, a CRS outside the choices, no features.
    """
    filename = PurePosixPath(filename or "upload").name or "upload"
    if not data:
        raise ImportFileError(f"{filename}: 文件为空 the file is empty")
    if max_bytes is not None and len(data) > max_bytes:
        raise ImportFileError(f"{filename}: 文件过大 the file has {len(data) / 1e6:.1f} MB; at most "
                              f"{max_bytes // 1024 // 1024} MB")
    chosen = parse_crs_choice(crs, any_epsg=any_epsg)
    fmt = detect_format(data, filename)
    reader = _READERS[fmt]
    raw, file_crs, warnings = reader(data, filename)
    if not raw:
        raise ImportFileError(f"{filename}: 文件中没有要素 the file holds no features")
    if max_features is not None and len(raw) > max_features:
        raise ImportTooLargeError(f"{filename}: {len(raw)} 个要素, 超过单次导入上限 {max_features}; "
                                  f"{len(raw)} features, more than {max_features} per import: submit it as a batch")
    crs_used, source = _resolve_crs(filename, fmt, file_crs, chosen, raw)
    if source == "zone-prefix":
        warnings.append(f"坐标带带号, 按 {crs_used} (CGCS2000 3° 高斯-克吕格 {int(crs_used[5:]) - 4513 + 25} 带) 读取; "
                        f"the eastings carry the zone number: read as {crs_used}")
    stem = PurePosixPath(filename).stem
    sites = []
    for index, (geometry, properties, problem) in enumerate(raw, start=1):
        name = _name(properties) or f"{stem} {index}"
        if problem is None and (geometry is None or geometry.is_empty):
            problem = "没有几何 the feature has no geometry"
        if problem is None:
            try:
                geometry = _to_wgs84(shapely.force_2d(geometry), crs_used)
            except (ValueError, shapely.errors.GEOSException) as exc:
                geometry, problem = None, f"坐标转换失败 cannot transform the coordinates ({exc})"
        sites.append(ImportedSite(index, name, geometry if problem is None else None,
                                  {k: v for k, v in properties.items() if _plain(v)}, problem))
    return ImportResult(FORMATS[fmt], crs_used, source, sites, warnings)


# ---------------------------------------------------------------------------------------------- CRS
def _resolve_crs(filename: str, fmt: str, file_crs: CRS | None, chosen: str | None,
                 raw: list[tuple[Any, dict, str | None]]) -> tuple[str, str]:
    if file_crs is not None:
        code = file_crs.to_epsg(min_confidence=70)
        if code is None:  # OGC:CRS84 (GeoJSON, GeoPackage) is WGS 84 in lon/lat order; likewise CGCS2000
            code = next((c for c in (4326, 4490) if file_crs.equals(CRS.from_epsg(c), ignore_axis_order=True)),
                        None)
        named = f"EPSG:{code}" if code else None
        geographic_wgs = code in (4326, 4490) or (file_crs.is_geographic and code is None)
        if chosen is None:
            if named is None:
                raise ImportFileError(f"{filename}: 文件坐标系无法识别 the file's CRS ({file_crs.name}) has no EPSG code; "
                                      "choose crs=")
            return named, "file"  # any EPSG CRS pyproj knows is read as the file says
        if chosen in ("GCJ-02", "BD-09") and geographic_wgs:
            return chosen, "request"  # the shifted datums of web maps are never written in files
        if named != chosen:
            raise ImportFileError(f"{filename}: 文件声明坐标系 {named or file_crs.name}, 与所选 {chosen} 不符; "
                                  f"the file says {named or file_crs.name} but crs={chosen} was chosen")
        return chosen, "file"
    if chosen is not None:
        return chosen, "request"
    if fmt == "geojson":
        return "EPSG:4326", "default"
    bounds = [g.bounds for g, _, problem in raw if problem is None and g is not None and not g.is_empty]
    if bounds and all(b[0] >= -180 and b[2] <= 180 and b[1] >= -90 and b[3] <= 90 for b in bounds):
        return "EPSG:4326", "default"
    zone = prefixed_gauss_kruger_zone(bounds)
    if zone is not None:
        return f"EPSG:{4513 + zone - 25}", "zone-prefix"
    raise ImportFileError(f"{filename}: 文件没有坐标系, 请选择 crs= (如 EPSG:4547、EPSG:4550); the file has no CRS and "
                          f"its coordinates are not longitude/latitude: choose crs= (e.g. EPSG:4550)")


def prefixed_gauss_kruger_zone(bounds: Sequence[tuple[float, float, float, float]]) -> int | None:
    """The 3° zone number that every easting of a CRS-less file starts with, or None.

    Eastings of 25 000 000–45 999 999 m with northings of China (1 000–6 000 km) can only be CGCS2000 3°
    Gauss–Krüger coordinates written with their zone number (6° zones are numbered 13–23); when all features
    share one zone the file's CRS is that zone's EPSG:4513–4533 without asking.
    """
    if not bounds:
        return None
    zones = {int(b[0] // 1_000_000) for b in bounds} | {int(b[2] // 1_000_000) for b in bounds}
    if len(zones) != 1:
        return None
    zone = zones.pop()
    northings_ok = all(b[1] >= 1_000_000 and b[3] <= 6_000_000 for b in bounds)
    return zone if zone in PREFIXED_GK_ZONES and northings_ok else None


def _to_wgs84(geometry: shapely.Geometry, crs: str) -> shapely.Geometry:
    if crs == "GCJ-02":
        return geometries_gcj02_to_wgs84([geometry])[0]
    if crs == "BD-09":
        return geometries_bd09_to_wgs84([geometry])[0]
    if crs == "EPSG:4326":
        return geometry
    transformer = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    result = shapely.transform(geometry, lambda xy: _stack(transformer.transform(xy[:, 0], xy[:, 1])))
    if not all(math.isfinite(v) for v in result.bounds):
        raise ValueError(f"coordinates outside {crs}")
    return result


def _stack(xy: tuple[Any, Any]) -> Any:
    import numpy as np

    return np.column_stack(xy)


# ---------------------------------------------------------------------------------------------- readers
Raw = list[tuple[shapely.Geometry | None, dict[str, Any], str | None]]


def _name(properties: dict[str, Any]) -> str | None:
    for key in _NAME_FIELDS:
        value = properties.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    return None


def _plain(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool)


def _read_geojson(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportFileError(f"{filename}: 不是有效的 GeoJSON not valid GeoJSON ({exc})") from None
    if not isinstance(document, dict):
        raise ImportFileError(f"{filename}: 不是 GeoJSON 对象 not a GeoJSON object")
    kind = document.get("type")
    if kind == "FeatureCollection":
        features = document.get("features")
    elif kind == "Feature":
        features = [document]
    elif isinstance(kind, str):
        features = [{"type": "Feature", "properties": {}, "geometry": document}]
    else:
        raise ImportFileError(f"{filename}: GeoJSON 缺少 type the GeoJSON has no 'type'")
    if not isinstance(features, list):
        raise ImportFileError(f"{filename}: 'features' 不是数组 'features' is not a list")
    file_crs = None
    named = (document.get("crs") or {}).get("properties", {}).get("name") if isinstance(document.get("crs"), dict) else None
    if named:
        try:
            file_crs = CRS.from_user_input(named)
        except Exception:  # noqa: BLE001 - pyproj raises its own CRSError and others
            raise ImportFileError(f"{filename}: 无法识别的 crs {named!r} unknown crs in the file") from None
    raw: Raw = []
    for number, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        properties = properties if isinstance(properties, dict) else {}
        try:
            geometry = shape(feature["geometry"]) if isinstance(feature, dict) and feature.get("geometry") else None
            raw.append((geometry, properties, None))
        except (KeyError, TypeError, ValueError, AttributeError, shapely.errors.GEOSException) as exc:
            raw.append((None, properties, f"要素 {number} 几何无效 invalid geometry ({exc})"))
    return raw, file_crs, []


def _with_tempfile(data: bytes, suffix: str, read: Callable[[Path], Any]) -> Any:
    with tempfile.TemporaryDirectory(prefix="planmap-import-") as folder:
        path = Path(folder) / f"upload{suffix}"
        path.write_bytes(data)
        return read(path)


def _read_ogr(path: Path | str, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    import warnings

    import pyogrio

    raw: Raw = []
    crs = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            layers = [str(name) for name, geometry_type in pyogrio.list_layers(path) if geometry_type is not None]
            for layer in layers:
                frame = pyogrio.read_dataframe(path, layer=layer)
                if frame.crs is not None:
                    crs = CRS.from_user_input(frame.crs)
                for row in frame.to_dict("records"):
                    geometry = row.pop("geometry", None)
                    raw.append((geometry, {k: v for k, v in row.items() if not _missing(v)}, None))
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise ImportFileError(f"{filename}: 无法读取 cannot read the file ({exc})") from None
    return raw, crs, []


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _read_gpkg(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    return _with_tempfile(data, ".gpkg", lambda path: _read_ogr(path, filename))


def _safe_zip(data: bytes, filename: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise ImportFileError(f"{filename}: 压缩包已损坏 the zip file is damaged") from None
    if sum(info.file_size for info in archive.infolist()) > _MAX_UNZIPPED:
        raise ImportFileError(f"{filename}: 解压后过大 the archive unpacks to more than 100 MB")
    return archive


def _read_shapefile_zip(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    archive = _safe_zip(data, filename)
    shps = [n for n in archive.namelist() if n.lower().endswith(".shp") and not n.startswith("__MACOSX")]
    if len(shps) != 1:
        raise ImportFileError(f"{filename}: 压缩包应只含一个 .shp the zip should hold exactly one .shp "
                              f"(found {len(shps)})")
    stem = shps[0][:-4]
    members = {n.lower()[len(stem):]: n for n in archive.namelist() if n.lower().startswith(stem.lower() + ".")}
    missing = [ext for ext in (".shx", ".dbf") if ext not in members]
    if missing:
        raise ImportFileError(f"{filename}: 缺少 {', '.join(missing)} the Shapefile lacks {', '.join(missing)}")

    def read(folder: Path) -> tuple[Raw, CRS | None, list[str]]:
        for ext, member in members.items():
            (folder / f"site{ext}").write_bytes(archive.read(member))
        if ".cpg" not in members:
            (folder / "site.cpg").write_text("UTF-8")  # Chinese attribute tables are UTF-8 unless told
        return _read_ogr(folder / "site.shp", filename)

    with tempfile.TemporaryDirectory(prefix="planmap-import-") as folder:
        return read(Path(folder))


def _read_kml(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    if b"<kml" not in data[:4096]:
        raise ImportFileError(f"{filename}: 不是 KML 文件 not a KML document")
    raw, _, warnings = _with_tempfile(data, ".kml", lambda path: _read_ogr(path, filename))
    for _geometry, properties, _problem in raw:
        if "Name" in properties and "name" not in properties:
            properties["name"] = properties.pop("Name")
    return raw, CRS.from_epsg(4326), warnings  # KML is WGS84 by definition


def _read_kmz(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    archive = _safe_zip(data, filename)
    kmls = [n for n in archive.namelist() if n.lower().endswith(".kml")]
    if not kmls:
        raise ImportFileError(f"{filename}: KMZ 中没有 .kml the KMZ holds no .kml")
    main = "doc.kml" if "doc.kml" in kmls else kmls[0]
    return _read_kml(archive.read(main), filename)


def _read_dxf(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    import ezdxf
    from ezdxf import path as dxf_path

    def read(path: Path) -> Any:
        try:
            return ezdxf.readfile(path)
        except (OSError, ezdxf.DXFError) as exc:
            raise ImportFileError(f"{filename}: 无法读取 DXF cannot read the DXF ({exc})") from None

    document = _with_tempfile(data, ".dxf", read)
    raw: Raw = []
    skipped: dict[str, int] = {}
    for entity in document.modelspace():
        kind = entity.dxftype()
        properties = {"layer": entity.dxf.layer, "handle": entity.dxf.handle}
        properties["name"] = f"{entity.dxf.layer} #{entity.dxf.handle}"
        try:
            if kind in ("LWPOLYLINE", "POLYLINE"):
                if kind == "POLYLINE" and not (entity.is_2d_polyline or entity.is_3d_polyline):
                    skipped[kind] = skipped.get(kind, 0) + 1
                    continue
                closed = bool(entity.closed if kind == "LWPOLYLINE" else entity.is_closed)
                path = dxf_path.make_path(entity)
                extent = max(1e-9, *(abs(a - b) for a, b in zip(path.bbox().extmax, path.bbox().extmin, strict=False)))
                points = [(v.x, v.y) for v in path.flattening(extent / 2000)]
                if closed and len(points) >= 3:
                    raw.append((shapely.Polygon(points), properties, None))
                elif len(points) >= 2:
                    raw.append((shapely.LineString(points), properties, None))
                else:
                    raw.append((None, properties, f"{properties['name']}: 顶点不足 too few vertices"))
            elif kind == "LINE":
                start, end = entity.dxf.start, entity.dxf.end
                raw.append((shapely.LineString([(start.x, start.y), (end.x, end.y)]), properties, None))
            elif kind == "POINT":
                location = entity.dxf.location
                raw.append((shapely.Point(location.x, location.y), properties, None))
            else:
                skipped[kind] = skipped.get(kind, 0) + 1
        except (ValueError, AttributeError, shapely.errors.GEOSException) as exc:
            raw.append((None, properties, f"{properties['name']}: 无法转换 cannot convert ({exc})"))
    warnings = [f"忽略 {count} 个 {kind} 实体 ignored {count} {kind} entities" for kind, count in skipped.items()]
    return raw, None, warnings


def _read_csv(data: bytes, filename: str) -> tuple[Raw, CRS | None, list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ImportFileError(f"{filename}: 无法识别文本编码 the text is neither UTF-8 nor GB18030")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = {name.strip().lower(): name for name in reader.fieldnames or []}
    wkt_column = next((columns[c] for c in _WKT_FIELDS if c in columns), None)
    xy = next(((columns[x], columns[y]) for x, y in _XY_FIELDS if x in columns and y in columns), None)
    if wkt_column is None and xy is None:
        raise ImportFileError(f"{filename}: CSV 缺少 WKT 列或经纬度列 the CSV has no WKT column (name it wkt or "
                              f"geometry) and no lon/lat columns; columns: "
                              f"{', '.join(reader.fieldnames or []) or 'none'}")
    raw: Raw = []
    if wkt_column is None:
        for line, row in enumerate(reader, start=2):
            properties = {k.strip(): v for k, v in row.items() if k is not None and k not in xy and v not in (None, "")}
            try:
                raw.append((shapely.Point(float(row[xy[0]]), float(row[xy[1]])), properties, None))
            except (TypeError, ValueError):
                raw.append((None, properties, f"第 {line} 行坐标无效 line {line}: {xy[0]}/{xy[1]} are not numbers"))
        return raw, None, []
    for line, row in enumerate(reader, start=2):
        properties = {k.strip(): v for k, v in row.items() if k is not None and k != wkt_column and v not in (None, "")}
        text_value = (row.get(wkt_column) or "").strip()
        try:
            raw.append((shapely.from_wkt(text_value), properties, None))
        except shapely.errors.GEOSException as exc:
            raw.append((None, properties, f"第 {line} 行 WKT 无效 line {line}: invalid WKT ({exc})"))
    return raw, None, []


_READERS: dict[str, Callable[[bytes, str], tuple[Raw, CRS | None, list[str]]]] = {
    "geojson": _read_geojson, "kml": _read_kml, "kmz": _read_kmz, "gpkg": _read_gpkg, "shp": _read_shapefile_zip,
    "dxf": _read_dxf, "csv": _read_csv,
}


# ---------------------------------------------------------------------------------------------- files on disk
_SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def read_sites(path: Path | str, *, crs: str | None = None) -> gpd.GeoDataFrame:
    """Every feature of a site file on disk as one frame (EPSG:4326), for batch screening.

    The same reader as an upload (:func:`read_site_file`), without its size limits and with any EPSG code
    accepted as ``crs``; a loose ``.shp`` is read with its side files.

    Returns
    -------
    GeoDataFrame with ``input_id`` (the file's id field, or the feature's position), ``name``, the file's
    plain properties, ``problem`` (why a feature cannot be checked, else None) and ``geometry`` (None where
    there is a problem).
    """
    path = Path(path)
    if not path.is_file():
        raise ImportFileError(f"{path}: 文件不存在 no such file")
    if path.suffix.lower() == ".shp":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as bundle:
            for suffix in _SHAPEFILE_PARTS:
                part = path.with_suffix(suffix)
                if part.is_file():
                    bundle.write(part, part.name)
        data, filename = buffer.getvalue(), path.with_suffix(".zip").name
    else:
        data, filename = path.read_bytes(), path.name
    return sites_frame(read_site_file(data, filename, crs, max_features=None, max_bytes=None, any_epsg=True))


def sites_frame(result: ImportResult) -> gpd.GeoDataFrame:
    """The features of a read file as the frame batch screening takes (see :func:`read_sites`)."""
    rows = []
    for site in result.sites:
        own_id = next((site.properties[k] for k in _ID_FIELDS if site.properties.get(k) not in (None, "")), None)
        properties = {k: v for k, v in site.properties.items() if k not in ("input_id", "name", "problem")}
        rows.append({"input_id": str(own_id if own_id is not None else site.index), "name": site.name,
                     **properties, "problem": site.problem, "geometry": site.geometry})
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    front = ["input_id", "name"]
    return frame[front + [c for c in frame.columns if c not in front]]
