"""The map pages in headless Chromium with the internet cut off: they load with no failed request and no console
error, show their layers and legend, escape hostile names, round-trip a drawn polygon to a report, embed in an
iframe. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from maps import vocabulary
from tests.maps.fixture_plan import RENMIN_SQUARE, XSS_PROJECT_NAME, XSS_ZONE_NAME

pytestmark = pytest.mark.browser


def assert_clean(load, base_url: str) -> None:
    assert load.failed == [], f"failed requests on {load.url}: {load.failed}"
    assert load.console_errors == [], f"console errors on {load.url}: {load.console_errors}"
    outside = [u for u in load.requested if not (u.startswith(base_url) or u.startswith("data:")
                                                 or u.startswith("blob:"))]
    assert outside == [], f"{load.url} requested other hosts: {outside}"


def layer_ids_on_map(browser) -> list[str]:
    return browser.js("""
        var ids = [];
        planmap.map.eachLayer(function (l) { if (l.planmapId) { ids.push(l.planmapId); } });
        return ids;""")


def visible_legend_entries(browser) -> list[str]:
    return browser.js("""
        return Array.from(document.querySelectorAll('.leaflet-control .pm-legend-entry'))
            .filter(function (e) { return !e.hidden; }).map(function (e) { return e.getAttribute('data-layer'); });""")


# ---------------------------------------------------------------------------------------------- real plan
@pytest.mark.parametrize("path, name", [
    ("/maps", "index"),
    ("/maps/overview", "overview"),
    ("/maps/overview?lang=en", "overview-en"),
    ("/maps/check", "check"),
])
def test_xigang_pages_load_offline(browser, xigang_server, path, name):
    wait = "return document.readyState === 'complete'" if path == "/maps" else None
    load = browser.load(xigang_server.url + path, **({"wait_js": wait} if wait else {}))
    browser.screenshot(f"xigang-{name}")
    assert_clean(load, xigang_server.url)
    if path == "/maps":
        assert "总图" in browser.js("return document.body.innerText")
        return
    on_map = layer_ids_on_map(browser)
    assert "district-boundary" in on_map and "transit-stations" in on_map
    legend = visible_legend_entries(browser)
    assert "transit-stations" in legend
    # the grouped layer control lists the catalogue's groups
    control = browser.js("return document.querySelector('.leaflet-control-layers').textContent")
    assert ("交通" if "lang=en" not in path else "Transport") in control
    assert browser.js("return document.querySelectorAll('.leaflet-control-scale').length") == 1
    # switching a layer off in the grouped control hides its legend entry; on again shows it
    toggle = """
        var labels = Array.from(document.querySelectorAll('.leaflet-control-layers label'));
        label = labels.filter(function (l) { return l.innerText.indexOf(%s) >= 0; })[0];
        label.querySelector('input').click();"""
    title = json.dumps("轨道交通站点" if "lang=en" not in path else "stations")
    browser.js(toggle % title)
    browser.wait("return document.querySelector('.pm-legend-entry[data-layer=\"transit-stations\"]').hidden")
    assert "transit-stations" not in layer_ids_on_map(browser)
    browser.js(toggle % title)
    browser.wait("return !document.querySelector('.pm-legend-entry[data-layer=\"transit-stations\"]').hidden")


def test_xigang_zone_and_project_pages(browser, xigang_server):
    import urllib.request

    index = urllib.request.urlopen(xigang_server.url + "/maps").read().decode()
    for kind in ("zones", "projects"):
        marker = f'href="/maps/{kind}/'
        if marker not in index:
            pytest.skip(f"the Xigang plan has no {kind} yet")
        feature_id = index.split(marker, 1)[1].split('"', 1)[0]
        load = browser.load(f"{xigang_server.url}/maps/{kind}/{feature_id}")
        browser.screenshot(f"xigang-{kind}-{feature_id}")
        assert_clean(load, xigang_server.url)
        assert browser.js("return document.querySelector('.pm-panel h2').innerText")


def test_xigang_check_map_round_trip(browser, xigang_server):
    """A polygon drawn through Leaflet.Draw's own event produces the report from POST /api/checks/site."""
    load = browser.load(xigang_server.url + "/maps/check")
    assert_clean(load, xigang_server.url)
    browser.js("""
        var map = planmap.map;
        var poly = L.polygon([[38.9135, 121.6175], [38.9135, 121.6215], [38.9150, 121.6215], [38.9150, 121.6175]]);
        map.fire(L.Draw.Event.CREATED, {layer: poly, layerType: 'polygon'});""")
    browser.wait("var r = document.getElementById('pm-report'); var m = document.getElementById('pm-message');"
                 "return (r && !r.hidden) || (m && m.className.indexOf('pm-error') >= 0);", timeout=60)
    message = browser.js("return document.getElementById('pm-message').innerText")
    browser.js("planmap.map.fitBounds(planmap.check.overlay.getBounds().extend(planmap.check.shape.getBounds()), "
               "{padding: [30, 30]})" if browser.js("return planmap.check.overlay.getLayers().length > 0")
               else "planmap.map.fitBounds(planmap.check.shape.getBounds().pad(3))")
    browser.js("return null")
    import time
    time.sleep(0.6)
    browser.screenshot("xigang-check-report")
    assert browser.js("return !document.getElementById('pm-report').hidden"), f"no report: {message}"
    rows = browser.js("return document.querySelectorAll('#pm-report .pm-criterion').length")
    assert rows >= 1
    overall = browser.js("return document.getElementById('pm-report').getAttribute('data-overall')")
    assert overall in ("pass", "fail", "incomplete")
    # the words are the vocabulary's, as on the audit, the sheets and the CLI
    head = browser.js("return document.querySelector('#pm-report .pm-overall strong').innerText")
    assert head.startswith(vocabulary.word("label.overall") + "：" + vocabulary.overall_label(overall))
    statuses = browser.js("return Array.from(document.querySelectorAll("
                          "'#pm-report .pm-criterion td:nth-child(2) > div > span:first-child'))"
                          ".map(function (td) { return td.innerText; })")
    assert statuses and set(statuses) <= {vocabulary.status_label(s) for s in vocabulary.keys("status")}
    measures = browser.js("return Array.from(document.querySelectorAll('#pm-report .pm-measurements tr'))"
                          ".map(function (tr) { return [tr.getAttribute('data-measure'), tr.cells[0].innerText]; })")
    assert ["length_m", vocabulary.measure_label("length_m")] in measures


