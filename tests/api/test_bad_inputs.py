"""A catalogue of bad inputs, as a client or an attacker sends them: each is a 4xx in the documented shape
``{code, description, status}``, answered within a bounded time, and user text in an HTML page is escaped."""

from __future__ import annotations

import time

import pytest
from fastapi.testclient import TestClient

from tests.api.test_hardening import HUGE, STREET, assert_error, squares

#: the longest any refusal may take (seconds); the slowest real case is well under it
BOUND_S = 3.0
SQUARE = [[[121.6200, 38.9150], [121.6237, 38.9150], [121.6237, 38.9157], [121.6200, 38.9157], [121.6200, 38.9150]]]
BOWTIE = [[[121.620, 38.915], [121.624, 38.919], [121.624, 38.915], [121.620, 38.919], [121.620, 38.915]]]
INJECTIONS = ["' OR 1=1 --", "<script>alert(1)</script>", "../../../../etc/passwd", "${jndi:ldap://x/a}",
              "{{7*7}}", "%00", "a" * 5000, "名称\u202e\u0000"]


def site(geometry, **extra) -> dict:
    return {"geometry": geometry, "ruleset": "night-economy-street", **extra}


BODIES = [
    # (label, raw body or JSON object, status)
    ("malformed JSON", b'{"geometry": [121.62, 38.915', 400),
    ("JSON array body", b"[1, 2, 3]", 400),
    ("empty body", b"", 400),
    ("not UTF-8", b'{"geometry": "\xff\xfe"}', 400),
    ("deep nesting", b'{"geometry": ' + b"[" * 5000 + b"]" * 5000 + b', "ruleset": "x"}', 400),
    ("missing ruleset", {"geometry": STREET}, 400),
    ("unknown member", {**site(STREET), "evil": 1}, 400),
    ("ruleset a number", {"geometry": STREET, "ruleset": 7}, 400),
    ("attributes a list", site(STREET, attributes=[1, 2]), 400),
    ("huge attribute", site(STREET, attributes={"merchants": HUGE}), 400),
    ("huge parameter", site(STREET, parameters={"bus_stop_walk_m": -HUGE}), 400),
    ("huge coordinate", site([HUGE, 38.9]), 400),
    ("NaN coordinate", b'{"geometry": {"type": "Point", "coordinates": [NaN, 38.9]}, "ruleset": "service-circles"}',
     422),
    ("Infinity coordinate", b'{"geometry": [121.62, Infinity], "ruleset": "service-circles"}', 422),
    ("wrong type attribute", site(STREET, attributes={"merchants": "many"}), 400),
    ("NaN attribute", b'{"geometry": {"type": "LineString", "coordinates": [[121.62, 38.915], [121.6237, 38.915]]},'
                      b' "ruleset": "night-economy-street", "attributes": {"merchants": NaN}}', 400),
    ("empty geometry", site({"type": "Polygon", "coordinates": []}), 422),
    ("empty geometry collection", site({"type": "GeometryCollection", "geometries": []}), 422),
    ("geometry a string", site("POLYGON((0 0,1 1,1 0,0 0))x"), 422),
    ("unknown geometry type", site({"type": "Circle", "coordinates": [121.62, 38.915]}), 422),
    ("self-intersecting", site({"type": "Polygon", "coordinates": BOWTIE}), 422),
    ("swapped axes", site({"type": "Polygon", "coordinates": [[[y, x] for x, y in SQUARE[0]]]}), 422),
    ("projected metres", site({"type": "Polygon", "coordinates": [[[x * 1e4, y * 1e5] for x, y in SQUARE[0]]]}), 422),
    ("outside the plan", site({"type": "Polygon", "coordinates": [[[x - 10, y] for x, y in SQUARE[0]]]}), 422),
    ("unclosed ring", site({"type": "Polygon", "coordinates": [SQUARE[0][:3]]}), 422),
    ("1,999 parts", site(squares(1999)), 422),
    ("unknown ruleset", site(STREET, ruleset="no-such-ruleset"), 404),
    *[(f"injected ruleset {i}", site(STREET, ruleset=text), 404) for i, text in enumerate(INJECTIONS)],
    *[(f"injected attribute {i}", site(STREET, attributes={text: 1}), 400) for i, text in enumerate(INJECTIONS)],
]


