"""Hardening (issue 11): each defect found from outside, with the test that failed before its fix.

Items HTML pages, huge integers, bounded site cost, body limits, back-pressure, the coverage cache, HEAD,
``datetime``, 6-number / antimeridian / EPSG:4326 bboxes, one JSON error shape, trusted hosts, feature ids,
security headers, GZip, ETag, CORS and the offline API docs.
"""

from __future__ import annotations

import asyncio
import json
import re
import threading
import time
from pathlib import Path

import geopandas as gpd
import httpx
import pytest
import shapely
from fastapi.testclient import TestClient

from api import middleware, ogc
from api.app import create_app
from api.service.models import site_size
from api.settings import Settings
from layers.errors import LayersError
from layers.plan import PLANS_DIR, load_plan
from tests.geo import tiny_plan

HUGE = int("9" * 400)
STREET = {"type": "LineString", "coordinates": [[121.6200, 38.9150], [121.6237, 38.9150]]}


def assert_error(response: httpx.Response, status: int, *words: str) -> dict:
    """The documented error document: ``{code, description, status}``, JSON, with the given status."""
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "description", "status"} and body["status"] == status
    assert isinstance(body["code"], str) and body["code"]
    for word in words:
        assert word in body["description"], (word, body["description"])
    return body


def squares(count: int, *, step: float = 0.0004, size: float = 0.0002) -> dict:
    """A MultiPolygon of ``count`` small squares in Xigang, 50 to a row."""
    polygons = []
    for i in range(count):
        x, y = 121.60 + step * (i % 50), 38.90 + step * (i // 50)
        polygons.append([[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]])
    return {"type": "MultiPolygon", "coordinates": polygons}


# ---------------------------------------------------------------------------------------------- items HTML
def test_items_html_page_of_every_collection(client: TestClient, store) -> None:
    """Was a 500 for 7 of 16 collections (the template read a ``method`` key those features lack)."""
    for spec in store.specs:
        response = client.get(f"/collections/{spec.id}/items?f=html&limit=5")
        assert response.status_code == 200, (spec.id, response.text[:300])
        assert "<table" in response.text


# ---------------------------------------------------------------------------------------------- huge numbers
@pytest.mark.parametrize("path", ["/api/checks/site", "/export/check-report.pdf"])
@pytest.mark.parametrize(
    ("extra", "where"),
    [({"attributes": {"merchants": HUGE}}, "attributes.merchants"),
     ({"parameters": {"bus_stop_walk_m": HUGE}}, "parameters.bus_stop_walk_m"),
     ({"geometry": {"type": "LineString", "coordinates": [[HUGE, 38.915], [121.6237, 38.915]]}}, "geometry")],
)
def test_huge_integers_are_a_400(client: TestClient, path: str, extra: dict, where: str) -> None:
    """A 400-digit integer was a 500 (OverflowError) and dropped the connection."""
    body = {"geometry": STREET, "ruleset": "night-economy-street", **extra}
    assert_error(client.post(path, json=body), 400, where, "too large")


# ---------------------------------------------------------------------------------------------- bounded cost
def test_a_site_of_1999_parts_is_refused_at_once(client: TestClient) -> None:
    """Was checked for ~9 s (and ~12 s as a PDF): parts are bounded (PLANMAP_MAX_SITE_PARTS = 50)."""
    body = {"geometry": squares(1999), "ruleset": "night-economy-street"}
    assert site_size(body["geometry"]) == (1999, 1999 * 5)
    for path in ("/api/checks/site", "/export/check-report.pdf"):
        started = time.perf_counter()
        assert_error(client.post(path, json=body), 422, "1,999 parts", "PLANMAP_MAX_SITE_PARTS")
        assert time.perf_counter() - started < 2.0  # was 9 s (check) and 12 s (PDF)


def test_the_largest_site_accepted_is_checked_quickly(client: TestClient) -> None:
    started = time.perf_counter()
    response = client.post("/api/checks/site", json={"geometry": squares(50), "ruleset": "night-economy-street"})
    assert response.status_code == 200, response.text[:300]
    assert response.json()["geometry_type"] == "MultiPolygon"
    assert time.perf_counter() - started < 5.0


def test_vertex_limit_is_a_setting(tmp_path: Path) -> None:
    app = create_app(Settings(plan="xigang", plans_dir=PLANS_DIR, max_site_vertices=12))
    with TestClient(app) as small:
        assert_error(small.post("/api/checks/site", json={"geometry": squares(3), "ruleset": "night-economy-street"}),
                     422, "15 vertices", "at most 12")


def test_oversized_body_is_a_413_before_parsing(client: TestClient) -> None:
    """A 100 MB body was read and parsed in full before the 400; now the declared length is refused."""
    body = b"{" + b" " * (2 * 1024 * 1024) + b"}"
    started = time.perf_counter()
    assert_error(client.post("/api/checks/site", content=body, headers={"content-type": "application/json"}),
                 413, "at most 1,048,576")
    assert time.perf_counter() - started < 2.0


def test_oversized_chunked_body_is_a_413(client: TestClient) -> None:
    def chunks():
        for _ in range(64):
            yield b" " * 65536

    assert_error(client.post("/api/checks/site", content=chunks(), headers={"content-type": "application/json"}),
                 413, "more than 1,048,576")


def test_upload_routes_have_their_own_limit() -> None:
    limit = middleware.BodyLimit(None, default=1000, upload=50_000, upload_paths=["/api/imports"])  # type: ignore[arg-type]
    assert limit.limit("/api/checks/site") == 1000
    assert limit.limit("/api/imports/sites") == 50_000


def test_small_chunked_body_is_replayed(client: TestClient) -> None:
    payload = json.dumps({"geometry": STREET, "ruleset": "night-economy-street"}).encode()
    response = client.post("/api/checks/site", content=iter([payload[:20], payload[20:]]),
                           headers={"content-type": "application/json"})
    assert response.status_code == 200, response.text[:300]


# ---------------------------------------------------------------------------------------------- back-pressure
def test_heavy_requests_beyond_the_limit_get_503_and_cheap_ones_stay_fast(monkeypatch: pytest.MonkeyPatch) -> None:
    """One process, a 40-thread pool and no back-pressure: four PDFs took 34 s each and GET / slowed 100-fold."""
    import api.routers.exports as exports_router

    release = threading.Event()
    entered = threading.Event()
    real = exports_router.render_selection

    def slow(*args, **kwargs):
        entered.set()
        release.wait(30)
        return real(*args, **kwargs)

    monkeypatch.setattr(exports_router, "render_selection", slow)
    app = create_app(Settings(plan="xigang", plans_dir=PLANS_DIR, heavy_concurrency=1, retry_after_s=7))
    with TestClient(app) as test_client:
        results: dict[str, httpx.Response] = {}
        worker = threading.Thread(target=lambda: results.update(first=test_client.get("/export/map.svg")))
        worker.start()
        assert entered.wait(30)
        try:
            busy = test_client.get("/export/map.png")
            assert_error(busy, 503, "retry in 7 s")
            assert busy.headers["retry-after"] == "7"
            started = time.perf_counter()
            assert test_client.get("/").status_code == 200
            assert time.perf_counter() - started < 1.0
        finally:
            release.set()
            worker.join(60)
        assert results["first"].status_code == 200
        assert test_client.get("/export/map.svg").status_code == 200  # the slot is free again


def test_concurrency_limit_counts_per_class() -> None:
    gate = asyncio.Event()

    async def slow_app(scope, receive, send):
        await gate.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    app = middleware.ConcurrencyLimit(slow_app, middleware.heavy_classes(1, 2), retry_after_s=3)

    async def run() -> list[int]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as ac:
            first = [asyncio.create_task(ac.post("/api/checks/site")) for _ in range(2)]
            first.append(asyncio.create_task(ac.get("/api/accessibility/coverage?distance=300")))
            await asyncio.sleep(0.05)
            refused = [(await ac.post("/api/checks/site")).status_code,
                       (await ac.get("/collections/streets/items?f=dxf")).status_code]
            gate.set()
            done = [r.status_code for r in await asyncio.gather(*first)]
            return refused + done

    assert asyncio.run(run()) == [503, 503, 200, 200, 200]


def test_varying_distance_cannot_flush_the_coverage_cache(client: TestClient, store) -> None:
    """48 requests with varying distance bypassed and flushed the cache; now only 50 m steps are kept."""
    assert client.get("/api/accessibility/coverage?distance=500").status_code == 200
    before = dict(store._coverage)
    for distance in (501, 502.5, 503, 517):
        assert client.get(f"/api/accessibility/coverage?distance={distance}").status_code == 200
    assert set(store._coverage) == set(before)
    again = client.get("/api/accessibility/coverage?distance=550")
    assert again.json()["features"][0]["properties"]["distance_m"] == 550
    assert len(store._coverage) == len(before) + 1


# ---------------------------------------------------------------------------------------------- HTTP semantics
@pytest.mark.parametrize("path", ["/", "/conformance", "/collections", "/collections/streets/items?limit=2",
                                  "/maps", "/api", "/api/rulesets"])
def test_head_on_every_get_resource(client: TestClient, path: str) -> None:
    """HEAD answered 405 on every GET resource."""
    head, get = client.head(path), client.get(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


@pytest.mark.parametrize("value", ["garbage", "2024-13-01", "2024-01-01/garbage", "../..", "2024-02-01/2024-01-01",
                                   "2024-01-01T25:00:00Z", "1/2/3"])
def test_bad_datetime_is_a_400(client: TestClient, value: str) -> None:
    """``datetime=garbage`` was accepted."""
    assert_error(client.get("/collections/streets/items", params={"datetime": value}), 400, "datetime")


@pytest.mark.parametrize("value", ["2024-05-01T12:00:00Z", "2024-05-01", "2024-05-01T12:00:00+08:00",
                                   "../2024-05-01T00:00:00Z", "2024-05-01/..", "2024-01-01/2024-12-31"])
def test_valid_datetime_selects_every_feature(client: TestClient, value: str) -> None:
    response = client.get("/collections/streets/items", params={"datetime": value, "limit": 1})
    assert response.status_code == 200
    assert response.json()["numberMatched"] == client.get("/collections/streets/items?limit=1").json()["numberMatched"]


def test_six_number_bbox_equals_the_four_number_one(client: TestClient) -> None:
    """A 6-number (3D) bbox was refused."""
    flat = client.get("/collections/streets/items?bbox=121.60,38.90,121.62,38.92&limit=1").json()
    deep = client.get("/collections/streets/items?bbox=121.60,38.90,-10,121.62,38.92,100&limit=1").json()
    assert deep["numberMatched"] == flat["numberMatched"] > 0


def test_antimeridian_bbox_selects_both_sides() -> None:
    """A bbox with minLon > maxLon (crossing the antimeridian) was refused."""
    frame = gpd.GeoDataFrame({"id": ["east", "west", "greenwich"]},
                             geometry=[shapely.Point(179.5, 10), shapely.Point(-179.5, 10), shapely.Point(0, 10)],
                             crs=4326, index=["east", "west", "greenwich"])
    box = ogc.parse_bbox("179,5,-179,15")
    assert list(ogc.select_features(frame, bbox=box).index) == ["east", "west"]
    with pytest.raises(ogc.BadRequestError):
        ogc.parse_bbox("179,5,-179,15", strict=True)  # a map frame still needs min < max


def test_antimeridian_bbox_over_the_api(client: TestClient) -> None:
    response = client.get("/collections/streets/items?bbox=170,38,-170,39")
    assert response.status_code == 200 and response.json()["numberMatched"] == 0


def test_bbox_crs_epsg_4326_is_latitude_first(client: TestClient) -> None:
    """``bbox-crs=EPSG:4326`` was read as lon/lat."""
    lonlat = client.get("/collections/streets/items?bbox=121.60,38.90,121.62,38.92&limit=1").json()
    latlon = client.get("/collections/streets/items", params={
        "bbox": "38.90,121.60,38.92,121.62", "bbox-crs": "http://www.opengis.net/def/crs/EPSG/0/4326",
        "limit": 1}).json()
    assert latlon["numberMatched"] == lonlat["numberMatched"] > 0
    assert_error(client.get("/collections/streets/items", params={"bbox": "121.60,38.90,121.62,38.92",
                                                                  "bbox-crs": "EPSG:4326"}), 400, "minLat 121.6", "latitude first")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/no-such-page", 404), ("get", "/collections/%2Fetc%2Fpasswd", 404),
     ("get", "/collections/streets%2F..%2F..%2Fetc/items", 404), ("post", "/", 405), ("delete", "/collections", 405),
     ("put", "/api/checks/site", 405), ("get", "/plans/nope/collections", 404)],
)
def test_framework_errors_have_the_documented_shape(client: TestClient, method: str, path: str, status: int) -> None:
    """404 for unknown paths and encoded slashes and 405 answered ``{"detail": …}``."""
    assert_error(client.request(method, path), status)


