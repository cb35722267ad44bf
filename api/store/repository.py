"""Reading and writing rows of the store. Functions take an open connection (a transaction of
:class:`api.store.db.Store`); they know tables, not use cases. JSON columns are decoded here."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from api.store.schema import api_tokens, audit_log, sessions, site_versions, sites, users

_JSON_FIELDS = ("attributes", "parameters", "report")
#: fields of a site that every version keeps
SITE_FIELDS = ("plan", "name", "note", "ruleset", "attributes", "parameters", "overall", "report",
               "report_schema", "data_hash", "data_date")


def now() -> str:
    """The current time as stored: ISO 8601 UTC with milliseconds."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _encode(values: Mapping[str, Any]) -> dict[str, Any]:
    row = dict(values)
    for name in _JSON_FIELDS:
        if name in row and row[name] is not None and not isinstance(row[name], str):
            row[name] = json.dumps(row[name], ensure_ascii=False, sort_keys=True)
    if "geometry" in row:
        row["geom"] = row.pop("geometry")
    return row


def _decode(row: Any) -> dict[str, Any]:
    record = dict(row._mapping)
    for name in _JSON_FIELDS:
        if isinstance(record.get(name), str):
            record[name] = json.loads(record[name])
    if "geom" in record:
        record["geometry"] = record.pop("geom")
    record.pop("fid", None)
    return record


# ---------------------------------------------------------------------------------------------- sites
def insert_site(connection: Connection, record: Mapping[str, Any], *, action: str = "create") -> None:
    """Insert a new site (version 1) and its first history entry."""
    row = _encode(record)
    connection.execute(sa.insert(sites).values(**row))
    _insert_version(connection, row, action=action, editor=row["author"], saved=row["created"])


def _insert_version(connection: Connection, row: Mapping[str, Any], *, action: str, editor: str, saved: str) -> None:
    values = {name: row.get(name) for name in SITE_FIELDS}
    connection.execute(sa.insert(site_versions).values(
        site_id=row["id"], version=row["version"], action=action, editor=editor, saved=saved, geom=row.get("geom"),
        **values))


def update_site(connection: Connection, site_id: str, expected_version: int, changes: Mapping[str, Any], *,
                editor: str, action: str, deleted: str | None | bool = False) -> dict[str, Any] | None:
    """Write a new version of a site when it is still at ``expected_version``.

    Returns the new record, or None when another write came first (the caller answers 412).
    ``deleted``: False leaves the deletion mark as it is, a time string sets it, None clears it.
    """
    row = _encode(changes)
    stamp = now()
    values: dict[str, Any] = {**row, "version": expected_version + 1, "updated": stamp, "updated_by": editor}
    if deleted is not False:
        values["deleted"] = deleted
    result = connection.execute(sa.update(sites).where(sites.c.id == site_id, sites.c.version == expected_version)
                                .values(**values))
    if result.rowcount != 1:
        return None
    current = get_site(connection, site_id, include_deleted=True)
    assert current is not None
    _insert_version(connection, _encode(current), action=action, editor=editor, saved=stamp)
    return current


def get_site(connection: Connection, site_id: str, *, include_deleted: bool = False) -> dict[str, Any] | None:
    query = sa.select(sites).where(sites.c.id == site_id)
    if not include_deleted:
        query = query.where(sites.c.deleted.is_(None))
    row = connection.execute(query).first()
    return None if row is None else _decode(row)


def list_sites(connection: Connection, *, plan: str | None = None, q: str | None = None,
               ruleset: str | None = None, overall: str | None = None, author: str | None = None,
               ids: Iterable[str] | None = None, deleted: bool = False, limit: int | None = None,
               offset: int = 0, bbox: tuple[float, float, float, float] | None = None
               ) -> tuple[list[dict[str, Any]], int]:
    """Sites matching every filter given, newest first, and how many match in all.

    ``q`` matches a part of the name or note (case-insensitive); ``bbox`` keeps sites whose envelope meets it.
    """
    conditions = [sites.c.deleted.isnot(None) if deleted else sites.c.deleted.is_(None)]
    if plan is not None:
        conditions.append(sites.c.plan == plan)
    if q:
        pattern = "%" + q.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(sa.func.lower(sites.c.name).like(pattern, escape="\\"),
                                 sa.func.lower(sites.c.note).like(pattern, escape="\\")))
    for column, value in ((sites.c.ruleset, ruleset), (sites.c.overall, overall), (sites.c.author, author)):
        if value is not None:
            conditions.append(column == value)
    if ids is not None:
        conditions.append(sites.c.id.in_(list(ids)))
    rows = [_decode(r) for r in connection.execute(sa.select(sites).where(*conditions)
                                                   .order_by(sites.c.updated.desc(), sites.c.fid.desc()))]
    if bbox is not None:
        minx, miny, maxx, maxy = bbox
        rows = [r for r in rows if r["geometry"] is not None and _meets(r["geometry"].bounds, bbox)]
        del minx, miny, maxx, maxy
    total = len(rows)
    end = None if limit is None else offset + limit
    return rows[offset:end], total


