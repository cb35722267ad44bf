"""Service settings, read from the environment with the ``PLANMAP_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from layers.plan import PLANS_DIR


class Settings(BaseSettings):
    """Settings of one running service.

    Environment variables: ``PLANMAP_PLAN``, ``PLANMAP_PLANS``, ``PLANMAP_PLANS_DIR``, ``PLANMAP_TIANDITU_KEY``,
    ``PLANMAP_MAX_LIMIT``, ``PLANMAP_DEFAULT_LIMIT``, ``PLANMAP_PUBLIC_URL``, ``PLANMAP_DATA_DIR``,
    ``PLANMAP_DATABASE_URL``, ``PLANMAP_PUBLIC_READ``, ``PLANMAP_SECURE_COOKIES``, ``PLANMAP_JOB_WORKERS``,
    ``PLANMAP_JOB_TTL_HOURS``, ``PLANMAP_JOB_STALE_SECONDS``, ``PLANMAP_JOB_POLL_SECONDS``,
    ``PLANMAP_JOB_MAX_BYTES``, ``PLANMAP_JOB_MAX_FEATURES``.
    """

    model_config = SettingsConfigDict(env_prefix="PLANMAP_", extra="ignore")

    #: the default plan, served at the root (``/collections`` ...) and at ``/plans/{id}/…``
    plan: str = "xigang"
    #: plans to load, comma-separated (``PLANMAP_PLANS=xigang,yingze``); empty = every plan folder
    plans: str = ""
    plans_dir: Path = PLANS_DIR
    #: key for 天地图 (Tianditu) tiles; without it that basemap is not offered
    tianditu_key: str | None = None
    default_limit: int = 100
    max_limit: int = 10_000
    #: absolute base URL used in links when the service sits behind a proxy ("" = from the request)
    public_url: str = ""
    #: folder of the workbench store file ``planmap.gpkg`` (saved sites, accounts)
    data_dir: Path = Path("var")
    #: ``postgresql://…`` stores the workbench in PostgreSQL + PostGIS instead of the GeoPackage file
    database_url: str = ""
    #: reading the plan needs no account (``false``: every page and API needs a signed-in viewer)
    public_read: bool = True
    #: session cookies only over HTTPS (set when served behind TLS)
    secure_cookies: bool = False
    #: batch jobs: screenings run at once by one service process (threads)
    job_workers: int = 2
    #: hours a job (and its result) is kept after it was submitted or finished; then removed
    job_ttl_hours: float = 72.0
    #: a running job whose heartbeat is older than this (its process died) is queued again (once), then failed
    job_stale_seconds: float = 120.0
    #: how often a process looks for queued jobs (other processes' too), heartbeats and cleans up
    job_poll_seconds: float = 2.0
    #: the largest batch file (bytes) and number of features a job takes
    job_max_bytes: int = 200 * 1024 * 1024
    job_max_features: int = 200_000


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once (tests inject their own with Depends)."""
    return Settings()


def plan_ids(settings: Settings) -> list[str] | None:
    """The plan ids ``PLANMAP_PLANS`` lists, or None for every plan folder (the default plan always loads)."""
    ids = [part.strip() for part in settings.plans.split(",") if part.strip() and part.strip().lower() != "all"]
    return ids or None
