"""Router: interactive map pages (/maps …), chrome-less embeds (/embed …) and their static files (/static …).

Thin: parse and validate the query (basemap, lang, bbox, layers, download), call a builder in :mod:`maps.builders`,
return HTML. Bad input is a 4xx with a message saying what to fix.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Annotated
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import FileResponse, HTMLResponse, Response

from api import ogc
from api.auth import get_workbench
from api.deps import RegistryDep, ServiceDep, SettingsDep, base_url, url_root
from api.errors import BadRequestError, NotFoundError
from api.middleware import etag_of
from api.service import PlanService
from api.service.zone_values import values_service
from api.settings import Settings
from layers.errors import FeatureNotFoundError
from maps import audit as audit_page
from maps import builders
from maps.assets import STATIC_DIR
from maps.basemaps import BASEMAPS, available_basemaps
from maps.builders import PageOptions

router = APIRouter(tags=["maps"])

LANGS = ("zh", "en")
#: online tile hosts a page may load from when the planner chose that basemap (Content-Security-Policy)
TILE_HOSTS = {
    "none": "",
    "osm": " https://tile.openstreetmap.org",
    "amap": " https://*.is.autonavi.com",
    "tianditu": " https://*.tianditu.gov.cn",
}

BasemapQ = Annotated[str, Query(description="none (offline, default) | osm | amap (GCJ-02) | tianditu (needs a key)")]
LangQ = Annotated[str, Query(description="zh | en")]
BboxQ = Annotated[str | None, Query(description="min_lon,min_lat,max_lon,max_lat (EPSG:4326)")]
LayersQ = Annotated[str | None, Query(description="comma-separated layer ids; default: all layers")]
DownloadQ = Annotated[str | None, Query(description="1 = a standalone HTML file (everything inlined)")]


# ---------------------------------------------------------------------------------------------- parsing
def parse_basemap(value: str, tianditu_key: str | None) -> str:
    value = value.strip().lower()
    offered = ", ".join(b.id for b in available_basemaps(tianditu_key))
    if value not in BASEMAPS:
        raise BadRequestError(f"unknown basemap {value!r}; use one of: {offered}")
    if BASEMAPS[value].needs_key and not tianditu_key:
        raise BadRequestError(
            f"basemap {value!r} needs a Tianditu key, and this server has none (set PLANMAP_TIANDITU_KEY); "
            f"use one of: {offered}")
    return value


def parse_lang(value: str) -> str:
    value = value.strip().lower()
    if value not in LANGS:
        raise BadRequestError(f"unknown lang {value!r}; use zh or en")
    return value


def parse_layers(value: str | None, store) -> tuple[str, ...] | None:
    if value is None:
        return None
    ids = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    if not ids:
        raise BadRequestError("layers is empty; give comma-separated layer ids or leave it out for all layers")
    for layer_id in ids:
        store.spec(layer_id)  # LayerNotFoundError → 404 naming the known layers
    return ids


def parse_download(value: str | None) -> bool:
    if value is None:
        return False
    flag = value.strip().lower()
    if flag in ("1", "true", "yes"):
        return True
    if flag in ("", "0", "false", "no"):
        return False
    raise BadRequestError(f"download must be 1 or 0; got {value!r}")


@lru_cache(maxsize=1)
def static_files() -> dict[str, bytes]:
    """Every file under maps/static (≈ 0.3 MB), read once: inlined into standalone downloads."""
    return {p.relative_to(STATIC_DIR).as_posix(): p.read_bytes()
            for p in sorted(STATIC_DIR.rglob("*")) if p.is_file()}




_RANDOM_ID = re.compile(r"[0-9a-f]{32}")
_INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.DOTALL | re.IGNORECASE)


def script_hashes(html: str) -> str:
    """CSP sources allowing exactly the page's inline scripts (``'sha256-…'`` each), not any injected one."""
    digests = {base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
               for body in _INLINE_SCRIPT.findall(html)}
    return "".join(f" 'sha256-{d}'" for d in sorted(digests))


