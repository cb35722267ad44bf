"""The API definition at ``/api``: an OpenAPI **3.0.3** document, as the OGC conformance class ``oas30`` claims.

FastAPI writes OpenAPI 3.1 (JSON Schema 2020-12). :func:`downgrade` rewrites the few 3.1-only constructs it
uses (``anyOf`` with ``null``, ``examples`` lists, ``const``, numeric ``exclusiveMinimum``, binary content) into
their 3.0 forms. :func:`harden` then types the OGC parameters (``limit`` an integer with minimum, maximum and
default; ``bbox`` 4 or 6 numbers), declares one items path per collection with its property filters, and
documents every error status with the ``Error`` schema ``{code, description, status}``.
"""

from __future__ import annotations

import copy
from typing import Any

import pandas as pd
from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import JSONResponse

from api import ogc
from api.deps import ServiceDep, SettingsDep
from api.errors import ERROR_STATUSES
from api.service import PlanService
from api.settings import Settings

router = APIRouter()

OPENAPI_VERSION = "3.0.3"
ERROR_SCHEMA = {
    "type": "object",
    "required": ["code", "description", "status"],
    "properties": {
        "code": {"type": "string", "example": "InvalidParameter"},
        "description": {"type": "string", "example": "bbox '1,2,3': expected 4 or 6 comma-separated numbers"},
        "status": {"type": "integer", "example": 400},
        "fields": {"type": "array", "description": "refused values, one per field (PUT /api/audit/values/{zone_id})",
                   "items": {"type": "object", "required": ["attribute", "message"], "properties": {
                       "attribute": {"type": "string", "example": "mobile_payment_share"},
                       "value": {"nullable": True, "example": 85},
                       "message": {"type": "string", "example": "请填写 0–1 之间的比例（如 0.85）或百分数（如 “85%”）"},
                       "detail": {"type": "string"}}}},
    },
}
_ERROR_REF = {"$ref": "#/components/schemas/Error"}


class OpenAPIResponse(JSONResponse):
    """JSON with the OpenAPI 3.0 media type the landing page links with."""

    media_type = ogc.MEDIA_OPENAPI


@router.get("/api", include_in_schema=False)
def api_definition(request: Request, service: ServiceDep, settings: SettingsDep) -> OpenAPIResponse:
    """The OpenAPI 3.0 document of the plan a request addresses (built once per app and plan)."""
    app: FastAPI = request.app
    cache: dict[str, dict] | None = getattr(app.state, "openapi30", None)
    if cache is None:
        cache = app.state.openapi30 = {}
    if service.plan_id not in cache:
        cache[service.plan_id] = harden(downgrade(app.openapi()), service, settings)
    return OpenAPIResponse(cache[service.plan_id])


# ---------------------------------------------------------------------------------------------- 3.1 → 3.0
def _schema_30(node: Any) -> Any:
    """A JSON Schema (2020-12, as FastAPI writes it) in the OpenAPI 3.0 schema dialect."""
    if isinstance(node, list):
        return [_schema_30(v) for v in node]
    if not isinstance(node, dict):
        return node
    node = {k: _schema_30(v) for k, v in node.items()}
    for key in ("anyOf", "oneOf"):
        options = node.get(key)
        if isinstance(options, list) and any(o == {"type": "null"} for o in options):
            rest = [o for o in options if o != {"type": "null"}]
            del node[key]
            if len(rest) == 1:
                only = rest[0]
                if "$ref" in only:
                    node["allOf"] = [only]
                else:
                    node = {**only, **node}
            elif rest:
                node[key] = rest
            node["nullable"] = True
    if isinstance(node.get("type"), list):
        types = [t for t in node["type"] if t != "null"]
        if len(types) < len(node["type"]):
            node["nullable"] = True
        if len(types) == 1:
            node["type"] = types[0]
        else:
            node.pop("type")
            node["anyOf"] = [{"type": t} for t in types]
    if "const" in node:
        node["enum"] = [node.pop("const")]
    if "examples" in node and isinstance(node["examples"], list):
        examples = node.pop("examples")
        if examples:
            node.setdefault("example", examples[0])
    for bound, plain in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(node.get(bound), int | float) and not isinstance(node.get(bound), bool):
            node[plain] = node.pop(bound)
            node[bound] = True
    if "contentMediaType" in node:
        node.pop("contentMediaType")
        node.setdefault("format", "binary")
    node.pop("contentEncoding", None)
    node.pop("$schema", None)
    if "additionalProperties" in node and node["additionalProperties"] is True:
        node.pop("additionalProperties")
    return node


def downgrade(document: dict) -> dict:
    """FastAPI's OpenAPI 3.1 document as a valid OpenAPI 3.0.3 document."""
    doc = copy.deepcopy(document)
    doc["openapi"] = OPENAPI_VERSION
    doc.pop("jsonSchemaDialect", None)
    doc.pop("webhooks", None)
    doc.get("info", {}).pop("summary", None)
    doc.get("info", {}).get("license", {}).pop("identifier", None)
    schemas = doc.setdefault("components", {}).setdefault("schemas", {})
    for name in list(schemas):
        schemas[name] = _schema_30(schemas[name])
    for item in doc.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if "schema" in parameter:
                    parameter["schema"] = _schema_30(parameter["schema"])
            for holder in [operation.get("requestBody", {}), *operation.get("responses", {}).values()]:
                for media in holder.get("content", {}).values():
                    if "schema" in media:
                        media["schema"] = _schema_30(media["schema"])
    return doc


