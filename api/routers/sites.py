"""Router: saved sites — the ``sites`` collection (OGC API – Features Part 4) and the workbench routes.

Thin: authenticate, parse, call :class:`api.service.sites.SiteService`, format. Reading needs a signed-in
account (viewer or above), writing a planner; a site is changed by its author or an admin.

Routes: ``/collections/sites[/items[/{id}]]`` (GET, POST, PUT, PATCH, DELETE; ``ETag`` on every item,
``If-Match`` required on changes: 428 without, 412 when stale); ``/api/sites`` (search), ``/api/sites/compare``,
``/api/sites/export``, ``/api/sites/import``, ``/api/sites/{id}/history``, ``…/versions/{n}``, ``…/diff``,
``…/recheck``, ``…/revert``, ``…/restore``; the page ``/maps/compare``.
"""

from __future__ import annotations

import json
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, File, Form, Header, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, JSONResponse, Response

from api import ogc, sites_ogc
from api.auth import PlannerDep, ViewerDep, get_store
from api.deps import ServiceDep, SettingsDep, base_url, url_root
from api.errors import BadRequestError
from api.service.sites import COLLECTION_ID, SiteService, etag

router = APIRouter(tags=["sites 选址"])

ITEMS = f"/collections/{COLLECTION_ID}/items"
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input: JSON {code, description, status}"},
    401: {"description": "No credentials: sign in or send Authorization: Bearer <token>"},
    403: {"description": "Role too low, not the author, or CSRF token missing"},
    404: {"description": "No such site in this plan"},
}
_WRITE_ERRORS = {**_ERRORS, 412: {"description": "If-Match names an old version"},
                 428: {"description": "If-Match missing"}, 422: {"description": "Unusable geometry"}}
IfMatch = Annotated[str | None, Header(alias="If-Match", description="the ETag of the version being changed")]


def _service(request: Request, service: Any) -> SiteService:
    """The saved sites of the plan the request addresses."""
    return SiteService(service, get_store(request))


class GeoJSONResponse(JSONResponse):
    media_type = ogc.MEDIA_GEOJSON


def _item_response(sites: SiteService, record: dict[str, Any], base: str, *, status: int = 200) -> Response:
    document = sites.feature(record)
    href = f"{base}{ITEMS}/{quote(record['id'])}"
    document["links"] = [ogc.link(href, "self", ogc.MEDIA_GEOJSON, "本选址 This site"),
                         ogc.link(f"{base}/maps/check?site={quote(record['id'])}", "alternate", ogc.MEDIA_HTML,
                                  "在地图上打开 Open on the check map")]
    headers = {"ETag": etag(record)}
    if status == 201:
        headers["Location"] = href
    return GeoJSONResponse(document, status_code=status, headers=headers)


