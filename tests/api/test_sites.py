"""HTTP: the sites collection (OGC API – Features Part 4), accounts and permissions, history, compare, export,
import, the check-page permalink and the compare page — on the tiny plan with a store in a temporary folder."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
import shapely
from fastapi.testclient import TestClient
from pypdf import PdfReader

from api.app import create_app
from api.settings import Settings
from tests.geo import tiny_plan as tp

STREET = tp.geojson(tp.STREET_M)
OTHER = tp.geojson(shapely.box(0, 100, 250, 108))
ITEMS = "/collections/sites/items"
EVIL = '<script>alert("x")</script>街'


def feature(name: str = "夜市街 A", geometry: dict = STREET, **properties) -> dict:
    return {"type": "Feature", "geometry": geometry,
            "properties": {"name": name, "ruleset": "night-economy-street",
                           "attributes": {"merchants": 72, "formats": ["购物", "餐饮", "文娱", "休闲旅游"],
                                          "closing_time_summer": "01:00", "mobile_payment_share": 0.9},
                           **properties}}


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sites")
    tp.write_plan(folder / "plans")
    return create_app(Settings(plan="tiny", plans_dir=folder / "plans", data_dir=folder / "var"))


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
def tokens(app, client) -> dict[str, dict[str, str]]:
    accounts = app.state.workbench.accounts
    made = {"anna": accounts.add_user("anna", "planner", "anna-password"), "bo": accounts.add_user("bo", "planner"),
            "vic": accounts.add_user("vic", "viewer"), "root": accounts.add_user("root", "admin")}
    return {name: {"Authorization": f"Bearer {token}"} for name, token in made.items()}


def save(client, headers, body=None) -> dict:
    response = client.post(ITEMS, json=body or feature(), headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_reading_and_writing_need_the_right_account(client, tokens):
    assert client.get(ITEMS).status_code == 401
    assert client.post(ITEMS, json=feature()).status_code == 401
    bad = client.get(ITEMS, headers={"Authorization": "Bearer pm_nope"})
    assert bad.status_code == 401 and bad.json()["code"] == "Unauthorized"
    assert bad.headers["WWW-Authenticate"] == 'Bearer realm="planmap"'  # RFC 9110: the scheme that would work
    denied = client.post(ITEMS, json=feature(), headers=tokens["vic"])
    assert denied.status_code == 403 and "planner" in denied.json()["description"]
    assert client.get(ITEMS, headers=tokens["vic"]).status_code == 200
    assert client.get("/collections/tiny-nothing").status_code == 404  # the plan's own layers stay as they were
    assert client.get("/api/me", headers=tokens["root"]).json() == {"name": "root", "role": "admin", "via": "token"}


def test_create_read_update_delete_with_etags(client, tokens, app):
    created = client.post(ITEMS, json=feature(note="第一版", parameters={"station_walk_m": 700}),
                          headers=tokens["anna"])
    assert created.status_code == 201
    site = created.json()
    site_id, tag = site["id"], created.headers["etag"]
    assert created.headers["location"].endswith(f"{ITEMS}/{site_id}") and tag == f'"{site_id}-v1"'
    props = site["properties"]
    assert props["author"] == "anna" and props["version"] == 1 and props["plan"] == "tiny"
    assert props["report"]["measurements"]["length_m"] == pytest.approx(320, rel=1e-3)
    assert props["overall"] == props["report"]["overall"] == "fail"  # metro 769.6 m > 700 m
    assert props["data_hash"] == app.state.plans.default.data_hash and props["report_schema"] == 1
    assert props["stale"] is False

    fetched = client.get(f"{ITEMS}/{site_id}", headers=tokens["vic"])
    assert fetched.headers["etag"] == tag and fetched.json()["properties"]["note"] == "第一版"

    no_match = client.patch(f"{ITEMS}/{site_id}", json={"properties": {"note": "x"}}, headers=tokens["anna"])
    assert no_match.status_code == 428 and no_match.json()["code"] == "PreconditionRequired"
    patched = client.patch(f"{ITEMS}/{site_id}", json={"properties": {"note": "第二版", "parameters":
                                                                      {"station_walk_m": 800}}},
                           headers={**tokens["anna"], "If-Match": tag})
    assert patched.status_code == 200 and patched.headers["etag"] == f'"{site_id}-v2"'
    assert patched.json()["properties"]["overall"] == "incomplete"  # turnover still needs data
    criteria = {c["id"]: c for c in patched.json()["properties"]["report"]["criteria"]}
    assert criteria["transit"]["status"] == "pass"  # 769.6 m ≤ 800 m after the parameter change
    stale = client.put(f"{ITEMS}/{site_id}", json=feature("改名"), headers={**tokens["anna"], "If-Match": tag})
    assert stale.status_code == 412 and "v2" in stale.json()["description"]
    other = client.put(f"{ITEMS}/{site_id}", json=feature("改名"),
                       headers={**tokens["bo"], "If-Match": f'"{site_id}-v2"'})
    assert other.status_code == 403  # not the author
    replaced = client.put(f"{ITEMS}/{site_id}", json=feature("改名", OTHER),
                          headers={**tokens["root"], "If-Match": f'"{site_id}-v2"'})
    assert replaced.status_code == 200 and replaced.json()["properties"]["version"] == 3
    assert replaced.json()["properties"]["updated_by"] == "root"

    history = client.get(f"/api/sites/{site_id}/history", headers=tokens["vic"]).json()["versions"]
    assert [(v["version"], v["action"], v["editor"]) for v in history] == [
        (1, "create", "anna"), (2, "update", "anna"), (3, "update", "root")]
    diff = client.get(f"/api/sites/{site_id}/diff?from=1&to=3", headers=tokens["vic"]).json()
    assert diff["fields"]["name"] == {"from": "夜市街 A", "to": "改名"} and diff["geometry"]["changed"] is True
    assert diff["geometry"]["overlap_share"] == 0
    reverted = client.post(f"/api/sites/{site_id}/revert?version=1",
                           headers={**tokens["anna"], "If-Match": f'"{site_id}-v3"'})
    assert reverted.status_code == 200 and reverted.json()["properties"]["name"] == "夜市街 A"
    assert reverted.json()["properties"]["version"] == 4

    assert client.delete(f"{ITEMS}/{site_id}", headers=tokens["anna"]).status_code == 428
    gone = client.delete(f"{ITEMS}/{site_id}", headers={**tokens["anna"], "If-Match": f'"{site_id}-v4"'})
    assert gone.status_code == 204
    assert client.get(f"{ITEMS}/{site_id}", headers=tokens["anna"]).status_code == 404
    assert client.post(f"/api/sites/{site_id}/restore", headers=tokens["anna"]).status_code == 403
    back = client.post(f"/api/sites/{site_id}/restore", headers=tokens["root"])
    assert back.status_code == 200 and back.json()["properties"]["version"] == 6

    store = app.state.workbench.store
    from api.store import repository as repo

    with store.read() as connection:
        log = [(e["user_name"], e["action"], e["before_version"], e["after_version"])
               for e in repo.audit_entries(connection, target=site_id)]
    assert log[::-1] == [("anna", "site.create", None, 1), ("anna", "site.update", 1, 2),
                         ("root", "site.update", 2, 3), ("anna", "site.revert", 3, 4),
                         ("anna", "site.delete", 4, 5), ("root", "site.undelete", 5, 6)]
    assert store.integrity_check() == []


@pytest.mark.parametrize(("body", "status", "fragment"), [
    ({"type": "Feature", "geometry": STREET, "properties": {"name": "x", "ruleset": "nope"}}, 400, "unknown ruleset"),
    ({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0]]]},
      "properties": {"name": "x", "ruleset": "night-economy-street"}}, 422, ""),
    ({"type": "Feature", "geometry": STREET, "properties": {"ruleset": "night-economy-street"}}, 400, "name"),
    ({"type": "Feature", "geometry": STREET, "properties": {"name": "x", "colour": "red"}}, 400, "unknown colour"),
    ([1, 2], 400, "Feature"),
])
def test_bad_writes_are_4xx_and_store_nothing(client, tokens, body, status, fragment):
    before = client.get("/api/sites", headers=tokens["vic"]).json()["numberMatched"]
    response = client.post(ITEMS, json=body, headers=tokens["anna"])
    assert response.status_code == status and set(response.json()) == {"code", "description", "status"}
    assert fragment in response.json()["description"]
    assert client.get("/api/sites", headers=tokens["vic"]).json()["numberMatched"] == before
    garbage = client.post(ITEMS, content=b"{not json", headers={**tokens["anna"], "content-type": "application/json"})
    assert garbage.status_code == 400


def test_search_compare_and_the_compare_page(client, tokens):
    first = save(client, tokens["anna"], feature(EVIL))
    second = save(client, tokens["bo"], feature("北段", OTHER, parameters={"station_walk_m": 2000}))
    found = client.get("/api/sites", params={"q": "script", "author": "anna"}, headers=tokens["vic"]).json()
    assert [s["id"] for s in found["sites"]] == [first["id"]]
    assert client.get("/api/sites?overall=maybe", headers=tokens["vic"]).status_code == 400
    compared = client.get(f"/api/sites/compare?ids={first['id']},{second['id']}", headers=tokens["vic"]).json()
    assert [s["name"] for s in compared["sites"]] == [EVIL, "北段"]
    rows = {row["id"]: row for row in compared["criteria"]}
    assert rows["length"]["values"][0]["value"] == pytest.approx(320, rel=1e-3)
    assert rows["length"]["values"][1]["value"] == pytest.approx(250, rel=1e-2) and rows["length"]["differs"]
    assert client.get(f"/api/sites/compare?ids={first['id']}", headers=tokens["vic"]).status_code == 400
    assert client.get(f"/api/sites/compare?ids={first['id']},nothere", headers=tokens["vic"]).status_code == 404
    page = client.get(f"/maps/compare?sites={first['id']},{second['id']}", headers=tokens["vic"])
    assert page.status_code == 200 and "<script>alert" not in page.text
    assert "&lt;script&gt;alert" in page.text and 'class="pm-differs"' in page.text
    assert "选址对比" in page.text


def test_check_page_permalink_shows_site_attributes_and_report(client, tokens):
    site = save(client, tokens["anna"], feature(EVIL, note="<img src=x onerror=alert(1)>"))
    assert client.get(f"/maps/check?site={site['id']}").status_code == 401
    page = client.get(f"/maps/check?site={site['id']}", headers=tokens["vic"])
    assert page.status_code == 200
    assert "已保存的选址" in page.text and "&lt;script&gt;alert" in page.text and "<img src=x" not in page.text
    assert "merchants" in page.text and "pm-saved-report" in page.text
    assert client.get("/maps/check?site=000000000000", headers=tokens["vic"]).status_code == 404


def test_exports_gpkg_csv_with_bom_and_one_pdf_page_per_site(client, tokens, tmp_path):
    a = save(client, tokens["anna"], feature("=HYPERLINK(1)"))
    b = save(client, tokens["anna"], feature("东段", OTHER))
    ids = f"{a['id']},{b['id']}"
    text = client.get(f"/api/sites/export?f=csv&ids={ids}", headers=tokens["vic"])
    assert text.content.startswith(b"\xef\xbb\xbf") and text.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(text.content.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号 id", "名称 name", "规则集 ruleset", "结论 overall"]
    assert [r[1] for r in rows[1:]] == ["'=HYPERLINK(1)", "东段"]  # no formula reaches Excel
    gpkg = client.get(f"/api/sites/export?f=gpkg&ids={ids}", headers=tokens["vic"])
    (tmp_path / "s.gpkg").write_bytes(gpkg.content)
    import geopandas as gpd

    frame = gpd.read_file(tmp_path / "s.gpkg")
    assert sorted(frame["name"]) == sorted(["=HYPERLINK(1)", "东段"]) and frame.crs.to_epsg() == 4326
    pdf = client.get(f"/api/sites/export?f=pdf&ids={ids}", headers=tokens["vic"])
    assert pdf.headers["content-type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    # each site's report in turn (a report runs onto a second page rather than shrink its table)
    singles = [len(PdfReader(io.BytesIO(client.get(f"/api/sites/export?f=pdf&ids={one}",
                                                   headers=tokens["vic"]).content)).pages) for one in ids.split(",")]
    assert len(pages) == sum(singles) >= 2
    assert client.get("/api/sites/export?f=docx", headers=tokens["vic"]).status_code == 400


def test_import_preview_save_and_nothing_half_saved(client, tokens):
    good = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "导入一"}, "geometry": STREET},
        {"type": "Feature", "properties": {"name": "导入二"}, "geometry": OTHER}]}
    files = {"file": ("sites.geojson", json.dumps(good).encode(), "application/geo+json")}
    preview = client.post("/api/sites/import", files=files, headers=tokens["vic"])
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["saved"] is False and [s["name"] for s in body["sites"]] == ["导入一", "导入二"]
    assert all(s["overall"] in ("pass", "fail", "incomplete") and s["id"] is None for s in body["sites"])
    assert client.post("/api/sites/import", files=files, data={"save": "true"}, headers=tokens["vic"]).status_code == 403
    saved = client.post("/api/sites/import", files=files, data={"save": "true"}, headers=tokens["anna"]).json()
    assert all(s["id"] for s in saved["sites"])
    assert client.get(f"{ITEMS}/{saved['sites'][0]['id']}", headers=tokens["vic"]).json()["properties"]["name"] == "导入一"

    before = client.get("/api/sites", headers=tokens["vic"]).json()["numberMatched"]
    bad = {"type": "FeatureCollection", "features": [
        good["features"][0], {"type": "Feature", "properties": {"name": "坏"},
                              "geometry": {"type": "Polygon", "coordinates": [[[500, 500], [501, 500], [500, 500]]]}}]}
    refused = client.post("/api/sites/import", files={"file": ("bad.geojson", json.dumps(bad).encode())},
                          data={"save": "true"}, headers=tokens["anna"])
    assert refused.status_code == 400 and "nothing was saved" in refused.json()["description"]
    assert "#2 坏" in refused.json()["description"]
    assert client.get("/api/sites", headers=tokens["vic"]).json()["numberMatched"] == before
    unreadable = client.post("/api/sites/import", files={"file": ("x.dxf", b"garbage")}, headers=tokens["anna"])
    assert unreadable.status_code == 400 and unreadable.json()["code"] == "InvalidFile"
    wrong_crs = client.post("/api/sites/import", files=files, data={"crs": "EPSG:3857"}, headers=tokens["anna"])
    assert wrong_crs.status_code == 400 and "EPSG:4534" in wrong_crs.json()["description"]


def test_browser_login_session_cookie_and_csrf(client, tokens):
    form = client.get("/login")
    assert form.status_code == 200 and "登录" in form.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    wrong = client.post("/login", data={"username": "anna", "password": "nope-nope", "csrf_token": csrf},
                        follow_redirects=False)
    assert wrong.status_code == 401 and "wrong user name or password" in wrong.text
    forged = client.post("/login", data={"username": "anna", "password": "anna-password", "csrf_token": "forged"},
                         follow_redirects=False)
    assert forged.status_code == 403
    form = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text).group(1)
    ok = client.post("/login", data={"username": "anna", "password": "anna-password", "csrf_token": csrf,
                                     "next": "//evil.example/"}, follow_redirects=False)
    assert ok.status_code == 303 and ok.headers["location"] == "/maps"
    cookie = ok.headers.get_list("set-cookie")
    session_cookie = next(c for c in cookie if c.startswith("planmap_session="))
    assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
    session_csrf = client.cookies.get("planmap_csrf")
    assert client.get("/api/me").json()["via"] == "session"
    assert client.post(ITEMS, json=feature()).status_code == 403  # a cookie alone cannot write (CSRF)
    with_header = client.post(ITEMS, json=feature("会话保存"), headers={"X-CSRF-Token": session_csrf})
    assert with_header.status_code == 201 and with_header.json()["properties"]["author"] == "anna"
    assert client.post("/logout", data={"csrf_token": "wrong"}, follow_redirects=False).status_code == 403
    out = client.post("/logout", data={"csrf_token": session_csrf}, follow_redirects=False)
    assert out.status_code == 303
    client.cookies.clear()
    assert client.get("/api/me").status_code == 401


def test_closed_service_needs_an_account_everywhere(tmp_path):
    tp.write_plan(tmp_path / "plans")
    app = create_app(Settings(plan="tiny", plans_dir=tmp_path / "plans", data_dir=tmp_path / "var", public_read=False))
    with TestClient(app) as client:
        token = app.state.workbench.accounts.add_user("vic", "viewer")
        closed = client.get("/collections")
        assert closed.status_code == 401 and closed.json()["code"] == "Unauthorized"
        assert closed.headers["www-authenticate"].startswith("Bearer")
        assert client.get("/plans/tiny/collections").status_code == 401
        assert client.get("/login").status_code == 200
        assert client.get("/collections", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_sites_collection_is_listed_for_readers_and_declared(client, tokens):
    listed = [c["id"] for c in client.get("/collections", headers=tokens["vic"]).json()["collections"]]
    assert listed[-1] == "sites" and client.get("/collections/sites").json()["writable"] is True
    assert "sites" not in [c["id"] for c in client.get("/collections").json()["collections"]]  # anonymous
    conforms = client.get("/conformance").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete" in conforms
