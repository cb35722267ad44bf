"""Write a plan folder (catalogue.yaml, data/*.geojson, rulesets/) from frames, as the real loader reads it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import yaml

_TYPES = {"Point": "Point", "LineString": "LineString", "Polygon": "Polygon", "MultiPolygon": "MultiPolygon",
          "MultiLineString": "MultiLineString"}


def write_plan(directory: Path, plan_id: str, frames: dict[str, gpd.GeoDataFrame], roles: dict[str, Any], *,
               rulesets: dict[str, dict] | None = None, zone_kinds: dict[str, str] | None = None,
               own_rulesets: dict[str, bytes] | None = None, map_area: list[float] | None = None,
               margin: float = 0.01, plan_extra: dict[str, Any] | None = None) -> Path:
    """Write ``frames`` (EPSG:4326, indexed by feature id) as plan ``plan_id`` under ``directory``."""
    plan_dir = Path(directory) / plan_id
    (plan_dir / "data").mkdir(parents=True)
    if own_rulesets:
        (plan_dir / "rulesets").mkdir()
        for name, content in own_rulesets.items():
            (plan_dir / "rulesets" / f"{name}.yaml").write_bytes(content)
    entries = []
    for layer_id, frame in frames.items():
        frame = frame.copy()
        for column, default in (("source", "test fixture"), ("method", "synthetic"), ("accuracy_m", 0.0)):
            if column not in frame.columns:
                frame[column] = default
        path = plan_dir / "data" / f"{layer_id}.geojson"
        out = frame.reset_index(drop=True).assign(id=[str(i) for i in frame.index])
        path.write_text(out.to_json(drop_id=True), encoding="utf-8")
        fields = {c: {"type": "number" if c in ("accuracy_m", "merchants") else
                      "boolean" if c == "schematic" else "string"}
                  for c in frame.columns if c != frame.geometry.name}
        entry = {"id": layer_id, "title": {"zh": layer_id, "en": layer_id}, "group": "基础",
                 "geometry_type": _TYPES[frame.geom_type.iloc[0]], "source_crs": "EPSG:4326", "file": path.name,
                 "fields": fields,
                 "provenance": {"source": "test", "licence": "CC0", "method": "synthetic", "accuracy_m": 0}}
        if zone_kinds and layer_id in zone_kinds:
            entry["zone_kind"] = zone_kinds[layer_id]
        entries.append(entry)
    if map_area is None:
        bounds = np.array([f.total_bounds for f in frames.values()])
        map_area = [float(bounds[:, 0].min()) - margin, float(bounds[:, 1].min()) - margin,
                    float(bounds[:, 2].max()) + margin, float(bounds[:, 3].max()) + margin]
    catalogue = {
        "plan": {"id": plan_id, "title": {"zh": "测试规划", "en": "Test plan"},
                 "district": {"zh": "测试区", "en": "Test district"}, "data_date": "2026-01", "roles": roles,
                 "map_area": map_area, "attribution": "test", "rulesets": rulesets or {}, **(plan_extra or {})},
        "layers": entries,
    }
    (plan_dir / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    return plan_dir
