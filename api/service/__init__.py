"""The application layer between the adapters (routers, CLI) and the domain (``maps``, ``geo``, ``layers``).

:class:`PlanService` — one loaded plan with its caches and use cases; :class:`PlanRegistry` — the plans one
service serves. Use-case modules (``accessibility``, ``exports``) take a :class:`PlanService`.
"""

from api.service.errors import BadRequestError, NotFoundError
from api.service.plans import PlanRegistry, PlanService

__all__ = ["BadRequestError", "NotFoundError", "PlanRegistry", "PlanService"]
