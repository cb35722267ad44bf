"""Shared fixtures: the real Xigang store, a TestClient with settings injected, tiny geometries."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import PlanService
from api.settings import Settings
from layers.plan import PLANS_DIR


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(plan="xigang", plans_dir=PLANS_DIR)


@pytest.fixture(scope="session")
def store(client) -> PlanService:
    """The Xigang plan's application object, as the running app holds it."""
    return client.app.state.plans.default


@pytest.fixture(scope="session")
def app(settings: Settings):
    return create_app(settings)


@pytest.fixture(scope="session")
def client(app) -> TestClient:
    with TestClient(app) as test_client:
        yield test_client
