"""What the analysis reads of a plan: its layers by id, which layers play each role, the network, the boundary.

One value instead of seven keyword arguments. Built by the application layer from a loaded plan (or by a test
from a few frames); :mod:`geo` reads it and never opens files.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import shapely
from pyproj import CRS

from geo.crs import Projector, utm_crs_for
from geo.roles import ROLES


@dataclass(frozen=True, eq=False)
class PlanData:
    """A plan as the analysis sees it (all layers EPSG:4326, read-only).

    Parameters
    ----------
    layers
        Layer id → GeoDataFrame indexed by feature id.
    roles
        Role name (see :mod:`geo.roles`) → the ids of the layers playing it.
    network
        The walk network (:class:`geo.network.WalkNetwork`) or None: walking distances then fall back to
        straight line × detour factor, and reports say so.
    boundary, map_area
        District boundary and map area (sites outside are flagged, larger ones refused).
    metric_crs
        CRS for metric work; default the UTM zone of the boundary's (or the first layer's) centre.
    """

    layers: Mapping[str, gpd.GeoDataFrame]
    roles: Mapping[str, Sequence[str]] = field(default_factory=dict)
    network: Any = None
    boundary: shapely.Geometry | None = None
    map_area: Sequence[float] | None = None
    metric_crs: CRS | None = None
    projector: Projector = field(init=False)

    def __post_init__(self) -> None:
        crs = self.metric_crs
        if crs is None:
            if self.boundary is not None and not self.boundary.is_empty:
                centre = shapely.centroid(self.boundary)
            else:
                frames = [f for f in self.layers.values() if len(f)]
                x0, y0, x1, y1 = frames[0].total_bounds if frames else (0.0, 0.0, 0.0, 0.0)
                centre = shapely.Point((x0 + x1) / 2, (y0 + y1) / 2)
            crs = utm_crs_for(centre.x, centre.y)
        object.__setattr__(self, "metric_crs", CRS.from_user_input(crs))
        object.__setattr__(self, "projector", Projector(self.metric_crs))
        unknown = [name for name in self.roles if name not in ROLES]
        if unknown:
            raise KeyError(f"unknown role(s) {', '.join(unknown)}; roles: {', '.join(ROLES)}")

    def role_layers(self, role: str) -> list[tuple[str, gpd.GeoDataFrame]]:
        """``(layer id, frame)`` of every present layer playing ``role`` (empty when the plan lacks it)."""
        ids = self.roles.get(role, ())
        if isinstance(ids, str):
            ids = (ids,)
        return [(layer_id, self.layers[layer_id]) for layer_id in ids if layer_id in self.layers]

    def role_layer(self, role: str) -> tuple[str, gpd.GeoDataFrame] | None:
        """The first layer playing ``role``, or None."""
        found = self.role_layers(role)
        return found[0] if found else None

    def role_layer_id(self, role: str) -> str | None:
        found = self.role_layer(role)
        return found[0] if found else None
