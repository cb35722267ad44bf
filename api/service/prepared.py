"""The prepared plan on disk: layers, walk network and projection kept by the plan's data hash, reused on start.

Preparing a plan at city size is dominated by reading the street file (osmnx parses OSM XML into a graph) and
building the walk network from the graph. Both depend only on the plan's files, so the result is written once
in a columnar/binary form and read back on the next start:

``<cache dir>/<plan id>-<data hash[:20]>/``
    ``layers/<layer id>.parquet``   every layer as GeoParquet (pickle for a layer whose columns Arrow cannot
                                    type), index kept
    ``network.npz``                 the walk network's arrays: node ids and metric x/y, segment ends, segment
                                    coordinates with their offsets, the metric CRS (WKT)
    ``prepared.json``               data hash, plan id, format version, what was written

The data hash (:attr:`layers.plan.Plan.data_hash`: catalogue, data files and adopted rulesets) is the key: any
change of a file makes a new folder; an unreadable or foreign folder is ignored and rewritten. Where the cache
lives: ``PLANMAP_CACHE_DIR``, else ``$PLANMAP_DATA_DIR/cache``; ``PLANMAP_CACHE_DIR=off`` turns it off.

The same arrays travel to cluster workers (:func:`plan_blob`, :func:`plan_from_blob`): a worker rebuilds the
plan's analysis data (:class:`geo.plandata.PlanData`) without any file of the plan.
"""

from __future__ import annotations

import io
import json
import logging
import os
import pickle
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS

from geo.network import WalkNetwork
from geo.plandata import PlanData
from layers.providers import LayerData

logger = logging.getLogger("planmap")

#: bump when the layout changes: older folders are then ignored
FORMAT_VERSION = 1


def cache_dir_from_env(environ: dict[str, str] | None = None) -> Path | None:
    """The prepared-plan cache folder the environment names, or None (no cache)."""
    env = os.environ if environ is None else environ
    explicit = env.get("PLANMAP_CACHE_DIR", "").strip()
    if explicit.lower() in ("off", "none", "0", "false"):
        return None
    if explicit:
        return Path(explicit)
    data_dir = env.get("PLANMAP_DATA_DIR", "").strip()
    return Path(data_dir) / "cache" if data_dir else None


# ---------------------------------------------------------------------------------------------- network
def network_arrays(network: WalkNetwork) -> dict[str, np.ndarray]:
    """The arrays a :class:`WalkNetwork` is rebuilt from (segments as flat coordinates and offsets)."""
    coords, owner = shapely.get_coordinates(network.edge_geometry, return_index=True)
    return {
        "crs_wkt": np.array(network.crs.to_wkt()),
        "node_ids": np.asarray(network.node_ids),
        "node_xy": network.node_xy,
        "edge_u": network.edge_u,
        "edge_v": network.edge_v,
        "edge_coords": coords,
        "edge_owner": owner.astype(np.int64),
    }


def network_from_arrays(arrays: Any) -> WalkNetwork:
    """Rebuild a :class:`WalkNetwork` from :func:`network_arrays` (identical coordinates, same order)."""
    geometry = shapely.linestrings(arrays["edge_coords"], indices=arrays["edge_owner"])
    return WalkNetwork(crs=CRS.from_wkt(str(arrays["crs_wkt"])), node_ids=arrays["node_ids"],
                       node_xy=arrays["node_xy"], edge_u=arrays["edge_u"], edge_v=arrays["edge_v"],
                       edge_geometry=np.asarray(geometry, dtype=object))


# ---------------------------------------------------------------------------------------------- layers
def _write_layer(frame: gpd.GeoDataFrame, folder: Path, layer_id: str) -> str:
    target = folder / f"{layer_id}.parquet"
    try:
        frame.to_parquet(target, index=True)
        back = _read_layer(folder, layer_id, "parquet")
        if list(back.columns) != list(frame.columns) or not back.index.equals(frame.index) or any(
                back[c].dtype != frame[c].dtype for c in frame.columns):
            raise TypeError("columns change type in Parquet")
        return "parquet"
    except Exception:  # noqa: BLE001 — Arrow cannot type every mixed column: keep it exactly, pickled
        target.unlink(missing_ok=True)
        with open(folder / f"{layer_id}.pickle", "wb") as handle:
            pickle.dump(frame, handle, protocol=pickle.HIGHEST_PROTOCOL)
        return "pickle"


def _from_arrow(table: Any, crs_cache: dict[str, CRS]) -> gpd.GeoDataFrame:
    """A GeoParquet table as a GeoDataFrame, each CRS parsed once per start (pyproj parsing PROJJSON costs tens of
    milliseconds, and geopandas would parse it for every geometry column)."""
    geo = json.loads(table.schema.metadata[b"geo"])
    name = geo["primary_column"]
    crs_json = geo["columns"][name].get("crs")
    key = json.dumps(crs_json, sort_keys=True)
    if key not in crs_cache:
        crs_cache[key] = CRS.from_epsg(4326) if crs_json is None else CRS.from_json_dict(crs_json)
    frame = table.to_pandas()
    frame[name] = gpd.GeoSeries(shapely.from_wkb(frame[name].to_numpy()), index=frame.index, crs=crs_cache[key])
    return gpd.GeoDataFrame(frame, geometry=name, crs=crs_cache[key])


