"""The geometry column type shared by both backends.

SQLite stores GeoPackage geometry blobs (header ``GP``, SRS id, envelope, ISO WKB), so that QGIS and GDAL read
the store file as a GeoPackage; PostgreSQL stores PostGIS ``geometry(Geometry, 4326)`` and receives and returns
hex EWKB. Python code sees shapely geometries in EPSG:4326 longitude/latitude either way.
"""

from __future__ import annotations

import struct
from typing import Any

import shapely
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.types import UserDefinedType

SRID = 4326
#: GeoPackage envelope sizes (bytes) by the envelope indicator of the flags byte
_ENVELOPE_BYTES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}


def to_gpkg_blob(geometry: shapely.Geometry, srs_id: int = SRID) -> bytes:
    """Encode ``geometry`` as a GeoPackage binary (little-endian, XY envelope; empty flag when empty).

    Parameters
    ----------
    geometry
        A 2-D shapely geometry.
    srs_id
        The ``gpkg_spatial_ref_sys`` id written in the header.

    Returns
    -------
    bytes
        ``GP`` header, envelope and ISO WKB.
    """
    if geometry.is_empty:
        return b"GP" + bytes([0, 0b00010001]) + struct.pack("<i", srs_id) + shapely.to_wkb(geometry, byte_order=1)
    minx, miny, maxx, maxy = geometry.bounds
    header = b"GP" + bytes([0, 0b00000011]) + struct.pack("<i", srs_id)
    return header + struct.pack("<4d", minx, maxx, miny, maxy) + shapely.to_wkb(geometry, byte_order=1,
                                                                                output_dimension=2)


def from_gpkg_blob(blob: bytes) -> shapely.Geometry:
    """Decode a GeoPackage geometry blob (any byte order and envelope kind)."""
    if blob[:2] != b"GP":
        raise ValueError("not a GeoPackage geometry blob")
    flags = blob[3]
    envelope = _ENVELOPE_BYTES.get((flags >> 1) & 0b111)
    if envelope is None:
        raise ValueError("bad GeoPackage envelope indicator")
    return shapely.from_wkb(bytes(blob[8 + envelope:]))


class Geometry(UserDefinedType):
    """A geometry column: GeoPackage blob on SQLite, PostGIS ``geometry(Geometry,4326)`` on PostgreSQL."""

    cache_ok = True

    def get_col_spec(self, **kw: Any) -> str:
        return "GEOMETRY"

    def bind_processor(self, dialect):
        if dialect.name == "postgresql":
            def process(value):
                if value is None:
                    return None
                return shapely.to_wkb(shapely.set_srid(value, SRID), hex=True, include_srid=True,
                                      output_dimension=2)
            return process

        def process_blob(value):
            return None if value is None else to_gpkg_blob(value)
        return process_blob

    def result_processor(self, dialect, coltype):
        if dialect.name == "postgresql":
            def process(value):
                if value is None:
                    return None
                return shapely.from_wkb(value if isinstance(value, bytes) else bytes.fromhex(value))
            return process

        def process_blob(value):
            return None if value is None else from_gpkg_blob(value)
        return process_blob


@compiles(Geometry, "postgresql")
def _postgis_type(element: Geometry, compiler: Any, **kw: Any) -> str:
    return f"geometry(Geometry,{SRID})"
