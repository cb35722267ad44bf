"""Layer roles: what the analysis needs from a plan, named by role instead of by a plan's layer ids.

A plan's catalogue maps each role to the layer(s) that play it (``plan.roles``); rulesets name roles in their
targets and location criteria. Code in :mod:`geo`, :mod:`maps` and :mod:`api` asks for a role and never names
a plan's layer. A plan may lack every optional role: what needs it reports ``null`` with a warning.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Family = Literal["point", "line", "polygon"]


@dataclass(frozen=True)
class Role:
    """One role a layer can play for the code."""

    name: str
    title_zh: str
    title_en: str
    #: geometry families the role's layer(s) may hold
    families: frozenset[str]
    #: fields the role's layer must declare (e.g. ``mode`` of transit stations)
    fields: tuple[str, ...] = ()
    required: bool = False
    #: several layers may play the role (a list in the catalogue)
    many: bool = False
    #: the layer must come from one of these providers (the walk network needs a routable graph)
    provider: tuple[str, ...] | None = None
    description: str = ""


_AREA = frozenset({"polygon"})
_LINE = frozenset({"line"})
_POINT = frozenset({"point"})
_ANY = frozenset({"point", "line", "polygon"})

ROLES: dict[str, Role] = {r.name: r for r in (
    Role("boundary", "行政界线", "District boundary", _AREA, required=True,
         description="the district outline: clips maps, coverage shares and the metric CRS"),
    Role("streets", "街道网络", "Street network", _LINE, provider=("osm-xml", "osm-pbf"),
         description="the walkable street network (routable OSM XML or PBF) for walking distances and isochrones"),
    Role("land", "陆域", "Land area", _AREA,
         description="the district's land (without sea): coverage shares are also given over it"),
    Role("coast", "海岸线", "Coastline", _LINE,
         description="shore line; a site's distance to the coast is reported when present"),
    Role("transit_lines", "轨道交通线路", "Transit lines", _LINE),
    Role("transit_stations", "轨道交通站点", "Transit stations", _POINT, fields=("mode",),
         description="metro/tram stations (field mode); nearest stations are listed with every check"),
    Role("bus_stops", "公交站点", "Bus stops", _POINT),
    Role("facilities", "公共服务设施", "Public facilities", _POINT, fields=("kind",),
         description="facilities by kind (field kind) for the service circles"),
    Role("subdistricts", "街道（乡镇）", "Subdistricts", _AREA,
         description="the subdistrict a site lies in; coverage is summarised per subdistrict"),
    Role("projects", "重点项目", "Key projects", _ANY,
         description="key projects listed near a site and on zone maps"),
    Role("axis", "发展轴", "Development axis", frozenset({"line", "polygon"}),
         description="a site's distance to the plan's axis is reported when present"),
    Role("plan_elements", "规划布局要素", "Plan elements", _ANY, many=True,
         description="layers listed in a site's context (what the site touches or lies near)"),
    Role("commercial_areas", "商业片区", "Commercial areas", frozenset({"line", "polygon"}), many=True,
         description="zones a location criterion may require a site to touch"),
)}


def role(name: str) -> Role:
    """The role called ``name``; a ``KeyError`` names the known roles."""
    try:
        return ROLES[name]
    except KeyError:
        raise KeyError(f"unknown role {name!r}; roles: {', '.join(ROLES)}") from None


GEOMETRY_FAMILY = {
    "Point": "point", "MultiPoint": "point",
    "LineString": "line", "MultiLineString": "line", "LinearRing": "line",
    "Polygon": "polygon", "MultiPolygon": "polygon",
}