def _body(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BadRequestError(f"the request body is not valid JSON ({exc})") from None


def _filters(q: str | None, ruleset: str | None, overall: str | None, author: str | None) -> dict[str, Any]:
    return {"q": q, "ruleset": ruleset, "overall": overall, "author": author}


Q = Annotated[str | None, Query(description="part of the name or note 名称或备注包含")]
RulesetQ = Annotated[str | None, Query(description="ruleset id 规则集")]
OverallQ = Annotated[str | None, Query(description="pass / fail / incomplete 结论")]
AuthorQ = Annotated[str | None, Query(description="author 作者")]


# ---------------------------------------------------------------------------------------------- collection
@router.get(f"/collections/{COLLECTION_ID}", summary="The sites collection 已保存的选址", responses=_ERRORS)
def collection(request: Request, service: ServiceDep, settings: SettingsDep) -> dict[str, Any]:
    return sites_ogc.collection_document(base_url(request, settings), service.plan.map_area)


@router.get(ITEMS, summary="Saved sites 选址 (GeoJSON; f=gpkg/csv/pdf downloads the selection)",
            response_model=None, responses=_ERRORS)
def items(request: Request, service: ServiceDep, settings: SettingsDep, user: ViewerDep,
          bbox: Annotated[str | None, Query(description="minLon,minLat,maxLon,maxLat")] = None,
          limit: str | None = None, offset: str | None = None, q: Q = None, ruleset: RulesetQ = None,
          overall: OverallQ = None, author: AuthorQ = None, f: str | None = None) -> Response:
    sites = _service(request, service)
    filters = _filters(q, ruleset, overall, author)
    fmt = (f or "json").strip().lower()
    if fmt not in ("json", "geojson"):
        return _export(sites, sites.search(**filters, bbox=ogc.parse_bbox(bbox))[0], fmt, "zh")
    size = ogc.parse_int("limit", limit, default=min(settings.default_limit, settings.max_limit), minimum=1,
                         maximum=settings.max_limit)
    start = ogc.parse_int("offset", offset, default=0, minimum=0)
    records, matched = sites.search(**filters, limit=size, offset=start, bbox=ogc.parse_bbox(bbox))
    base = base_url(request, settings)
    features = [sites.feature(r, with_report=False) for r in records]
    params = {k: v for k, v in request.query_params.items() if k not in ("offset", "limit")}
    links = [ogc.link(ogc.url(base, ITEMS, **params, limit=size, offset=start), "self", ogc.MEDIA_GEOJSON,
                      "本页 This page")]
    if start + size < matched:
        links.append(ogc.link(ogc.url(base, ITEMS, **params, limit=size, offset=start + size), "next",
                              ogc.MEDIA_GEOJSON, "下一页 Next page"))
    return GeoJSONResponse({"type": "FeatureCollection", "features": features, "numberMatched": matched,
                            "numberReturned": len(features), "timeStamp": ogc.now_iso(), "links": links})


@router.post(ITEMS, status_code=201, summary="Save a site 保存选址 (checked on save)", response_model=None,
             responses=_WRITE_ERRORS)
async def create(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep) -> Response:
    feature = _body(await request.body())
    sites = _service(request, service)
    from anyio import to_thread

    record = await to_thread.run_sync(sites.create, feature, user)
    return _item_response(sites, record, base_url(request, settings), status=201)


@router.get(ITEMS + "/{site_id}", summary="One saved site 选址 with its report", response_model=None,
            responses=_ERRORS)
def item(request: Request, service: ServiceDep, settings: SettingsDep, user: ViewerDep, site_id: str) -> Response:
    sites = _service(request, service)
    return _item_response(sites, sites.get(site_id), base_url(request, settings))


@router.put(ITEMS + "/{site_id}", summary="Replace a site 替换 (If-Match)", response_model=None,
            responses=_WRITE_ERRORS)
async def replace(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep, site_id: str,
                  if_match: IfMatch = None) -> Response:
    from anyio import to_thread

    feature = _body(await request.body())
    sites = _service(request, service)
    record = await to_thread.run_sync(sites.replace, site_id, feature, user, if_match)
    return _item_response(sites, record, base_url(request, settings))


@router.patch(ITEMS + "/{site_id}", summary="Change members of a site 修改 (If-Match)", response_model=None,
              responses=_WRITE_ERRORS)
async def update(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep, site_id: str,
                 if_match: IfMatch = None) -> Response:
    from anyio import to_thread

    patch = _body(await request.body())
    sites = _service(request, service)
    record = await to_thread.run_sync(sites.update, site_id, patch, user, if_match)
    return _item_response(sites, record, base_url(request, settings))


@router.delete(ITEMS + "/{site_id}", status_code=204, summary="Delete a site 删除 (If-Match; an admin restores)",
               response_model=None, responses=_WRITE_ERRORS)
def delete(request: Request, service: ServiceDep, user: PlannerDep, site_id: str,
           if_match: IfMatch = None) -> Response:
    _service(request, service).delete(site_id, user, if_match)
    return Response(status_code=204)


# ---------------------------------------------------------------------------------------------- workbench
def _summary(sites: SiteService, record: dict[str, Any]) -> dict[str, Any]:
    properties = sites.feature(record, with_report=False)["properties"]
    return {"id": record["id"], **{k: properties[k] for k in (
        "name", "ruleset", "overall", "author", "updated", "version", "data_date", "stale")}}


@router.get("/api/sites", summary="Search saved sites 搜索选址", responses=_ERRORS)
def search(request: Request, service: ServiceDep, user: ViewerDep, q: Q = None, ruleset: RulesetQ = None,
           overall: OverallQ = None, author: AuthorQ = None,
           deleted: Annotated[bool, Query(description="list deleted sites (admins restore them)")] = False,
           limit: Annotated[int, Query(ge=1, le=1000)] = 100,
           offset: Annotated[int, Query(ge=0)] = 0) -> dict[str, Any]:
    sites = _service(request, service)
    records, matched = sites.search(**_filters(q, ruleset, overall, author), deleted=deleted, limit=limit,
                                    offset=offset)
    return {"plan": service.plan_id, "numberMatched": matched, "sites": [_summary(sites, r) for r in records]}


def _ids(text: str | None) -> list[str]:
    if not text:
        raise BadRequestError("ids: 给出 2–5 个选址编号 give 2–5 site ids, comma-separated")
    return [part for part in text.split(",") if part.strip()]


@router.get("/api/sites/compare", summary="Compare 2–5 sites 选址对比", responses=_ERRORS)
def compare(request: Request, service: ServiceDep, user: ViewerDep,
            ids: Annotated[str | None, Query(description="2–5 site ids, comma-separated")] = None) -> dict[str, Any]:
    return _service(request, service).compare(_ids(ids))


def _export(sites: SiteService, records: list[dict[str, Any]], fmt: str, lang: str) -> Response:
    data, media, suffix = sites.export(records, fmt, lang=lang)
    filename = f"{sites.plan.plan_id}-sites.{suffix}"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/api/sites/export", summary="Export sites 导出: GeoPackage, CSV (Excel) or PDF (a report page per site)",
            response_class=Response, responses=_ERRORS)
