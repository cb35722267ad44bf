"""Build the PLAN layers of the Xigang dataset ("一轴两湾三街四片区", business circles, night economy,
subdistricts, key projects) as small WGS84 GeoJSON files in ``layers/plans/xigang/data/``.

No surveyed geometry exists for any of these. Every shape here is drawn from anchors that do exist:

* the converted district boundary (``district-boundary.geojson``) and the GSHHG coastline (land/sea split);
* OpenStreetMap station and tram-stop positions (``../shared/data/raw/dalian_transit_osm/dalian.geojson``);
* place facts in ``../shared/data/facts/xigang_places.md`` (cited below as "facts §N"), mostly Baidu BD-09 app
  points, converted here with the standard BD-09 → GCJ-02 → WGS84 chain (±100–250 m, facts §27);
* the named road centre lines of the street-network helper (``data/anchors/named_roads.geojson``) where present;
  a road missing there is drawn here from the facts and says so in its ``method``.

Geometry is built in UTM 51N (EPSG:32651) and written in EPSG:4326. Run ``python -m data.build_plan``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon, mapping, shape
from shapely.ops import nearest_points, polygonize, unary_union

from geo.crs import bd09_to_wgs84 as crs_bd09_to_wgs84

ROOT = Path(__file__).resolve().parents[1]
from data.xigang_common import SHARED  # noqa: E402

RAW = SHARED / "data" / "raw"
OUT_DIR = ROOT / "layers" / "plans" / "xigang" / "data"
BOUNDARY_FILE = OUT_DIR / "district-boundary.geojson"
TRANSIT_FILE = RAW / "dalian_transit_osm" / "dalian.geojson"
COAST_FILE = RAW / "dalian_coastline_gshhg" / "gshhg_full_coastline_dalian_central.geojson"
ROADS_FILE = ROOT / "data" / "anchors" / "named_roads.geojson"

METRIC = "EPSG:32651"
_TO_M = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
_TO_LL = Transformer.from_crs(METRIC, "EPSG:4326", always_xy=True)

S_FACTS = "../shared/data/facts/xigang_places.md"
DOC_000 = "西政办发〔2021〕25号 夜经济提案答复 (seed 000)"
DOC_001 = "西岗区服务业发展“十四五”规划 (seed 001)"
DOC_003 = "西岗区“十四五”规划纲要 (seed 003)"
S_000 = f"{DOC_000} 二(一)、二(二)、二(四)"
S_001 = f"{DOC_001} 二(二)"
S_001_LAYOUT = f"{DOC_001} 二(二)1 空间布局"
S_001_SD = f"{DOC_001} 二(二)2 承载街道"
S_003 = f"{DOC_003} 第六章"
S_003_BOX = f"{DOC_003} 专栏4"
S_OSM = "© OpenStreetMap contributors (ODbL), via norman-mei/metro-tools"
S_BOUNDARY = "district-boundary layer (Amap outline converted to WGS84)"
S_COAST = "GSHHG 2.3.7 full-resolution coastline (LGPL)"
S_ROADS = "data/anchors/named_roads.geojson"


def sources(*parts: str) -> str:
    """Source parts joined with "; ", empty parts and repeats dropped (no "; ;" and no "专栏4 专栏4")."""
    seen: list[str] = []
    for part in parts:
        part = (part or "").strip().strip(";").strip()
        if part and part not in seen:
            seen.append(part)
    return "; ".join(seen)


def check_source(fid: str, source: str) -> None:
    """A source string names something in every part and never repeats a citation."""
    import re

    parts = [p.strip() for p in source.split(";")]
    if not source or any(not p for p in parts) or len(parts) != len(set(parts)):
        raise ValueError(f"{fid}: empty or repeated part in source {source!r}")
    if re.search(r"(专栏\d+)\s*\1", source):
        raise ValueError(f"{fid}: doubled citation in {source!r}")


NOT_SURVEYED = "Schematic: drawn by planmap from the plan text; not a surveyed or official boundary."


# ---------------------------------------------------------------------------------------------- coordinates
def bd09_to_wgs84(lat: float, lng: float) -> tuple[float, float]:
    """A Baidu BD-09 (lat, lng) app point as WGS84 (lon, lat), through :func:`geo.crs.bd09_to_wgs84`."""
    lon, lat_ = crs_bd09_to_wgs84(np.array([lng]), np.array([lat]))
    return float(lon[0]), float(lat_[0])


def to_metric(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.column_stack(_TO_M.transform(c[:, 0], c[:, 1])))


def to_lonlat(geom: shapely.Geometry) -> shapely.Geometry:
    return shapely.transform(geom, lambda c: np.column_stack(_TO_LL.transform(c[:, 0], c[:, 1])))


def pt(lon: float, lat: float) -> Point:
    """A WGS84 lon/lat as a metric point."""
    return to_metric(Point(lon, lat))


# ---------------------------------------------------------------------------------------------- anchors
# App points (Baidu BD-09, 3-4 decimals) from facts §2, §4, §19–§27. Each converts with ±100–250 m (facts §27).
APP_BD09: dict[str, tuple[float, float, str]] = {
    # subdistrict offices and communities (facts §2, tagged with their subdistrict in the app)
    "八一路街道林茂社区": (38.8991, 121.639, "§2"),
    "八一路街道八一社区": (38.8931, 121.654, "§2"),
    "八一路街道桃山社区": (38.8939, 121.648, "§2"),
    "白云街道天池社区": (38.9032, 121.615, "§2"),
    "白云街道迎春社区": (38.8952, 121.630, "§2"),
    "人民广场街道胜利社区": (38.9125, 121.627, "§2"),
    "人民广场街道石葵社区": (38.8987, 121.632, "§2"),
    "人民广场街道北岗社区": (38.9300, 121.621, "§2"),
    "人民广场街道更生社区": (38.9267, 121.619, "§2"),
    "人民广场街道九三社区": (38.9223, 121.622, "§2"),
    "日新街道更新社区": (38.9196, 121.629, "§2"),
    "香炉礁街道人大工委": (38.9349, 121.604, "§2"),
    "香炉礁街道劳动保障事务所": (38.9348, 121.603, "§2"),
    "香荣社区": (38.9375, 121.599, "§2 (no subdistrict tag)"),
    "工人村社区": (38.9405, 121.603, "§2 (no subdistrict tag)"),
    "金海社区": (38.941, 121.611, "§2 (no subdistrict tag)"),
    "站北街道办事处/日新街道调解庭": (38.9376, 121.641, "§2, §21"),
    # places
    "恒隆广场": (38.9127, 121.616, "§19, §27"),
    "奥林匹克广场": (38.9155, 121.616, "§19, §27"),
    "星海商城": (38.9153, 121.617, "§19, §27"),
    "印象城": (38.9161, 121.615, "§19, §27"),
    "时尚百盛": (38.9168, 121.616, "§19"),
    "壹佰商场": (38.9125, 121.622, "§19"),
    "大连市政府": (38.9197, 121.621, "§22, §27"),
    "中央复兴里(长江路×长春路)": (38.9245, 121.625, "§3, §27"),
    "北京公园(新开路610号)": (38.9222, 121.625, "§15, §27"),
    "润德广场(新开路)": (38.9222, 121.622, "§15"),
    "凯旋商城": (38.9298, 121.638, "§21, §27"),
    "莫斯科购物广场": (38.9337, 121.642, "§21"),
    "百年港湾奥特莱斯": (38.9364, 121.613, "§20, §27"),
    "百年港湾奥特莱斯A1区": (38.9377, 121.613, "§20"),
    "大连理工大学石油化工学院(中山路)": (38.9178, 121.633, "§17, §27"),
    "八一路派出所": (38.8922, 121.644, "§4, §27"),
    "口腔医院八一路门诊部": (38.892, 121.645, "§4"),
    "八一小学": (38.8941, 121.653, "§4"),
    "白云街派出所": (38.9015, 121.612, "§27"),
    "亿达天琴山(长春路南段)": (38.9047, 121.626, "§3, §27"),
    "检察便民工作站(长春路)": (38.894, 121.639, "§3"),
    "大连付家庄医院": (38.8785, 121.639, "§23, §27"),
    "惠君庭(付家庄华泰街)": (38.8765, 121.633, "§23, §27"),
    "大同小学": (38.9174, 121.618, "§10"),
}
APP = {name: bd09_to_wgs84(lat, lng) for name, (lat, lng, _) in APP_BD09.items()}

# Encyclopedic WGS84 coordinates.
#: DICP old site at 一二九街@中山路 (facts §0, §17; ja.wikipedia, medium): lon, lat
DICP_OLD_SITE = (121.623944, 38.914667)

#: OSM nodes used as anchors (facts §26 names them; positions read from the OSM export)
OSM_NODES = {
    "一二九街": "node/10722771104",  # metro L2 station
    "人民广场": "node/10722780300",  # metro L2 station
    "香炉礁": "node/10758028161",  # metro L3 station
    "大连站": "node/9006301317",  # metro L5 station (listed in Xigang, facts §21)
    "东关街": "node/544296646",  # tram 201 stop (facts §5)
    "市场街": "node/544296647",  # tram 201 stop
    "北京街": "node/544296648",  # tram 201 stop
    "大同街": "node/544296649",  # tram 201 stop
    "胜利桥": "node/544296644",  # tram 201 stop at Victory Bridge (facts §7)
    "大连火车站": "node/544296645",  # tram 201 stop at the railway station
    "白云雁水": "node/613700728",  # Haida cableway station (facts §24)
    "莲花山": "node/613700727",  # cableway station on 莲花山 (facts §24)
    "森林动物园南门": "node/613700726",  # cableway station at the zoo's south gate
}


def load_osm_nodes() -> dict[str, tuple[float, float]]:
    raw = json.loads(TRANSIT_FILE.read_text(encoding="utf-8"))
    by_id = {f["properties"].get("@id"): f["geometry"]["coordinates"] for f in raw["features"]
             if f["geometry"]["type"] == "Point"}
    return {name: tuple(by_id[node]) for name, node in OSM_NODES.items()}


# ---------------------------------------------------------------------------------------------- base geometry
class Base:
    """The district (metric), its land part, the shoreline inside it, the OSM anchors and the named roads."""

    def __init__(self) -> None:
        boundary = shape(json.loads(BOUNDARY_FILE.read_text(encoding="utf-8"))["features"][0]["geometry"])
        self.boundary_ll = boundary
        self.boundary = to_metric(boundary)
        coast = unary_union([shape(f["geometry"]) for f in
                             json.loads(COAST_FILE.read_text(encoding="utf-8"))["features"]])
        self.coast = to_metric(coast)
        # Land = the largest face of the district cut by the coastline (23.2 km²; the rest is harbour water
        # the Amap outline includes on the north side and tiny rocks in the south).
        pieces = list(polygonize(unary_union([self.boundary.boundary,
                                              self.coast.intersection(self.boundary.buffer(50))])))
        pieces = [p for p in pieces if self.boundary.buffer(1).contains(p)]
        self.land = max(pieces, key=lambda p: p.area)
        self.sea = self.boundary.difference(self.land)
        shore = self.coast.intersection(self.boundary.buffer(1))
        self.shore = shapely.line_merge(shore) if shore.geom_type == "MultiLineString" else shore
        self.north_shore = unary_union([g for g in getattr(self.shore, "geoms", [self.shore])
                                        if g.centroid.y > pt(121.6, 38.92).y and g.length > 1000])
        near = self.coast.intersection(self.boundary.buffer(300))
        self.south_shore = unary_union([g for g in getattr(near, "geoms", [near])
                                        if g.centroid.y < pt(121.6, 38.90).y])
        self.osm = load_osm_nodes()
        self.roads, self.roads_source = load_named_roads()

    def station(self, name: str) -> Point:
        return pt(*self.osm[name])

    def app(self, name: str) -> Point:
        return pt(*APP[name])


def load_named_roads() -> tuple[dict[str, shapely.Geometry], dict[str, dict[str, Any]]]:
    """Named road centre lines (metric) from the street helper's anchors file, merged per name, and the
    properties of each name's first feature (id, width_m, width_est_m, accuracy_m, method)."""
    if not ROADS_FILE.is_file():
        return {}, {}
    raw = json.loads(ROADS_FILE.read_text(encoding="utf-8"))
    parts: dict[str, list[shapely.Geometry]] = {}
    props_of: dict[str, dict[str, Any]] = {}
    for item in raw.get("features", []):
        props = item.get("properties") or {}
        name = props.get("name")
        if not name or not item.get("geometry"):
            continue
        parts.setdefault(name, []).append(to_metric(shape(item["geometry"])))
        props_of.setdefault(name, props)
    merged = {}
    for name, geoms in parts.items():
        union = unary_union(geoms)
        merged[name] = shapely.line_merge(union) if union.geom_type == "MultiLineString" else union
    return merged, props_of


def longest_line(geom: shapely.Geometry) -> LineString:
    if geom.geom_type == "LineString":
        return geom
    return max(geom.geoms, key=lambda g: g.length)


def orient(line: LineString, north_first: bool = True) -> LineString:
    """Orient a line so that it starts at its northern end (or southern end)."""
    start_north = line.coords[0][1] >= line.coords[-1][1]
    return line if start_north == north_first else LineString(line.coords[::-1])


def nearest_on(geom: shapely.Geometry, point: Point) -> Point:
    return nearest_points(geom, point)[0]


def street_polygon(centre: LineString, width_m: float) -> Polygon:
    """The street area: the centre line buffered by half the width with flat caps."""
    return centre.buffer(width_m / 2.0, cap_style="flat", join_style="mitre", mitre_limit=3.0)


