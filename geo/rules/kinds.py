"""Criterion kinds: one evaluation function per kind, registered in :mod:`geo.rules.registry`, and the
evaluation of a ruleset.

Adding a criterion kind is one function decorated with :func:`register` (naming the fields a criterion of
that kind needs and the operators it allows) and its tests; the ruleset model validates against the registry.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from geo.errors import CriteriaError
from geo.rules.registry import (  # noqa: F401  (re-exported: the words of a verdict)
    ASSUMED,
    BASES,
    COMPARING,
    FAIL,
    INCOMPLETE,
    KINDS,
    MANUAL,
    MEASURED,
    NEEDS_DATA,
    OVERALLS,
    PASS,
    REVIEW,
    STAND_IN,
    STATUSES,
    SUPPLIED,
    Inputs,
    Kind,
    register,
)
from geo.rules.values import _is_number, night_minutes, parse_time, target_layer, target_max

if TYPE_CHECKING:
    from geo.rules.model import Criterion, Ruleset

def _compare(value: Any, operator: str, threshold: Any) -> bool:
    if operator == ">=":
        return value >= threshold
    if operator == "<=":
        return value <= threshold
    if operator == ">":
        return value > threshold
    if operator == "<":
        return value < threshold
    if operator == "==":
        return value == threshold
    if operator == "in":
        return value in threshold
    if operator == "is_true":
        return value is True
    raise CriteriaError(f"operator {operator!r} cannot compare values")  # pragma: no cover - schema forbids it


def _base(criterion: Criterion, threshold: Any) -> dict[str, Any]:
    return {
        "id": criterion.id,
        "title_zh": criterion.title_zh,
        "title_en": criterion.title_en,
        "status": MANUAL,
        "value": None,
        "operator": criterion.operator,
        "threshold": threshold,
        "unit": criterion.unit,
        "method": criterion.method,
        "source": criterion.source.cite(),
        "text": criterion.text,
        "note": criterion.note,
    }


def _missing(result: dict[str, Any], criterion: Criterion, attribute: str | None, why: str) -> dict[str, Any]:
    result["status"] = MANUAL if criterion.on_missing == "manual" else NEEDS_DATA
    if attribute:
        result["missing_attribute"] = attribute
    result["method"] = why
    return result


def _round(value: float) -> float:
    return round(float(value), 2)


#: metres: a measured length or walking distance within a millimetre of its threshold meets it (float noise)
METRIC_TOLERANCE_M = 1e-3


def _compare_metric(value: float, operator: str, threshold: float) -> bool:
    """Compare an unrounded metric value with its threshold; reported values are rounded, judgements are not."""
    if operator in (">=", ">"):
        return _compare(value + METRIC_TOLERANCE_M, operator, threshold)
    if operator in ("<=", "<"):
        return _compare(value - METRIC_TOLERANCE_M, operator, threshold)
    return _compare(value, operator, threshold)


def evaluate(ruleset: Ruleset, *, measurements: Mapping[str, Any], attributes: Mapping[str, Any],
             parameters: Mapping[str, Any], accessibility: Mapping[str, Any] | None = None,
             location: Mapping[str, Any] | None = None, roles: Mapping[str, Any] | None = None,
             as_reference: bool = False) -> list[dict[str, Any]]:
    """Judge every criterion of ``ruleset`` with the evaluation function registered for its kind.

    Parameters
    ----------
    measurements
        ``length_m``, ``width_min_m``, ... of the site (None/NaN where not measurable) and ``method``.
    attributes
        Validated attributes (see :func:`geo.rules.values.coerce_attributes`).
    parameters
        Resolved parameters (see :func:`geo.rules.values.resolve_parameters`).
    accessibility
        Per accessibility criterion id: target key → ``{"distance_m", "method", "id", "name"}``, or
        ``{"missing": "why"}`` when there is no data for that target.
    location
        Per location criterion id: the plan features the site intersects, or None when the plan has no layer
        playing the criterion's roles.
    roles
        The plan's role → layer ids (to name the layers targets read).
    as_reference
        The ruleset is another place's standard used for reference: criteria bound to that place
        (``local_to``) become manual items that say so.

    Returns
    -------
    One result dict per criterion, in ruleset order: ``id, title_zh, title_en, status, value, operator,
    threshold, unit, method, source, text, note`` and, where data is missing, ``missing_attribute``; accessibility
    and format results add ``details``.
    """
    inputs = Inputs(ruleset, measurements, attributes, parameters, accessibility or {}, location or {}, roles or {})
    results = []
    for criterion in ruleset.criteria:
        threshold = criterion.threshold
        if criterion.threshold_parameter:
            threshold = parameters[criterion.threshold_parameter]
        result = _base(criterion, threshold)
        kind = KINDS[criterion.kind]
        result["basis"] = MEASURED if kind.spatial else REVIEW if criterion.kind == "manual" else SUPPLIED
        kind.evaluate(result, criterion, inputs)
        if as_reference and criterion.local_to:
            result.update(status=MANUAL, basis=REVIEW, value=result.get("value"),
                          note=f"本项为{criterion.local_to}的属地要求，参照使用时不作判定，请人工核查本区对应要求"
                               f"（a requirement bound to {criterion.local_to}: not judged where the standard is "
                               "only a reference）")
        results.append(result)
    return results


@register("manual", operators=("review",))
def _manual(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    result["method"] = criterion.method or "manual review against the original text"


@register("measurement", needs=("measure",), spatial=True, compares=True)
def _measurement(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    measurements, attributes = inputs.measurements, inputs.attributes
    value = measurements.get(criterion.measure)
    if value is not None and _is_number(value) and math.isfinite(value):
        result["value"] = _round(value)
        result["method"] = criterion.method or measurements.get("method") or "measured on the site geometry"
        if criterion.measure in (measurements.get("supplied") or ()):
            result["basis"] = SUPPLIED
    elif criterion.attribute and criterion.attribute in attributes:
        value = attributes[criterion.attribute]
        result["value"] = value
        result["basis"] = SUPPLIED
        result["method"] = f"given as attribute {criterion.attribute!r} (cannot be measured on this geometry)"
    else:
        _missing(result, criterion, criterion.attribute,
                 f"{criterion.measure} cannot be measured on this geometry"
                 + (f"; supply attribute {criterion.attribute!r}" if criterion.attribute else ""))
        return
    result["status"] = PASS if _compare_metric(value, criterion.operator, result["threshold"]) else FAIL


@register("attribute", needs=("attribute",), compares=True)
def _attribute(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    attributes, ruleset = inputs.attributes, inputs.ruleset
    name = criterion.attribute
    if name not in attributes:
        _missing(result, criterion, name, f"not measurable on a map; supply attribute {name!r} "
                                          f"({ruleset.attributes[name].title_zh})")
        return
    value = attributes[name]
    result["value"] = value
    result["method"] = criterion.method or f"attribute {name!r} supplied with the request"
    result["status"] = PASS if _compare(value, criterion.operator, result["threshold"]) else FAIL


@register("count_distinct", needs=("attribute",), compares=True)
def _count_distinct(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    attributes, ruleset = inputs.attributes, inputs.ruleset
    name = criterion.attribute
    if name not in attributes:
        _missing(result, criterion, name, f"supply attribute {name!r} ({ruleset.attributes[name].title_zh}): "
                                          f"a list of {', '.join(ruleset.attributes[name].choices or [])}")
        return
    distinct = sorted(set(attributes[name]), key=(ruleset.attributes[name].choices or []).index)
    result["value"] = len(distinct)
    result["details"] = {"distinct": distinct, "of": len(ruleset.attributes[name].choices or [])}
    result["method"] = criterion.method or f"distinct valid values of attribute {name!r}"
    result["status"] = PASS if _compare(len(distinct), criterion.operator, result["threshold"]) else FAIL


@register("time", needs=("attribute",), compares=True)
def _time(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    attributes, parameters = inputs.attributes, inputs.parameters
    name = criterion.attribute
    if name not in attributes:
        _missing(result, criterion, name, f"supply attribute {name!r} as HH:MM")
        return
    night_ends = str(parameters.get("night_ends", "06:00"))
    value = attributes[name]
    after_midnight = parse_time(value) < parse_time(night_ends)
    result["value"] = value
    result["details"] = {"after_midnight": after_midnight, "night_ends": night_ends}
    result["method"] = (criterion.method or f"attribute {name!r}") + \
        f"; times before {night_ends} count as after midnight"
    ok = _compare(night_minutes(value, night_ends), criterion.operator,
                  night_minutes(str(result["threshold"]), night_ends))
    result["status"] = PASS if ok else FAIL


@register("accessibility", needs=("targets",), operators=("within",), spatial=True)
def _accessibility(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    found = inputs.accessibility.get(criterion.id) or {}
    parameters = inputs.parameters
    single = len(criterion.targets) == 1
    values: dict[str, float | None] = {}
    limits: dict[str, float] = {}
    details: list[dict[str, Any]] = []
    statuses: list[str] = []
    methods: set[str] = set()
    for target in criterion.targets:
        limit = target_max(target, parameters)
        limits[target.key] = limit
        hit = found.get(target.key)
        entry = {"key": target.key, "title_zh": target.title_zh, "title_en": target.title_en,
                 "role": target.role,
                 "layer": target_layer(target, parameters, inputs.roles), "max_m": limit}
        if hit is None or "missing" in hit:
            entry["missing"] = (hit or {}).get("missing", "no data")
            values[target.key] = None
            statuses.append(NEEDS_DATA)
        else:
            distance = hit.get("distance_m")
            reachable = distance is not None and math.isfinite(distance)
            values[target.key] = _round(distance) if reachable else None
            entry.update({k: hit.get(k) for k in ("id", "name", "method", "straight_m")})
            if hit.get("basis"):
                entry["basis"] = hit["basis"]
            entry["distance_m"] = values[target.key]
            if not reachable:
                entry["missing"] = ("not reached within the search radius on the walk network"
                                    if hit.get("method") == "network" else "not reachable on the walk network")
            statuses.append(PASS if reachable and _compare_metric(distance, "<=", limit) else FAIL)
            if hit.get("method"):
                methods.add(str(hit["method"]))
        details.append(entry)
    result["value"] = values[criterion.targets[0].key] if single else values
    result["threshold"] = limits[criterion.targets[0].key] if single else limits
    assumed = [d["name"] for d in details if d.get("basis") == "assumed"]
    if assumed:
        result["basis"] = ASSUMED
        result["basis_note"] = f"nearest target is an assumed position, not a surveyed one: {', '.join(assumed)}"
    result["details"] = details
    result["method"] = (criterion.method or "walking distance") + (
        f" [{', '.join(sorted(methods))}]" if methods else "")
    if FAIL in statuses:
        result["status"] = FAIL
    elif NEEDS_DATA in statuses:
        missing = [d["layer"] or d["role"] for d in details if "missing" in d]
        result["status"] = NEEDS_DATA
        result["missing_layer"] = ", ".join(dict.fromkeys(missing))
    else:
        result["status"] = PASS


@register("location", needs=("roles",), operators=("intersects",), spatial=True)
def _location(result: dict, criterion: Criterion, inputs: Inputs) -> None:
    hits = inputs.location.get(criterion.id)
    layers = [layer_id for role in criterion.roles for layer_id in _ids(inputs.roles.get(role))]
    result["threshold"] = layers or list(criterion.roles)
    if hits is None:
        result["status"] = NEEDS_DATA
        result["missing_layer"] = ", ".join(criterion.roles)
        result["method"] = "this plan has no layer playing the role(s) " + ", ".join(criterion.roles)
        return
    result["value"] = [f"{h.get('name') or h.get('id')}（{h.get('layer')}）" for h in hits]
    result["details"] = list(hits)
    result["method"] = criterion.method or "the site intersects a feature of the listed layers"
    result["status"] = PASS if hits else FAIL


def _ids(value: Any) -> tuple[str, ...]:
    if not value:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def overall(results: list[dict[str, Any]]) -> str:
    """``fail`` if any criterion fails, else ``incomplete`` if any needs data, else ``pass``.

    Manual-review items do not block ``pass``: they are listed for a person to judge.
    """
    statuses = {r["status"] for r in results}
    if FAIL in statuses:
        return FAIL
    if NEEDS_DATA in statuses:
        return INCOMPLETE
    return PASS


def summary(results: list[dict[str, Any]]) -> dict[str, int]:
    """Count of results per status."""
    counts = {PASS: 0, FAIL: 0, NEEDS_DATA: 0, MANUAL: 0}
    for result in results:
        counts[result["status"]] += 1
    return counts