def _page(html: str, *, basemap: str, download: bool, filename: str) -> HTMLResponse:
    tiles = TILE_HOSTS.get(basemap, "")
    csp = (f"default-src 'self'; script-src 'self'{script_hashes(html)}; style-src 'self' 'unsafe-inline'; "
           f"img-src 'self' data: blob:{tiles}; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
           "base-uri 'none'")
    # Folium names elements with random 32-hex ids: the validator ignores them, so a revalidation gets a 304
    headers = {"Content-Security-Policy": csp, "X-Content-Type-Options": "nosniff",
               "ETag": etag_of(_RANDOM_ID.sub("", html).encode())}
    if download:
        safe = re.sub(r"[^A-Za-z0-9._-]+", "_", filename)[:120] or "map"
        headers["Content-Disposition"] = f'attachment; filename="{safe}.html"'
    return HTMLResponse(html, headers=headers)


@dataclass(frozen=True)
class MapQuery:
    """The query every map page takes (basemap, lang, bbox, layers, download), parsed and validated once.

    Routes receive it through :data:`MapQueryDep`; :meth:`options` turns it into the builders' ``PageOptions``
    and :meth:`respond` into the HTML response.
    """

    request: Request
    settings: Settings
    store: PlanService
    basemap: str
    lang: str
    bbox: tuple[float, float, float, float] | None
    layer_ids: tuple[str, ...] | None
    download: bool
    #: the bbox and layers as the request gave them, kept in the links the page offers
    bbox_text: str | None = None
    layers_text: str | None = None

    def as_download(self) -> MapQuery:
        """The same query asking for the standalone file (the ``…/download`` routes)."""
        return replace(self, download=True)

    def options(self, page_path: str, embed_path: str) -> PageOptions:
        """Page options for the page at ``page_path`` whose iframe snippet points at ``embed_path``."""
        settings = self.settings
        root = url_root(self.request, settings)
        base = base_url(self.request, settings)
        kept = {k: v for k, v in (("layers", self.layers_text), ("bbox", self.bbox_text),
                                  ("lang", self.lang if self.lang != "zh" else None)) if v}
        basemap = {"basemap": self.basemap} if self.basemap != "none" else {}

        def with_query(path: str, **extra: str) -> str:
            query = urlencode({**kept, **extra})
            return f"{path}?{query}" if query else path

        links = {b.id: with_query(f"{root}{page_path}", basemap=b.id)
                 for b in available_basemaps(settings.tianditu_key)}
        return PageOptions(
            basemap=self.basemap, lang=self.lang, bbox=self.bbox, layer_ids=self.layer_ids,
            static_url=f"{root}/static", maps_url=f"{root}/maps", embed_url=f"{root}/embed", api_url=f"{root}/api",
            tianditu_key=settings.tianditu_key, assets=static_files() if self.download else None,
            basemap_links=links,
            snippet_src=with_query(f"{base}{embed_path}", **basemap),
            download_href=with_query(f"{root}{page_path}", download="1", **basemap),
            project_layers=self.store.role_layers("projects"),
        )

    def respond(self, html: str, filename: str) -> HTMLResponse:
        """The page with its security headers; an attachment named ``<plan>-<filename>.html`` for a download."""
        return _page(html, basemap=self.basemap, download=self.download,
                     filename=f"{self.store.plan_id}-{filename}")


def map_query(request: Request, settings: SettingsDep, store: ServiceDep, basemap: BasemapQ = "none",
              lang: LangQ = "zh", bbox: BboxQ = None, layers: LayersQ = None,
              download: DownloadQ = None) -> MapQuery:
    """Dependency: parse and validate the map query once (400/404 with a message saying what to fix)."""
    is_download = parse_download(download)
    return MapQuery(
        request=request, settings=settings, store=store,
        basemap=parse_basemap(basemap, settings.tianditu_key), lang=parse_lang(lang),
        bbox=ogc.parse_frame_bbox(bbox, store.plan.map_area), layer_ids=parse_layers(layers, store), download=is_download,
        bbox_text=bbox, layers_text=layers,
    )


MapQueryDep = Annotated[MapQuery, Depends(map_query)]


def _quoted(value: str) -> str:
    return quote(value, safe="")


