"""The plan audit page (/maps/audit) and its CSV (/maps/audit.csv): every zone with its overall result, thresholds
read from the rulesets, hostile names escaped, the CSV the same rows as the page."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser

import pytest

from layers.audit_values import COLUMNS
from maps import audit as audit_page
from maps.audit import audit_csv, audit_rows, build_audit_page
from tests.maps.fixture_plan import XSS_IMG_ZONE_ID, XSS_IMG_ZONE_NAME, XSS_ZONE_NAME

OVERALL_ZH = {"pass": "符合", "fail": "不符合", "incomplete": "待补充数据", None: "不判定"}
OVERALL_EN = {"pass": "Meets", "fail": "Does not meet", "incomplete": "Incomplete", None: "Not judged"}
BOM = b"\xef\xbb\xbf"


class AuditTable(HTMLParser):
    """The rows of the audit tables: zone id, overall, and each cell's text and classes."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[dict] = []
        self.links: list[str] = []
        self._cell: dict | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "tr" and "data-zone" in attrs:
            self.rows.append({"zone": attrs["data-zone"], "overall": attrs["data-overall"], "cells": []})
        elif tag == "td" and self.rows and self._cell is None:
            self._cell = {"class": (attrs.get("class") or "").split(), "text": ""}
            self.rows[-1]["cells"].append(self._cell)
        elif tag == "a":
            self.links.append(attrs.get("href") or "")

    def handle_endtag(self, tag):
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._cell is not None:
            self._cell["text"] += data


def parse(html: str) -> AuditTable:
    table = AuditTable()
    table.feed(html)
    return table


def read_csv(content: bytes) -> list[dict[str, str]]:
    assert content.startswith(BOM)
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


# ---------------------------------------------------------------------------------------------- the real plan
@pytest.fixture(scope="module")
def real_page(client):
    response = client.get("/maps/audit")
    assert response.status_code == 200, response.text[:500]
    return response


def test_page_lists_every_zone_of_the_plan_with_its_overall(real_page, store):
    zones = store.audit()["zones"]
    table = parse(real_page.text)
    assert real_page.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in real_page.headers["content-security-policy"]
    twice = audit_page.same_shapes([(s.id, store.layer(s.id)) for s in store.specs if s.zone_kind])
    # a zone drawn in two layers (the night-economy carriers reuse the layout's shapes) is listed once
    assert {"ne-dongguan-street", "ne-russian-street"} <= set(twice)
    assert twice["ne-dongguan-street"] == "street-area-dongguan"
    assert sorted(r["zone"] for r in table.rows) == sorted(z["id"] for z in zones if z["id"] not in twice)
    assert len(table.rows) == len(zones) - len(twice) >= 20
    by_id = {z["id"]: z for z in zones}
    for row in table.rows:
        zone = by_id[row["zone"]]
        assert row["overall"] == (zone["overall"] or "none")
        overall_cell = next(c for c in row["cells"] if "pm-overall-cell" in c["class"])
        assert overall_cell["text"].strip() == OVERALL_ZH[zone["overall"]]
        # the zone name links to its zone map
        assert f"/maps/zones/{row['zone']}" in table.links
    # the summary counts are the audit's
    listed = [by_id[r["zone"]] for r in table.rows]
    fail, none = (sum(1 for z in listed if z["overall"] == key) for key in ("fail", None))
    assert f"不符合 {fail}" in real_page.text and f"不判定 {none}" in real_page.text


def test_grouped_by_layer_in_catalogue_order(real_page, store):
    zone_layers = [s.id for s in store.specs if s.zone_kind]
    shown = [chunk.split('"', 1)[0] for chunk in real_page.text.split('class="pm-audit-layer" data-layer="')[1:]]
    assert shown == [layer for layer in zone_layers if any(z["layer"] == layer for z in store.audit()["zones"])]
    for layer in shown:
        assert store.spec(layer).title.zh in real_page.text


