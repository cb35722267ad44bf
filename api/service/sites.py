"""Saved sites: the use cases of the planner's workbench over the store.

A site belongs to one plan. Saving checks it (like ``POST /api/checks/site``) and stores the report stamped with
the plan's data hash and date and :data:`REPORT_SCHEMA`; every save is a new version (history kept, two versions
comparable, any version restorable); deletion marks the site (an admin restores it). Writes need a planner; a
site is changed or deleted by its author or an admin; every write is in the audit log with the version before
and after. Optimistic locking: a write names the version it changes (``If-Match`` with the ETag).
"""

from __future__ import annotations

import csv
import io
import json
import math
import secrets
import tempfile
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import shapely
from shapely.geometry import mapping, shape

from api.service.accounts import PermissionDeniedError, User
from api.service.errors import BadRequestError, NotFoundError
from api.service.plans import PlanService
from api.store import ConflictError, PreconditionFailedError, PreconditionRequiredError, Store
from api.store import repository as repo
from layers.errors import ImportFileError
from layers.imports import ImportResult, read_site_file

#: version of the stored report's layout (the CheckReport contract); bumped when it changes
REPORT_SCHEMA = 1
COLLECTION_ID = "sites"
#: OGC API – Features Part 4 conformance classes the sites collection implements
PART4_CONFORMANCE = [
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/create-replace-delete",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/update",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/features",
    "http://www.opengis.net/spec/ogcapi-features-4/1.0/conf/optimistic-locking-etags",
]
EDITABLE = ("name", "note", "ruleset", "attributes", "parameters")
#: properties of a stored feature the server sets (sent back by clients such as QGIS; ignored on write)
SERVER_SET = ("overall", "report", "author", "created", "updated", "updated_by", "version", "plan", "data_hash",
              "data_date", "report_schema", "stale", "id", "deleted", "links")
COMPARE_MIN, COMPARE_MAX = 2, 5
MAX_NAME, MAX_NOTE = 200, 10_000
EXPORT_FORMATS = ("gpkg", "csv", "pdf")


def etag(record: Mapping[str, Any]) -> str:
    """The entity tag of a site's current version."""
    return f'"{record["id"]}-v{record["version"]}"'


def _matches(if_match: str | None, record: Mapping[str, Any]) -> None:
    if if_match is None or not if_match.strip():
        raise PreconditionRequiredError(f"修改选址需要 If-Match 头 a write to site {record['id']} needs an If-Match "
                                        f"header with its ETag (current: {etag(record)})")
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and etag(record) not in tags:
        raise PreconditionFailedError(f"选址已被他人修改 site {record['id']} changed since: If-Match {if_match} "
                                      f"but the current version is {etag(record)}; reload and save again")