def _zone_or_404(store, zone_id: str) -> None:
    try:
        builders.find_zone(store, zone_id)
    except FeatureNotFoundError:
        layers = ", ".join(s.id for s in builders.zone_specs(store)) or "none in this plan"
        raise NotFoundError(
            f"no zone {zone_id!r}; zones are features of the layers with zone_kind ({layers}); see /maps") from None


def _project_or_404(store: PlanService, project_id: str) -> None:
    layer_id = store.role_layer("projects")
    if layer_id is None:
        raise NotFoundError(f"no project {project_id!r}: this plan has no layer playing the role 'projects'")
    try:
        builders.find_project(store, project_id)
    except FeatureNotFoundError:
        raise NotFoundError(f"no project {project_id!r} in layer {layer_id!r}; see /maps for the list") from None


def zone_audit(store: PlanService, zone_id: str, request: Request) -> tuple[dict | None, str | None]:
    """The zone's row of the plan audit (on its values: the values file's and those saved), or None and why."""
    try:
        result, _ = _plan_audit(store, request)
        if result is None:
            result = store.audit()
    except Exception as exc:  # noqa: BLE001 - the map still shows the zone; the panel says why there is no audit
        return None, f"{type(exc).__name__}: {exc}"
    for entry in result.get("zones") or []:
        if str(entry.get("id")) == zone_id:
            return entry, None
    return None, None


# ---------------------------------------------------------------------------------------------- static
@router.get("/static/{path:path}", include_in_schema=False)
def static(path: str) -> Response:
    """The map pages' JS, CSS and images (vendored Leaflet and plugins, the planmap runtime)."""
    target = (STATIC_DIR / path).resolve()
    if not target.is_file() or STATIC_DIR not in target.parents:
        raise NotFoundError(f"no static file {path!r}")
    return FileResponse(target, headers={"Cache-Control": "public, max-age=3600"})


# ---------------------------------------------------------------------------------------------- pages
@router.get("/maps", response_class=HTMLResponse, summary="Index of the maps (Chinese, English second)")
def maps_index(request: Request, settings: SettingsDep, store: ServiceDep, registry: RegistryDep) -> HTMLResponse:
    root = url_root(request, settings)
    opts = PageOptions(static_url=f"{root}/static", maps_url=f"{root}/maps", embed_url=f"{root}/embed",
                       tianditu_key=settings.tianditu_key)
    public = settings.public_url.rstrip("/")
    plans = [{"id": s.plan_id, "title": s.plan.title.zh, "current": s.plan_id == store.plan_id,
              "href": f"{public}/plans/{_quoted(s.plan_id)}/maps"} for s in registry]
    html = builders.build_index(store, opts, plans=plans, export_url=f"{root}/export")
    return _page(html, basemap="none", download=False, filename="maps")


@router.get("/maps/overview", response_class=HTMLResponse, summary="The whole plan on one map")
def overview(query: MapQueryDep) -> HTMLResponse:
    opts = query.options("/maps/overview", "/embed/map")
    return query.respond(builders.build_overview(query.store, opts), "overview")


@router.get("/maps/overview/download", response_class=HTMLResponse, summary="The overview as one HTML file")
def overview_download(query: MapQueryDep) -> HTMLResponse:
    return overview(query.as_download())


@router.get("/maps/zones/{zone_id}", response_class=HTMLResponse, summary="One zone with context and audit")
def zone(zone_id: str, query: MapQueryDep) -> HTMLResponse:
    _zone_or_404(query.store, zone_id)
    opts = query.options(f"/maps/zones/{_quoted(zone_id)}", f"/embed/zones/{_quoted(zone_id)}")
    audit, reason = zone_audit(query.store, zone_id, query.request)
    html = builders.build_zone_map(query.store, zone_id, opts, audit=audit, audit_reason=reason)
    return query.respond(html, f"zone-{zone_id}")


@router.get("/maps/zones/{zone_id}/download", response_class=HTMLResponse, summary="A zone map as one HTML file")
def zone_download(zone_id: str, query: MapQueryDep) -> HTMLResponse:
    return zone(zone_id, query.as_download())


@router.get("/maps/projects/{project_id}", response_class=HTMLResponse, summary="One key project with context")
def project(project_id: str, query: MapQueryDep) -> HTMLResponse:
    _project_or_404(query.store, project_id)
    opts = query.options(f"/maps/projects/{_quoted(project_id)}", f"/embed/projects/{_quoted(project_id)}")
    return query.respond(builders.build_project_map(query.store, project_id, opts), f"project-{project_id}")


