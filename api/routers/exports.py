"""Router: print-quality map sheets (PNG, SVG, PDF), the check report as PDF, and data downloads.

- ``GET /export/map.{png,svg,pdf}``: a map sheet of layers, a zone or a project, with the selection parameters
  of the embed maps (``layers=a,b``, ``zone=ID``, ``project=ID``, ``bbox=minx,miny,maxx,maxy``, ``lang=zh|en``)
  plus ``width``, ``height``, ``unit=mm|px``, ``dpi`` (≤ 300), ``title`` and ``date``.
- ``POST /export/check-report.pdf``: the body of ``POST /api/checks/site``; one page with map and criteria.
- ``GET /export/layers/{id}.{geojson,gpkg,kml,csv,dxf}`` and ``/collections/{id}/items?f=…`` (through
  :func:`items_export_response`): a layer or selection as a file, ``crs=EPSG:4550`` on request.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import geopandas as gpd
import shapely
from fastapi import APIRouter, Body, Path, Query, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api import ogc
from api.deps import StoreDep
from api.errors import BadRequestError, NotFoundError
from api.routers.checks import CheckRequest, check_site
from layers.catalogue import LayerSpec
from layers.errors import FeatureNotFoundError
from layers.exports import FORMATS as EXPORT_FORMATS
from layers.exports import ExportError, export_format, export_layer
from layers.store import PlanStore
from maps.sheet import (
    MEDIA_TYPES,
    MapLayer,
    PageSize,
    SheetError,
    SheetInfo,
    page_size,
    render_check_report,
    render_map_sheet,
)
from maps.sheet.fonts import find_cjk_font

router = APIRouter(tags=["exports 导出"])

MAX_TITLE_LENGTH = 120
#: a map framed on a point shows this much around it (metres each way)
POINT_CONTEXT_M = 600.0


# ---------------------------------------------------------------------------------------------------- selection
@dataclass(frozen=True)
class MapSelection:
    """What a map shows: layers with their features, the extent to frame, what to highlight, the words."""

    layers: list[MapLayer]
    extent: tuple[float, float, float, float]
    highlight: gpd.GeoDataFrame | None
    title: str
    subtitle: str | None
    name: str


def parse_lang(lang: str | None) -> Literal["zh", "en"]:
    value = (lang or "zh").strip().lower()
    if value not in ("zh", "en"):
        raise BadRequestError(f"lang must be 'zh' or 'en', got {lang!r}")
    return value  # type: ignore[return-value]


def parse_layer_ids(text: str | None, store: PlanStore) -> list[LayerSpec]:
    """Layers named in ``layers=a,b`` (unknown → 404), in catalogue order; default: the visible ones."""
    if text is None or not text.strip():
        return [spec for spec in store.specs if spec.visible]
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    for layer_id in wanted:
        store.spec(layer_id)
    return [spec for spec in store.specs if spec.id in wanted]


def _zone_layers(store: PlanStore) -> list[str]:
    return [spec.id for spec in store.specs if spec.zone_kind is not None]


def _project_layers(store: PlanStore) -> list[str]:
    return [spec.id for spec in store.specs if spec.group == "重点项目"]


def _find(store: PlanStore, fid: str, layer_ids: list[str], what: str) -> tuple[LayerSpec, gpd.GeoDataFrame]:
    if not layer_ids:
        raise NotFoundError(f"this plan has no {what} layers, so there is no {what} {fid!r}")
    try:
        return store.find_feature(fid, layer_ids=layer_ids)
    except FeatureNotFoundError:
        raise NotFoundError(
            f"no {what} {fid!r}; {what}s are features of the layers {', '.join(layer_ids)}"
        ) from None


def resolve_map_selection(
    store: PlanStore,
    *,
    layers: str | None = None,
    zone: str | None = None,
    project: str | None = None,
    bbox: str | None = None,
    lang: str | None = "zh",
    title: str | None = None,
) -> MapSelection:
    """The one function that turns map selection parameters into what a sheet shows.

    The extent is the bbox if given, else the zone or project (with context around it), else the district.
    """
    language = parse_lang(lang)
    specs = parse_layer_ids(layers, store)
    box = ogc.parse_frame_bbox(bbox, store.plan.map_area)
    if zone and project:
        raise BadRequestError("give zone or project, not both")
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        raise BadRequestError(f"title is longer than {MAX_TITLE_LENGTH} characters")
    plan = store.plan
    highlight = None
    name = "overview"
    subtitle = plan.district.zh if language == "zh" else plan.district.en
    default_title = plan.title.zh if language == "zh" else plan.title.en
    x0, y0, x1, y1 = shapely.bounds(store.boundary)
    extent = (float(x0), float(y0), float(x1), float(y1))
    if zone or project:
        fid = zone or project
        what = "zone" if zone else "project"
        spec, feature = _find(store, fid, _zone_layers(store) if zone else _project_layers(store), what)
        highlight = feature
        name = fid
        feature_name = str(feature.iloc[0].get("name") or fid)
        layer_title = spec.title.zh if language == "zh" else spec.title.en
        default_title = f"{feature_name} · {layer_title}"
        subtitle = (plan.title.zh if language == "zh" else plan.title.en)
        extent = _feature_extent(feature, store)
        if spec.id not in [s.id for s in specs]:
            specs = [s for s in store.specs if s.id in {spec.id, *[x.id for x in specs]}]
    if box is not None:
        extent = box
        if name == "overview":
            name = "bbox"
    map_layers = [MapLayer(spec, _in_extent(store.layer(spec.id), extent)) for spec in specs]
    if not any(len(layer.frame) for layer in map_layers) and highlight is None:
        raise BadRequestError("the selection is empty: none of the chosen layers has features in the extent")
    return MapSelection(map_layers, extent, highlight, title or default_title, subtitle, name)


def _feature_extent(feature: gpd.GeoDataFrame, store: PlanStore) -> tuple[float, float, float, float]:
    metric = feature.to_crs(store.metric_crs)
    x0, y0, x1, y1 = metric.total_bounds
    grow = max(POINT_CONTEXT_M, 0.35 * max(x1 - x0, y1 - y0))
    box = gpd.GeoSeries([shapely.box(x0 - grow, y0 - grow, x1 + grow, y1 + grow)], crs=store.metric_crs)
    bx0, by0, bx1, by1 = box.to_crs(4326).total_bounds
    return float(bx0), float(by0), float(bx1), float(by1)


def _in_extent(frame: gpd.GeoDataFrame, extent: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = extent
    dx, dy = (x1 - x0) * 0.1, (y1 - y0) * 0.1
    return frame.cx[x0 - dx : x1 + dx, y0 - dy : y1 + dy]


def parse_date(text: str | None) -> str:
    """The map date printed on the sheet: an ISO date, today (UTC) by default."""
    if text is None or not text.strip():
        return dt.datetime.now(dt.UTC).date().isoformat()
    try:
        return dt.date.fromisoformat(text.strip()).isoformat()
    except ValueError:
        raise BadRequestError(f"date must be an ISO date like 2026-03-01, got {text!r}") from None


def parse_page(fmt: str, width: float | None, height: float | None, unit: str, dpi: int | None) -> PageSize:
    try:
        return page_size(width, height, unit=unit, dpi=dpi, fmt=fmt)  # type: ignore[arg-type]
    except SheetError as exc:
        raise BadRequestError(str(exc)) from None


def render_selection(store: PlanStore, selection: MapSelection, *, fmt: str, page: PageSize, lang: str,
                     date: str) -> bytes:
    """Render a resolved selection as a sheet (used by the API and the CLI)."""
    if fmt not in MEDIA_TYPES:
        raise BadRequestError(f"unknown map format {fmt!r}; use one of: {', '.join(MEDIA_TYPES)}")
    info = SheetInfo(title=selection.title, subtitle=selection.subtitle, lang=parse_lang(lang), map_date=date,
                     data_date=store.plan.data_date)
    try:
        return render_map_sheet(selection.layers, extent=selection.extent, metric_crs=store.metric_crs,
                                info=info, font_family=find_cjk_font().family, page=page, fmt=fmt,  # type: ignore[arg-type]
                                highlight=selection.highlight)
    except SheetError as exc:
        raise BadRequestError(str(exc)) from None


# ---------------------------------------------------------------------------------------------------- map sheets
@router.get("/export/map.{fmt}", summary="Map sheet 出图 (PNG, SVG, PDF)", response_class=Response)
def export_map(
    store: StoreDep,
    fmt: Annotated[str, Path(description="png, svg or pdf")],
    layers: Annotated[str | None, Query(description="Layer ids, comma-separated (default: visible layers)")] = None,
    zone: Annotated[str | None, Query(description="A zone id: frame and highlight it")] = None,
    project: Annotated[str | None, Query(description="A key project id: frame and highlight it")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat (EPSG:4326)")] = None,
    width: Annotated[float | None, Query(description="Sheet width (default 297 mm)")] = None,
    height: Annotated[float | None, Query(description="Sheet height (default 210 mm)")] = None,
    unit: Annotated[str, Query(description="mm or px")] = "mm",
    dpi: Annotated[int | None, Query(description="Resolution, 50–300 (default 150)")] = None,
    lang: Annotated[str, Query(description="zh or en")] = "zh",
    title: Annotated[str | None, Query(description="Title (default: the plan, zone or project)")] = None,
    date: Annotated[str | None, Query(description="Map date printed on the sheet (default today)")] = None,
) -> Response:
    fmt = fmt.lower()
    if fmt not in MEDIA_TYPES:
        raise BadRequestError(f"unknown map format {fmt!r}; use one of: {', '.join(MEDIA_TYPES)}")
    page = parse_page(fmt, width, height, unit, dpi)
    map_date = parse_date(date)
    selection = resolve_map_selection(store, layers=layers, zone=zone, project=project, bbox=bbox, lang=lang,
                                      title=title)
    content = render_selection(store, selection, fmt=fmt, page=page, lang=lang, date=map_date)
    filename = f"{store.plan_id}-{selection.name}.{fmt}"
    return Response(content, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{_ascii(filename)}"'})


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)


# ---------------------------------------------------------------------------------------------------- check report
def run_site_check(store: PlanStore, body: CheckRequest) -> dict[str, Any]:
    """The report of ``POST /api/checks/site`` for ``body`` (the checks router's own function)."""
    return check_site(store, body)


def render_report(store: PlanStore, report: dict[str, Any], *, lang: str, date: str, title: str | None = None,
                  fmt: str = "pdf") -> bytes:
    """The one-page check report of ``report`` (the dict of ``run_check``)."""
    language = parse_lang(lang)
    ruleset_title = report.get("ruleset_title") or {}
    named = ruleset_title.get(language) if isinstance(ruleset_title, dict) else None
    default_title = "选址检查报告" if language == "zh" else "Site check report"
    specs = [spec for spec in store.specs if spec.visible]
    layers = [MapLayer(spec, store.layer(spec.id)) for spec in specs]
    info = SheetInfo(title=title or default_title, subtitle=named or str(report.get("ruleset", "")),
                     lang=language, map_date=date, data_date=store.plan.data_date)
    try:
        return render_check_report(report, layers, metric_crs=store.metric_crs, info=info,
                                   font_family=find_cjk_font().family, fmt=fmt)  # type: ignore[arg-type]
    except SheetError as exc:
        raise BadRequestError(str(exc)) from None


@router.post("/export/check-report.pdf", summary="Check report 选址检查报告 (PDF)", response_class=Response)
def export_check_report(
    store: StoreDep,
    body: Annotated[CheckRequest, Body()],
    lang: Annotated[str, Query(description="zh or en")] = "zh",
    title: Annotated[str | None, Query(description="Title of the report")] = None,
    date: Annotated[str | None, Query(description="Date printed on the report (default today)")] = None,
) -> Response:
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        raise BadRequestError(f"title is longer than {MAX_TITLE_LENGTH} characters")
    report_date = parse_date(date)
    language = parse_lang(lang)
    report = run_site_check(store, body)
    content = render_report(store, report, lang=language, date=report_date, title=title)
    return Response(content, media_type=MEDIA_TYPES["pdf"],
                    headers={"Content-Disposition": f'inline; filename="check-{_ascii(str(body.ruleset))}.pdf"'})


# ---------------------------------------------------------------------------------------------------- data downloads
def export_to_response(spec: LayerSpec, frame: gpd.GeoDataFrame, fmt: str, *, crs: str | None,
                       csv_geometry: str | None) -> FileResponse:
    """Write the export into a temporary directory and stream it back; the directory goes when sent."""
    directory = tempfile.mkdtemp(prefix="planmap-export-")
    try:
        result = export_layer(frame, spec, fmt, directory, crs=crs,
                              csv_geometry=(csv_geometry or "wkt").lower())  # type: ignore[arg-type]
    except ExportError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise BadRequestError(str(exc)) from None
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        result.path, media_type=result.format.media_type, filename=result.filename,
        headers={"Content-Crs": f"<http://www.opengis.net/def/crs/EPSG/0/{result.crs.to_epsg()}>",
                 "X-Feature-Count": str(result.count)},
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )


def items_export_response(store: PlanStore, spec: LayerSpec, frame: gpd.GeoDataFrame, fmt: str,
                          request: Request) -> Response:
    """A download of ``frame`` (a selection of ``spec``) in ``fmt``; honours ``crs`` and ``geometry`` query
    parameters (``geometry=wkt|xy`` for CSV). Called by ``GET /collections/{id}/items?f=…``."""
    try:
        export_format(fmt)
    except ExportError as exc:
        raise BadRequestError(str(exc)) from None
    params = request.query_params
    return export_to_response(spec, frame, fmt, crs=params.get("crs"), csv_geometry=params.get("geometry"))


@router.get("/export/layers/{layer_id}.{fmt}", summary="Layer download 图层数据导出", response_class=Response)
def export_layer_file(
    store: StoreDep,
    layer_id: Annotated[str, Path(description="Layer (collection) id")],
    fmt: Annotated[str, Path(description=", ".join(EXPORT_FORMATS))],
    crs: Annotated[str | None, Query(description="Output CRS, e.g. EPSG:4550 (default EPSG:4326; DXF: "
                                                 "the CGCS2000 Gauss–Krüger zone)")] = None,
    bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat: features intersecting it")] = None,
    geometry: Annotated[str | None, Query(description="CSV geometry: wkt (default) or xy")] = None,
) -> Response:
    spec = store.spec(layer_id)
    frame = store.layer(spec.id)
    box = ogc.parse_frame_bbox(bbox, store.plan.map_area)
    if box is not None:
        frame = frame[frame.intersects(shapely.box(*box))]
    return export_to_response(spec, frame, fmt, crs=crs, csv_geometry=geometry)
