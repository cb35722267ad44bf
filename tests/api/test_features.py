"""OGC API – Features: every endpoint in JSON and HTML, paging, bbox, filters, bad input, escaping, media types."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml
from fastapi import Response
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from shapely.geometry import shape

from api import ogc
from api.app import create_app
from api.settings import Settings

CONFORMANCE = "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/"
BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
GDAL_ACCEPT = "application/geo+json, application/json"
XSS_NAME = "<img src=x onerror=alert(1)>"
XSS_TITLE = '边界<script>alert("t")</script>'


def strict_json(text: str):
    """Parse JSON refusing NaN/Infinity (which are not JSON)."""

    def refuse(constant: str):
        raise AssertionError(f"non-JSON constant {constant} in response")

    return json.loads(text, parse_constant=refuse)


def links_by_rel(document: dict) -> dict[str, list[dict]]:
    found: dict[str, list[dict]] = {}
    for entry in document["links"]:
        found.setdefault(entry["rel"], []).append(entry)
    return found


def relative(href: str) -> str:
    parts = urlsplit(href)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def all_items(client: TestClient, collection_id: str, limit: int, **params) -> tuple[list[dict], list[dict]]:
    """Follow ``next`` links until exhausted; return the features and the pages."""
    query = "&".join([f"limit={limit}"] + [f"{k}={v}" for k, v in params.items()])
    url = f"/collections/{collection_id}/items?{query}"
    features, pages = [], []
    for _ in range(10_000):
        response = client.get(url)
        assert response.status_code == 200, response.text
        page = strict_json(response.text)
        pages.append(page)
        features.extend(page["features"])
        nexts = links_by_rel(page).get("next", [])
        if not nexts:
            break
        assert len(nexts) == 1 and nexts[0]["type"] == "application/geo+json"
        url = relative(nexts[0]["href"])
    return features, pages


# ---------------------------------------------------------------------------------------------- tiny plan
def _point(x: float, y: float) -> dict:
    return {"type": "Point", "coordinates": [x, y]}


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A second plan made only of a data folder and a catalogue, with hostile strings in it."""
    root = tmp_path_factory.mktemp("plans")
    plan_dir = root / "tiny"
    (plan_dir / "data").mkdir(parents=True)
    provenance = {"source": "fixture <b>source</b>", "licence": "CC0", "method": "typed", "accuracy_m": 5}
    catalogue = {
        "plan": {
            "id": "tiny",
            "title": {"zh": "小规划<b>粗体</b>", "en": "Tiny plan"},
            "district": {"zh": "测试区", "en": "Test district"},
            "data_date": "2026-01",
            "roles": {"boundary": "area"},
            "map_area": [10.0, 50.0, 11.0, 51.0],
            "attribution": "test data & more",
        },
        "layers": [
            {
                "id": "area",
                "title": {"zh": XSS_TITLE, "en": "Boundary"},
                "group": "基础",
                "geometry_type": "Polygon",
                "source_crs": "EPSG:4326",
                "file": "area.geojson",
                "fields": {"name": {"type": "string", "required": True}},
                "provenance": provenance,
            },
            {
                "id": "spots",
                "title": {"zh": "地点", "en": "Spots"},
                "group": "重点项目",
                "geometry_type": "Point",
                "source_crs": "EPSG:4326",
                "file": "spots.geojson",
                "schematic": True,
                "fields": {
                    "name": {"type": "string", "title_zh": "名称", "title_en": "Name", "required": True},
                    "kind": {"type": "string", "title_zh": "类别", "title_en": "Kind"},
                    "count": {"type": "integer", "title_zh": "数量", "title_en": "Count"},
                    "opened": {"type": "date", "title_zh": "开放日期", "title_en": "Opened"},
                },
                "provenance": {**provenance, "source": "OpenStreetMap", "licence": "ODbL 1.0"},
            },
        ],
    }
    (plan_dir / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    ring = [[10.05, 50.05], [10.95, 50.05], [10.95, 50.95], [10.05, 50.95], [10.05, 50.05]]
    area = {"type": "Feature", "properties": {"id": "area-1", "name": "区"},
            "geometry": {"type": "Polygon", "coordinates": [ring]}}
    spots = []
    for i in range(5):
        spots.append({
            "type": "Feature",
            "properties": {
                "id": f"spot-{i}",
                "name": XSS_NAME if i == 2 else f"点{i}",
                "kind": "park" if i % 2 == 0 else "school",
                "count": None if i == 3 else i * 10,
                "opened": "2020-05-0" + str(i + 1),
            },
            "geometry": _point(round(10.1 + 0.1 * i, 6), round(50.1 + 0.1 * i, 6)),
        })
    for name, features in (("area.geojson", [area]), ("spots.geojson", spots)):
        document = {"type": "FeatureCollection", "features": features}
        (plan_dir / "data" / name).write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def tiny(tiny_dir: Path):
    app = create_app(Settings(plan="tiny", plans_dir=tiny_dir, default_limit=2, max_limit=50))
    with TestClient(app) as test_client:
        yield test_client


# ---------------------------------------------------------------------------------------------- landing, conformance
def test_landing_page_json(client: TestClient, store) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    doc = response.json()
    assert doc["title"] == store.plan.title.zh
    rels = links_by_rel(doc)
    for rel in ("self", "alternate", "service-desc", "service-doc", "conformance", "data"):
        assert rel in rels, rel
    (service_desc,) = rels["service-desc"]
    assert service_desc["type"] == "application/vnd.oai.openapi+json;version=3.0"
    assert urlsplit(service_desc["href"]).path == "/api"
    assert urlsplit(rels["service-doc"][0]["href"]).path == "/api/docs"
    assert urlsplit(rels["conformance"][0]["href"]).path == "/conformance"
    assert {urlsplit(d["href"]).path for d in rels["data"]} == {"/collections"}
    related = {urlsplit(d["href"]).path for d in rels["related"]}
    assert {"/maps", "/api/rulesets"} <= related


def test_service_desc_is_openapi_with_the_items_path(client: TestClient) -> None:
    href = links_by_rel(client.get("/").json())["service-desc"][0]["href"]
    api = client.get(relative(href)).json()
    assert api["openapi"].startswith("3.")
    assert "/collections/{collection_id}/items" in api["paths"]
    params = {p["name"] for p in api["paths"]["/collections/{collection_id}/items"]["get"]["parameters"]}
    assert {"bbox", "limit", "offset", "f"} <= params
    assert client.get("/api/docs").status_code == 200


def test_landing_page_html_by_accept_and_by_f(client: TestClient, store) -> None:
    for response in (client.get("/", headers={"Accept": BROWSER_ACCEPT}), client.get("/?f=html")):
        assert response.status_code == 200
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        assert store.plan.title.zh in response.text
        assert 'type="application/json" href="http://testserver/?f=json"' in response.text


def test_conformance(client: TestClient) -> None:
    response = client.get("/conformance", headers={"Accept": GDAL_ACCEPT})
    assert response.headers["content-type"] == "application/json"
    classes = response.json()["conformsTo"]
    assert {CONFORMANCE + c for c in ("core", "geojson", "html", "oas30")} <= set(classes)
    html = client.get("/conformance?f=html")
    assert html.headers["content-type"].startswith("text/html")
    assert CONFORMANCE + "core" in html.text


def test_f_overrides_accept(client: TestClient) -> None:
    assert client.get("/conformance?f=json", headers={"Accept": "text/html"}).headers[
        "content-type"] == "application/json"
    assert client.get("/conformance?f=html", headers={"Accept": "application/json"}).headers[
        "content-type"].startswith("text/html")
    # a JSON type ranked above HTML wins; no Accept at all means JSON
    assert client.get("/conformance", headers={"Accept": "application/json, text/html;q=0.5"}).headers[
        "content-type"] == "application/json"
    assert client.get("/conformance", headers={"Accept": ""}).headers["content-type"] == "application/json"


# ---------------------------------------------------------------------------------------------- collections
def test_collections_list_every_layer(client: TestClient, store) -> None:
    response = client.get("/collections")
    assert response.headers["content-type"] == "application/json"
    doc = response.json()
    assert [c["id"] for c in doc["collections"]] == [s.id for s in store.specs]
    for entry in doc["collections"]:
        assert entry == client.get(f"/collections/{entry['id']}").json()


@pytest.mark.parametrize("f", ["json", None])
def test_collection_metadata_from_the_data(client: TestClient, store, f) -> None:
    for spec in store.specs:
        doc = client.get(f"/collections/{spec.id}" + (f"?f={f}" if f else "")).json()
        frame = store.layer(spec.id)
        assert doc["id"] == spec.id
        assert doc["title"] == spec.title.zh
        assert spec.title.en in doc["description"]
        assert spec.provenance.source in doc["description"]
        assert doc["itemType"] == "feature"
        assert doc["crs"] == ["http://www.opengis.net/def/crs/OGC/1.3/CRS84"]
        assert doc["extent"]["spatial"]["crs"] == "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
        (bbox,) = doc["extent"]["spatial"]["bbox"]
        np.testing.assert_allclose(bbox, frame.total_bounds, atol=1e-7)
        assert -180 <= bbox[0] <= bbox[2] <= 180 and -90 <= bbox[1] <= bbox[3] <= 90
        assert doc["group"] == spec.group
        assert doc["geometry_type"] == spec.geometry_type
        assert doc["schematic"] is spec.schematic
        assert doc["provenance"]["accuracy_m"] == spec.provenance.accuracy_m
        assert doc["provenance"]["source"] == spec.provenance.source
        assert set(doc["fields"]["properties"]) == set(spec.fields)
        assert doc["fields"]["required"] == [n for n, fs in spec.fields.items() if fs.required]
        assert doc["style"]["color"] == spec.style.color
        osm = "openstreetmap" in spec.provenance.source.lower() or "odbl" in spec.provenance.licence.lower()
        if osm:
            assert "© OpenStreetMap contributors" in doc["attribution"]
        items = [(lk["type"], urlsplit(lk["href"]).path) for lk in links_by_rel(doc)["items"]]
        assert ("application/geo+json", f"/collections/{spec.id}/items") in items
        assert ("text/html", f"/collections/{spec.id}/items") in items
        assert links_by_rel(doc)["self"][0]["type"] == "application/json"
        assert links_by_rel(doc)["alternate"][0]["type"] == "text/html"


def test_district_boundary_collection(client: TestClient) -> None:
    doc = client.get("/collections/district-boundary").json()
    assert doc["group"] == "基础"
    assert doc["geometry_type"] == "Polygon"
    assert doc["provenance"]["accuracy_m"] == 70
    x0, y0, x1, y1 = doc["extent"]["spatial"]["bbox"][0]
    # Xigang lies on the Dalian peninsula around 121.6°E 38.9°N
    assert 121.57 < x0 < x1 < 121.66 and 38.85 < y0 < y1 < 38.96


def test_collection_html(client: TestClient, store) -> None:
    for spec in store.specs:
        response = client.get(f"/collections/{spec.id}", headers={"Accept": BROWSER_ACCEPT})
        assert response.headers["content-type"] == "text/html; charset=utf-8"
        text = response.text
        assert spec.title.zh in text and spec.title.en in text
        assert spec.group in text
        assert f"±{spec.provenance.accuracy_m} m" in text
        for name in spec.fields:
            assert f"<code>{name}</code>" in text
        assert f'href="http://testserver/collections/{spec.id}?f=json"' in text
    listing = client.get("/collections?f=html").text
    for spec in store.specs:
        assert f"<code>{spec.id}</code>" in listing


# ---------------------------------------------------------------------------------------------- items
def test_every_layer_pages_to_every_feature(client: TestClient, store) -> None:
    for spec in store.specs:
        frame = store.layer(spec.id)
        limit = max(1, math.ceil(len(frame) / 3))
        features, pages = all_items(client, spec.id, limit)
        assert [f["id"] for f in features] == list(frame.index)
        assert all(p["numberMatched"] == len(frame) for p in pages)
        assert all(p["numberReturned"] == len(p["features"]) <= limit for p in pages)
        assert len(pages) == max(1, math.ceil(len(frame) / limit))
        for feature in features[:50]:
            row = frame.loc[feature["id"]]
            assert feature["properties"]["id"] == feature["id"]
            for column in ("source", "method", "accuracy_m"):
                assert feature["properties"][column] is not None
            assert shapely.equals_exact(shape(feature["geometry"]), row.geometry, tolerance=1e-6)


def test_items_document_and_media_type(client: TestClient, store) -> None:
    response = client.get("/collections/district-boundary/items", headers={"Accept": GDAL_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/geo+json"
    doc = strict_json(response.text)
    assert doc["type"] == "FeatureCollection"
    assert doc["numberMatched"] == len(store.layer("district-boundary")) == doc["numberReturned"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", doc["timeStamp"])
    rels = links_by_rel(doc)
    assert rels["self"][0]["type"] == "application/geo+json"
    assert rels["alternate"][0]["type"] == "text/html"
    assert urlsplit(rels["collection"][0]["href"]).path == "/collections/district-boundary"
    assert "next" not in rels and "prev" not in rels
    (feature,) = doc["features"]
    assert feature["id"] == "xigang"
    assert feature["properties"]["name"] == "西岗区"
    assert feature["geometry"]["type"] == "Polygon"
    assert client.get("/collections/district-boundary/items?f=geojson").headers[
        "content-type"] == "application/geo+json"


def test_coordinates_keep_seven_decimals(client: TestClient) -> None:
    text = client.get("/collections/district-boundary/items").text
    decimals = [len(m) for m in re.findall(r"\d+\.(\d+)", text.split('"coordinates"', 1)[1][:20000])]
    assert decimals and max(decimals) <= 7
    assert max(decimals) >= 5  # not truncated to a coarse grid


def test_limit_default_and_max(tiny: TestClient) -> None:
    doc = tiny.get("/collections/spots/items").json()
    assert doc["numberReturned"] == 2 and doc["numberMatched"] == 5  # default_limit=2
    assert tiny.get("/collections/spots/items?limit=50").json()["numberReturned"] == 5  # max_limit=50
    bad = tiny.get("/collections/spots/items?limit=51")
    assert bad.status_code == 400 and "50" in bad.json()["description"]


def test_paging_links_in_tiny_plan(tiny: TestClient) -> None:
    features, pages = all_items(tiny, "spots", 2)
    assert [f["id"] for f in features] == [f"spot-{i}" for i in range(5)]
    assert [p["numberReturned"] for p in pages] == [2, 2, 1]
    assert "prev" not in links_by_rel(pages[0])
    prev = links_by_rel(pages[2])["prev"][0]["href"]
    assert parse_qs(urlsplit(prev).query)["offset"] == ["2"]
    # offset beyond the end: an empty page, nothing matched lost, no next link
    beyond = tiny.get("/collections/spots/items?offset=7&limit=2").json()
    assert beyond["features"] == [] and beyond["numberReturned"] == 0 and beyond["numberMatched"] == 5
    assert "next" not in links_by_rel(beyond)
    assert parse_qs(urlsplit(links_by_rel(beyond)["prev"][0]["href"]).query)["offset"] == ["5"]


def test_next_link_keeps_filters(tiny: TestClient) -> None:
    doc = tiny.get("/collections/spots/items?kind=park&limit=1&bbox=10,50,11,51").json()
    assert doc["numberMatched"] == 3
    query = parse_qs(urlsplit(links_by_rel(doc)["next"][0]["href"]).query)
    assert query == {"kind": ["park"], "bbox": ["10,50,11,51"], "f": ["json"], "limit": ["1"], "offset": ["1"]}
    features, _ = all_items(tiny, "spots", 1, kind="park")
    assert [f["id"] for f in features] == ["spot-0", "spot-2", "spot-4"]


def test_bbox_filter_on_known_points(tiny: TestClient) -> None:
    def ids(bbox: str) -> list[str]:
        response = tiny.get(f"/collections/spots/items?bbox={bbox}&limit=50")
        assert response.status_code == 200, response.text
        return [f["id"] for f in response.json()["features"]]

    # spots sit at (10.1 + 0.1 i, 50.1 + 0.1 i)
    assert ids("10.15,50.15,10.35,50.35") == ["spot-1", "spot-2"]
    assert ids("10.3,50.3,10.3,50.3") == ["spot-2"]  # a degenerate box on a point still intersects it
    assert ids("10.15,50.0,10.35,50.15") == []
    assert ids("-180,-90,180,90") == [f"spot-{i}" for i in range(5)]
    assert ids(" 10.45 , 50.45 , 10.55 , 50.55 ") == ["spot-4"]


def test_bbox_filter_matches_shapely_on_real_layers(client: TestClient, store) -> None:
    x0, y0, x1, y1 = store.bbox()
    boxes = [(x0, y0, (x0 + x1) / 2, (y0 + y1) / 2), ((x0 + x1) / 2, (y0 + y1) / 2, x1, y1),
             (121.60, 38.90, 121.62, 38.92)]
    for spec in store.specs:
        frame = store.layer(spec.id)
        for box in boxes:
            expected = list(frame.index[shapely.intersects(frame.geometry.values, shapely.box(*box))])
            bbox = ",".join(f"{v:.6f}" for v in box)
            response = client.get(f"/collections/{spec.id}/items?bbox={bbox}&limit=10000")
            assert response.status_code == 200
            doc = response.json()
            assert doc["numberMatched"] == len(expected)
            assert [f["id"] for f in doc["features"]] == expected


def test_district_boundary_bbox(client: TestClient) -> None:
    def matched(bbox: str) -> int:
        return client.get(f"/collections/district-boundary/items?bbox={bbox}").json()["numberMatched"]

    assert matched("121.5,38.8,121.7,39.0") == 1
    assert matched("121.61,38.91,121.611,38.911") == 1  # inside the district (Xigang centre)
    assert matched("121.40,38.80,121.45,38.85") == 0  # west, in the sea off Lüshunkou road
    assert matched("0,0,1,1") == 0


def test_property_filters(tiny: TestClient, client: TestClient) -> None:
    assert client.get("/collections/district-boundary/items?name=西岗区").json()["numberMatched"] == 1
    assert client.get("/collections/district-boundary/items?name=中山区").json()["numberMatched"] == 0
    assert client.get("/collections/district-boundary/items?accuracy_m=70").json()["numberMatched"] == 1
    assert tiny.get("/collections/spots/items?count=20").json()["features"][0]["id"] == "spot-2"
    assert tiny.get("/collections/spots/items?kind=school&limit=50").json()["numberMatched"] == 2
    assert tiny.get("/collections/spots/items?kind=school&count=30").json()["numberMatched"] == 0
    bad = tiny.get("/collections/spots/items?count=many")
    assert bad.status_code == 400 and "count" in bad.json()["description"]
    unknown = tiny.get("/collections/spots/items?colour=red")
    assert unknown.status_code == 400
    assert "colour" in unknown.json()["description"] and "bbox" in unknown.json()["description"]


def test_item(client: TestClient, store) -> None:
    for spec in store.specs:
        frame = store.layer(spec.id)
        if not len(frame):
            continue
        fid = frame.index[len(frame) // 2]
        response = client.get(f"/collections/{spec.id}/items/{fid}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/geo+json"
        doc = strict_json(response.text)
        assert doc["type"] == "Feature" and doc["id"] == fid
        assert shapely.equals_exact(shape(doc["geometry"]), frame.geometry.loc[fid], tolerance=1e-6)
        rels = links_by_rel(doc)
        assert urlsplit(rels["self"][0]["href"]).path == f"/collections/{spec.id}/items/{fid}"
        assert urlsplit(rels["collection"][0]["href"]).path == f"/collections/{spec.id}"
        html = client.get(f"/collections/{spec.id}/items/{fid}", headers={"Accept": BROWSER_ACCEPT})
        assert html.headers["content-type"] == "text/html; charset=utf-8"
        assert 'type="application/geo+json"' in html.text


def test_properties_are_json_safe(tiny: TestClient) -> None:
    doc = strict_json(tiny.get("/collections/spots/items?limit=50").text)
    props = {f["id"]: f["properties"] for f in doc["features"]}
    assert props["spot-3"]["count"] is None  # missing value → null, never NaN
    assert props["spot-4"]["count"] == 40 and isinstance(props["spot-4"]["count"], int | float)
    assert props["spot-0"]["opened"].startswith("2020-05-01")
    # the layer is declared schematic: every feature says so
    assert all(p["schematic"] is True for p in props.values())
    assert all(p["accuracy_m"] == 5.0 and p["source"] == "OpenStreetMap" for p in props.values())


def test_json_safe_values() -> None:
    assert ogc.json_safe(np.int64(3)) == 3 and type(ogc.json_safe(np.int64(3))) is int
    assert ogc.json_safe(np.float32(1.5)) == 1.5
    assert ogc.json_safe(np.bool_(True)) is True
    assert ogc.json_safe(float("nan")) is None and ogc.json_safe(np.inf) is None
    assert ogc.json_safe(pd.NA) is None and ogc.json_safe(pd.NaT) is None
    assert ogc.json_safe(pd.Timestamp("2026-02-01T08:30")) == "2026-02-01T08:30:00"
    assert ogc.json_safe(np.array([1, np.nan])) == [1.0, None]
    assert ogc.json_safe({"a": np.int32(2)}) == {"a": 2}


def test_features_to_geojson_on_a_tiny_frame() -> None:
    frame = gpd.GeoDataFrame(
        {"id": ["a", "b"], "value": [1.0, np.nan]},
        geometry=[shapely.Point(121.123456789, 38.987654321), shapely.LineString([(0, 0), (1, 1)])],
        crs=4326,
        index=["a", "b"],
    )
    features = ogc.features_to_geojson(frame)
    assert features[0]["geometry"]["coordinates"] == (121.1234568, 38.9876543)
    assert features[1]["properties"] == {"id": "b", "value": None}
    projected = ogc.features_to_geojson(frame.to_crs(32651))
    assert projected[0]["geometry"]["coordinates"] == pytest.approx((121.1234568, 38.9876543), abs=1e-7)


# ---------------------------------------------------------------------------------------------- bad input
def assert_error(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"code", "description", "status"}
    assert body["status"] == status
    for word in words:
        assert word in body["description"], (word, body["description"])


def test_unknown_collection_and_feature_404(client: TestClient) -> None:
    assert_error(client.get("/collections/no-such-layer"), 404, "no-such-layer", "district-boundary")
    assert_error(client.get("/collections/no-such-layer/items"), 404, "no-such-layer")
    assert_error(client.get("/collections/no-such-layer/items/x"), 404, "no-such-layer")
    assert_error(client.get("/collections/district-boundary/items/nope"), 404, "nope", "district-boundary")
    assert_error(client.get("/collections/district-boundary/items/nope?f=html"), 404, "nope")


@pytest.mark.parametrize(
    ("bbox", "words"),
    [
        ("1,2,3", ["expected 4", "got 3"]),
        ("1,2,3,4,5", ["expected 4", "got 5"]),
        ("1,2,5,3,4,4", ["minHeight", "greater than maxHeight"]),
        ("", ["expected 4"]),
        ("a,b,c,d", ["minLon", "'a'", "not a number"]),
        ("121.6,38.9,east,39", ["maxLon", "not a number"]),
        ("121.5,39.0,121.7,38.9", ["minLat", "greater than maxLat"]),
        ("-181,0,1,1", ["minLon", "-180..180"]),
        ("0,0,200,1", ["maxLon", "-180..180"]),
        ("0,-91,1,0", ["minLat", "-90..90"]),
        ("0,0,1,95", ["maxLat", "-90..90"]),
        ("nan,0,1,1", ["finite"]),
        ("0,0,inf,1", ["finite"]),
        ("0,0,1,-Infinity", ["finite"]),
    ],
)
def test_bad_bbox_400(client: TestClient, bbox: str, words: list[str]) -> None:
    assert_error(client.get("/collections/district-boundary/items", params={"bbox": bbox}), 400, "bbox", *words)


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("limit=-1", ["limit", "between 1 and 10000"]),
        ("limit=0", ["limit", "between 1 and 10000"]),
        ("limit=10001", ["limit", "between 1 and 10000", "10001"]),
        ("limit=99999999999999999999", ["limit", "between 1 and 10000"]),
        ("limit=ten", ["limit", "not an integer"]),
        ("limit=1.5", ["limit", "not an integer"]),
        ("offset=-1", ["offset", "at least 0"]),
        ("offset=x", ["offset", "not an integer"]),
        ("bbox-crs=EPSG:3857", ["bbox-crs", "CRS84"]),
    ],
)
def test_bad_paging_400(client: TestClient, query: str, words: list[str]) -> None:
    assert_error(client.get(f"/collections/district-boundary/items?{query}"), 400, *words)


@pytest.mark.parametrize(
    "path",
    ["/", "/conformance", "/collections", "/collections/district-boundary",
     "/collections/district-boundary/items/xigang"],
)
def test_unknown_format_400(client: TestClient, path: str) -> None:
    assert_error(client.get(f"{path}?f=xml"), 400, "f='xml'", "json", "html")


def test_unknown_items_format_400(client: TestClient) -> None:
    assert_error(client.get("/collections/district-boundary/items?f=no-such-format"), 400, "no-such-format")


def test_export_formats_go_to_the_exports_router(tiny: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from api.routers import features

    received = {}

    def fake_export(spec, frame, fmt, request):
        received.update(spec=spec.id, ids=list(frame.index), fmt=fmt)
        return Response("exported", media_type="text/csv")

    monkeypatch.setattr(features, "items_export_response", fake_export)
    response = tiny.get("/collections/spots/items?f=CSV&bbox=10.15,50.15,10.45,50.45&limit=1&kind=park")
    assert response.status_code == 200 and response.text == "exported"
    # the whole selection (bbox and filters applied), not one page
    assert received["ids"] == ["spot-2"] and received["fmt"] == "csv" and received["spec"] == "spots"


@given(
    bbox=st.one_of(st.none(), st.text(max_size=30),
                   st.lists(st.floats(allow_nan=True, allow_infinity=True), min_size=0, max_size=6).map(
                       lambda xs: ",".join(repr(x) for x in xs))),
    limit=st.one_of(st.none(), st.text(max_size=8), st.integers(-10, 20_000).map(str)),
    offset=st.one_of(st.none(), st.text(max_size=8), st.integers(-10, 20_000).map(str)),
)
@hypothesis_settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_any_query_is_200_or_400(tiny: TestClient, bbox, limit, offset) -> None:
    params = {k: v for k, v in {"bbox": bbox, "limit": limit, "offset": offset}.items() if v is not None}
    response = tiny.get("/collections/spots/items", params=params)
    assert response.status_code in (200, 400), response.text
    if response.status_code == 400:
        assert response.json()["description"]


# ---------------------------------------------------------------------------------------------- second plan, HTML
def test_second_plan_served_from_its_own_folder(tiny: TestClient) -> None:
    doc = tiny.get("/collections").json()
    assert [c["id"] for c in doc["collections"]] == ["area", "spots"]
    spots = tiny.get("/collections/spots").json()
    assert spots["schematic"] is True
    assert spots["attribution"].startswith("© OpenStreetMap contributors")
    assert spots["fields"]["properties"]["opened"] == {"type": "string", "format": "date", "title": "开放日期",
                                                       "x-title-en": "Opened"}
    assert spots["extent"]["spatial"]["bbox"] == [[10.1, 50.1, 10.5, 50.5]]
    assert tiny.get("/").json()["title"] == "小规划<b>粗体</b>"


@pytest.mark.parametrize(
    "path",
    ["/", "/collections", "/collections/area", "/collections/area/items", "/collections/spots",
     "/collections/spots/items?limit=50", "/collections/spots/items/spot-2", "/conformance"],
)
def test_html_escapes_data(tiny: TestClient, path: str) -> None:
    response = tiny.get(path, headers={"Accept": BROWSER_ACCEPT})
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    text = response.text
    for raw in (XSS_NAME, "<script>", "<b>"):
        assert raw not in text
    assert "alert(1)>" not in text
    expected = {
        "/": "小规划&lt;b&gt;粗体&lt;/b&gt;",
        "/collections": "边界&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;",
        "/collections/area": "fixture &lt;b&gt;source&lt;/b&gt;",
        "/collections/area/items": "边界&lt;script&gt;",
        "/collections/spots/items?limit=50": "&lt;img src=x onerror=alert(1)&gt;",
        "/collections/spots/items/spot-2": "&lt;img src=x onerror=alert(1)&gt;",
    }.get(path)
    if expected:
        assert expected in text


def test_items_html_pages_and_links(tiny: TestClient) -> None:
    first = tiny.get("/collections/spots/items?f=html&limit=2").text
    assert "共 5 个要素" in first
    assert 'href="http://testserver/collections/spots/items?f=html&amp;limit=2&amp;offset=2"' in first
    assert 'href="http://testserver/collections/spots/items/spot-0?f=html"' in first
    assert 'type="application/geo+json" href="http://testserver/collections/spots/items?f=json&amp;limit=2' \
           '&amp;offset=0"' in first
    last = tiny.get("/collections/spots/items?f=html&limit=2&offset=4").text
    assert "offset=2" in last and "offset=6" not in last
    assert "名称 Name" in first and "示意 schematic" in first
