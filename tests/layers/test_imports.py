"""The one site-file reader: every format, the CRS from the file or chosen, and the messages of bad files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import ezdxf
import geopandas as gpd
import numpy as np
import pytest
import shapely
from pyproj import Transformer

from geo.crs import wgs84_to_bd09, wgs84_to_gcj02
from layers.errors import ImportFileError, ImportTooLargeError
from layers.imports import parse_crs_choice, read_site_file

SITE = shapely.box(121.620, 38.9150, 121.6237, 38.91507)  # a 320 m × 8 m street in Dalian
LINE = shapely.LineString([(121.620, 38.915), (121.6237, 38.915)])
TO_4550 = Transformer.from_crs("EPSG:4326", "EPSG:4550", always_xy=True)


def projected(geometry: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geometry, lambda xy: np.column_stack(TO_4550.transform(xy[:, 0], xy[:, 1])))


def close(a: shapely.Geometry, b: shapely.Geometry, metres: float = 0.05) -> bool:
    return shapely.hausdorff_distance(a, b) < metres / 111_000


def frame_bytes(tmp_path: Path, driver: str, suffix: str, crs: str = "EPSG:4326", geometry=SITE) -> Path:
    frame = gpd.GeoDataFrame({"name": ["夜市街"], "merchants": [72]}, geometry=[geometry], crs=crs)
    path = tmp_path / f"site{suffix}"
    frame.to_file(path, driver=driver)
    return path


def test_geojson_feature_collection_defaults_to_wgs84():
    data = json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"name": "夜市街"}, "geometry": shapely.geometry.mapping(SITE)},
        {"type": "Feature", "properties": {}, "geometry": shapely.geometry.mapping(LINE)}]}).encode()
    result = read_site_file(data, "sites.geojson")
    assert (result.format, result.crs, result.crs_source) == ("GeoJSON", "EPSG:4326", "default")
    assert [s.name for s in result.sites] == ["夜市街", "sites 2"]
    assert result.sites[0].geometry.equals(SITE) and result.sites[1].geometry.geom_type == "LineString"


def test_geopackage_and_shapefile_take_the_crs_from_the_file(tmp_path):
    gpkg = frame_bytes(tmp_path, "GPKG", ".gpkg").read_bytes()
    result = read_site_file(gpkg, "site.gpkg")
    assert result.format == "GeoPackage" and result.crs == "EPSG:4326" and result.crs_source == "file"
    assert close(result.sites[0].geometry, SITE) and result.sites[0].properties["merchants"] == 72
    frame_bytes(tmp_path, "ESRI Shapefile", ".shp", crs="EPSG:4550", geometry=projected(SITE))
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        for path in tmp_path.glob("site.*"):
            if path.suffix != ".gpkg":
                zipped.write(path, f"地块/{path.name}")
    result = read_site_file(archive.getvalue(), "地块.zip")
    assert result.format == "Shapefile (zip)" and result.crs == "EPSG:4550" and result.sites[0].name == "夜市街"
    assert close(result.sites[0].geometry, SITE)
    with pytest.raises(ImportFileError, match="says EPSG:4550 but crs=EPSG:4547"):
        read_site_file(archive.getvalue(), "地块.zip", crs="EPSG:4547")


def test_kml_and_kmz(tmp_path):
    coords = " ".join(f"{x},{y},0" for x, y in SITE.exterior.coords)
    kml = (f'<?xml version="1.0" encoding="UTF-8"?><kml xmlns="http://www.opengis.net/kml/2.2"><Document>'
           f"<Placemark><name>夜市街</name><Polygon><outerBoundaryIs><LinearRing><coordinates>{coords}"
           "</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark></Document></kml>").encode()
    result = read_site_file(kml, "site.kml")
    assert result.format == "KML" and result.sites[0].name == "夜市街" and close(result.sites[0].geometry, SITE)
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("doc.kml", kml)
    kmz = read_site_file(archive.getvalue(), "site.kmz")
    assert kmz.format == "KMZ" and close(kmz.sites[0].geometry, SITE)


def test_dxf_closed_polylines_are_polygons_open_ones_lines(tmp_path):
    document = ezdxf.new()
    space = document.modelspace()
    space.add_lwpolyline(list(projected(SITE).exterior.coords)[:-1], close=True, dxfattribs={"layer": "红线"})
    space.add_lwpolyline(list(projected(LINE).coords), dxfattribs={"layer": "中线"})
    space.add_circle((0, 0), 5)
    document.saveas(tmp_path / "site.dxf")
    data = (tmp_path / "site.dxf").read_bytes()
    with pytest.raises(ImportFileError, match="no CRS"):
        read_site_file(data, "site.dxf")
    result = read_site_file(data, "site.dxf", crs="4550")
    assert result.crs == "EPSG:4550" and result.crs_source == "request"
    polygon, line = result.sites
    assert polygon.geometry.geom_type == "Polygon" and close(polygon.geometry, SITE)
    assert line.geometry.geom_type == "LineString" and close(line.geometry, LINE)
    assert polygon.name.startswith("红线 #") and result.warnings == ["忽略 1 个 CIRCLE 实体 ignored 1 CIRCLE entities"]


def test_csv_with_wkt_in_gbk_and_a_bad_row():
    text = "名称,wkt,商户数\n夜市街," + f'"{SITE.wkt}"' + ",72\n坏行,POLYGON((1 2,,,)),3\n"
    result = read_site_file(text.encode("gb18030"), "sites.csv")
    good, bad = result.sites
    assert good.name == "夜市街" and good.geometry.equals(SITE) and good.properties["商户数"] == "72"
    assert bad.geometry is None and "line 3: invalid WKT" in bad.problem


@pytest.mark.parametrize(("choice", "shift"), [("GCJ-02", wgs84_to_gcj02), ("BD-09", wgs84_to_bd09)])
def test_web_map_datums_are_shifted_back_to_wgs84(choice, shift):
    shifted = shapely.transform(SITE, lambda xy: np.column_stack(shift(xy[:, 0], xy[:, 1])))
    assert shapely.hausdorff_distance(shifted, SITE) > 0.003  # hundreds of metres apart
    data = json.dumps(shapely.geometry.mapping(shifted)).encode()
    result = read_site_file(data, "drawn.json", crs=choice.lower())
    assert result.crs == choice and close(result.sites[0].geometry, SITE, metres=0.5)


def test_bad_files_name_the_problem():
    with pytest.raises(ImportFileError, match="empty"):
        read_site_file(b"", "x.geojson")
    with pytest.raises(ImportFileError, match="not valid GeoJSON"):
        read_site_file(b"{nope", "x.geojson")
    with pytest.raises(ImportFileError, match="unknown file format"):
        read_site_file(b"\x00\x01binary", "x.bin")
    with pytest.raises(ImportFileError, match="zip holds no .shp"):
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as zipped:
            zipped.writestr("readme.txt", "hello")
        read_site_file(buffer.getvalue(), "x.zip")
    with pytest.raises(ImportFileError, match="unsupported crs 'EPSG:3857'"):
        parse_crs_choice("EPSG:3857")
    many = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": [121.62, 38.915]}}] * 201}
    with pytest.raises(ImportTooLargeError, match="201 features, more than 200"):
        read_site_file(json.dumps(many).encode(), "many.geojson")


def test_dxf_with_zone_numbers_in_the_eastings_is_read_in_that_zone(tmp_path):
    """CAD files often write CGCS2000 3° Gauss–Krüger eastings with the zone number (Dalian: zone 41, 41 5xx xxx m)."""
    prefixed = Transformer.from_crs("EPSG:4326", "EPSG:4529", always_xy=True)  # zone 41, central meridian 123° E
    outline = shapely.transform(SITE, lambda xy: np.column_stack(prefixed.transform(xy[:, 0], xy[:, 1])))
    assert 41_000_000 < outline.bounds[0] < 42_000_000
    document = ezdxf.new()
    document.modelspace().add_lwpolyline(list(outline.exterior.coords)[:-1], close=True)
    document.saveas(tmp_path / "prefixed.dxf")
    data = (tmp_path / "prefixed.dxf").read_bytes()
    result = read_site_file(data, "prefixed.dxf")
    assert (result.crs, result.crs_source) == ("EPSG:4529", "zone-prefix")
    assert close(result.sites[0].geometry, SITE) and "EPSG:4529" in result.warnings[-1]
    assert "41 带" in result.warnings[-1]
    # chosen explicitly it reads the same; eastings of two zones are not guessed
    assert close(read_site_file(data, "prefixed.dxf", crs="EPSG:4529").sites[0].geometry, SITE)
    space = document.modelspace()
    space.add_lwpolyline([(p[0] + 1_000_000, p[1]) for p in outline.exterior.coords][:-1], close=True)
    document.saveas(tmp_path / "two-zones.dxf")
    with pytest.raises(ImportFileError, match="no CRS"):
        read_site_file((tmp_path / "two-zones.dxf").read_bytes(), "two-zones.dxf")


def test_prefixed_zones_are_offered_as_choices():
    assert parse_crs_choice("4529") == "EPSG:4529" and parse_crs_choice("epsg:4513") == "EPSG:4513"
    with pytest.raises(ImportFileError, match="EPSG:4513–EPSG:4533"):
        parse_crs_choice("EPSG:4512")
