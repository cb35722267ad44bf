"""Request models of the use cases (shared by the routers that accept them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

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


