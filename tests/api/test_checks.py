"""HTTP: rulesets, site checks, plan audit; every bad input is a 4xx with a message, never a 500."""

from __future__ import annotations

import json

import pytest
import shapely
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from tests.geo import tiny_plan as tp

STREET = tp.geojson(tp.STREET_M)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> TestClient:
    plans = tmp_path_factory.mktemp("plans")
    tp.write_plan(plans)
    app = create_app(Settings(plan="tiny", plans_dir=plans))
    with TestClient(app) as client:
        yield client


def post(client, body, **kwargs):
    return client.post("/api/checks/site", json=body, **kwargs)


def test_list_and_get_rulesets(tiny):
    listed = tiny.get("/api/rulesets")
    assert listed.status_code == 200
    by_id = {r["id"]: r for r in listed.json()}
    assert set(by_id) == {"night-economy-street", "night-economy-complex", "service-circles"}
    street = by_id["night-economy-street"]
    assert street["geometry"] == ["polygon", "line"] and "length" in street["criteria"]
    assert street["parameters"]["bus_stop_walk_m"] == 300
    full = tiny.get("/api/rulesets/night-economy-complex").json()
    merchants = next(c for c in full["criteria"] if c["id"] == "merchants")
    assert merchants["threshold"] == 80 and merchants["source"]["article"] == "第六条第4项"
    missing = tiny.get("/api/rulesets/night-economy-bar")
    assert missing.status_code == 404 and "night-economy-street" in missing.json()["description"]


def test_check_a_street(tiny):
    response = post(tiny, {"geometry": {"type": "Feature", "properties": {}, "geometry": STREET},
                           "ruleset": "night-economy-street",
                           "attributes": {"merchants": 72, "formats": ["购物", "餐饮", "文娱", "休闲旅游"],
                                          "closing_time_summer": "01:00", "mobile_payment_share": 0.9},
                           "parameters": {"station_walk_m": 700}})
    assert response.status_code == 200
    report = response.json()
    criteria = {c["id"]: c for c in report["criteria"]}
    assert report["measurements"]["length_m"] == pytest.approx(320, rel=1e-3)
    assert criteria["length"]["status"] == "pass" and criteria["merchants"]["value"] == 72
    assert criteria["formats"]["value"] == 4 and criteria["hours_summer"]["status"] == "pass"
    assert criteria["transit"]["status"] == "fail"  # metro 769.6 m > 700 m
    assert criteria["turnover"]["status"] == "needs-data" and criteria["turnover"]["missing_attribute"] == "turnover_yuan"
    assert report["overall"] == "fail"
    assert report["context"]["subdistrict"]["name"] == "东街道"
    assert report["context"]["nearest_stations"][0]["method"].startswith("straight-line")  # no streets layer
    assert all(k in report for k in ("warnings", "site", "crs_metric", "geometry_type", "centreline"))


def test_check_a_point_and_a_bbox(tiny):
    point = post(tiny, {"geometry": [121.62, 38.915], "ruleset": "service-circles"})
    assert point.status_code == 200 and point.json()["measurements"]["length_m"] is None
    box = post(tiny, {"geometry": list(tp.STREET.bounds), "ruleset": "night-economy-complex"})
    assert box.status_code == 200 and box.json()["geometry_type"] == "Polygon"


@pytest.mark.parametrize("body, status, message", [
    ({"geometry": {"type": "Polygon", "coordinates": [[1, 2]]}, "ruleset": "night-economy-street"}, 422,
     "malformed GeoJSON"),
    ({"geometry": {"type": "Polygon", "coordinates": []}, "ruleset": "night-economy-street"}, 422, "empty"),
    ({"geometry": [121.62, 38.915], "ruleset": "night-economy-street"}, 422, "cannot be checked with this ruleset"),
    ({"geometry": {"type": "Point", "coordinates": [38.915, 121.62]}, "ruleset": "service-circles"}, 422,
     "swapped latitude/longitude"),
    ({"geometry": {"type": "Point", "coordinates": [379300.0, 4308100.0]}, "ruleset": "service-circles"}, 422,
     "projected metres"),
    ({"geometry": tp.geojson(shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100), (0, 0)])),
      "ruleset": "night-economy-complex"}, 422, "cannot be repaired into one polygon"),
    ({"geometry": tp.geojson(shapely.box(-3000, -3000, 3000, 3000)), "ruleset": "night-economy-complex"}, 422,
     "more than the whole district"),
    ({"geometry": STREET, "ruleset": "night-economy-bar"}, 400, "unknown ruleset 'night-economy-bar'"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "attributes": {"bars": 3}}, 400,
     "unknown attribute 'bars'"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "attributes": {"merchants": "many"}}, 400,
     "'merchants' (入驻商户数量) must be a whole number"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "attributes": {"mobile_payment_share": 80}}, 400,
     "ambiguous"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "parameters": {"bus_stop_walk_m": -5}}, 400,
     "'bus_stop_walk_m'"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "parameters": {"walk": 5}}, 400,
     "unknown parameter 'walk'"),
    ({"geometry": STREET, "ruleset": "service-circles", "parameters": {"facilities_layer": "shops"}}, 400,
     "not in this plan"),
    ({"ruleset": "night-economy-street"}, 400, "geometry"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "colour": "red"}, 400, "colour"),
    ({"geometry": STREET, "ruleset": "night-economy-street", "attributes": [1]}, 400, "attributes"),
])
def test_bad_input_is_a_4xx_with_a_message(tiny, body, status, message):
    response = post(tiny, body)
    assert response.status_code == status, response.text
    error = response.json()
    assert message in error["description"] and error["status"] == status


