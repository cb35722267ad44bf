"""Basemaps the planner can choose. ``none`` needs no internet: the plan's own base layers drawn quietly."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import folium


@dataclass(frozen=True)
class Basemap:
    id: str
    label_zh: str
    label_en: str
    #: the datum the tiles are drawn in; every layer is shifted into it before it goes on the map
    datum: Literal["wgs84", "gcj02"]
    online: bool
    needs_key: bool = False

    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_zh


BASEMAPS: dict[str, Basemap] = {
    b.id: b
    for b in (
        Basemap("none", "无底图（离线）", "None (offline)", "wgs84", online=False),
        Basemap("osm", "OpenStreetMap", "OpenStreetMap", "wgs84", online=True),
        Basemap("amap", "高德地图", "Amap", "gcj02", online=True),
        Basemap("tianditu", "天地图", "Tianditu", "wgs84", online=True, needs_key=True),
    )
}

OSM_ATTRIBUTION = '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'


def available_basemaps(tianditu_key: str | None) -> list[Basemap]:
    """Basemaps on offer: Tianditu only with a key."""
    return [b for b in BASEMAPS.values() if not b.needs_key or tianditu_key]


def tile_layers(basemap: Basemap, tianditu_key: str | None = None) -> list[folium.TileLayer]:
    """The folium tile layers of an online basemap (none for ``none``)."""
    if basemap.id == "osm":
        return [folium.TileLayer("https://tile.openstreetmap.org/{z}/{x}/{y}.png", attr=OSM_ATTRIBUTION,
                                 name="OpenStreetMap", max_zoom=19, control=False)]
    if basemap.id == "amap":
        return [folium.TileLayer(
            "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8&x={x}&y={y}&z={z}",
            attr="&copy; 高德地图 AutoNavi (GCJ-02)", name="高德地图", subdomains="1234", max_zoom=18,
            control=False)]
    if basemap.id == "tianditu":
        if not tianditu_key:
            raise ValueError("the Tianditu basemap needs a key (PLANMAP_TIANDITU_KEY)")
        layers = []
        for layer in ("vec", "cva"):
            url = (f"https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
                   f"&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
                   f"&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={tianditu_key}")
            layers.append(folium.TileLayer(url, attr="&copy; 天地图 Tianditu (CGCS2000)",
                                           name=f"天地图 {layer}", subdomains="01234567", max_zoom=18,
                                           control=False, overlay=layer == "cva"))
        return layers
    return []
