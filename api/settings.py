"""Service settings, read from the environment with the ``PLANMAP_`` prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from layers.plan import PLANS_DIR


class Settings(BaseSettings):
    """Settings of one running service.

    Environment variables: ``PLANMAP_PLAN``, ``PLANMAP_PLANS``, ``PLANMAP_PLANS_DIR``, ``PLANMAP_TIANDITU_KEY``,
    ``PLANMAP_MAX_LIMIT``, ``PLANMAP_DEFAULT_LIMIT``, ``PLANMAP_PUBLIC_URL``.
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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process's settings, read from the environment once (tests inject their own with Depends)."""
    return Settings()


def plan_ids(settings: Settings) -> list[str] | None:
    """The plan ids ``PLANMAP_PLANS`` lists, or None for every plan folder (the default plan always loads)."""
    ids = [part.strip() for part in settings.plans.split(",") if part.strip() and part.strip().lower() != "all"]
    return ids or None