ISOCHRONE_JS = """
    var found = null;
    planmap.map.eachLayer(function (l) { if (l.planmapId === 'pm-isochrone') { found = l; } });
    if (!found) { return null; }
    var g = found.toGeoJSON().features.map(function (f) { return f.geometry; });
    var b = found.getBounds();
    return {types: g.map(function (x) { return x.type; }), minutes: found.minutes,
            bounds: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()],
            pane: found.getLayers()[0].options.pane, props: found.properties};"""


def test_xigang_check_map_point_draws_walk_isochrone(browser, xigang_server):
    """A drawn point fetches the 15-minute walk isochrone and draws it; the 5/10/15 select redraws it."""
    from tests.browser.conftest import PageLoad

    load = browser.load(xigang_server.url + "/maps/check")
    assert_clean(load, xigang_server.url)
    assert browser.js("return document.querySelector('.pm-iso').hidden") is True  # no site yet, no control
    browser.js("""
        var select = document.getElementById('pm-ruleset');
        select.value = 'service-circles';     // a ruleset that judges points
        select.dispatchEvent(new Event('change', {bubbles: true}));
        planmap.map.fire(L.Draw.Event.CREATED,
                         {layer: L.marker([38.9142, 121.6195], {icon: planmap.pointIcon}), layerType: 'marker'});""")
    browser.wait("var l = planmap.check.isochrone; return !!l && planmap.map.hasLayer(l) && l.getLayers().length > 0",
                 timeout=30)
    browser.wait("var r = document.getElementById('pm-report'); return r && !r.hidden", timeout=60)
    iso = browser.js(ISOCHRONE_JS)
    assert iso is not None, "no layer with planmapId pm-isochrone on the map"
    assert set(iso["types"]) <= {"Polygon", "MultiPolygon"} and iso["types"]
    assert iso["minutes"] == 15 and iso["pane"] == "pmIsochrone"
    x0, y0, x1, y1 = iso["bounds"]
    assert x0 < 121.6195 < x1 and y0 < 38.9142 < y1
    # 15 minutes at 75 m/min = 1,125 m of walking: the area reaches some hundreds of metres, never beyond 1,125 m
    assert 0.003 < (x1 - x0) < 2 * 1160 / 86_600 and 0.003 < (y1 - y0) < 2 * 1160 / 111_000
    legend = browser.js("var e = document.querySelector('.pm-legend-entry[data-layer=\"pm-isochrone\"]');"
                        "return e && !e.hidden ? e.innerText : null;")
    assert legend and "15分钟步行范围" in legend
    note = browser.js("return document.querySelector('.pm-iso-note').innerText")
    assert "方法" in note and ("沿街道网络" in note or iso["props"]["method"] in note)
    browser.js("planmap.map.fitBounds(planmap.check.isochrone.getBounds(), {padding: [20, 20]})")
    import time
    time.sleep(0.6)
    browser.screenshot("xigang-check-isochrone")
    # 5 minutes: a smaller area from the same centre
    browser.js("var s = document.getElementById('pm-iso-minutes'); s.value = '5';"
               "s.dispatchEvent(new Event('change'));")
    browser.wait("return planmap.check.isochrone.minutes === 5", timeout=30)
    small = browser.js(ISOCHRONE_JS)["bounds"]
    assert (small[2] - small[0]) < (x1 - x0) and (small[3] - small[1]) < (y1 - y0)
    assert "5分钟步行范围" in browser.js(
        "return document.querySelector('.pm-legend-entry[data-layer=\"pm-isochrone\"]').innerText")
    after = PageLoad(load.url)
    browser._drain(after)
    assert after.console_errors == [] and after.failed == [], (after.console_errors, after.failed)
    # deleting the site removes the isochrone
    browser.js("planmap.map.fire(L.Draw.Event.DELETED, {layers: L.layerGroup()})")
    assert browser.js("return planmap.map.hasLayer(planmap.check.isochrone)") is False