def test_walking_distances_coloured_against_their_thresholds(real_page, store):
    table = parse(real_page.text)
    by_id = {z["id"]: z for z in store.audit()["zones"]}
    judged = 0
    for row in table.rows:
        transit = by_id[row["zone"]].get("transit")
        walk = [c for c in row["cells"] if "pm-walk" in c["class"]]
        assert len(walk) == 2
        for cell, key in zip(walk, ("bus_stop", "station"), strict=True):
            value = (transit.get("value") or {}).get(key)
            if value is None:
                assert "pm-walk-needs-data" in cell["class"] and "需补充数据" in cell["text"]
                continue
            judged += 1
            expected = "pm-walk-pass" if value <= transit["threshold"][key] else "pm-walk-fail"
            assert expected in cell["class"], (row["zone"], key, value)
            assert f"{value:,.0f} m" in cell["text"]
    assert judged >= 30


def test_failed_and_needs_data_by_their_chinese_titles(real_page, store):
    zones = store.audit()["zones"]
    failing = [z for z in zones if z["failed"]]
    assert failing, "the real plan has failing zones (e.g. a street narrower than 5 m)"
    table = {r["zone"]: r for r in parse(real_page.text).rows}
    for zone in failing + [z for z in zones if z["needs_data"]][:3]:
        ruleset = store.rulesets[zone["ruleset"]]
        cells = table[zone["id"]]["cells"]
        failed_text = next(c for c in cells if "pm-failed" in c["class"])["text"]
        missing_text = next(c for c in cells if "pm-missing" in c["class"])["text"]
        for criterion_id in zone["failed"]:
            assert ruleset.criterion(criterion_id).title_zh in failed_text
        legend = real_page.text.split('id="pm-values-legend"', 1)[1].split("</div>", 1)[0]
        for criterion_id in zone["needs_data"]:  # in the row, or once in the legend of every zone's values
            title = ruleset.criterion(criterion_id).title_zh
            assert title in missing_text or (title in legend and "上方所列各项" in missing_text)
        assert f'/maps/check?zone={zone["id"]}' in str(cells)  or "填写数值" in missing_text
        assert "floor_area" not in missing_text and "merchants" not in missing_text  # titles, not ids


def test_accuracy_and_schematic_badge_per_zone(real_page, store):
    table = {r["zone"]: r for r in parse(real_page.text).rows}
    for zone in store.audit()["zones"]:
        if zone["id"] not in table:  # drawn twice: listed under its first layer
            continue
        accuracy = zone["provenance"]["accuracy_m"]
        assert f"±{accuracy:,.0f}" in table[zone["id"]]["cells"][-1]["text"]
        badge = "示意" in table[zone["id"]]["cells"][0]["text"]
        assert badge == (zone["provenance"].get("schematic") is True)


def test_header_thresholds_come_from_the_ruleset_parameters(store):
    ruleset = store.rulesets["night-economy-street"]
    params = dict(ruleset.parameters)
    params["bus_stop_walk_m"] = params["bus_stop_walk_m"].model_copy(update={"default": 450})
    changed = {**store.rulesets, ruleset.id: ruleset.model_copy(update={"parameters": params})}
    zones = {"zones": [z for z in store.audit()["zones"] if z["ruleset"] == ruleset.id]}
    html = build_audit_page(zones, specs=store.specs, rulesets=changed, plan=store.plan)
    assert "公交站 步行 ≤ 450 m" in html and "bus_stop_walk_m" in html
    default = build_audit_page(zones, specs=store.specs, rulesets=store.rulesets, plan=store.plan)
    assert f"公交站 步行 ≤ {ruleset.parameters['bus_stop_walk_m'].default} m" in default
    length = ruleset.criterion("length")
    assert f"{length.title_zh} ≥ {length.threshold} m" in default
    assert "“需补充数据项”须由规划人员补充" in default and "标“示意”的区域图形" in default


