"""Map builders: offline pages (no external URL), legends, escaping, GCJ-02 shift, simplification, assets."""

from __future__ import annotations

import html as html_lib
import json
import re

import folium
import geopandas as gpd
import numpy as np
import pytest
import shapely
from folium.plugins import MarkerCluster

from geo.crs import wgs84_to_gcj02
from maps import builders
from maps.assets import ASSETS, STATIC_DIR, UnknownAssetError, css_with_data_uris, localise_assets
from maps.builders import PageOptions
from maps.data import js_json, layer_payload, merge_lines, tolerance_for_zoom, zoom_for_bounds
from tests.maps.fixture_plan import RENMIN_SQUARE, XSS_PROJECT_NAME

EXTERNAL_REF = re.compile(r"""(?:\b(?:src|href)\s*=\s*["']?|url\(\s*["']?)(?:https?:)?//""", re.IGNORECASE)
ANY_URL = re.compile(r"https?://", re.IGNORECASE)


def all_pages(store, opts: PageOptions) -> dict[str, str]:
    return {
        "overview": builders.build_overview(store, opts),
        "zone": builders.build_zone_map(store, "zone-xss", opts),
        "project": builders.build_project_map(store, "project-xss", opts),
        "check": builders.build_check_map(store, opts),
        "embed": builders.build_embed(store, opts),
        "index": builders.build_index(store, opts),
    }


@pytest.fixture(scope="module")
def tiny_pages(tiny_store):
    return all_pages(tiny_store, PageOptions())


def test_default_pages_reference_no_external_url(tiny_pages):
    for name, html in tiny_pages.items():
        assert EXTERNAL_REF.findall(html) == [], name
        assert ANY_URL.findall(html) == [], f"{name}: {ANY_URL.findall(html)[:5]}"
        for local in re.findall(r"""(?:src|href)="([^"]+)\"""", html):
            # the service's own pages, files and sheets (the index's sheet buttons go to /export/map.pdf)
            assert local.startswith(("/static/", "/maps", "/export/map.pdf?", "data:", "#")), (name, local)


def test_pages_link_only_vendored_assets_that_exist(tiny_pages):
    linked = set()
    for html in tiny_pages.values():
        linked |= set(re.findall(r'(?:src|href)="/static/([^"]+)"', html))
    assert "vendor/leaflet/leaflet.js" in linked and "vendor/leaflet-draw/leaflet.draw.js" in linked
    for path in linked:
        assert (STATIC_DIR / path).is_file(), path
    # folium's CDN defaults we do not use are gone, not just re-pointed
    joined = "".join(tiny_pages.values())
    for dropped in ("jquery", "bootstrap", "font-awesome", "fontawesome", "awesome-markers", "glyphicons"):
        assert dropped not in joined.lower()


def test_every_declared_asset_is_vendored_with_a_licence():
    for asset in ASSETS.values():
        assert (STATIC_DIR / asset.path).is_file(), asset.path
        assert (STATIC_DIR / asset.licence).is_file(), asset.licence
        if asset.kind == "css":
            css = (STATIC_DIR / asset.path).read_text(encoding="utf-8")
            for ref in re.findall(r"""url\(\s*['"]?(?!data:|#)([^'")]+)""", css):
                assert (STATIC_DIR / asset.path).parent.joinpath(ref).resolve().is_file(), (asset.path, ref)


def test_unknown_cdn_asset_is_refused():
    m = folium.Map(tiles=None)
    MarkerCluster().add_to(m)
    with pytest.raises(UnknownAssetError, match="markercluster"):
        localise_assets(m)


def test_online_basemaps_reference_only_their_tile_host(tiny_store):
    osm = builders.build_overview(tiny_store, PageOptions(basemap="osm"))
    amap = builders.build_overview(tiny_store, PageOptions(basemap="amap"))
    tianditu = builders.build_overview(tiny_store, PageOptions(basemap="tianditu", tianditu_key="k-123"))
    hosts = lambda html: {m.split("/")[2] for m in re.findall(r"https?://[^\s\"'<>\\]+", html)}  # noqa: E731
    assert hosts(osm) == {"tile.openstreetmap.org", "www.openstreetmap.org"}
    assert hosts(amap) == {"webrd0{s}.is.autonavi.com"}
    assert hosts(tianditu) == {"t{s}.tianditu.gov.cn"}
    assert "tk=k-123" in tianditu
    with pytest.raises(ValueError, match="basemap"):
        builders.build_overview(tiny_store, PageOptions(basemap="tianditu"))
    with pytest.raises(ValueError, match="basemap"):
        builders.build_overview(tiny_store, PageOptions(basemap="google"))