def hull_buffer(points: Iterable[Point], distance_m: float) -> Polygon:
    """Convex hull of anchor points grown by a margin (a schematic zone around them)."""
    return shapely.convex_hull(shapely.MultiPoint(list(points))).buffer(distance_m, quad_segs=8)


def single(geom: shapely.Geometry) -> Polygon:
    """Keep the largest polygon of a clip result (slivers from clipping are dropped)."""
    geom = shapely.make_valid(geom)
    if geom.geom_type == "Polygon":
        return geom
    polys = [g for g in getattr(geom, "geoms", []) if g.geom_type == "Polygon"]
    return max(polys, key=lambda g: g.area)


# ---------------------------------------------------------------------------------------------- features
def feature(fid: str, name: str, name_en: str, geom_m: shapely.Geometry, *, source: str, method: str,
            accuracy_m: float, schematic: bool, lonlat: bool = False, **props: Any) -> dict[str, Any]:
    geom = geom_m if lonlat else to_lonlat(geom_m)
    geom = shapely.make_valid(shapely.set_precision(geom, 1e-7))
    if geom.geom_type == "MultiPolygon":
        geom = max(geom.geoms, key=lambda g: g.area)
    if geom.geom_type == "GeometryCollection":
        geom = max((g for g in geom.geoms if g.area > 0), key=lambda g: g.area)
    assert geom.is_valid and not geom.is_empty, fid
    check_source(fid, source)
    properties = {"id": fid, "name": name, "name_en": name_en, "source": source, "method": method,
                  "accuracy_m": float(accuracy_m), "schematic": bool(schematic)}
    properties.update(props)
    return {"type": "Feature", "id": fid, "properties": properties, "geometry": mapping(geom)}


def write(layer_id: str, features: list[dict[str, Any]]) -> None:
    path = OUT_DIR / f"{layer_id}.geojson"
    doc = {"type": "FeatureCollection", "name": layer_id, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False, indent=None) + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}: {len(features)} features")


# ---------------------------------------------------------------------------------------------- roads
def _fallback_roads(base: Base) -> dict[str, tuple[LineString, str, float]]:
    """Roads drawn here from the facts when the street helper's anchors file lacks them.

    Each value: (metric centre line, method text, accuracy_m).
    """
    shore_north = nearest_on(base.north_shore, pt(121.6134, 38.9300))
    changchun = LineString([
        shore_north,  # 长春路 runs N–S at lon ≈121.6134: it reaches the north shore (GSHHG) here
        base.app("中央复兴里(长江路×长春路)"),  # facts §3: 长江路 × 长春路
        base.app("北京公园(新开路610号)"),  # facts §15: on 新开路, same longitude as the 长春路 junction
        pt(121.6140, 38.9060),  # crosses 中山路/五四路 between 高尔基路 and 东北路 (facts §3, §14)
        base.app("亿达天琴山(长春路南段)"),  # facts §3: "长春路南段"
    ])
    bayi = LineString([
        base.app("亿达天琴山(长春路南段)"),  # 八一路 continues the axis from the south end of 长春路 (seed 001)
        base.app("检察便民工作站(长春路)"),  # facts §3: a "长春路" address towards 八一路
        base.app("八一路派出所"),  # facts §4
        base.app("八一小学"),  # facts §4
    ])
    stop = base.station("东关街")  # tram 201 stop 东关街 on 长江路, the block's north edge (facts §5, §26)
    dongguan = LineString([stop, Point(stop.x + 30, stop.y - 480)])  # south through the block to 庆胜街
    fengming = LineString([pt(121.6165, 38.9050), pt(121.6120, 38.9005), pt(121.6080, 38.8975)])
    tuanjie = LineString([base.station("胜利桥"), pt(121.6310, 38.9285)])
    return {
        "长春路": (changchun, "drawn by planmap through facts §3/§15 app points (BD-09→WGS84) and the GSHHG "
                 "north shore", 250.0),
        "八一路": (bayi, "drawn by planmap through facts §3/§4 app points (BD-09→WGS84)", 300.0),
        "东关街": (dongguan, "drawn by planmap: from the tram 201 stop 东关街 (OSM) south through the "
                 "东关街 block (facts §5)", 150.0),
        "凤鸣街": (fengming, "drawn by planmap south of People's Square (facts §6), 1.2 km long", 400.0),
        "团结街": (tuanjie, "drawn by planmap: north-west of 胜利桥 (OSM tram stop, facts §7)", 200.0),
    }


def road(base: Base, name: str) -> tuple[LineString, str, float, float | None]:
    """A named road: metric centre line, method text, accuracy (m) and width (m, None where unknown)."""
    if name in base.roads:
        props = base.roads_source[name]
        width = props.get("width_m") or props.get("width_est_m")
        method = (f"centre line of {props.get('id', name)} in data/anchors/named_roads.geojson (street-network "
                  f"helper): {props.get('method', '')}")
        return longest_line(base.roads[name]), method, float(props.get("accuracy_m") or 200.0), width
    line, method, accuracy = _fallback_roads(base)[name]
    return line, method + " (not in data/anchors/named_roads.geojson)", accuracy, None


# ---------------------------------------------------------------------------------------------- 四片区
#: names the seeds use for a plan element, besides the name the feature carries (search and honest labels)
_ALIASES = {
    "axis-changchun-bayi": "一轴；长春路、八一路为核心轴线（003 第六章一）；以长春路为核心轴线（001 二(二)1）；"
                           "长春路轴线（001 人民广场街道）；长春路南段—八一路综合发展轴（001 八一路街道）；"
                           "长春路及八一路综合发展轴（001 人民广场街道）；长春路轴线健康服务产业（001 三(一)2）",
    "bay-north": "北部宜居休闲商务海湾（001、003）；北部沿海区域（001 三(一)1、003 第六章二）；"
                 "北部工业岸线（001 香炉礁街道）",
    "bay-south": "南部生态文化旅游海湾（001、003）；傅家庄区域（001 八一路街道、003 第六章二）；"
                 "南部傅家庄区域（001 三(一)1）；付家庄海滨国家度假区（001 三(一)2）",
    "area-xianglujiao": "香炉礁国际商贸片区（001、003）",
    "area-olympic": "奥林匹克时尚商业片区（001、003）；奥林匹克时尚片区（001 白云街道）",
    "area-zhanbei": "站北中央活力片区（001、003）；中央活力区（003 第六章四）",
    "area-yierjiu": "一二九街科技创新片区（001、003）",
    "circle-olympic": "奥林匹克商圈（000、001、003）",
    "circle-xianglujiao": "香炉礁商圈（000、001、003）",
    "circle-zhanbei": "站北商圈（001、003）",
    "dongguan": "东关街历史文化保护街（001 二(二)1）；东关街历史文化街（003 第六章三、001 日新街道）；"
                "东关街历史文化街区（003 专栏4、001 一(一)3）；东关街历史文化名街（001 三(一)2）；东关街（000 二(二)）",
    "fengming": "凤鸣街休闲文化街（001、003）；高尔基路—凤鸣街历史风貌街区（001 人民广场街道）；"
                "高尔基路-凤鸣街沿线地块（003 专栏4、001 三(一)2）",
    "shengliqiao-north": "胜利桥北异域文化街（001、003）；俄罗斯风情街（000、001、003）；团结街（003 第六章三）",
    "ne-bayi-road-food-street": "八一路好吃街（003 专栏4）；八一路“好吃街”（001 一(一)3）",
    "ne-fujiazhuang-seaside": "付家庄滨海区域（000 二(一)）；傅家庄区域（001、003）；付家庄海滨国家度假区（001 三(一)2）",
    "ne-outlets-seaside": "百年港湾奥特莱斯滨海区域、百年奥莱滨海区域（000 二(一)）",
    "ne-japanese-food-street": "日本饮食文化街（000 二(二)）；锦华日本饮食文化街（003 专栏4）",
    "ne-olympic-electronics-hema": "奥林匹克电子城（000 二(四)）；盒马鲜生西岗店（001 白云街道）",
    "ne-olympia66": "恒隆广场（000、001、003）",
}
_DISTRICT_THEMES = {
    "area-xianglujiao": "数字+零售新业态体验区；商贸新业态",
    "area-olympic": "时尚文化、文化消费、品牌体验、运动消费、夜经济",
    "area-zhanbei": "未来街区、活力街区；科创+文创双引擎；综合交通枢纽",
    "area-yierjiu": "区块链、人工智能、智能制造、科技金融；科创产业园",
}


def build_districts(base: Base) -> dict[str, dict[str, Any]]:
    """The four districts: the hull of their anchor places grown by a margin, clipped to the district's land
    (grown by 250 m, since the GSHHG shore predates the harbour reclamation)."""
    land = base.land.buffer(250).intersection(base.boundary)
    specs = [
        ("area-xianglujiao", "香炉礁国际商贸片区", "Xianglujiao international trade district",
         [base.station("香炉礁"), base.app("百年港湾奥特莱斯"), base.app("百年港湾奥特莱斯A1区"),
          base.app("香炉礁街道人大工委")], 350.0,
         "hull of 香炉礁 metro station (OSM), 百年港湾奥特莱斯 A/A1 and the 香炉礁 subdistrict office "
         "(facts §20, §2, BD-09→WGS84) grown by 350 m (IKEA lies SW of 百年港湾, facts §20)",
         "山姆会员店、麦德龙、宜家、亚洲渔港、旧货市场、衡器厂", 400.0),
        ("area-olympic", "奥林匹克时尚商业片区", "Olympic fashion commerce district",
         [base.app(n) for n in ("恒隆广场", "奥林匹克广场", "星海商城", "印象城", "时尚百盛", "壹佰商场",
                                "大同小学")] + [base.station("人民广场"), base.station("大同街")], 200.0,
         "hull of 恒隆广场, 奥林匹克广场, 星海商城, 印象城, 时尚百盛, 壹佰商场 (facts §19, BD-09→WGS84), "
         "人民广场 metro and the 大同街 tram stop (OSM; 大同街地下人行通道, seed 003) grown by 200 m",
         "恒隆广场、星海商城、印象城、城市音乐馆、城市美术馆、胜利路、大同街地下人行通道", 300.0),
        ("area-zhanbei", "站北中央活力片区", "Zhanbei central vitality district",
         [base.app("凯旋商城"), base.app("莫斯科购物广场"), base.app("站北街道办事处/日新街道调解庭"),
          base.station("大连站")], 250.0,
         "hull of 凯旋商城, 莫斯科购物广场, the former 站北 subdistrict office (facts §21, BD-09→WGS84) and the "
         "metro L5 大连站 (OSM, north-west of the railway station) grown by 250 m",
         "站北广场（凯旋广场）、凯旋商城、大连站北口", 350.0),
        ("area-yierjiu", "一二九街科技创新片区", "Yierjiu Street sci-tech innovation district",
         [base.station("一二九街"), pt(*DICP_OLD_SITE), base.app("大连理工大学石油化工学院(中山路)")], 300.0,
         "hull of the 一二九街 metro station (OSM), the DICP old site at 一二九街@中山路 (ja.wikipedia, facts "
         "§0/§17) and the DUT petrochemical college app point (facts §17) grown by 300 m",
         "大连理工大学化工学院、化物所老院区", 350.0),
    ]
    out = {}
    for fid, name, name_en, anchors, margin, method, carriers, accuracy in specs:
        geom = single(hull_buffer(anchors, margin).intersection(land))
        out[fid] = feature(fid, name, name_en, geom,
                           source=sources(S_001_LAYOUT, f"{DOC_003} 第六章四", S_FACTS, S_OSM),
                           method=f"{method}, clipped to the district. {NOT_SURVEYED}",
                           accuracy_m=accuracy, schematic=True, layout_element="四片区",
                           theme=_DISTRICT_THEMES[fid], carriers=carriers, zone_kind="area",
                           aliases=_ALIASES.get(fid, ""))
    return out


# ---------------------------------------------------------------------------------------------- 商圈
def build_circles(base: Base) -> dict[str, dict[str, Any]]:
    """The three business circles: hull of their anchor malls grown by a margin, clipped to land."""
    land = base.land.buffer(250).intersection(base.boundary)
    specs = [
        ("circle-olympic", "奥林匹克商圈", "Olympic business circle",
         [base.app(n) for n in ("恒隆广场", "奥林匹克广场", "星海商城", "印象城", "时尚百盛", "壹佰商场")], 150.0,
         "恒隆广场（商业面积22.19万㎡）、星海商城、印象城、时尚百盛、壹佰商场、奥林匹克广场地下商城、奥林匹克电子城（盒马）",
         "hull of the anchor malls' app points (facts §19, BD-09→WGS84) grown by 150 m", 250.0),
        ("circle-xianglujiao", "香炉礁商圈", "Xianglujiao business circle",
         [base.station("香炉礁"), base.app("百年港湾奥特莱斯"), base.app("百年港湾奥特莱斯A1区")], 250.0,
         "百年港湾奥特莱斯、宜家（营业面积41,000㎡）、山姆会员店、麦德龙",
         "hull of 百年港湾奥特莱斯 A/A1 (facts §20, BD-09→WGS84) and 香炉礁 metro station (OSM) grown by 250 m; "
         "山姆/麦德龙 positions not found (facts §28)", 400.0),
        ("circle-zhanbei", "站北商圈", "Zhanbei business circle",
         [base.app("凯旋商城"), base.app("莫斯科购物广场"), base.station("大连站")], 200.0,
         "凯旋商城、莫斯科购物广场、站北广场（凯旋广场）",
         "hull of 凯旋商城, 莫斯科购物广场 (facts §21, BD-09→WGS84) and metro L5 大连站 (OSM) grown by 200 m; "
         "extent not published (facts §28)", 350.0),
    ]
    out = {}
    for fid, name, name_en, anchors, margin, malls, method, accuracy in specs:
        geom = single(hull_buffer(anchors, margin).intersection(land))
        named_in = [f"{DOC_001} 一(一)2、一(一)3（“三大商圈”）", f"{DOC_003} 第一章（“三大商圈”）"]
        if fid != "circle-zhanbei":  # seed 000 names 奥林匹克商圈 and 香炉礁商圈 (两圈), never 站北
            named_in.append(f"{DOC_000} 二(二)（“两圈三街”）")
        out[fid] = feature(fid, name, name_en, geom, source=sources(*named_in, S_FACTS, S_OSM),
                           method=f"{method}, clipped to the district. {NOT_SURVEYED}",
                           accuracy_m=accuracy, schematic=True, anchors=malls, zone_kind="area",
                           aliases=_ALIASES[fid])
    return out


