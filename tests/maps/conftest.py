"""Fixtures of the map tests: the tiny plan (hostile names, every geometry kind) as a store and as an app."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.service import PlanService
from api.settings import Settings
from layers.plan import Plan
from tests.maps.fixture_plan import PLAN_ID, write_fixture_plan


@pytest.fixture(scope="session")
def tiny_plans(tmp_path_factory):
    return write_fixture_plan(tmp_path_factory.mktemp("tiny"))


@pytest.fixture(scope="session")
def tiny_store(tiny_plans) -> PlanService:
    return PlanService(Plan(tiny_plans / PLAN_ID))


@pytest.fixture(scope="session")
def tiny_client(tiny_plans):
    with TestClient(create_app(Settings(plan=PLAN_ID, plans_dir=tiny_plans))) as client:
        yield client


@pytest.fixture(scope="session")
def tiny_client_with_key(tiny_plans):
    settings = Settings(plan=PLAN_ID, plans_dir=tiny_plans, tianditu_key="tk-test-123")
    with TestClient(create_app(settings)) as client:
        yield client