def test_a_point_drawn_with_a_street_ruleset_switches_to_one_that_judges_points(browser, xigang_server):
    from tests.browser.conftest import PageLoad

    load = browser.load(xigang_server.url + "/maps/check")
    assert browser.js("return document.getElementById('pm-ruleset').value") == "night-economy-street"
    browser.js("""planmap.map.fire(L.Draw.Event.CREATED,
                   {layer: L.marker([38.9142, 121.6195], {icon: planmap.pointIcon}), layerType: 'marker'});""")
    browser.wait("var r = document.getElementById('pm-report'); return r && !r.hidden", timeout=60)
    chosen = browser.js("return document.getElementById('pm-ruleset').value")
    assert chosen in ("night-economy-complex", "service-circles")
    assert "point" in browser.js(
        "var s = document.getElementById('pm-ruleset'); return s.selectedOptions[0].getAttribute('data-geometry')")
    title = browser.js("var s = document.getElementById('pm-ruleset'); return s.selectedOptions[0].innerText")
    assert title in browser.js("return document.getElementById('pm-report').innerText")
    after = PageLoad(load.url)
    browser._drain(after)
    assert after.console_errors == [] and after.failed == [], (after.console_errors, after.failed)


def test_xigang_audit_page_offline(browser, xigang_server):
    load = browser.load(xigang_server.url + "/maps/audit", wait_js="return document.readyState === 'complete'")
    browser.screenshot("xigang-audit")
    assert_clean(load, xigang_server.url)
    rows = browser.js("return document.querySelectorAll('tr.pm-audit-row').length")
    assert rows >= 20
    # the stylesheet applied: tables are laid out fixed and fit the window (no horizontal scrolling)
    assert browser.js("return getComputedStyle(document.querySelector('.pm-audit-table')).tableLayout") == "fixed"
    assert browser.js("return document.documentElement.scrollWidth <= document.documentElement.clientWidth")


