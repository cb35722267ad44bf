"""Batch screening: the site-file reader, rows equal to single checks feature for feature, the CLI, Dask."""

from __future__ import annotations

import math

import ezdxf
import geopandas as gpd
import pandas as pd
import pytest
import shapely

from api.cli import main
from api.service import PlanService
from api.service.errors import BadRequestError
from api.service.screening import ScreeningJob, screen
from geo.network import WalkNetwork
from layers.errors import ImportFileError
from layers.imports import read_sites
from layers.plan import load_plan
from tests.geo import tiny_plan as tp

RULESET = "night-economy-street"


def _sites_m() -> list[tuple[str, str, shapely.Geometry, int | None]]:
    """(id, name, metric geometry, merchants): street polygons along the tiny plan's streets, a far one, a bow-tie."""
    return [
        ("a", "主街", tp.STREET_M, 72),
        ("b", "短街", shapely.box(0, 0, 120, 6), 12),
        ("c", "北街", shapely.box(156, 120, 164, 560), None),
        ("d", "远街", shapely.box(600, 300, 900, 310), 40),
        ("e", "斜街", shapely.Polygon([(0, 0), (200, 60), (204, 50), (4, -10)]), 55),
        ("f", "坏", shapely.Polygon([(0, 0), (100, 100), (100, 0), (0, 100)]), 3),  # bow-tie: refused
    ]


@pytest.fixture(scope="module")
def service(tmp_path_factory) -> PlanService:
    directory = tmp_path_factory.mktemp("plans")
    tp.write_plan(directory)
    plan = load_plan("tiny", directory)
    return PlanService(plan, network=WalkNetwork.from_graph(tp.graph(), tp.METRIC))


@pytest.fixture(scope="module")
def sites_frame() -> gpd.GeoDataFrame:
    rows = _sites_m()
    return gpd.GeoDataFrame({"id": [r[0] for r in rows], "name": [r[1] for r in rows],
                             "shops": pd.array([r[3] for r in rows], dtype="Int64")},
                            geometry=[tp.to_lonlat(r[2]) for r in rows], crs=4326)


def _job(service: PlanService, **parameters) -> ScreeningJob:
    return ScreeningJob.for_plan(service, RULESET, {"merchants": "shops"}, parameters)


def test_rows_equal_single_checks_feature_for_feature(service, sites_frame, tmp_path):
    path = tmp_path / "sites.geojson"
    sites_frame.to_file(path)
    sites = read_sites(path)
    assert list(sites["input_id"]) == list("abcdef") and sites.loc[0, "name"] == "主街"
    result = screen(service.data, _job(service, bus_stop_walk_m="300"), sites, workers=1)
    frame = result.frame
    assert list(frame["input_id"]) == list("abcdef")
    for (fid, _, geometry_m, shops), (_, row) in zip(_sites_m(), frame.iterrows(), strict=True):
        attributes = {} if shops is None else {"merchants": shops}
        try:
            single = service.check_site(shapely.geometry.mapping(tp.to_lonlat(geometry_m)), RULESET,
                                        attributes=attributes, parameters={"bus_stop_walk_m": "300"},
                                        from_text=True)
        except Exception as exc:  # noqa: BLE001 — the same refusal as the single check
            assert row["overall"] == "error" and row["error"] == str(exc), fid
            continue
        assert row["overall"] == single["overall"], fid
        for criterion in single["criteria"]:
            assert row[f"status_{criterion['id']}"] == criterion["status"], (fid, criterion["id"])
        for key in ("length_m", "width_mean_m", "width_min_m", "area_m2"):
            assert row[key] == single["measurements"][key], (fid, key)
        transit = next(c for c in single["criteria"] if c["id"] == "transit")["value"]
        assert row["dist_transit_bus_stop_m"] == transit["bus_stop"]
        assert row["n_fail"] == single["summary"]["fail"]
    assert frame.loc[0, "length_m"] == pytest.approx(320.0, abs=0.5)
    assert frame.loc[0, "status_merchants"] == "pass" and frame.loc[1, "status_merchants"] == "fail"
    assert frame.loc[2, "status_merchants"] == "needs-data"
    assert "not valid" in frame.loc[5, "error"]
    assert result.summary()["error"] == 1 and result.summary()["sites"] == 6


def test_forked_workers_give_the_in_process_rows(service, sites_frame, tmp_path, monkeypatch):
    many = pd.concat([sites_frame] * 12, ignore_index=True)
    many["id"] = [f"s{i}" for i in range(len(many))]
    path = tmp_path / "many.gpkg"
    many.to_file(path)
    sites = read_sites(path)
    one = screen(service.data, _job(service), sites, workers=1).frame
    two = screen(service.data, _job(service), sites, workers=2).frame
    pd.testing.assert_frame_equal(one, two)
    assert len(two) == 72 and list(two["input_id"][:3]) == ["s0", "s1", "s2"]


