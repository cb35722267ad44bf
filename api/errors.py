"""One place that maps domain exceptions to HTTP responses. Domain code never raises HTTP errors."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from api.service.errors import BadRequestError, NotFoundError  # noqa: E402  (re-exported for the routers)
from geo.errors import CriteriaError, GeoError, InvalidGeometryError
from layers.errors import (
    CatalogueError,
    ExportError,
    FeatureNotFoundError,
    FontNotFoundError,
    LayerNotFoundError,
    LayersError,
    PlanNotFoundError,
    ProviderError,
)

STATUS = [
    (LayerNotFoundError, 404, "NotFound"),
    (FeatureNotFoundError, 404, "NotFound"),
    (PlanNotFoundError, 404, "NotFound"),
    (NotFoundError, 404, "NotFound"),
    (InvalidGeometryError, 422, "InvalidGeometry"),
    (CriteriaError, 400, "InvalidParameter"),
    (BadRequestError, 400, "InvalidParameter"),
    (GeoError, 400, "InvalidParameter"),
    (ExportError, 400, "InvalidParameter"),
    (FontNotFoundError, 503, "ServiceUnavailable"),
    (CatalogueError, 500, "ServerConfiguration"),
    (ProviderError, 500, "ServerConfiguration"),
    (LayersError, 500, "ServerError"),
]


def error_body(code: str, description: str, status: int) -> dict:
    """The JSON error document (OGC API style: ``code`` and ``description``)."""
    return {"code": code, "description": description, "status": status}


def _handler(status: int, code: str):
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(error_body(code, str(exc), status), status_code=status)

    return handle


async def _validation_handler(request: Request, exc: RequestValidationError) -> JSONResponse:
    parts = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            parts.append(f"the request body is not valid JSON ({err.get('ctx', {}).get('error', 'parse error')})")
            continue
        loc = ".".join(str(p) for p in err.get("loc", ()) if p not in ("body",)) or "request"
        parts.append(f"{loc}: {err.get('msg')}")
    return JSONResponse(error_body("InvalidParameter", "; ".join(parts), 400), status_code=400)


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    for exc_type, status, code in STATUS:
        app.add_exception_handler(exc_type, _handler(status, code))
    app.add_exception_handler(RequestValidationError, _validation_handler)