# ---------------------------------------------------------------------------------------------- fixture plan
def test_escaping_runs_no_script(browser, tiny_server):
    """Feature names that are HTML/script injections show as text in tooltip, popup, panel and index."""
    for path in ("/maps/projects/project-xss", "/maps/zones/zone-xss", "/maps/overview", "/maps", "/maps/audit"):
        wait = "return document.readyState === 'complete'" if path in ("/maps", "/maps/audit") else None
        browser.driver.get("about:blank")
        load = browser.load(tiny_server.url + path, **({"wait_js": wait} if wait else {}))
        browser.js("window.__alerts = 0; window.alert = function () { window.__alerts += 1; };")
        assert_clean(load, tiny_server.url)
        assert browser.js("return document.querySelectorAll('img[src=x], svg[onload], img[onerror]').length") == 0
        text = browser.js("return document.body.innerText")
        if path != "/maps/overview":
            assert XSS_PROJECT_NAME in text or XSS_ZONE_NAME.strip() in text or "alert(2)" in text
    # open the popup and tooltip of the hostile project on the overview
    browser.load(tiny_server.url + "/maps/projects/project-xss")
    opened = browser.js("""
        var found = null;
        planmap.map.eachLayer(function (l) {
            if (l.feature && l.feature.properties && l.feature.properties.id === 'project-xss' && l.openPopup) { found = l; }
        });
        if (!found) { return null; }
        found.openTooltip(); found.openPopup();
        return [document.querySelector('.leaflet-popup-content').innerText,
                document.querySelector('.leaflet-tooltip').innerText];""")
    import time
    time.sleep(0.4)  # popup fade-in
    browser.screenshot("tiny-project-xss-popup")
    assert opened is not None
    assert XSS_PROJECT_NAME in opened[0] and XSS_PROJECT_NAME in opened[1]
    assert "示意" in opened[0]
    assert browser.js("return document.querySelectorAll('.leaflet-popup-content img, .leaflet-tooltip img').length") == 0
    assert browser.js("return window.__alerts || 0") == 0


def test_amap_shifts_every_layer_into_gcj02(browser, tiny_server):
    """With basemap=amap the 人民广场 station marker sits at the GCJ-02 coordinate (+0.00495° lon, +0.00078° lat)."""
    browser.load(tiny_server.url + "/maps/overview?basemap=amap")
    position = browser.js("""
        var out = null;
        planmap.map.eachLayer(function (l) {
            if (l.feature && l.feature.properties && l.feature.properties.id === 'metro-renmin-square' && l.getLatLng) {
                out = [l.getLatLng().lng, l.getLatLng().lat];
            }
        });
        return out;""")
    assert position is not None
    lon, lat = RENMIN_SQUARE
    assert position[0] - lon == pytest.approx(0.00495, abs=0.0002)
    assert position[1] - lat == pytest.approx(0.00078, abs=0.0002)
    # the default basemap keeps WGS84
    browser.load(tiny_server.url + "/maps/overview")
    plain = browser.js("""
        var out = null;
        planmap.map.eachLayer(function (l) {
            if (l.feature && l.feature.properties && l.feature.properties.id === 'metro-renmin-square' && l.getLatLng) {
                out = [l.getLatLng().lng, l.getLatLng().lat];
            }
        });
        return out;""")
    assert plain == pytest.approx([lon, lat], abs=1e-6)


def test_check_map_sends_wgs84_from_amap(browser, tiny_server):
    """On the GCJ-02 map a drawn shape goes back to WGS84 before it is sent and when it is downloaded."""
    browser.load(tiny_server.url + "/maps/check?basemap=amap")
    back = browser.js("""
        var g = planmap.wgs84ToGcj02(121.6054031, 38.9099879);
        return planmap.gcj02ToWgs84(g[0], g[1]).concat(g);""")
    assert back[0] == pytest.approx(RENMIN_SQUARE[0], abs=1e-8)
    assert back[1] == pytest.approx(RENMIN_SQUARE[1], abs=1e-8)
    assert back[2] - RENMIN_SQUARE[0] == pytest.approx(0.00495, abs=0.0002)


def test_embed_in_plain_html_page(browser, tiny_server, tmp_path):
    """A plain page with an <iframe> to /embed/... loads the map (served from the same origin)."""
    page = tmp_path / "host.html"
    page.write_text(
        "<!DOCTYPE html><html><body><h1>host</h1>"
        f'<iframe id="f" src="{tiny_server.url}/embed/map?layers=key-projects,transit-stations&lang=en" '
        'width="800" height="500"></iframe></body></html>', encoding="utf-8")
    browser.driver.get(page.as_uri())
    frame = browser.driver.find_element("id", "f")
    browser.driver.switch_to.frame(frame)  # the host page is another origin (file:), as on a real site
    try:
        browser.wait("return !!(window.planmap && window.planmap.map)")
        ids = browser.js("""
            var ids = [];
            planmap.map.eachLayer(function (l) { if (l.planmapId) { ids.push(l.planmapId); } });
            return ids;""")
        legend = visible_legend_entries(browser)
    finally:
        browser.driver.switch_to.default_content()
    browser.screenshot("embed-host-page")
    assert "key-projects" in ids and "transit-stations" in ids
    assert "night-economy" not in ids
    assert set(legend) == {"key-projects", "transit-stations"}


