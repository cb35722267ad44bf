"""The workbench store: saved sites with their history, accounts and the audit log.

One GeoPackage/SQLite file under ``PLANMAP_DATA_DIR`` by default (WAL; QGIS opens it), or PostgreSQL + PostGIS
with ``PLANMAP_DATABASE_URL``; the same tables and the same Alembic migrations for both. The read-only plan
(``layers``) never writes here; the use cases live in :mod:`api.service.sites` and :mod:`api.service.accounts`.
"""

from api.store.db import Store
from api.store.errors import ConflictError, PreconditionFailedError, PreconditionRequiredError, StoreError

__all__ = ["ConflictError", "PreconditionFailedError", "PreconditionRequiredError", "Store", "StoreError"]