def _text(value: Any, name: str, limit: int, *, required: bool = False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise BadRequestError(f"properties.{name}: {'必填 required, ' if required else ''}a text is expected")
    if len(value) > limit:
        raise BadRequestError(f"properties.{name}: at most {limit} characters")
    return value.strip() if name == "name" else value


def _object(value: Any, name: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BadRequestError(f"properties.{name}: an object is expected")
    return value


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


class SiteService:
    """The saved sites of one plan (a :class:`PlanService`) in one store."""

    def __init__(self, plan: PlanService, store: Store) -> None:
        self.plan = plan
        self.store = store

    # ------------------------------------------------------------------ parsing
    def _parse_feature(self, feature: Any, *, partial: bool = False) -> tuple[Any, dict[str, Any]]:
        """The geometry (or None) and the editable properties of a GeoJSON Feature (or a PATCH document)."""
        if not isinstance(feature, dict):
            raise BadRequestError("a GeoJSON Feature is expected")
        if not partial and feature.get("type") != "Feature":
            raise BadRequestError(f"type: 'Feature' expected, got {feature.get('type')!r}")
        geometry = feature.get("geometry")
        if not partial and geometry is None:
            raise BadRequestError("geometry: required")
        properties = feature.get("properties", {} if partial else None)
        if not isinstance(properties, dict):
            raise BadRequestError("properties: an object is expected")
        unknown = sorted(set(properties) - set(EDITABLE) - set(SERVER_SET))
        if unknown:
            raise BadRequestError(f"properties: unknown {', '.join(unknown)}; a site has {', '.join(EDITABLE)}")
        values: dict[str, Any] = {}
        if not partial or "name" in properties:
            values["name"] = _text(properties.get("name"), "name", MAX_NAME, required=True)
        if not partial or "note" in properties:
            values["note"] = _text(properties.get("note"), "note", MAX_NOTE)
        if not partial or "ruleset" in properties:
            ruleset = properties.get("ruleset") or (None if partial else self.plan.source.default_ruleset)
            values["ruleset"] = self.plan.ruleset(ruleset).id
        for name in ("attributes", "parameters"):
            if not partial or name in properties:
                values[name] = _object(properties.get(name), name)
        return geometry, values

    def _checked(self, geometry: Any, values: Mapping[str, Any]) -> dict[str, Any]:
        """Check a site; the stored fields (geometry as checked, overall, report and its stamps)."""
        report = self.plan.check_site(geometry, values["ruleset"], attributes=values.get("attributes") or {},
                                      parameters=values.get("parameters") or {})
        report = _finite(json.loads(json.dumps(report, default=str)))
        return {"geometry": shape(report["site"]), "overall": report["overall"], "report": report,
                "report_schema": REPORT_SCHEMA, "data_hash": self.plan.data_hash,
                "data_date": self.plan.plan.data_date}

    # ------------------------------------------------------------------ reading
    def get(self, site_id: str, *, include_deleted: bool = False) -> dict[str, Any]:
        with self.store.read() as connection:
            record = repo.get_site(connection, site_id, include_deleted=include_deleted)
        if record is None or record["plan"] != self.plan.plan_id:
            raise NotFoundError(f"没有选址 no site {site_id!r} in plan {self.plan.plan_id!r}")
        return record

    def search(self, *, q: str | None = None, ruleset: str | None = None, overall: str | None = None,
               author: str | None = None, deleted: bool = False, limit: int | None = None, offset: int = 0,
               bbox: tuple[float, float, float, float] | None = None) -> tuple[list[dict[str, Any]], int]:
        """Sites of the plan matching the filters, newest first, and the number matched."""
        if overall is not None and overall not in ("pass", "fail", "incomplete"):
            raise BadRequestError(f"overall: one of pass, fail, incomplete (got {overall!r})")
        with self.store.read() as connection:
            return repo.list_sites(connection, plan=self.plan.plan_id, q=q, ruleset=ruleset, overall=overall,
                                   author=author, deleted=deleted, limit=limit, offset=offset, bbox=bbox)

    def stale(self, record: Mapping[str, Any]) -> bool:
        """Whether the stored report was made on other data than the plan's current data."""
        return record.get("data_hash") != self.plan.data_hash or record.get("report_schema") != REPORT_SCHEMA

    def feature(self, record: Mapping[str, Any], *, with_report: bool = True) -> dict[str, Any]:
        """A stored site as a GeoJSON Feature (the sites collection's item)."""
        properties = {name: record.get(name) for name in (
            "name", "note", "ruleset", "attributes", "parameters", "overall", "author", "created", "updated",
            "updated_by", "version", "plan", "data_hash", "data_date", "report_schema")}
        properties["stale"] = self.stale(record)
        if record.get("deleted"):
            properties["deleted"] = record["deleted"]
        if with_report:
            properties["report"] = record.get("report")
        geometry = record.get("geometry")
        return {"type": "Feature", "id": record["id"],
                "geometry": None if geometry is None else mapping(geometry), "properties": properties}

    # ------------------------------------------------------------------ writing
    def create(self, feature: Any, user: User) -> dict[str, Any]:
        """Check and save a new site (version 1); the stored record."""
        user.require("planner")
        geometry, values = self._parse_feature(feature)
        checked = self._checked(geometry, values)
        stamp = repo.now()
        record = {"id": secrets.token_hex(6), "plan": self.plan.plan_id, **values, **checked, "author": user.name,
                  "created": stamp, "updated": stamp, "updated_by": user.name, "version": 1}
        with self.store.write() as connection:
            repo.insert_site(connection, record)
            repo.log(connection, user=user.name, action="site.create", plan=self.plan.plan_id, target=record["id"],
                     after=1, detail={"name": record["name"], "overall": record["overall"]})
        return record

    def _may_edit(self, record: Mapping[str, Any], user: User) -> None:
        user.require("planner")
        if record["author"] != user.name and not user.has("admin"):
            raise PermissionDeniedError(f"只有作者或管理员可以修改 only the author ({record['author']}) or an admin "
                                        f"may change site {record['id']}")

    def _write_version(self, record: Mapping[str, Any], changes: Mapping[str, Any], user: User, action: str,
                       *, deleted: str | None | bool = False) -> dict[str, Any]:
        with self.store.write() as connection:
            updated = repo.update_site(connection, record["id"], record["version"], changes, editor=user.name,
                                       action=action, deleted=deleted)
            if updated is None:
                raise PreconditionFailedError(f"选址已被他人修改 site {record['id']} changed while saving; reload "
                                              "and save again")
            repo.log(connection, user=user.name, action=f"site.{action}", plan=self.plan.plan_id,
                     target=record["id"], before=record["version"], after=updated["version"],
                     detail={k: changes[k] for k in ("name", "overall") if k in changes})
        return updated

    def replace(self, site_id: str, feature: Any, user: User, if_match: str | None) -> dict[str, Any]:
        """PUT: a whole new version (geometry and properties), re-checked."""
        record = self.get(site_id)
        self._may_edit(record, user)
        _matches(if_match, record)
        geometry, values = self._parse_feature(feature)
        return self._write_version(record, {**values, **self._checked(geometry, values)}, user, "update")

    def update(self, site_id: str, patch: Any, user: User, if_match: str | None) -> dict[str, Any]:
        """PATCH: the given members change (``attributes``/``parameters`` merge, ``null`` removes a key)."""
        record = self.get(site_id)
        self._may_edit(record, user)
        _matches(if_match, record)
        geometry, values = self._parse_feature(patch, partial=True)
        merged = {name: record[name] for name in EDITABLE}
        for name, value in values.items():
            if name in ("attributes", "parameters"):
                merged[name] = {k: v for k, v in {**(record[name] or {}), **value}.items() if v is not None}
            else:
                merged[name] = value
        site_geometry = geometry if geometry is not None else mapping(record["geometry"])
        return self._write_version(record, {**merged, **self._checked(site_geometry, merged)}, user, "update")

    def delete(self, site_id: str, user: User, if_match: str | None) -> dict[str, Any]:
        """Mark a site deleted (a new version; an admin can restore it)."""
        record = self.get(site_id)
        self._may_edit(record, user)
        _matches(if_match, record)
        return self._write_version(record, {}, user, "delete", deleted=repo.now())

    def undelete(self, site_id: str, user: User) -> dict[str, Any]:
        """An admin brings a deleted site back."""
        user.require("admin")
        record = self.get(site_id, include_deleted=True)
        if not record.get("deleted"):
            raise ConflictError(f"site {site_id} is not deleted")
        return self._write_version(record, {}, user, "undelete", deleted=None)

    def revert(self, site_id: str, version: int, user: User, if_match: str | None) -> dict[str, Any]:
        """A new version with the content of an earlier one, re-checked on the current data."""
        record = self.get(site_id)
        self._may_edit(record, user)
        _matches(if_match, record)
        old = self.version(site_id, version)
        values = {name: old[name] for name in EDITABLE}
        self.plan.ruleset(values["ruleset"])
        return self._write_version(record, {**values, **self._checked(mapping(old["geometry"]), values)}, user,
                                   "revert")

    def recheck(self, site_id: str, user: User) -> dict[str, Any]:
        """Check again on the current data (any planner); a new version when anything was checked."""
        user.require("planner")
        record = self.get(site_id)
        values = {name: record[name] for name in EDITABLE}
        return self._write_version(record, self._checked(mapping(record["geometry"]), values), user, "recheck")

    # ------------------------------------------------------------------ history
    def history(self, site_id: str) -> list[dict[str, Any]]:
        self.get(site_id, include_deleted=True)
        with self.store.read() as connection:
            versions = repo.site_versions_of(connection, site_id)
        return [{"version": v["version"], "action": v["action"], "editor": v["editor"], "saved": v["saved"],
                 "name": v["name"], "overall": v["overall"], "data_hash": v["data_hash"],
                 "data_date": v["data_date"]} for v in versions]

    def version(self, site_id: str, version: int) -> dict[str, Any]:
        self.get(site_id, include_deleted=True)
        with self.store.read() as connection:
            found = repo.site_version(connection, site_id, version)
        if found is None:
            raise NotFoundError(f"site {site_id} has no version {version}")
        return found

    def diff(self, site_id: str, a: int, b: int) -> dict[str, Any]:
        """What changed from version ``a`` to ``b``: fields, geometry (area, moved) and criteria results."""
        first, second = self.version(site_id, a), self.version(site_id, b)
        fields = {name: {"from": first[name], "to": second[name]}
                  for name in (*EDITABLE, "overall", "data_hash", "data_date") if first[name] != second[name]}
        geometry = {"changed": not shapely.equals_exact(first["geometry"], second["geometry"], 1e-9)}
        if geometry["changed"]:
            union = shapely.union(first["geometry"], second["geometry"])
            common = shapely.intersection(first["geometry"], second["geometry"])
            geometry["overlap_share"] = round(common.area / union.area, 4) if union.area > 0 else None
            geometry["hausdorff_deg"] = round(shapely.hausdorff_distance(first["geometry"], second["geometry"]), 7)
        criteria = []
        before = {c["id"]: c for c in (first["report"] or {}).get("criteria", [])}
        after = {c["id"]: c for c in (second["report"] or {}).get("criteria", [])}
        for cid in [*before, *(k for k in after if k not in before)]:
            x, y = before.get(cid, {}), after.get(cid, {})
            if x.get("status") != y.get("status") or x.get("value") != y.get("value"):
                criteria.append({"id": cid, "from": {"status": x.get("status"), "value": x.get("value")},
                                 "to": {"status": y.get("status"), "value": y.get("value")}})
        return {"site": site_id, "from": a, "to": b, "fields": fields, "geometry": geometry, "criteria": criteria}

    # ------------------------------------------------------------------ compare
    def compare(self, ids: Iterable[str]) -> dict[str, Any]:
        """2–5 sites side by side: one row per criterion with each site's status and value, differences marked."""
        wanted = list(dict.fromkeys(i.strip() for i in ids if i and i.strip()))
        if not COMPARE_MIN <= len(wanted) <= COMPARE_MAX:
            raise BadRequestError(f"ids: 比较 2–5 个选址 compare {COMPARE_MIN}–{COMPARE_MAX} sites "
                                  f"(got {len(wanted)})")
        records = [self.get(site_id) for site_id in wanted]
        columns = [{"id": r["id"], "name": r["name"], "ruleset": r["ruleset"], "overall": r["overall"],
                    "author": r["author"], "version": r["version"], "stale": self.stale(r),
                    "measurements": (r["report"] or {}).get("measurements", {})} for r in records]
        rows: dict[str, dict[str, Any]] = {}
        for index, record in enumerate(records):
            for criterion in (record["report"] or {}).get("criteria", []):
                row = rows.setdefault(criterion["id"], {
                    "id": criterion["id"], "unit": criterion.get("unit"),
                    "title": {"zh": criterion.get("title_zh"), "en": criterion.get("title_en")},
                    "values": [None] * len(records)})
                row["values"][index] = {"status": criterion.get("status"), "value": criterion.get("value"),
                                        "threshold": criterion.get("threshold")}
        for row in rows.values():
            seen = {json.dumps(v, sort_keys=True, default=str) for v in row["values"]}
            row["differs"] = len(seen) > 1
        overall = [c["overall"] for c in columns]
        return {"plan": self.plan.plan_id, "sites": columns, "criteria": list(rows.values()),
                "overall_differs": len(set(overall)) > 1,
                "features": [self.feature(r, with_report=False) for r in records]}

    # ------------------------------------------------------------------ export
    def export(self, records: list[dict[str, Any]], fmt: str, *, lang: str = "zh") -> tuple[bytes, str, str]:
        """A list of sites as GeoPackage, CSV (UTF-8 with BOM for Excel) or one PDF with a report page per site.

        Returns the bytes, the media type and the file suffix.
        """
        if fmt not in EXPORT_FORMATS:
            raise BadRequestError(f"f: one of {', '.join(EXPORT_FORMATS)} (got {fmt!r})")
        if not records:
            raise BadRequestError("没有可导出的选址 no sites match: nothing to export")
        if fmt == "csv":
            return _csv(records, self).encode("utf-8-sig"), "text/csv; charset=utf-8", "csv"
        if fmt == "gpkg":
            return _gpkg(records, self), "application/geopackage+sqlite3", "gpkg"
        return self._pdf(records, lang), "application/pdf", "pdf"

    def _pdf(self, records: list[dict[str, Any]], lang: str) -> bytes:
        from pypdf import PdfReader, PdfWriter

        from api.service.exports import render_report

        writer = PdfWriter()
        for record in records:
            page = render_report(self.plan, record["report"], lang=lang, date=record["updated"][:10],
                                 title=record["name"])
            for pdf_page in PdfReader(io.BytesIO(page)).pages:
                writer.add_page(pdf_page)
        out = io.BytesIO()
        writer.write(out)
        return out.getvalue()

    # ------------------------------------------------------------------ import
    def import_file(self, data: bytes, filename: str, user: User, *, crs: str | None = None,
                    ruleset: str | None = None, save: bool = False) -> dict[str, Any]:
        """Read a site file, check every feature, and save them all when asked and when none has a problem.

        Nothing is half-saved: with ``save`` the sites are written in one transaction, and not at all when
        any feature has a problem (the response lists each feature with its problem).
        """
        if save:
            user.require("planner")
        ruleset_id = self.plan.ruleset(ruleset or self.plan.source.default_ruleset).id
        result: ImportResult = read_site_file(data, filename, crs)
        rows = []
        records = []
        stamp = repo.now()
        for site in result.sites:
            row: dict[str, Any] = {"index": site.index, "name": site.name, "id": None, "overall": None,
                                   "problem": site.problem}
            if site.problem is None:
                values = {"name": site.name[:MAX_NAME], "note": "", "ruleset": ruleset_id, "attributes": {},
                          "parameters": {}}
                try:
                    checked = self._checked(mapping(site.geometry), values)
                except (ValueError, LookupError) as exc:  # the geometry errors of geo are ValueErrors
                    row["problem"] = str(exc)
                else:
                    row["overall"] = checked["overall"]
                    records.append({"id": secrets.token_hex(6), "plan": self.plan.plan_id, **values, **checked,
                                    "author": user.name, "created": stamp, "updated": stamp,
                                    "updated_by": user.name, "version": 1})
                    row["_record"] = len(records) - 1
            rows.append(row)
        problems = [r for r in rows if r["problem"]]
        if save and problems:
            listed = "; ".join(f"#{r['index']} {r['name']}: {r['problem']}" for r in problems[:10])
            raise ImportFileError(f"{filename}: {len(problems)} 个要素有问题, 未保存任何选址 {len(problems)} of "
                                  f"{len(rows)} features have problems, nothing was saved — {listed}")
        if save:
            with self.store.write() as connection:
                for record in records:
                    repo.insert_site(connection, record, action="import")
                repo.log(connection, user=user.name, action="site.import", plan=self.plan.plan_id,
                         target=filename[:128], detail={"sites": [r["id"] for r in records], "format": result.format})
        for row in rows:
            index = row.pop("_record", None)
            if save and index is not None:
                row["id"] = records[index]["id"]
        return {"file": filename, "format": result.format, "crs": result.crs, "crs_source": result.crs_source,
                "ruleset": ruleset_id, "saved": save, "count": len(rows), "problems": len(problems),
                "warnings": result.warnings, "sites": rows}


# ---------------------------------------------------------------------------------------------- exports
CSV_COLUMNS = [("id", "编号 id"), ("name", "名称 name"), ("ruleset", "规则集 ruleset"), ("overall", "结论 overall"),
               ("author", "作者 author"), ("version", "版本 version"), ("updated", "更新 updated"),
               ("data_date", "数据日期 data date"), ("stale", "报告过期 stale"), ("note", "备注 note"),
               ("wkt", "几何 WKT")]


def _csv(records: list[dict[str, Any]], service: SiteService) -> str:
    criteria_ids: list[str] = []
    for record in records:
        for criterion in (record["report"] or {}).get("criteria", []):
            if criterion["id"] not in criteria_ids:
                criteria_ids.append(criterion["id"])
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in CSV_COLUMNS] + criteria_ids)
    for record in records:
        statuses = {c["id"]: c.get("status") for c in (record["report"] or {}).get("criteria", [])}
        values = {**record, "stale": "是 yes" if service.stale(record) else "", "wkt": record["geometry"].wkt}
        writer.writerow([_cell(values.get(name)) for name, _ in CSV_COLUMNS] +
                        [statuses.get(cid, "") for cid in criteria_ids])
    return out.getvalue()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # a cell starting with = + - @ would be a formula in Excel: quote it
    return "'" + text if text[:1] in ("=", "+", "-", "@") and text != "-" else text


def _gpkg(records: list[dict[str, Any]], service: SiteService) -> bytes:
    import geopandas as gpd

    rows = [{"id": r["id"], "name": r["name"], "note": r["note"], "ruleset": r["ruleset"], "overall": r["overall"],
             "author": r["author"], "version": r["version"], "created": r["created"], "updated": r["updated"],
             "data_date": r["data_date"], "data_hash": r["data_hash"], "stale": service.stale(r),
             "attributes": json.dumps(r["attributes"], ensure_ascii=False),
             "report": json.dumps(r["report"], ensure_ascii=False), "geometry": r["geometry"]} for r in records]
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")
    with tempfile.TemporaryDirectory(prefix="planmap-sites-") as folder:
        path = Path(folder) / "sites.gpkg"
        frame.to_file(path, layer="sites", driver="GPKG")
        return path.read_bytes()


__all__ = ["COLLECTION_ID", "PART4_CONFORMANCE", "REPORT_SCHEMA", "SiteService", "etag"]
