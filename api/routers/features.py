"""Router: OGC API – Features, Part 1 Core (landing page, conformance, collections, items), JSON and HTML.

Content negotiation: the ``f`` query parameter (``json``, ``html``; on items also ``geojson`` and the export
formats of :mod:`api.routers.exports`) wins over the ``Accept`` header; without either the answer is JSON.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import geopandas as gpd
from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined

from api import ogc, sites_ogc
from api.deps import ServiceDep, SettingsDep, base_url
from api.errors import BadRequestError
from api.middleware import etag_of
from api.responses import items_export_response
from api.service import PlanService
from layers.catalogue import GROUP_EN, GROUPS, LayerSpec

router = APIRouter(tags=["OGC API – Features"])

TEMPLATES_DIR = Path(__file__).resolve().parent.parent / "templates"
templates = Environment(
    loader=FileSystemLoader(TEMPLATES_DIR),
    autoescape=True,  # every value from data is escaped
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)

JSON_FORMATS = ("json", "html")
ITEM_FORMATS = ("json", "geojson", "html")

_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad parameter: JSON {code, description, status} saying what to fix"},
    404: {"description": "No such collection or feature: JSON {code, description, status}"},
}
_GEOJSON_OR_HTML = {200: {"content": {ogc.MEDIA_GEOJSON: {}, ogc.MEDIA_HTML: {}}}, **_ERRORS}
_JSON_OR_HTML = {200: {"content": {ogc.MEDIA_JSON: {}, ogc.MEDIA_HTML: {}}}, **_ERRORS}


FormatQuery = Annotated[
    str | None,
    Query(description="Output format: json or html (default: from the Accept header, else json)."),
]


class GeoJSONResponse(JSONResponse):
    """JSON with the GeoJSON media type."""

    media_type = ogc.MEDIA_GEOJSON


# ---------------------------------------------------------------------------------------------- helpers


def _accept_prefers_html(accept: str) -> bool:
    """Whether an Accept header ranks text/html above every JSON type (browsers do; GDAL, curl do not)."""
    html_q = json_q = -1.0
    wildcard_q = -1.0
    for item in accept.split(","):
        parts = [p.strip() for p in item.split(";")]
        media = parts[0].lower()
        quality = 1.0
        for param in parts[1:]:
            if param.startswith("q="):
                try:
                    quality = float(param[2:])
                except ValueError:
                    quality = 0.0
        if media in ("text/html", "application/xhtml+xml"):
            html_q = max(html_q, quality)
        elif media.endswith("json") or media == "application/*":
            json_q = max(json_q, quality)
        elif media == "*/*":
            wildcard_q = max(wildcard_q, quality)
    if json_q < 0:
        json_q = wildcard_q
    return html_q > 0 and html_q > json_q


def _negotiate(request: Request, f: str | None, allowed: tuple[str, ...]) -> str:
    """The output format: ``f`` when given (must be in ``allowed``), else from the Accept header."""
    if f is not None:
        fmt = f.strip().lower()
        if fmt not in allowed:
            raise BadRequestError(f"unsupported format f={ogc.shown(f)}; use one of: {', '.join(allowed)}")
        return fmt
    return "html" if _accept_prefers_html(request.headers.get("accept", "")) else "json"


def _html(template: str, **context: Any) -> HTMLResponse:
    page = templates.get_template(template).render(**context)
    return HTMLResponse(page, headers={"Vary": "Accept"})


def _json(document: Any, *, geojson: bool = False) -> JSONResponse:
    response_class = GeoJSONResponse if geojson else JSONResponse
    return response_class(document, headers={"Vary": "Accept"})


def _collection_path(spec: LayerSpec) -> str:
    return f"/collections/{ogc.quote_id(spec.id)}"


def _export_response(store: PlanService, spec: LayerSpec, frame: gpd.GeoDataFrame, fmt: str, request: Request) -> Response:
    """Hand a selection to the exports router for a download format (gpkg, kml, csv, dxf, ...)."""
    return items_export_response(spec, frame, fmt, request)


def _page_url(base: str, path: str, params: list[tuple[str, str]], fmt: str, limit: int, offset: int) -> str:
    kept = [(k, v) for k, v in params if k not in ("f", "limit", "offset")]
    query = urlencode([*kept, ("f", fmt), ("limit", str(limit)), ("offset", str(offset))])
    return f"{base}{path}?{query}"


# ---------------------------------------------------------------------------------------------- endpoints
@router.get("/", summary="Landing page 首页", response_model=None, responses=_JSON_OR_HTML)
def landing_page(request: Request, store: ServiceDep, settings: SettingsDep, f: FormatQuery = None) -> Response:
    fmt = _negotiate(request, f, JSON_FORMATS)
    base = base_url(request, settings)
    plan = store.plan
    links = [
        ogc.link(ogc.url(base, "/", f="json"), "self", ogc.MEDIA_JSON, "本页 This document (JSON)"),
        ogc.link(ogc.url(base, "/", f="html"), "alternate", ogc.MEDIA_HTML, "本页 This document (HTML)"),
        ogc.link(f"{base}/api", "service-desc", ogc.MEDIA_OPENAPI, "接口定义 API definition (OpenAPI 3.0)"),
        ogc.link(f"{base}/api/docs", "service-doc", ogc.MEDIA_HTML, "接口文档 API documentation"),
        ogc.link(ogc.url(base, "/conformance", f="json"), "conformance", ogc.MEDIA_JSON,
                 "符合性声明 Conformance classes"),
        ogc.link(ogc.url(base, "/collections", f="json"), "data", ogc.MEDIA_JSON, "图层 Collections (JSON)"),
        ogc.link(ogc.url(base, "/collections", f="html"), "data", ogc.MEDIA_HTML, "图层 Collections (HTML)"),
        ogc.link(f"{base}/maps", "related", ogc.MEDIA_HTML, "地图 Interactive maps"),
        ogc.link(f"{base}/api/rulesets", "related", ogc.MEDIA_JSON, "规则集 Rulesets for site checks"),
    ]
    document = {
        "title": plan.title.zh,
        "title_en": plan.title.en,
        "description": f"{plan.title.en}. {plan.district.en} ({plan.district.zh}); data as of {plan.data_date}.",
        "district": plan.district.model_dump(),
        "data_date": plan.data_date,
        "attribution": plan.attribution,
        "links": links,
    }
    if fmt == "html":
        return _html("features_landing.html", doc=document, plan=plan, links=links, home=base,
                     collection_count=len(store.specs))
    return _json(document)


@router.get("/conformance", summary="Conformance classes 符合性声明", response_model=None, responses=_JSON_OR_HTML)
def conformance(request: Request, settings: SettingsDep, f: FormatQuery = None) -> Response:
    fmt = _negotiate(request, f, JSON_FORMATS)
    base = base_url(request, settings)
    document = {
        "conformsTo": ogc.CONFORMANCE_CLASSES + sites_ogc.PART4_CONFORMANCE,
        "links": [
            ogc.link(ogc.url(base, "/conformance", f="json"), "self", ogc.MEDIA_JSON, "Conformance (JSON)"),
            ogc.link(ogc.url(base, "/conformance", f="html"), "alternate", ogc.MEDIA_HTML, "Conformance (HTML)"),
        ],
    }
    if fmt == "html":
        return _html("features_conformance.html", doc=document, home=base)
    return _json(document)


@router.get("/collections", summary="Collections 图层列表", response_model=None, responses=_JSON_OR_HTML)
def collections(request: Request, store: ServiceDep, settings: SettingsDep, f: FormatQuery = None) -> Response:
    fmt = _negotiate(request, f, JSON_FORMATS)
    base = base_url(request, settings)
    docs = [ogc.collection_document(spec, store.layer(spec.id), base, store.plan.map_area) for spec in store.specs]
    if sites_ogc.readable(request):  # the workbench's writable collection, for signed-in readers
        docs.append(sites_ogc.collection_document(base, store.plan.map_area))
    document = {
        "links": [
            ogc.link(ogc.url(base, "/collections", f="json"), "self", ogc.MEDIA_JSON, "图层 Collections (JSON)"),
            ogc.link(ogc.url(base, "/collections", f="html"), "alternate", ogc.MEDIA_HTML,
                     "图层 Collections (HTML)"),
        ],
        "crs": [ogc.CRS84],
        "collections": docs,
    }
    if fmt == "html":
        groups = [(group, GROUP_EN[group], [d for d in docs if d["group"] == group]) for group in GROUPS]
        return _html("features_collections.html", doc=document, groups=[g for g in groups if g[2]],
                     plan=store.plan, home=base)
    return _json(document)


@router.get("/collections/{collection_id}", summary="One collection 图层", response_model=None, responses=_JSON_OR_HTML)
def collection(
    request: Request,
    store: ServiceDep,
    settings: SettingsDep,
    collection_id: Annotated[str, PathParam(description="Collection (layer) id, e.g. district-boundary")],
    f: FormatQuery = None,
) -> Response:
    spec = store.spec(collection_id)
    fmt = _negotiate(request, f, JSON_FORMATS)
    base = base_url(request, settings)
    document = ogc.collection_document(spec, store.layer(spec.id), base, store.plan.map_area)
    if fmt == "html":
        return _html("features_collection.html", doc=document, spec=spec, home=base,
                     path=_collection_path(spec))
    return _json(document)


@router.get("/collections/{collection_id}/items", summary="Features of a collection 要素", response_model=None,
            responses=_GEOJSON_OR_HTML)
def items(
    request: Request,
    store: ServiceDep,
    settings: SettingsDep,
    collection_id: Annotated[str, PathParam(description="Collection (layer) id")],
    f: Annotated[
        str | None,
        Query(description="json / geojson / html, or a download format offered by the exports (gpkg, kml, csv…)"),
    ] = None,
    bbox: Annotated[
        str | None,
        Query(description="minLon,minLat,maxLon,maxLat (WGS84 longitude/latitude): features intersecting it"),
    ] = None,
    bbox_crs: Annotated[str | None, Query(alias="bbox-crs", description="CRS84 (default) or EPSG:4326 (lat/lon)")] = None,
    limit: Annotated[
        str | None, Query(description="Page size (default and maximum from the service settings)")
    ] = None,
    offset: Annotated[str | None, Query(description="Number of features to skip (paging)")] = None,
    datetime: Annotated[str | None, Query(description="RFC 3339 instant or interval: checked, then ignored (the "
                                                       "layers carry no time)")] = None,
) -> Response:
    spec = store.spec(collection_id)
    frame = store.layer(spec.id)
    export_format = f is not None and f.strip().lower() not in ITEM_FORMATS
    fmt = f.strip().lower() if export_format else _negotiate(request, f, ITEM_FORMATS)
    lat_first = ogc.parse_bbox_crs(bbox_crs)
    ogc.parse_datetime(datetime)
    selection = ogc.select_features(
        frame,
        bbox=ogc.parse_bbox(bbox, lat_first=lat_first),
        filters=ogc.property_filters(request.query_params.multi_items(), frame) if not export_format else
        _export_filters(request, frame),
    )
    if export_format:
        return _export_response(store, spec, selection, fmt, request)

    page_size = ogc.parse_int("limit", limit, default=min(settings.default_limit, settings.max_limit),
                              minimum=1, maximum=settings.max_limit)
    matched = len(selection)
    start = ogc.parse_int("offset", offset, default=0, minimum=0)
    first = min(start, matched)  # a huge offset is an empty page, not an overflow
    page = selection.iloc[first:first + page_size]
    base = base_url(request, settings)
    path = f"{_collection_path(spec)}/items"
    params = request.query_params.multi_items()
    links = [
        ogc.link(_page_url(base, path, params, "json", page_size, start), "self", ogc.MEDIA_GEOJSON,
                 "本页 This page (GeoJSON)"),
        ogc.link(_page_url(base, path, params, "html", page_size, start), "alternate", ogc.MEDIA_HTML,
                 "本页 This page (HTML)"),
        ogc.link(ogc.url(base, _collection_path(spec), f="json"), "collection", ogc.MEDIA_JSON,
                 f"图层 {spec.title.zh}"),
    ]
    if start + page_size < matched:
        links.append(ogc.link(_page_url(base, path, params, "json", page_size, start + page_size), "next",
                              ogc.MEDIA_GEOJSON, "下一页 Next page"))
    if start > 0:
        links.append(ogc.link(_page_url(base, path, params, "json", page_size, max(0, start - page_size)),
                              "prev", ogc.MEDIA_GEOJSON, "上一页 Previous page"))
    features = ogc.features_to_geojson(page)
    document = {
        "type": "FeatureCollection",
        "features": features,
        "numberMatched": matched,
        "numberReturned": len(features),
        "links": links,
    }
    # the ETag covers the page, not timeStamp (which changes every second): a revalidation gets a 304
    etag = etag_of(json.dumps([fmt, document, store.data_hash], sort_keys=True, default=str).encode())
    document["timeStamp"] = ogc.now_iso()
    if fmt == "html":
        html_links = {
            "next": _page_url(base, path, params, "html", page_size, start + page_size)
            if start + page_size < matched else None,
            "prev": _page_url(base, path, params, "html", page_size, max(0, start - page_size))
            if start > 0 else None,
            "json": links[0]["href"],
        }
        columns = _table_columns(spec, page)
        # provenance that is the same for every feature of the page is shown once above the table
        shared = {name: page[name].iloc[0] for name in ("source", "method")
                  if name in page.columns and len(page) and page[name].nunique(dropna=False) == 1}
        columns = [(name, title) for name, title in columns if name not in shared]
        page_html = _html("features_items.html", doc=document, spec=spec, home=base, columns=columns,
                          shared=shared,
                          collection_path=_collection_path(spec), page_links=html_links, offset=start,
                          limit=page_size, attribution=ogc.layer_attribution(spec),
                          quote_id=ogc.quote_id)
        page_html.headers["ETag"] = etag
        return page_html
    response = _json(document, geojson=True)
    response.headers["ETag"] = etag
    return response


EXPORT_PARAMETERS = ogc.EXPORT_PARAMETERS


def _export_filters(request: Request, frame: gpd.GeoDataFrame) -> dict[str, str]:
    """Property filters for a download; a misspelt name is refused as on the JSON path, not silently dropped.

    A download holds the whole selection (bbox and filters): ``limit`` and ``offset`` page JSON and HTML only.
    """
    return ogc.property_filters(request.query_params.multi_items(), frame,
                                known=(*ogc.ITEMS_PARAMETERS, *EXPORT_PARAMETERS))


def _table_columns(spec: LayerSpec, page: gpd.GeoDataFrame) -> list[tuple[str, str]]:
    """Columns of the HTML feature table: id, name, declared fields, then the rest; with Chinese titles."""
    titles = {"id": "编号 id", "name": "名称 name", "name_en": "英文名 name_en", "source": "来源 source",
              "method": "方法 method", "accuracy_m": "精度 accuracy (m)", "schematic": "示意 schematic"}
    for name, field in spec.fields.items():
        titles[name] = " ".join(filter(None, [field.title_zh, field.title_en])) or name
    present = [c for c in page.columns if c != page.geometry.name]
    ordered = [c for c in ("id", "name", "name_en") if c in present]
    ordered += [c for c in spec.fields if c in present and c not in ordered]
    ordered += [c for c in present if c not in ordered]
    return [(c, titles.get(c, c)) for c in ordered]


@router.get("/collections/{collection_id}/items/{feature_id}", summary="One feature 要素", response_model=None,
            responses=_GEOJSON_OR_HTML)
def item(
    request: Request,
    store: ServiceDep,
    settings: SettingsDep,
    collection_id: Annotated[str, PathParam(description="Collection (layer) id")],
    feature_id: Annotated[str, PathParam(description="Feature id (stable English slug or OSM-derived id)")],
    f: Annotated[str | None, Query(description="json / geojson / html")] = None,
) -> Response:
    spec = store.spec(collection_id)
    row = store.feature(spec.id, feature_id)
    fmt = _negotiate(request, f, ITEM_FORMATS)
    base = base_url(request, settings)
    path = f"{_collection_path(spec)}/items/{ogc.quote_id(feature_id)}"
    document = ogc.features_to_geojson(row)[0]
    document["links"] = [
        ogc.link(ogc.url(base, path, f="json"), "self", ogc.MEDIA_GEOJSON, "本要素 This feature (GeoJSON)"),
        ogc.link(ogc.url(base, path, f="html"), "alternate", ogc.MEDIA_HTML, "本要素 This feature (HTML)"),
        ogc.link(ogc.url(base, _collection_path(spec), f="json"), "collection", ogc.MEDIA_JSON,
                 f"图层 {spec.title.zh}"),
    ]
    if fmt == "html":
        geometry = row.geometry.iloc[0]
        return _html("features_item.html", doc=document, spec=spec, home=base,
                     collection_path=_collection_path(spec), columns=_table_columns(spec, row),
                     geometry_type=geometry.geom_type, bounds=[round(v, 6) for v in geometry.bounds],
                     attribution=ogc.layer_attribution(spec))
    return _json(document, geojson=True)
