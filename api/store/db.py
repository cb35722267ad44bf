"""Opening the store: one GeoPackage/SQLite file (WAL) by default, PostgreSQL + PostGIS by URL.

:class:`Store` owns the SQLAlchemy engine, runs the Alembic migrations on open, and hands out read and write
transactions. On SQLite a write transaction is ``BEGIN IMMEDIATE`` (the write lock is taken at the start, so two
writers never deadlock on a lock upgrade) and writes of one process queue on a lock instead of spinning on
``SQLITE_BUSY``; other processes wait up to ``busy_timeout``. ``synchronous=FULL``: an acknowledged write
survives a crash of the process and of the machine.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection, Engine

from api.store.errors import StoreError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
#: the file name of the embedded store under ``PLANMAP_DATA_DIR``
STORE_FILE = "planmap.gpkg"
BUSY_TIMEOUT_MS = 30_000


def normalise_url(url: str) -> str:
    """``postgresql://…`` → the psycopg 3 driver; ``sqlite:///…`` unchanged; anything else refused."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise StoreError(f"unsupported PLANMAP_DATABASE_URL {url.split('://', 1)[0]!r}://…; "
                     "use postgresql://user@host/db or leave it empty for the GeoPackage file")


def _alembic_config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


class Store:
    """The workbench store (sites, versions, users, tokens, sessions, audit log) on one database."""

    def __init__(self, engine: Engine, *, path: Path | None = None) -> None:
        self.engine = engine
        #: the GeoPackage file (None on PostgreSQL)
        self.path = path
        self._write_lock = threading.Lock() if self.backend == "sqlite" else None

    # ------------------------------------------------------------------ opening
    @classmethod
    def open(cls, database_url: str | None = None, data_dir: Path | str = "var", *, migrate: bool = True) -> Store:
        """Open (and create or upgrade) the store.

        Parameters
        ----------
        database_url
            ``postgresql://…`` for PostgreSQL + PostGIS; empty or None for the GeoPackage file.
        data_dir
            Folder of the GeoPackage file ``planmap.gpkg`` (created when missing).
        migrate
            Run the Alembic migrations to the newest revision.
        """
        if database_url:
            url = normalise_url(database_url)
            if url.startswith("sqlite:///"):
                return cls.open_file(Path(url.removeprefix("sqlite:///")), migrate=migrate)
            engine = sa.create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
            store = cls(engine)
        else:
            return cls.open_file(Path(data_dir) / STORE_FILE, migrate=migrate)
        if migrate:
            store.migrate()
        return store

    @classmethod
    def open_file(cls, path: Path, *, migrate: bool = True) -> Store:
        """Open the GeoPackage store file ``path`` (created with its folder when missing)."""
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the data folder {path.parent}: {exc.strerror}") from None
        engine = sa.create_engine(f"sqlite:///{path}", connect_args={"check_same_thread": False,
                                                                   "timeout": BUSY_TIMEOUT_MS / 1000})

        @sa.event.listens_for(engine, "connect")
        def _connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @sa.event.listens_for(engine, "begin")
        def _begin(connection: Connection) -> None:
            immediate = connection.get_execution_options().get("sqlite_immediate", False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        store = cls(engine, path=path)
        if migrate:
            store.migrate()
        return store

    @property
    def backend(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def describe(self) -> str:
        """Where the store is, without credentials."""
        if self.path is not None:
            return f"GeoPackage {self.path}"
        url = self.engine.url
        return f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database}"

    def migrate(self) -> None:
        """Upgrade the schema to the newest migration (nothing to do on a current store)."""
        with self.engine.connect().execution_options(sqlite_immediate=True) as connection:
            if self.backend == "postgresql":
                # several service processes may start at once: one migrates, the others wait
                with connection.begin():
                    connection.exec_driver_sql("SELECT pg_advisory_xact_lock(74011)")
                    command.upgrade(_alembic_config(connection), "head")
            else:
                command.upgrade(_alembic_config(connection), "head")
                if connection.in_transaction():
                    connection.commit()
        if self.backend == "sqlite":
            self.checkpoint()

    def checkpoint(self) -> None:
        """Copy the SQLite write-ahead log into the main file (the GeoPackage header must be there for GDAL)."""
        raw = self.engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            raw.close()

    def revision(self) -> str | None:
        """The schema revision of the store (None before the first migration)."""
        with self.engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @staticmethod
    def head() -> str:
        """The newest schema revision this version knows."""
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        return ScriptDirectory.from_config(config).get_current_head() or ""

    def close(self) -> None:
        self.engine.dispose()

    # ------------------------------------------------------------------ transactions
    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (one consistent snapshot on both backends)."""
        with self.engine.connect() as connection:
            if self.backend == "postgresql":
                connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction: committed when the block ends, rolled back on any exception."""
        if self._write_lock is None:
            with self.engine.begin() as connection:
                yield connection
            return
        with (self._write_lock, self.engine.connect().execution_options(sqlite_immediate=True) as connection,
              connection.begin()):
            yield connection

    # ------------------------------------------------------------------ checks
    def integrity_check(self) -> list[str]:
        """Problems found in the store (empty when it is sound).

        SQLite's own ``integrity_check`` and ``foreign_key_check`` on the file; on both backends: every site
        has exactly the versions 1..version in its history, and the schema is at the newest revision.
        """
        problems: list[str] = []
        with self.read() as connection:
            if self.backend == "sqlite":
                result = [row[0] for row in connection.exec_driver_sql("PRAGMA integrity_check")]
                if result != ["ok"]:
                    problems += [f"sqlite integrity_check: {line}" for line in result]
                problems += [f"foreign key: {tuple(row)}" for row in connection.exec_driver_sql("PRAGMA foreign_key_check")]
            rows = connection.execute(sa.text(
                "SELECT s.id, s.version, COUNT(v.fid), MIN(v.version), MAX(v.version) FROM sites s "
                "LEFT JOIN site_versions v ON v.site_id = s.id GROUP BY s.id, s.version")).all()
            for site_id, version, count, low, high in rows:
                if (count, low, high) != (version, 1, version):
                    problems.append(f"site {site_id}: version {version} but history has {count} versions "
                                    f"({low}..{high})")
            orphans = connection.execute(sa.text(
                "SELECT COUNT(*) FROM site_versions v WHERE NOT EXISTS (SELECT 1 FROM sites s WHERE s.id = v.site_id)"
            )).scalar_one()
            if orphans:
                problems.append(f"{orphans} versions belong to no site")
        revision = self.revision()
        if revision != self.head():
            problems.append(f"schema at revision {revision}, this version expects {self.head()}")
        return problems