def export(request: Request, service: ServiceDep, user: ViewerDep,
           f: Annotated[str, Query(description="gpkg, csv or pdf")] = "gpkg",
           ids: Annotated[str | None, Query(description="site ids (default: every site matching the filters)")] = None,
           q: Q = None, ruleset: RulesetQ = None, overall: OverallQ = None, author: AuthorQ = None,
           lang: str = "zh") -> Response:
    sites = _service(request, service)
    if ids:
        records = [sites.get(i.strip()) for i in ids.split(",") if i.strip()]
    else:
        records = sites.search(**_filters(q, ruleset, overall, author))[0]
    return _export(sites, records, f.strip().lower(), lang)


@router.post("/api/sites/import", summary="Import a site file 导入选址文件 (check, and save when asked)",
             responses={**_WRITE_ERRORS, 413: {"description": "More features than one import takes"}})
def import_file(request: Request, service: ServiceDep, user: ViewerDep,
                file: Annotated[UploadFile, File(description="GeoJSON, KML/KMZ, GPKG, Shapefile zip, DXF, CSV+WKT")],
                crs: Annotated[str | None, Form(description=(
                    "EPSG:4326, EPSG:4490, EPSG:4534–4554, EPSG:4513–4533 (zone number in the eastings), "
                    "GCJ-02, BD-09"))] = None,
                ruleset: Annotated[str | None, Form()] = None,
                save: Annotated[str | None, Form(description="true to save the sites")] = None,
                csrf_token: Annotated[str | None, Form()] = None) -> dict[str, Any]:
    from api.auth import check_form_csrf
    from layers.imports import MAX_BYTES

    check_form_csrf(request, user, csrf_token)
    do_save = (save or "false").strip().lower() in ("true", "1", "yes", "on")
    data = file.file.read(MAX_BYTES + 1)
    return _service(request, service).import_file(data, file.filename or "upload", user, crs=crs,
                                                  ruleset=ruleset, save=do_save)


@router.get("/api/sites/{site_id}/history", summary="Versions of a site 历史版本", responses=_ERRORS)
def history(request: Request, service: ServiceDep, user: ViewerDep, site_id: str) -> dict[str, Any]:
    return {"site": site_id, "versions": _service(request, service).history(site_id)}


@router.get("/api/sites/{site_id}/versions/{version}", summary="One stored version 某一版本", responses=_ERRORS)
def version(request: Request, service: ServiceDep, user: ViewerDep, site_id: str, version: int) -> dict[str, Any]:
    sites = _service(request, service)
    record = sites.version(site_id, version)
    return {**sites.feature({**record, "id": site_id}), "version": version, "action": record["action"],
            "editor": record["editor"], "saved": record["saved"]}


@router.get("/api/sites/{site_id}/diff", summary="Compare two versions 版本对比", responses=_ERRORS)
def diff(request: Request, service: ServiceDep, user: ViewerDep, site_id: str,
         a: Annotated[int, Query(alias="from", ge=1)], b: Annotated[int, Query(alias="to", ge=1)]) -> dict[str, Any]:
    return _service(request, service).diff(site_id, a, b)


@router.post("/api/sites/{site_id}/recheck", summary="Check again on the current data 重新检查",
             response_model=None, responses=_WRITE_ERRORS)
def recheck(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep, site_id: str) -> Response:
    sites = _service(request, service)
    return _item_response(sites, sites.recheck(site_id, user), base_url(request, settings))


@router.post("/api/sites/{site_id}/revert", summary="Restore an earlier version 恢复旧版本 (If-Match)",
             response_model=None, responses=_WRITE_ERRORS)
def revert(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep, site_id: str,
           version: Annotated[int, Query(ge=1)], if_match: IfMatch = None) -> Response:
    sites = _service(request, service)
    return _item_response(sites, sites.revert(site_id, version, user, if_match), base_url(request, settings))


@router.post("/api/sites/{site_id}/restore", summary="Bring a deleted site back 恢复已删除选址 (admin)",
             response_model=None, responses=_WRITE_ERRORS)
def restore(request: Request, service: ServiceDep, settings: SettingsDep, user: PlannerDep,
            site_id: str) -> Response:
    sites = _service(request, service)
    return _item_response(sites, sites.undelete(site_id, user), base_url(request, settings))


# ---------------------------------------------------------------------------------------------- compare page
@router.get("/maps/compare", response_class=HTMLResponse, summary="Compare 2–5 saved sites on one map 选址对比")
def compare_page(request: Request, service: ServiceDep, settings: SettingsDep, user: ViewerDep,
                 sites: Annotated[str | None, Query(description="2–5 site ids, comma-separated")] = None,
                 lang: str = "zh") -> HTMLResponse:
    from maps.compare import build_compare_page

    result = _service(request, service).compare(_ids(sites))
    root = url_root(request, settings)
    html = build_compare_page(service, result, lang="en" if lang == "en" else "zh", root=root)
    csp = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
           "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'")
    return HTMLResponse(html, headers={"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff"})