def test_legend_has_every_layer_and_marks_schematic(tiny_store, tiny_pages):
    html = tiny_pages["overview"]
    legend = html[html.index('id="pm-legend"'):]
    legend = legend[:legend.index("</details>")]
    for spec in tiny_store.specs:
        assert f'data-layer="{spec.id}"' in legend
    # categories that occur in the data get a swatch each; the unused one (力争盘活) does not
    assert "重点实施" in legend and "拟推进" in legend and "力争盘活" not in legend
    entry = legend[legend.index('data-layer="key-projects"'):]
    assert "示意" in entry[:entry.index("</div>", entry.index("pm-legend-title"))]
    english = builders.build_overview(tiny_store, PageOptions(lang="en"))
    assert "Legend" in english and "schematic" in english and "Key projects" in english


def test_hostile_names_are_escaped_everywhere(tiny_pages):
    for name, html in tiny_pages.items():
        assert XSS_PROJECT_NAME not in html, name
        assert "<svg onload" not in html and "<script>alert" not in html, name
        assert "onerror=alert(1)>" not in html.replace("&gt;", "").replace("\\u003e", ""), name
    # the panel shows the name as escaped text; the data carries it as JSON with < and > escaped
    assert "&lt;img src=x onerror=alert(1)&gt;" in tiny_pages["project"]
    assert "\\u003cimg src=x onerror=alert(1)\\u003e" in tiny_pages["overview"]
    assert "&lt;svg onload=alert(2)&gt;" in tiny_pages["zone"]


def test_snippet_is_escaped_text(tiny_store):
    src = 'http://planmap.local/embed/projects/project-xss?a=1&b="2"'
    html = builders.build_project_map(tiny_store, "project-xss", PageOptions(snippet_src=src))
    textarea = html[html.index('<textarea id="pm-snippet" readonly>') + len('<textarea id="pm-snippet" readonly>'):]
    textarea = textarea[:textarea.index("</textarea>")]
    assert "<" not in textarea  # nothing in the textarea is markup
    snippet = html_lib.unescape(textarea)  # what the planner copies
    assert snippet.startswith("<iframe ") and snippet.endswith("></iframe>")
    tag = snippet[:snippet.index(">") + 1]
    attrs = dict(re.findall(r'(\w+)="([^"]*)"', tag))
    assert html_lib.unescape(attrs["src"]) == src
    assert XSS_PROJECT_NAME in html_lib.unescape(attrs["title"])
    assert "<img" not in tag  # the hostile name stays inside the title attribute, escaped


def test_js_json_cannot_close_a_script():
    text = js_json({"name": "</script><script>alert(1)</script>", "sep": "\u2028"})
    assert "</" not in text and "<" not in text and "\u2028" not in text
    assert json.loads(text) == {"name": "</script><script>alert(1)</script>", "sep": "\u2028"}


def test_gcj02_shift_of_renmin_square(tiny_store):
    spec = tiny_store.spec("transit-stations")
    wgs = json.loads(layer_payload(tiny_store, spec, zoom=14, datum="wgs84").geojson)
    gcj = json.loads(layer_payload(tiny_store, spec, zoom=14, datum="gcj02").geojson)
    pick = lambda doc: next(f for f in doc["features"] if f["properties"]["id"] == "metro-renmin-square")  # noqa: E731
    lon, lat = pick(wgs)["geometry"]["coordinates"]
    glon, glat = pick(gcj)["geometry"]["coordinates"]
    assert (lon, lat) == pytest.approx(RENMIN_SQUARE, abs=1e-6)
    assert glon - lon == pytest.approx(0.00495, abs=0.0001)
    assert glat - lat == pytest.approx(0.00078, abs=0.0001)
    expected = wgs84_to_gcj02(np.array([lon]), np.array([lat]))
    assert (glon, glat) == pytest.approx((expected[0][0], expected[1][0]), abs=1e-6)
    # every layer of the page is shifted, polygons too, and the page says its datum to the JS
    html = builders.build_overview(tiny_store, PageOptions(basemap="amap"))
    assert f"[{glon},{glat}]" in html
    assert '"crs":"gcj02"' in html
    zone = json.loads(layer_payload(tiny_store, tiny_store.spec("night-economy"), zoom=14, datum="gcj02").geojson)
    x0 = zone["features"][0]["geometry"]["coordinates"][0][0][0]
    assert x0 - 121.600 == pytest.approx(0.0049, abs=0.0002)