def test_csv_round_trips_with_the_same_rows(client, real_page, store):
    response = client.get("/maps/audit.csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == f'attachment; filename="{store.plan_id}-audit.csv"'
    rows = read_csv(response.content)
    page_rows = parse(real_page.text).rows
    assert [r["区域编号"] for r in rows] == [r["zone"] for r in page_rows]
    by_id = {z["id"]: z for z in store.audit()["zones"]}
    for row in rows:
        zone = by_id[row["区域编号"]]
        assert row["区域"] == zone["name"]
        assert row["总体结论"] == OVERALL_ZH[zone["overall"]]
        assert row["规则集"] == (zone["ruleset"] or "")
        for column, key in (("长度（m）", "length_m"), ("最小宽度（m）", "width_min_m"), ("面积（m²）", "area_m2")):
            expected = zone[key]
            assert (row[column] == "") if expected is None else float(row[column]) == pytest.approx(expected, abs=0.01)
        station = (zone["transit"].get("value") or {}).get("station")
        assert (row["步行至轨道站（m）"] == "") if station is None else \
            float(row["步行至轨道站（m）"]) == pytest.approx(station, abs=0.01)
        assert float(row["图形精度（±m）"]) == zone["provenance"]["accuracy_m"]
        assert row["示意"] == ("是" if zone["provenance"].get("schematic") else "否")
        layer = store.spec(zone["layer"]).title.zh
        assert row["图层"].split(" | ")[0] == layer


def test_english(client, store):
    response = client.get("/maps/audit?lang=en")
    assert response.status_code == 200
    html = response.text
    assert '<html lang="en">' in html and "Plan audit" in html and "Thresholds (from the rulesets)" in html
    table = parse(html)
    zones = {z["id"]: z for z in store.audit()["zones"]}
    for row in table.rows:
        cell = next(c for c in row["cells"] if "pm-overall-cell" in c["class"])
        assert cell["text"].strip() == OVERALL_EN[zones[row["zone"]]["overall"]]
    assert "/maps/zones/street-area-dongguan?lang=en" in table.links
    rows = read_csv(client.get("/maps/audit.csv?lang=en").content)
    assert "Overall" in rows[0] and "Zone id" in rows[0]
    assert {r["Overall"] for r in rows} <= set(OVERALL_EN.values())


@pytest.mark.parametrize("path, status, words", [
    ("/maps/audit?lang=fr", 400, "use zh or en"),
    ("/maps/audit.csv?lang=de", 400, "use zh or en"),
    ("/maps/audit?layers=streets", 400, "has no zones to audit"),
    ("/maps/audit.csv?layers=nope", 404, "nope"),
    ("/maps/audit?bbox=121.6,38.9,121.62,38.92", 400, "bbox does not apply"),
])
def test_bad_input_is_a_clear_4xx(client, path, status, words):
    response = client.get(path)
    assert response.status_code == status, response.text
    assert words in response.json()["description"]


def test_layers_filter_and_standalone_download(client, store):
    html = client.get("/maps/audit?layers=layout-street-areas").text
    ids = {r["zone"] for r in parse(html).rows}
    assert ids == {z["id"] for z in store.audit()["zones"] if z["layer"] == "layout-street-areas"}
    assert "/maps/audit.csv?layers=layout-street-areas" in html
    rows = read_csv(client.get("/maps/audit.csv?layers=layout-street-areas").content)
    assert {r["区域编号"] for r in rows} == ids
    download = client.get("/maps/audit?download=1")
    assert download.headers["content-disposition"].startswith("attachment;")
    assert "/static/" not in download.text and "<style>" in download.text
    assert len(parse(download.text).rows) == len(parse(client.get("/maps/audit").text).rows)
    assert "<script>" in download.text and "/static/" not in download.text  # the sort/filter script inlined


def test_linked_from_the_index_and_the_page_header(client):
    assert 'href="/maps/audit"' in client.get("/maps").text
    assert 'href="/maps/audit"' in client.get("/maps/overview").text
    assert 'href="/maps/audit?lang=en"' in client.get("/maps/check?lang=en").text


def test_page_is_offline(real_page):
    html = real_page.text
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://" not in html
    assert '<link rel="stylesheet" href="/static/planmap/planmap.css">' in html
    scripts = [chunk.split(">", 1)[0] for chunk in html.split("<script")[1:]]
    assert scripts == [' src="/static/planmap/audit.js"']  # served by the service, no inline code


# ---------------------------------------------------------------------------------------------- the fixture plan
def test_hostile_zone_names_are_escaped(tiny_client, tiny_store):
    response = tiny_client.get("/maps/audit")
    assert response.status_code == 200
    html = response.text
    assert XSS_IMG_ZONE_NAME not in html and "<script>alert" not in html and "<svg" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    table = parse(html)
    names = {r["zone"]: r["cells"][0]["text"] for r in table.rows}
    assert XSS_IMG_ZONE_NAME in names[XSS_IMG_ZONE_ID]  # shown as text, exactly
    assert XSS_ZONE_NAME in names["zone-xss"]
    assert {r["zone"] for r in table.rows} == {z["id"] for z in tiny_store.audit()["zones"]}
    # the CSV keeps the name as it is (it is data, not HTML)
    rows = read_csv(tiny_client.get("/maps/audit.csv").content)
    assert {r["区域编号"]: r["区域"] for r in rows}[XSS_IMG_ZONE_ID] == XSS_IMG_ZONE_NAME


def test_missing_bus_stops_show_as_no_data_and_warnings_are_listed(tiny_client, tiny_store):
    """The tiny plan has no bus-stops layer: the bus-stop walk is "no data", and the audit's warning is shown."""
    html = tiny_client.get("/maps/audit").text
    row = next(r for r in parse(html).rows if r["zone"] == "zone-safe")
    bus, station = (c for c in row["cells"] if "pm-walk" in c["class"])
    assert "pm-walk-needs-data" in bus["class"] and "需补充数据" in bus["text"]
    assert "pm-walk-pass" in station["class"]
    assert "直线×1.3" in station["text"]  # no street network: the fallback is named
    assert "no layer playing the role 'bus_stops'" in row["cells"][0]["text"]


# ---------------------------------------------------------------------------------------------- the pure builder
def test_builder_handles_empty_and_broken_audits(store):
    empty = build_audit_page({"zones": []}, specs=store.specs, rulesets=store.rulesets, plan=store.plan)
    assert "本规划没有可核查的区域" in empty
    assert "标“示意”的区域图形" not in empty  # the schematic note only where a zone is schematic
    unavailable = build_audit_page({}, specs=store.specs, rulesets=store.rulesets, plan=store.plan,
                                   unavailable="RuntimeError: <b>boom</b>")
    assert "核查结果不可用" in unavailable and "&lt;b&gt;boom&lt;/b&gt;" in unavailable
    broken = {"zones": [
        {"id": "z1", "name": "甲", "layer": "night-economy", "zone_kind": "street", "ruleset": "night-economy-street",
         "overall": None, "error": "site has no area"},
        {"id": "z2", "name": "乙", "layer": "unknown-layer", "overall": "fail", "failed": ["no-such-criterion"],
         "transit": {"value": None, "threshold": {"bus_stop": 300, "station": 800}},
         "length_m": float("nan"), "area_m2": 1234.5},
    ]}
    groups = audit_rows(broken, store.specs, store.rulesets)
    assert [g.id for g in groups] == ["night-economy", "unknown-layer"]  # unknown layers last, by their id
    z1, z2 = groups[0].rows[0], groups[1].rows[0]
    assert z1.overall_label == "不判定" and z1.warnings == ["site has no area"] and z1.transit == {}
    assert z2.failed == ["no-such-criterion"] and z2.length_m is None
    assert z2.transit["bus_stop"].status == "needs-data"
    text = audit_csv(broken, specs=store.specs, rulesets=store.rulesets)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["区域编号"] for r in rows] == ["z1", "z2"]
    assert rows[1]["面积（m²）"] == "1234.5" and rows[1]["长度（m）"] == ""


