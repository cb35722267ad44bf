"""The FastAPI application: routers, error mapping and start-up validation of the plan."""

from __future__ import annotations

import threading
from contextlib import asynccontextmanager

from fastapi import FastAPI

from api import errors
from api.routers import accessibility, checks, exports, features, maps
from api.settings import Settings, get_settings
from layers.store import open_store


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app. With ``settings`` given, the plan is loaded (and validated) before serving."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        current = settings or get_settings()
        store = open_store(current.plan, current.plans_dir)  # a bad catalogue stops start-up here
        _ = store.network  # build the walk network once, before the first request
        # the plan audit takes a few seconds: compute it in the background (requests wait on its lock)
        threading.Thread(target=checks.audit, args=(store,), name="plan-audit", daemon=True).start()
        yield

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
    app.include_router(features.router)
    app.include_router(checks.router)
    app.include_router(accessibility.router)
    app.include_router(maps.router)
    app.include_router(exports.router)
    return app


app = create_app()