# ---------------------------------------------------------------------------------------------- 两湾
def build_bays(base: Base) -> dict[str, dict[str, Any]]:
    """The two bays, drawn from the shoreline and the district outline."""
    # North bay: the harbour water the district includes plus a 600 m land strip along the north shore
    # (融创壹号院, 渔轮厂 and the 造船厂西片区 lie on this industrial shoreline, seed 003; none located, facts §25).
    north = single(base.north_shore.buffer(600).union(base.sea).intersection(base.boundary))
    # South bay: the land south of a line just north of the 白云雁水 cableway station (OSM) across to 八一路's
    # south side: the zoo/白云山/莲花山 hills, 傅家庄/付家庄 and the southern shore (facts §23, §24).
    cut = Polygon([pt(121.570, 38.8895), pt(121.600, 38.8890), pt(121.6200, 38.8835),
                   pt(121.6400, 38.8800), pt(121.670, 38.8780), pt(121.670, 38.850), pt(121.570, 38.850)])
    south = single(base.boundary.intersection(cut))
    return {
        "bay-north": feature(
            "bay-north", "北部宜居休闲商务海湾", "Northern livable, leisure and business bay", north,
            source=sources(S_001_LAYOUT, f"{DOC_003} 第六章二", S_COAST, S_BOUNDARY),
            method="harbour water inside the district outline plus land within 600 m of the GSHHG north shore, "
                   f"clipped to the district. {NOT_SURVEYED}",
            accuracy_m=500.0, schematic=True, layout_element="两湾",
            theme="工业岸线向服务业岸线、企业岸线向公共岸线转变；海滨居住、商务服务、度假休闲",
            carriers="融创壹号院、大连渔轮厂、造船厂西片区（位置均未查到）", zone_kind="area"),
        "bay-south": feature(
            "bay-south", "南部生态文化旅游海湾", "Southern eco-cultural tourism bay", south,
            source=sources(S_001_LAYOUT, f"{DOC_003} 第六章二", S_001_SD + "（八一路街道：南部生态文化旅游海湾的傅家庄区域）",
                           S_FACTS, S_OSM, S_BOUNDARY),
            method="district land south of a line just north of the 白云雁水 cableway station (OSM) running to "
                   "the 八一路 area (facts §4); holds 森林动物园, 白云雁水, 莲花山 and 付家庄 (facts §23–§24). "
                   f"仲夏路 not located (facts §13). {NOT_SURVEYED}",
            accuracy_m=500.0, schematic=True, layout_element="两湾",
            theme="亲海旅游、文化旅游、品质民宿、医疗健康、滨海度假、康养",
            carriers="傅家庄（付家庄）公园与浴场、森林动物园、白云雁水、莲花山、仲夏路周边", zone_kind="area"),
    }


# ---------------------------------------------------------------------------------------------- 街道
SUBDISTRICTS = {
    # id: (name, name_en, NBS code (facts §2), carries_layout, carries_projects) — seed 001 二(二)2
    "sd-bayilu": ("八一路街道", "Bayilu Subdistrict", "210203010",
                  ["长春路南段—八一路综合发展轴", "南部生态文化旅游海湾（傅家庄区域）"],
                  ["八一路煤气大罐周边改造", "信达水产地块改造", "大连旅游集团智慧景区建设", "森林动物园二期表演场"]),
    "sd-renminguangchang": ("人民广场街道", "Renminguangchang Subdistrict", "210203011",
                            ["长春路轴线", "长春路及八一路综合发展轴", "奥林匹克时尚商业片区",
                             "高尔基路—凤鸣街历史风貌街区"],
                            ["高尔基路—凤鸣街历史风貌街区建设", "大同街地下通道建设", "香洲花园酒店升级改造",
                             "新开路商务楼宇升级建设（珠江大厦、外经贸大厦）"]),
    "sd-baiyun": ("白云街道", "Baiyun Subdistrict", "210203013",
                  ["奥林匹克时尚商业片区", "凤鸣街休闲文化街"],
                  ["凤鸣街休闲文化街建设", "环奥林匹克广场地下空间开发", "创谷汇科创中心", "盒马鲜生西岗店",
                   "大连颐养苑养老服务中心", "威华街北侧地块改造", "雅苑酒店提升改造"]),
    "sd-rixin": ("日新街道", "Rixin Subdistrict", "210203004",
                 ["东关街历史文化街", "胜利桥北异域文化街", "站北中央活力片区", "一二九街科技创新片区",
                  "北部宜居休闲商务海湾"],
                 ["一二九街化物所老院区改造", "大连理工大学-西岗科创产业园", "森茂大厦", "市政南北地块",
                  "融创壹号院", "兴业建材市场搬迁改造", "英和水产制品厂地块改造", "棒棰岛食品厂地块改造",
                  "城市美术馆二期建设", "凯旋商城C座提升改造"]),
    "sd-xianglujiao": ("香炉礁街道", "Xianglujiao Subdistrict", "210203001",
                       ["香炉礁国际商贸片区", "北部工业岸线向服务业岸线转变"],
                       ["衡器厂地块改造", "旧货市场地块改造", "山姆会员店、麦德龙、宜家转型升级",
                        "亚洲渔港产业链延伸"]),
}

#: each subdistrict's role in seed 001 二(二)2: (short role, the text's own words)
SUBDISTRICT_ROLES = {
    "sd-bayilu": ("综合发展轴与傅家庄山海生态：健康服务、文化创意、科技创新、休闲旅游、品质民宿",
                  "重点推进长春路南段—八一路综合发展轴发展，并依托南部生态文化旅游海湾的傅家庄区域优质山海生态资源，"
                  "积极推动健康服务、文化创意、科技创新、休闲旅游、品质民宿等发展。推动商务楼宇功能升级"),
    "sd-renminguangchang": ("商务服务集聚区",
                            "重点聚焦长春路轴线产业布局……提升奥林匹克时尚商业片区发展。持续加强新开路商务楼宇升级建设……"
                            "打造政务便捷高效、商务配套完善的商务服务集聚区"),
    "sd-baiyun": ("文化消费、品牌体验型消费、夜经济",
                  "重点推进奥林匹克时尚片区功能提档升级，强化恒隆广场、星海商城等与城市音乐馆等业态互动互融，"
                  "发展文化消费、品牌体验型消费、夜经济等业态。全面启动凤鸣街休闲文化街建设……加强文化创意、商业商务、"
                  "文化培训健康医疗等特色产业发展"),
    "sd-rixin": ("大连记忆新地标；“科创+文创”双引擎；未来城市新空间",
                 "打造大连记忆新地标，重点建设东关街历史文化街和胜利桥北异域文化街，完善区域文化体验、都市旅游、主题展览、"
                 "美食购物等服务功能。城市历史文脉与站北中央活力片区联动发展，打造“科创+文创”双引擎……"
                 "打造集商务服务、度假休闲功能为一体的未来城市新空间"),
    "sd-xianglujiao": ("国际商贸集聚区",
                       "重点加强香炉礁国际商贸片区功能建设……继续推进北部工业岸线向服务业岸线转变……打造高端要素集聚、"
                       "品牌效应明显、配套功能完善的国际商贸集聚区"),
}

#: the features of this dataset that each subdistrict's paragraph of seed 001 names (tested: each lies in or
#: touches its subdistrict)
SUBDISTRICT_CARRIES = {
    "sd-bayilu": (["axis-changchun-bayi", "bay-south"],
                  ["proj-gas-holder-plots", "proj-xinda-aquatic-plot", "proj-tourism-group-smart-scenic-area",
                   "proj-forest-zoo-phase2-arena"]),
    "sd-renminguangchang": (["axis-changchun-bayi", "area-olympic", "street-fengming"],
                            ["proj-gorky-fengming-plots", "proj-datong-street-underpass",
                             "proj-xiangzhou-garden-hotel", "proj-xinkai-road-office-towers"]),
    "sd-baiyun": (["area-olympic", "street-fengming", "ne-olympia66"],
                  ["proj-gorky-fengming-plots", "proj-olympic-square-underground", "proj-chuangguhui-centre",
                   "proj-hema-xigang", "proj-yiyangyuan-elderly-centre", "proj-weihua-street-north-plot",
                   "proj-yayuan-hotel", "proj-impression-city-xinghai-mall"]),
    "sd-rixin": (["street-dongguan", "block-dongguan", "street-shengliqiao-north", "block-shengliqiao-north",
                  "area-zhanbei", "area-yierjiu", "bay-north"],
                 ["proj-dicp-old-site-renewal", "proj-dut-xigang-science-park", "proj-senmao-tower",
                  "proj-municipal-north-south-plots", "proj-sunac-no1-courtyard",
                  "proj-xingye-building-materials-market", "proj-yinghe-aquatic-plot", "proj-bangchuidao-plot",
                  "proj-city-art-museum-phase2", "proj-kaixuan-mall-block-c"]),
    "sd-xianglujiao": (["area-xianglujiao", "bay-north"],
                       ["proj-weighing-instrument-plant-plot", "proj-second-hand-market",
                        "proj-sams-metro-ikea-upgrade", "proj-asia-fishing-port"]),
}


def subdistrict_seeds(base: Base, zones: dict[str, dict[str, Any]]) -> list[tuple[str, Point, str]]:
    """Voronoi generators: points known (or, where marked, read from seed 001) to lie in each subdistrict.

    Three kinds: app community/office points tagged with their subdistrict (facts §2); untagged points placed
    by the facts' inference; and points on the features seed 001 assigns to a subdistrict, so that each
    subdistrict holds or touches what its paragraph lists (凤鸣街 in 白云 and 人民广场, the axis in 白云,
    the 傅家庄 bay in 八一路, the 大同街 underpass in 人民广场).
    """
    a = base.app
    metric = {fid: to_metric(shape(f["geometry"])) for fid, f in zones.items()}
    axis, fengming = metric["axis-changchun-bayi"], metric["street-fengming"]
    bay_south = metric["bay-south"]

    def on_axis_at_y(y: float) -> Point:
        """The axis point at northing ``y`` (the axis runs north–south)."""
        cut = axis.intersection(LineString([(axis.bounds[0] - 10, y), (axis.bounds[2] + 10, y)]))
        return min(shapely.get_parts(cut), key=lambda p: p.x) if not cut.is_empty else nearest_on(axis, Point(0, y))

    south_grid = [Point(x, y) for x in np.arange(bay_south.bounds[0], bay_south.bounds[2], 500.0)
                  for y in np.arange(bay_south.bounds[1], bay_south.bounds[3], 500.0)
                  if bay_south.buffer(-150).contains(Point(x, y))]
    north_shore_east = nearest_on(base.north_shore, base.app("凯旋商城"))
    return [
        # app community/office points tagged with their subdistrict (facts §2)
        ("sd-bayilu", a("八一路街道林茂社区"), "app"), ("sd-bayilu", a("八一路街道八一社区"), "app"),
        ("sd-bayilu", a("八一路街道桃山社区"), "app"),
        ("sd-baiyun", a("白云街道天池社区"), "app"), ("sd-baiyun", a("白云街道迎春社区"), "app"),
        ("sd-renminguangchang", a("人民广场街道胜利社区"), "app"), ("sd-renminguangchang", a("人民广场街道石葵社区"), "app"),
        ("sd-renminguangchang", a("人民广场街道北岗社区"), "app"), ("sd-renminguangchang", a("人民广场街道更生社区"), "app"),
        ("sd-renminguangchang", a("人民广场街道九三社区"), "app"),
        ("sd-rixin", a("日新街道更新社区"), "app"), ("sd-rixin", a("站北街道办事处/日新街道调解庭"), "app"),
        ("sd-xianglujiao", a("香炉礁街道人大工委"), "app"), ("sd-xianglujiao", a("香炉礁街道劳动保障事务所"), "app"),
        ("sd-baiyun", a("白云街派出所"), "app"),  # the 白云街 police station (facts §27)
        # untagged community points in the north-west (facts §2 infers 香炉礁 = north-west)
        ("sd-xianglujiao", a("香荣社区"), "inferred"), ("sd-xianglujiao", a("工人村社区"), "inferred"),
        ("sd-xianglujiao", a("金海社区"), "inferred"), ("sd-xianglujiao", a("百年港湾奥特莱斯"), "inferred"),
        # places seed 001 二(二)2 puts in a subdistrict (facts §5 for 东关街)
        ("sd-rixin", base.station("东关街"), "text"),  # 东关街 block is in 日新 (001; facts §5)
        ("sd-rixin", pt(*DICP_OLD_SITE), "text"),  # 一二九街化物所老院区
        ("sd-rixin", a("凯旋商城"), "text"),  # 凯旋商城C座
        ("sd-rixin", metric["street-shengliqiao-north"].interpolate(0.3, normalized=True), "text"),  # 胜利桥北
        ("sd-rixin", north_shore_east, "text"),  # 依托北部宜居休闲商务海湾 (融创壹号院 …)
        ("sd-baiyun", a("恒隆广场"), "text"), ("sd-baiyun", a("星海商城"), "text"),  # 恒隆广场、星海商城
        ("sd-baiyun", a("奥林匹克广场"), "text"),  # 环奥林匹克广场地下空间开发
        ("sd-baiyun", fengming.interpolate(0.15, normalized=True), "text"),  # 凤鸣街休闲文化街 (白云)
        ("sd-renminguangchang", fengming.interpolate(0.75, normalized=True), "text"),  # 高尔基路—凤鸣街 (人民广场)
        # 白云's 一轴 projects (颐养苑, 威华街北侧, 雅苑酒店, 专栏4 一轴 + 001 白云): 白云 reaches the axis south of 五四路
        ("sd-baiyun", on_axis_at_y(a("人民广场街道胜利社区").y - 330.0), "text"),
        ("sd-baiyun", on_axis_at_y(a("人民广场街道胜利社区").y - 560.0), "text"),
        ("sd-renminguangchang", on_axis_at_y(a("大连市政府").y - 200.0), "text"),  # 长春路轴线 (人民广场)
        ("sd-renminguangchang", a("大连市政府"), "inferred"),  # the government on the north side of 人民广场
        ("sd-renminguangchang", datong_underpass(base), "text"),  # 大同街地下通道建设 (人民广场)
        ("sd-bayilu", a("亿达天琴山(长春路南段)"), "text"),  # 长春路南段—八一路综合发展轴 (八一路)
        ("sd-bayilu", a("大连付家庄医院"), "text"), ("sd-bayilu", a("惠君庭(付家庄华泰街)"), "text"),  # 傅家庄区域
        ("sd-bayilu", base.station("森林动物园南门"), "text"),  # 森林动物园二期表演场 (八一路)
        *[("sd-bayilu", p, "text") for p in south_grid],  # 南部生态文化旅游海湾 (八一路, 001)
    ]


