"""Attribute values of the plan's zones for the plan audit: the plan's values file and edits saved in the store.

A zone's values are the values file's (:mod:`layers.audit_values`, read with the plan) overridden by the edits
planners save from the audit page (the ``zone_values`` table: every save a new version, the newest wins; a
withdrawn edit lets the file's value, if any, apply again). The audit judges every zone on its values
(:meth:`api.service.plans.PlanService.audit_with`, only the zones with edits checked again) and shows each value
with its origin: the file (its source, date, author) or who saved it and when.

Values are typed exactly as a single check types them (:func:`layers.audit_values.parse_value`, the check's own
parser); a refused value is named field by field, in the request's language, from the one vocabulary.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from api.service.accounts import User
from api.service.errors import BadRequestError, NotFoundError
from api.service.plans import PlanService
from api.store import Store
from api.store import repository as repo
from api.store import zone_values as rows
from geo.errors import CriteriaError
from geo.rules import Ruleset
from layers.audit_values import parse_value
from maps import vocabulary

MAX_NOTE = 2000


class ValuesRefusedError(BadRequestError):
    """Some values of a save are refused; ``fields`` says which and why (HTTP 400, listed in the body)."""

    def __init__(self, message: str, fields: list[dict[str, Any]]) -> None:
        super().__init__(message)
        self.fields = fields


def field_message(name: str, ruleset: Ruleset, value: Any, lang: str) -> str:
    """Why a value is refused, in the words a planner reads (the vocabulary's), by the attribute's type."""
    spec = ruleset.attributes.get(name)
    if spec is None:
        return _fill("values.err_unknown", lang, ruleset=ruleset.title.en if lang == "en" else ruleset.title.zh,
                     names=", ".join(ruleset.attributes))
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if spec.type in ("number", "integer"):
        if number and spec.minimum is not None and value < spec.minimum:
            return _fill("form.err_min", lang, min=f"{spec.minimum:g}")
        return vocabulary.word("form.err_integer" if spec.type == "integer" else "form.err_number", lang)
    if spec.type == "fraction":
        return vocabulary.word("values.err_share", lang)
    if spec.type == "time":
        return vocabulary.word("form.err_time", lang)
    if spec.type == "boolean":
        return vocabulary.word("values.err_boolean", lang)
    return _fill("values.err_choice", lang, choices="、".join(spec.choices or []) if lang != "en"
                 else ", ".join(spec.choices or []))


def _fill(key: str, lang: str, **values: Any) -> str:
    text = vocabulary.word(key, lang)
    for name, value in values.items():
        text = text.replace("{" + name + "}", str(value))
    return text


def zones_ruleset(plan: PlanService, zone_id: str) -> str | None:
    return plan.source.zone_rulesets.get(zone_id)


class ZoneValueService:
    """The zone values of one plan (a :class:`PlanService`) with the store's edits (``store`` None: none yet)."""

    def __init__(self, plan: PlanService, store: Store | None) -> None:
        self.plan = plan
        self.store = store

    # ------------------------------------------------------------------ reading
    def zone_ruleset(self, zone_id: str) -> Ruleset:
        """The ruleset that judges a zone: NotFoundError for an unknown zone, BadRequestError for an area."""
        zones = self.plan.source.zone_rulesets
        if zone_id not in zones:
            raise NotFoundError(f"no zone {zone_id!r} in plan {self.plan.plan_id!r}; the audited zones are listed "
                                "by GET /api/checks/plan")
        ruleset_id = zones[zone_id]
        if ruleset_id is None:
            raise BadRequestError(f"区域不按标准评判 zone {zone_id!r} is judged by no ruleset (an area), so it takes "
                                  "no values")
        return self.plan.rulesets[ruleset_id]

    def edits(self, zone_ids: list[str] | None = None) -> list[dict[str, Any]]:
        """The current edit of each (zone, attribute) of the plan in the store (withdrawn ones included)."""
        if self.store is None:
            return []
        with self.store.read() as connection:
            return rows.current(connection, self.plan.plan_id, zone_ids)

    def values(self, zone_ids: list[str] | None = None) -> dict[str, dict[str, dict[str, Any]]]:
        """Zone id → attribute → ``{value, origin, …}``: the values file's, overridden by the store's newest edits.

        ``origin`` is ``file`` (with ``source``, ``date``, ``author``, ``notes``, ``row``) or ``store`` (with
        ``author``, ``saved``, ``note``, ``version``). An edit the plan no longer takes (the zone or attribute is
        gone, its ruleset changed) is left out.
        """
        wanted = None if zone_ids is None else set(zone_ids)
        out: dict[str, dict[str, dict[str, Any]]] = {}
        for item in self.plan.source.audit_values:
            if wanted is None or item.zone_id in wanted:
                out.setdefault(item.zone_id, {})[item.attribute] = {
                    "value": item.value, "origin": "file", "source": item.source, "date": item.date,
                    "author": item.author, "notes": item.notes, "unit": item.unit, "row": item.row}
        zones = self.plan.source.zone_rulesets
        for edit in self.edits(zone_ids):
            zone_id, name = edit["zone_id"], edit["attribute"]
            if edit["value"] is None or zones.get(zone_id) is None:
                continue
            try:
                value = parse_value(name, self.plan.rulesets[zones[zone_id]], edit["value"])
            except CriteriaError:
                continue
            out.setdefault(zone_id, {})[name] = {
                "value": value, "origin": "store", "author": edit["author"], "saved": edit["saved"],
                "note": edit["note"], "version": edit["version"]}
        return out

    def audit(self) -> dict[str, Any]:
        """The plan audit on the zones' values: zones with store edits are judged again on their merged values;
        every zone with values carries them (``values``: attribute → value and origin)."""
        values = self.values()
        copies = set()
        for copy, kept in self.plan.same_shapes().items():  # a zone drawn twice: one set of values for both
            if kept in values and copy not in values and zones_ruleset(self.plan, copy) == zones_ruleset(self.plan, kept):
                values[copy] = values[kept]
                copies.add(copy)
        edited = copies | {zone_id for zone_id, given in values.items()
                           if any(v["origin"] == "store" for v in given.values())}
        result = self.plan.audit_with({zone_id: {name: v["value"] for name, v in values[zone_id].items()}
                                       for zone_id in edited})
        zones = [{**row, "values": values[row["id"]]} if row["id"] in values and row.get("ruleset") else row
                 for row in result["zones"]]
        return {**result, "zones": zones}

    def history(self, zone_id: str) -> list[dict[str, Any]]:
        """Every saved version of a zone's values, oldest first."""
        self.zone_ruleset(zone_id)
        if self.store is None:
            return []
        with self.store.read() as connection:
            return rows.history(connection, self.plan.plan_id, zone_id)

    # ------------------------------------------------------------------ writing
    def save(self, zone_id: str, body: Any, user: User, *, lang: str = "zh") -> dict[str, Any]:
        """Save values of a zone (``{"values": {name: value or null}, "note": "…"}``; null withdraws the edit).

        Needs a planner. Every value is typed as a check types it; refused values are listed field by field
        (:class:`ValuesRefusedError`) and nothing is saved. Returns the zone's values and audit row after the save.
        """
        user.require("planner")
        if self.store is None:
            raise BadRequestError("no store to save to")  # pragma: no cover - the router always passes one
        ruleset = self.zone_ruleset(zone_id)
        if not isinstance(body, Mapping) or not isinstance(body.get("values"), Mapping) or not body["values"]:
            raise BadRequestError('body: {"values": {"<attribute>": <value>, …}, "note": "…"} with at least one '
                                  f"value; attributes of ruleset {ruleset.id!r}: {', '.join(ruleset.attributes)}")
        unknown_keys = sorted(set(body) - {"values", "note"})
        if unknown_keys:
            raise BadRequestError(f"body: unknown {', '.join(unknown_keys)}; a save has values and note")
        note = body.get("note")
        if note is not None and (not isinstance(note, str) or len(note) > MAX_NOTE):
            raise ValuesRefusedError(f"note: a text of at most {MAX_NOTE} characters", [
                {"attribute": "note", "value": note if isinstance(note, str) else None,
                 "message": _fill("values.err_text", lang, n=MAX_NOTE)}])
        typed: dict[str, Any] = {}
        refused: list[dict[str, Any]] = []
        for name, value in body["values"].items():
            if value is None or (isinstance(value, str) and not value.strip()):
                typed[name] = None
                if name not in ruleset.attributes:
                    refused.append({"attribute": name, "value": value, "detail": "unknown attribute",
                                    "message": field_message(name, ruleset, value, lang)})
                continue
            try:
                typed[name] = parse_value(name, ruleset, value)
            except CriteriaError as exc:
                refused.append({"attribute": name, "value": value, "detail": str(exc),
                                "message": field_message(name, ruleset, value, lang)})
        if refused:
            lead = _fill("values.refused", lang, zone=zone_id)
            raise ValuesRefusedError(lead + "; ".join(f"{f['attribute']}: {f['message']}" for f in refused), refused)
        with self.store.write() as connection:
            stamp = repo.now()
            versions = {name: rows.insert(connection, plan=self.plan.plan_id, zone_id=zone_id, attribute=name,
                                          value=value, author=user.name, saved=stamp, note=note or None)
                        for name, value in typed.items()}
            repo.log(connection, user=user.name, action="zone-values", plan=self.plan.plan_id, target=zone_id,
                     detail={"values": typed, "versions": versions, "note": note})
        row = next((z for z in self.audit()["zones"] if z["id"] == zone_id), None)
        return {"plan": self.plan.plan_id, "zone_id": zone_id, "ruleset": ruleset.id,
                "values": self.values([zone_id]).get(zone_id, {}), "audit": row}


def values_service(plan: PlanService, workbench: Any, *, write: bool = False) -> ZoneValueService:
    """The zone values of ``plan`` in the app's workbench store (to read: only if the store exists already)."""
    return ZoneValueService(plan, workbench.store if write else workbench.existing_store())