# ---------------------------------------------------------------------------------------------- issue 14: the rest
def test_values_every_zone_needs_are_said_once_and_each_zone_links_to_the_form(real_page, store):
    html = real_page.text
    legend = html.split('id="pm-values-legend"', 1)[1].split("</div>", 1)[0]
    street = store.rulesets["night-economy-street"]
    shared = [z for z in store.audit()["zones"] if z["ruleset"] == "night-economy-street" and z["overall"]]
    common = set(shared[0]["needs_data"]).intersection(*(z["needs_data"] for z in shared))
    assert len(common) >= 10
    for cid in common:
        assert street.criterion(cid).title_zh in legend
    rows = {r["zone"]: r for r in parse(html).rows}
    # a street zone needing only the common values shows none of them again in its row
    missing = next(c for c in rows["street-area-dongguan"]["cells"] if "pm-missing" in c["class"])["text"]
    assert "上方所列各项" in missing and "建筑面积" not in missing and "填写数值" in missing
    assert 'href="/maps/check?zone=street-area-dongguan"' in html
    assert 'href="/maps/audit-values.csv"' in html


def test_the_adoption_line_and_the_bases(real_page):
    html = real_page.text
    line = html.split('id="pm-audit-adoption"', 1)[1].split("</p>", 1)[0]
    assert "参照《拉萨市夜间经济示范区认定和奖励办法》" in line
    row = next(r for r in parse(html).rows if r["zone"] == "street-area-shengliqiao-north")
    assert "替代图形：" in row["cells"][0]["text"]  # verdicts resting on a stand-in shape say so
    assert any("推定数据" in c["text"] for r in parse(html).rows for c in r["cells"] if "pm-walk" in c["class"])


