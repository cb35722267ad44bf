"""Router: print-quality map sheets (PNG, SVG, PDF), the check report as PDF, and data downloads.

- ``GET /export/map.{png,svg,pdf}``: a map sheet of layers, a zone or a project, with the selection parameters
  of the embed maps (``layers=a,b``, ``zone=ID``, ``project=ID``, ``bbox=minx,miny,maxx,maxy``, ``lang=zh|en``)
  plus ``width``, ``height``, ``unit=mm|px``, ``dpi`` (≤ 300), ``title`` and ``date``.
- ``POST /export/check-report.pdf``: the body of ``POST /api/checks/site``; one page with map and criteria.
- ``GET /export/layers/{id}.{geojson,gpkg,kml,csv,dxf}`` and ``/collections/{id}/items?f=…`` (through
  :func:`items_export_response`): a layer or selection as a file, ``crs=EPSG:4550`` on request.
"""

from __future__ import annotations

from typing import Annotated

import shapely
from fastapi import APIRouter, Body, Path, Query
from fastapi.responses import Response

from api import ogc
from api.deps import ServiceDep, SettingsDep
from api.errors import BadRequestError
from api.responses import export_to_response
from api.service.exports import (
    MAX_TITLE_LENGTH,
    parse_date,
    parse_lang,
    parse_page,
    parse_scale,
    render_report,
    render_selection,
    resolve_map_selection,
    with_site,
)
from api.service.models import CheckRequest, check_site_size
from layers.exports import FORMATS as EXPORT_FORMATS
from maps.sheet import MEDIA_TYPES

router = APIRouter(tags=["exports 导出"])

@router.get("/export/map.{fmt}", summary="Map sheet 出图 (PNG, SVG, PDF)", response_class=Response)
def export_map(
    store: ServiceDep,
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
    scale: Annotated[int | None, Query(description="Scale denominator 2000–100000: framed at 1:scale around the "
                                                   "selection's centre (not with bbox)")] = None,
    paper: Annotated[str | None, Query(description="A4, A3, A2, A1 or A0 (not with width/height)")] = None,
    orientation: Annotated[str | None, Query(description="portrait or landscape (default landscape)")] = None,
    site: Annotated[str | None, Query(description="A drawn site to draw and label: a GeoJSON geometry (EPSG:4326)")]
    = None,
) -> Response:
    fmt = fmt.lower()
    if fmt not in MEDIA_TYPES:
        raise BadRequestError(f"unknown map format {fmt!r}; use one of: {', '.join(MEDIA_TYPES)}")
    page = parse_page(fmt, width, height, unit, dpi, paper=paper, orientation=orientation)
    chosen_scale = parse_scale(scale, bbox)
    map_date = parse_date(date)
    selection = resolve_map_selection(store, layers=layers, zone=zone, project=project, bbox=bbox, lang=lang,
                                      title=title)
    selection = with_site(selection, site, lang)
    content = render_selection(store, selection, fmt=fmt, page=page, lang=lang, date=map_date, scale=chosen_scale)
    filename = f"{store.plan_id}-{selection.name}.{fmt}"
    return Response(content, media_type=MEDIA_TYPES[fmt],
                    headers={"Content-Disposition": f'inline; filename="{_ascii(filename)}"'})


def _ascii(name: str) -> str:
    return "".join(c if c.isascii() and (c.isalnum() or c in "-_.") else "_" for c in name)


# ---------------------------------------------------------------------------------------------------- check report
@router.post("/export/check-report.pdf", summary="Check report 选址检查报告 (PDF)", response_class=Response)
def export_check_report(
    store: ServiceDep,
    settings: SettingsDep,
    body: Annotated[CheckRequest, Body()],
    lang: Annotated[str, Query(description="zh or en")] = "zh",
    title: Annotated[str | None, Query(description="Title of the report")] = None,
    date: Annotated[str | None, Query(description="Date printed on the report (default today)")] = None,
) -> Response:
    if title is not None and len(title) > MAX_TITLE_LENGTH:
        raise BadRequestError(f"title is longer than {MAX_TITLE_LENGTH} characters")
    report_date = parse_date(date)
    language = parse_lang(lang)
    check_site_size(body.geometry, max_parts=settings.max_site_parts, max_vertices=settings.max_site_vertices)
    report = store.check_site(body.geometry, body.ruleset, attributes=body.attributes, parameters=body.parameters)
    content = render_report(store, report, lang=language, date=report_date, title=title)
    return Response(content, media_type=MEDIA_TYPES["pdf"],
                    headers={"Content-Disposition": f'inline; filename="check-{_ascii(str(body.ruleset))}.pdf"'})


# ---------------------------------------------------------------------------------------------------- data downloads
@router.get("/export/layers/{layer_id}.{fmt}", summary="Layer download 图层数据导出", response_class=Response)
def export_layer_file(
    store: ServiceDep,
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
