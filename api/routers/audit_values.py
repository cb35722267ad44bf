"""Router: attribute values of the plan's zones for the plan audit (``/api/audit/values``).

Thin: authenticate, parse, call :class:`api.service.zone_values.ZoneValueService`. Reading follows the service's
public-read setting; saving needs a planner (Bearer token, or the session cookie with ``X-CSRF-Token``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Request

from api.auth import PlannerDep, get_workbench
from api.deps import RegistryDep, ServiceDep
from api.errors import BadRequestError
from api.service.zone_values import values_service

router = APIRouter(tags=["audit values 区域数值"])

PlanQ = Annotated[str | None, Query(description="plan id (default: the plan the path addresses)")]
LangQ = Annotated[str, Query(description="zh | en: the language of refusals")]
_ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"description": "Bad input: JSON {code, description, status}; refused values also listed in `fields` "
                         "[{attribute, value, message (in lang), detail}]"},
    404: {"description": "No such plan or zone"},
}
_WRITE_ERRORS = {**_ERRORS, 401: {"description": "Not signed in"},
                 403: {"description": "Not a planner, or the CSRF token is missing"},
                 409: {"description": "Saved by someone else at the same moment: reload and save again"},
                 422: {"description": "Not used (bad values are a 400)"}}
_EXAMPLE = {"values": {"merchants": 72, "formats": ["购物", "餐饮", "文娱", "休闲旅游"], "smart_parking": "是",
                       "mobile_payment_share": "85%", "closing_time_summer": "23:30"},
            "note": "2025 年商务局摸底"}


def _plan(service: Any, registry: Any, plan: str | None) -> Any:
    return registry.get(plan) if plan else service


def _lang(lang: str) -> str:
    if lang not in ("zh", "en"):
        raise BadRequestError(f"lang must be zh or en, got {lang!r}")
    return lang


@router.get("/api/audit/values", summary="Values given for the plan's zones (values file and saved edits)",
            responses=_ERRORS)
def list_values(request: Request, service: ServiceDep, registry: RegistryDep, plan: PlanQ = None,
                zone: Annotated[str | None, Query(description="one zone id")] = None) -> dict[str, Any]:
    """Every zone's values: ``zones`` maps zone id → attribute → ``{value, origin, …}``; ``origin`` is ``file``
    (the plan's values file: source, date, author, notes) or ``store`` (saved from the audit page: author, saved,
    note, version). Store edits override the file; the newest edit wins."""
    values = values_service(_plan(service, registry, plan), get_workbench(request))
    if zone is not None:
        values.zone_ruleset(zone)  # 404 for an unknown zone, 400 for one no ruleset judges
    chosen = values.plan
    return {"plan": chosen.plan_id, "zones": values.values(None if zone is None else [zone]),
            "rulesets": {zid: rid for zid, rid in chosen.source.zone_rulesets.items() if rid}}


@router.get("/api/audit/values/{zone_id}/history", summary="Every saved version of a zone's values",
            responses=_ERRORS)
def values_history(zone_id: str, request: Request, service: ServiceDep, registry: RegistryDep,
                   plan: PlanQ = None) -> dict[str, Any]:
    values = values_service(_plan(service, registry, plan), get_workbench(request))
    return {"plan": values.plan.plan_id, "zone_id": zone_id, "versions": values.history(zone_id)}


@router.put("/api/audit/values/{zone_id}", summary="Save values of a zone (planner)", responses=_WRITE_ERRORS)
def save_values(zone_id: str, request: Request, user: PlannerDep, service: ServiceDep, registry: RegistryDep,
                      body: Annotated[Any, Body(openapi_examples={"values": {"value": _EXAMPLE}})],
                      plan: PlanQ = None, lang: LangQ = "zh") -> dict[str, Any]:
    """``{"values": {"<attribute>": <value>, …}, "note": "…"}``: each value typed as a site check types it
    (numbers; shares as 0.85 or "85%"; "是"/"否" or true/false; "23:30"; lists of formats); ``null`` withdraws
    a saved edit (the values file's value, if any, applies again). All or nothing: a refused value is a 400
    listing every refused field in ``fields`` with a message in ``lang``. Returns the zone's values and its audit
    row judged on them."""
    values = values_service(_plan(service, registry, plan), get_workbench(request), write=True)
    return values.save(zone_id, body, user, lang=_lang(lang))