def test_a_server_error_is_json_too(tmp_path: Path) -> None:
    """A 500 was plain text."""
    app = create_app(Settings(plan="xigang", plans_dir=PLANS_DIR))

    def boom() -> None:
        raise RuntimeError("secret internals")

    app.add_api_route("/boom", boom)
    with TestClient(app, raise_server_exceptions=False) as test_client:
        body = assert_error(test_client.get("/boom"), 500)
        assert "secret" not in body["description"]


def test_unknown_query_parameter_is_a_400_and_filters_are_declared(client: TestClient) -> None:
    assert_error(client.get("/collections/streets/items?ooga=booga"), 400, "ooga", "allowed")
    api = client.get("/api").json()
    operation = api["paths"]["/collections/key-projects/items"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"status", "subdistrict", "schematic", "limit", "bbox"} <= names
    schematic = next(p for p in operation["parameters"] if p["name"] == "schematic")
    assert schematic["schema"] == {"type": "boolean"}
    assert client.get("/collections/key-projects/items?schematic=true&limit=1").status_code == 200


# ---------------------------------------------------------------------------------------------- hosts, links
def test_a_forged_host_is_refused_and_never_in_links(client: TestClient) -> None:
    """``Host: evil.example`` was copied into every link (cache poisoning)."""
    response = client.get("/collections", headers={"host": "evil.example"})
    assert_error(response, 400, "evil.example", "PLANMAP_ALLOWED_HOSTS")
    assert "http://testserver/collections" in client.get("/collections").text