def build_subdistricts(base: Base, zones: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Voronoi cells of the seed points, merged per subdistrict, cut to the district outline.

    The cells are built in metres, then taken to lon/lat and cut with the WGS84 outline itself, so that the
    five pieces partition the outline exactly (no gaps, no overlaps) up to coordinate rounding.
    """
    seeds = subdistrict_seeds(base, zones)
    cells = shapely.voronoi_polygons(shapely.MultiPoint([p for _, p, _ in seeds]),
                                     extend_to=base.boundary.buffer(5000))
    owned: dict[str, list[Polygon]] = {}
    for cell in cells.geoms:
        owner = next(sid for sid, p, _ in seeds if cell.contains(p))
        owned.setdefault(owner, []).append(cell)
    pieces = {sid: shapely.make_valid(to_lonlat(unary_union(owned[sid])).intersection(base.boundary_ll))
              for sid in SUBDISTRICTS}
    # a subdistrict cut in several parts keeps its largest; the others join the neighbour sharing most edge
    for sid, geom in list(pieces.items()):
        if geom.geom_type != "Polygon":
            parts = sorted((g for g in geom.geoms if g.geom_type == "Polygon"), key=lambda g: -g.area)
            pieces[sid] = parts[0]
            for part in parts[1:]:
                best = max((o for o in pieces if o != sid),
                           key=lambda o: part.buffer(1e-7).intersection(pieces[o]).area)
                pieces[best] = single(unary_union([pieces[best], part]))
    out = {}
    for sid, (name, name_en, code, layout, projects) in SUBDISTRICTS.items():
        kinds = [k for s, _, k in seeds if s == sid]
        role, role_text = SUBDISTRICT_ROLES[sid]
        layout_ids, project_ids = SUBDISTRICT_CARRIES[sid]
        out[sid] = feature(
            sid, name, name_en, pieces[sid], lonlat=True,
            source=sources("NBS division codes (facts §2)", S_001_SD, S_FACTS),
            method=f"Voronoi cells of {kinds.count('app')} community/office app points tagged with this "
                   f"subdistrict (BD-09→WGS84, facts §2), {kinds.count('inferred')} points placed by inference "
                   f"and {kinds.count('text')} points on what seed 001 二(二)2 assigns to it, cut to the district "
                   "outline. Boundaries are NOT authoritative: no official subdistrict boundary was found "
                   "(facts §28).",
            accuracy_m=500.0, schematic=True, code=code, role=role, role_text=role_text,
            carries_layout="、".join(layout), carries_projects="、".join(projects),
            carries_layout_ids=",".join(layout_ids), carries_project_ids=",".join(project_ids))
    return out


def datong_underpass(base: Base) -> Point:
    """大同街地下人行通道 (001 人民广场街道; 003 第六章四 奥林匹克片区): on 大同街, its position unknown.
    Put at the middle of the part of 大同街 between the 中山路 crossing and the 大同街 tram stop."""
    line = road(base, "大同街")[0]
    a = line.project(base.station("大同街"))
    b = line.project(nearest_on(line, base.app("奥林匹克广场")))
    return line.interpolate((a + b) / 2)


# ---------------------------------------------------------------------------------------------- 一轴
def build_axis(base: Base) -> dict[str, dict[str, Any]]:
    """长春路 + 八一路 joined into one line from the north shore to the south shore."""
    changchun, m_cc, acc_cc, _ = road(base, "长春路")
    bayi, m_by, acc_by, _ = road(base, "八一路")
    changchun = orient(changchun, north_first=True)
    south_end = Point(changchun.coords[-1])
    if Point(bayi.coords[-1]).distance(south_end) < Point(bayi.coords[0]).distance(south_end):
        bayi = LineString(bayi.coords[::-1])
    coords = list(changchun.coords) + list(bayi.coords)[1 if Point(bayi.coords[0]).distance(south_end) < 1
                                                         else 0:]
    links = []
    north_shore = nearest_on(base.north_shore, Point(coords[0]))
    if north_shore.distance(Point(coords[0])) > 30:
        coords.insert(0, north_shore.coords[0])
        links.append(f"north end extended {north_shore.distance(Point(coords[1])):.0f} m to the shore")
    south_shore = nearest_on(base.south_shore, Point(coords[-1]))
    if south_shore.distance(Point(coords[-1])) > 30:
        links.append(f"south end extended {south_shore.distance(Point(coords[-1])):.0f} m to the shore")
        coords.append(south_shore.coords[0])
    axis = LineString(coords)
    # 八一路 runs along the district's south-east edge (its schematic line wanders up to ~40 m outside the
    # outline there) and the outline ends before the GSHHG south shore (~330 m short): the axis keeps what lies
    # within 50 m of the district, and the boundary-road stretches are pulled onto the outline's inside
    near = axis.intersection(base.boundary.buffer(50.0))
    near = longest_line(shapely.line_merge(near) if near.geom_type == "MultiLineString" else near)
    inner = base.boundary.buffer(-3.0)
    dense = shapely.segmentize(near, 10.0)
    pulled = [c if inner.contains(Point(c)) else nearest_on(inner, Point(c)).coords[0] for c in dense.coords]
    moved = sum(1 for c, d in zip(dense.coords, pulled, strict=True) if c != d)
    clipped = axis.length - near.length
    axis = shapely.simplify(LineString(pulled), 1.0)
    links.append(f"kept within the district outline: {clipped:.0f} m of GSHHG shore link beyond the outline "
                 f"dropped, and {moved} points of the boundary road 八一路 (≤40 m outside) pulled 3 m inside")
    method = (f"长春路 then 八一路, joined; 长春路: {m_cc} | 八一路: {m_by}"
              + (f" | {'; '.join(links)} (GSHHG)" if links else "")
              + f". Ends checked against the GSHHG coastline and the district outline. {NOT_SURVEYED}")
    return {"axis-changchun-bayi": feature(
        "axis-changchun-bayi", "长春路—八一路综合发展轴", "Changchun Road – Bayi Road development axis", axis,
        source=sources(f"{DOC_003} 第六章一（以长春路、八一路为核心轴线）", f"{DOC_001} 二(二)1（以长春路为核心轴线）",
                       S_001_SD + "（八一路街道：长春路南段—八一路综合发展轴；人民广场街道：长春路及八一路综合发展轴）",
                       S_ROADS, S_COAST, S_BOUNDARY),
        method=method, accuracy_m=max(acc_cc, acc_by), schematic=True, layout_element="一轴",
        roads="长春路、八一路", length_m=round(axis.length, 1),
        roads_in_text="003 第六章一: 长春路、八一路; 001 二(二)1: 长春路 only (八一路 appears in 001 only in the "
                      "八一路街道 and 人民广场街道 paragraphs)",
        north_end="钻石海湾岸线（北部海岸）", south_end="滨海南路岸线（付家庄海岸；止于区界）",
        theme="健康服务、文化创意、科技创新、智力服务、休闲旅游", aliases=_ALIASES["axis-changchun-bayi"])}


# ---------------------------------------------------------------------------------------------- 三街
STREETS = {
    # id suffix: (name, name_en, road, theme, facts)
    "dongguan": ("东关街历史文化街", "Dongguan Street historic and cultural street", "东关街",
                 "民族商业发源地、红色革命起源地；文化体验、都市观光、主题展览、美食购物",
                 "block N 长江路, S 庆胜街, W 繁荣街, E 顺利街; 13 relics, 42 historic and 132 traditional-style "
                 "buildings (facts §5); in 日新街道 (facts §5); first phase opened May 2024 (facts §5); "
                 "tram 201 stop 东关街 (OSM); shop count not found (facts §28)"),
    "fengming": ("凤鸣街休闲文化街", "Fengming Street leisure and cultural street", "凤鸣街",
                 "近现代历史建筑活化；创意文化、特色酒吧民宿、品牌商业、历史展览与科普教育；与高尔基路沿线联动",
                 "「全长只有1.2公里，路宽也不到4米」 (two sources) vs 「寬約6米，長約1200米」 (one source) (facts §6); "
                 "高尔基路 corridor of 1920s–40s houses (facts §6)"),
    "shengliqiao-north": ("胜利桥北异域文化街", "Shengliqiao North exotic-culture street", "团结街",
                          "俄罗斯风情街、团结街及周边统一规划；异域风情建筑观光、俄式产品文化体验、旅游放心消费",
                          "俄罗斯风情街 = 团结街 (团结街19号), 20+ old buildings, north-west of 胜利桥 (facts §7); "
                          "胜利桥北 historic block 40.47 ha, core 14.57 ha (facts §7); width not found (facts §28)"),
}
#: the 街区/地区 each culture street is the main street of (seed 003 第六章三: 东关街 block, 胜利桥北 area)
STREET_BLOCKS = {"dongguan": "block-dongguan", "shengliqiao-north": "block-shengliqiao-north"}
FENGMING_WIDTH = (4.0, "「不到4米」 in two sources, 「寬約6米」 in one (facts §6): 4 m used")


def build_streets(base: Base) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], dict[str, Any]]:
    """The three culture streets as centre lines and as street polygons (flat-capped buffers)."""
    lines, areas, geoms = {}, {}, {}
    for key, (name, name_en, road_name, theme, facts) in STREETS.items():
        centre, method, accuracy, width = road(base, road_name)
        if key == "fengming":
            width, width_basis = FENGMING_WIDTH
        elif width is None:
            width, width_basis = 10.0, "not published (facts §28); 10 m assumed"
        else:
            width_basis = f"not published (facts §28); street-network helper's estimate {width:g} m"
        width = float(width)
        polygon = street_polygon(centre, width)
        geoms[key] = (centre, polygon, accuracy, width, width_basis, facts, road_name)
        common = dict(source=sources(S_001_LAYOUT, f"{DOC_003} 第六章三", S_FACTS, S_ROADS),
                      accuracy_m=accuracy, schematic=True, layout_element="三街", road=road_name,
                      width_m=width, width_basis=width_basis, length_m=round(centre.length, 1), theme=theme,
                      facts=facts, aliases=_ALIASES[key], block=STREET_BLOCKS.get(key, ""),
                      geometry_basis="supplied" if key == "fengming" else "stand-in",
                      length_basis=("published: 「全长只有1.2公里」 (facts §6); drawn line schematic"
                                    if key == "fengming" else "not published (facts §28): the drawn line's length"))
        lines[f"street-{key}"] = feature(f"street-{key}", name, name_en, centre,
                                         method=f"{method}. {NOT_SURVEYED}", **common)
        areas[f"street-area-{key}"] = feature(
            f"street-area-{key}", name, name_en, polygon,
            method=f"centre line buffered by half the width ({width:g} m), flat caps; {method}. {NOT_SURVEYED}",
            zone_kind="street", **common)
    return lines, areas, geoms


# ---------------------------------------------------------------------------------------------- 街区
SHENGLIQIAO_CORE_HA, SHENGLIQIAO_TOTAL_HA = 14.57, 40.47  # facts §7 (大连市自然资源局 plan, 2023-11-08)


def build_blocks(base: Base, streets: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The 东关街 historic block and the 胜利桥北 area as areas (seed 003 第六章三 says 街区 / 地区), each with
    the id of its main street's centre line in layout-streets (length and width are the street's)."""
    from shapely.ops import substring

    # 东关街历史文化街区: N 长江路, S 庆胜街, W 繁荣街, E 顺利街 (facts §5), on the street helper's lines
    changjiang, fanrong, shunli, qingsheng = (longest_line(base.roads[n]) for n in ("长江路", "繁荣街", "顺利街", "庆胜街"))
    fanrong, shunli = orient(fanrong, True), orient(shunli, True)
    north = substring(changjiang, changjiang.project(Point(fanrong.coords[0])),
                      changjiang.project(Point(shunli.coords[0])))
    if north.coords[0][0] > north.coords[-1][0]:
        north = LineString(north.coords[::-1])
    south = qingsheng if qingsheng.coords[0][0] > qingsheng.coords[-1][0] else LineString(qingsheng.coords[::-1])
    ring = [*north.coords, *shunli.coords, *south.coords, *LineString(fanrong.coords[::-1]).coords]
    dongguan = shapely.make_valid(Polygon(ring)).intersection(base.boundary)
    dongguan = single(dongguan)
    # 胜利桥北历史文化街区: core 14.57 ha between 长江路 (S), 上海路–光辉巷–海洋街 (E), 功勋街–民乐街–汾阳巷 (N) and
    # 忠诚巷–烟台街 (W) (facts §7). Only 长江路/胜利桥 and 团结街 are on the map: the core's area is laid round
    # the 团结街 line (half-width solved for 14.57 ha), flat caps, the south cap at the bridge, then clipped
    tuanjie = streets["shengliqiao-north"][0]
    lo, hi = 10.0, 600.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if street_polygon(tuanjie, 2 * mid).area < SHENGLIQIAO_CORE_HA * 1e4 else (lo, mid)
    core = street_polygon(tuanjie, 2 * lo)
    shengliqiao = single(core.intersection(base.boundary))
    common = dict(schematic=True, layout_element="三街", zone_kind="area", geometry_basis="stand-in")
    dg_line = streets["dongguan"][0]
    return {
        "block-dongguan": feature(
            "block-dongguan", "东关街历史文化街区", "Dongguan Street historic and cultural block", dongguan,
            source=sources(f"{DOC_003} 第六章三、专栏4", S_001_LAYOUT, S_001_SD + "（日新街道）", S_FACTS, S_ROADS),
            method="polygon closed by the street helper's lines of the four streets the facts name as its bounds: "
                   "N 长江路 (OSM tram 201 track, ±50 m), E 顺利街, S 庆胜街, W 繁荣街 (placed from facts §5, ±200 m); "
                   f"clipped to the district. {NOT_SURVEYED}",
            accuracy_m=200.0, main_street="street-dongguan", main_street_name="东关街",
            main_street_length_m=round(dg_line.length, 1),
            bounds_text="北起长江路、南至庆胜街，西起繁荣街、东至顺利街 (facts §5)",
            area_ha=round(dongguan.area / 1e4, 2), published_area_ha=None,
            area_basis="no published area (facts §28); china.org.cn 2014: 「about half a square kilometer」, loose",
            aliases=_ALIASES["dongguan"], **common),
        "block-shengliqiao-north": feature(
            "block-shengliqiao-north", "胜利桥北异域文化街区（俄罗斯风情街、团结街及周边地区）",
            "Shengliqiao North exotic-culture area (Russian Street, Tuanjie Street and surroundings)", shengliqiao,
            source=sources(f"{DOC_003} 第六章三", S_001_LAYOUT, S_001_SD + "（日新街道）", S_FACTS, S_ROADS),
            method=f"the published core area ({SHENGLIQIAO_CORE_HA} ha, facts §7) laid round the 团结街 centre line "
                   f"(half-width {lo:.0f} m, flat caps, south end at 胜利桥), then clipped to the district outline "
                   "(the schematic 团结街 runs past it at the north-west). Its bounding streets (功勋街–民乐街–汾阳巷, "
                   f"忠诚巷–烟台街, 上海路–光辉巷–海洋街) are not on the map. {NOT_SURVEYED}",
            accuracy_m=250.0, main_street="street-shengliqiao-north", main_street_name="团结街（俄罗斯风情街）",
            main_street_length_m=round(tuanjie.length, 1),
            bounds_text="核心保护范围：北至功勋街—民乐街—汾阳巷，南至长江路，西至忠诚巷—烟台街，东至上海路—光辉巷—海洋街 (facts §7)",
            area_ha=round(shengliqiao.area / 1e4, 2), published_area_ha=SHENGLIQIAO_CORE_HA,
            area_basis=f"published: core 「14.57公顷」, whole block 「40.47公顷」 (facts §7); drawn core "
                       f"{core.area / 1e4:.2f} ha before clipping to the district",
            aliases=_ALIASES["shengliqiao-north"], **common),
    }


# ---------------------------------------------------------------------------------------------- 夜经济
def rectangle_of_area(centre: Point, area_m2: float, aspect: float = 1.3) -> Polygon:
    """An axis-aligned rectangle of a given area around a point (footprint symbol of known site area)."""
    width = (area_m2 * aspect) ** 0.5
    height = area_m2 / width
    return shapely.box(centre.x - width / 2, centre.y - height / 2, centre.x + width / 2, centre.y + height / 2)


def build_night_economy(base: Base, circles: dict[str, dict[str, Any]],
                        streets: dict[str, Any]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    nothing = dict(floor_area_m2=None, site_area_m2=None, brand_count=None, parking_spaces=None,
                   merchants=None, opening_year=None)

    def add(fid: str, name: str, name_en: str, geom: shapely.Geometry, *, carrier_type: str, ruleset: str,
            zone_kind: str, method: str, accuracy_m: float, facts: str, geometry_known: bool,
            geometry_basis: str, carrier_cited: str, source: str = sources(S_000, S_FACTS), **props: Any) -> None:
        values = dict(nothing)
        values.update(props)
        values.setdefault("aliases", _ALIASES.get(fid, ""))
        values.update(geometry_basis=geometry_basis, carrier_cited=carrier_cited,
                      night_carrier_in_text=bool(carrier_cited))
        out[fid] = feature(fid, name, name_en, geom, source=source, method=method, accuracy_m=accuracy_m,
                           schematic=True, carrier_type=carrier_type, ruleset=ruleset, zone_kind=zone_kind,
                           geometry_known=geometry_known, facts=facts, two_circles_three_streets=
                           name in _TWO_CIRCLES_THREE_STREETS, **values)

    # 两圈: the two business circles as carrier areas (same outline as the business-circles layer)
    for fid, circle_id in (("ne-olympic-circle", "circle-olympic"), ("ne-xianglujiao-circle", "circle-xianglujiao")):
        circle = circles[circle_id]
        props = circle["properties"]
        add(fid, props["name"], props["name_en"], shape(circle["geometry"]), lonlat=True, carrier_type="商圈",
            ruleset="none", zone_kind="area", method=f"same outline as {circle_id}: {props['method']}",
            accuracy_m=props["accuracy_m"], geometry_known=False, geometry_basis="stand-in",
            carrier_cited=f"{DOC_000} 二(二)（两圈三街）", aliases=props["aliases"],
            source=sources(f"{DOC_000} 二(二)", props["source"]),
            facts="两圈三街 (seed 000 二(二)); 2021 spring campaign: passenger flow +300 % (奥林匹克) and +240 % "
                  "(香炉礁) (seed 000)" if fid == "ne-olympic-circle" else
                  "两圈三街 (seed 000 二(二)); IKEA 営業面積 41,000 m² (facts §20)")

    # 三街 + 八一路好吃街: street polygons
    for fid, key, name, name_en in (("ne-russian-street", "shengliqiao-north", "俄罗斯风情街",
                                     "Russian Street (Tuanjie Street)"),
                                    ("ne-dongguan-street", "dongguan", "东关街", "Dongguan Street")):
        centre, polygon, accuracy, width, width_basis, facts, road_name = streets[key]
        add(fid, name, name_en, polygon, carrier_type="商业街区", ruleset="night-economy-street",
            zone_kind="street", method=f"the {road_name} street polygon of layout-street-areas "
            f"(street-area-{key}): centre line buffered by {width:g}/2 m, flat caps. {NOT_SURVEYED}",
            accuracy_m=accuracy, geometry_known=False, facts=f"{facts}; merchant count not found (facts §28)",
            width_m=width, width_basis=width_basis, length_m=round(centre.length, 1),
            opening_year=2024 if key == "dongguan" else None, geometry_basis="stand-in",
            carrier_cited=f"{DOC_000} 二(二)（两圈三街）" + ("、二(四)（一街一策）" if key != "dongguan" else ""),
            source=sources(f"{DOC_000} 二(二)", f"{DOC_003} 第六章三", S_FACTS, S_ROADS),
            block=STREET_BLOCKS[key], aliases=_ALIASES[key])
    # 八一路好吃街: a 一轴 project of 专栏4 and a street 001 says was upgraded in the 13th plan period; no seed
    # names it as a night-economy carrier, and its section of 八一路 was not found: a placeholder, not the road
    bayi, m_by, acc_by, _ = road(base, "八一路")
    bayi_in = longest_line(shapely.line_merge(bayi.intersection(base.boundary.buffer(-30)))
                           if bayi.intersection(base.boundary.buffer(-30)).geom_type == "MultiLineString"
                           else bayi.intersection(base.boundary.buffer(-30)))
    food_anchor = nearest_on(bayi_in, base.app("八一路派出所"))
    add("ne-bayi-road-food-street", "八一路好吃街", "Bayi Road food street",
        food_anchor.buffer(60, quad_segs=8), carrier_type="商业街区", ruleset="night-economy-street",
        zone_kind="street",
        method="POSITION UNKNOWN: the food street's section of 八一路 was not found (facts §4, §28). A 60 m "
               "placeholder disc on the schematic 八一路 line at its point nearest the 八一路派出所 app point (facts "
               f"§4, BD-09→WGS84); its size and place say nothing about the street. 八一路: {m_by}",
        accuracy_m=2000.0, geometry_known=False, geometry_basis="placeholder", carrier_cited="",
        source=sources(f"{S_003_BOX}（一轴：八一路好吃街提升改造项目）", f"{DOC_001} 一(一)3（八一路“好吃街”等街区完成升级改造）",
                       S_FACTS),
        facts="「八一路好吃街提升改造项目」 (seed 003 专栏4, 一轴 重点实施); 「俄罗斯风情街、八一路“好吃街”等街区完成升级改造」 "
              "(seed 001 一(一)3, 13th plan period); NOT named as a night-economy carrier in seed 000 (两圈三街 and "
              "the carriers of 二(一)/二(四) do not include it): listed here as a candidate street. The name was not "
              "found in any page; no length, width or shop count (facts §4, §28)",
        placeholder=True, width_m=None, width_basis="not published (facts §28)", length_m=None)

    # 日本饮食文化街 (锦华): nothing located (facts §8). A small placeholder at the Olympic 商圈 edge.
    centre = pt(121.6074, 38.9139)  # Amap district centre → WGS84 (facts §27): a neutral, central spot
    add("ne-japanese-food-street", "锦华日本饮食文化街", "Jinhua Japanese food culture street",
        centre.buffer(60, quad_segs=8), carrier_type="商业街区", ruleset="night-economy-street",
        zone_kind="street",
        method="POSITION UNKNOWN: nothing was found under 锦华 / 日本饮食文化街 (facts §8). A 60 m placeholder disc at "
               "the district centre (Amap centre → WGS84, facts §27); its size and place say nothing about the "
               "street, its southern part or its 「H型延伸区域」 (seed 000).",
        accuracy_m=3000.0, geometry_known=False, source=sources(f"{DOC_000} 二(二)、二(四)", S_003_BOX, S_FACTS),
        geometry_basis="placeholder", carrier_cited=f"{DOC_000} 二(二)（两圈三街）、二(四)",
        facts="两圈三街 (seed 000); 「南侧业态已逐步置换为日式餐饮…引导街区北侧和H型延伸区域逐步置换」 (seed 000 二(四)); "
              "「汇景天地和锦华日本饮食文化街提升改造项目」 (seed 003 专栏4, 四片区 重点实施); location not found "
              "(facts §8)", placeholder=True)

    # 滨海区域
    outlet = unary_union([base.app("百年港湾奥特莱斯"), base.app("百年港湾奥特莱斯A1区")]).centroid
    shore = nearest_on(base.north_shore, outlet)
    seaside = LineString([outlet, shore]).buffer(220).intersection(base.boundary)
    add("ne-outlets-seaside", "百年港湾奥特莱斯滨海区域", "Bainian Harbour outlets seaside",
        single(seaside), carrier_type="滨海区域", ruleset="none", zone_kind="area",
        method="220 m around the segment from 百年港湾奥特莱斯 A/A1 (facts §20, BD-09→WGS84) to the nearest "
               f"GSHHG north shore point ({outlet.distance(shore):.0f} m away), clipped to the district. "
               f"{NOT_SURVEYED}", accuracy_m=300.0, geometry_known=False, geometry_basis="stand-in",
        carrier_cited=f"{DOC_000} 二(一)（夜经济落地载体）", source=sources(f"{DOC_000} 二(一)", S_FACTS, S_COAST),
        facts="夜经济落地载体 (seed 000 二(一)); 「利用百年奥莱滨海区域的观海优势」 (seed 000); area and opening not "
              "found (facts §28); 百年港湾 residential project 占地 100,400 m² (facts §20, app data, low)")
    # 付家庄: the district outline's own south edge nearest the 付家庄 app points stands for the shore (the
    # GSHHG shore lies ~200 m outside the outline here); 250 m inland of 500 m of it, inside the district
    fujia = unary_union([base.app("大连付家庄医院"), base.app("惠君庭(付家庄华泰街)")]).centroid
    edge = base.boundary.exterior
    shore_pt = nearest_on(edge, fujia)
    shore_edge = edge.intersection(shore_pt.buffer(250))
    seaside_fj = single(shore_edge.buffer(250).intersection(base.boundary.buffer(-1)))
    add("ne-fujiazhuang-seaside", "付家庄滨海区域", "Fujiazhuang seaside", seaside_fj,
        carrier_type="滨海区域", ruleset="none", zone_kind="area",
        method="district land within 250 m of the 500 m of district outline nearest 付家庄 (付家庄医院, 惠君庭 华泰街 "
               "app points, facts §23, BD-09→WGS84; the outline point is "
               f"{fujia.distance(shore_pt):.0f} m from them). The outline stands for the shore here because the GSHHG "
               "shore lies ~200 m outside it; the beach runs E–W, 450–550 m (facts §23). "
               f"{NOT_SURVEYED}", accuracy_m=300.0, geometry_known=False, geometry_basis="stand-in",
        carrier_cited=f"{DOC_000} 二(一)（付家庄滨海区域等夜经济落地载体）", source=sources(f"{DOC_000} 二(一)", S_FACTS, S_BOUNDARY),
        facts="夜经济落地载体 (seed 000 二(一)); 傅家庄浴场: sand 2.6万 m², shoreline 450 m, E–W (facts §23; SCMP: "
              "550 m); park 40 ha (facts §23, low)")

    # 商业综合体
    olympia = base.app("恒隆广场")
    add("ne-olympia66", "恒隆广场", "Olympia 66", rectangle_of_area(olympia, 63_400),
        carrier_type="商业综合体", ruleset="night-economy-complex", zone_kind="complex",
        method="a rectangle of the published site area (63,400 m², facts §19) centred on the app point "
               "(BD-09 38.9127,121.616 → WGS84, facts §27); outline and orientation are not surveyed",
        accuracy_m=200.0, geometry_known=False, source=sources(f"{DOC_000} 二(四)", S_001_SD + "（白云街道）", S_FACTS),
        geometry_basis="supplied", carrier_cited=f"{DOC_000} 二(四)",
        facts="商业面积 221,900 m² (sagapedia/wikimili, high; 半岛晨报 repost 「商業面積22.19萬平方米」), site "
              "63,400 m² (constructionplusasia), 建筑面积 371,900 m², 7 floors + 3 basements, 「400多家品牌」 "
              "expected, 「近1300個停車位」 (半岛晨报 repost, medium), completed 2015 (facts §19); 33 luxury brands "
              "planned in 2021 (seed 000 二(四)); merchant count not found",
        floor_area_m2=221_900.0, site_area_m2=63_400.0, gross_floor_area_m2=371_900.0, brand_count=400,
        parking_spaces=1300, opening_year=2015)
    square = base.app("奥林匹克广场")
    add("ne-olympic-electronics-hema", "奥林匹克电子城（盒马鲜生）", "Olympic Electronics City (Hema)",
        square.buffer(40, quad_segs=8), carrier_type="商业综合体", ruleset="night-economy-complex",
        zone_kind="complex",
        method="POSITION ASSUMED: the building was not located; a 40 m placeholder disc at the 奥林匹克广场 app "
               "point (facts §19/§27), the centre of the 商圈 it belongs to (seed 000)",
        accuracy_m=400.0, geometry_known=False, geometry_basis="placeholder", carrier_cited=f"{DOC_000} 二(四)",
        source=sources(f"{DOC_000} 二(四)", S_001_SD + "（白云街道：盒马鲜生西岗店）", S_FACTS),
        facts="「同属奥林匹克商圈的奥林匹克电子城2021年引入盒马鲜生，并设置超外熟食街区」 (seed 000 二(四)); "
              "盒马鲜生西岗店 (seed 001, 白云街道); floor area and merchants not found", placeholder=True)
    market = LineString([outlet, shore]).interpolate(0.6, normalized=True)
    add("ne-harbour-market", "港湾市集", "Harbour Market", market.buffer(50, quad_segs=8),
        carrier_type="商业综合体", ruleset="night-economy-complex", zone_kind="complex",
        method="POSITION ASSUMED: a 50 m placeholder disc between 百年港湾奥特莱斯 and the shore (seed 000 puts the "
               "market in the outlets' seaside area); not located in any source",
        accuracy_m=400.0, geometry_known=False, geometry_basis="placeholder", carrier_cited=f"{DOC_000} 二(一)",
        source=sources(f"{DOC_000} 二(一)", S_FACTS),
        facts="「利用百年奥莱滨海区域的观海优势，积极促成港湾市集的品质升级」; containers and 发光市集, food, bars, "
              "culture and performance (seed 000 二(一)); size and merchants not found", placeholder=True)
    for item in out.values():
        item["properties"].setdefault("placeholder", False)
    return out


_TWO_CIRCLES_THREE_STREETS = {"奥林匹克商圈", "香炉礁商圈", "俄罗斯风情街", "锦华日本饮食文化街", "东关街"}


# ---------------------------------------------------------------------------------------------- 重点项目
Z4 = "003专栏4"
T1 = "001二(二)2"
#: (id, name, name_en, layout_element, layout_zone, status, listed_in, subdistrict named in 001, placement)
#: placement: ("app", name) | ("osm", name, accuracy) | ("wgs", (lon, lat), accuracy, basis) |
#:            ("mid", [app names]) | ("centre", feature id, accuracy) | ("in", [feature ids], near) |
#:            ("near-road", road, app or None) | ("west-of", street id, metres)
AXIS = "长春路—八一路综合发展轴"
NB, SB = "北部宜居休闲商务海湾", "南部生态文化旅游海湾"
PROJECTS: list[tuple[str, str, str, str, str, str, list[str], str, tuple]] = [
    # 一轴 (专栏4)
    ("proj-poly-xiyue", "保利·熙悦", "Poly Xiyue", "一轴", AXIS, "重点实施", [Z4], "", ("in", [], "axis")),
    ("proj-yixiehui-cancer-hospital", "医协汇肿瘤医院", "Yixiehui cancer hospital", "一轴", AXIS, "重点实施",
     [Z4], "", ("in", [], "axis")),
    ("proj-yiyangyuan-elderly-centre", "大连颐养苑养老服务中心", "Dalian Yiyangyuan elderly care centre", "一轴",
     AXIS, "重点实施", [Z4, f"{T1} 白云街道"], "白云街道", ("in", ["sd-baiyun"], "axis")),
    ("proj-dalian-university-science-park", "大连大学科创园", "Dalian University science park", "一轴", AXIS,
     "重点实施", [Z4], "", ("in", [], "axis")),
    ("proj-weihua-street-north-plot", "威华街北侧地块改造项目", "Weihua Street north plot renewal", "一轴", AXIS,
     "重点实施", [Z4, f"{T1} 白云街道"], "白云街道", ("in", ["sd-baiyun"], "axis")),
    ("proj-bayi-road-food-street", "八一路好吃街提升改造项目", "Bayi Road food street upgrade", "一轴", AXIS,
     "重点实施", [Z4], "", ("centre", "ne-bayi-road-food-street", 1000.0)),
    ("proj-gas-holder-plots", "煤气大罐周边地块", "Plots around the gas holder", "一轴", AXIS, "拟推进",
     [Z4, f"{T1} 八一路街道（八一路煤气大罐周边改造）"], "八一路街道", ("in", ["sd-bayilu"], "bayi")),
    ("proj-tianyuan-villa-west-plot", "天源山庄西侧地块", "Plot west of Tianyuan Villa", "一轴", AXIS, "拟推进",
     [Z4], "", ("in", [], "axis")),
    ("proj-railway-west-station", "铁路西站改造项目", "Railway west station renewal", "一轴", AXIS, "拟推进",
     [Z4], "", ("in", [], "axis")),
    ("proj-yayuan-hotel", "雅苑酒店", "Yayuan Hotel", "一轴", AXIS, "力争盘活", [Z4, f"{T1} 白云街道（雅苑酒店提升改造）"],
     "白云街道", ("in", ["sd-baiyun"], "axis")),
    ("proj-xinzu-hotel", "心族大酒店", "Xinzu Hotel", "一轴", AXIS, "力争盘活", [Z4], "", ("in", [], "axis")),
    ("proj-former-hongguang-tower", "原宏光集团大厦", "Former Hongguang Group tower", "一轴", AXIS, "力争盘活",
     [Z4], "", ("in", [], "axis")),
    ("proj-changchun-road-north-opening", "长春路北段打通工程", "Opening of the north section of Changchun Road",
     "一轴", AXIS, "规划提及", ["003第六章一"], "", ("axis-north",)),
    # 两湾 (专栏4)
    ("proj-sunac-no1-courtyard", "融创壹号院", "Sunac No. 1 Courtyard", "两湾", NB, "重点实施",
     [Z4, f"{T1} 日新街道"], "日新街道", ("in", ["bay-north", "sd-rixin"], None)),
    ("proj-baiyun-yanshui-fitness-park", "白云雁水健身公园提升", "Baiyun Yanshui fitness park upgrade", "两湾", SB,
     "重点实施", [Z4], "", ("osm", "白云雁水", 400.0)),
    ("proj-coal-sanatorium", "煤炭疗养院提升工程", "Coal industry sanatorium upgrade", "两湾", SB, "重点实施", [Z4],
     "", ("in", ["bay-south"], "binhai")),
    ("proj-dayun-book-house", "大云书库", "Dayun book house", "两湾", SB, "重点实施", [Z4], "",
     ("in", ["bay-south"], "binhai")),
    ("proj-forest-zoo-upgrade", "森林动物园提升改造项目", "Forest Zoo upgrade", "两湾", SB, "重点实施", [Z4], "",
     ("osm", "森林动物园南门", 1500.0)),
    ("proj-fishing-vessel-plant", "大连渔轮厂", "Dalian fishing vessel plant", "两湾", NB, "拟推进", [Z4], "",
     ("in", ["bay-north"], "shore")),
    ("proj-xinda-aquatic-plot", "信达水产制品厂地块", "Xinda aquatic products plant plot", "两湾", SB, "拟推进",
     [Z4, f"{T1} 八一路街道（信达水产地块改造）"], "八一路街道", ("in", ["bay-south", "sd-bayilu"], None)),
    ("proj-ship-sanatorium", "船舶疗养院", "Shipbuilding sanatorium", "两湾", SB, "拟推进", [Z4], "",
     ("in", ["bay-south"], "binhai")),
    ("proj-fujiazhuang-park", "付家庄公园提升改造项目", "Fujiazhuang Park upgrade", "两湾", SB, "拟推进", [Z4], "",
     ("centre", "ne-fujiazhuang-seaside", 400.0)),
    ("proj-bayi-road-culture-tourism-park", "八一路文旅园区项目", "Bayi Road culture and tourism park", "两湾", SB,
     "拟推进", [Z4], "", ("in", ["bay-south"], "bayi")),
    ("proj-equestrian-arena", "马术表演场", "Equestrian show arena", "两湾", SB, "拟推进", [Z4], "",
     ("in", ["bay-south"], None)),
    ("proj-bayi-road-220-plot", "八一路220号地块项目", "No. 220 Bayi Road plot", "两湾", SB, "拟推进", [Z4], "",
     ("in", ["bay-south"], "bayi")),
    # 三街 (专栏4)
    ("proj-dongguan-street-conservation", "东关街历史文化街区保护与利用项目",
     "Dongguan Street historic block conservation and use", "三街", "东关街历史文化街", "重点实施",
     [Z4, f"{T1} 日新街道（东关街历史文化街）"], "日新街道", ("centre", "block-dongguan", 250.0)),
    ("proj-gorky-fengming-plots", "高尔基路-凤鸣街沿线地块", "Plots along Gorky Road and Fengming Street", "三街",
     "凤鸣街休闲文化街", "拟推进",
     [Z4, f"{T1} 人民广场街道（高尔基路—凤鸣街历史风貌街区建设）", f"{T1} 白云街道（凤鸣街休闲文化街建设）"],
     "人民广场街道、白云街道", ("between", "street-fengming", "sd-renminguangchang", "sd-baiyun")),
    ("proj-russian-street-upgrade", "俄罗斯风情街提升改造项目", "Russian Street upgrade", "三街", "胜利桥北异域文化街",
     "拟推进", [Z4, f"{T1} 日新街道（胜利桥北异域文化街）"], "日新街道",
     ("centre", "street-area-shengliqiao-north", 200.0)),
    # 四片区 (专栏4)
    ("proj-xianglujiao-trade-area-upgrade", "香炉礁商贸区提升工程", "Xianglujiao trade area upgrade", "四片区",
     "香炉礁国际商贸片区", "重点实施", [Z4], "", ("in", ["circle-xianglujiao"], None)),
    ("proj-impression-city-xinghai-mall", "印象城和星海商城提升改造项目", "Impression City and Xinghai Mall upgrade",
     "四片区", "奥林匹克时尚商业片区", "重点实施", [Z4], "", ("mid", ["印象城", "星海商城"])),
    ("proj-chuangguhui-centre", "大连创谷汇双创产业中心提升工程", "Dalian Chuangguhui innovation centre upgrade",
     "四片区", "奥林匹克时尚商业片区", "重点实施", [Z4, f"{T1} 白云街道（创谷汇科创中心）"], "白云街道",
     ("in", ["area-olympic", "sd-baiyun"], None)),
    ("proj-city-music-park", "大连城市音乐文化创意产业园", "Dalian city music creative industry park", "四片区",
     "奥林匹克时尚商业片区", "重点实施", [Z4], "", ("in", ["area-olympic"], None)),
    ("proj-dut-xigang-science-park", "大连理工大学-西岗科创产业园", "DUT–Xigang science and technology park",
     "四片区", "一二九街科技创新片区", "重点实施", [Z4, f"{T1} 日新街道"], "日新街道",
     ("in", ["area-yierjiu", "sd-rixin"], None)),
    ("proj-huijing-tiandi", "汇景天地", "Huijing Tiandi", "四片区", "（未指明）", "重点实施", [Z4], "",
     ("in", [], None)),
    ("proj-jinhua-japanese-food-street", "锦华日本饮食文化街提升改造项目", "Jinhua Japanese food street upgrade",
     "四片区", "（未指明）", "重点实施", [Z4], "", ("centre", "ne-japanese-food-street", 3000.0)),
    ("proj-weighing-instrument-plant-plot", "衡器厂地块改造项目", "Weighing instrument plant plot", "四片区",
     "香炉礁国际商贸片区", "拟推进", [Z4, f"{T1} 香炉礁街道（衡器厂地块改造）"], "香炉礁街道",
     ("in", ["area-xianglujiao", "sd-xianglujiao"], None)),
    ("proj-yinghe-aquatic-plot", "英和水产制品厂地块改造项目", "Yinghe aquatic products plant plot", "四片区",
     "（未指明）", "拟推进", [Z4, f"{T1} 日新街道（英和水产制品厂地块改造）"], "日新街道",
     ("in", ["bay-north", "sd-rixin"], None)),
    ("proj-bangchuidao-plot", "棒棰岛地块改造项目", "Bangchuidao (food plant) plot", "四片区", "（未指明）", "拟推进",
     [Z4, f"{T1} 日新街道（棒棰岛食品厂地块改造）"], "日新街道", ("in", ["bay-north", "sd-rixin"], None)),
    ("proj-municipal-north-south-plots", "市政南北地块改造项目", "Municipal north and south plots", "四片区",
     "一二九街科技创新片区", "拟推进", [Z4, f"{T1} 日新街道"], "日新街道", ("in", ["area-yierjiu", "sd-rixin"], None)),
    ("proj-unicom-plot", "联通地块改造项目", "China Unicom plot", "四片区", "（未指明）", "拟推进", [Z4], "",
     ("in", [], None)),
    ("proj-second-hand-market", "旧货市场改造项目", "Second-hand market renewal", "四片区", "香炉礁国际商贸片区",
     "拟推进", [Z4, "003第六章四（香炉礁旧货市场地块改造）", f"{T1} 香炉礁街道（旧货市场地块改造）"], "香炉礁街道",
     ("in", ["area-xianglujiao", "sd-xianglujiao"], None)),
    ("proj-kaixuan-mall-block-c", "凯旋商城C座改造项目", "Kaixuan Mall block C", "四片区", "站北中央活力片区",
     "拟推进", [Z4, f"{T1} 日新街道（凯旋商城C座提升改造）"], "日新街道", ("app", "凯旋商城")),
    ("proj-xingye-building-materials-market", "兴业建材市场改造项目", "Xingye building materials market",
     "四片区", "（未指明）", "拟推进", [Z4, f"{T1} 日新街道（兴业建材市场搬迁改造）"], "日新街道",
     ("west-of", "street-shengliqiao-north", 150.0)),
    ("proj-city-art-museum-phase2", "城市美术馆二期改造项目", "City art museum phase 2", "四片区", "（未指明）",
     "拟推进", [Z4, f"{T1} 日新街道（城市美术馆二期建设）"], "日新街道", ("in", ["bay-north", "sd-rixin"], None)),
    # named only per subdistrict in 001 (status 规划提及)
    ("proj-tourism-group-smart-scenic-area", "大连旅游集团智慧景区建设", "Dalian Tourism Group smart scenic area",
     "两湾", SB, "规划提及", [f"{T1} 八一路街道"], "八一路街道", ("in", ["bay-south", "sd-bayilu"], None)),
    ("proj-forest-zoo-phase2-arena", "森林动物园二期表演场", "Forest Zoo phase 2 show arena", "两湾", SB, "规划提及",
     [f"{T1} 八一路街道"], "八一路街道", ("offset", "proj-forest-zoo-upgrade", 0.0, 300.0)),
    ("proj-datong-street-underpass", "大同街地下人行通道", "Datong Street pedestrian underpass", "四片区",
     "奥林匹克时尚商业片区", "规划提及", [f"{T1} 人民广场街道（大同街地下通道建设）", "003第六章四"],
     "人民广场街道", ("datong",)),
    ("proj-xiangzhou-garden-hotel", "香洲花园酒店升级改造", "Xiangzhou Garden Hotel upgrade", "四片区",
     "奥林匹克时尚商业片区", "规划提及", [f"{T1} 人民广场街道"], "人民广场街道",
     ("in", ["area-olympic", "sd-renminguangchang"], None)),
    ("proj-xinkai-road-office-towers", "新开路商务楼宇升级（珠江大厦、外经贸大厦）",
     "Xinkai Road office towers upgrade (Zhujiang, Foreign Trade buildings)", "一轴", "（未指明；新开路与长春路相交）",
     "规划提及", [f"{T1} 人民广场街道"], "人民广场街道", ("mid", ["北京公园(新开路610号)", "润德广场(新开路)"])),
    ("proj-olympic-square-underground", "环奥林匹克广场地下空间开发", "Underground space around Olympic Square",
     "四片区", "奥林匹克时尚商业片区", "规划提及", [f"{T1} 白云街道"], "白云街道", ("app", "奥林匹克广场")),
    ("proj-hema-xigang", "盒马鲜生西岗店", "Hema Fresh Xigang store", "四片区", "奥林匹克时尚商业片区", "规划提及",
     [f"{T1} 白云街道", "000二(四)（奥林匹克电子城引入盒马鲜生）"], "白云街道",
     ("centre", "ne-olympic-electronics-hema", 400.0)),
    ("proj-dicp-old-site-renewal", "一二九街化物所老院区改造", "DICP old site renewal at Yierjiu Street", "四片区",
     "一二九街科技创新片区", "规划提及", [f"{T1} 日新街道", "003第六章四"], "日新街道",
     ("wgs", DICP_OLD_SITE, 200.0, "ja.wikipedia WGS84 coordinate of the DICP old site (facts §0, §17)")),
    ("proj-senmao-tower", "森茂大厦", "Senmao Tower", "四片区", "一二九街科技创新片区", "规划提及", [f"{T1} 日新街道"],
     "日新街道", ("in", ["area-yierjiu", "sd-rixin"], None)),
    ("proj-sams-metro-ikea-upgrade", "山姆会员店、麦德龙、宜家转型升级", "Sam's Club, Metro and IKEA upgrade",
     "四片区", "香炉礁国际商贸片区", "规划提及", [f"{T1} 香炉礁街道", "003第六章四"], "香炉礁街道",
     ("in", ["circle-xianglujiao"], None)),
    ("proj-asia-fishing-port", "亚洲渔港产业链延伸", "Asia Fishing Port value-chain extension", "四片区",
     "香炉礁国际商贸片区", "规划提及", [f"{T1} 香炉礁街道", "003第六章四"], "香炉礁街道",
     ("in", ["area-xianglujiao", "sd-xianglujiao"], None)),
]


def _radius_accuracy(geom: shapely.Geometry) -> float:
    """'Somewhere in this area': the radius of a disc of the same area, rounded up to 50 m (≥ 300 m)."""
    radius = (geom.area / np.pi) ** 0.5 if geom.area > 0 else geom.length / 2
    return float(max(300.0, np.ceil(radius / 50.0) * 50.0))


#: projects whose layout zone (bay / district) is our reading, not the text's: the reason
ZONE_INFERRED = {
    "proj-baiyun-yanshui-fitness-park": "专栏4 lists it under 两湾 without naming the bay; 白云雁水 lies in the southern hills",
    "proj-coal-sanatorium": "专栏4 lists it under 两湾 without naming the bay; not located (south coast assumed)",
    "proj-dayun-book-house": "专栏4 lists it under 两湾 without naming the bay; not located (001 一(一)2 names it "
                             "only among the 500米文化圈 buildings)",
    "proj-forest-zoo-upgrade": "专栏4 lists it under 两湾 without naming the bay; 001 三(一)2 groups the zoo with "
                               "the 付家庄海滨国家度假区",
    "proj-xinda-aquatic-plot": "专栏4 lists it under 两湾 without naming the bay; 001 puts it in 八一路街道, which "
                               "carries the southern bay",
    "proj-ship-sanatorium": "专栏4 lists it under 两湾 without naming the bay; not located (south coast assumed)",
    "proj-bayi-road-culture-tourism-park": "专栏4 lists it under 两湾 without naming the bay; 八一路 runs to the southern bay",
    "proj-equestrian-arena": "专栏4 lists it under 两湾 without naming the bay; not located",
    "proj-bayi-road-220-plot": "专栏4 lists it under 两湾 without naming the bay; 八一路 runs to the southern bay",
    "proj-tourism-group-smart-scenic-area": "001 names it only under 八一路街道, which carries the southern bay",
    "proj-forest-zoo-phase2-arena": "001 names it only under 八一路街道; with the zoo in the southern bay",
    "proj-chuangguhui-centre": "专栏4 lists it under 四片区 without naming the district; 001 names it in the 白云街道 "
                               "paragraph next to the 奥林匹克时尚片区",
    "proj-city-music-park": "专栏4 lists it under 四片区 without naming the district; 003 第六章四 names the "
                            "城市音乐馆 (not this park) in the 奥林匹克 district",
    "proj-kaixuan-mall-block-c": "专栏4 lists it under 四片区 without naming the district; 001 names it in the 日新 "
                                 "sentence on the northern bay; 凯旋商城 lies at 站北 (facts §21)",
}
#: positions that rest on a neighbouring anchor, not on the project's own place
INFERRED_POSITION = {"proj-xinkai-road-office-towers": "珠江大厦 and 外经贸大厦 not located; midpoint of two 新开路 app points",
                     "proj-forest-zoo-upgrade": "the zoo covers 7.2 km²; its south-gate cableway station stands for it",
                     "proj-hema-xigang": "奥林匹克电子城 not located; assumed at the 奥林匹克广场 app point"}
#: projects deliberately drawn on one anchor (closer than MIN_SPACING_M): the stated reason
CO_LOCATED = {
    frozenset({"proj-olympic-square-underground", "proj-hema-xigang"}):
        "both rest on the 奥林匹克广场 app point: the underground space is round the square, 奥林匹克电子城 (盒马) "
        "was not located and is assumed there",
    frozenset({"proj-olympic-square-underground", "proj-impression-city-xinghai-mall"}):
        "印象城 and 星海商城 stand on the 奥林匹克广场 (app points 90–170 m apart, facts §19)",
    frozenset({"proj-hema-xigang", "proj-impression-city-xinghai-mall"}):
        "all round the 奥林匹克广场 app points (facts §19); 奥林匹克电子城 not located",
}
#: where the seeds disagree about a project
CONFLICTS = {
    "proj-city-art-museum-phase2": "003 第六章四 names 城市美术馆 with the 奥林匹克时尚商业片区 (与城市音乐馆、城市美术馆等业态互动互融); "
                                   "001 二(二)2 lists 城市美术馆二期建设 in 日新街道 under the northern bay; facts §7 put the "
                                   "大连艺术展览馆 at the south tip of Russian Street. Drawn per 001 (日新, northern bay)",
}
MIN_SPACING_M = 100.0
#: projects that are the whole of a drawn zone (a block's conservation, a street's upgrade)
COVERS_ZONE = {"proj-dongguan-street-conservation", "proj-russian-street-upgrade"}
_LISTED_CITATION = {"003专栏4": S_003_BOX, "001二(二)2": S_001_SD, "003第六章一": f"{DOC_003} 第六章一",
                    "003第六章四": f"{DOC_003} 第六章四", "000二(四)": f"{DOC_000} 二(四)"}


def project_sources(listed_in: list[str], extra: str = "") -> str:
    """Cite exactly the parts of the seeds a project is listed in, then the facts (and OSM where used)."""
    cites = []
    for item in listed_in:
        key = next(k for k in _LISTED_CITATION if item.startswith(k))
        cites.append(_LISTED_CITATION[key])
    return sources(*cites, S_FACTS, extra)


def build_projects(base: Base, zones: dict[str, dict[str, Any]],
                   subdistricts: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Key projects as points; each placement says what it rests on and how far it can be off.

    Points of projects with known anchors are placed first; projects placed "somewhere in a zone" are spread
    so that no two projects are closer than MIN_SPACING_M unless CO_LOCATED states why.
    """
    metric = {fid: to_metric(shape(f["geometry"])) for fid, f in zones.items()}
    axis = metric["axis-changchun-bayi"]
    near_lines = {"axis": axis, "bayi": road(base, "八一路")[0], "shore": base.north_shore,
                  "binhai": road(base, "滨海路")[0] if "滨海路" in base.roads else base.south_shore}
    near_names = {"axis": "the 长春路—八一路 axis", "bayi": "八一路", "shore": "the GSHHG north shore",
                  "binhai": "滨海路 (the coast road)" if "滨海路" in base.roads else "the GSHHG south shore"}
    zone_names = {fid: f["properties"]["name"] for fid, f in zones.items()}
    inside = base.boundary.buffer(-10.0)

    placed: dict[str, tuple[Point, float, str, str]] = {}  # pid -> (point, accuracy, basis, location_kind)
    for pid, *_, placement in PROJECTS:
        kind = placement[0]
        if kind == "app":
            point, accuracy = base.app(placement[1]), 200.0
            basis = f"app point 「{placement[1]}」 facts {APP_BD09[placement[1]][2]}, BD-09→WGS84"
        elif kind == "osm":
            point, accuracy = base.station(placement[1]), placement[2]
            basis = f"at the OSM station {placement[1]} ({OSM_NODES[placement[1]]}); the site around it is not mapped"
        elif kind == "wgs":
            point, accuracy, basis = pt(*placement[1]), placement[2], placement[3]
        elif kind == "mid":
            point = shapely.MultiPoint([base.app(n) for n in placement[1]]).centroid
            accuracy = 250.0
            basis = ("midpoint of app points " + "、".join(f"「{n}」" for n in placement[1])
                     + " (facts " + ", ".join(dict.fromkeys(ref for n in placement[1] for ref in APP_BD09[n][2].split(", ")))
                     + "), BD-09→WGS84")
        elif kind == "centre":
            geom = metric[placement[1]]
            point = geom.interpolate(0.5, normalized=True) if geom.geom_type == "LineString" else \
                geom.representative_point()
            accuracy = max(placement[2], float(zones[placement[1]]["properties"]["accuracy_m"]))
            basis = (f"the project covers {placement[1]} ({zone_names[placement[1]]}): point at its centre"
                     if pid in COVERS_ZONE else
                     f"position not found: placed at the centre of {placement[1]} ({zone_names[placement[1]]})")
        elif kind == "axis-north":
            point = axis.interpolate(300.0)
            accuracy = 500.0
            basis = "on the axis 300 m from its north (shore) end: the 长春路 north section to be opened"
        elif kind == "datong":
            point = datong_underpass(base)
            accuracy = 500.0
            basis = ("position not found: on 大同街 (named road line, the district's west edge) midway between the "
                     "中山路 crossing and the 大同街 tram stop (OSM); the underpass serves the 奥林匹克 district (003 第六章四)")
        elif kind == "west-of":
            line = metric[placement[1]]
            mid = line.interpolate(0.5, normalized=True)
            point = Point(mid.x - placement[2], mid.y)
            accuracy = 300.0
            basis = (f"position not found: {placement[2]:g} m west of the middle of {zone_names[placement[1]]}: the "
                     "market lies on the west side of Russian Street (facts §7)")
        elif kind == "between":
            # listed by two subdistricts (001): on the street where their schematic boundary crosses it, 1 m
            # inside the first named
            line, first, second = metric[placement[1]], metric[placement[2]], metric[placement[3]]
            cross = shapely.get_parts(line.intersection(first.boundary.intersection(second.boundary.buffer(0.5))))
            at = min(cross, key=lambda p: p.distance(line.interpolate(0.5, normalized=True))).centroid
            ahead = line.interpolate(line.project(at) + 1.0)
            back = line.interpolate(line.project(at) - 1.0)
            point = ahead if first.contains(ahead) else back
            accuracy = 600.0
            basis = (f"position not found: on {zone_names[placement[1]]} where the schematic boundary of "
                     f"{zone_names[placement[2]]} and {zone_names[placement[3]]} crosses it (001 lists the project "
                     "under both), 1 m inside the first")
        elif kind in ("in", "offset"):
            continue
        else:  # pragma: no cover - table error
            raise ValueError(f"{pid}: unknown placement {placement}")
        location_kind = ("zone" if kind in {"centre", "axis-north", "between"} else
                         "inferred" if kind in {"datong", "west-of"} or pid in INFERRED_POSITION else "anchored")
        if pid in INFERRED_POSITION:
            basis += f" ({INFERRED_POSITION[pid]})"
        placed[pid] = (point, accuracy, basis, location_kind)

    def free(point: Point, pid: str) -> bool:
        return all(point.distance(p) >= MIN_SPACING_M or frozenset({pid, other}) in CO_LOCATED
                   for other, (p, *_) in placed.items() if other != pid)

    # projects placed relative to another project (森林动物园二期表演场: in the zoo, towards 滨海路)
    for pid, *_, placement in PROJECTS:
        if placement[0] == "offset":
            ref, *_ = placed[placement[1]]
            point = Point(ref.x + placement[2], ref.y + placement[3])
            placed[pid] = (point, 800.0, f"position not found: {abs(placement[3]):.0f} m "
                           f"{'north' if placement[3] > 0 else 'south'} of {placement[1]} (the zoo's south gate): "
                           "phase 2 (wildlife park, 2000) lies near 滨海路 (facts §24)", "inferred")

    # "somewhere in a zone": spread along a line or round the zone's centre, keeping MIN_SPACING_M
    groups: dict[tuple, list[str]] = {}
    for pid, *_, placement in PROJECTS:
        if placement[0] == "in":
            groups.setdefault((tuple(placement[1]), placement[2]), []).append(pid)
    for (zone_ids, near), members in groups.items():
        area = base.land
        for zid in zone_ids:
            area = area.intersection(metric[zid])
        inner = area.buffer(-60) if area.buffer(-60).area > 0 else area
        inner = inner.intersection(inside)
        label = " ∩ ".join(zone_names[z] for z in zone_ids) or "the district (land)"
        if near is not None:
            line = near_lines[near].intersection(inner)
            if line.is_empty:
                line = LineString([nearest_on(inner, near_lines[near].centroid), inner.representative_point()])
                how = f"position not found: spread inside {label}, towards {near_names[near]}"
            else:
                line = shapely.line_merge(line) if line.geom_type == "MultiLineString" else line
                how = f"position not found: spread along {near_names[near]} inside {label}"
            line = longest_line(line) if line.geom_type != "LineString" else line
            accuracy = max(_radius_accuracy(area), 500.0) if zone_ids else 2500.0
            for i, pid in enumerate(members):
                start = line.length * (i + 1) / (len(members) + 1)
                candidates = [line.interpolate(start + sign * k * 20.0) for k in range(0, int(line.length / 20) + 1)
                              for sign in (1, -1)]
                point = next((c for c in candidates if free(c, pid)), candidates[0])
                placed[pid] = (point, accuracy, how, "zone")
        else:
            centre = inner.representative_point()
            accuracy = _radius_accuracy(area) if zone_ids else 3000.0
            how = f"position not found: placed inside {label}, spread round its centre"
            for i, pid in enumerate(members):
                candidates = [centre] + [Point(centre.x + r * np.cos(t), centre.y + r * np.sin(t))
                                         for r in np.arange(60.0, 3000.0, 60.0)
                                         for t in np.linspace(0, 2 * np.pi, 16, endpoint=False) + np.pi / 2 + i]
                point = next((c for c in candidates if inner.contains(c) and free(c, pid)), centre)
                placed[pid] = (point, accuracy, how, "zone")

    sd_ll = {sid: shape(f["geometry"]) for sid, f in subdistricts.items()}
    out = {}
    for pid, name, name_en, element, zone, status, listed_in, text_sd, placement in PROJECTS:
        point, accuracy, basis, location_kind = placed[pid]
        if not inside.contains(point):
            # a point on a boundary road (大同街, 不老街) goes 10 m inside, into the district it belongs to
            point = nearest_on(inside, point)
            basis += "; moved 10 m inside the district boundary, which runs along this road"
        point_ll = shapely.set_precision(to_lonlat(point), 1e-7)
        subdistrict = next((sd_ll_name(subdistricts, sid) for sid, g in sd_ll.items() if g.covers(point_ll)), "")
        if not subdistrict:
            sid = min(sd_ll, key=lambda s: sd_ll[s].distance(point_ll))
            subdistrict = sd_ll_name(subdistricts, sid)
        co_located = sorted(next(iter(pair - {pid})) for pair in CO_LOCATED if pid in pair)
        zone_inferred = pid in ZONE_INFERRED
        out[pid] = feature(
            pid, name, name_en, point_ll, lonlat=True,
            source=project_sources(listed_in, S_OSM if placement[0] == "osm" else ""),
            method=f"{basis}. Subdistrict by point-in-polygon in the schematic subdistricts layer.",
            accuracy_m=accuracy, schematic=location_kind != "anchored",
            layout_element=element, layout_zone=zone, status=status, listed_in="；".join(listed_in),
            subdistrict=subdistrict, subdistrict_in_text=text_sd, location_basis=basis,
            location_kind=location_kind, layout_zone_inferred=zone_inferred,
            layout_zone_basis=(f"inferred: {ZONE_INFERRED[pid]}" if zone_inferred else "as the text groups it"),
            co_located_with="、".join(co_located),
            co_location_note="; ".join(CO_LOCATED[frozenset({pid, o})] for o in co_located),
            conflict=CONFLICTS.get(pid, ""))
    return out


def sd_ll_name(subdistricts: dict[str, dict[str, Any]], sid: str) -> str:
    return subdistricts[sid]["properties"]["name"]


# ---------------------------------------------------------------------------------------------- main
#: plan features that may lie partly outside the district outline, and why
OUTSIDE_REASONS = {
    **{key: "the schematic 团结街 line (±150 m, data/anchors) starts at the north end of 胜利桥, on the district "
            "edge (the OSM tram stop 胜利桥 lies just outside the converted outline); its first ~70 m run outside. "
            "Russian Street itself is in Xigang (「西崗區團結街19號」, facts §7)"
       for key in ("street-shengliqiao-north", "street-area-shengliqiao-north", "ne-russian-street")},
    **{key: "the schematic 凤鸣街 line (position schematic, ±200 m, parallel to 高尔基路) overruns the converted "
            "outline by ~110 m at its east end; 凤鸣街 is in Xigang (facts §6)"
       for key in ("street-fengming", "street-area-fengming")},
}
#: share of a feature inside the outline below which it must carry an outside_reason
INSIDE_SHARE = 0.99
PUBLISHED_AREA_KM2 = 23.94  # facts §1 (Dalian Statistical Yearbook 2012, via Wikipedia)


def in_district_share(geom_m: shapely.Geometry, boundary: shapely.Geometry) -> float:
    """Share of a feature inside the district: by area, by length for lines, 0/1 for points."""
    if geom_m.geom_type in ("Polygon", "MultiPolygon"):
        return geom_m.intersection(boundary).area / geom_m.area
    if geom_m.geom_type in ("LineString", "MultiLineString"):
        return geom_m.intersection(boundary.buffer(0.5)).length / geom_m.length
    return float(boundary.buffer(0.5).contains(geom_m))


def mark_inside(base: Base, layers: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Every plan feature gets ``in_district_share``; one below INSIDE_SHARE must say why (else the build
    fails)."""
    for items in layers.values():
        for fid, item in items.items():
            share = in_district_share(to_metric(shape(item["geometry"])), base.boundary)
            item["properties"]["in_district_share"] = round(share, 3)
            reason = OUTSIDE_REASONS.get(fid, "") if share < INSIDE_SHARE else ""
            if share < INSIDE_SHARE and not reason:
                raise ValueError(f"{fid}: {share:.1%} inside the district and no outside_reason")
            item["properties"]["outside_reason"] = reason


def build_land(base: Base) -> dict[str, dict[str, Any]]:
    """The district's land: the outline minus the harbour water, for coverage shares over land."""
    land_km2 = base.land.area / 1e6
    return {"xigang-land": feature(
        "xigang-land", "西岗区陆域（示意）", "Xigang District land (schematic)", base.land,
        source=sources(S_BOUNDARY, S_COAST),
        method="the district outline cut by the GSHHG 2.3.7 shore; the largest land face is kept (the rest is the "
               "harbour water the Amap outline includes on the north side, and rocks). The GSHHG shore predates the "
               "north-shore reclamation (port, 香炉礁), so reclaimed land there counts as water: the land is "
               f"under-counted. Computed {land_km2:.2f} km² against the published {PUBLISHED_AREA_KM2} km² "
               "(Dalian Statistical Yearbook 2012, facts §1).",
        accuracy_m=200.0, schematic=True, area_km2=round(land_km2, 2),
        outline_area_km2=round(base.boundary.area / 1e6, 2), published_area_km2=PUBLISHED_AREA_KM2,
        area_note=f"{land_km2:.2f} km² computed vs {PUBLISHED_AREA_KM2} km² published: the GSHHG coastline predates "
                  "the reclamation of the north shore, so the computed land is smaller; the outline "
                  f"({base.boundary.area / 1e6:.2f} km²) includes harbour water")}


def main() -> None:
    base = Base()
    districts = build_districts(base)
    circles = build_circles(base)
    bays = build_bays(base)
    axis = build_axis(base)
    street_lines, street_areas, street_geoms = build_streets(base)
    blocks = build_blocks(base, street_geoms)
    night = build_night_economy(base, circles, street_geoms)
    zones = {**districts, **circles, **bays, **axis, **street_lines, **street_areas, **blocks, **night}
    subdistricts = build_subdistricts(base, zones)
    zones.update(subdistricts)
    projects = build_projects(base, zones, subdistricts)
    layers = {"layout-axis": axis, "layout-bays": bays, "layout-streets": street_lines,
              "layout-street-areas": street_areas, "layout-blocks": blocks, "layout-districts": districts,
              "business-circles": circles, "night-economy": night, "subdistricts": subdistricts,
              "key-projects": projects}
    mark_inside(base, layers)
    layers["district-land"] = build_land(base)
    for layer_id, items in layers.items():
        write(layer_id, list(items.values()))
    for pid, item in projects.items():
        props = item["properties"]
        if props["subdistrict_in_text"] and props["subdistrict"] not in props["subdistrict_in_text"]:
            print(f"  note: {pid} lies in {props['subdistrict']} but 001 names it under {props['subdistrict_in_text']}")


if __name__ == "__main__":
    main()