def test_reader_reads_csv_wkt_and_dxf_in_a_given_crs(tmp_path):
    csv = tmp_path / "sites.csv"
    street = tp.to_lonlat(tp.STREET_M)
    csv.write_text(f'编号,名称,WKT\nk1,甲,"{street.wkt}"\nk2,乙,NOT WKT\n', encoding="utf-8")
    frame = read_sites(csv)
    assert list(frame["input_id"]) == ["k1", "k2"] and list(frame["name"]) == ["甲", "乙"]
    assert frame.geometry.iloc[0].equals_exact(street, 1e-12)
    assert frame.geometry.iloc[1] is None and "invalid WKT" in frame.loc[1, "problem"]

    document = ezdxf.new()
    space = document.modelspace()
    x0, y0 = tp._FWD.transform(*tp.ORIGIN)
    space.add_lwpolyline([(x0, y0), (x0 + 320, y0), (x0 + 320, y0 + 8), (x0, y0 + 8)], close=True,
                         dxfattribs={"layer": "地块A"})
    space.add_line((x0, y0), (x0 + 50, y0), dxfattribs={"layer": "路"})
    dxf = tmp_path / "sites.dxf"
    document.saveas(dxf)
    with pytest.raises(ImportFileError, match="choose crs="):
        read_sites(dxf)
    frame = read_sites(dxf, crs="32651")
    assert [name.split(" #")[0] for name in frame["name"]] == ["地块A", "路"]  # layer and entity handle
    assert frame.geometry.iloc[0].geom_type == "Polygon"
    assert shapely.area(tp.to_local(frame.geometry.iloc[0])) == pytest.approx(320 * 8, rel=1e-6)
    assert frame.geometry.iloc[1].geom_type == "LineString"


def test_unknown_attribute_field_is_refused(service, sites_frame, tmp_path):
    path = tmp_path / "sites.geojson"
    sites_frame.to_file(path)
    with pytest.raises(BadRequestError, match="column"):
        screen(service.data, ScreeningJob(service.ruleset(RULESET), {"merchants": "nope"}), read_sites(path))


def test_cli_writes_one_row_per_feature_with_a_summary(tmp_path, monkeypatch, capsys, sites_frame):
    plans = tmp_path / "plans"
    tp.write_plan(plans)
    monkeypatch.setenv("PLANMAP_PLANS_DIR", str(plans))
    monkeypatch.setenv("PLANMAP_CACHE_DIR", "off")
    path = tmp_path / "sites.geojson"
    sites_frame.to_file(path)
    for suffix in ("csv", "gpkg", "geojson"):
        out = tmp_path / f"result.{suffix}"
        code = main(["screen", str(path), "--ruleset", RULESET, "--plan", "tiny", "--out", str(out),
                     "--attr-field", "merchants=shops", "--param", "bus_stop_walk_m=300", "--workers", "1"])
        err = capsys.readouterr().err
        assert code == 0, err
        assert "6 sites:" in err and "1 not checked" in err and "[####" in err
        table = pd.read_csv(out) if suffix == "csv" else gpd.read_file(out)
        assert list(table["input_id"]) == list("abcdef")
        assert table.loc[0, "status_merchants"] == "pass"
        assert math.isclose(float(table.loc[0, "length_m"]), 320.0, abs_tol=0.5)
    code = main(["screen", str(path), "--ruleset", "nope", "--plan", "tiny", "--out", str(tmp_path / "x.csv")])
    assert code == 2 and "unknown ruleset" in capsys.readouterr().err


def test_dask_local_cluster_gives_the_local_engine_s_rows(service, sites_frame, tmp_path):
    pytest.importorskip("dask_geopandas")
    from distributed import Client, LocalCluster

    many = pd.concat([sites_frame] * 4, ignore_index=True)
    many["id"] = [f"s{i}" for i in range(len(many))]
    path = tmp_path / "many.geojson"
    many.to_file(path)
    sites = read_sites(path)
    local = screen(service.data, _job(service), sites, workers=1).frame
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster, timeout="60s") as client:
        client.wait_for_workers(2, timeout=60)
        remote = screen(service.data, _job(service), sites, engine="dask", scheduler=cluster.scheduler_address,
                        plan_key="tiny-test").frame
        held = client.run(lambda: sorted(__import__("api.service.screening_dask", fromlist=["_WORKER_PLANS"])
                                         ._WORKER_PLANS))
    pd.testing.assert_frame_equal(local, remote)
    assert len(held) == 2 and all(keys == ["tiny-test"] for keys in held.values())
