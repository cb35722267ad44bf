"""A live ``planmap serve`` in a subprocess on a free loopback port, for clients that speak real HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def environment(**extra: str) -> dict[str, str]:
    """This process's environment without proxies (loopback only), plus ``extra``."""
    env = dict(os.environ)
    for name in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        env.pop(name, None)
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env.update(extra)
    return env


@contextmanager
def serve(log: Path, *, workers: int = 1, env: dict[str, str] | None = None, startup_s: float = 120,
          repo: Path = REPO) -> Iterator[tuple[str, subprocess.Popen]]:
    """Run ``planmap serve`` from ``repo`` until the block ends; yield its base URL and process."""
    port = free_port()
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1", "--port", str(port),
               "--log-level", "warning"]
    if workers != 1:
        command += ["--workers", str(workers)]
    with log.open("wb") as log_file:
        process = subprocess.Popen(command, cwd=repo, env=environment(PYTHONPATH=str(repo), **(env or {})),
                                   stdout=log_file, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_s
            while True:
                if process.poll() is not None:
                    raise RuntimeError(f"planmap serve exited with {process.returncode}:\n{log.read_text()}")
                try:
                    with urllib.request.urlopen(f"{url}/conformance", timeout=2) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"planmap serve did not answer within {startup_s} s:\n{log.read_text()}")
                time.sleep(0.3)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=15)
