"""Exports round-trip: every format is read back with GDAL (pyogrio) and compared with the source."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from hypothesis import assume, given
from hypothesis import strategies as st
from pyproj import Transformer

from layers.catalogue import LayerSpec
from layers.exports import (
    DXF_APPID,
    DXF_LABEL_SUFFIX,
    FORMATS,
    ExportError,
    cad_text,
    cgcs2000_gauss_kruger_for,
    export_layer,
    parse_crs,
    read_dxf_xdata,
    uncad_text,
)

NAMES = ["青泥洼桥商圈", "东关街·历史文化街区 ©", "天津街 𠀋 “夜市” — café"]


def make_spec(layer_id: str, geometry_type: str, *, categories: bool = False) -> LayerSpec:
    style = {"color": "#d7301f", "weight": 2, "fill_color": "#fdae61", "fill_opacity": 0.3}
    if categories:
        style |= {"category_field": "status", "categories": {"重点实施": "#d7191c", "拟推进": "#fdae61"}}
    return LayerSpec.model_validate({
        "id": layer_id,
        "title": {"zh": "测试图层", "en": "Test layer"},
        "group": "重点项目",
        "geometry_type": geometry_type,
        "source_crs": "EPSG:4326",
        "file": f"{layer_id}.geojson",
        "fields": {
            "name": {"type": "string", "required": True},
            "status": {"type": "string"},
            "floors": {"type": "integer"},
            "ratio": {"type": "number"},
        },
        "style": style,
        "provenance": {"source": "unit test", "licence": "CC0", "method": "drawn by hand", "accuracy_m": 5},
    })


def make_frame(geometries: list) -> gpd.GeoDataFrame:
    n = len(geometries)
    ids = [f"f-{i}" for i in range(n)]
    frame = gpd.GeoDataFrame(
        {
            "id": ids,
            "name": NAMES[:n],
            "name_en": [f"Feature {i}" for i in range(n)],
            "status": ["重点实施", "拟推进", "重点实施"][:n],
            "floors": np.arange(3, 3 + n, dtype="int64"),
            "ratio": np.linspace(0.25, 0.75, n),
            "tags": [["夜市", "餐饮"], ["文化"], []][:n],
            "source": ["测试数据（手绘）"] * n,
            "method": ["drawn by hand"] * n,
            "accuracy_m": [5.0] * n,
            "schematic": [True, False, True][:n],
        },
        geometry=geometries,
        crs=4326,
        index=ids,
    )
    return frame


POINTS = [shapely.Point(121.6175, 38.9190), shapely.Point(121.6302, 38.9121), shapely.Point(121.5901, 38.9005)]
LINES = [
    shapely.LineString([(121.600, 38.910), (121.605, 38.912), (121.610, 38.911)]),
    shapely.MultiLineString([[(121.62, 38.90), (121.63, 38.905)], [(121.631, 38.905), (121.64, 38.91)]]),
]
POLYGONS = [
    shapely.Polygon([(121.60, 38.90), (121.61, 38.90), (121.61, 38.91), (121.60, 38.91)],
                    holes=[[(121.603, 38.903), (121.606, 38.903), (121.606, 38.906), (121.603, 38.906)]]),
    shapely.box(121.62, 38.92, 121.625, 38.926),
]

CASES = {
    "points": (make_spec("test-points", "Point", categories=True), POINTS),
    "lines": (make_spec("test-lines", "MultiLineString"), LINES),
    "polygons": (make_spec("test-polygons", "Polygon"), POLYGONS),
}


@pytest.fixture(params=sorted(CASES))
def case(request):
    spec, geometries = CASES[request.param]
    return spec, make_frame(geometries)


def _coords(geometry) -> np.ndarray:
    return shapely.get_coordinates(geometry)


def _expected(frame: gpd.GeoDataFrame, epsg: int) -> gpd.GeoDataFrame:
    return frame if epsg == 4326 else frame.to_crs(epsg)


def _assert_same_geometries(read: gpd.GeoSeries, source: gpd.GeoSeries, tolerance: float) -> None:
    for got, want in zip(read.values, source.values, strict=True):
        # GeoJSON (RFC 7946) may rewind rings and GeoPackage promotes mixed layers to Multi*: compare the
        # normalised parts
        assert got.geom_type.replace("Multi", "") == want.geom_type.replace("Multi", "")
        got_parts = shapely.normalize(shapely.get_parts(got))
        want_parts = shapely.normalize(shapely.get_parts(want))
        assert len(got_parts) == len(want_parts)
        assert shapely.equals_exact(got_parts, want_parts, tolerance=tolerance).all()


def _as_list(value) -> list:
    """Nested values come back as JSON text (GPKG, CSV, KML) or as a real array (GeoJSON)."""
    if isinstance(value, str):
        return json.loads(value) if value else []
    return [] if value is None else list(value)


def _assert_attributes(read: gpd.GeoDataFrame, frame: gpd.GeoDataFrame, *, typed: bool) -> None:
    assert list(read["name"]) == list(frame["name"])
    assert list(read["name_en"]) == list(frame["name_en"])
    assert list(read["status"]) == list(frame["status"])
    assert list(read["source"]) == list(frame["source"])
    assert [_as_list(v) for v in read["tags"]] == list(frame["tags"])
    if typed:
        assert [int(v) for v in read["floors"]] == list(frame["floors"])
        np.testing.assert_allclose(read["ratio"].astype(float), frame["ratio"], rtol=1e-12)
        assert [bool(v) for v in read["schematic"]] == list(frame["schematic"])
    else:  # CSV: every value is text
        assert [int(v) for v in read["floors"]] == list(frame["floors"])
        np.testing.assert_allclose(read["ratio"].astype(float), frame["ratio"], rtol=1e-9)


@pytest.mark.parametrize("epsg", [4326, 4550])
@pytest.mark.parametrize("fmt", ["geojson", "gpkg"])
def test_geojson_and_gpkg_round_trip(case, fmt, epsg, tmp_path):
    spec, frame = case
    result = export_layer(frame, spec, fmt, tmp_path, crs=f"EPSG:{epsg}")
    assert result.path.is_file() and result.count == len(frame)
    assert result.filename == (f"{spec.id}.{fmt}" if epsg == 4326 else f"{spec.id}.epsg{epsg}.{fmt}")
    info = pyogrio.read_info(result.path)
    assert info["features"] == len(frame)
    assert info["encoding"] == "UTF-8"
    read = pyogrio.read_dataframe(result.path)
    assert read.crs.to_epsg() == epsg
    assert list(read["id"]) == list(frame["id"])
    _assert_attributes(read, frame, typed=True)
    tolerance = 1e-7 if epsg == 4326 else 1e-3
    _assert_same_geometries(read.geometry, _expected(frame, epsg).geometry, tolerance)


def test_gpkg_layer_is_named_after_the_collection(case, tmp_path):
    spec, frame = case
    result = export_layer(frame, spec, "gpkg", tmp_path)
    assert [name for name, _ in pyogrio.list_layers(result.path)] == [spec.id]


def test_kml_round_trip(case, tmp_path):
    spec, frame = case
    result = export_layer(frame, spec, "kml", tmp_path)
    read = pyogrio.read_dataframe(result.path)
    assert len(read) == len(frame)
    assert list(read["id"]) == list(frame["id"])  # Placemark ids
    assert list(read["Name"]) == list(frame["name"])  # <name>, Chinese intact
    _assert_attributes(read.assign(name=read["Name"]), frame, typed=True)
    _assert_same_geometries(read.geometry.force_2d(), frame.geometry, 1e-7)
    text = result.path.read_text(encoding="utf-8")
    assert "<name>测试图层</name>" in text and NAMES[0] in text


@pytest.mark.parametrize("epsg", [4326, 4550])
def test_csv_wkt_round_trip(case, epsg, tmp_path):
    spec, frame = case
    result = export_layer(frame, spec, "csv", tmp_path, crs=f"EPSG:{epsg}")
    raw = result.path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM so that Excel shows Chinese
    assert NAMES[0].encode("utf-8") in raw
    read = pyogrio.read_dataframe(result.path)
    assert len(read) == len(frame)
    assert list(read["id"]) == list(frame["id"])
    _assert_attributes(read, frame, typed=False)
    tolerance = 1e-7 if epsg == 4326 else 1e-3
    _assert_same_geometries(read.geometry, _expected(frame, epsg).geometry, tolerance)


@pytest.mark.parametrize("epsg", [4326, 4550])
def test_csv_xy_columns(case, epsg, tmp_path):
    spec, frame = case
    result = export_layer(frame, spec, "csv", tmp_path, crs=f"EPSG:{epsg}", csv_geometry="xy")
    read = pyogrio.read_dataframe(result.path, read_geometry=False)
    x_name, y_name = ("lon", "lat") if epsg == 4326 else ("x", "y")
    expected = _expected(frame, epsg)
    anchors = [g if g.geom_type == "Point" else shapely.point_on_surface(g) for g in expected.geometry]
    np.testing.assert_allclose(read[x_name].astype(float), [p.x for p in anchors], atol=1e-6)
    np.testing.assert_allclose(read[y_name].astype(float), [p.y for p in anchors], atol=1e-6)
    assert "WKT" not in read.columns
    for anchor, geometry in zip(anchors, expected.geometry, strict=True):
        assert geometry.buffer(1e-6).covers(anchor)


def _dxf_parts(geometry) -> list:
    """What the DXF holds for a geometry: one entity per point, line, or polygon ring."""
    parts = []
    for part in shapely.get_parts(geometry):
        if part.geom_type == "Polygon":
            parts.extend([part.exterior, *part.interiors])
        else:
            parts.append(part)
    return parts


@pytest.mark.parametrize("crs", [None, "EPSG:4550", "EPSG:32651"])
def test_dxf_round_trip_with_gdal(case, crs, tmp_path):
    spec, frame = case
    result = export_layer(frame, spec, "dxf", tmp_path, crs=crs)
    epsg = 4550 if crs is None else int(crs.split(":")[1])  # CAD defaults to the CGCS2000 GK zone (123° E)
    assert result.crs.to_epsg() == epsg
    assert b"ANSI_936" in result.path.read_bytes()[:4000]
    read = pyogrio.read_dataframe(result.path)
    labels = read[read["Layer"] == spec.id + DXF_LABEL_SUFFIX]
    shapes = read[read["Layer"] != spec.id + DXF_LABEL_SUFFIX]
    # every feature: its parts as entities, and one text label with its name (Chinese decoded by GDAL)
    expected = _expected(frame, epsg)
    parts = [part for geometry in expected.geometry for part in _dxf_parts(geometry)]
    assert len(shapes) == len(parts)
    assert sorted(uncad_text(t) for t in labels["Text"]) == sorted(frame["name"])
    got = np.concatenate([_coords(g)[:, :2] for g in shapes.geometry])
    want = np.concatenate([_coords(p) for p in parts])
    assert got.shape[0] >= want.shape[0] - len(parts)  # closed rings may drop the repeated first vertex
    for point in want:
        assert np.min(np.hypot(*(got - point).T)) < 1e-3
    if spec.style.category_field:
        assert set(shapes["Layer"]) == {f"{spec.id}-{value}" for value in frame["status"]}
    else:
        assert set(shapes["Layer"]) == {spec.id}


def test_dxf_carries_every_attribute_as_xdata(case, tmp_path):
    import ezdxf

    spec, frame = case
    result = export_layer(frame, spec, "dxf", tmp_path)
    doc = ezdxf.readfile(result.path)
    assert doc.header["$INSUNITS"] == 6  # metres
    by_id: dict[str, dict[str, str]] = {}
    for entity in doc.modelspace():
        if entity.dxf.layer.endswith(DXF_LABEL_SUFFIX) or not entity.has_xdata(DXF_APPID):
            continue
        attributes = read_dxf_xdata(entity.get_xdata(DXF_APPID))
        by_id[attributes["id"]] = attributes
    assert sorted(by_id) == sorted(frame["id"])
    for fid, row in frame.iterrows():
        got = by_id[fid]
        assert got["name"] == row["name"]  # including characters outside GBK (©, 𠀋, é)
        assert got["status"] == row["status"]
        assert int(got["floors"]) == row["floors"]
        assert float(got["ratio"]) == pytest.approx(row["ratio"])
        assert json.loads(got["tags"]) == row["tags"]
        assert got["source"] == row["source"]


def test_long_values_survive_dxf_chunking(tmp_path):
    import ezdxf

    spec = make_spec("test-long", "Point")
    frame = make_frame(POINTS[:1])
    frame["source"] = "来源说明" * 60 + " end"
    result = export_layer(frame, spec, "dxf", tmp_path)
    entity = next(e for e in ezdxf.readfile(result.path).modelspace() if e.dxftype() == "POINT")
    assert read_dxf_xdata(entity.get_xdata(DXF_APPID))["source"] == "来源说明" * 60 + " end"


# ---------------------------------------------------------------------------------------------------- real layers
def test_every_layer_of_the_plan_exports_to_gpkg_and_dxf(store, tmp_path):
    for spec in store.specs:
        frame = store.layer(spec.id)
        gpkg = export_layer(frame, spec, "gpkg", tmp_path)
        read = pyogrio.read_dataframe(gpkg.path)
        assert len(read) == len(frame), spec.id
        assert list(read["id"]) == list(frame["id"]), spec.id
        assert list(read["name"].fillna("")) == list(frame["name"].fillna("")), spec.id
        dxf = export_layer(frame, spec, "dxf", tmp_path)
        labels = pyogrio.read_dataframe(dxf.path, read_geometry=False)
        labels = labels[labels["Layer"] == spec.id + DXF_LABEL_SUFFIX]
        named = frame[spec.style.label_field].dropna().astype(str).str.strip()
        assert sorted(uncad_text(t) for t in labels["Text"]) == sorted(named[named != ""]), spec.id


def test_district_boundary_in_cgcs2000_matches_pyproj(store, tmp_path):
    spec = store.spec("district-boundary")
    frame = store.layer(spec.id)
    result = export_layer(frame, spec, "geojson", tmp_path, crs="EPSG:4550")
    read = pyogrio.read_dataframe(result.path)
    to_gk = Transformer.from_crs(4326, 4550, always_xy=True)
    lon, lat = shapely.get_coordinates(frame.geometry.iloc[0])[0]
    x, y = to_gk.transform(lon, lat)
    first = shapely.get_coordinates(read.geometry.iloc[0])
    assert np.min(np.hypot(first[:, 0] - x, first[:, 1] - y)) < 0.01
    # central Dalian lies about 120 km west of the 123° E central meridian (false easting 500 km)
    assert 370_000 < x < 400_000 and 4_300_000 < y < 4_320_000


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize(
    ("fmt", "crs", "message"),
    [
        ("shp", None, "unknown export format"),
        ("geojson", "EPSG:999999", "unknown CRS"),
        ("geojson", "not-a-crs", "unknown CRS"),
        ("gpkg", "EPSG:4490", "not a projected CRS"),
        ("kml", "EPSG:4550", "always holds WGS84"),
        ("dxf", "EPSG:4326", "needs a projected CRS"),
        ("gpkg", "EPSG:32633", "outside"),
        ("csv", "EPSG:4534", "outside"),
    ],
)
def test_bad_requests_raise_export_error(fmt, crs, message, tmp_path):
    spec, geometries = CASES["points"]
    with pytest.raises(ExportError, match=message):
        export_layer(make_frame(geometries), spec, fmt, tmp_path, crs=crs)
    assert list(tmp_path.iterdir()) == []


def test_empty_selection_is_refused(tmp_path):
    spec, geometries = CASES["points"]
    with pytest.raises(ExportError, match="holds no features"):
        export_layer(make_frame(geometries).iloc[0:0], spec, "geojson", tmp_path)


def test_bad_csv_geometry_option(tmp_path):
    spec, geometries = CASES["points"]
    with pytest.raises(ExportError, match="wkt"):
        export_layer(make_frame(geometries), spec, "csv", tmp_path, csv_geometry="geojson")  # type: ignore[arg-type]


def test_export_error_is_a_value_error_for_the_api():
    assert issubclass(ExportError, ValueError)


@pytest.mark.parametrize(
    ("text", "epsg"),
    [("EPSG:4550", 4550), ("4550", 4550), ("urn:ogc:def:crs:EPSG::4550", 4550),
     ("http://www.opengis.net/def/crs/EPSG/0/32651", 32651), ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326)],
)
def test_crs_spellings(text, epsg):
    assert parse_crs(text).to_epsg() == epsg


@pytest.mark.parametrize(("lon", "epsg"), [(121.6, 4550), (75.2, 4534), (134.9, 4554), (116.4, 4548)])
def test_gauss_kruger_zone(lon, epsg):
    assert cgcs2000_gauss_kruger_for(lon).to_epsg() == epsg


def test_gauss_kruger_zone_outside_china():
    with pytest.raises(ExportError, match="outside"):
        cgcs2000_gauss_kruger_for(10.0)


def test_formats_are_declared():
    assert set(FORMATS) == {"geojson", "gpkg", "kml", "csv", "dxf"}


@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_cad_text_round_trips(text):
    assume("\\U+" not in text.upper())
    escaped = cad_text(text)
    escaped.encode("gbk")  # everything left is GBK
    assert uncad_text(escaped) == text
