"""GDAL's OGC API – Features client reads the sites collection of a real service with a Bearer token."""

from __future__ import annotations

import os
import shutil
import subprocess

import httpx
import pytest

from tests.store.stress import STREET, Server, setup

pytestmark = pytest.mark.gdal


@pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs GDAL's ogrinfo (Debian package gdal-bin)")
def test_gdal_reads_saved_sites_with_a_token(tmp_path):
    plans, data, token = setup(tmp_path, None)
    server = Server(plans, data, None, tmp_path / "server.log")
    server.start()
    try:
        headers = {"Authorization": f"Bearer {token}"}
        for name in ("夜市街 甲", "夜市街 乙"):
            body = {"type": "Feature", "geometry": STREET, "properties": {"name": name,
                                                                         "ruleset": "night-economy-street"}}
            assert httpx.post(f"{server.url}/collections/sites/items", json=body, headers=headers,
                              timeout=60).status_code == 201
        env = {**os.environ, "GDAL_HTTP_HEADERS": f"Authorization: Bearer {token}"}
        listed = subprocess.run(["ogrinfo", "-ro", "-so", f"OAPIF:{server.url}/"], capture_output=True, text=True,
                                timeout=120, env=env)
        assert listed.returncode == 0 and ": sites" in listed.stdout, listed.stderr
        read = subprocess.run(["ogrinfo", "-ro", "-al", f"OAPIF:{server.url}/collections/sites"],
                              capture_output=True, text=True, timeout=120, env=env)
        assert read.returncode == 0 and "ERROR" not in read.stderr, read.stderr
        assert "Feature Count: 2" in read.stdout or read.stdout.count("OGRFeature(sites)") == 2
        assert "夜市街 甲" in read.stdout and "夜市街 乙" in read.stdout and "POLYGON" in read.stdout
    finally:
        server.stop()
