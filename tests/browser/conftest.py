"""Headless Chromium against the real app, with every non-localhost host unresolvable (no internet).

The app runs under uvicorn in a subprocess on a free 127.0.0.1 port. Chromium is driven by Selenium through the
Debian chromedriver (no driver download). Each page load records the requests that failed and the console errors.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "tests" / "artifacts"

pytestmark = pytest.mark.browser


def pytest_collection_modifyitems(items):
    missing = not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists())
    for item in items:
        if "tests/browser" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)
            if missing:
                item.add_marker(pytest.mark.skip(reason="needs /usr/bin/chromium and /usr/bin/chromedriver"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn serving ``api.app:app`` with the given environment."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        full_env = {**os.environ, **env}
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.log_path = ARTIFACTS / f"uvicorn-{self.port}.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "warning"],
            cwd=REPO, env=full_env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self.log.close()
                out = self.log_path.read_text(errors="replace")
                raise RuntimeError(f"uvicorn exited with {self.proc.returncode}:\n{out}")
            try:
                with urllib.request.urlopen(self.url + "/maps", timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise RuntimeError("uvicorn did not start within 90 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


@dataclass
class PageLoad:
    url: str
    failed: list[str] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


class Browser:
    """A Selenium Chromium session with helpers for loading a page and collecting its problems."""

    def __init__(self, user_data_dir: Path) -> None:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync",
                     "--disable-dev-shm-usage", "--window-size=1400,900", "--lang=zh-CN",
                     f"--user-data-dir={user_data_dir}",
                     "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(60)

    def _drain(self, load: PageLoad) -> None:
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            method, params = message.get("method"), message.get("params", {})
            if method == "Network.requestWillBeSent":
                load.requested.append(params["request"]["url"])
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                load.failed.append(f"{params.get('type')} {params.get('errorText')} {params.get('requestId')}")
            elif method == "Network.responseReceived" and params["response"]["status"] >= 400:
                load.failed.append(f"HTTP {params['response']['status']} {params['response']['url']}")
        for entry in self.driver.get_log("browser"):
            if entry["level"] == "SEVERE":
                load.console_errors.append(entry["message"])

    def load(self, url: str, wait_js: str = "return !!(window.planmap && window.planmap.map)",
             timeout: float = 20) -> PageLoad:
        self.driver.get_log("performance")
        self.driver.get_log("browser")
        self.driver.get(url)
        load = PageLoad(url)
        self.wait(wait_js, timeout)
        time.sleep(0.3)
        self._drain(load)
        return load

    def wait(self, js: str, timeout: float = 20) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.driver.execute_script(js):
                return
            time.sleep(0.1)
        raise AssertionError(f"timed out waiting for: {js}")

    def js(self, script: str, *args):
        return self.driver.execute_script(script, *args)

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def quit(self) -> None:
        self.driver.quit()


@pytest.fixture(scope="session")
def xigang_server():
    server = Server({"PLANMAP_PLAN": "xigang"})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def tiny_server(tmp_path_factory):
    from tests.maps.fixture_plan import PLAN_ID, write_fixture_plan

    plans = write_fixture_plan(tmp_path_factory.mktemp("tinyplan"))
    server = Server({"PLANMAP_PLAN": PLAN_ID, "PLANMAP_PLANS_DIR": str(plans)})
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    b = Browser(profile)
    yield b
    b.quit()
    shutil.rmtree(profile, ignore_errors=True)
