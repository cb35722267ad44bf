"""Router: rulesets, site checks and the plan audit.

Thin: parse the request, call the plan's application object (:class:`api.service.PlanService`), return the
report. Bad input raises domain exceptions that
``api.errors`` maps (422 invalid geometry, 400 bad attribute/parameter/ruleset, 404 unknown ruleset by path).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.auth import get_workbench
from api.deps import ServiceDep, SettingsDep
from api.errors import NotFoundError
from api.service.models import CheckRequest, check_site_size
from api.service.zone_values import values_service
from geo.rules.report import AuditReport, CheckReport, RulesetSummary

router = APIRouter(tags=["checks"])


# ---------------------------------------------------------------------------------------------- routes
@router.get("/api/rulesets", response_model=list[RulesetSummary], summary="Rulesets a site can be checked against")
def list_rulesets(service: ServiceDep) -> list[dict[str, Any]]:
    """Every ruleset of the plan: id, titles, source, whose standard it is here (``adoption``), the site
    families it judges, criteria, attributes, parameters."""
    return service.ruleset_summaries()


@router.get("/api/rulesets/{ruleset_id}", summary="One ruleset in full: criteria, attributes, parameters")
def get_ruleset(service: ServiceDep, ruleset_id: str) -> dict[str, Any]:
    """The declared ruleset: every criterion with source, original text, operator, threshold and unit."""
    ruleset = service.ruleset(ruleset_id, not_found=NotFoundError)
    return {**ruleset.model_dump(mode="json"), "adoption": service.adoption(ruleset_id)}


@router.post("/api/checks/site", response_model=CheckReport, summary="Check a site against a ruleset")
def check_site(service: ServiceDep, settings: SettingsDep, request: CheckRequest) -> dict[str, Any]:
    """Measure the site, judge every criterion (pass / fail / needs-data / manual) and place it in the plan.

    Errors: 422 for an unusable geometry (malformed, empty, NaN, self-intersecting beyond repair, swapped
    lat/lon, projected metres, too large, wrong type for the ruleset); 400 for an unknown ruleset, attribute or
    parameter, or a value of the wrong type.
    """
    check_site_size(request.geometry, max_parts=settings.max_site_parts, max_vertices=settings.max_site_vertices)
    return service.check_site(request.geometry, request.ruleset, attributes=request.attributes,
                              parameters=request.parameters)


@router.get("/api/checks/plan", response_model=AuditReport, summary="Audit of the plan's own zones")
def check_plan(service: ServiceDep, request: Request) -> dict[str, Any]:
    """Every zone of the plan (streets, night-economy streets and complexes, business circles, districts, bays)
    measured — length, width, area — with transit access and, where a ruleset applies, the overall result and
    the failed and missing criteria, judged on the zone's values (the plan's values file and the values saved
    with ``PUT /api/audit/values/{zone}``; ``values`` gives each with its origin). Computed once per loaded plan;
    zones with saved values are judged again when their values change."""
    return values_service(service, get_workbench(request)).audit()
