"""Rows of the ``zone_values`` table (attribute values of the plan's zones saved from the audit's form).
Functions take an open connection (a transaction of :class:`api.store.db.Store`); they know the table, not the
use case. Every save is a new row; the highest ``version`` of a (plan, zone, attribute) is the current one.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.store.errors import ConflictError
from api.store.schema import zone_values as table


def _decode(row: Any) -> dict[str, Any]:
    record = dict(row._mapping)
    record.pop("fid", None)
    record["value"] = None if record["value"] is None else json.loads(record["value"])
    return record


def current(connection: Connection, plan: str, zone_ids: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The current version of every (zone, attribute) of ``plan`` (of ``zone_ids`` only, when given)."""
    latest = (sa.select(table.c.zone_id, table.c.attribute, sa.func.max(table.c.version).label("top"))
              .where(table.c.plan == plan).group_by(table.c.zone_id, table.c.attribute))
    if zone_ids is not None:
        latest = latest.where(table.c.zone_id.in_(list(zone_ids)))
    latest = latest.subquery()
    query = (sa.select(table).join(latest, sa.and_(table.c.zone_id == latest.c.zone_id,
                                                    table.c.attribute == latest.c.attribute,
                                                    table.c.version == latest.c.top))
             .where(table.c.plan == plan).order_by(table.c.zone_id, table.c.attribute))
    return [_decode(r) for r in connection.execute(query)]


def history(connection: Connection, plan: str, zone_id: str) -> list[dict[str, Any]]:
    """Every saved version of a zone's values, oldest first."""
    query = (sa.select(table).where(table.c.plan == plan, table.c.zone_id == zone_id)
             .order_by(table.c.saved, table.c.fid))
    return [_decode(r) for r in connection.execute(query)]


def insert(connection: Connection, *, plan: str, zone_id: str, attribute: str, value: Any, author: str,
           saved: str, note: str | None = None, version: int | None = None) -> int:
    """Save a new version of one value (``None`` withdraws it); its version number (default: the next one).
    Two writers that took the same version number (PostgreSQL, at the same moment): one gets
    :class:`ConflictError` (the unique version), never a lost write."""
    if version is None:
        top = connection.execute(sa.select(sa.func.max(table.c.version)).where(
            table.c.plan == plan, table.c.zone_id == zone_id, table.c.attribute == attribute)).scalar_one_or_none()
        version = (top or 0) + 1
    try:
        with connection.begin_nested():
            connection.execute(sa.insert(table).values(
                plan=plan, zone_id=zone_id, attribute=attribute, version=version, author=author, saved=saved,
                note=note, value=None if value is None else json.dumps(value, ensure_ascii=False)))
    except sa.exc.IntegrityError:
        raise ConflictError(f"区域数值已被他人同时保存 the value {attribute!r} of zone {zone_id!r} was saved by "
                            "someone else at the same moment; reload and save again") from None
    return version
