"""A real OGC API – Features client reads the service: GDAL's OAPIF driver (``ogrinfo``, Debian gdal-bin).

The service runs as ``planmap serve --workers 2`` in a subprocess on a free local port (``live_server`` in
``tests/api/conftest.py``); GDAL lists the collections, reports each feature count, pages through every feature
by following ``next`` links and applies a bbox filter.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import shapely

from tests.api.live import environment

pytestmark = [
    pytest.mark.gdal,
    pytest.mark.skipif(shutil.which("ogrinfo") is None, reason="needs ogrinfo (Debian package gdal-bin)"),
]

def ogrinfo(*args: str) -> str:
    result = subprocess.run(
        ["ogrinfo", "-ro", *args], capture_output=True, text=True, timeout=300, env=environment()
    )
    assert result.returncode == 0, f"ogrinfo {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    assert "ERROR" not in result.stderr, result.stderr
    # a field whose values change type between features makes GDAL truncate them
    assert "parsed incompletely" not in result.stderr, result.stderr
    return result.stdout


def test_gdal_lists_every_collection(service_url: str, store) -> None:
    output = ogrinfo("-so", f"OAPIF:{service_url}/")
    listed = re.findall(r"^\d+: (\S+)", output, flags=re.MULTILINE)
    assert listed == [spec.id for spec in store.specs]


def test_gdal_feature_count_and_extent(service_url: str, store) -> None:
    for spec in store.specs:
        output = ogrinfo("-al", "-so", f"OAPIF:{service_url}/", spec.id)
        frame = store.layer(spec.id)
        count = re.search(r"^Feature Count: (\d+)$", output, flags=re.MULTILINE)
        assert count is not None, output
        assert int(count.group(1)) == len(frame), spec.id
        assert f"TITLE={spec.title.zh}" in output
        extent = re.search(r"^Extent: \(([-\d.]+), ([-\d.]+)\) - \(([-\d.]+), ([-\d.]+)\)$", output,
                           flags=re.MULTILINE)
        if len(frame):
            assert extent is not None, output
            x0, y0, x1, y1 = (float(v) for v in extent.groups())
            bx0, by0, bx1, by1 = frame.total_bounds
            assert (x0, y0, x1, y1) == pytest.approx((bx0, by0, bx1, by1), abs=1e-5)


def _read_ids(output: str) -> list[str]:
    return re.findall(r"^  id \(String\) = (.*)$", output, flags=re.MULTILINE)


def test_gdal_reads_every_feature_by_paging(service_url: str, store) -> None:
    for spec in store.specs:
        frame = store.layer(spec.id)
        # GDAL pages with limit=PAGE_SIZE and follows the next links
        page_size = "10" if len(frame) <= 200 else "500"
        output = ogrinfo("-al", "-q", "-geom=NO", "-oo", f"PAGE_SIZE={page_size}", f"OAPIF:{service_url}/",
                         spec.id)
        assert output.count("OGRFeature(") == len(frame), spec.id
        assert _read_ids(output) == list(frame.index), spec.id


def test_gdal_bbox_filter(service_url: str, store) -> None:
    spec_ids = [s.id for s in store.specs if len(store.layer(s.id)) > 1]
    x0, y0, x1, y1 = store.boundary.bounds
    box = (x0, y0, (x0 + x1) / 2, (y0 + y1) / 2)  # south-west quarter of the district's bounds
    for layer_id in spec_ids:
        frame = store.layer(layer_id)
        expected = list(frame.index[shapely.intersects(frame.geometry.values, shapely.box(*box))])
        output = ogrinfo("-al", "-q", "-geom=NO", "-spat", *(f"{v:.7f}" for v in box),
                         f"OAPIF:{service_url}/", layer_id)
        assert _read_ids(output) == expected, layer_id


def test_gdal_reads_one_feature_geometry(service_url: str, store) -> None:
    output = ogrinfo("-al", "-q", f"OAPIF:{service_url}/", "district-boundary")
    assert "id (String) = xigang" in output
    assert "name (String) = 西岗区" in output
    wkt = re.search(r"^  (POLYGON \(\(.*\)\))$", output, flags=re.MULTILINE)
    assert wkt is not None
    served = shapely.from_wkt(wkt.group(1))
    assert served.area == pytest.approx(store.boundary.area, rel=1e-6)


def test_gdal_reads_every_collection_with_counts_equal_to_number_matched(service_url: str, store) -> None:
    """GDAL reads every collection in pages of the advertised maximum ``limit``; its count equals the service's
    ``numberMatched``. (GDAL 3.6 does not read the page size from the OpenAPI document by itself; 3.8+ does.)"""
    import json
    import urllib.request

    for spec in store.specs:
        with urllib.request.urlopen(f"{service_url}/collections/{spec.id}/items?limit=1", timeout=30) as response:
            matched = json.load(response)["numberMatched"]
        output = ogrinfo("-al", "-q", "-geom=NO", "-oo", "PAGE_SIZE=10000", f"OAPIF:{service_url}/", spec.id)
        assert output.count("OGRFeature(") == matched == len(store.layer(spec.id)), spec.id
