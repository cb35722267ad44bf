"""GET /api/accessibility/isochrone and /nearest: on a hand-built grid plan (exact metres) and the real Xigang store."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from api.app import create_app
from api.deps import get_store
from geo.network import WalkNetwork
from layers.errors import LayerNotFoundError
from tests.geo.test_network import UTM, grid_graph, grid_xy, lonlat, point


class GridStore:
    """The parts of PlanStore the accessibility router uses, over a 3×3-block grid of 100 m blocks."""

    def __init__(self, network: WalkNetwork | None) -> None:
        self.network = network
        west, south = lonlat(-2000, -2000)
        east, north = lonlat(2000, 2000)
        self.plan = SimpleNamespace(map_area=(west, south, east, north), streets_layer=None)
        self.boundary = shapely.box(*lonlat(-100, -100), *lonlat(400, 400))
        stations = {"a-near": (100, 0), "b-mid": (300, 100), "c-far": (300, 300), "d-island": (50, -600)}
        self._layers = {
            "transit-stations": gpd.GeoDataFrame(
                {"id": list(stations), "name": ["近站", "中站", "远站", "孤站"], "mode": ["metro"] * 4,
                 "accuracy_m": [15.0, 15.0, float("nan"), 15.0]},
                geometry=[point(x, y) for x, y in stations.values()], index=list(stations), crs=4326,
            )
        }

    def layer(self, layer_id: str) -> gpd.GeoDataFrame:
        if layer_id not in self._layers:
            raise LayerNotFoundError(f"no collection {layer_id!r}; collections are: transit-stations")
        return self._layers[layer_id]


def client_for(store: GridStore) -> TestClient:
    app = create_app()
    app.dependency_overrides[get_store] = lambda: store
    return TestClient(app)  # no lifespan: the real plan is not needed


@pytest.fixture(scope="module")
def grid_client() -> TestClient:
    return client_for(GridStore(WalkNetwork.from_graph(grid_graph(), UTM)))


def strict_json(text: str):
    def refuse(constant: str):
        raise AssertionError(f"non-JSON constant {constant} in response")

    return json.loads(text, parse_constant=refuse)


def isochrone_url(x: float, y: float, **params) -> str:
    lon, lat = lonlat(x, y)
    query = "&".join(f"{k}={v}" for k, v in {"lon": lon, "lat": lat, **params}.items())
    return f"/api/accessibility/isochrone?{query}"


def test_isochrone_is_a_geojson_polygon_feature_around_the_point(grid_client):
    response = grid_client.get(isochrone_url(50, 0, minutes=2))
    assert response.status_code == 200
    feature = strict_json(response.text)
    assert feature["type"] == "Feature"
    polygon = shape(feature["geometry"])
    assert polygon.geom_type == "Polygon"
    assert polygon.contains(point(50, 0))
    props = feature["properties"]
    assert props["method"] == "network"
    assert props["minutes"] == 2.0
    assert props["speed_m_per_min"] == 75.0
    assert props["distance_m"] == 150.0
    assert props["area_m2"] > 150 * 70
    assert props["warnings"] == []


def test_isochrone_area_grows_with_minutes_and_speed(grid_client):
    areas = [grid_client.get(isochrone_url(50, 0, minutes=m)).json()["properties"]["area_m2"] for m in (1, 2, 3)]
    assert areas[0] < areas[1] < areas[2]
    slow = grid_client.get(isochrone_url(50, 0, minutes=2, speed=50)).json()["properties"]
    assert slow["distance_m"] == 100.0
    assert slow["area_m2"] < areas[1]


def test_isochrone_warns_outside_the_district_and_off_the_network(grid_client):
    props = grid_client.get(isochrone_url(50, -1000, minutes=5)).json()["properties"]
    assert props["method"] == "straight-line÷1.3 circle"
    assert any("outside the district boundary" in w for w in props["warnings"])
    assert any("300 m from any street" in w for w in props["warnings"])


def test_isochrone_without_a_network_says_so():
    client = client_for(GridStore(None))
    props = client.get(isochrone_url(50, 0, minutes=5)).json()["properties"]
    assert props["method"] == "straight-line÷1.3 circle"
    assert any("no street network" in w for w in props["warnings"])


@pytest.mark.parametrize(
    "query, status, fragment",
    [
        ("lat=38.91&minutes=5", 400, "lon"),
        ("lon=abc&lat=38.91", 400, "lon"),
        ("lon=nan&lat=38.91", 400, "finite"),
        ("lon=121.62&lat=inf", 400, "finite"),
        ("lon=200&lat=38.91", 422, "±180"),
        ("lon=38.91&lat=121.62", 422, "swapped"),
        ("lon=540000&lat=4310000", 422, "projected metres"),
        ("lon=116.40&lat=39.90", 422, "outside this plan's map area"),
        ("lon=121.62&lat=38.91&minutes=0", 400, "minutes"),
        ("lon=121.62&lat=38.91&minutes=-3", 400, "minutes"),
        ("lon=121.62&lat=38.91&minutes=61", 400, "at most 60"),
        ("lon=121.62&lat=38.91&minutes=nan", 400, "minutes"),
        ("lon=121.62&lat=38.91&speed=0", 400, "speed"),
        ("lon=121.62&lat=38.91&speed=1e9", 400, "speed"),
    ],
)
def test_isochrone_bad_input_is_a_4xx_saying_what_to_fix(grid_client, query, status, fragment):
    response = grid_client.get(f"/api/accessibility/isochrone?{query}")
    assert response.status_code == status, response.text
    body = response.json()
    assert body["status"] == status
    assert fragment in body["description"]


def nearest_url(x: float, y: float, **params) -> str:
    lon, lat = lonlat(x, y)
    query = "&".join(f"{k}={v}" for k, v in {"lon": lon, "lat": lat, **params}.items())
    return f"/api/accessibility/nearest?{query}"


def test_nearest_lists_features_by_walking_distance_with_routes(grid_client):
    response = grid_client.get(nearest_url(50, 0, limit=3))
    assert response.status_code == 200
    body = strict_json(response.text)
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == ["a-near", "b-mid", "c-far"]
    first, second = body["features"][:2]
    assert first["properties"]["distance_m"] == 50.0
    assert second["properties"]["distance_m"] == 350.0
    assert second["properties"]["straight_m"] == pytest.approx(math.hypot(250, 100), abs=0.1)
    assert second["properties"]["method"] == "network"
    assert second["properties"]["rank"] == 2
    assert second["properties"]["name"] == "中站"
    route = shape(second["properties"]["route"])
    assert route.geom_type == "LineString"
    start = grid_xy(route)[0]
    assert math.hypot(start[0] - 50, start[1]) < 0.01
    assert body["features"][2]["properties"]["accuracy_m"] is None  # NaN becomes null, not invalid JSON


def test_nearest_falls_back_for_features_off_the_network_and_says_so(grid_client):
    body = grid_client.get(nearest_url(50, 0, limit=4)).json()
    island = next(f for f in body["features"] if f["id"] == "d-island")
    assert island["properties"]["method"] == "straight-line×1.3"
    assert island["properties"]["distance_m"] == pytest.approx(600 * 1.3, abs=0.1)
    assert island["properties"]["route"] is None
    assert any("300 m from any street" in w for w in body["warnings"])


@pytest.mark.parametrize(
    "params, status, fragment",
    [
        ({"layer": "no-such-layer"}, 404, "no collection"),
        ({"limit": 0}, 400, "limit"),
        ({"limit": 51}, 400, "limit"),
        ({"detour": 0.5}, 400, "detour"),
    ],
)
def test_nearest_bad_input(grid_client, params, status, fragment):
    response = grid_client.get(nearest_url(50, 0, **params))
    assert response.status_code == status, response.text
    assert fragment in response.json()["description"]


# ---------------------------------------------------------------------------------------------- real Xigang store


def real_network(store):
    if store.graph is None:
        pytest.skip("the Xigang streets layer is not in the catalogue (store.graph is None)")
    return store.network


def test_real_walk_from_renmin_square_to_yierjiu_street_station(store):
    from geo.accessibility import walking_distances

    network = real_network(store)
    stations = store.layer("transit-stations")
    renmin = stations.loc[stations["name"] == "人民广场"].geometry.iloc[0]
    target = stations.loc[stations["name"] == "一二九街"]
    result = walking_distances(network, renmin, target)
    row = result.iloc[0]
    assert row["method"] == "network"
    assert row["straight_m"] > 500
    assert row["straight_m"] <= row["distance_m"] <= 1.6 * row["straight_m"]
    assert shapely.length(network.to_metric(row["route"])) == pytest.approx(row["distance_m"], rel=1e-6)


def test_real_network_is_one_walkable_piece_in_metres(store):
    network = real_network(store)
    assert network.node_count > 100
    streets = store.layer("streets")
    assert network.edge_count == len(streets)
    total_km = network.edge_length.sum() / 1000
    assert total_km == pytest.approx(streets.to_crs(store.metric_crs).length.sum() / 1000, rel=1e-6)


def test_real_isochrone_from_renmin_square(client, store):
    real_network(store)
    renmin = store.layer("transit-stations").loc[lambda f: f["name"] == "人民广场"].geometry.iloc[0]
    areas = []
    for minutes in (5, 15):
        response = client.get(f"/api/accessibility/isochrone?lon={renmin.x}&lat={renmin.y}&minutes={minutes}")
        assert response.status_code == 200, response.text
        feature = response.json()
        assert feature["properties"]["method"] == "network"
        assert "OpenStreetMap" in (feature["properties"]["attribution"] or "")
        polygon = shape(feature["geometry"])
        assert polygon.contains(renmin)
        areas.append(feature["properties"]["area_m2"])
    # a 15-minute walk (1125 m) covers far more than a 5-minute one, and less than the crow-flies disc
    assert 3 * areas[0] < areas[1] < math.pi * 1125**2


def test_real_nearest_stations_to_renmin_square(client, store):
    real_network(store)
    renmin = store.layer("transit-stations").loc[lambda f: f["name"] == "人民广场"].geometry.iloc[0]
    response = client.get(f"/api/accessibility/nearest?lon={renmin.x}&lat={renmin.y}&layer=transit-stations&limit=3")
    assert response.status_code == 200, response.text
    features = response.json()["features"]
    assert features[0]["properties"]["name"] == "人民广场"
    assert features[0]["properties"]["distance_m"] == 0.0
    distances = [f["properties"]["distance_m"] for f in features]
    assert distances == sorted(distances)