def test_public_url_makes_links_and_its_host_is_accepted() -> None:
    settings = Settings(plan="xigang", plans_dir=PLANS_DIR, public_url="https://plan.example.gov.cn/gis",
                        allowed_hosts="")
    with TestClient(create_app(settings), base_url="http://plan.example.gov.cn") as test_client:
        links = [link["href"] for link in test_client.get("/").json()["links"]]
        assert all(href.startswith("https://plan.example.gov.cn/gis/") for href in links)
        assert test_client.get("/", headers={"host": "evil.example"}).status_code == 400


def test_any_host_is_an_explicit_choice() -> None:
    settings = Settings(plan="xigang", plans_dir=PLANS_DIR, allowed_hosts="*")
    with TestClient(create_app(settings)) as test_client:
        assert test_client.get("/conformance", headers={"host": "intranet-gis:8080"}).status_code == 200
    assert middleware.host_allowed("a.gis.local:80", ["*.gis.local"])
    assert not middleware.host_allowed("gis.local.evil.example", ["*.gis.local", "localhost"])
    assert middleware.host_allowed("[::1]:8000", ["[::1]"])


# ---------------------------------------------------------------------------------------------- data at load
def test_a_feature_without_an_id_is_refused_at_load(tmp_path: Path) -> None:
    """A feature without an id loaded and was served as ``"nan"``."""
    plan_dir = tiny_plan.write_plan(tmp_path)
    data = sorted((plan_dir / "data").glob("*.geojson"))[0]
    document = json.loads(data.read_text(encoding="utf-8"))
    document["features"][0]["properties"].pop("id", None)
    document["features"][0].pop("id", None)
    data.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(LayersError, match=r"without an 'id' \(feature number 1\)"):
        load_plan("tiny", tmp_path)


