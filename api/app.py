"""The FastAPI application: routers, error mapping and start-up validation of the plan."""

from __future__ import annotations

import logging
import threading
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware

from api import auth as auth_api
from api import docs, errors, middleware, openapi
from api import plans as plans_api
from api.routers import accessibility, audit_values, auth, checks, exports, features, jobs, maps, sites
from api.service import PlanRegistry
from api.service.jobs import JobRunner
from api.service.workbench import Workbench
from api.settings import Settings, get_settings, plan_ids, split_list

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
        docs_url=None,  # served offline by api.docs
        redoc_url=None,
        openapi_url=None,  # the OpenAPI 3.0 document is served by api.openapi at /api
    )
    if settings is not None:
        app.dependency_overrides[get_settings] = lambda: settings
    errors.install(app)
    _install_middleware(app, settings or get_settings())
    app.include_router(openapi.router)
    app.include_router(docs.router)
    app.include_router(plans_api.router)
    app.include_router(sites.router)  # before features: /collections/sites is the writable collection
    app.include_router(auth.router)
    app.include_router(features.router)
    app.include_router(checks.router)
    app.include_router(audit_values.router)
    app.include_router(jobs.router)
    app.include_router(accessibility.router)
    app.include_router(maps.router)
    app.include_router(exports.router)
    return app


def _install_middleware(app: FastAPI, settings: Settings) -> None:
    """The middleware stack, innermost first (``add_middleware`` wraps what is there).

    Outermost: trusted hosts, HEAD, CORS, GZip, security headers, ETag; then the plan prefix (paths are plain
    from here on) and the public-read gate; innermost the body limit and the back-pressure on heavy routes.
    """
    app.add_middleware(middleware.ConcurrencyLimit,
                       classes=middleware.heavy_classes(settings.heavy_concurrency, settings.check_concurrency,
                                                        settings.page_concurrency),
                       retry_after_s=settings.retry_after_s)
    app.add_middleware(middleware.BodyLimit, default=settings.max_body_bytes, upload=settings.max_upload_bytes,
                       upload_paths=split_list(settings.upload_paths))
    app.add_middleware(auth_api.PublicReadGate)
    app.add_middleware(plans_api.PlanPrefix)
    app.add_middleware(middleware.ConditionalGet)
    app.add_middleware(middleware.SecurityHeaders)
    app.add_middleware(GZipMiddleware, minimum_size=settings.gzip_min_bytes)
    origins = split_list(settings.cors_origins)
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "HEAD", "POST"],
                           allow_headers=["Accept", "Content-Type", "If-None-Match"],
                           expose_headers=["ETag", "Content-Crs", "Retry-After", "X-Feature-Count"])
    app.add_middleware(middleware.HeadAsGet)
    app.add_middleware(middleware.TrustedHosts, allowed=allowed_hosts(settings))


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host values accepted: ``PLANMAP_ALLOWED_HOSTS`` plus the host of ``PLANMAP_PUBLIC_URL``."""
    hosts = split_list(settings.allowed_hosts)
    if settings.public_url:
        host = urlsplit(settings.public_url).hostname
        if host:
            hosts.append(host)
    return hosts


app = create_app()