def test_nan_and_malformed_json_bodies(tiny):
    nan = tiny.post("/api/checks/site", content=b'{"geometry": {"type": "Point", "coordinates": [NaN, 38.9]},'
                                                 b' "ruleset": "service-circles"}',
                    headers={"content-type": "application/json"})
    assert nan.status_code == 422 and "NaN" in nan.json()["description"]
    broken = tiny.post("/api/checks/site", content=b'{"geometry": ', headers={"content-type": "application/json"})
    assert broken.status_code == 400


def test_too_many_vertices(tiny):
    circle = tp.geojson(shapely.Point(0, 0).buffer(50, quad_segs=3000))
    response = post(tiny, {"geometry": circle, "ruleset": "night-economy-complex"})
    assert response.status_code == 422 and "vertices" in response.json()["description"]


def test_plan_audit_is_computed_once(tiny):
    first = tiny.get("/api/checks/plan")
    assert first.status_code == 200
    audit = first.json()
    assert audit["plan"] == "tiny"
    rows = {z["id"]: z for z in audit["zones"]}
    assert rows["ls-short"]["overall"] == "fail" and rows["ls-short"]["length_m"] == pytest.approx(200, rel=1e-3)
    assert rows["bc-main"]["overall"] is None
    service = tiny.app.state.plans.get("tiny")
    cached = service.audit()
    assert tiny.get("/api/checks/plan").json() == audit and service.audit() is cached  # kept by the plan's service
    assert audit["data_hash"] == service.data_hash and len(audit["data_hash"]) == 64


def test_openapi_documents_the_report(tiny):
    schema = tiny.get("/api").json()
    components = schema["components"]["schemas"]
    assert {"CheckReport", "CriterionResult", "CheckRequest", "AuditReport", "RulesetSummary"} <= set(components)
    assert set(components["CriterionResult"]["properties"]["status"]["enum"]) == {
        "pass", "fail", "needs-data", "manual"}
    post_op = schema["paths"]["/api/checks/site"]["post"]
    assert "422" in post_op["description"] or "422" in json.dumps(post_op)


# ---------------------------------------------------------------------------------------------- the real plan
def test_real_plan_audit_covers_the_three_streets(client):
    response = client.get("/api/checks/plan")
    assert response.status_code == 200
    audit = response.json()
    rows = {z["id"]: z for z in audit["zones"]}
    streets = [z for z in audit["zones"] if z["layer"] == "layout-street-areas"]
    assert len(streets) == 3
    for street in streets:
        assert street["ruleset"] == "night-economy-street"
        assert street["length_m"] > 100 and street["width_min_m"] > 1
        assert street["transit"]["status"] in ("pass", "fail")
        assert street["overall"] in ("pass", "fail", "incomplete")
        assert "length" in street["criteria"] and "width" in street["criteria"]
    complexes = [z for z in rows.values() if z["ruleset"] == "night-economy-complex"]
    assert complexes and all("length" not in z["criteria"] for z in complexes)
    assert audit["summary"]["zones"] == len(audit["zones"])


def test_real_plan_site_check(client, store):
    centre = shapely.centroid(store.boundary)
    response = post(client, {"geometry": [centre.x, centre.y], "ruleset": "service-circles"})
    assert response.status_code == 200
    report = response.json()
    assert report["crs_metric"] == "EPSG:32651" and report["context"]["in_district"] is True
    assert report["context"]["subdistrict"] is not None
    stations = report["context"]["nearest_stations"]
    assert stations and stations == sorted(stations, key=lambda s: s["distance_m"])
    assert all(s["distance_m"] >= s["straight_m"] - 1e-6 for s in stations)