# ---------------------------------------------------------------------------------------------- headers
@pytest.mark.parametrize("path", ["/?f=html", "/collections?f=html", "/collections/streets?f=html",
                                  "/collections/streets/items?f=html&limit=3", "/conformance?f=html", "/api/docs",
                                  "/maps", "/maps/audit"])
def test_every_html_page_has_security_headers(client: TestClient, path: str) -> None:
    """OGC HTML pages sent no CSP and no X-Content-Type-Options."""
    response = client.get(path)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", csp).group(1)
    assert "'unsafe-inline'" not in script_src and "object-src 'none'" in csp


def test_map_page_scripts_are_allowed_by_hash_not_unsafe_inline(client: TestClient) -> None:
    """Map pages allowed ``'unsafe-inline'`` scripts."""
    import base64
    import hashlib

    response = client.get("/maps/overview")
    script_src = re.search(r"script-src ([^;]*)", response.headers["content-security-policy"]).group(1)
    assert "'unsafe-inline'" not in script_src
    inline = re.findall(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", response.text, re.DOTALL)
    assert inline
    for body in inline:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in script_src


def test_api_docs_are_served_offline(client: TestClient) -> None:
    """/api/docs loaded Swagger UI from a CDN."""
    page = client.get("/api/docs").text
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/api/docs/assets/") for s in sources), sources
    assert "<script>" not in page  # no inline script
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and len(asset.content) > 100, source
    assert b"SwaggerUIBundle" in client.get("/api/docs/assets/swagger-ui-bundle.js").content
    assert_error(client.get("/api/docs/assets/..%2F..%2Fsettings.py"), 404)
    assert_error(client.get("/api/docs/assets/index.html"), 404)


def test_gzip_on_large_responses(client: TestClient) -> None:
    """No compression: a 10,000-feature page was 2.4 MB."""
    response = client.get("/collections/streets/items?limit=2000", headers={"accept-encoding": "gzip"})
    assert response.headers["content-encoding"] == "gzip"
    raw = int(response.headers.get("content-length", "0"))
    assert 0 < raw < len(response.content) / 4  # streets compress better than 4:1


@pytest.mark.parametrize("path", ["/collections/streets/items?limit=5", "/collections/streets/items?f=html&limit=5",
                                  "/collections", "/maps/overview", "/api"])
def test_etag_and_if_none_match(client: TestClient, path: str) -> None:
    """No ETag: every revalidation sent the whole page again."""
    first = client.get(path)
    etag = first.headers["etag"]
    again = client.get(path, headers={"if-none-match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == etag
    assert client.get(path, headers={"if-none-match": 'W/"other"'}).status_code == 200


def test_items_etag_ignores_the_time_stamp_but_not_the_page(client: TestClient) -> None:
    first = client.get("/collections/streets/items?limit=5")
    time.sleep(1.1)
    second = client.get("/collections/streets/items?limit=5")
    assert first.json()["timeStamp"] != second.json()["timeStamp"]
    assert first.headers["etag"] == second.headers["etag"]
    assert client.get("/collections/streets/items?limit=6").headers["etag"] != first.headers["etag"]


def test_cors_only_for_listed_origins(client: TestClient) -> None:
    assert "access-control-allow-origin" not in client.get("/", headers={"origin": "https://a.example"}).headers
    settings = Settings(plan="xigang", plans_dir=PLANS_DIR, cors_origins="https://gis.example.gov.cn")
    with TestClient(create_app(settings)) as test_client:
        allowed = test_client.get("/", headers={"origin": "https://gis.example.gov.cn"})
        assert allowed.headers["access-control-allow-origin"] == "https://gis.example.gov.cn"
        other = test_client.get("/", headers={"origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# ---------------------------------------------------------------------------------------------- exports for GIS
def test_kml_booleans_read_back_in_gdal(client: TestClient, tmp_path: Path) -> None:
    """KML wrote ``type="bool"``, which GDAL 3.6 reads as 0 for every one of 55 schematic key projects."""
    response = client.get("/export/layers/key-projects.kml")
    assert response.status_code == 200
    assert '<SimpleField name="schematic" type="bool"' not in response.text
    assert re.search(r'<SimpleField name="schematic" type="int"', response.text)
    path = tmp_path / "key-projects.kml"
    path.write_bytes(response.content)
    frame = gpd.read_file(path, engine="pyogrio")
    truth = client.app.state.plans.default.layer("key-projects")["schematic"]
    assert len(frame) == 55 and int(frame["schematic"].astype(int).sum()) == int(truth.sum()) == 50


def test_geopackage_is_version_1_2(client: TestClient, tmp_path: Path) -> None:
    """GeoPackages were 1.4, which GDAL 3.6 may only partly support."""
    import sqlite3

    path = tmp_path / "streets.gpkg"
    path.write_bytes(client.get("/export/layers/key-projects.gpkg").content)
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA application_id").fetchone()[0] == 0x47504B47  # "GPKG"
        assert db.execute("PRAGMA user_version").fetchone()[0] == 10200


def test_dxf_says_its_crs(client: TestClient, tmp_path: Path) -> None:
    """A DXF carried no CRS and nothing told the CAD user which one."""
    import ezdxf

    response = client.get("/export/layers/key-projects.dxf")
    assert response.status_code == 200
    assert response.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4550>"
    assert "epsg4550" in response.headers["content-disposition"]
    path = tmp_path / "key-projects.dxf"
    path.write_bytes(response.content)
    doc = ezdxf.readfile(path)
    assert doc.header["$PROJECTNAME"] == "EPSG:4550"
    assert doc.header.custom_vars.get("CRS") == "EPSG:4550"
    assert "CGCS2000" in doc.header.custom_vars.get("CRS_NAME")


# ---------------------------------------------------------------------------------------------- OpenAPI
def test_openapi_is_3_0_with_typed_parameters_and_errors(client: TestClient) -> None:
    """The document was OpenAPI 3.1 while /conformance claims oas30; limit and bbox were strings; only 200/422."""
    response = client.get("/api")
    assert response.headers["content-type"] == ogc.MEDIA_OPENAPI
    api = response.json()
    assert api["openapi"] == "3.0.3"
    assert '"type": "null"' not in json.dumps(api) and "const" not in json.dumps(api["components"])
    items = api["paths"]["/collections/{collection_id}/items"]["get"]
    params = {p["name"]: p for p in items["parameters"]}
    assert params["limit"]["schema"] == {"type": "integer", "minimum": 1, "maximum": 10_000, "default": 100}
    assert params["bbox"]["schema"]["type"] == "array"
    assert (params["bbox"]["schema"]["minItems"], params["bbox"]["schema"]["maxItems"]) == (4, 6)
    assert params["bbox"]["explode"] is False
    for path, item in api["paths"].items():
        for method, operation in item.items():
            for status in ("400", "404", "500", "503"):
                schema = operation["responses"][status]["content"]["application/json"]["schema"]
                assert schema == {"$ref": "#/components/schemas/Error"}, (path, method, status)
            assert ("422" not in operation["responses"] or method != "get"
                    or path.startswith(("/api/checks", "/export", "/api/acc")))
    assert api["components"]["schemas"]["Error"]["required"] == ["code", "description", "status"]


def test_openapi_validates_as_3_0(client: TestClient) -> None:
    import ogctests
    from openapi_schema_validator import OAS30Validator, validate

    schema_path = Path(ogctests.__file__).parent / "features" / "schemas" / "openapi_schema_v3.0.yaml"
    import yaml

    validate(client.get("/api").json(), yaml.safe_load(schema_path.read_text()), cls=OAS30Validator)
