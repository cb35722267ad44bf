"""FastAPI dependencies: settings and the plan store, overridable in tests."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.settings import Settings, get_settings
from layers.store import PlanStore, open_store


def get_store(settings: Annotated[Settings, Depends(get_settings)]) -> PlanStore:
    return open_store(settings.plan, settings.plans_dir)


SettingsDep = Annotated[Settings, Depends(get_settings)]
StoreDep = Annotated[PlanStore, Depends(get_store)]
