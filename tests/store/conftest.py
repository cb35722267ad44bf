"""Both backends for the store tests: the GeoPackage file and a throwaway PostgreSQL + PostGIS cluster."""

from __future__ import annotations

import pytest

from api.store import Store
from tests.pgcluster import Cluster, missing_reason


@pytest.fixture(scope="session")
def pg_cluster():
    reason = missing_reason()
    if reason is not None:
        pytest.skip(f"PostGIS tests skipped: {reason}")
    cluster = Cluster()
    try:
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["geopackage", "postgis"])
def backend_url(request, tmp_path) -> str:
    """A fresh, empty store location on each backend: ``sqlite:///…/planmap.gpkg`` or ``postgresql://…``."""
    if request.param == "postgis":
        return request.getfixturevalue("pg_cluster").url()
    return f"sqlite:///{tmp_path / 'var' / 'planmap.gpkg'}"


@pytest.fixture
def store(backend_url: str):
    opened = Store.open(backend_url)
    yield opened
    opened.close()
