"""GET /api/accessibility/isochrone and /nearest: on a hand-built grid plan (exact metres) and the real Xigang store."""

from __future__ import annotations

import json
import math

import geopandas as gpd
import pytest
import shapely
from fastapi.testclient import TestClient
from shapely.geometry import shape

from api.app import create_app
from api.service import PlanRegistry, PlanService
from geo.accessibility import isochrone
from geo.network import WalkNetwork
from layers.plan import Plan
from layers.rulesets import load_rulesets
from tests.geo.test_network import UTM, grid_graph, grid_xy, lonlat, point
from tests.geo.tiny_plan import SERVICE_CIRCLES_FILE
from tests.plans import write_plan

SERVICE_CIRCLES = load_rulesets([SERVICE_CIRCLES_FILE])
#: facilities of the grid plan: no elderly-care facility, like the real data
GRID_FACILITIES = {"culture-hall": ("culture", (50, 0)), "clinic": ("medical", (300, 300)),
                   "shop": ("convenience", (0, 0)), "park": ("park", (300, 0)), "gym": ("sport", (0, 300)),
                   "school": ("education", (150, 150))}


def grid_polygon(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    return shapely.Polygon([lonlat(x0, y0), lonlat(x1, y0), lonlat(x1, y1), lonlat(x0, y1)])


def grid_frames() -> dict[str, gpd.GeoDataFrame]:
    """A 3×3-block grid plan of 100 m blocks: the district is the square (-100, -100)–(400, 400) m
    (250,000 m²), split at x = 150 into two subdistricts."""
    stations = {"a-near": (100, 0), "b-mid": (300, 100), "c-far": (300, 300), "d-island": (50, -600)}
    return {
        "district": gpd.GeoDataFrame({"name": ["网格区"]}, geometry=[grid_polygon(-100, -100, 400, 400)],
                                     index=["grid"], crs=4326),
        "stations": gpd.GeoDataFrame(
            {"name": ["近站", "中站", "远站", "孤站"], "mode": ["metro"] * 4,
             "platforms": [2.0, 2.0, float("nan"), 1.0]},
            geometry=[point(x, y) for x, y in stations.values()], index=list(stations), crs=4326,
        ),
        "amenities": gpd.GeoDataFrame(
            {"name": list(GRID_FACILITIES), "kind": [kind for kind, _ in GRID_FACILITIES.values()]},
            geometry=[point(*xy) for _, xy in GRID_FACILITIES.values()], index=list(GRID_FACILITIES), crs=4326,
        ),
        "quarters": gpd.GeoDataFrame(
            {"name": ["西街道", "东街道"]},
            geometry=[grid_polygon(-100, -100, 150, 400), grid_polygon(150, -100, 400, 400)],
            index=["west", "east"], crs=4326,
        ),
    }


GRID_ROLES = {"boundary": "district", "transit_stations": "stations", "facilities": "amenities",
              "subdistricts": "quarters"}


def grid_service(tmp_path_factory, network: WalkNetwork | None) -> PlanService:
    """The grid plan loaded as a real plan, with the given walk network (or none)."""
    directory = tmp_path_factory.mktemp("grid")
    west, south = lonlat(-2000, -2000)
    east, north = lonlat(2000, 2000)
    plan_dir = write_plan(directory, "grid", grid_frames(), GRID_ROLES, map_area=[west, south, east, north],
                          rulesets={"service-circles": {"status": "own"}},
                          own_rulesets={"service-circles": SERVICE_CIRCLES_FILE.read_bytes()})
    return PlanService(Plan(plan_dir), network=network)


def client_for(service: PlanService) -> TestClient:
    app = create_app()
    app.state.plans = PlanRegistry([service], service.plan_id)
    return TestClient(app)  # no lifespan: the real plan is not needed


@pytest.fixture(scope="module")
def grid_client(tmp_path_factory) -> TestClient:
    return client_for(grid_service(tmp_path_factory, WalkNetwork.from_graph(grid_graph(), UTM)))


def strict_json(text: str):
    def refuse(constant: str):
        raise AssertionError(f"non-JSON constant {constant} in response")

    return json.loads(text, parse_constant=refuse)


def accessibility_url(endpoint: str, x: float, y: float, **params) -> str:
    """``/api/accessibility/<endpoint>`` at grid point (x, y) metres."""
    lon, lat = lonlat(x, y)
    query = "&".join(f"{k}={v}" for k, v in {"lon": lon, "lat": lat, **params}.items())
    return f"/api/accessibility/{endpoint}?{query}"


def isochrone_url(x: float, y: float, **params) -> str:
    return accessibility_url("isochrone", x, y, **params)


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


def test_isochrone_without_a_network_says_so(tmp_path_factory):
    client = client_for(grid_service(tmp_path_factory, None))
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
    return accessibility_url("nearest", x, y, **params)


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
    assert body["features"][2]["properties"]["platforms"] is None  # NaN becomes null, not invalid JSON


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


# ---------------------------------------------------------------------------------------------- coverage (grid)
DISTRICT_M2 = 500 * 500


def test_coverage_is_the_covered_district_then_each_subdistrict(grid_client):
    response = grid_client.get("/api/accessibility/coverage?ruleset=service-circles&target=culture&distance=150")
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    assert body["type"] == "FeatureCollection"
    assert [f["id"] for f in body["features"]] == ["coverage-culture", "west", "east"]
    covered = body["features"][0]
    props = covered["properties"]
    assert (props["target"], props["title_zh"], props["title_en"]) == ("culture", "文化设施", "culture facility")
    assert props["distance_m"] == 150.0
    assert props["facilities"] == 1
    assert props["method"] == "network"
    _, walk = isochrone(WalkNetwork.from_graph(grid_graph(), UTM), *lonlat(50, 0), 2)  # 2 min × 75 m/min
    assert props["covered_m2"] == pytest.approx(walk["area_m2"], rel=0.01)  # the walk lies inside the district
    assert props["district_area_m2"] == pytest.approx(DISTRICT_M2, rel=1e-6)
    assert props["share_of_district"] == pytest.approx(walk["area_m2"] / DISTRICT_M2, abs=1e-4)
    assert shape(covered["geometry"]).contains(point(50, 0))
    parts = {f["id"]: f["properties"] for f in body["features"][1:]}
    assert parts["west"]["name"] == "西街道"
    assert parts["west"]["area_m2"] == pytest.approx(250 * 500, rel=1e-6)
    assert sum(p["covered_m2"] for p in parts.values()) == pytest.approx(props["covered_m2"], rel=1e-3)
    for part in parts.values():
        assert part["share"] == pytest.approx(part["covered_m2"] / part["area_m2"], abs=1e-4)
    # 150 m from (50, 0) reaches x = 200 on y = 0: the band crosses into the east half, but most lies west
    assert parts["west"]["share"] > parts["east"]["share"] > 0


def test_coverage_distance_defaults_to_the_ruleset(grid_client):
    targets = {t.key: t for c in SERVICE_CIRCLES["service-circles"].criteria for t in c.targets}
    medical = grid_client.get("/api/accessibility/coverage?target=medical").json()["features"][0]["properties"]
    assert medical["distance_m"] == targets["medical"].max_m
    life = grid_client.get("/api/accessibility/coverage?target=life_circle_15min").json()["features"][0]
    default = SERVICE_CIRCLES["service-circles"].parameters["life_circle_walk_m"].default
    assert life["properties"]["distance_m"] == default
    assert life["properties"]["facilities_by_kind"] == {"convenience": 1, "park": 1, "sport": 1, "education": 1}


def test_life_circle_is_covered_only_where_every_kind_is(grid_client):
    def covered(target: str) -> dict:
        url = f"/api/accessibility/coverage?target={target}&distance=350"
        return grid_client.get(url).json()["features"][0]

    kinds = [covered(kind)["properties"]["share_of_district"] for kind in ("convenience", "park", "sport",
                                                                           "education")]
    life = covered("life_circle_15min")
    assert 0 < life["properties"]["share_of_district"] < min(kinds)
    # (100, 100) is 200, 300, 300 and 150 m from the shop, park, gym and school; (0, 0) is 600 m from the park
    polygon = shape(life["geometry"])
    assert polygon.contains(point(100, 100))
    assert not polygon.contains(point(0, 0))


def test_coverage_of_a_kind_without_facilities_is_zero_with_a_note(grid_client):
    response = grid_client.get("/api/accessibility/coverage?target=elderly")
    assert response.status_code == 200, response.text
    first, *parts = response.json()["features"]
    props = first["properties"]
    assert props["facilities"] == 0
    assert props["share_of_district"] == 0.0
    assert props["covered_m2"] == 0.0
    assert first["geometry"] is None
    assert any("elderly" in note for note in props["notes"])
    assert [p["properties"]["share"] for p in parts] == [0.0, 0.0]


def test_coverage_without_network_draws_circles_and_says_so(tmp_path_factory):
    client = client_for(grid_service(tmp_path_factory, None))
    props = client.get("/api/accessibility/coverage?target=culture&distance=130").json()["features"][0]["properties"]
    assert props["method"] == "straight-line÷1.3 circle"
    assert props["covered_m2"] == pytest.approx(math.pi * 100**2, rel=0.01)
    assert any("no street network" in note for note in props["notes"])


@pytest.mark.parametrize(
    "query, status, fragment",
    [
        ("ruleset=no-such", 400, "service-circles"),
        ("target=library", 400, "culture, medical, elderly"),
        ("target=culture&distance=0", 400, "greater than 0"),
        ("target=culture&distance=-100", 400, "greater than 0"),
        ("target=culture&distance=5001", 400, "at most 5000"),
        ("target=culture&distance=nan", 400, "finite"),
        ("target=culture&distance=far", 400, "distance"),
    ],
)
def test_coverage_bad_input_is_a_4xx_saying_what_to_fix(grid_client, query, status, fragment):
    response = grid_client.get(f"/api/accessibility/coverage?{query}")
    assert response.status_code == status, response.text
    assert fragment in response.json()["description"]


def test_coverage_is_computed_once_per_ruleset_target_and_distance(monkeypatch, tmp_path_factory):
    import geo.accessibility

    calls = []
    compute = geo.accessibility.coverage

    def counting(*args, **kwargs):
        calls.append(args[2])
        return compute(*args, **kwargs)

    monkeypatch.setattr(geo.accessibility, "coverage", counting)
    client = client_for(grid_service(tmp_path_factory, WalkNetwork.from_graph(grid_graph(), UTM)))
    first = client.get("/api/accessibility/coverage?target=culture&distance=150").json()
    again = client.get("/api/accessibility/coverage?target=culture&distance=150").json()
    assert first == again
    assert calls == [150.0]
    client.get("/api/accessibility/coverage?target=culture&distance=200")
    assert calls == [150.0, 200.0]


def test_coverage_summary_lists_every_target_with_its_shares(grid_client):
    response = grid_client.get("/api/accessibility/coverage/summary?ruleset=service-circles")
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    rows = {row["target"]: row for row in body["targets"]}
    assert list(rows) == ["culture", "medical", "elderly", "convenience", "park", "sport", "education",
                          "life_circle_15min"]
    assert [rows[k]["distance_m"] for k in ("culture", "medical", "elderly", "life_circle_15min")] == [
        500.0, 700.0, 500.0, 1000.0]
    assert body["district"]["area_m2"] == pytest.approx(DISTRICT_M2, rel=1e-6)
    assert [s["id"] for s in body["subdistricts"]] == ["west", "east"]
    assert rows["elderly"]["facilities"] == 0 and rows["elderly"]["share_of_district"] == 0.0
    assert rows["elderly"]["notes"]
    for row in rows.values():
        assert 0.0 <= row["share_of_district"] <= 1.0
        assert [s["id"] for s in row["subdistricts"]] == ["west", "east"]
        assert all(0.0 <= s["share"] <= 1.0 for s in row["subdistricts"])
    # the same numbers as the coverage endpoint
    culture = grid_client.get("/api/accessibility/coverage?target=culture").json()["features"][0]["properties"]
    assert rows["culture"]["share_of_district"] == culture["share_of_district"]


def test_coverage_summary_of_an_unknown_ruleset_is_a_400(grid_client):
    response = grid_client.get("/api/accessibility/coverage/summary?ruleset=nope")
    assert response.status_code == 400
    assert "service-circles" in response.json()["description"]


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


def real_coverage(client, target: str, distance: float | None = None) -> dict:
    query = f"target={target}" + (f"&distance={distance:g}" if distance is not None else "")
    response = client.get(f"/api/accessibility/coverage?ruleset=service-circles&{query}")
    assert response.status_code == 200, response.text
    return response.json()


def test_real_coverage_summary_of_xigang(client, store):
    real_network(store)
    response = client.get("/api/accessibility/coverage/summary?ruleset=service-circles")
    assert response.status_code == 200, response.text
    body = strict_json(response.text)
    rows = {row["target"]: row for row in body["targets"]}
    ruleset = store.rulesets["service-circles"]
    declared = {t.key: t for c in ruleset.criteria for t in c.targets}
    assert {"culture", "medical", "elderly", "life_circle_15min"} <= set(rows)
    for key in ("culture", "medical", "elderly"):
        assert rows[key]["distance_m"] == declared[key].max_m
    assert rows["life_circle_15min"]["distance_m"] == ruleset.parameters["life_circle_walk_m"].default
    kinds = store.layer("facilities")["kind"]
    for key in ("culture", "medical", "convenience", "park", "sport", "education"):
        assert rows[key]["facilities"] == int((kinds == key).sum()) > 0
        assert rows[key]["method"] == "network"
        assert 0 < rows[key]["share_of_district"] < 1
    # no elderly-care facility could be located: a real finding, not an error
    assert rows["elderly"]["facilities"] == 0
    assert rows["elderly"]["share_of_district"] == 0.0
    assert any("elderly" in note for note in rows["elderly"]["notes"])
    district_m2 = body["district"]["area_m2"]
    assert sum(s["area_m2"] for s in body["subdistricts"]) == pytest.approx(district_m2, rel=0.001)
    for row in rows.values():
        assert all(0.0 <= s["share"] <= 1.0 for s in row["subdistricts"])
        # the five subdistricts partition the district: their covered parts add up to the district's
        covered = sum(s["covered_m2"] for s in row["subdistricts"])
        assert covered == pytest.approx(row["share_of_district"] * district_m2, rel=0.01, abs=1.0)
    life = rows["life_circle_15min"]["share_of_district"]
    assert life <= min(rows[k]["share_of_district"] for k in ("convenience", "park", "sport", "education"))


@pytest.mark.parametrize("target", ["culture", "medical"])
def test_real_coverage_grows_with_distance(client, store, target):
    real_network(store)
    near = real_coverage(client, target, 500)
    far = real_coverage(client, target, 1000)
    near_props, far_props = near["features"][0]["properties"], far["features"][0]["properties"]
    assert 0 < near_props["share_of_district"] < far_props["share_of_district"] <= 1
    near_area = store.network.to_metric(shape(near["features"][0]["geometry"]))
    far_area = store.network.to_metric(shape(far["features"][0]["geometry"]))
    assert shapely.area(shapely.difference(near_area, far_area)) < 1.0  # 1000 m ⊇ 500 m
    for small, large in zip(near["features"][1:], far["features"][1:], strict=True):
        assert small["id"] == large["id"]
        assert small["properties"]["share"] <= large["properties"]["share"]


def test_real_coverage_lies_in_the_district_and_holds_its_facilities(client, store):
    real_network(store)
    body = real_coverage(client, "culture")
    polygon = shape(body["features"][0]["geometry"])
    assert shapely.area(shapely.difference(polygon, store.boundary)) < 1e-9
    facilities = store.layer("facilities")
    inside = facilities[(facilities["kind"] == "culture") & facilities.within(store.boundary)]
    assert len(inside)
    assert polygon.contains(shapely.union_all(inside.geometry.values))


def test_coverage_is_also_given_over_the_land_when_the_plan_has_a_land_role(client):
    summary = client.get("/api/accessibility/coverage/summary").json()
    district = summary["district"]
    assert 23.0e6 < district["land_area_m2"] < 23.3e6 < district["area_m2"]  # Xigang: 23.17 of 29.09 km²
    assert "GSHHG" in district["land_note"]
    for row in summary["targets"]:
        # over a smaller base, but only the covered part that is land counts (not reclaimed shore beyond GSHHG)
        at_most = row["share_of_district"] * district["area_m2"] / district["land_area_m2"]
        assert row["share_of_district"] <= row["share_of_land"] <= at_most + 2e-4
