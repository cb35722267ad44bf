"""Shared fixtures: the real Xigang store, a TestClient with settings injected, tiny geometries."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from layers.store import PLANS_DIR, PlanStore, open_store


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(plan="xigang", plans_dir=PLANS_DIR)


@pytest.fixture(scope="session")
def store(settings: Settings) -> PlanStore:
    return open_store(settings.plan, settings.plans_dir)


@pytest.fixture(scope="session")
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    with TestClient(app) as test_client:
        yield test_client
