"""HTTP responses shared by the routers that send files (no router imports another)."""

from __future__ import annotations

import shutil
import tempfile

import geopandas as gpd
from fastapi import Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask

from api.service.errors import BadRequestError
from layers.catalogue import LayerSpec
from layers.exports import ExportError, export_format, export_layer


def export_to_response(spec: LayerSpec, frame: gpd.GeoDataFrame, fmt: str, *, crs: str | None,
                       csv_geometry: str | None) -> FileResponse:
    """Write the export into a temporary directory and stream it back; the directory goes when sent."""
    directory = tempfile.mkdtemp(prefix="planmap-export-")
    try:
        result = export_layer(frame, spec, fmt, directory, crs=crs,
                              csv_geometry=(csv_geometry or "wkt").lower())  # type: ignore[arg-type]
    except ExportError as exc:
        shutil.rmtree(directory, ignore_errors=True)
        raise BadRequestError(str(exc)) from None
    except BaseException:
        shutil.rmtree(directory, ignore_errors=True)
        raise
    return FileResponse(
        result.path, media_type=result.format.media_type, filename=result.filename,
        headers={"Content-Crs": f"<http://www.opengis.net/def/crs/EPSG/0/{result.crs.to_epsg()}>",
                 "X-Feature-Count": str(result.count)},
        background=BackgroundTask(shutil.rmtree, directory, ignore_errors=True),
    )


def items_export_response(spec: LayerSpec, frame: gpd.GeoDataFrame, fmt: str,
                          request: Request) -> Response:
    """A download of ``frame`` (a selection of ``spec``) in ``fmt``; honours ``crs`` and ``geometry`` query
    parameters (``geometry=wkt|xy`` for CSV). Called by ``GET /collections/{id}/items?f=…``."""
    try:
        export_format(fmt)
    except ExportError as exc:
        raise BadRequestError(str(exc)) from None
    params = request.query_params
    return export_to_response(spec, frame, fmt, crs=params.get("crs"), csv_geometry=params.get("geometry"))


