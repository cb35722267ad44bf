"""OSM PBF streets (pyosmium) and the prepared-plan cache: the same plan whether read from files or the cache."""

from __future__ import annotations

import numpy as np
import osmium
import pandas as pd
import pytest
import shapely
import yaml

from api.service.plans import load_service
from api.service.prepared import PreparedPlanCache, network_arrays, plan_blob, plan_from_blob
from layers.plan import load_plan
from tests.geo import tiny_plan as tp

#: a small street grid (metres in the tiny plan's frame): node id → x, y, and ways
NODES = {1: (-500, 4), 2: (160, 4), 3: (800, 4), 4: (160, 100), 5: (160, 600), 6: (160, 700), 7: (480, 4),
         8: (480, 300), 9: (160, 300)}
WAYS = {10: ([1, 2, 7, 3], "主街"), 11: ([2, 4, 9, 5, 6], "北街"), 12: ([7, 8, 9], "斜街")}


def _write_osm(path) -> None:
    writer = osmium.SimpleWriter(str(path))
    try:
        for node, (x, y) in NODES.items():
            lon, lat = tp.to_lonlat(shapely.Point(x, y)).coords[0]
            writer.add_node(osmium.osm.mutable.Node(id=node, location=(lon, lat), version=1, tags={}))
        for way, (refs, name) in WAYS.items():
            writer.add_way(osmium.osm.mutable.Way(id=way, nodes=refs, version=1,
                                                  tags={"highway": "residential", "name": name}))
    finally:
        writer.close()


def _plan_with_streets(directory, plan_id: str, suffix: str, provider: str):
    plan_dir = tp.write_plan(directory, plan_id)
    _write_osm(plan_dir / "data" / f"streets.{suffix}")
    catalogue = yaml.safe_load((plan_dir / "catalogue.yaml").read_text(encoding="utf-8"))
    catalogue["plan"]["roles"]["streets"] = "streets"
    catalogue["layers"].append({
        "id": "streets", "title": {"zh": "街道", "en": "Streets"}, "group": "基础", "geometry_type": "LineString",
        "source_crs": "EPSG:4326", "provider": provider, "file": f"streets.{suffix}",
        "fields": {"name": {"type": "string"}},
        "provenance": {"source": "test", "licence": "ODbL", "method": "synthetic", "accuracy_m": 0}})
    (plan_dir / "catalogue.yaml").write_text(yaml.safe_dump(catalogue, allow_unicode=True), encoding="utf-8")
    return plan_dir


@pytest.fixture(scope="module")
def plans(tmp_path_factory):
    directory = tmp_path_factory.mktemp("plans")
    _plan_with_streets(directory, "pbf", "osm.pbf", "osm-pbf")
    _plan_with_streets(directory, "xml", "osm", "osm-xml")
    return directory


def _check(service):
    return service.check_site(shapely.geometry.mapping(tp.STREET), "night-economy-street",
                              attributes={"merchants": 40})


def test_pbf_streets_give_the_xml_network(plans):
    pbf, xml = load_service("pbf", plans, cache_dir=None), load_service("xml", plans, cache_dir=None)
    # osmnx simplifies away the bends (4, 5, 8): ends 1, 3, 6 and junctions 2, 7, 9 remain
    assert pbf.network.node_count == xml.network.node_count == 6
    for key, value in network_arrays(xml.network).items():
        np.testing.assert_array_equal(network_arrays(pbf.network)[key], value, err_msg=key)
    pd.testing.assert_frame_equal(pbf.layer("streets"), xml.layer("streets"))
    assert set(pbf.layer("streets")["name"]) == {"主街", "北街", "斜街"}
    assert _check(pbf)["criteria"] == _check(xml)["criteria"]


def test_cache_is_written_once_and_gives_the_same_plan(plans, tmp_path):
    cold = load_service("pbf", plans, cache_dir=tmp_path)
    assert not cold.source.from_cache
    folders = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    assert [p.name for p in folders] == [f"pbf-{cold.data_hash[:20]}"]
    assert (folders[0] / "network.npz").is_file() and (folders[0] / "layers" / "streets.parquet").is_file()
    warm = load_service("pbf", plans, cache_dir=tmp_path)
    assert warm.source.from_cache and warm.data_hash == cold.data_hash
    for spec in cold.specs:
        pd.testing.assert_frame_equal(warm.layer(spec.id), cold.layer(spec.id), check_exact=True)
    for key, value in network_arrays(cold.network).items():
        np.testing.assert_array_equal(network_arrays(warm.network)[key], value, err_msg=key)
    assert _check(warm) == _check(cold)
    assert warm.graph.number_of_nodes() == cold.graph.number_of_nodes()  # read from the file on demand

    # another data file → another hash → the cache is not used
    data = plans / "pbf" / "data" / "stops.geojson"
    original = data.read_bytes()
    try:
        data.write_bytes(original.replace(b'"test fixture"', b'"test fixture 2"'))
        changed = load_service("pbf", plans, cache_dir=tmp_path)
        assert changed.data_hash != cold.data_hash and not changed.source.from_cache
    finally:
        data.write_bytes(original)
    # a damaged cache is read around, never fatal
    for layer in (folders[0] / "layers").iterdir():
        layer.write_bytes(b"broken")
    assert PreparedPlanCache(tmp_path).load(load_plan("pbf", plans)) is None
    again = load_service("pbf", plans, cache_dir=tmp_path)
    assert not again.source.from_cache and _check(again) == _check(cold)


def test_plan_blob_rebuilds_the_analysis_data(plans):
    service = load_service("pbf", plans, cache_dir=None)
    data = plan_from_blob(plan_blob(service.data))
    assert data.roles == {k: tuple(v) for k, v in service.data.roles.items()}
    assert data.boundary.equals_exact(service.data.boundary, 0)
    from geo.checks import run_check

    ruleset = service.ruleset("night-economy-street")
    assert run_check(tp.STREET, ruleset, data) == run_check(tp.STREET, ruleset, service.data)