# ---------------------------------------------------------------------------------------------- typing, errors
def _items_parameters(settings: Settings) -> dict[str, dict]:
    """The typed OGC parameters of every items operation."""
    maximum = settings.max_limit
    default = min(settings.default_limit, maximum)
    return {
        "limit": {"name": "limit", "in": "query", "required": False, "style": "form", "explode": False,
                  "description": f"Page size: 1 to {maximum} (default {default}). A value outside "
                                 "1..maximum is refused with 400 (PLANMAP_MAX_LIMIT, PLANMAP_DEFAULT_LIMIT).",
                  "schema": {"type": "integer", "minimum": 1, "maximum": maximum, "default": default}},
        "offset": {"name": "offset", "in": "query", "required": False,
                   "description": "Number of matching features to skip (paging; follow the next link)",
                   "schema": {"type": "integer", "minimum": 0, "default": 0}},
        "bbox": {"name": "bbox", "in": "query", "required": False, "style": "form", "explode": False,
                 "description": "Features intersecting this box: minLon,minLat,maxLon,maxLat (4 numbers) or "
                                "minLon,minLat,minHeight,maxLon,maxLat,maxHeight (6 numbers; heights ignored), "
                                "in CRS84 unless bbox-crs says EPSG:4326 (then latitude first). minLon > maxLon "
                                "crosses the antimeridian.",
                 "schema": {"type": "array", "minItems": 4, "maxItems": 6,
                            "items": {"type": "number", "minimum": -180, "maximum": 180}}},
        "bbox-crs": {"name": "bbox-crs", "in": "query", "required": False,
                     "description": "CRS of bbox: CRS84 (longitude, latitude; the default) or EPSG:4326 "
                                    "(latitude, longitude)",
                     "schema": {"type": "string", "enum": sorted(ogc.BBOX_CRS)}},
        "datetime": {"name": "datetime", "in": "query", "required": False, "style": "form", "explode": False,
                     "description": "RFC 3339 instant or interval (start/end, '..' open); checked, then ignored: "
                                    "the layers carry no time, so every feature matches",
                     "schema": {"type": "string"}},
    }


def _filter_parameter(name: str, column: pd.Series) -> dict:
    if pd.api.types.is_bool_dtype(column):
        schema: dict[str, Any] = {"type": "boolean"}
    elif pd.api.types.is_integer_dtype(column):
        schema = {"type": "integer"}
    elif pd.api.types.is_numeric_dtype(column):
        schema = {"type": "number"}
    else:
        schema = {"type": "string"}
    return {"name": name, "in": "query", "required": False, "schema": schema,
            "description": f"Property filter: features whose {name} equals this value"}


def _error_responses(operation: dict, method: str, path: str) -> None:
    responses = operation.setdefault("responses", {})
    statuses = [400, 401, 403, 404, 500, 503]  # 401/403: every route needs a viewer when public reading is off
    if method in ("post", "put", "patch", "delete"):
        statuses += [409, 412, 413, 422, 428]
    if path.startswith(("/api/checks", "/export/", "/api/accessibility/")):
        statuses.append(422)
    for status in sorted(set(statuses)):
        responses[str(status)] = {
            "description": ERROR_STATUSES[status],
            "content": {"application/json": {"schema": _ERROR_REF}},
        }
    if method == "get":
        responses.setdefault("304", {"description": "Not modified (If-None-Match matched the ETag)"})


def harden(document: dict, service: PlanService, settings: Settings) -> dict:
    """Type the OGC parameters, add one items path per collection with its filters, document every error."""
    doc = copy.deepcopy(document)
    doc.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for name in ("HTTPValidationError", "ValidationError"):
        doc["components"]["schemas"].pop(name, None)
    typed = _items_parameters(settings)
    paths: dict[str, dict] = doc.get("paths", {})
    generic = paths.get("/collections/{collection_id}/items", {}).get("get")
    if generic is not None:
        generic["parameters"] = [typed.get(p["name"], p) for p in generic["parameters"]]
        generic["description"] = (generic.get("description") or "") + (
            "\n\nUnknown query parameters get a 400. Each collection's own path below declares its property "
            "filters (equality on a property).")
        for spec in service.specs:
            frame = service.layer(spec.id)
            operation = copy.deepcopy(generic)
            operation["operationId"] = f"getItems_{spec.id.replace('-', '_')}"
            operation["summary"] = f"{spec.title.zh} {spec.title.en} — features"
            operation["parameters"] = [p for p in operation["parameters"] if p["name"] != "collection_id"]
            taken = {p["name"] for p in operation["parameters"]}
            operation["parameters"] += [_filter_parameter(str(c), frame[c]) for c in frame.columns
                                        if c != frame.geometry.name and c not in taken
                                        and c not in ogc.EXPORT_PARAMETERS]
            paths[f"/collections/{ogc.quote_id(spec.id)}/items"] = {"get": operation}
    for path, item in paths.items():
        for method, operation in item.items():
            responses = operation.setdefault("responses", {})
            responses.pop("422", None)  # FastAPI's validation error: this service answers 400 instead
            _error_responses(operation, method, path)
    return doc
