"""Fixtures of the API tests that need a real HTTP server (GDAL, the OGC conformance suite, schemathesis)."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator

import pytest

from layers.plan import PLANS_DIR
from tests.api.live import serve


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, subprocess.Popen]]:
    """``planmap serve --workers 2`` on the Xigang plan: its base URL and process (log in the tmp dir)."""
    log = tmp_path_factory.mktemp("live") / "server.log"
    with serve(log, workers=2, env={"PLANMAP_PLAN": "xigang", "PLANMAP_PLANS_DIR": str(PLANS_DIR)}) as running:
        yield running


@pytest.fixture(scope="session")
def live_server(live: tuple[str, subprocess.Popen]) -> str:
    return live[0]


@pytest.fixture(scope="session")
def service_url(live_server: str) -> str:
    return live_server
