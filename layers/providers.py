"""Providers read one layer's data file into a GeoDataFrame in EPSG:4326, indexed by a string feature id.

Providers are looked up by the name given in the catalogue (``provider: geojson``), as in pygeoapi.
A new kind of source means a new provider registered here, not changes elsewhere.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from layers.catalogue import LayerSpec
from layers.errors import ProviderError

#: per-feature provenance columns every layer carries
PROVENANCE_FIELDS = ("source", "method", "accuracy_m")


@dataclass
class LayerData:
    """What a provider returns: the features, and for network layers the routable graph."""

    frame: gpd.GeoDataFrame
    graph: Any | None = None
    extras: dict[str, Any] = field(default_factory=dict)


Provider = Callable[[LayerSpec, Path], LayerData]
_PROVIDERS: dict[str, Provider] = {}


def register(name: str) -> Callable[[Provider], Provider]:
    def decorate(func: Provider) -> Provider:
        _PROVIDERS[name] = func
        return func

    return decorate


def get_provider(name: str) -> Provider:
    try:
        return _PROVIDERS[name]
    except KeyError:
        known = ", ".join(sorted(_PROVIDERS))
        raise ProviderError(f"unknown provider {name!r}; known providers: {known}") from None


def provider_names() -> list[str]:
    return sorted(_PROVIDERS)


def _fill_provenance(frame: gpd.GeoDataFrame, spec: LayerSpec) -> gpd.GeoDataFrame:
    """Fill per-feature provenance (and the schematic flag) a source file lacks from the layer's declaration."""
    defaults = {
        "source": spec.provenance.source,
        "method": spec.provenance.method,
        "accuracy_m": spec.provenance.accuracy_m,
    }
    for column, value in defaults.items():
        if column not in frame.columns:
            frame[column] = value
        else:
            frame[column] = frame[column].where(frame[column].notna(), value)
    frame["accuracy_m"] = frame["accuracy_m"].map(_worst_accuracy)
    if "schematic" not in frame.columns:
        frame["schematic"] = spec.schematic
    else:
        filled = frame["schematic"].where(frame["schematic"].notna(), spec.schematic)
        if filled.map(lambda v: isinstance(v, bool | np.bool_)).all():
            filled = filled.astype(bool)
        frame["schematic"] = filled
    return frame


def _blank_id(value: object) -> bool:
    """Whether a feature id is missing: null, NaN or blank text."""
    if value is None or (not isinstance(value, str) and bool(pd.isna(value))):
        return True
    return isinstance(value, str) and not value.strip()


@register("geojson")
def read_geojson(spec: LayerSpec, path: Path) -> LayerData:
    """A GeoJSON FeatureCollection in EPSG:4326 whose features have a string ``id`` property."""
    try:
        frame = gpd.read_file(path, engine="pyogrio")
    except Exception as exc:  # pyogrio raises several types for unreadable files
        raise ProviderError(f"layer {spec.id!r}: cannot read {path}: {exc}") from exc
    if frame.crs is None:
        frame = frame.set_crs(4326)
    elif frame.crs.to_epsg() != 4326:
        frame = frame.to_crs(4326)
    if "id" not in frame.columns and len(frame) == 0:
        frame["id"] = pd.Series(dtype=str)  # an empty layer is valid; GDAL reports no fields for it
    if "id" not in frame.columns:
        raise ProviderError(f"layer {spec.id!r}: {path} has no 'id' property on its features")
    missing = [int(i) for i in range(len(frame)) if _blank_id(frame["id"].iloc[i])]
    if missing:
        shown = ", ".join(str(i + 1) for i in missing[:5]) + (" …" if len(missing) > 5 else "")
        raise ProviderError(f"layer {spec.id!r}: {path}: {len(missing)} feature(s) without an 'id' (feature "
                            f"number {shown}); every feature needs a non-empty id")
    frame["id"] = frame["id"].astype(str)
    frame = frame.set_index("id", drop=False)
    frame.index.name = None
    return LayerData(_fill_provenance(frame, spec))


