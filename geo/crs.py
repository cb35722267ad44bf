"""Coordinate systems: metric projection, the GCJ-02 ("Mars") shift of Chinese map providers, Baidu's BD-09.

GCJ-02 is an obfuscated offset of WGS84 used by Amap (高德), Tencent and others. The forward formula is the
well-known public one; the inverse is computed by fixed-point iteration, which converges to well below a
millimetre in a few steps because the offset field is smooth.
"""

from __future__ import annotations

import threading
import weakref
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

WGS84 = "EPSG:4326"

_A = 6378245.0  # Krasovsky 1940 semi-major axis, as used by the GCJ-02 formula
_EE = 0.00669342162296594323  # its first eccentricity squared


def _in_china(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    return (lon > 72.004) & (lon < 137.8347) & (lat > 0.8293) & (lat < 55.8271)


def _offset(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = lon - 105.0
    y = lat - 35.0
    dlat = (
        -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
        + (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    )
    dlon = (
        300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
        + (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
        + (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
        + (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    )
    radlat = lat / 180.0 * np.pi
    magic = 1 - _EE * np.sin(radlat) ** 2
    sqrtmagic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1 - _EE)) / (magic * sqrtmagic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrtmagic * np.cos(radlat) * np.pi)
    inside = _in_china(lon, lat)
    return np.where(inside, dlon, 0.0), np.where(inside, dlat, 0.0)


def wgs84_to_gcj02(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift WGS84 lon/lat arrays into GCJ-02 (what Amap tiles are drawn in)."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    dlon, dlat = _offset(lon, lat)
    return lon + dlon, lat + dlat


def gcj02_to_wgs84(lon: np.ndarray, lat: np.ndarray, iterations: int = 6) -> tuple[np.ndarray, np.ndarray]:
    """Invert :func:`wgs84_to_gcj02` by fixed-point iteration (error < 1e-9 degrees after 6 steps)."""
    glon = np.asarray(lon, dtype=float)
    glat = np.asarray(lat, dtype=float)
    wlon, wlat = glon.copy(), glat.copy()
    for _ in range(iterations):
        flon, flat = wgs84_to_gcj02(wlon, wlat)
        wlon = wlon - (flon - glon)
        wlat = wlat - (flat - glat)
    return wlon, wlat


_X_PI = np.pi * 3000.0 / 180.0  # constant of the public BD-09 formula


def gcj02_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Shift GCJ-02 lon/lat arrays into Baidu's BD-09 (the public formula)."""
    x = np.asarray(lon, dtype=float)
    y = np.asarray(lat, dtype=float)
    z = np.sqrt(x * x + y * y) + 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) + 0.000003 * np.cos(x * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def bd09_to_gcj02(lon: np.ndarray, lat: np.ndarray, iterations: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """Shift BD-09 lon/lat arrays (Baidu map points) back into GCJ-02.

    Starts from the public closed-form inverse (off by up to a few decimetres) and refines it by fixed-point
    iteration against :func:`gcj02_to_bd09`, like :func:`gcj02_to_wgs84`.
    """
    blon = np.asarray(lon, dtype=float)
    blat = np.asarray(lat, dtype=float)
    x = blon - 0.0065
    y = blat - 0.006
    z = np.sqrt(x * x + y * y) - 0.00002 * np.sin(y * _X_PI)
    theta = np.arctan2(y, x) - 0.000003 * np.cos(x * _X_PI)
    glon, glat = z * np.cos(theta), z * np.sin(theta)
    for _ in range(iterations):
        flon, flat = gcj02_to_bd09(glon, glat)
        glon = glon - (flon - blon)
        glat = glat - (flat - blat)
    return glon, glat


def bd09_to_wgs84(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """BD-09 → GCJ-02 → WGS84."""
    return gcj02_to_wgs84(*bd09_to_gcj02(lon, lat))


def wgs84_to_bd09(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """WGS84 → GCJ-02 → BD-09."""
    return gcj02_to_bd09(*wgs84_to_gcj02(lon, lat))


def _transform_geometries(geoms, func):
    def apply(coords: np.ndarray) -> np.ndarray:
        x, y = func(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geoms, apply)


def geometries_wgs84_to_gcj02(geoms):
    """Vectorised WGS84 → GCJ-02 for a shapely geometry or array of geometries."""
    return _transform_geometries(geoms, wgs84_to_gcj02)


def geometries_gcj02_to_wgs84(geoms):
    """Vectorised GCJ-02 → WGS84 for a shapely geometry or array of geometries."""
    return _transform_geometries(geoms, gcj02_to_wgs84)


def geometries_bd09_to_wgs84(geoms):
    """Vectorised BD-09 → WGS84 for a shapely geometry or array of geometries."""
    return _transform_geometries(geoms, bd09_to_wgs84)


def utm_crs_for(lon: float, lat: float) -> CRS:
    """The WGS84 / UTM zone CRS that holds a lon/lat point: the metric CRS for a site there."""
    zone = int(np.floor((lon + 180.0) / 6.0)) % 60 + 1
    epsg = (32600 if lat >= 0 else 32700) + zone
    return CRS.from_epsg(epsg)


class Projector:
    """Projection between EPSG:4326 and one metric CRS: geometries, coordinate arrays and whole layers.

    The one projection helper of the code. A plan's application object holds one per metric CRS; the
    projected geometries of a layer are kept while the layer lives (checks, audits and coverage share them).
    """

    def __init__(self, crs: CRS | str | int) -> None:
        self.crs = CRS.from_user_input(crs)
        self.name = f"EPSG:{self.crs.to_epsg()}" if self.crs.to_epsg() else self.crs.name
        self._forward = Transformer.from_crs(WGS84, self.crs, always_xy=True)
        self._inverse = Transformer.from_crs(self.crs, WGS84, always_xy=True)
        self._layers: dict[int, tuple[weakref.ref, np.ndarray]] = {}
        self._lock = threading.Lock()

    def xy_to_metric(self, lon: Any, lat: Any) -> tuple[np.ndarray, np.ndarray]:
        return self._forward.transform(lon, lat)

    def xy_to_wgs84(self, x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        return self._inverse.transform(x, y)

    def to_metric(self, geometry: Any) -> Any:
        """A shapely geometry (or array of them) from EPSG:4326 into the metric CRS."""
        return shapely.transform(geometry, lambda c: np.column_stack(self._forward.transform(c[:, 0], c[:, 1])))

    def to_wgs84(self, geometry: Any) -> Any:
        """A shapely geometry (or array of them) from the metric CRS back to EPSG:4326."""
        return shapely.transform(geometry, lambda c: np.column_stack(self._inverse.transform(c[:, 0], c[:, 1])))

    def layer(self, frame: Any) -> np.ndarray:
        """A GeoDataFrame's geometries in the metric CRS, projected once while the frame lives."""
        key = id(frame)
        with self._lock:
            cached = self._layers.get(key)
            if cached is not None and cached[0]() is frame:
                return cached[1]
        geoms = (np.asarray(self.to_metric(np.asarray(frame.geometry.values, dtype=object)), dtype=object)
                 if len(frame) else np.empty(0, object))
        with self._lock:
            for stale in [k for k, (ref, _) in self._layers.items() if ref() is None]:
                self._layers.pop(stale, None)
            self._layers[key] = (weakref.ref(frame), geoms)
        return geoms
