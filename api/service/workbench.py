"""The workbench of one running service: its store (opened on first use) and the account use cases.

Kept on ``app.state.workbench``; the store is opened when a request first needs it, so a service that never
saves a site never creates ``PLANMAP_DATA_DIR``.
"""

from __future__ import annotations

import threading
from pathlib import Path

from api.service.accounts import Accounts
from api.store import Store
from api.store.db import STORE_FILE


class Workbench:
    """Lazily opened store plus accounts, for one app."""

    def __init__(self, database_url: str | None, data_dir: Path) -> None:
        self.database_url = database_url or None
        self.data_dir = Path(data_dir)
        self._store: Store | None = None
        self._lock = threading.Lock()

    @property
    def store(self) -> Store:
        """The store (opened and migrated on first access)."""
        with self._lock:
            if self._store is None:
                self._store = Store.open(self.database_url, self.data_dir)
            return self._store

    def existing_store(self) -> Store | None:
        """The store when it exists (opened, a database URL, or the GeoPackage file is there), else None: a
        reader that finds nothing saved need not create the data folder."""
        with self._lock:
            if self._store is None and self.database_url is None and not (self.data_dir / STORE_FILE).is_file():
                return None
        return self.store

    @property
    def accounts(self) -> Accounts:
        return Accounts(self.store)

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None
