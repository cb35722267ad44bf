"""Issue 14, as a planner reads the pages: permanent labels that do not overlap, the plan not drowned by context,
search (Chinese and pinyin initials), the attribute form's refusals, the report PDF button, a 1:5,000 A3 sheet,
the tablet layout and the notice when online tiles fail. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import io
import json
import re
import time
import urllib.request

import pytest
from pypdf import PdfReader

from maps import vocabulary

pytestmark = pytest.mark.browser

OVERLAPS_JS = """
    var boxes = Array.from(document.querySelectorAll('.pm-label')).map(function (n) {
      var r = n.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom, n.textContent]; });
    var clashes = [];
    for (var i = 0; i < boxes.length; i++) { for (var j = i + 1; j < boxes.length; j++) {
      var a = boxes[i], b = boxes[j];
      if (a[0] < b[2] - 0.5 && b[0] < a[2] - 0.5 && a[1] < b[3] - 0.5 && b[1] < a[3] - 0.5) { clashes.push([a[4], b[4]]); }
    } }
    return {count: boxes.length, texts: boxes.map(function (b) { return b[4]; }), clashes: clashes};"""


def _size(browser, width: int, height: int) -> None:
    browser.driver.set_window_size(width, height)
    inner = browser.js("return [window.innerWidth, window.innerHeight]")
    browser.driver.set_window_size(width + (width - inner[0]), height + (height - inner[1]))


def test_overview_labels_present_and_not_overlapping(browser, xigang_server):
    _size(browser, 1366, 768)
    try:
        browser.load(xigang_server.url + "/maps/overview")
        browser.wait("return document.querySelectorAll('.pm-label').length > 0")
        result = browser.js(OVERLAPS_JS)
        assert result["count"] >= 8, result
        assert result["clashes"] == [], result["clashes"]
        # the structure is named: the axis and both carriers of the 两圈 at the default zoom
        texts = set(result["texts"])
        assert any("长春路" in t for t in texts) and any("商圈" in t for t in texts), texts
        # zooming in places more labels, still without overlaps (stations from zoom 14)
        browser.js("planmap.map.setZoom(planmap.map.getZoom() + 2, {animate: false})")
        time.sleep(0.6)
        closer = browser.js(OVERLAPS_JS)
        assert closer["clashes"] == [] and closer["count"] >= 1
        # context off by default: the schematic street grid and the assumed bus stops
        off = browser.js("return ['streets', 'bus-stops'].map(function (id) { "
                         "return planmap.layers[id] && planmap.map.hasLayer(planmap.layers[id]); })")
        assert off == [False, False]
        scale = browser.js("return document.querySelector('.leaflet-control-scale').innerText")
        assert re.search(r"\d+ (m|km)", scale) and "ft" not in scale and "mi" not in scale
        browser.js("planmap.map.setZoom(planmap.map.getZoom() - 2, {animate: false})")
        time.sleep(0.4)
        browser.screenshot("xigang-overview-1366")
    finally:
        _size(browser, 1400, 900)


def test_search_finds_dongguan_street_by_name_and_pinyin(browser, xigang_server):
    browser.load(xigang_server.url + "/maps/overview")
    names = browser.js("return planmap.search.matches('东关街').map(function (e) { return e[0]; })")
    assert "东关街" in names
    initials = browser.js("return planmap.search.matches('dgj').map(function (e) { return e[0]; })")
    assert any(n.startswith("东关街") for n in initials), initials
    browser.js("var i = document.getElementById('pm-search-input'); i.value = '东关街';"
               "i.dispatchEvent(new Event('input'));")
    first = browser.js("return document.querySelector('#pm-search-results .pm-search-result .pm-search-name').innerText")
    assert first == "东关街"
    before = browser.js("return planmap.map.getZoom()")
    browser.js("document.querySelector('#pm-search-results .pm-search-result').click()")
    browser.wait(f"return planmap.map.getZoom() > {before}")
    assert browser.js("return planmap.map.getZoom()") >= 15


def test_measure_distance(browser, xigang_server):
    browser.load(xigang_server.url + "/maps/overview")
    browser.js("""planmap.measure.start('distance');
        planmap.map.fire('click', {latlng: L.latLng(38.91, 121.60)});
        planmap.map.fire('click', {latlng: L.latLng(38.91, 121.61)});""")
    text = browser.js("return planmap.measureText")
    assert text.startswith(vocabulary.word("ui.distance")) and "m" in text  # about 865 m
    value = float(re.search(r"([\d,.]+) m", text).group(1).replace(",", ""))
    assert 850 < value < 880


def test_attribute_form_refuses_at_the_field_and_sends_shares(browser, xigang_server):
    browser.load(xigang_server.url + "/maps/check?zone=ne-dongguan-street")
    browser.wait("return !!planmap.check.shape")
    browser.wait("var r = document.getElementById('pm-report'); return r && !r.hidden", timeout=60)
    browser.js("document.querySelector('.pm-panel details').open = true;"
               "document.getElementById('pm-attr-floor_area_m2').value = 'abc';"
               "document.getElementById('pm-attr-mobile_payment_share').value = '185';"
               "document.getElementById('pm-attr-closing_time_summer').value = '25:00';"
               "document.getElementById('pm-check-form').dispatchEvent(new Event('submit', {cancelable: true}));")
    errors = browser.js("return Array.from(document.querySelectorAll('.pm-attribute.pm-invalid .pm-field-error'))"
                        ".map(function (n) { return n.innerText; })")
    assert vocabulary.word("form.err_number") in errors and vocabulary.word("form.err_fraction") in errors
    assert vocabulary.word("form.err_time") in errors
    assert browser.js("return document.getElementById('pm-message').innerText") == vocabulary.word("form.err_form")
    # corrected: 85 % goes as the API's 0–1 share, 是 as true, 1.2亿 in yuan, 22：30 as 22:30
    browser.js("document.getElementById('pm-attr-floor_area_m2').value = '1.8万';"
               "document.getElementById('pm-attr-mobile_payment_share').value = '85%';"
               "document.getElementById('pm-attr-closing_time_summer').value = '22：30';"
               "document.getElementById('pm-attr-smart_parking').value = 'true';"
               "document.getElementById('pm-attr-turnover_yuan').value = '1.2亿';"
               "document.getElementById('pm-check-form').dispatchEvent(new Event('submit', {cancelable: true}));")
    browser.wait("return !!planmap.check.body && planmap.check.body.attributes.mobile_payment_share === 0.85",
                 timeout=30)
    sent = browser.js("return planmap.check.body.attributes")
    assert sent == {"floor_area_m2": 18000, "mobile_payment_share": 0.85, "closing_time_summer": "22:30",
                    "smart_parking": True, "turnover_yuan": 120000000}
    browser.wait("return document.querySelector('#pm-report tr[data-criterion=\"smart_parking\"].pm-status-pass')"
                 " !== null", timeout=60)
    # the reference standard is said, and never a bare "meets" while manual items wait
    report = browser.js("return document.getElementById('pm-report').innerText")
    assert "参照《拉萨市夜间经济示范区认定和奖励办法》" in report
    head = browser.js("return document.querySelector('#pm-report .pm-overall strong').innerText")
    assert head != vocabulary.word("label.overall") + "：" + vocabulary.overall_label("pass")
    # the assumed nearest bus stop is said next to its verdict
    basis = browser.js("var n = document.querySelector('#pm-report tr[data-criterion=\"transit\"] .pm-basis');"
                       "return n ? n.innerText : null")
    assert basis and "推定" in basis
    browser.screenshot("xigang-check-form")


def test_report_pdf_button(browser, xigang_server):
    browser.load(xigang_server.url + "/maps/check?zone=ne-dongguan-street")
    browser.wait("var r = document.getElementById('pm-report'); return r && !r.hidden", timeout=60)
    assert browser.js("return document.getElementById('pm-report-pdf').disabled") is False
    browser.js("window.__pdf = null; planmap.reportPdf().then(function (b) { window.__pdf = b ? b.size : -1; });")
    browser.wait("return window.__pdf !== null", timeout=90)
    assert browser.js("return window.__pdf") > 20_000
    assert browser.js("return planmap.lastPdf.type") == "application/pdf"


def test_sheet_at_1_to_5000_on_a3(xigang_server):
    url = xigang_server.url + "/export/map.pdf?scale=5000&paper=A3&orientation=landscape&zone=ne-dongguan-street"
    with urllib.request.urlopen(url, timeout=120) as response:
        content = response.read()
    page = PdfReader(io.BytesIO(content)).pages[0]
    width_mm, height_mm = (float(v) / 72 * 25.4 for v in (page.mediabox.width, page.mediabox.height))
    assert abs(width_mm - 420) < 1 and abs(height_mm - 297) < 1
    text = re.sub(r"\s+", "", page.extract_text())
    assert "1:5,000" in text and "1:5000" in text.replace(",", "")
    with pytest.raises(urllib.error.HTTPError) as clash:
        urllib.request.urlopen(xigang_server.url + "/export/map.png?paper=A3&width=200", timeout=60)
    assert clash.value.code == 400 and "width" in json.loads(clash.value.read())["description"]


def test_tablet_layout_folds_panel_and_legend(browser, xigang_server):
    _size(browser, 820, 1180)
    try:
        browser.load(xigang_server.url + "/maps/overview")
        assert browser.js("return document.body.classList.contains('pm-panel-hidden')") is True
        assert browser.js("return document.querySelector('.pm-legend details').open") is False
        control = browser.js("var r = document.querySelector('.leaflet-control-layers').getBoundingClientRect();"
                             "return [r.width, r.height]")
        assert control[0] < 80 and control[1] < 80  # collapsed to its button
        browser.js("document.querySelector('.pm-panel-toggle').click()")
        assert browser.js("return document.body.classList.contains('pm-panel-hidden')") is False
        browser.screenshot("xigang-overview-tablet")
    finally:
        _size(browser, 1400, 900)


def test_online_tiles_that_fail_say_so(browser, xigang_server):
    browser.load(xigang_server.url + "/maps/overview?basemap=osm")
    browser.wait("return !!document.querySelector('.pm-tile-notice')", timeout=30)
    notice = browser.js("return document.querySelector('.pm-tile-notice').innerText")
    assert vocabulary.word("ui.tiles_failed") in notice
