"""Attribute values of the plan's zones given in the audit's form: one row per saved version.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zone_values",
        sa.Column("fid", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("zone_id", sa.Text, nullable=False),
        sa.Column("attribute", sa.Text, nullable=False),
        sa.Column("value", sa.Text),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("author", sa.Text, nullable=False),
        sa.Column("saved", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.UniqueConstraint("plan", "zone_id", "attribute", "version", name="uq_zone_values_version"),
    )
    op.create_index("ix_zone_values_plan_zone", "zone_values", ["plan", "zone_id"])


def downgrade() -> None:
    op.drop_table("zone_values")
