"""Attribute values per zone for the plan audit: the plan's values file (``plan.audit_values`` in the catalogue).

A CSV (UTF-8, a BOM is fine) with one row per zone and attribute::

    zone_id,zone_name,attribute,attribute_title,value,unit,notes,source,date,author
    xg-ne-tianjinjie,天津街,merchants,商户数,72,户,,《西岗区夜间经济…》第 3 条,2025-05-01,王工

``zone_id``, ``attribute`` and ``value`` are required; ``zone_name``, ``attribute_title`` and ``unit`` are for the
reader (the values template ``/maps/audit-values.csv`` fills them); ``notes``, ``source``, ``date`` (YYYY,
YYYY-MM or YYYY-MM-DD) and ``author`` travel with the value and are shown beside it. A row with an empty value
is skipped (a template row not filled in yet). Values are read exactly as a single check reads typed-in text
(:func:`geo.rules.values.coerce_attribute` with ``from_text``: 是/否, ``85%``, ``22:30``, ``购物、餐饮``).

Validated when the plan loads: an unknown zone, an attribute the zone's ruleset does not have, a bad value,
a bad date or the same zone and attribute twice stops start-up with a :class:`~layers.errors.CatalogueError`
naming the file, the row and what to fix.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from geo.errors import CriteriaError
from geo.rules import Ruleset
from geo.rules.values import coerce_attribute
from layers.errors import CatalogueError

#: the columns of the values file and of the values template, in order
COLUMNS = ("zone_id", "zone_name", "attribute", "attribute_title", "value", "unit", "notes", "source", "date",
           "author")
REQUIRED = ("zone_id", "attribute", "value")
DATE = re.compile(r"^\d{4}(-(0[1-9]|1[0-2])(-(0[1-9]|[12]\d|3[01]))?)?$")
#: longest text kept in notes, source and author
MAX_TEXT = 500


@dataclass(frozen=True)
class ZoneValue:
    """One attribute value of one zone, as the values file gives it (``value`` typed by the ruleset)."""

    zone_id: str
    attribute: str
    value: Any
    text: str
    unit: str = ""
    notes: str = ""
    source: str = ""
    date: str = ""
    author: str = ""
    #: the row of the file (the header is row 1)
    row: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def zone_ruleset(feature: Mapping[str, Any], zone_kind: str | None, audits: Mapping[str, str],
                 rulesets: Mapping[str, Ruleset]) -> str | None:
    """The ruleset the plan audit judges a zone with (None: not judged), as :func:`geo.checks.plan_audit`
    picks it: the feature's own ``ruleset`` property (``none`` = not judged), else the plan's for its kind."""
    wanted = feature.get("ruleset")
    if not isinstance(wanted, str) or not wanted:
        wanted = audits.get(zone_kind or "")
    return wanted if wanted and wanted != "none" and wanted in rulesets else None


def parse_value(name: str, ruleset: Ruleset, value: Any) -> Any:
    """One value as the check types it (text parsed as a check's typed-in text); raises CriteriaError."""
    if name not in ruleset.attributes:
        raise CriteriaError(f"attribute {name!r} is not one of ruleset {ruleset.id!r}'s: "
                            f"{', '.join(ruleset.attributes) or 'none'}")
    return coerce_attribute(name, ruleset.attributes[name], value, from_text=isinstance(value, str))


def read_values(text: str, zones: Mapping[str, str | None], rulesets: Mapping[str, Ruleset], *,
                where: str = "values file") -> list[ZoneValue]:
    """The values of a values file's text, validated.

    Parameters
    ----------
    text
        The CSV text.
    zones
        Zone id → the id of the ruleset that judges it (None: a zone no ruleset judges).
    rulesets
        The plan's rulesets by id.
    where
        How messages name the file.
    """
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff")))
    header = [h.strip() for h in reader.fieldnames or []]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise CatalogueError(f"{where}: the header lacks column(s) {', '.join(missing)}; "
                             f"columns: {', '.join(COLUMNS)}")
    unknown = [h for h in header if h not in COLUMNS]
    if unknown:
        raise CatalogueError(f"{where}: unknown column(s) {', '.join(unknown)}; columns: {', '.join(COLUMNS)}")
    reader.fieldnames = header
    out: list[ZoneValue] = []
    seen: dict[tuple[str, str], int] = {}
    for number, raw in enumerate(reader, start=2):
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(row.values()) or not row.get("value"):
            continue
        zone_id, name = row.get("zone_id", ""), row.get("attribute", "")
        at = f"{where}, row {number} (zone_id {zone_id!r}, attribute {name!r})"
        if zone_id not in zones:
            raise CatalogueError(f"{at}: no zone {zone_id!r} in this plan's zone layers")
        ruleset_id = zones[zone_id]
        if ruleset_id is None:
            raise CatalogueError(f"{at}: zone {zone_id!r} is not judged by any ruleset, so it takes no values")
        try:
            value = parse_value(name, rulesets[ruleset_id], row["value"])
        except CriteriaError as exc:
            raise CatalogueError(f"{at}, column 'value': {exc}") from None
        if row.get("date") and not DATE.match(row["date"]):
            raise CatalogueError(f"{at}, column 'date': {row['date']!r} is not a date YYYY-MM-DD (or YYYY-MM, YYYY)")
        for column in ("notes", "source", "author"):
            if len(row.get(column, "")) > MAX_TEXT:
                raise CatalogueError(f"{at}, column {column!r}: at most {MAX_TEXT} characters")
        if (zone_id, name) in seen:
            raise CatalogueError(f"{at}: the same zone and attribute as row {seen[zone_id, name]}; keep one")
        seen[zone_id, name] = number
        out.append(ZoneValue(zone_id=zone_id, attribute=name, value=value, text=row["value"],
                             unit=row.get("unit", ""), notes=row.get("notes", ""), source=row.get("source", ""),
                             date=row.get("date", ""), author=row.get("author", ""), row=number))
    return out


def read_values_file(path: Path, zones: Mapping[str, str | None], rulesets: Mapping[str, Ruleset]) -> list[ZoneValue]:
    """:func:`read_values` of a file (named in messages by its folder and name)."""
    path = Path(path)
    where = f"{path.parent.name}/{path.name}"
    if not path.is_file():
        raise CatalogueError(f"{where}: the values file named by 'plan.audit_values' is not there")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogueError(f"{where}: not UTF-8 text ({exc.reason} at byte {exc.start}); save it as UTF-8 CSV") \
            from None
    return read_values(text, zones, rulesets, where=where)
