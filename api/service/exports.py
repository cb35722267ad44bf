"""Use cases of maps as documents: select what a sheet shows, render a sheet or a check report.

Called by the export routes and the ``planmap export`` CLI alike (neither imports the other).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import geopandas as gpd
import shapely

from api import ogc
from api.service.errors import BadRequestError, NotFoundError
from api.service.plans import PlanService
from layers.catalogue import LayerSpec
from layers.errors import FeatureNotFoundError
from maps.sheet import (
    MEDIA_TYPES,
    MapLayer,
    PageSize,
    SheetError,
    SheetInfo,
    find_cjk_font,
    page_size,
    render_check_report,
    render_map_sheet,
)

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


def parse_layer_ids(text: str | None, store: PlanService) -> list[LayerSpec]:
    """Layers named in ``layers=a,b`` (unknown → 404), in catalogue order; default: the visible ones."""
    if text is None or not text.strip():
        return [spec for spec in store.specs if spec.visible]
    wanted = [part.strip() for part in text.split(",") if part.strip()]
    for layer_id in wanted:
        store.spec(layer_id)
    return [spec for spec in store.specs if spec.id in wanted]


def _zone_layers(store: PlanService) -> list[str]:
    return [spec.id for spec in store.specs if spec.zone_kind is not None]


def _project_layers(store: PlanService) -> list[str]:
    return list(store.role_layers("projects"))


def _find(store: PlanService, fid: str, layer_ids: list[str], what: str) -> tuple[LayerSpec, gpd.GeoDataFrame]:
    if not layer_ids:
        raise NotFoundError(f"this plan has no {what} layers, so there is no {what} {fid!r}")
    try:
        return store.find_feature(fid, layer_ids=layer_ids)
    except FeatureNotFoundError:
        raise NotFoundError(
            f"no {what} {fid!r}; {what}s are features of the layers {', '.join(layer_ids)}"
        ) from None


def resolve_map_selection(
    store: PlanService,
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
    boundary = store.role_layer("boundary")
    if boundary and boundary not in {s.id for s in specs}:
        # every sheet shows the district boundary, for orientation
        specs = [s for s in store.specs if s.id in {boundary, *[x.id for x in specs]}]
    map_layers = [MapLayer(spec, _in_extent(store.layer(spec.id), extent)) for spec in specs]
    if not any(len(layer.frame) for layer in map_layers) and highlight is None:
        raise BadRequestError("the selection is empty: none of the chosen layers has features in the extent")
    return MapSelection(map_layers, extent, highlight, title or default_title, subtitle, name)


def _feature_extent(feature: gpd.GeoDataFrame, store: PlanService) -> tuple[float, float, float, float]:
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


#: ISO 216 paper sizes (portrait, mm)
PAPERS = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "A2": (420.0, 594.0), "A1": (594.0, 841.0),
          "A0": (841.0, 1189.0)}
MIN_SCALE, MAX_SCALE = 2000, 100_000


def parse_page(fmt: str, width: float | None, height: float | None, unit: str, dpi: int | None,
               paper: str | None = None, orientation: str | None = None) -> PageSize:
    """The sheet's page: ``paper`` (A4–A0) and ``orientation`` (portrait | landscape, default landscape), or
    ``width``/``height``; both at once is a 400 that says which to drop."""
    if orientation is not None and orientation.strip().lower() not in ("portrait", "landscape"):
        raise BadRequestError(f"orientation must be portrait or landscape, got {orientation!r}")
    if paper is not None:
        name = paper.strip().upper()
        if name not in PAPERS:
            raise BadRequestError(f"paper must be one of {', '.join(PAPERS)}, got {paper!r}")
        if width is not None or height is not None:
            raise BadRequestError("give paper (with orientation) or width/height, not both: drop width and height "
                                  "to print on a paper size, or drop paper to give your own size")
        short, long = PAPERS[name]
        landscape = (orientation or "landscape").strip().lower() == "landscape"
        width, height, unit = (long, short, "mm") if landscape else (short, long, "mm")
    elif orientation is not None and width is None and height is None \
            and orientation.strip().lower() == "portrait":
        width, height, unit = 210.0, 297.0, "mm"
    try:
        return page_size(width, height, unit=unit, dpi=dpi, fmt=fmt)  # type: ignore[arg-type]
    except SheetError as exc:
        raise BadRequestError(str(exc)) from None


def parse_scale(scale: int | None, bbox: str | None) -> int | None:
    """A scale denominator 2,000–100,000 (the sheet is framed at it around the selection's centre); a bbox
    fixes the frame itself, so the two together are a 400."""
    if scale is None:
        return None
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise BadRequestError(f"scale must be between {MIN_SCALE} and {MAX_SCALE} (1:{MIN_SCALE:,}–1:{MAX_SCALE:,}), "
                              f"got {scale}")
    if bbox is not None:
        raise BadRequestError("give scale or bbox, not both: drop bbox to frame the sheet at the scale around the "
                              "selection's centre, or drop scale to frame the bbox")
    return int(scale)


def render_selection(store: PlanService, selection: MapSelection, *, fmt: str, page: PageSize, lang: str,
                     date: str, scale: int | None = None) -> bytes:
    """Render a resolved selection as a sheet (used by the API and the CLI)."""
    if fmt not in MEDIA_TYPES:
        raise BadRequestError(f"unknown map format {fmt!r}; use one of: {', '.join(MEDIA_TYPES)}")
    info = SheetInfo(title=selection.title, subtitle=selection.subtitle, lang=parse_lang(lang), map_date=date,
                     data_date=store.plan.data_date)
    try:
        return render_map_sheet(selection.layers, extent=selection.extent, metric_crs=store.metric_crs,
                                info=info, font_family=find_cjk_font().family, page=page, fmt=fmt,  # type: ignore[arg-type]
                                highlight=selection.highlight, scale=scale)
    except SheetError as exc:
        raise BadRequestError(str(exc)) from None


# ---------------------------------------------------------------------------------------------------- map sheets
def render_report(store: PlanService, report: dict[str, Any], *, lang: str, date: str, title: str | None = None,
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


