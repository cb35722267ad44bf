"""Request models of the use cases (shared by the routers that accept them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from geo.errors import InvalidGeometryError

#: the largest magnitude of a number in a request (beyond it floats lose integers; nothing real is larger)
MAX_NUMBER = 1e15
#: how deeply a request body may nest lists and objects
MAX_DEPTH = 32

_EXAMPLE_SITE = {
    "type": "Polygon",
    "coordinates": [[[121.6200, 38.9150], [121.6237, 38.9150], [121.6237, 38.91507], [121.6200, 38.91507],
                     [121.6200, 38.9150]]],
}


class CheckRequest(BaseModel):
    """A site to check. ``geometry`` is a GeoJSON geometry or Feature (EPSG:4326 lon/lat), a bbox
    ``[min_lon, min_lat, max_lon, max_lat]`` or a point ``[lon, lat]``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{
            "geometry": _EXAMPLE_SITE, "ruleset": "night-economy-street",
            "attributes": {"merchants": 72, "formats": ["购物", "餐饮", "文娱", "休闲旅游"],
                           "closing_time_summer": "23:30", "mobile_payment_share": 0.9},
            "parameters": {"bus_stop_walk_m": 300},
        }]},
    )

    geometry: Any = Field(description="GeoJSON geometry or Feature, bbox or point (EPSG:4326)")
    ruleset: str = Field(description="ruleset id, see GET /api/rulesets")
    attributes: dict[str, Any] = Field(default_factory=dict, description="values a map cannot know")
    parameters: dict[str, Any] = Field(default_factory=dict, description="overrides of the ruleset's parameters")

    @model_validator(mode="before")
    @classmethod
    def _plain_numbers(cls, data: Any) -> Any:
        """Refuse integers no measurement has (over 1e15) and absurd nesting, before any use (NaN and
        infinities are refused by the geometry and value checks, which say where)."""
        check_numbers(data)
        return data


def check_numbers(value: Any, where: str = "body", depth: int = 0) -> None:
    """Raise ValueError naming the place of the first integer over :data:`MAX_NUMBER` in magnitude.

    Python's JSON parser reads any integer (400 digits too); the rest of the service works in floats, so such
    values are refused here with a 400 instead of overflowing later.
    """
    if depth > MAX_DEPTH:
        raise ValueError(f"{where}: nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, bool) or value is None or isinstance(value, str | float):
        return
    if isinstance(value, int):
        if abs(value) > MAX_NUMBER:
            raise ValueError(f"{where}: the number {str(value)[:20]}… is too large (at most {MAX_NUMBER:g})")
        return
    if isinstance(value, dict):
        for key, item in value.items():
            check_numbers(item, f"{where}.{str(key)[:40]}", depth + 1)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            check_numbers(item, f"{where}[{index}]", depth + 1)


def _is_position(value: Any) -> bool:
    return (isinstance(value, list) and 2 <= len(value) <= 4
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value))


def site_size(geometry: Any) -> tuple[int, int]:
    """``(parts, vertices)`` of a site as given: parts are its rings and lines (outlines, holes, line parts),
    counted on the raw GeoJSON before any geometry is built."""
    parts = vertices = 0
    stack = [geometry]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list):
            if _is_position(node):
                vertices += 1
            elif node and all(_is_position(v) for v in node):
                parts += 1
                vertices += len(node)
            else:
                stack.extend(node)
    return parts, vertices


def check_site_size(geometry: Any, *, max_parts: int, max_vertices: int) -> None:
    """Bound the work of a check: at most ``max_parts`` rings/lines and ``max_vertices`` vertices.

    Raises
    ------
    InvalidGeometryError
        When the site is larger (``PLANMAP_MAX_SITE_PARTS``, ``PLANMAP_MAX_SITE_VERTICES``).
    """
    parts, vertices = site_size(geometry)
    if parts > max_parts:
        raise InvalidGeometryError(f"the site has {parts:,} parts (rings or lines); at most {max_parts:,} are "
                              "checked at once (PLANMAP_MAX_SITE_PARTS). Check the parts separately or merge them")
    if vertices > max_vertices:
        raise InvalidGeometryError(f"the site has {vertices:,} vertices; at most {max_vertices:,} are accepted "
                              "(PLANMAP_MAX_SITE_VERTICES). Simplify it first")