@register("osm-xml")
def read_osm_xml(spec: LayerSpec, path: Path) -> LayerData:
    """An OpenStreetMap XML file loaded through osmnx: the walk graph plus its edges as a line layer.

    Any OSM extract works in place of the shipped file. Ways may carry ``source``, ``planmap:method`` and
    ``planmap:accuracy_m`` tags; where they do not, the layer's declared provenance fills in.
    """
    import osmnx as ox

    extra_tags = ["name", "name:en", "highway", "lanes", "width", "oneway", "surface", "source",
                  "planmap:method", "planmap:accuracy_m", "ref"]
    old_tags = ox.settings.useful_tags_way
    ox.settings.useful_tags_way = sorted(set(old_tags) | set(extra_tags))
    try:
        graph = ox.graph_from_xml(path, bidirectional=True, simplify=True, retain_all=False)
    except Exception as exc:
        raise ProviderError(f"layer {spec.id!r}: cannot read OSM XML {path}: {exc}") from exc
    finally:
        ox.settings.useful_tags_way = old_tags
    edges = ox.convert.graph_to_gdfs(graph, nodes=False, edges=True).reset_index()
    # one feature per street segment: drop the reverse duplicate of each two-way edge
    edges = edges[edges["u"] <= edges["v"]].copy() if len(edges) else edges
    for column in edges.columns:
        if column == "geometry":
            continue
        merged = edges[column].map(lambda v: isinstance(v, list)).any()
        edges[column] = edges[column].map(_flatten_tag)
        if merged:
            # a column where some edges merged several values ("20;21") is text throughout, so that it
            # has one type (GeoJSON clients such as GDAL type a field from its first values)
            edges[column] = edges[column].map(lambda v: v if v is None or pd.isna(v) else str(v))
    edges = edges.rename(columns={"planmap:method": "method", "planmap:accuracy_m": "accuracy_m",
                                  "name:en": "name_en"})
    edges["id"] = [f"{u}-{v}-{k}" for u, v, k in zip(edges["u"], edges["v"], edges["key"], strict=True)]
    edges = edges.set_index("id", drop=False)
    edges.index.name = None
    edges = gpd.GeoDataFrame(edges, geometry="geometry", crs=4326)
    return LayerData(_fill_provenance(edges, spec), graph=graph)


@register("osm-pbf")
def read_osm_pbf(spec: LayerSpec, path: Path) -> LayerData:
    """An OpenStreetMap PBF extract (``.osm.pbf``), read with pyosmium: the same graph and layer as its XML.

    The ways with a ``highway`` tag and the nodes they use are written as OSM XML to a temporary file (C++
    speed, two passes over the file) and handed to :func:`read_osm_xml`, so that an extract gives the same
    network whichever of the two formats it comes in.
    """
    import tempfile

    try:
        import osmium
    except ImportError as exc:  # pragma: no cover — a dependency of the project
        raise ProviderError(f"layer {spec.id!r}: reading .osm.pbf needs the 'osmium' package") from exc
    try:
        used: set[int] = set()
        for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
            if "highway" in way.tags:
                used.update(node.ref for node in way.nodes)
        with tempfile.TemporaryDirectory(prefix="planmap-pbf-") as folder:
            xml = Path(folder) / f"{path.stem}.osm"
            writer = osmium.SimpleWriter(str(xml))
            try:
                for node in osmium.FileProcessor(str(path), osmium.osm.NODE):
                    if node.id in used:
                        writer.add_node(node)
                for way in osmium.FileProcessor(str(path), osmium.osm.WAY):
                    if "highway" in way.tags:
                        writer.add_way(way)
            finally:
                writer.close()
            return read_osm_xml(spec, xml)
    except ProviderError:
        raise
    except Exception as exc:  # osmium raises RuntimeError for damaged files
        raise ProviderError(f"layer {spec.id!r}: cannot read OSM PBF {path}: {exc}") from exc


def _worst_accuracy(value: Any) -> float:
    """Accuracy in metres; where osmnx merged ways with different accuracies ("150;50"), the worst one."""
    if isinstance(value, str):
        numbers = []
        for part in value.replace(",", ";").split(";"):
            try:
                numbers.append(float(part))
            except ValueError:
                continue
        return max(numbers) if numbers else float("nan")
    try:
        return float(value)
    except (TypeError, ValueError):
        return float("nan")


def _flatten_tag(value: Any) -> Any:
    """osmnx merges tags of simplified edges into lists; keep them as readable strings."""
    if isinstance(value, list):
        unique = list(dict.fromkeys(str(v) for v in value))
        return ";".join(unique)
    return value
