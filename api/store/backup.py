"""``planmap backup`` and ``planmap restore``: a consistent copy of the store as one GeoPackage file.

A backup reads every table in one snapshot (a read transaction; the service keeps running and writing) and
writes a new GeoPackage store made by the same migrations, so a backup of either backend opens in QGIS and can
be restored into either backend. A restore replaces every row of the target in one write transaction: the
target holds the old rows or the backup's, never a mix.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa

from api.store.db import Store
from api.store.errors import StoreError
from api.store.schema import TABLES

_CHUNK = 500


def _copy(source: Store, target_connection: sa.Connection) -> dict[str, int]:
    counts: dict[str, int] = {}
    with source.read() as connection:
        for table in TABLES:
            rows = [dict(r._mapping) for r in connection.execute(sa.select(table).order_by(*table.primary_key))]
            for start in range(0, len(rows), _CHUNK):
                target_connection.execute(sa.insert(table), rows[start:start + _CHUNK])
            counts[table.name] = len(rows)
    return counts


def backup(source: Store, out: Path) -> dict[str, int]:
    """Write a consistent copy of ``source`` to the new GeoPackage ``out``; the row count of each table."""
    out = Path(out)
    if out.exists():
        raise StoreError(f"{out} exists; a backup is written to a new file")
    partial = out.with_name(out.name + ".partial")
    partial.unlink(missing_ok=True)
    target = Store.open_file(partial)
    try:
        with target.write() as connection:
            counts = _copy(source, connection)
    finally:
        target.close()
    for suffix in ("-wal", "-shm"):
        Path(str(partial) + suffix).unlink(missing_ok=True)
    partial.rename(out)
    return counts


def restore(target: Store, backup_file: Path) -> dict[str, int]:
    """Replace every row of ``target`` by the rows of ``backup_file`` (a backup or any store file)."""
    backup_file = Path(backup_file)
    if not backup_file.is_file():
        raise StoreError(f"no backup file {backup_file}")
    source = Store.open_file(backup_file, migrate=False)
    try:
        revision = source.revision()
        if revision is None:
            raise StoreError(f"{backup_file} is not a planmap store")
        if revision != Store.head():
            source.migrate()
        with target.write() as connection:
            for table in reversed(TABLES):
                connection.execute(sa.delete(table))
            counts = _copy(source, connection)
            if target.backend == "postgresql":
                for table in TABLES:
                    key = next(iter(table.primary_key)).name
                    connection.execute(sa.text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', '{key}'), "
                        f"COALESCE((SELECT MAX({key}) FROM {table.name}), 0) + 1, false)"))
    finally:
        source.close()
    return counts
