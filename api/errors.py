"""One place that maps domain exceptions to HTTP responses. Domain code never raises HTTP errors."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from api.service.accounts import AuthenticationError, PermissionDeniedError
from api.service.errors import BadRequestError, NotFoundError  # noqa: E402  (re-exported for the routers)
from api.store import ConflictError, PreconditionFailedError, PreconditionRequiredError, StoreError
from geo.errors import CriteriaError, GeoError, InvalidGeometryError
from layers.errors import (
    CatalogueError,
    ExportError,
    FeatureNotFoundError,
    FontNotFoundError,
    ImportFileError,
    ImportTooLargeError,
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
    (AuthenticationError, 401, "Unauthorized"),
    (PermissionDeniedError, 403, "Forbidden"),
    (PreconditionFailedError, 412, "PreconditionFailed"),
    (PreconditionRequiredError, 428, "PreconditionRequired"),
    (ConflictError, 409, "Conflict"),
    (ImportTooLargeError, 413, "TooManyFeatures"),
    (ImportFileError, 400, "InvalidFile"),
    (StoreError, 503, "StoreUnavailable"),
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


logger = logging.getLogger("planmap")

#: the ``code`` of an HTTP status raised by the framework itself (unknown path, wrong method …)
HTTP_CODES = {400: "InvalidParameter", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable",
              413: "PayloadTooLarge", 415: "UnsupportedMediaType", 503: "ServiceUnavailable"}
#: every status the service answers with the error document (documented on every operation of the OpenAPI)
ERROR_STATUSES = {
    400: "Bad request: a parameter or body value is invalid (the description says what to fix)",
    401: "Not signed in (when PLANMAP_PUBLIC_READ=false, or for the workbench)",
    403: "Signed in without the role this needs",
    404: "Not found: no such plan, collection, feature, ruleset or path",
    405: "Method not allowed on this path",
    409: "Conflict with the stored state (a saved site)",
    412: "Precondition failed: If-Match does not match the stored version",
    413: "Request body too large for this route (PLANMAP_MAX_BODY_BYTES), or too many features to import",
    422: "Unusable geometry: malformed, empty, swapped axes, projected metres, too large or too complex",
    500: "Server error (the error document; details are in the server log)",
    428: "Precondition required: send If-Match with the version you edit",
    503: "Busy: too many heavy requests at once (Retry-After), or a resource the server lacks",
}


def error_body(code: str, description: str, status: int) -> dict:
    """The JSON error document (OGC API style: ``code`` and ``description``)."""
    return {"code": code, "description": description, "status": status}


#: headers an error status carries (RFC 9110 §11.6.1: a 401 names the scheme that would succeed)
STATUS_HEADERS = {401: {"WWW-Authenticate": 'Bearer realm="planmap"'}}


def _handler(status: int, code: str):
    async def handle(request: Request, exc: Exception) -> JSONResponse:
        body = error_body(code, str(exc), status)
        if getattr(exc, "fields", None):  # refused values, field by field (api.service.zone_values)
            body["fields"] = exc.fields
        return JSONResponse(body, status_code=status, headers=STATUS_HEADERS.get(status))

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


async def _http_handler(request: Request, exc: StarletteHTTPException) -> JSONResponse:
    """Framework errors (404 unknown path, 405 wrong method …) in the documented shape."""
    status = exc.status_code
    description = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    if status == 404 and description == "Not Found":
        description = f"no resource at {request.url.path[:200]!r}; start at / (landing page) or /api (OpenAPI)"
    elif status == 405:
        description = f"method {request.method} is not allowed on {request.url.path[:200]!r}"
    return JSONResponse(error_body(HTTP_CODES.get(status, "Error"), description, status), status_code=status,
                        headers=getattr(exc, "headers", None))


async def _server_error_handler(request: Request, exc: Exception) -> JSONResponse:
    """Any unexpected exception: logged with its traceback, answered as a JSON 500 (never plain text)."""
    logger.error("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(error_body("ServerError", "internal error; it has been logged", 500), status_code=500)


def install(app: FastAPI) -> None:
    """Register the exception handlers on ``app``."""
    for exc_type, status, code in STATUS:
        app.add_exception_handler(exc_type, _handler(status, code))
    app.add_exception_handler(RequestValidationError, _validation_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _server_error_handler)
