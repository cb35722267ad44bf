"""The workbench store: sites, site versions, users, API tokens, sessions, audit log.

On SQLite the file is made a GeoPackage (application id, ``gpkg_*`` tables, the two feature tables registered);
on PostgreSQL the PostGIS extension is created. The same tables either way.

Revision ID: 0001
Revises:
Create Date: 2025-06-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from api.store.geometry import Geometry

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

WGS84_WKT = ('GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],'
             'AUTHORITY["EPSG","6326"]],PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",'
             '0.0174532925199433,AUTHORITY["EPSG","9122"]],AXIS["Latitude",NORTH],AXIS["Longitude",EAST],'
             'AUTHORITY["EPSG","4326"]]')
FEATURE_TABLES = (
    ("sites", "已保存的选址 Saved sites", "Candidate sites saved by planners, current version"),
    ("site_versions", "选址历史版本 Site versions", "Every saved version of every site"),
)


def _site_columns() -> list[sa.Column]:
    return [sa.Column("plan", sa.Text), sa.Column("name", sa.Text), sa.Column("note", sa.Text),
            sa.Column("ruleset", sa.Text), sa.Column("attributes", sa.Text),
            sa.Column("parameters", sa.Text), sa.Column("overall", sa.Text), sa.Column("report", sa.Text),
            sa.Column("report_schema", sa.Integer), sa.Column("data_hash", sa.Text),
            sa.Column("data_date", sa.Text)]


def _geopackage_tables() -> None:
    op.execute("PRAGMA application_id = 1196444487")  # 'GPKG'
    op.execute("PRAGMA user_version = 10300")
    op.execute("""CREATE TABLE IF NOT EXISTS gpkg_spatial_ref_sys (
        srs_name TEXT NOT NULL, srs_id INTEGER NOT NULL PRIMARY KEY, organization TEXT NOT NULL,
        organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)""")
    op.execute("""CREATE TABLE IF NOT EXISTS gpkg_contents (
        table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
        description TEXT DEFAULT '', last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
        min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER,
        CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id))""")
    op.execute("""CREATE TABLE IF NOT EXISTS gpkg_geometry_columns (
        table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL,
        srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL,
        CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
        CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
        CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id))""")
    refsys = sa.table("gpkg_spatial_ref_sys", sa.column("srs_name"), sa.column("srs_id"), sa.column("organization"),
                      sa.column("organization_coordsys_id"), sa.column("definition"), sa.column("description"))
    op.bulk_insert(refsys, [
        {"srs_name": "Undefined cartesian SRS", "srs_id": -1, "organization": "NONE",
         "organization_coordsys_id": -1, "definition": "undefined", "description": "undefined cartesian"},
        {"srs_name": "Undefined geographic SRS", "srs_id": 0, "organization": "NONE",
         "organization_coordsys_id": 0, "definition": "undefined", "description": "undefined geographic"},
        {"srs_name": "WGS 84 geodetic", "srs_id": 4326, "organization": "EPSG", "organization_coordsys_id": 4326,
         "definition": WGS84_WKT, "description": "longitude/latitude coordinates in decimal degrees"},
    ])
    contents = sa.table("gpkg_contents", sa.column("table_name"), sa.column("data_type"), sa.column("identifier"),
                        sa.column("description"), sa.column("srs_id"), sa.column("min_x"), sa.column("min_y"),
                        sa.column("max_x"), sa.column("max_y"))
    columns = sa.table("gpkg_geometry_columns", sa.column("table_name"), sa.column("column_name"),
                       sa.column("geometry_type_name"), sa.column("srs_id"), sa.column("z"), sa.column("m"))
    for name, identifier, description in FEATURE_TABLES:
        op.bulk_insert(contents, [{"table_name": name, "data_type": "features", "identifier": identifier,
                                   "description": description, "srs_id": 4326, "min_x": -180.0, "min_y": -90.0,
                                   "max_x": 180.0, "max_y": 90.0}])
        op.bulk_insert(columns, [{"table_name": name, "column_name": "geom", "geometry_type_name": "GEOMETRY",
                                  "srs_id": 4326, "z": 0, "m": 0}])


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        _geopackage_tables()
    elif bind.dialect.name == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    op.create_table(
        "sites",
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("id", sa.Text, nullable=False, unique=True),
        *_site_columns(),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("updated", sa.Text, nullable=False),
        sa.Column("updated_by", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("deleted", sa.Text),
        sa.Column("geom", Geometry()),
    )
    op.create_index("ix_sites_plan", "sites", ["plan"])
    op.create_table(
        "site_versions",
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("site_id", sa.Text, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        *_site_columns(),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("editor", sa.Text, nullable=False),
        sa.Column("saved", sa.Text, nullable=False),
        sa.Column("geom", Geometry()),
        sa.UniqueConstraint("site_id", "version", name="uq_site_versions_site_version"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.Text, nullable=False, unique=True),
        sa.Column("role", sa.Text, nullable=False),
        sa.Column("password_hash", sa.Text),
        sa.Column("created", sa.Text, nullable=False),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("token_hash", sa.Text, nullable=False, unique=True),
        sa.Column("created", sa.Text, nullable=False),
    )
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("session_hash", sa.Text, nullable=False, unique=True),
        sa.Column("csrf", sa.Text, nullable=False),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("expires", sa.Text, nullable=False),
    )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.Text, nullable=False),
        sa.Column("user_name", sa.Text, nullable=False),
        sa.Column("action", sa.Text, nullable=False),
        sa.Column("plan", sa.Text),
        sa.Column("target", sa.Text),
        sa.Column("before_version", sa.Integer),
        sa.Column("after_version", sa.Integer),
        sa.Column("detail", sa.Text),
    )
    if bind.dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_sites_geom ON sites USING gist (geom)")


def downgrade() -> None:
    for name in ("audit_log", "sessions", "api_tokens", "users", "site_versions", "sites"):
        op.drop_table(name)