@router.get("/maps/projects/{project_id}/download", response_class=HTMLResponse,
            summary="A project map as one HTML file")
def project_download(project_id: str, query: MapQueryDep) -> HTMLResponse:
    return project(project_id, query.as_download())


@router.get("/maps/check", response_class=HTMLResponse, summary="Draw a site and check it against a ruleset")
def check(query: MapQueryDep,
          zone: Annotated[str | None, Query(description="a zone id: open the page with that zone as the site")] = None,
          site: Annotated[str | None, Query(description="a saved site's id (permalink)")] = None,
          ) -> HTMLResponse:
    if zone is not None:
        _zone_or_404(query.store, zone)
    opts = query.options("/maps/check", "/embed/map")
    saved = None
    if site is not None:  # a saved site: needs a signed-in account, like every read of saved sites
        from api.auth import get_store, signed_in
        from api.service.sites import SiteService
        from maps.compare import saved_site_panel

        signed_in(query.request)
        sites = SiteService(query.store, get_store(query.request))
        record = sites.get(site)
        feature = sites.feature(record, with_report=False)
        saved = (feature, saved_site_panel(record, feature, stale=sites.stale(record),
                                           data_date=query.store.plan.data_date, lang=query.lang))
    return query.respond(builders.build_check_map(query.store, opts, zone_id=zone, saved_site=saved), "check")


# ---------------------------------------------------------------------------------------------- plan audit
def _audit_query(query: MapQuery) -> tuple[tuple[str, ...] | None, str]:
    """The zone layers the audit table shows (``layers``, zone layers only) and the query kept in its links."""
    if query.bbox is not None:
        raise BadRequestError("bbox does not apply to the plan audit; filter it by zone layer with layers=…")
    zone_ids = [s.id for s in builders.zone_specs(query.store)]
    for layer_id in query.layer_ids or ():
        if layer_id not in zone_ids:
            raise BadRequestError(f"layer {layer_id!r} has no zones to audit; zone layers: "
                                  f"{', '.join(zone_ids) or 'none in this plan'}")
    kept = {k: v for k, v in (("layers", ",".join(query.layer_ids) if query.layer_ids else None),
                              ("lang", "en" if query.lang == "en" else None)) if v}
    return query.layer_ids, urlencode(kept)


def _plan_audit(store, request: Request) -> tuple[dict | None, str | None]:
    """The plan audit (``GET /api/checks/plan``: on the values file and the values saved in the store), or None
    and why it is not available."""
    try:
        return values_service(store, get_workbench(request)).audit(), None
    except Exception as exc:  # noqa: BLE001 - the page says why there is no audit instead of failing
        return None, f"{type(exc).__name__}: {exc}"


def _zone_names_en(store) -> dict[str, str]:
    names: dict[str, str] = {}
    for spec in builders.zone_specs(store):
        frame = store.layer(spec.id)
        if "name_en" in frame.columns:
            names.update({str(fid): str(v) for fid, v in frame["name_en"].items() if isinstance(v, str) and v})
    return names


def _same_shapes(store) -> dict[str, str]:
    """Zones drawn with the same shape in two layers (listed once on the audit page; found once per plan)."""
    return store.same_shapes()


@router.get("/maps/audit", response_class=HTMLResponse,
            summary="The plan audit as a readable table (Chinese; lang=en for English)")
