"""The export endpoints: map sheets, the check report PDF and layer downloads, read back and checked."""

from __future__ import annotations

import io
import re
import tempfile
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import shapely
from PIL import Image
from pypdf import PdfReader

DATE = "2026-03-01"


def _pdf_text(content: bytes) -> str:
    """The text of every page; each page carries the 示意/仅供参考 note and the data date."""
    reader = PdfReader(io.BytesIO(content))
    pages = [re.sub(r"\s+", "", page.extract_text()) for page in reader.pages]
    for page in pages:
        assert ("仅供参考" in page and "数据日期" in page) or ("forreferenceonly" in page and "Datadate" in page)
    return "".join(pages)


def _read(content: bytes, suffix: str, tmp_path: Path, **kwargs):
    path = tmp_path / f"download{suffix}"
    path.write_bytes(content)
    return pyogrio.read_dataframe(path, **kwargs)


def _export_dirs() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("planmap-export-*")}


# ---------------------------------------------------------------------------------------------------- map sheets
def test_overview_png(client):
    response = client.get("/export/map.png", params={"dpi": 60, "date": DATE})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'inline; filename="xigang-overview.png"'
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (701, 496)  # A4 landscape at 60 dpi
    pixels = np.asarray(image.convert("L"))
    assert (pixels < 200).mean() > 0.05  # drawn, not blank


def test_overview_pdf_names_the_plan_and_layers(client, store):
    response = client.get("/export/map.pdf", params={"date": DATE})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert re.sub(r"\s+", "", store.plan.title.zh) in text
    assert "图例" in text and "数据来源" in text and "制图日期2026-03-01" in text
    assert "©OpenStreetMapcontributors" in text
    assert re.sub(r"\s+", "", store.spec("district-boundary").title.zh) in text


def test_layer_selection_limits_the_legend(client, store):
    response = client.get("/export/map.pdf", params={"layers": "district-boundary,coastline", "date": DATE})
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert store.spec("coastline").title.zh in text
    assert store.spec("transit-lines").title.zh not in text
    assert "OpenStreetMap" not in text  # no OSM layer shown, no OSM credit


def test_zone_sheet_is_titled_and_highlighted(client, store):
    zone_layer = next(spec for spec in store.specs if spec.zone_kind)
    zone = store.layer(zone_layer.id).iloc[0]
    response = client.get("/export/map.pdf", params={"zone": zone["id"], "date": DATE})
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert re.sub(r"\s+", "", zone["name"]) in text
    assert zone["id"] in response.headers["content-disposition"]


def test_project_sheet_in_english(client, store):
    project = store.layer("key-projects").iloc[0]
    response = client.get("/export/map.pdf", params={"project": project["id"], "lang": "en", "date": DATE})
    assert response.status_code == 200
    text = _pdf_text(response.content)
    assert "Legend" in text and "Sources" in text


def test_bbox_and_size_in_pixels(client):
    params = {"bbox": "121.60,38.90,121.63,38.92", "width": 900, "height": 600, "unit": "px", "dpi": 100,
              "format": "png", "date": DATE}
    response = client.get("/export/map.png", params=params)
    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size == (900, 600)


def test_svg_sheet(client):
    response = client.get("/export/map.svg", params={"layers": "district-boundary", "date": DATE})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/svg+xml")
    assert response.content.lstrip().startswith(b"<?xml")


def test_same_request_same_bytes(client):
    params = {"layers": "district-boundary,transit-lines", "dpi": 50, "date": DATE}
    first = client.get("/export/map.png", params=params).content
    second = client.get("/export/map.png", params=params).content
    assert first == second


def test_title_is_plain_text(client):
    title = "投资 $5^{2}$ 亿元 \\frac{a}{b} 50% <b>"
    response = client.get("/export/map.pdf", params={"title": title, "date": DATE, "layers": "district-boundary"})
    assert response.status_code == 200
    assert re.sub(r"\s+", "", title) in _pdf_text(response.content)