def test_standalone_download_opens_from_file(browser, tiny_server, tmp_path):
    """?download=1 gives one HTML file that works from disk with no server."""
    import urllib.request

    html = urllib.request.urlopen(tiny_server.url + "/maps/overview?download=1").read()
    path = tmp_path / "overview.html"
    path.write_bytes(html)
    browser.driver.get_log("performance")
    load = browser.load(path.as_uri())
    browser.screenshot("tiny-standalone")
    assert load.console_errors == []
    assert all(u.startswith("file:") or u.startswith("data:") for u in load.requested), load.requested
    assert "key-projects" in layer_ids_on_map(browser)


def test_check_upload_and_download_geojson(browser, tiny_server, tmp_path: Path):
    browser.load(tiny_server.url + "/maps/check")
    doc = {"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {}, "geometry": {
        "type": "Polygon", "coordinates": [[[121.600, 38.905], [121.606, 38.905], [121.606, 38.908],
                                            [121.600, 38.908], [121.600, 38.905]]]}}]}
    upload = tmp_path / "site.geojson"
    upload.write_text(json.dumps(doc), encoding="utf-8")
    browser.driver.find_element("id", "pm-upload-shape").send_keys(str(upload))
    browser.wait("return !!planmap.check.shape")
    geometry = browser.js("return planmap.check.shape.toGeoJSON().geometry")
    assert geometry["type"] == "Polygon"
    assert geometry["coordinates"][0][0] == pytest.approx([121.600, 38.905])


def test_downloaded_shape_is_wgs84_geojson_and_check_request_too(browser, tiny_server):
    """On the Amap (GCJ-02) check map, the check request and the downloaded GeoJSON carry WGS84 coordinates."""
    browser.load(tiny_server.url + "/maps/check?basemap=amap")
    browser.js("""
        window.__bodies = [];
        var realFetch = window.fetch;
        window.fetch = function (url, options) { window.__bodies.push(options.body); return realFetch(url, options); };
        var realUrl = URL.createObjectURL;
        URL.createObjectURL = function (blob) { window.__blob = blob; return realUrl.call(URL, blob); };
        var g = planmap.wgs84ToGcj02(121.6054031, 38.9099879);   // drawn on the shifted map at 人民广场
        planmap.map.fire(L.Draw.Event.CREATED, {layer: L.marker([g[1], g[0]]), layerType: 'marker'});""")
    browser.wait("return window.__bodies.length > 0")
    body = json.loads(browser.js("return window.__bodies[0]"))
    assert body["geometry"]["type"] == "Point"
    assert body["geometry"]["coordinates"] == pytest.approx(list(RENMIN_SQUARE), abs=1e-6)
    assert body["ruleset"]
    browser.driver.find_element("id", "pm-download-shape").click()
    text = browser.driver.execute_async_script(
        "var done = arguments[arguments.length - 1]; window.__blob.text().then(done);")
    doc = json.loads(text)
    assert doc["type"] == "FeatureCollection"
    assert doc["features"][0]["geometry"]["coordinates"] == pytest.approx(list(RENMIN_SQUARE), abs=1e-6)


def test_walk_isochrone_is_shifted_to_gcj02_on_amap(browser, tiny_server):
    """On Amap the isochrone (WGS84 from the API) is drawn in GCJ-02 like every other layer: the circle round
    人民广场 (the tiny plan has no street network) is centred on the station's GCJ-02 position."""
    browser.load(tiny_server.url + "/maps/check?basemap=amap")
    browser.js("""
        var g = planmap.wgs84ToGcj02(121.6054031, 38.9099879);
        planmap.map.fire(L.Draw.Event.CREATED, {layer: L.marker([g[1], g[0]]), layerType: 'marker'});""")
    browser.wait("var l = planmap.check.isochrone; return !!l && l.getLayers().length > 0", timeout=30)
    iso = browser.js(ISOCHRONE_JS)
    assert iso["props"]["origin"] == pytest.approx(list(RENMIN_SQUARE), abs=1e-6)  # asked in WGS84
    x0, y0, x1, y1 = iso["bounds"]
    gx, gy = browser.js("return planmap.wgs84ToGcj02(121.6054031, 38.9099879)")
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((gx, gy), abs=2e-4)
    # unshifted it would sit ~430 m west: the GCJ-02 offset here is +0.00495° lon
    assert abs((x0 + x1) / 2 - RENMIN_SQUARE[0]) > 0.004
    assert "straight-line" in browser.js("return document.querySelector('.pm-iso-note').innerText")