def test_zoom_and_tolerance_numbers():
    assert zoom_for_bounds((-180, -85, 180, 85), 256, 256) == 0
    # Xigang (~0.1° wide) on a 900 px map opens at zoom 13
    assert zoom_for_bounds((121.58, 38.88, 121.68, 38.93)) == 13
    assert tolerance_for_zoom(13) == pytest.approx(360 / 256 / 2 ** 15 / 2)


def test_long_line_layers_are_merged_and_simplified(tiny_store):
    spec = tiny_store.spec("streets")
    n = 600
    xs = np.linspace(121.59, 121.64, n + 1)
    wiggle = np.where(np.arange(n + 1) % 2, 1e-7, 0.0)  # sub-millimetre zig-zag: simplified away
    lines = shapely.linestrings(np.stack([np.column_stack([xs[:-1], 38.9 + wiggle[:-1]]),
                                          np.column_stack([xs[1:], 38.9 + wiggle[1:]])], axis=1))
    frame = gpd.GeoDataFrame({"id": [f"e{i}" for i in range(n)], "name": ["中山路"] * n, "highway": ["primary"] * n,
                              "source": "x", "method": "y", "accuracy_m": 5.0, "length": 7.0},
                             geometry=lines, crs=4326).set_index("id", drop=False)
    frame.index.name = None
    merged = merge_lines(frame, ["id", "name", "highway", "source", "method", "accuracy_m", "length"])
    assert len(merged) == 1
    assert merged.iloc[0]["length"] == pytest.approx(7.0 * n)
    assert shapely.get_num_coordinates(merged.geometry.values[0]) == n + 1
    payload = layer_payload(tiny_store, spec, zoom=13, datum="wgs84", frame=frame)
    doc = json.loads(payload.geojson)
    assert payload.count == n and len(doc["features"]) == 1
    assert len(doc["features"][0]["geometry"]["coordinates"]) == 2  # straight street: two vertices


def test_empty_layer_payload(tiny_store):
    spec = tiny_store.spec("key-projects")
    empty = tiny_store.layer("key-projects").iloc[0:0]
    payload = layer_payload(tiny_store, spec, zoom=13, frame=empty)
    assert json.loads(payload.geojson) == {"type": "FeatureCollection", "features": []}
    assert payload.bounds is None


def test_standalone_page_inlines_everything(tiny_store):
    from api.routers.maps import static_files

    html = builders.build_overview(tiny_store, PageOptions(assets=static_files()))
    # outside the inlined code (Leaflet's source holds its own homepage link as a string), nothing is referenced
    markup = re.sub(r"<(script|style)\b[^>]*>.*?</\1>", "", html, flags=re.DOTALL | re.IGNORECASE)
    assert re.findall(r"""(?:src|href)=["'](?!data:|#)""", markup) == []
    assert "<script src" not in html and "<link rel=\"stylesheet\"" not in html
    assert "L.version" in html or "Leaflet" in html
    assert "planmap.geojson" in html and "url(data:image/png;base64," in html
    assert "/static/" not in html


def test_css_images_become_data_uris():
    css = ".a{background:url(images/layers.png)} .b{background:url('x/none.png')} .c{behavior:url(#default#VML)}"
    out = css_with_data_uris(css, "vendor/leaflet/leaflet.css", {"vendor/leaflet/images/layers.png": b"\x89PNG"})
    assert "url(data:image/png;base64,iVBORw==)" in out
    assert "url('x/none.png')" in out and "url(#default#VML)" in out


def test_real_overview_is_small_enough(store):
    html = builders.build_overview(store, PageOptions())
    assert len(html.encode("utf-8")) < 1_500_000
    for spec in store.specs:
        assert f'data-layer="{spec.id}"' in html
    assert EXTERNAL_REF.findall(html) == []


def test_zone_and_project_pages_frame_the_feature(tiny_store):
    html = builders.build_zone_map(tiny_store, "zone-safe", PageOptions())
    fit = re.search(r"fitBounds\(\s*\[\[([\d.]+),\s*([\d.]+)\],\s*\[([\d.]+),\s*([\d.]+)\]\]", html)
    assert fit is not None
    s, w, n, e = map(float, fit.groups())
    assert w < 121.600 and e > 121.606 and s < 38.905 and n > 38.908  # the zone with a margin
    assert e - w < 0.02  # not the whole district
    assert "核查结果不可用" in html  # no audit passed in: the panel says so
    assert "东关街" in html and "示意" in html
    project = builders.build_project_map(tiny_store, "project-ok", PageOptions(lang="en"))
    assert "Audit" not in project and "Provenance" in project and "test fixture" in project


