"""The audit page in Chromium at 1366×768: filters by result, ruleset, layer and name; a signed-in planner gives a
zone's values in its form (a bad value refused at its field, in Chinese), saves, and the zone's result changes.
Screenshots go to tests/artifacts/."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.browser.conftest import REPO, Server
from tests.geo import tiny_plan as tp

pytestmark = pytest.mark.browser
READY = "return document.readyState === 'complete' && !document.getElementById('pm-audit-tools').hidden"


@pytest.fixture(scope="module")
def values_server(tmp_path_factory):
    folder = tmp_path_factory.mktemp("audit-values")
    tp.write_plan(folder / "plans")
    env = {"PLANMAP_PLAN": "tiny", "PLANMAP_PLANS_DIR": str(folder / "plans"), "PLANMAP_DATA_DIR": str(folder / "var")}
    subprocess.run([sys.executable, "-m", "api.cli", "user", "add", "anna", "--role", "planner", "--password-stdin"],
                   input=b"anna-password\n", env={**os.environ, **env}, cwd=REPO, check=True, capture_output=True,
                   timeout=120)
    server = Server(env)
    yield server
    server.stop()


@pytest.fixture(autouse=True, scope="module")
def signed_out_afterwards(browser):
    """Cookies belong to the host, not the port: the session made here must not follow later tests' servers."""
    yield
    browser.driver.delete_all_cookies()


def _size(browser, width: int, height: int) -> None:
    browser.driver.set_window_size(width, height)
    inner = browser.js("return [window.innerWidth, window.innerHeight]")
    browser.driver.set_window_size(width + (width - inner[0]), height + (height - inner[1]))


def shown(browser) -> list[str]:
    return browser.js("return Array.from(document.querySelectorAll('tr.pm-audit-row'))"
                      ".filter(function (r) { return !r.hidden && !r.closest('section').hidden; })"
                      ".map(function (r) { return r.dataset.zone; })")


def test_filters_and_no_form_for_readers(browser, values_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    _size(browser, 1366, 768)
    load = browser.load(values_server.url + "/maps/audit", wait_js=READY)
    assert load.console_errors == [] and load.failed == []
    assert sorted(shown(browser)) == ["bc-main", "ls-short", "ne-area", "ne-complex", "ne-street"]
    assert browser.js("return document.querySelectorAll('.pm-values-open:not([hidden])').length") == 0
    Select(browser.driver.find_element(By.ID, "pm-audit-ruleset")).select_by_value("night-economy-street")
    assert sorted(shown(browser)) == ["ls-short", "ne-street"]
    Select(browser.driver.find_element(By.ID, "pm-audit-ruleset")).select_by_value("")
    Select(browser.driver.find_element(By.ID, "pm-audit-layer")).select_by_value("shopping-areas")
    assert shown(browser) == ["bc-main"]
    Select(browser.driver.find_element(By.ID, "pm-audit-layer")).select_by_value("")
    browser.driver.find_element(By.ID, "pm-audit-search").send_keys("夜")  # 夜街, 夜综合体, 滨海夜区
    assert sorted(shown(browser)) == ["ne-area", "ne-complex", "ne-street"]
    Select(browser.driver.find_element(By.ID, "pm-audit-filter")).select_by_value("incomplete")
    assert shown(browser) == ["ne-street"]
    assert "1" in browser.js("return document.getElementById('pm-audit-shown').textContent")


def test_a_planner_gives_values_and_the_zone_result_changes(browser, values_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    url = values_server.url
    _size(browser, 1366, 768)
    browser.driver.get(url + "/login")
    browser.driver.find_element(By.NAME, "username").send_keys("anna")
    browser.driver.find_element(By.NAME, "password").send_keys("anna-password")
    browser.driver.find_element(By.CSS_SELECTOR, "form button[type=submit], form input[type=submit]").click()
    browser.wait("return document.cookie.indexOf('planmap_csrf=') >= 0", timeout=20)
    browser.load(url + "/maps/audit", wait_js=READY)
    row = "document.getElementById('zone-ne-street')"
    assert browser.js(f"return {row}.dataset.overall") == "incomplete"
    browser.wait(f"var b = {row}.querySelector('.pm-values-open'); return b && !b.hidden", timeout=20)
    browser.js(f"{row}.querySelector('.pm-values-open').click()")
    form = browser.driver.find_element(By.CSS_SELECTOR, "tr.pm-values-row form")
    fields = browser.js("return Array.from(document.querySelectorAll('tr.pm-values-row .pm-attribute'))"
                        ".filter(function (b) { return !b.hidden; }).map(function (b) { return b.dataset.field; })")
    assert "merchants" not in fields and {"floor_area_m2", "formats", "smart_parking", "mobile_payment_share"} <= set(fields)

    def field(name: str):
        return form.find_element(By.CSS_SELECTOR, f'[data-attribute="{name}"]')

    field("floor_area_m2").send_keys("一万八")  # refused at its field, in Chinese; nothing saved
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait("var e = document.querySelector('tr.pm-values-row [data-field=floor_area_m2] .pm-field-error');"
                 "return e && !e.hidden", timeout=20)
    error = browser.js("return document.querySelector('tr.pm-values-row [data-field=floor_area_m2] .pm-field-error')"
                       ".textContent")
    assert error == "请填写数字，例如 18000 或 1.8万"
    assert browser.js(f"return {row}.dataset.overall") == "incomplete"
    assert browser.js("return document.querySelector('tr.pm-values-row .pm-values-message').textContent") == \
        "请先更正标红的属性。"
    browser.screenshot("audit-values-refused")
    field("floor_area_m2").clear()
    field("floor_area_m2").send_keys("1.8万")  # as the check page takes it
    for name in ("购物", "餐饮", "文娱", "休闲旅游"):
        field("formats").find_element(By.CSS_SELECTOR, f'input[value="{name}"]').click()
    field("closing_time_summer").send_keys("23:30")
    field("closing_time_winter").send_keys("22：00")
    Select(field("smart_parking")).select_by_value("true")
    field("online_delivery_merchants").send_keys("12")
    field("free_wifi_merchants").send_keys("20")
    field("mobile_payment_share").send_keys("85")  # a percentage, as typed
    field("turnover_yuan").send_keys("120000000")
    field("investment_yuan").send_keys("5000000")
    form.find_element(By.CSS_SELECTOR, "[name=note]").send_keys("2025 年摸底")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    browser.wait(f"var r = {row}; return r && r.dataset.overall === 'pass' && r.classList.contains('pm-just-saved')",
                 timeout=60)
    given = browser.js(f"return {row}.querySelector('.pm-given').innerText")
    assert given.count("anna 于") == 1  # one line per origin
    assert "85 %" in given and "anna 于" in given and "是" in given and "18,000 m²" in given
    browser.wait(READY, timeout=10)
    browser.screenshot("audit-values-saved")