def test_a_zone_drawn_twice_says_in_which_layers(real_page, store):
    row = next(r for r in parse(real_page.text).rows if r["zone"] == "street-area-dongguan")
    layers = (store.spec("layout-street-areas").title.zh, store.spec("night-economy").title.zh)
    assert f"同一图形见于：{layers[0]}、{layers[1]}" in row["cells"][0]["text"]


def test_sort_filter_print_and_buttons(real_page):
    html = real_page.text
    assert 'id="pm-audit-filter"' in html and 'id="pm-audit-sort"' in html and 'id="pm-audit-print"' in html
    assert 'id="pm-open-check" href="/maps/check"' in html
    assert 'id="pm-export-sheet" href="/export/map.pdf?' in html


def test_values_template_is_a_values_file_of_the_judged_zones(client, store):
    response = client.get("/maps/audit-values.csv")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = read_csv(response.content)
    assert tuple(rows[0]) == COLUMNS  # exactly the columns the plan's values file has
    judged = {r["zone"] for r in parse(client.get("/maps/audit").text).rows if r["overall"] != "none"}
    assert {r["zone_id"] for r in rows} == judged
    zones = {z["id"]: z for z in store.audit()["zones"]}
    for row in rows:  # one row per zone and attribute it still needs, empty to fill in
        ruleset = store.rulesets[zones[row["zone_id"]]["ruleset"]]
        needed = {c.attribute for c in ruleset.criteria if c.id in zones[row["zone_id"]]["needs_data"]}
        assert row["attribute"] in needed and row["value"] == ""
        assert row["attribute_title"] == ruleset.attributes[row["attribute"]].title_zh
    dongguan = [r for r in rows if r["zone_id"] == "street-area-dongguan"]
    assert {r["attribute"] for r in dongguan} >= {"floor_area_m2", "formats", "closing_time_summer", "smart_parking"}
    share = next(r for r in dongguan if r["attribute"] == "mobile_payment_share")
    assert share["unit"] == "%"
    en = read_csv(client.get("/maps/audit-values.csv?lang=en").content)
    assert tuple(en[0]) == COLUMNS and any(r["attribute_title"] == "Floor area" for r in en)


def test_values_template_and_page_escape_hostile_names(tiny_client):
    html = tiny_client.get("/maps/audit").text
    assert "<script>alert" not in html and XSS_IMG_ZONE_NAME not in html
    rows = read_csv(tiny_client.get("/maps/audit-values.csv").content)
    for row in rows:
        assert not row["zone_name"].startswith(("=", "+", "-", "@"))


