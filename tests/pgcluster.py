"""A throwaway PostgreSQL + PostGIS cluster for tests: ``initdb``/``pg_ctl`` under a temporary folder, on
loopback, as an unprivileged user when the tests run as root (PostgreSQL refuses to run as root).

``scripts/test.sh`` installs Debian's ``postgresql`` and ``postgis`` packages; without them the tests that need
the cluster skip and say why.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

START_TIMEOUT_S = 60


def find_bin_dir() -> Path | None:
    """The newest ``/usr/lib/postgresql/<n>/bin`` with ``initdb`` (or ``initdb`` on PATH), else None."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).parent if found else None


def missing_reason() -> str | None:
    """Why a cluster cannot start here (None when it can)."""
    bin_dir = find_bin_dir()
    if bin_dir is None:
        return "PostgreSQL is not installed (scripts/test.sh installs the Debian packages postgresql and postgis)"
    version = bin_dir.parent.name
    if not glob.glob(f"/usr/share/postgresql/{version}/extension/postgis.control"):
        return (f"PostGIS for PostgreSQL {version} is not installed (Debian package postgresql-{version}-postgis-3; "
                "scripts/test.sh installs it)")
    return None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Cluster:
    """A running cluster; :meth:`url` of a fresh database; :meth:`stop` removes everything."""

    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        assert bin_dir is not None
        self.bin_dir = bin_dir
        self.root = Path(tempfile.mkdtemp(prefix="planmap-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.user = None
        if os.geteuid() == 0:
            self.user = "nobody"
            os.chmod(self.root, 0o777)
        self._databases = 0
        self._run("initdb", "-D", str(self.data), "-U", "planmap", "-A", "trust", "-E", "UTF8", "--no-locale")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "log"), "-w", "-t", str(START_TIMEOUT_S),
                  "-o", f"-c listen_addresses=127.0.0.1 -c port={self.port} -k {self.root} -c fsync=on "
                        "-c max_connections=200", "start")

    def _run(self, program: str, *args: str) -> None:
        subprocess.run([str(self.bin_dir / program), *args], check=True, capture_output=True,
                       user=self.user, cwd=self.root, timeout=START_TIMEOUT_S + 30)

    def url(self) -> str:
        """A new empty database on the cluster, as ``postgresql://…``."""
        self._databases += 1
        name = f"planmap_{self._databases}"
        import psycopg

        with psycopg.connect(f"host=127.0.0.1 port={self.port} user=planmap dbname=postgres", autocommit=True) as conn:
            conn.execute(f"CREATE DATABASE {name}")
        return f"postgresql://planmap@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        time.sleep(0.1)
        shutil.rmtree(self.root, ignore_errors=True)
