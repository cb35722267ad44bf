"""Service settings, read from the environment with the ``PLANMAP_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from layers.plan import PLANS_DIR


class Settings(BaseSettings):
    """Settings of one running service.

    Every field is read from ``PLANMAP_<FIELD>`` (``PLANMAP_MAX_BODY_BYTES`` …); the README lists them all.
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
    #: Host header values accepted, comma-separated (``*`` = any); the public URL's host is always accepted.
    #: Links are built from the public URL, or else from a Host that passed this check.
    allowed_hosts: str = "localhost,127.0.0.1,[::1],testserver"
    #: origins allowed to call the API from a browser (CORS), comma-separated; empty = no CORS headers
    cors_origins: str = ""
    #: largest request body read (bytes); larger ones get a 413 before anything is parsed
    max_body_bytes: int = 1_048_576
    #: larger limit for upload and batch routes (paths starting with one of ``upload_paths``)
    max_upload_bytes: int = 33_554_432
    #: path prefixes that take uploads or batch files, comma-separated
    upload_paths: str = "/api/imports,/api/import,/api/batch,/api/sites/import"
    #: at most this many heavy requests (sheets, PDFs, downloads, coverage) at once per worker; more get a 503
    heavy_concurrency: int = 2
    #: at most this many site checks at once per worker; more get a 503
    check_concurrency: int = 4
    #: at most this many map pages (/maps/…, /embed/…) built at once per worker; more get a 503 (0 = no limit)
    page_concurrency: int = 3
    #: seconds a 503 asks the client to wait (``Retry-After``)
    retry_after_s: int = 5
    #: a site may have at most this many parts (polygons of a MultiPolygon, lines of a MultiLineString)
    max_site_parts: int = 50
    #: a site may have at most this many vertices in all
    max_site_vertices: int = 10_000
    #: only multiples of this distance (metres) and the rulesets' own are kept in the coverage cache
    coverage_step_m: float = 50.0
    #: responses smaller than this are not compressed (bytes)
    gzip_min_bytes: int = 1_000
    #: worker processes of ``planmap serve`` (each holds its own copy of the plans in memory)
    workers: int = 1
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


def split_list(text: str) -> list[str]:
    """The items of a comma-separated setting, stripped, empty ones dropped."""
    return [part.strip() for part in text.split(",") if part.strip()]