def _meets(bounds: tuple[float, ...], bbox: tuple[float, float, float, float]) -> bool:
    return not (bounds[2] < bbox[0] or bounds[0] > bbox[2] or bounds[3] < bbox[1] or bounds[1] > bbox[3])


def site_versions_of(connection: Connection, site_id: str) -> list[dict[str, Any]]:
    """Every stored version of a site, oldest first."""
    rows = connection.execute(sa.select(site_versions).where(site_versions.c.site_id == site_id)
                              .order_by(site_versions.c.version))
    return [_decode(r) for r in rows]


def site_version(connection: Connection, site_id: str, version: int) -> dict[str, Any] | None:
    row = connection.execute(sa.select(site_versions).where(site_versions.c.site_id == site_id,
                                                            site_versions.c.version == version)).first()
    return None if row is None else _decode(row)


# ---------------------------------------------------------------------------------------------- audit log
def log(connection: Connection, *, user: str, action: str, plan: str | None = None, target: str | None = None,
        before: int | None = None, after: int | None = None, detail: Mapping[str, Any] | None = None) -> None:
    """Record one write: who, when, what, the version before and after."""
    connection.execute(sa.insert(audit_log).values(
        at=now(), user_name=user, action=action, plan=plan, target=target, before_version=before,
        after_version=after, detail=None if detail is None else json.dumps(detail, ensure_ascii=False)))


def audit_entries(connection: Connection, *, target: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
    query = sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)
    if target is not None:
        query = query.where(audit_log.c.target == target)
    return [dict(r._mapping) for r in connection.execute(query)]


# ---------------------------------------------------------------------------------------------- accounts
def get_user(connection: Connection, name: str) -> dict[str, Any] | None:
    row = connection.execute(sa.select(users).where(users.c.name == name)).first()
    return None if row is None else dict(row._mapping)


def list_users(connection: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in connection.execute(sa.select(users).order_by(users.c.name))]


def insert_user(connection: Connection, name: str, role: str, password_hash: str | None) -> None:
    connection.execute(sa.insert(users).values(name=name, role=role, password_hash=password_hash, created=now()))


def set_user(connection: Connection, name: str, **values: Any) -> None:
    connection.execute(sa.update(users).where(users.c.name == name).values(**values))


def insert_token(connection: Connection, user: str, token_hash: str) -> None:
    connection.execute(sa.insert(api_tokens).values(user_name=user, token_hash=token_hash, created=now()))


def user_by_token(connection: Connection, token_hash: str) -> dict[str, Any] | None:
    row = connection.execute(sa.select(users).join(api_tokens, api_tokens.c.user_name == users.c.name)
                             .where(api_tokens.c.token_hash == token_hash)).first()
    return None if row is None else dict(row._mapping)


def insert_session(connection: Connection, user: str, session_hash: str, csrf: str, expires: str) -> None:
    connection.execute(sa.insert(sessions).values(user_name=user, session_hash=session_hash, csrf=csrf,
                                                  created=now(), expires=expires))


def session_user(connection: Connection, session_hash: str, at: str) -> tuple[dict[str, Any], str] | None:
    """The user of a live session and its CSRF token (None when unknown or expired)."""
    row = connection.execute(sa.select(users, sessions.c.csrf).join(sessions, sessions.c.user_name == users.c.name)
                             .where(sessions.c.session_hash == session_hash, sessions.c.expires > at)).first()
    if row is None:
        return None
    record = dict(row._mapping)
    return record, record.pop("csrf")


def delete_session(connection: Connection, session_hash: str) -> None:
    connection.execute(sa.delete(sessions).where(sessions.c.session_hash == session_hash))