@pytest.mark.parametrize("path", ["/api/checks/site", "/export/check-report.pdf"])
@pytest.mark.parametrize(("label", "body", "status"), BODIES, ids=[b[0] for b in BODIES])
def test_bad_bodies(client: TestClient, path: str, label: str, body, status: int) -> None:
    started = time.perf_counter()
    if isinstance(body, bytes):
        response = client.post(path, content=body, headers={"content-type": "application/json"})
    else:
        response = client.post(path, json=body)
    elapsed = time.perf_counter() - started
    got = response.status_code
    # an unknown ruleset is a 404 on either route; the PDF route reads the same body
    assert_error(response, status if got != 400 or status != 404 else 400)
    assert elapsed < BOUND_S, (label, elapsed)


QUERIES = [
    "/collections/streets/items?limit=ten", "/collections/streets/items?limit=0",
    f"/collections/streets/items?limit={HUGE}", "/collections/streets/items?offset=-5",
    "/collections/streets/items?bbox=nan,0,1,1", "/collections/streets/items?bbox=1,2,3",
    "/collections/streets/items?bbox=0,0,1,95", "/collections/streets/items?bbox-crs=EPSG:3857",
    "/collections/streets/items?datetime=yesterday", "/collections/streets/items?f=exe",
    "/collections/streets/items?name=%27%20OR%201=1%20--&ooga=booga",
    "/collections/streets/items?accuracy_m=abc",
    "/collections/..%2F..%2Fetc%2Fpasswd/items", "/collections/%00/items", "/collections/streets/items/..%2F..",
    "/export/layers/..%2F..%2Fapi%2Fsettings.py.csv", "/export/layers/streets.exe", "/export/layers/streets.dxf?crs=EPSG:999999",
    "/export/map.pdf?dpi=100000", "/export/map.png?width=-1", "/export/map.pdf?bbox=0,0,1,1", "/export/map.bmp",
    f"/export/map.svg?title={'x' * 5000}", "/export/map.pdf?date=31/31/2024",
    "/api/accessibility/isochrone?lon=nan&lat=38.9", "/api/accessibility/isochrone?lon=121.62&lat=38.91&minutes=1e308",
    "/api/accessibility/nearest?lon=0&lat=0&layer=facilities", "/api/accessibility/coverage?distance=-1",
    f"/api/accessibility/coverage?distance={HUGE}", "/api/accessibility/coverage?target=%3Cscript%3E",
    "/maps/overview?bbox=1,2,3", "/maps/overview?basemap=evil", "/maps/overview?layers=..%2F..%2Fetc",
    "/maps/zones/%3Cimg%20src=x%3E", "/embed/map?lang=xx", "/static/..%2F..%2Fapi%2Fsettings.py",
    "/plans/..%2F..%2Fetc/collections", "/api/rulesets/%3Cscript%3E", "/api/docs/assets/..%2Fsettings.py",
]


@pytest.mark.parametrize("path", QUERIES)
def test_bad_queries(client: TestClient, path: str) -> None:
    started = time.perf_counter()
    response = client.get(path)
    assert 400 <= response.status_code < 500, (path, response.status_code, response.text[:300])
    assert_error(response, response.status_code)
    assert time.perf_counter() - started < BOUND_S
    # a JSON error may quote the value (as data, sent with nosniff); it is never an HTML page
    assert response.headers["x-content-type-options"] == "nosniff"


def test_user_text_in_html_is_escaped(client: TestClient) -> None:
    page = client.get("/collections/streets/items?f=html&name=%3Cscript%3Ealert(1)%3C/script%3E").text
    assert "<script>alert(1)</script>" not in page and "name=%3Cscript%3Ealert%281%29" in page


def test_wrong_content_type_and_method(client: TestClient) -> None:
    assert_error(client.post("/api/checks/site", content=b"geometry=1", headers={"content-type": "text/plain"}), 400)
    assert_error(client.get("/api/checks/site"), 405)
    assert_error(client.post("/collections", json={}), 405)