# ---------------------------------------------------------------------------------------------- values per zone
def test_values_forms_fit_each_attribute_and_the_tools_filter_by_ruleset_layer_and_name(real_page, store):
    html = real_page.text
    form = html.split('<template id="pm-values-form-night-economy-street">', 1)[1].split("</template>", 1)[0]
    assert '<select data-attribute="smart_parking" data-type="boolean">' in form
    assert '<option value="true">是</option><option value="false">否</option>' in form
    formats = form.split('data-attribute="formats" data-type="multi"', 1)[1].split("</fieldset>", 1)[0]
    assert formats.count('type="checkbox"') == len(store.rulesets["night-economy-street"].attributes["formats"].choices) == 8
    assert 'data-attribute="mobile_payment_share" data-type="fraction" placeholder="如 85 或 85%"' in form
    assert 'data-attribute="closing_time_summer" data-type="time" placeholder="22:30"' in form
    assert 'data-attribute="merchants" data-type="integer"' in form
    for control in ('id="pm-audit-ruleset"', 'id="pm-audit-layer"', 'id="pm-audit-search"',
                    'data-values="/api/audit/values"', 'data-me="/api/me"'):
        assert control in html
    row = html.split('data-zone="street-area-dongguan"', 1)[1].split(">", 1)[0]
    assert 'data-layer="layout-street-areas"' in row and 'data-ruleset="night-economy-street"' in row
    fields = row.split('data-fields="', 1)[1].split('"', 1)[0].split()
    assert {"floor_area_m2", "formats", "smart_parking", "mobile_payment_share"} <= set(fields)
    # the form opens for signed-in planners only (the script shows the buttons after GET /api/me)
    assert html.count('class="pm-values-open" hidden') == sum(1 for r in parse(html).rows if r["overall"] != "none")


def test_the_standalone_page_has_no_forms_and_print_hides_them(client):
    html = client.get("/maps/audit?download=1").text
    assert '<template id="pm-values-form-' not in html and 'class="pm-values-open"' not in html
    assert 'data-values="' not in html.split("<script", 1)[0]  # no endpoint: the script stays read-only
    css = client.get("/static/planmap/planmap.css").text
    printed = css.split("@media print {\n  body.pm-audit", 1)[1].split("\n}", 1)[0]
    assert ".pm-values-open" in printed and "tr.pm-values-row" in printed and ".pm-audit-tools" in printed


def test_given_values_are_shown_with_their_origin(store):
    audit = store.audit()
    zone = dict(next(z for z in audit["zones"] if z["id"] == "street-area-dongguan"))
    zone["values"] = {
        "floor_area_m2": {"value": 18000.0, "origin": "file", "source": "商务局摸底", "date": "2025-05-01",
                          "author": "王工"},
        "mobile_payment_share": {"value": 0.85, "origin": "store", "author": "<b>anna</b>",
                                 "saved": "2026-12-02T10:00:00.000Z"},
        "smart_parking": {"value": True, "origin": "store", "author": "<b>anna</b>", "saved": "2026-12-02T10:00:00.000Z"},
        "no_such": {"value": 1, "origin": "file"},
    }
    html = build_audit_page({**audit, "zones": [zone]}, specs=store.specs, rulesets=store.rulesets, plan=store.plan)
    row = html.split('data-zone="street-area-dongguan"', 1)[1].split("</tr>", 1)[0]
    assert "数值文件（商务局摸底，王工，2025-05-01）" in row and "建筑面积（m²）" not in row
    assert "<strong>18,000 m²</strong>" in row and "<strong>85 %</strong>" in row and "<strong>是</strong>" in row
    assert "&lt;b&gt;anna&lt;/b&gt; 于 2026-12-02 填写" in row and "<b>anna</b>" not in row
    assert "no_such" not in row.split('data-values="', 1)[0]
    prefill = row.split('data-values="', 1)[1].split('"', 1)[0].replace("&#34;", '"')
    assert '"mobile_payment_share": "85"' in prefill and '"smart_parking": "true"' in prefill
    en = build_audit_page({**audit, "zones": [zone]}, specs=store.specs, rulesets=store.rulesets, plan=store.plan,
                          lang="en")
    assert "values file (商务局摸底, 王工, 2025-05-01)" in en and "by &lt;b&gt;anna&lt;/b&gt;, 2026-12-02" in en