def test_custom_title(client):
    response = client.get("/export/map.pdf", params={"title": "西岗区夜经济布局图", "date": DATE,
                                                     "layers": "district-boundary"})
    assert "西岗区夜经济布局图" in _pdf_text(response.content)


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/export/map.jpg", {}, 400, "unknown map format"),
        ("/export/map.png", {"dpi": 301}, 400, "dpi"),
        ("/export/map.png", {"dpi": 10}, 400, "dpi"),
        ("/export/map.png", {"width": 10}, 400, "width"),
        ("/export/map.png", {"width": 1189, "height": 841, "dpi": 300}, 400, "too large"),
        ("/export/map.png", {"unit": "inch"}, 400, "unit"),
        ("/export/map.png", {"dpi": "many"}, 400, "dpi"),
        ("/export/map.png", {"layers": "no-such-layer"}, 404, "no-such-layer"),
        ("/export/map.png", {"zone": "no-such-zone"}, 404, "no zone"),
        ("/export/map.png", {"project": "no-such-project"}, 404, "no project"),
        ("/export/map.png", {"zone": "a", "project": "b"}, 400, "not both"),
        ("/export/map.png", {"bbox": "1,2,3"}, 400, "bbox"),
        ("/export/map.png", {"bbox": "121.7,38.9,121.6,38.95"}, 400, "min < max"),
        ("/export/map.png", {"bbox": "10,10,11,11"}, 400, "outside"),
        ("/export/map.png", {"bbox": "121.541,38.841,121.542,38.842", "layers": "key-projects"}, 400, "empty"),
        ("/export/map.png", {"lang": "fr"}, 400, "lang"),
        ("/export/map.png", {"date": "yesterday"}, 400, "date"),
        ("/export/map.png", {"title": "长" * 121}, 400, "title"),
    ],
)
def test_bad_map_requests(client, path, params, status, message):
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status and message in body["description"]


# ---------------------------------------------------------------------------------------------------- check report
def _site(store) -> dict:
    geometry = store.layer("layout-street-areas").iloc[0].geometry
    return shapely.geometry.mapping(geometry)


def test_check_report_pdf(client, store):
    body = {"geometry": _site(store), "ruleset": "night-economy-street",
            "attributes": {"merchants": 72, "floor_area_m2": 18000}}
    report = client.post("/api/checks/site", json=body)
    assert report.status_code == 200, report.text
    response = client.post("/export/check-report.pdf", json=body, params={"date": DATE})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/pdf"
    text = _pdf_text(response.content)
    assert "选址检查报告" in text and "制图日期2026-03-01" in text
    for criterion in report.json()["criteria"][:6]:
        assert re.sub(r"\s+", "", criterion["title_zh"])[:6] in text
    status_words = {"pass": "符合", "fail": "不符合", "needs-data": "需补充数据", "manual": "需人工判定"}
    for criterion in report.json()["criteria"]:
        assert status_words[criterion["status"]] in text
    length = report.json()["measurements"]["length_m"]
    assert f"{length:,.1f}".rstrip("0").rstrip(".") in text


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"geometry": {"type": "Point", "coordinates": [121.62, 38.91]}, "ruleset": "no-such-ruleset"}, 400),
        ({"geometry": {"type": "Polygon", "coordinates": []}, "ruleset": "night-economy-street"}, 422),
        ({"ruleset": "night-economy-street"}, 400),
        ({"geometry": {"type": "Point", "coordinates": [121.62, 38.91]}, "ruleset": "night-economy-street",
          "colour": "red"}, 400),
    ],
)
def test_bad_check_report_requests(client, body, status):
    response = client.post("/export/check-report.pdf", json=body)
    assert response.status_code == status, response.text
    assert response.json()["description"]


# ---------------------------------------------------------------------------------------------------- downloads
@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "csv", "dxf"])
def test_layer_download_round_trips(client, store, fmt, tmp_path):
    frame = store.layer("key-projects")
    before = _export_dirs()
    response = client.get(f"/export/layers/key-projects.{fmt}")
    assert response.status_code == 200, response.text
    expected_name = f"key-projects.epsg4550.{fmt}" if fmt == "dxf" else f"key-projects.{fmt}"
    assert expected_name in response.headers["content-disposition"]
    assert int(response.headers["x-feature-count"]) == len(frame)
    read = _read(response.content, f".{fmt}", tmp_path)
    if fmt == "dxf":
        labels = read[read["Layer"] == "key-projects-注记"]
        assert sorted(labels["Text"]) == sorted(frame["name"])
        points = read[read["Layer"] != "key-projects-注记"]
        assert len(points) == len(frame)
    else:
        assert len(read) == len(frame)
        names = read["Name"] if fmt == "kml" else read["name"]
        assert sorted(names) == sorted(frame["name"])
        ids = list(read["id"])
        assert sorted(ids) == sorted(frame["id"])
        source = frame.set_index("id").loc[ids]
        got = shapely.get_coordinates(read.geometry.values)[:, :2]
        want = shapely.get_coordinates(source.geometry.values)
        np.testing.assert_allclose(got, want, atol=1e-6)
    assert _export_dirs() <= before  # the temporary file is gone once sent


