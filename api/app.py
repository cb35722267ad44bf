"""The FastAPI application: routers, error mapping and start-up validation of the plan."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import auth as auth_api
from api import errors
from api import plans as plans_api
from api.routers import accessibility, auth, checks, exports, features, jobs, maps, sites
from api.service import PlanRegistry
from api.service.jobs import JobRunner
from api.service.workbench import Workbench
from api.settings import Settings, get_settings, plan_ids

logger = logging.getLogger("planmap")


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. With ``settings`` given, the plan is loaded (and validated) before serving."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        current = settings or get_settings()
        # every plan is loaded, validated and prepared (walk network) here: a bad catalogue stops start-up
        registry = PlanRegistry.load(plan_ids(current), current.plan, current.plans_dir)
        app.state.plans = registry
        app.state.settings = current
        # saved sites and accounts: the store opens on first use (PLANMAP_DATA_DIR or PLANMAP_DATABASE_URL)
        app.state.workbench = Workbench(current.database_url, current.data_dir)
        # batch jobs: a bounded thread pool claiming queued jobs from the store (api/service/jobs.py)
        app.state.jobs = JobRunner(app.state.workbench, registry, current)
        app.state.jobs.start_if_stored()
        for service in registry:
            for warning in service.source.warnings:
                logger.warning(warning)
            # the plan audit takes a few seconds: compute it in the background (requests wait on its lock)
            threading.Thread(target=service.audit, name=f"plan-audit-{service.plan_id}", daemon=True).start()
        yield
        app.state.jobs.close()
        app.state.workbench.close()

    app = FastAPI(
        title="planmap — 规划一张图",
        description=(
            "Planning map service: the plan as OGC API – Features collections, spatial checks of a site "
            "against declared criteria, interactive offline maps and exports."
        ),
        version="0.1.0",
        lifespan=lifespan,
        docs_url="/api/docs",
        redoc_url=None,
        openapi_url="/api",
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    app.add_middleware(auth_api.PublicReadGate)
    app.add_middleware(plans_api.PlanPrefix)
    app.include_router(plans_api.router)
    app.include_router(sites.router)  # before features: /collections/sites is the writable collection
    app.include_router(auth.router)
    app.include_router(features.router)
    app.include_router(checks.router)
    app.include_router(jobs.router)
    app.include_router(accessibility.router)
    app.include_router(maps.router)
    app.include_router(exports.router)
    return app


app = create_app()
