"""FastAPI dependencies: settings and the plan's application object (kept on ``app.state``)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from api.service import PlanRegistry, PlanService
from api.settings import Settings, get_settings


def get_registry(request: Request) -> PlanRegistry:
    """The plans this app serves (built once in the app's lifespan)."""
    return request.app.state.plans


def get_service(request: Request) -> PlanService:
    """The plan a request addresses: ``/plans/{plan_id}/…`` or, at the root, the default plan."""
    registry: PlanRegistry = request.app.state.plans
    plan_id = request.path_params.get("plan_id") or request.scope.get("planmap.plan")
    return registry.get(plan_id) if plan_id else registry.default


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[PlanService, Depends(get_service)]
RegistryDep = Annotated[PlanRegistry, Depends(get_registry)]
#: the name routers used before the application layer (the plan's service reads like the plan)
StoreDep = ServiceDep
