"""Outside suites run against a live ``planmap serve --workers 2``: the OGC API – Features Part 1 conformance
suite from PyPI (``ogctests``) and schemathesis (stateless, a bounded number of examples per operation).

Both are bounded in time (about a minute each); the server's own log must show no traceback afterwards.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings

from tests.api.live import environment

#: ogctests checks that the suite gets wrong for a Part 1 service, and why (also in the README)
SUITE_WRONG = {
    # /ats/core/crs84 checks that geometries are CRS84; the suite instead requires the Part 2 (CRS by
    # reference) conformance class in conformsTo, which a Part 1 service that serves only CRS84 must not claim.
    "test_ast2": "requires the Part 2 CRS conformance class for the Part 1 CRS84 test",
}


def test_ogc_api_features_part1_conformance_suite(live_server: str, tmp_path: Path) -> None:
    import ogctests

    package = Path(ogctests.__file__).parent
    report = tmp_path / "ogctests.xml"
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "pytest", str(package / "features" / "core"), "-c", os.devnull, "--rootdir",
         str(package), "-p", "no:cacheprovider", "-q", "--tb=line", "-W", "ignore", f"--junit-xml={report}"],
        capture_output=True, text=True, env=environment(INSTANCE_URL=live_server), timeout=300,
    )
    assert time.monotonic() - started < 180
    outcomes: dict[str, str] = {}
    for case in ET.parse(report).getroot().iter("testcase"):
        failed = case.find("failure") is not None or case.find("error") is not None
        outcomes[case.get("name")] = "failed" if failed else "skipped" if case.find("skipped") is not None else "passed"
    assert len(outcomes) >= 29, result.stdout[-3000:]
    failed = sorted(name for name, outcome in outcomes.items() if outcome == "failed")
    assert failed == sorted(SUITE_WRONG), result.stdout[-3000:]
    assert sum(outcome == "passed" for outcome in outcomes.values()) >= 27


@pytest.fixture(scope="session")
def api_schema(live_server: str):
    """The live /api document: explicit examples, boundary cases (coverage phase) and random cases."""
    return schemathesis.openapi.from_url(f"{live_server}/api")


@pytest.fixture(scope="session")
def api_schema_quick(live_server: str):
    """The same without the coverage phase, for the 18 per-collection paths and the PDF/sheet renderers."""
    loaded = schemathesis.openapi.from_url(f"{live_server}/api")
    loaded.config.phases.coverage.enabled = False
    return loaded


schema = schemathesis.pytest.from_fixture("api_schema")
quick = schemathesis.pytest.from_fixture("api_schema_quick")
#: per-collection items paths (one per layer) and the heavy renderers get fewer examples: same code paths
_COLLECTION_ITEMS = r"^/collections/[a-z0-9-]+/items$"
_RENDERERS = r"^/export/"
_BOUNDED = {"deadline": None, "database": None, "phases": [Phase.explicit, Phase.generate],
            "suppress_health_check": list(HealthCheck)}


def _check(case) -> None:
    """No 5xx but the documented 503 (with Retry-After); every status answered is documented."""
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import status_code_conformance

    response = case.call(timeout=60)
    if response.status_code == 503:
        assert "retry-after" in {k.lower() for k in response.headers}
        return
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])


@schema.exclude(path_regex=_COLLECTION_ITEMS).exclude(path_regex=_RENDERERS).parametrize()
@settings(max_examples=3, **_BOUNDED)
def test_schemathesis_no_server_error_no_undocumented_status(case) -> None:
    _check(case)


@quick.include(path_regex=_COLLECTION_ITEMS).parametrize()
@settings(max_examples=2, **_BOUNDED)
def test_schemathesis_collection_items(case) -> None:
    _check(case)


@quick.include(path_regex=_RENDERERS).parametrize()
@settings(max_examples=1, **_BOUNDED)
def test_schemathesis_sheets_reports_downloads(case) -> None:
    _check(case)


def test_several_workers_serve(live: tuple[str, subprocess.Popen]) -> None:
    """``planmap serve --workers 2`` runs two worker processes under the one started."""
    _, process = live
    children = [int(p) for p in Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()]
    workers = 0
    for child in children:
        cmdline = Path(f"/proc/{child}/cmdline").read_bytes().replace(b"\0", b" ")
        workers += b"multiprocessing" in cmdline or b"spawn" in cmdline
    assert workers >= 2, children