def test_a_body_that_is_not_json_says_so(client):
    response = client.post("/api/checks/site", content=b"not json", headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert "not valid JSON" in response.json()["description"]


def test_several_plans_are_served_side_by_side_without_sharing(tmp_path):
    """Xigang and the tiny plan in one service: /plans lists both, /plans/{id}/… serves each, the root the
    default; caches are the plans' own."""
    import shutil

    from layers.plan import PLANS_DIR

    tp.write_plan(tmp_path)
    shutil.copytree(PLANS_DIR / "xigang", tmp_path / "xigang")
    with TestClient(create_app(Settings(plan="xigang", plans_dir=tmp_path))) as client:
        listed = client.get("/plans").json()
        assert listed["default"] == "xigang" and [p["id"] for p in listed["plans"]] == ["tiny", "xigang"]
        tiny_layers = [c["id"] for c in client.get("/plans/tiny/collections?f=json").json()["collections"]]
        root_layers = [c["id"] for c in client.get("/collections?f=json").json()["collections"]]
        assert "outline" in tiny_layers and "outline" not in root_layers and "district-boundary" in root_layers
        landing = client.get("/plans/tiny/?f=json").json()
        assert all("/plans/tiny/" in link["href"] for link in landing["links"] if link["rel"] != "license")
        assert client.get("/plans/tiny/api/checks/plan").json()["plan"] == "tiny"
        assert client.get("/api/checks/plan").json()["plan"] == "xigang"
        missing = client.get("/plans/nowhere/collections")
        assert missing.status_code == 404 and missing.json()["code"] == "NotFound"
        assert "tiny, xigang" in missing.json()["description"]
        services = {s.plan_id: s for s in client.app.state.plans}
        assert services["tiny"].map_cache is not services["xigang"].map_cache
        assert services["tiny"].data_hash != services["xigang"].data_hash
        page = client.get("/plans/tiny/maps/overview").text
        assert 'src="/plans/tiny/static/' in page


def test_a_plan_with_other_layer_ids_and_no_coast_runs_the_whole_api(tiny):
    """The tiny plan names none of Xigang's layers and has no coast: every surface still works by role."""
    collections = tiny.get("/collections?f=json").json()["collections"]
    assert {c["id"] for c in collections} >= {"outline", "stops", "rail-stops", "services", "night-zones"}
    assert "coastline" not in {c["id"] for c in collections}
    items = tiny.get("/collections/night-zones/items?f=json").json()
    assert items["numberMatched"] == 3
    report = post(tiny, {"geometry": STREET, "ruleset": "night-economy-street"}).json()
    assert report["context"]["distance_to_coast_m"] is None and report["context"]["distance_to_axis_m"] == 200.0
    assert report["adoption"]["status"] == "reference" and report["plan"]["id"] == "tiny"
    transit = next(c for c in report["criteria"] if c["id"] == "transit")
    assert {d["layer"] for d in transit["details"]} == {"stops", "rail-stops"}
    circles = post(tiny, {"geometry": [121.62, 38.915], "ruleset": "service-circles"}).json()
    culture = next(c for c in circles["criteria"] if c["id"] == "culture")
    assert culture["details"][0]["layer"] == "services" and culture["details"][0]["name"] == "文化馆"
    audit = tiny.get("/api/checks/plan").json()
    assert audit["summary"]["zones"] == 5
    coverage = tiny.get("/api/accessibility/coverage/summary").json()
    assert coverage["ruleset"] == "service-circles" and [s["id"] for s in coverage["subdistricts"]] == ["sd-west",
                                                                                                     "sd-east"]
    nearest = tiny.get("/api/accessibility/nearest?lon=121.62&lat=38.915&limit=2").json()
    assert nearest["layer"] == "rail-stops" and nearest["numberReturned"] == 2
    for page in ("/maps", "/maps/overview", "/maps/zones/ne-street", "/maps/projects/kp-near", "/maps/check",
                 "/maps/audit"):
        response = tiny.get(page)
        assert response.status_code == 200, page
    assert "近项目" in tiny.get("/maps").text  # the projects role feeds the index
    sheet = tiny.get("/export/map.png?zone=ne-street&width=400&height=300&unit=px&dpi=72")
    assert sheet.status_code == 200 and sheet.content[:8] == b"\x89PNG\r\n\x1a\n"
    project_sheet = tiny.get("/export/map.svg?project=kp-near")
    assert project_sheet.status_code == 200 and b"<svg" in project_sheet.content[:500]
    exported = tiny.get("/export/layers/night-zones.csv")
    assert exported.status_code == 200 and exported.headers["x-feature-count"] == "3"
    pdf = tiny.post("/export/check-report.pdf", json={"geometry": STREET, "ruleset": "night-economy-street"})
    assert pdf.status_code == 200 and pdf.content[:5] == b"%PDF-"


def test_the_plan_night_window_sets_when_the_night_ends(tmp_path):
    from api.service import PlanService
    from layers.plan import Plan

    service = PlanService(Plan(tp.write_plan(tmp_path, night_window=["19:00", "05:00"])), build_network=False)
    hours = {"closing_time_summer": "05:30", "closing_time_winter": "04:30"}
    report = service.check_site(STREET, "night-economy-street", attributes=hours)
    assert report["parameters"]["night_ends"] == "05:00"
    statuses = {c["id"]: c["status"] for c in report["criteria"]}
    # 05:30 is after the plan's night (ends 05:00): an early-morning opening, not a late closing
    assert statuses["hours_summer"] == "fail" and statuses["hours_winter"] == "pass"
    asked = service.check_site(STREET, "night-economy-street", attributes=hours, parameters={"night_ends": "06:00"})
    assert asked["parameters"]["night_ends"] == "06:00"
    assert {c["id"]: c["status"] for c in asked["criteria"]}["hours_summer"] == "pass"
