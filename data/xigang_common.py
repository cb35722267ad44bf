"""Shared paths and helpers for the Xigang build scripts (run at build time only, never by the service)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import shapely
from pyproj import Transformer

ROOT = Path(__file__).resolve().parents[1]


def _find_shared() -> Path:
    """``../shared`` beside the checkout (a git worktree may sit deeper: the nearest ``shared/data`` up)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data").is_dir():
            return parent / "shared"
    return ROOT.parent / "shared"


SHARED = _find_shared()
RAW = SHARED / "data" / "raw"
FACTS = SHARED / "data" / "facts" / "xigang_places.md"
PLAN_DATA = ROOT / "layers" / "plans" / "xigang" / "data"
ANCHORS = ROOT / "data" / "anchors"

#: the plan's map_area (catalogue.yaml): every shipped feature must lie inside it
MAP_AREA = (121.54, 38.84, 121.70, 38.98)
METRIC_EPSG = 32651

OSM_ATTRIBUTION = "© OpenStreetMap contributors, ODbL 1.0"

_TO_METRIC = Transformer.from_crs(4326, METRIC_EPSG, always_xy=True)
_TO_WGS84 = Transformer.from_crs(METRIC_EPSG, 4326, always_xy=True)


def to_metric(geom: Any) -> Any:
    """WGS84 lon/lat geometry → UTM 51N metres."""
    return shapely.transform(geom, lambda xy: _stack(*_TO_METRIC.transform(xy[:, 0], xy[:, 1])))


def to_wgs84(geom: Any) -> Any:
    """UTM 51N metres → WGS84 lon/lat geometry (7 decimals, OSM precision)."""
    out = shapely.transform(geom, lambda xy: _stack(*_TO_WGS84.transform(xy[:, 0], xy[:, 1])))
    return shapely.set_precision(out, 1e-7)


def _stack(x: Any, y: Any) -> Any:
    import numpy as np

    return np.column_stack([x, y])


def map_area_box() -> shapely.Polygon:
    return shapely.box(*MAP_AREA)


def boundary_wgs84() -> shapely.Geometry:
    data = json.loads((PLAN_DATA / "district-boundary.geojson").read_text(encoding="utf-8"))
    return shapely.union_all([shapely.geometry.shape(f["geometry"]) for f in data["features"]])


def write_geojson(path: Path, features: list[dict[str, Any]]) -> None:
    """Write a compact FeatureCollection (WGS84, 7 decimals)."""
    out = []
    for feature in features:
        geom = shapely.set_precision(feature["geometry"], 1e-7)
        out.append({"type": "Feature", "properties": feature["properties"],
                    "geometry": shapely.geometry.mapping(geom)})
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"type": "FeatureCollection", "features": out}, ensure_ascii=False,
                               separators=(",", ":")), encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(out)} features, {path.stat().st_size:,} bytes")