def audit_table(query: MapQueryDep) -> HTMLResponse:
    """Every zone of the plan by layer: ruleset, length, width, area, walking distance to the nearest bus stop
    and station, overall result, failed and needs-data criteria, geometry accuracy. ``layers`` limits it to some
    zone layers; ``download=1`` gives one self-contained HTML file."""
    layer_ids, kept = _audit_query(query)
    store, root = query.store, url_root(query.request, query.settings)
    result, reason = _plan_audit(store, query.request)
    other = {k: v for k, v in (("layers", ",".join(layer_ids) if layer_ids else None),
                               ("lang", None if query.lang == "en" else "en")) if v}
    html = audit_page.build_audit_page(
        result or {"zones": []}, specs=store.specs, rulesets=store.rulesets, plan=store.plan, lang=query.lang,
        static_url=f"{root}/static", maps_url=f"{root}/maps", api_url=f"{root}/api",
        csv_href=f"{root}/maps/audit.csv" + (f"?{kept}" if kept else ""),
        other_lang_href=f"{root}/maps/audit" + (f"?{urlencode(other)}" if other else ""),
        assets=static_files() if query.download else None, layer_ids=layer_ids, names_en=_zone_names_en(store),
        unavailable=reason, same_shape=_same_shapes(store),
        values_href=f"{root}/maps/audit-values.csv" + (f"?{kept}" if kept else ""),
        sheet_href=f"{root}/export/map.pdf?" + urlencode(
            {"layers": ",".join(layer_ids or [s.id for s in builders.zone_specs(store)]), "lang": query.lang,
             "paper": "A3"}))
    return query.respond(html, "audit")


@router.get("/maps/audit.csv", summary="The plan audit table as CSV (UTF-8 with BOM, opens in Excel)",
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def audit_csv(query: MapQueryDep) -> Response:
    """The same rows and values as ``/maps/audit`` (one row per zone, with its layer), headers in ``lang``."""
    layer_ids, _ = _audit_query(query)
    store = query.store
    result, reason = _plan_audit(store, query.request)
    if result is None:
        raise NotFoundError(f"the plan audit is not available ({reason}); see GET /api/checks/plan")
    text = audit_page.audit_csv(result, specs=store.specs, rulesets=store.rulesets, lang=query.lang,
                                layer_ids=layer_ids, names_en=_zone_names_en(store), same_shape=_same_shapes(store))
    return _csv_response(text, f"{store.plan_id}-audit")


@router.get("/maps/audit-values.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}},
            summary="A template of the values a planner supplies: one row per judged zone, one column per attribute")
def audit_values_csv(query: MapQueryDep) -> Response:
    """Empty cells to fill (``—`` where the zone's ruleset has no such attribute); headers in ``lang``."""
    layer_ids, _ = _audit_query(query)
    store = query.store
    result, reason = _plan_audit(store, query.request)
    if result is None:
        raise NotFoundError(f"the plan audit is not available ({reason}); see GET /api/checks/plan")
    text = audit_page.values_csv(result, specs=store.specs, rulesets=store.rulesets, lang=query.lang,
                                 layer_ids=layer_ids, same_shape=_same_shapes(store))
    return _csv_response(text, f"{store.plan_id}-audit-values")


def _csv_response(text: str, name: str) -> Response:
    filename = re.sub(r"[^A-Za-z0-9._-]+", "_", name)
    return Response(("\ufeff" + text).encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{filename}.csv"',
                             "X-Content-Type-Options": "nosniff"})


# ---------------------------------------------------------------------------------------------- embeds
@router.get("/embed/map", response_class=HTMLResponse, summary="Chrome-less map of chosen layers (for an iframe)")
def embed_map(query: MapQueryDep) -> HTMLResponse:
    opts = query.options("/embed/map", "/embed/map")
    return query.respond(builders.build_embed(query.store, opts), "map")


@router.get("/embed/overview", response_class=HTMLResponse, include_in_schema=False)
def embed_overview(query: MapQueryDep) -> HTMLResponse:
    return embed_map(query)


@router.get("/embed/zones/{zone_id}", response_class=HTMLResponse, summary="Chrome-less zone map")
def embed_zone(zone_id: str, query: MapQueryDep) -> HTMLResponse:
    _zone_or_404(query.store, zone_id)
    path = f"/embed/zones/{_quoted(zone_id)}"
    return query.respond(builders.build_embed(query.store, query.options(path, path), zone_id=zone_id),
                         f"zone-{zone_id}")


@router.get("/embed/projects/{project_id}", response_class=HTMLResponse, summary="Chrome-less project map")
def embed_project(project_id: str, query: MapQueryDep) -> HTMLResponse:
    _project_or_404(query.store, project_id)
    path = f"/embed/projects/{_quoted(project_id)}"
    return query.respond(builders.build_embed(query.store, query.options(path, path), project_id=project_id),
                         f"project-{project_id}")
