"""Shared paths and helpers for the Yingze build scripts (build time only, never run by the service).

Metric work is done in UTM 49N (EPSG:32649); shipped files are WGS84 (EPSG:4326). The generic helpers
(GeoJSON writer, GCJ-02 inversion, street noding) are shared with Xigang's scripts rather than copied.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer

from data.xigang_common import write_geojson  # noqa: F401  (re-exported: one GeoJSON writer for all plans)

ROOT = Path(__file__).resolve().parents[2]
import os  # noqa: E402


def _shared() -> Path:
    """``../shared`` beside the checkout (or beside the folder holding a git worktree, or $PLANMAP_SHARED)."""
    if os.environ.get("PLANMAP_SHARED"):
        return Path(os.environ["PLANMAP_SHARED"])
    for base in (ROOT.parent, ROOT.parent.parent):
        if (base / "shared" / "data").is_dir():
            return base / "shared"
    return ROOT.parent / "shared"


SHARED = _shared()
RAW = SHARED / "data" / "raw"
BOUNDARIES = RAW / "taiyuan_admin_boundaries_amap_gcj02"
TRANSIT = RAW / "taiyuan_transit_osm"
FACTS_REF = "../shared/data/facts/yingze_places.md"
SEED_REF = "seed 002 (../shared/seeds/002_3e54ac0e7a93c690.txt, 山西晚报 2022-05-09)"
PLAN_DIR = ROOT / "layers" / "plans" / "yingze"
PLAN_DATA = PLAN_DIR / "data"
ANCHORS = ROOT / "data" / "yingze" / "anchors"

#: the plan's map_area (catalogue.yaml): every shipped feature must lie inside it
MAP_AREA = (112.50, 37.79, 112.80, 37.94)
METRIC_EPSG = 32649  # UTM 49N
OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"
OSM_SOURCE = "OpenStreetMap via norman-mei/metro-tools taiyuan.geojson / routes.json (Overpass export, ~2026-02)"
NOT_SURVEYED = "schematic: drawn by planmap from the plan text and the place facts; not surveyed, not official"

_TO_METRIC = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
_TO_WGS84 = Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)


def _stack(x: Any, y: Any) -> np.ndarray:
    return np.column_stack([x, y])


def to_metric(geom: Any) -> Any:
    """WGS84 lon/lat geometry → UTM 49N metres."""
    return shapely.transform(geom, lambda xy: _stack(*_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


def to_wgs84(geom: Any) -> Any:
    """UTM 49N metres → WGS84 lon/lat geometry (7 decimals, OSM precision)."""
    out = shapely.transform(geom, lambda xy: _stack(*_TO_WGS84.transform(xy[:, 0], xy[:, 1])))
    return shapely.set_precision(out, 1e-7)


def pt(lon: float, lat: float) -> shapely.Point:
    """A WGS84 position as a UTM 49N point."""
    return to_metric(shapely.Point(lon, lat))


def line(*lonlats: tuple[float, float]) -> shapely.LineString:
    """WGS84 vertices as a UTM 49N line."""
    return to_metric(shapely.LineString(lonlats))


def map_area_box() -> shapely.Polygon:
    return shapely.box(*MAP_AREA)


def read_layer(name: str) -> list[dict[str, Any]]:
    """Features of a built layer (WGS84 shapely geometries)."""
    data = json.loads((PLAN_DATA / f"{name}.geojson").read_text(encoding="utf-8"))
    return [{"geometry": shapely.geometry.shape(f["geometry"]), "properties": f["properties"]}
            for f in data["features"]]


def boundary_wgs84() -> shapely.Geometry:
    return shapely.union_all([f["geometry"] for f in read_layer("district-boundary")])


def boundary_metric() -> shapely.Geometry:
    return to_metric(boundary_wgs84())
