"""Coordinate systems: metric projection, the GCJ-02 ("Mars") shift of Chinese map providers, Baidu's BD-09.

GCJ-02 is an obfuscated offset of WGS84 used by Amap (高德), Tencent and others. The forward formula is the
well-known public one; the inverse is computed by fixed-point iteration, which converges to well below a
millimetre in a few steps because the offset field is smooth.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS

WGS84 = "EPSG:4326"
#: CGCS2000 / 3-degree Gauss-Kruger CM 123E: the national grid zone that holds central Dalian.
CGCS2000_GK_123E = "EPSG:4550"

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
