"""Batch screening jobs: one row per job with its input file and its result (both as blobs).

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("id", sa.Text, primary_key=True),
        sa.Column("plan", sa.Text, nullable=False),
        sa.Column("data_hash", sa.Text, nullable=False),
        sa.Column("ruleset", sa.Text, nullable=False),
        sa.Column("owner", sa.Text, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("options", sa.Text, nullable=False),
        sa.Column("filename", sa.Text, nullable=False),
        sa.Column("input", sa.LargeBinary, nullable=False),
        sa.Column("total", sa.Integer, nullable=False),
        sa.Column("done", sa.Integer, nullable=False, server_default="0"),
        sa.Column("counts", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("cancel", sa.Integer, nullable=False, server_default="0"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("worker", sa.Text),
        sa.Column("created", sa.Text, nullable=False),
        sa.Column("started", sa.Text),
        sa.Column("finished", sa.Text),
        sa.Column("heartbeat", sa.Text),
        sa.Column("expires", sa.Text, nullable=False),
        sa.Column("result", sa.LargeBinary),
    )
    op.create_index("ix_jobs_state", "jobs", ["state", "created"])
    op.create_index("ix_jobs_expires", "jobs", ["expires"])


def downgrade() -> None:
    op.drop_table("jobs")
