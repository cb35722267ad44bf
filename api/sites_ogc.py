"""The ``sites`` collection as OGC API – Features documents (shared by the features and the sites routers)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from api import ogc
from api.service.sites import COLLECTION_ID, PART4_CONFORMANCE

__all__ = ["PART4_CONFORMANCE", "collection_document", "readable"]

TITLE, TITLE_EN = "已保存的选址", "Saved sites"


def readable(request: Any) -> bool:
    """Whether the request may read saved sites (a signed-in viewer or above): only then is ``sites`` listed in
    ``/collections``, so an anonymous client (GDAL, QGIS) sees the plan's layers without a collection it cannot
    open, and a client sending its token sees and reads ``sites`` like every other collection."""
    from api.auth import optional_user

    return optional_user(request) is not None


def collection_document(base: str, map_area: Iterable[float]) -> dict[str, Any]:
    """The ``/collections/sites`` document (reading its items needs a signed-in account; writing a planner)."""
    path = f"/collections/{COLLECTION_ID}"
    return {
        "id": COLLECTION_ID,
        "title": TITLE,
        "title_en": TITLE_EN,
        "description": "规划师保存的候选选址及其检查报告 (读取需登录, 写入需规划师). Candidate sites saved by planners with "
                       "their check reports; reading needs a signed-in account, writing a planner (OGC API – "
                       "Features Part 4: POST, PUT, PATCH, DELETE with If-Match).",
        "extent": {"spatial": {"bbox": [list(map_area)], "crs": ogc.CRS84}},
        "itemType": "feature",
        "crs": [ogc.CRS84],
        "storageCrs": ogc.CRS84,
        "links": [
            ogc.link(ogc.url(base, path, f="json"), "self", ogc.MEDIA_JSON, f"{TITLE} (JSON)"),
            ogc.link(ogc.url(base, f"{path}/items", f="json"), "items", ogc.MEDIA_GEOJSON, f"{TITLE} 要素 (GeoJSON)"),
            ogc.link(f"{base}/api/sites/export?f=gpkg", "alternate", "application/geopackage+sqlite3",
                     f"{TITLE} GeoPackage"),
        ],
        "group": "workbench",
        "group_en": "Workbench",
        "geometry_type": "any",
        "writable": True,
    }
