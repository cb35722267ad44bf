"""Concurrent writers against a real ``uvicorn`` on loopback, and ``kill -9`` of it during writes.

Used by ``tests/store/test_durability.py`` (bounded: a few seconds) and runnable for the longer figures in the
README: ``python -m tests.store.stress --seconds 30 --writers 50 [--database-url postgresql://…]``.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from api.service.accounts import Accounts
from api.store import Store
from api.store import repository as repo
from tests.geo import tiny_plan as tp

STREET = tp.geojson(tp.STREET_M)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """``uvicorn api.app:app`` serving the tiny plan with the store at ``data_dir`` or ``database_url``."""

    def __init__(self, plans_dir: Path, data_dir: Path, database_url: str | None, log: Path) -> None:
        self.plans_dir, self.data_dir, self.database_url, self.log = plans_dir, data_dir, database_url, log
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> None:
        env = {**os.environ, "PLANMAP_PLAN": "tiny", "PLANMAP_PLANS_DIR": str(self.plans_dir),
               "PLANMAP_DATA_DIR": str(self.data_dir), "PLANMAP_DATABASE_URL": self.database_url or ""}
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "api.app:app", "--host", "127.0.0.1", "--port", str(self.port),
                 "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"uvicorn exited with {self.process.returncode}:\n{self.log.read_text()}")
            try:
                with urllib.request.urlopen(f"{self.url}/conformance", timeout=2):
                    return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"uvicorn did not answer within {timeout} s:\n{self.log.read_text()}")

    def warm_up(self, token: str) -> str:
        """One save before the clock starts (the first check of a fresh process prepares the plan's caches)."""
        body = {"type": "Feature", "geometry": STREET, "properties": {"name": "warm-up", "ruleset":
                                                                     "night-economy-street"}}
        response = httpx.post(f"{self.url}/collections/sites/items", json=body, timeout=180,
                              headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 201, response.text
        return response.json()["id"]

    def kill9(self) -> None:
        assert self.process is not None
        os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill9()


@dataclass
class Outcome:
    """What the writers saw: acknowledged (201) site ids by name, failures by kind, time spent."""

    acknowledged: dict[str, str] = field(default_factory=dict)
    failures: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)


def write_for(url: str, token: str, *, writers: int, seconds: float, stop: threading.Event | None = None,
              outcome: Outcome | None = None) -> Outcome:
    """``writers`` threads each POST sites with unique names until ``seconds`` pass (or ``stop`` is set)."""
    outcome = outcome if outcome is not None else Outcome()
    stop = stop or threading.Event()
    deadline = time.monotonic() + seconds
    headers = {"Authorization": f"Bearer {token}"}

    def writer(number: int) -> None:
        with httpx.Client(base_url=url, headers=headers, timeout=60) as client:
            count = 0
            while time.monotonic() < deadline and not stop.is_set():
                count += 1
                name = f"w{number:02d}-{count:05d}"
                body = {"type": "Feature", "geometry": STREET,
                        "properties": {"name": name, "ruleset": "night-economy-street"}}
                try:
                    response = client.post("/collections/sites/items", json=body)
                except httpx.HTTPError as exc:
                    with outcome.lock:
                        outcome.failures[type(exc).__name__] += 1
                    if stop.is_set():
                        return
                    time.sleep(0.05)
                    continue
                with outcome.lock:
                    if response.status_code == 201:
                        outcome.acknowledged[name] = response.json()["id"]
                    else:
                        outcome.failures[f"HTTP {response.status_code}"] += 1

    started = time.monotonic()
    threads = [threading.Thread(target=writer, args=(n,), daemon=True) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=seconds + 120)
    outcome.seconds = time.monotonic() - started
    return outcome


def stored_names(store: Store) -> Counter:
    with store.read() as connection:
        return Counter(s["name"] for s in repo.list_sites(connection, plan="tiny")[0])


def setup(folder: Path, database_url: str | None) -> tuple[Path, Path, str]:
    """The tiny plan, the store (migrated) and a planner's token."""
    plans = folder / "plans"
    tp.write_plan(plans)
    store = Store.open(database_url, folder / "var")
    token = Accounts(store).add_user("stress", "planner")
    store.close()
    return plans, folder / "var", token


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--writers", type=int, default=50)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        plans, data, token = setup(Path(folder), args.database_url)
        server = Server(plans, data, args.database_url, Path(folder) / "server.log")
        server.start()
        server.warm_up(token)
        try:
            outcome = write_for(server.url, token, writers=args.writers, seconds=args.seconds)
        finally:
            server.stop()
        store = Store.open(args.database_url, data)
        names = stored_names(store)
        names.pop("warm-up", None)
        lost = [n for n in outcome.acknowledged if names[n] != 1]
        print(f"{args.writers} writers, {outcome.seconds:.1f} s: {len(outcome.acknowledged)} acknowledged "
              f"({len(outcome.acknowledged) / outcome.seconds:.1f}/s), stored {sum(names.values())}, "
              f"lost or duplicated {len(lost)}, failures {dict(outcome.failures)}, "
              f"integrity {store.integrity_check() or 'ok'}")
        store.close()


if __name__ == "__main__":
    main()
