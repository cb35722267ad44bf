"""``planmap export map`` and ``planmap export layer``: files written, read back; exit 2 on bad input."""

from __future__ import annotations

import io

import pyogrio
import pytest
from PIL import Image
from pypdf import PdfReader

from api.cli import main


def test_export_map_png(tmp_path, capsys):
    out = tmp_path / "overview.png"
    code = main(["export", "map", "--out", str(out), "--dpi", "60", "--date", "2026-03-01",
                 "--layers", "district-boundary,transit-lines"])
    assert code == 0
    with Image.open(out) as image:
        assert image.size == (701, 496)
    assert "rendered in" in capsys.readouterr().err


def test_export_map_pdf_for_a_zone(tmp_path, store):
    zone = store.layer("layout-street-areas").iloc[0]
    out = tmp_path / "zone.pdf"
    assert main(["export", "map", "--out", str(out), "--zone", zone["id"], "--date", "2026-03-01"]) == 0
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text().replace("\n", "")
    assert zone["name"] in text and "图例" in text


def test_export_map_same_bytes_as_the_api(tmp_path, client):
    out = tmp_path / "sheet.png"
    args = {"layers": "district-boundary,coastline", "dpi": "50", "date": "2026-03-01"}
    assert main(["export", "map", "--out", str(out), *[f"--{k}={v}" for k, v in args.items()]]) == 0
    assert out.read_bytes() == client.get("/export/map.png", params=args).content


@pytest.mark.parametrize("fmt", ["geojson", "gpkg", "kml", "csv", "dxf"])
def test_export_layer(tmp_path, store, fmt):
    out = tmp_path / f"stations.{fmt}"
    assert main(["export", "layer", "transit-stations", "--format", fmt, "--out", str(out)]) == 0
    read = pyogrio.read_dataframe(out)
    frame = store.layer("transit-stations")
    if fmt == "dxf":
        read = read[read["Layer"] != "transit-stations-注记"]
    assert len(read) == len(frame)


def test_export_layer_in_cgcs2000(tmp_path):
    out = tmp_path / "boundary.gpkg"
    assert main(["export", "layer", "district-boundary", "--format", "gpkg", "--out", str(out),
                 "--crs", "EPSG:4550"]) == 0
    assert pyogrio.read_info(out)["crs"] == "EPSG:4550"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["export", "map", "--out", "{tmp}/x.jpg"], ".png, .svg or .pdf"),
        (["export", "map", "--out", "{tmp}/x.png", "--dpi", "400"], "dpi"),
        (["export", "map", "--out", "{tmp}/x.png", "--zone", "nowhere"], "no zone"),
        (["export", "map", "--out", "{tmp}/x.png", "--layers", "nothing"], "nothing"),
        (["export", "map", "--out", "{tmp}/x.png", "--bbox", "1,2"], "bbox"),
        (["export", "layer", "nothing", "--format", "gpkg", "--out", "{tmp}/x.gpkg"], "no collection"),
        (["export", "layer", "coastline", "--format", "gpkg", "--out", "{tmp}/x.gpkg", "--crs", "EPSG:4490"],
         "not a projected CRS"),
        (["export", "layer", "coastline", "--format", "dxf", "--out", "{tmp}/x.dxf", "--crs", "EPSG:4326"],
         "projected"),
        (["export", "layer", "coastline", "--format", "csv", "--out", "{tmp}/no/such/dir/x.csv"], "cannot write"),
    ],
)
def test_bad_input_exits_2(tmp_path, capsys, argv, message):
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    assert main(argv) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_unknown_format_is_an_argparse_error(tmp_path):
    with pytest.raises(SystemExit) as exit_info:
        main(["export", "layer", "coastline", "--format", "shp", "--out", str(tmp_path / "x.shp")])
    assert exit_info.value.code == 2