def test_download_in_cgcs2000(client, store, tmp_path):
    response = client.get("/export/layers/transit-stations.gpkg", params={"crs": "EPSG:4550"})
    assert response.status_code == 200, response.text
    assert response.headers["content-crs"] == "<http://www.opengis.net/def/crs/EPSG/0/4550>"
    read = _read(response.content, ".gpkg", tmp_path)
    assert read.crs.to_epsg() == 4550
    source = store.layer("transit-stations").to_crs(4550).set_index("id").loc[list(read["id"])]
    np.testing.assert_allclose(shapely.get_coordinates(read.geometry.values),
                               shapely.get_coordinates(source.geometry.values), atol=1e-3)


def test_download_of_a_bbox_selection(client, store, tmp_path):
    box = (121.60, 38.90, 121.63, 38.92)
    frame = store.layer("key-projects")
    inside = frame[frame.intersects(shapely.box(*box))]
    response = client.get("/export/layers/key-projects.csv", params={"bbox": ",".join(map(str, box))})
    assert response.status_code == 200
    read = _read(response.content, ".csv", tmp_path)
    assert sorted(read["id"]) == sorted(inside["id"])


def test_csv_with_lon_lat_columns(client, store, tmp_path):
    response = client.get("/export/layers/transit-stations.csv", params={"geometry": "xy"})
    assert response.status_code == 200
    read = _read(response.content, ".csv", tmp_path, read_geometry=False)
    source = store.layer("transit-stations").set_index("id").loc[list(read["id"])]
    np.testing.assert_allclose(read["lon"].astype(float), source.geometry.x, atol=1e-7)
    np.testing.assert_allclose(read["lat"].astype(float), source.geometry.y, atol=1e-7)


@pytest.mark.parametrize(
    ("path", "params", "status", "message"),
    [
        ("/export/layers/key-projects.shp", {}, 400, "unknown export format"),
        ("/export/layers/no-such-layer.gpkg", {}, 404, "no-such-layer"),
        ("/export/layers/key-projects.gpkg", {"crs": "EPSG:4490"}, 400, "not a projected CRS"),
        ("/export/layers/key-projects.gpkg", {"crs": "EPSG:12345678"}, 400, "unknown CRS"),
        ("/export/layers/key-projects.kml", {"crs": "EPSG:4550"}, 400, "WGS84"),
        ("/export/layers/key-projects.dxf", {"crs": "EPSG:4326"}, 400, "projected"),
        ("/export/layers/key-projects.gpkg", {"crs": "EPSG:32618"}, 400, "outside"),
        ("/export/layers/key-projects.csv", {"geometry": "geojson"}, 400, "wkt"),
        ("/export/layers/key-projects.gpkg", {"bbox": "121.541,38.841,121.542,38.842"}, 400, "no features"),
    ],
)
def test_bad_download_requests(client, path, params, status, message):
    before = _export_dirs()
    response = client.get(path, params=params)
    assert response.status_code == status, response.text
    assert message in response.json()["description"]
    assert _export_dirs() <= before


def test_ogc_items_download(client, store, tmp_path):
    response = client.get("/collections/transit-lines/items", params={"f": "gpkg", "crs": "EPSG:4550"})
    assert response.status_code == 200, response.text
    assert "transit-lines.epsg4550.gpkg" in response.headers["content-disposition"]
    read = _read(response.content, ".gpkg", tmp_path)
    assert len(read) == len(store.layer("transit-lines"))
    assert read.crs.to_epsg() == 4550


def test_ogc_items_download_with_a_bad_format(client):
    response = client.get("/collections/transit-lines/items", params={"f": "xlsx"})
    assert response.status_code == 400


def test_a_download_refuses_a_misspelt_filter_like_the_json_path(client):
    response = client.get("/collections/key-projects/items", params={"f": "csv", "stauts": "重点实施"})
    assert response.status_code == 400
    assert "stauts" in response.json()["description"]
    filtered = client.get("/collections/key-projects/items", params={"f": "csv", "status": "重点实施"})
    assert filtered.status_code == 200
    every = client.get("/collections/key-projects/items", params={"f": "csv"})
    assert 1 < filtered.text.count("\n") < every.text.count("\n")
