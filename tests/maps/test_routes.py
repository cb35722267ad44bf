"""The map routes: pages, embeds, downloads, static files; bad input is a 4xx saying what to fix."""

from __future__ import annotations

import pytest

from tests.maps.fixture_plan import XSS_PROJECT_NAME


@pytest.mark.parametrize("path", [
    "/maps", "/maps/overview", "/maps/overview?lang=en", "/maps/zones/zone-safe", "/maps/projects/project-ok",
    "/maps/check", "/embed/map?layers=key-projects,streets", "/embed/zones/zone-xss", "/embed/projects/project-xss",
    "/maps/overview?basemap=osm", "/maps/overview?basemap=amap&bbox=121.59,38.89,121.63,38.92",
])
def test_pages_are_html(tiny_client, path):
    response = tiny_client.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert XSS_PROJECT_NAME not in response.text


@pytest.mark.parametrize("path, status, words", [
    ("/maps/zones/nope", 404, "no zone 'nope'"),
    ("/maps/zones/project-ok", 404, "night-economy"),  # a project is not a zone
    ("/maps/projects/nope", 404, "no project 'nope'"),
    ("/embed/zones/nope", 404, "no zone"),
    ("/embed/projects/zone-safe", 404, "no project"),
    ("/maps/overview?layers=key-projects,nope", 404, "no collection 'nope'"),
    ("/maps/overview?layers=,", 400, "layers is empty"),
    ("/maps/overview?basemap=google", 400, "unknown basemap 'google'"),
    ("/maps/overview?basemap=tianditu", 400, "PLANMAP_TIANDITU_KEY"),
    ("/maps/overview?lang=fr", 400, "use zh or en"),
    ("/maps/overview?bbox=1,2,3", 400, "four numbers"),
    ("/maps/overview?bbox=a,b,c,d", 400, "four numbers"),
    ("/maps/overview?bbox=121.7,38.9,121.6,38.95", 400, "min < max"),
    ("/maps/overview?bbox=38.9,121.6,38.95,121.7", 400, "longitude first"),
    ("/maps/overview?bbox=0,0,1,1", 400, "does not overlap"),
    ("/maps/overview?bbox=nan,38.9,121.7,38.95", 400, "finite"),
    ("/maps/overview?download=maybe", 400, "download must be 1 or 0"),
    ("/static/vendor/nope.js", 404, "no static file"),
    ("/static/../api/app.py", 404, ""),
    ("/static/%2e%2e/%2e%2e/api/app.py", 404, "no static file"),
])
def test_bad_input_is_a_clear_4xx(tiny_client, path, status, words):
    response = tiny_client.get(path)
    assert response.status_code == status, response.text
    if words:
        assert words in response.json()["description"]


def test_tianditu_with_a_key(tiny_client_with_key):
    response = tiny_client_with_key.get("/maps/overview?basemap=tianditu")
    assert response.status_code == 200
    assert "tk=tk-test-123" in response.text and "vec_w" in response.text and "cva_w" in response.text
    assert "https://*.tianditu.gov.cn" in response.headers["content-security-policy"]
    assert 'data-basemap' not in response.text  # links are built by JS from the JSON choices
    assert '"id":"tianditu"' in response.text


def test_basemap_choices_offer_tianditu_only_with_a_key(tiny_client):
    html = tiny_client.get("/maps/overview?lang=en").text
    assert '"id":"amap"' in html and '"id":"tianditu"' not in html
    assert '"href":"/maps/overview?lang=en\\u0026basemap=amap"' in html


def test_download_is_one_standalone_file(tiny_client):
    for path in ("/maps/overview?download=1", "/maps/overview/download", "/maps/zones/zone-safe/download",
                 "/maps/projects/project-ok?download=1", "/embed/map?layers=streets&download=1"):
        response = tiny_client.get(path)
        assert response.status_code == 200, path
        assert response.headers["content-disposition"].startswith("attachment; filename=")
        assert "/static/" not in response.text and "<script src" not in response.text
        assert 200_000 < len(response.content) < 1_500_000


def test_static_files_served_with_type(tiny_client):
    js = tiny_client.get("/static/vendor/leaflet/leaflet.js")
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert b"Leaflet 1.9.4" in js.content[:200]
    png = tiny_client.get("/static/vendor/leaflet-draw/images/spritesheet.png")
    assert png.status_code == 200 and png.headers["content-type"] == "image/png"


def test_zone_page_shows_audit_or_says_it_is_not_available(tiny_client):
    html = tiny_client.get("/maps/zones/zone-safe").text
    assert 'id="pm-audit"' in html
    assert ("核查结果不可用" in html) or ("总体结论" in html)


def test_index_lists_zones_and_projects(tiny_client):
    html = tiny_client.get("/maps").text
    assert 'href="/maps/zones/zone-safe"' in html and 'href="/maps/projects/project-ok"' in html
    assert "总图" in html and "Overview" in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_real_plan_pages(client):
    for path in ("/maps", "/maps/overview", "/maps/check", "/embed/map?layers=transit-stations&lang=en"):
        response = client.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        assert len(response.content) < 1_500_000


def test_index_switches_plans_and_keeps_the_prefix(client):
    plans = [p["id"] for p in client.get("/plans").json()["plans"]]
    if len(plans) < 2:
        pytest.skip("one plan served: no switcher")
    html = client.get("/maps").text
    switcher = html.split('id="pm-plan-switcher"', 1)[1].split("</nav>", 1)[0]
    other = next(p for p in plans if p != "xigang")
    assert f'href="/plans/{other}/maps"' in switcher and 'aria-current="page"' in switcher
    prefixed = client.get(f"/plans/{other}/maps").text
    assert 'href="/plans/xigang/maps"' in prefixed
    assert f'href="/plans/{other}/maps/check"' in prefixed and f'href="/plans/{other}/export/map.pdf?paper=A3"' in prefixed
    audit = client.get(f"/plans/{other}/maps/audit").text
    assert f'href="/plans/{other}/maps/audit-values.csv"' in audit and f"/plans/{other}/export/map.pdf?" in audit


def test_index_has_check_and_sheet_buttons_per_zone(client):
    html = client.get("/maps").text
    assert 'id="pm-open-check" href="/maps/check"' in html and 'id="pm-export-sheet"' in html
    assert 'href="/maps/check?zone=street-area-dongguan"' in html
    assert 'href="/export/map.pdf?zone=street-area-dongguan&amp;paper=A4"' in html
    assert client.get("/export/map.pdf?zone=street-area-dongguan&paper=A4").status_code == 200