def _read_layer(folder: Path, layer_id: str, kind: str, crs_cache: dict[str, CRS] | None = None) -> gpd.GeoDataFrame:
    if kind == "parquet":
        import pyarrow.parquet as pq

        frame = _from_arrow(pq.read_table(folder / f"{layer_id}.parquet"), {} if crs_cache is None else crs_cache)
    else:
        with open(folder / f"{layer_id}.pickle", "rb") as handle:
            frame = pickle.load(handle)
    return frame


class PreparedPlanCache:
    """Prepared plans on disk under ``root``, one folder per plan and data hash (see the module docstring).

    Used as the ``layer_cache`` of :class:`layers.plan.Plan` (layers) and by :class:`api.service.PlanService`
    (the walk network).
    """

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def folder(self, plan: Any) -> Path:
        return self.root / f"{plan.plan_id}-{plan.data_hash[:20]}"

    def _manifest(self, plan: Any) -> dict[str, Any] | None:
        path = self.folder(plan) / "prepared.json"
        try:
            manifest = json.loads(path.read_text())
        except (OSError, ValueError):
            return None
        if manifest.get("version") != FORMAT_VERSION or manifest.get("data_hash") != plan.data_hash:
            return None
        return manifest

    def load(self, plan: Any) -> dict[str, LayerData] | None:
        """The plan's layers from the cache, or None when it holds none for this data hash."""
        manifest = self._manifest(plan)
        if manifest is None or set(manifest["layers"]) != {spec.id for spec in plan.specs}:
            return None
        folder = self.folder(plan) / "layers"
        crs_cache: dict[str, CRS] = {}
        try:
            return {layer_id: LayerData(_read_layer(folder, layer_id, kind, crs_cache))
                    for layer_id, kind in manifest["layers"].items()}
        except Exception as exc:  # noqa: BLE001 — a damaged cache is rebuilt, never fatal
            logger.warning("prepared-plan cache %s unreadable (%s): reading the plan's files", folder, exc)
            return None

    def load_network(self, plan: Any) -> WalkNetwork | None:
        manifest = self._manifest(plan)
        if manifest is None or not manifest.get("network"):
            return None
        with np.load(self.folder(plan) / "network.npz", allow_pickle=False) as arrays:
            return network_from_arrays(arrays)

    def store(self, plan: Any, network: WalkNetwork | None) -> Path:
        """Write the plan's layers and network under its data hash (atomically: a half-written folder is never
        read)."""
        self.root.mkdir(parents=True, exist_ok=True)
        final = self.folder(plan)
        work = Path(tempfile.mkdtemp(prefix=f".{final.name}-", dir=self.root))
        try:
            (work / "layers").mkdir()
            kinds = {spec.id: _write_layer(plan.layer(spec.id), work / "layers", spec.id) for spec in plan.specs}
            if network is not None:
                np.savez(work / "network.npz", **network_arrays(network))
            manifest = {"version": FORMAT_VERSION, "plan": plan.plan_id, "data_hash": plan.data_hash,
                        "layers": kinds, "network": network is not None, "written": time.time()}
            (work / "prepared.json").write_text(json.dumps(manifest, indent=1))
            if final.exists():
                shutil.rmtree(final, ignore_errors=True)
            os.replace(work, final)
        finally:
            if work.exists():
                shutil.rmtree(work, ignore_errors=True)
        return final


# ---------------------------------------------------------------------------------------------- shipping
def plan_blob(data: PlanData) -> bytes:
    """The analysis data of a plan as bytes for another process (layers as GeoParquet, network as arrays)."""
    layers = {}
    for layer_id, frame in data.layers.items():
        buffer = io.BytesIO()
        try:
            frame.to_parquet(buffer, index=True)
            layers[layer_id] = ("parquet", buffer.getvalue())
        except Exception:  # noqa: BLE001 — see _write_layer
            layers[layer_id] = ("pickle", pickle.dumps(frame, protocol=pickle.HIGHEST_PROTOCOL))
    payload = {
        "layers": layers,
        "roles": {k: tuple(v) for k, v in data.roles.items()},
        "network": None if data.network is None else network_arrays(data.network),
        "boundary": None if data.boundary is None else shapely.to_wkb(data.boundary),
        "map_area": None if data.map_area is None else list(data.map_area),
        "metric_crs": data.metric_crs.to_wkt(),
    }
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)


def plan_from_blob(blob: bytes) -> PlanData:
    """Rebuild :class:`PlanData` from :func:`plan_blob` (identical layers, network and boundary)."""
    payload = pickle.loads(blob)  # noqa: S301 — our own bytes, sent by the screening driver
    layers = {}
    for layer_id, (kind, raw) in payload["layers"].items():
        frame = gpd.read_parquet(io.BytesIO(raw)) if kind == "parquet" else pickle.loads(raw)  # noqa: S301
        layers[layer_id] = frame
    network = None if payload["network"] is None else network_from_arrays(payload["network"])
    boundary = None if payload["boundary"] is None else shapely.from_wkb(payload["boundary"])
    return PlanData(layers=layers, roles=payload["roles"], network=network, boundary=boundary,
                    map_area=payload["map_area"], metric_crs=CRS.from_wkt(payload["metric_crs"]))