# ---------------------------------------------------------------------------------------------- labels and credits
def _page_setup(html: str) -> dict:
    start = html.index("planmap.init(")
    start = html.index("{", start)
    return json.JSONDecoder().raw_decode(html, start)[0]


def _layer_configs(html: str) -> list[dict]:
    """The config of every ``planmap.geojson`` call of a page (the layer's id, style, credits, …)."""
    decoder = json.JSONDecoder()
    configs = []
    for match in re.finditer(r"planmap\.geojson\(\w+, ", html):
        configs.append(decoder.raw_decode(html, match.end())[0])
    return configs


def _legend(html: str) -> str:
    legend = html[html.index('id="pm-legend"'):]
    return legend[:legend.index("</details>")]


def test_category_names_follow_the_page_language(tiny_store):
    english = builders.build_overview(tiny_store, PageOptions(lang="en"))
    legend = _legend(english)
    assert "Under implementation" in legend and "Proposed" in legend and "重点实施" not in legend
    # a code without a label shows as it is
    assert "metro" in legend and "tram" in legend
    projects = next(c for c in _layer_configs(english) if c["id"] == "key-projects")
    assert projects["value_labels"] == {"status": {"重点实施": "Under implementation", "拟推进": "Proposed",
                                                   "力争盘活": "To revitalise"}}
    chinese = builders.build_overview(tiny_store, PageOptions())
    assert "重点实施" in _legend(chinese) and "Under implementation" not in chinese
    # the project page's attribute table names the status too
    page = builders.build_project_map(tiny_store, "project-ok", PageOptions(lang="en"))
    panel = page[page.index('<table class="pm-attrs">'):]
    assert "<td>Proposed</td>" in panel[:panel.index("</table>")]


def test_real_overview_names_project_status_and_lines(store):
    english = builders.build_overview(store, PageOptions(lang="en"))
    legend = _legend(english)
    for words in ("Under implementation", "Proposed", "To revitalise", "Mentioned in the plan",
                  "Dalian Metro Line 2", "Tram 201", "Commercial complex", "Assumed stop"):
        assert words in legend, words
    assert "重点实施" not in legend
    # a schematic layer's title is not followed by "(schematic)" and the schematic badge both
    assert "(schematic)<span" not in legend
    chinese = _legend(builders.build_overview(store, PageOptions()))
    for words in ("重点实施", "拟推进", "大连地铁2号线", "有轨电车201路", "推定站点"):
        assert words in chinese, words


def test_overview_credits_openstreetmap_once(store):
    html = builders.build_overview(store, PageOptions(lang="en"))
    credits = _page_setup(html)["credits"]
    osm = [key for key, text in credits.items() if "OpenStreetMap" in text]
    assert osm == ["osm"]
    assert len(set(credits.values())) == len(credits)  # one line per credit
    assert {"osm", "gshhg", "amap", "schematic"} <= set(credits)
    configs = _layer_configs(html)
    by_id = {c["id"]: c for c in configs if c["interactive"]}
    # each OSM-derived layer asks for the one OSM credit; none carries its own attribution text any more
    for layer_id in ("transit-lines", "transit-stations", "streets", "layout-bays", "key-projects"):
        assert "osm" in by_id[layer_id]["credits"], layer_id
    assert by_id["coastline"]["credits"] == ["gshhg"]
    assert by_id["district-boundary"]["credits"] == ["amap"]
    assert "schematic" in by_id["layout-axis"]["credits"] and "osm" not in by_id["layout-axis"]["credits"]
    assert all("attribution" not in c for c in configs)
    # every credit a layer asks for is on the page
    assert {key for c in configs for key in c["credits"]} <= set(credits)


def test_osm_basemap_shares_its_credit_with_the_data(store):
    from maps.basemaps import OSM_ATTRIBUTION

    html = builders.build_overview(store, PageOptions(basemap="osm"))
    assert _page_setup(html)["credits"]["osm"] == OSM_ATTRIBUTION  # one text: Leaflet shows it once
    offline = _page_setup(builders.build_overview(store, PageOptions()))["credits"]
    assert "http" not in "".join(offline.values())  # offline pages hold no URL


def test_check_map_wires_the_walk_isochrone(tiny_store):
    """The check tool knows where to fetch the walk isochrone (drawn by planmap.js, shifted like other overlays)."""
    html = builders.build_check_map(tiny_store, PageOptions(api_url="/base/api", basemap="amap"))
    assert '"isochroneEndpoint":"/base/api/accessibility/isochrone"' in html
    assert '"crs":"gcj02"' in html
