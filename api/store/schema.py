"""The tables of the store (SQLAlchemy Core), the same on SQLite/GeoPackage and on PostgreSQL/PostGIS.

Texts are UTF-8, times ISO 8601 UTC strings (``2025-05-01T08:00:00.000Z``), JSON documents text. ``sites`` and
``site_versions`` are GeoPackage feature tables (integer ``fid``, geometry column ``geom`` in EPSG:4326).
"""

from __future__ import annotations

from sqlalchemy import Column, Index, Integer, LargeBinary, MetaData, Table, Text, UniqueConstraint

from api.store.geometry import Geometry

metadata = MetaData()

_SITE_COLUMNS = (
    ("plan", Text), ("name", Text), ("note", Text), ("ruleset", Text), ("attributes", Text),
    ("parameters", Text), ("overall", Text), ("report", Text), ("report_schema", Integer),
    ("data_hash", Text), ("data_date", Text),
)


def _site_columns() -> list[Column]:
    return [Column(name, kind) for name, kind in _SITE_COLUMNS]


sites = Table(
    "sites", metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("id", Text, nullable=False, unique=True),
    *_site_columns(),
    Column("author", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("updated", Text, nullable=False),
    Column("updated_by", Text, nullable=False),
    Column("version", Integer, nullable=False),
    Column("deleted", Text),
    Column("geom", Geometry()),
)
Index("ix_sites_plan", sites.c.plan)

site_versions = Table(
    "site_versions", metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("site_id", Text, nullable=False),
    Column("version", Integer, nullable=False),
    *_site_columns(),
    Column("action", Text, nullable=False),
    Column("editor", Text, nullable=False),
    Column("saved", Text, nullable=False),
    Column("geom", Geometry()),
    UniqueConstraint("site_id", "version", name="uq_site_versions_site_version"),
)

users = Table(
    "users", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", Text, nullable=False, unique=True),
    Column("role", Text, nullable=False),
    Column("password_hash", Text),
    Column("created", Text, nullable=False),
)

api_tokens = Table(
    "api_tokens", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", Text, nullable=False),
    Column("token_hash", Text, nullable=False, unique=True),
    Column("created", Text, nullable=False),
)

sessions = Table(
    "sessions", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("user_name", Text, nullable=False),
    Column("session_hash", Text, nullable=False, unique=True),
    Column("csrf", Text, nullable=False),
    Column("created", Text, nullable=False),
    Column("expires", Text, nullable=False),
)

audit_log = Table(
    "audit_log", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Text, nullable=False),
    Column("user_name", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("plan", Text),
    Column("target", Text),
    Column("before_version", Integer),
    Column("after_version", Integer),
    Column("detail", Text),
)

#: batch screening jobs (migration 0002): the uploaded file and the result rows (GeoParquet) as blobs;
#: ``state`` is queued, running, done, failed or cancelled; not part of a backup (jobs expire)
jobs = Table(
    "jobs", metadata,
    Column("id", Text, primary_key=True),
    Column("plan", Text, nullable=False),
    Column("data_hash", Text, nullable=False),
    Column("ruleset", Text, nullable=False),
    Column("owner", Text, nullable=False),
    Column("state", Text, nullable=False),
    Column("options", Text, nullable=False),
    Column("filename", Text, nullable=False),
    Column("input", LargeBinary, nullable=False),
    Column("total", Integer, nullable=False),
    Column("done", Integer, nullable=False, server_default="0"),
    Column("counts", Text),
    Column("error", Text),
    Column("cancel", Integer, nullable=False, server_default="0"),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("worker", Text),
    Column("created", Text, nullable=False),
    Column("started", Text),
    Column("finished", Text),
    Column("heartbeat", Text),
    Column("expires", Text, nullable=False),
    Column("result", LargeBinary),
)
Index("ix_jobs_state", jobs.c.state, jobs.c.created)
Index("ix_jobs_expires", jobs.c.expires)

#: attribute values of the plan's zones given in the audit's form (migration 0003): every save is a new row, the
#: highest ``version`` of a (plan, zone, attribute) is the current value; ``value`` is JSON, null = withdrawn
zone_values = Table(
    "zone_values", metadata,
    Column("fid", Integer, primary_key=True, autoincrement=True),
    Column("plan", Text, nullable=False),
    Column("zone_id", Text, nullable=False),
    Column("attribute", Text, nullable=False),
    Column("value", Text),
    Column("version", Integer, nullable=False),
    Column("author", Text, nullable=False),
    Column("saved", Text, nullable=False),
    Column("note", Text),
    UniqueConstraint("plan", "zone_id", "attribute", "version", name="uq_zone_values_version"),
)
Index("ix_zone_values_plan_zone", zone_values.c.plan, zone_values.c.zone_id)

#: tables in the order a copy (backup, restore) writes them
TABLES = (users, api_tokens, sessions, sites, site_versions, audit_log, zone_values)
#: GeoPackage feature tables: (table, identifier, description)
FEATURE_TABLES = (
    ("sites", "已保存的选址 Saved sites", "Candidate sites saved by planners, current version"),
    ("site_versions", "选址历史版本 Site versions", "Every saved version of every site"),
)
