"""Several plans in one service: ``GET /plans`` and every route of a plan under ``/plans/{id}/…``.

:class:`PlanPrefix` is a small ASGI middleware: ``/plans/{id}/collections`` is served by the same routes as
``/collections``, with the plan id and the prefix kept in the request scope (the dependencies pick the plan's
:class:`~api.service.PlanService` from it, and links keep the prefix). The root serves the default plan.
"""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter, Request

from api.deps import PLAN_KEY, PREFIX_KEY, RegistryDep, SettingsDep, base_url
from api.errors import error_body

_PLAN_PATH = re.compile(r"^/plans/([^/]+)(/.*)?$")

router = APIRouter(tags=["plans"])


@router.get("/plans", summary="The plans this service serves")
def list_plans(request: Request, registry: RegistryDep, settings: SettingsDep) -> dict[str, Any]:
    """Every loaded plan: id, names, bbox, data date and hash, whether it is the default, and its links."""
    root = base_url(request, settings)
    plans = []
    for service in registry:
        href = f"{root}/plans/{service.plan_id}"
        plans.append({**service.summary(), "default": service.plan_id == registry.default_id,
                      "links": [{"rel": "self", "type": "application/json", "href": f"{href}/?f=json"},
                                {"rel": "alternate", "type": "text/html", "href": f"{href}/maps"}]})
    return {"default": registry.default_id, "plans": plans}


class PlanPrefix:
    """Serve ``/plans/{id}/<path>`` as ``/<path>`` for plan ``id`` (404 in the documented shape if unknown)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            match = _PLAN_PATH.match(scope["path"])
            if match:
                plan_id, rest = match.group(1), match.group(2) or "/"
                registry = getattr(scope["app"].state, "plans", None) if "app" in scope else None
                known = [s.plan_id for s in registry] if registry is not None else []
                if plan_id not in known:
                    body = error_body("NotFound", f"no plan {plan_id!r}; plans: {', '.join(known) or 'none'}", 404)
                    await send({"type": "http.response.start", "status": 404,
                                "headers": [(b"content-type", b"application/json")]})
                    await send({"type": "http.response.body", "body": json.dumps(body).encode()})
                    return
                scope = {**scope, "path": rest, "raw_path": rest.encode(), PLAN_KEY: plan_id,
                         PREFIX_KEY: f"/plans/{plan_id}"}
        await self.app(scope, receive, send)
