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
    plan_id = request.scope.get(PLAN_KEY)
    return registry.get(plan_id) if plan_id else registry.default


#: ASGI scope keys set by :class:`api.plans.PlanPrefix` for ``/plans/{id}/…`` requests
PLAN_KEY, PREFIX_KEY = "planmap.plan", "planmap.prefix"


def url_root(request: Request, settings: Settings) -> str:
    """What links on a page start with: ``""`` (site-relative) or the public URL, plus ``/plans/{id}`` when
    the request came through a plan's prefix."""
    return settings.public_url.rstrip("/") + request.scope.get(PREFIX_KEY, "")


def base_url(request: Request, settings: Settings) -> str:
    """The absolute base of links (the public URL, or the request's own), plus the plan's prefix."""
    root = settings.public_url.rstrip("/") or str(request.base_url).rstrip("/")
    return root + request.scope.get(PREFIX_KEY, "")


SettingsDep = Annotated[Settings, Depends(get_settings)]
ServiceDep = Annotated[PlanService, Depends(get_service)]
RegistryDep = Annotated[PlanRegistry, Depends(get_registry)]
#: the name routers used before the application layer (the plan's service reads like the plan)
StoreDep = ServiceDep
