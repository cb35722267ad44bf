"""Pure evaluation of a declared ruleset over a site's measurements, attributes and accessibility.

The ruleset (see :mod:`layers.rulesets`) says what each criterion compares; this module only turns values into
``pass`` / ``fail`` / ``needs-data`` / ``manual`` results. It also validates and normalises the attributes and
parameters a request supplies, raising :class:`~geo.errors.CriteriaError` (HTTP 400) for unknown names and
wrong types.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from geo.errors import CriteriaError

if TYPE_CHECKING:  # the models are data declarations; geo code only reads their fields
    from layers.rulesets import AttributeSpec, Criterion, ParameterSpec, Ruleset, TargetSpec

PASS, FAIL, NEEDS_DATA, MANUAL = "pass", "fail", "needs-data", "manual"
TIME = re.compile(r"^\s*(\d{1,2})[:：](\d{2})\s*$")
_TRUE = {"true", "yes", "y", "1", "是", "有"}
_FALSE = {"false", "no", "n", "0", "否", "无"}
_LIST_SEPARATORS = re.compile(r"[,，、;；]")
_EXPECTED = {"number": "a finite number", "integer": "a whole number", "boolean": "true or false",
             "list": "a list of strings"}


# ---------------------------------------------------------------------------------------------- values
def parse_time(value: str, *, what: str = "time") -> int:
    """``HH:MM`` → minutes after midnight (``24:00`` = 1440)."""
    match = TIME.match(value) if isinstance(value, str) else None
    if not match:
        raise CriteriaError(f"{what} must be a time HH:MM such as 22:30 or 01:00, got {value!r}")
    hours, minutes = int(match.group(1)), int(match.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise CriteriaError(f"{what} must be a time HH:MM between 00:00 and 24:00, got {value!r}")
    return hours * 60 + minutes


def night_minutes(value: str, night_ends: str, *, what: str = "time") -> int:
    """Minutes after the start of the business day: times before ``night_ends`` count as after midnight."""
    minutes = parse_time(value, what=what)
    return minutes + 1440 if minutes < parse_time(night_ends, what="night_ends") else minutes


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _type_error(name: str, spec: AttributeSpec, value: Any, expected: str) -> CriteriaError:
    return CriteriaError(
        f"attribute {name!r} ({spec.title_zh}) must be {expected}; got {value!r} ({type(value).__name__})"
    )


def _choice(name: str, spec: AttributeSpec, value: Any) -> str:
    if not isinstance(value, str):
        raise _type_error(name, spec, value, "a string")
    text = value.strip()
    if spec.choices is None:
        return text
    if text in spec.choices:
        return text
    alias = spec.aliases.get(text) or spec.aliases.get(text.lower())
    if alias:
        return alias
    raise CriteriaError(
        f"attribute {name!r} ({spec.title_zh}): {value!r} is not one of {', '.join(spec.choices)}"
        + (f" (also accepted: {', '.join(spec.aliases)})" if spec.aliases else "")
    )


def coerce_attribute(name: str, spec: AttributeSpec, value: Any, *, from_text: bool = False) -> Any:
    """Validate and normalise one attribute value; ``from_text`` parses command-line strings."""
    kind = spec.type
    if from_text and isinstance(value, str):
        text = value.strip()
        try:
            if kind == "number":
                value = float(text)
            elif kind == "integer":
                value = float(text) if "." in text or "e" in text.lower() else int(text)
            elif kind == "boolean":
                if text.lower() not in _TRUE | _FALSE:
                    raise ValueError
                value = text.lower() in _TRUE
            elif kind == "list":
                value = [part.strip() for part in _LIST_SEPARATORS.split(text) if part.strip()]
        except ValueError:
            raise _type_error(name, spec, value, _EXPECTED[kind]) from None
    if kind in ("number", "integer"):
        if not _is_number(value):
            raise _type_error(name, spec, value, "a finite number" if kind == "number" else "a whole number")
        if kind == "integer":
            if float(value) != int(value):
                raise _type_error(name, spec, value, "a whole number")
            value = int(value)
        if spec.minimum is not None and value < spec.minimum:
            raise CriteriaError(f"attribute {name!r} ({spec.title_zh}) must be ≥ {spec.minimum:g}, got {value}")
        if spec.maximum is not None and value > spec.maximum:
            raise CriteriaError(f"attribute {name!r} ({spec.title_zh}) must be ≤ {spec.maximum:g}, got {value}")
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _type_error(name, spec, value, "true or false")
        return value
    if kind == "string":
        return _choice(name, spec, value)
    if kind == "time":
        if not isinstance(value, str):
            raise _type_error(name, spec, value, "a time string HH:MM")
        minutes = parse_time(value, what=f"attribute {name!r}")
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    if kind == "fraction":
        if isinstance(value, str):
            text = value.strip()
            if not text.endswith("%"):
                if from_text:
                    try:
                        value = float(text)
                    except ValueError:
                        raise _type_error(name, spec, value, "a fraction 0–1 or a percentage like '80%'") from None
                else:
                    raise _type_error(name, spec, value, "a fraction 0–1 (e.g. 0.8) or a percentage string like '80%'")
            else:
                try:
                    value = float(text[:-1]) / 100.0
                except ValueError:
                    raise _type_error(name, spec, value, "a percentage like '80%'") from None
                if not 0.0 <= value <= 1.0:
                    raise CriteriaError(f"attribute {name!r} ({spec.title_zh}): a percentage must be 0–100%, got {text}")
                return value
        if not _is_number(value):
            raise _type_error(name, spec, value, "a fraction 0–1 (e.g. 0.8) or a percentage string like '80%'")
        if not 0.0 <= value <= 1.0:
            raise CriteriaError(
                f"attribute {name!r} ({spec.title_zh}): {value} is ambiguous; give a fraction between 0 and 1 "
                f"(e.g. 0.8) or a percentage string like '80%'"
            )
        return float(value)
    if kind == "list":
        if not isinstance(value, list | tuple):
            raise _type_error(name, spec, value, "a list of strings")
        return [_choice(name, spec, item) for item in value]
    raise CriteriaError(f"attribute {name!r}: unsupported type {kind!r}")  # pragma: no cover - schema forbids it


def coerce_attributes(ruleset: Ruleset, given: Mapping[str, Any] | None, *,
                      from_text: bool = False) -> dict[str, Any]:
    """Validate the attributes of a request against the ruleset's declarations.

    Unknown names and wrong types raise :class:`CriteriaError`; ``None`` values count as not given.
    """
    if given is None:
        return {}
    if not isinstance(given, Mapping):
        raise CriteriaError("attributes must be an object of name → value")
    unknown = sorted(set(given) - set(ruleset.attributes))
    if unknown:
        known = ", ".join(sorted(ruleset.attributes)) or "none"
        raise CriteriaError(
            f"unknown attribute{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for ruleset "
            f"{ruleset.id!r}; known attributes: {known}"
        )
    return {
        name: coerce_attribute(name, ruleset.attributes[name], value, from_text=from_text)
        for name, value in given.items()
        if value is not None
    }


def coerce_parameter(name: str, spec: ParameterSpec, value: Any, *, from_text: bool = False) -> Any:
    if spec.type == "number":
        if from_text and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise CriteriaError(f"parameter {name!r} ({spec.title_en}) must be a number, got {value!r}") from None
        if not _is_number(value):
            raise CriteriaError(f"parameter {name!r} ({spec.title_en}) must be a finite number, got {value!r}")
        too_low = spec.minimum is not None and value < spec.minimum
        too_high = spec.maximum is not None and value > spec.maximum
        if too_low or too_high:
            if spec.minimum is not None and spec.maximum is not None:
                bounds = f"between {spec.minimum:g} and {spec.maximum:g}"
            else:
                bounds = f"at least {spec.minimum:g}" if too_low else f"at most {spec.maximum:g}"
            raise CriteriaError(
                f"parameter {name!r} ({spec.title_en}) must be {bounds}"
                f"{' ' + spec.unit if spec.unit else ''}, got {value}"
            )
        return float(value)
    if not isinstance(value, str):
        raise CriteriaError(f"parameter {name!r} ({spec.title_en}) must be a string, got {value!r}")
    if spec.type == "time":
        parse_time(value, what=f"parameter {name!r}")
    return value.strip()


def resolve_parameters(ruleset: Ruleset, given: Mapping[str, Any] | None, *,
                       from_text: bool = False) -> dict[str, Any]:
    """The ruleset's parameter defaults overridden by the request's; unknown names raise CriteriaError."""
    given = given or {}
    if not isinstance(given, Mapping):
        raise CriteriaError("parameters must be an object of name → value")
    unknown = sorted(set(given) - set(ruleset.parameters))
    if unknown:
        raise CriteriaError(
            f"unknown parameter{'s' if len(unknown) > 1 else ''} {', '.join(map(repr, unknown))} for ruleset "
            f"{ruleset.id!r}; known parameters: {', '.join(sorted(ruleset.parameters))}"
        )
    resolved = {name: spec.default for name, spec in ruleset.parameters.items()}
    for name, value in given.items():
        resolved[name] = coerce_parameter(name, ruleset.parameters[name], value, from_text=from_text)
    return resolved


# ---------------------------------------------------------------------------------------------- targets
def target_layer(target: TargetSpec, parameters: Mapping[str, Any]) -> str:
    return target.layer if target.layer is not None else str(parameters[target.layer_parameter])


def target_max(target: TargetSpec, parameters: Mapping[str, Any]) -> float:
    return float(target.max_m if target.max_m is not None else parameters[target.max_parameter])


# ---------------------------------------------------------------------------------------------- evaluation
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
             parameters: Mapping[str, Any], accessibility: Mapping[str, Mapping[str, Any] | None] | None = None,
             location: Mapping[str, list[dict[str, Any]] | None] | None = None) -> list[dict[str, Any]]:
    """Judge every criterion of ``ruleset``.

    Parameters
    ----------
    measurements
        ``length_m``, ``width_min_m``, ... of the site (None/NaN where not measurable) and ``method``.
    attributes
        Validated attributes (see :func:`coerce_attributes`).
    parameters
        Resolved parameters (see :func:`resolve_parameters`).
    accessibility
        Per accessibility criterion id: target key → ``{"distance_m", "method", "id", "name", "layer"}``, or
        ``{"missing": "why"}`` when there is no data for that target.
    location
        Per location criterion id: the plan features the site intersects, or None when none of the criterion's
        layers exist in the plan.

    Returns
    -------
    One result dict per criterion, in ruleset order: ``id, title_zh, title_en, status, value, operator,
    threshold, unit, method, source, text, note`` and, where data is missing, ``missing_attribute``; accessibility
    and format results add ``details``.
    """
    accessibility = accessibility or {}
    location = location or {}
    results = []
    for criterion in ruleset.criteria:
        threshold = criterion.threshold
        if criterion.threshold_parameter:
            threshold = parameters[criterion.threshold_parameter]
        result = _base(criterion, threshold)
        kind = criterion.kind
        if kind == "manual":
            result["method"] = criterion.method or "manual review against the original text"
        elif kind == "measurement":
            _measurement(result, criterion, measurements, attributes)
        elif kind == "attribute":
            _attribute(result, criterion, attributes, ruleset)
        elif kind == "count_distinct":
            _count_distinct(result, criterion, attributes, ruleset)
        elif kind == "time":
            _time(result, criterion, attributes, parameters)
        elif kind == "accessibility":
            _accessibility(result, criterion, accessibility.get(criterion.id), parameters)
        elif kind == "location":
            _location(result, criterion, location.get(criterion.id))
        results.append(result)
    return results


def _measurement(result: dict, criterion: Criterion, measurements: Mapping[str, Any],
                 attributes: Mapping[str, Any]) -> None:
    value = measurements.get(criterion.measure)
    if value is not None and _is_number(value) and math.isfinite(value):
        result["value"] = _round(value)
        result["method"] = criterion.method or measurements.get("method") or "measured on the site geometry"
    elif criterion.attribute and criterion.attribute in attributes:
        value = attributes[criterion.attribute]
        result["value"] = value
        result["method"] = f"given as attribute {criterion.attribute!r} (cannot be measured on this geometry)"
    else:
        _missing(result, criterion, criterion.attribute,
                 f"{criterion.measure} cannot be measured on this geometry"
                 + (f"; supply attribute {criterion.attribute!r}" if criterion.attribute else ""))
        return
    result["status"] = PASS if _compare_metric(value, criterion.operator, result["threshold"]) else FAIL


def _attribute(result: dict, criterion: Criterion, attributes: Mapping[str, Any], ruleset: Ruleset) -> None:
    name = criterion.attribute
    if name not in attributes:
        _missing(result, criterion, name, f"not measurable on a map; supply attribute {name!r} "
                                          f"({ruleset.attributes[name].title_zh})")
        return
    value = attributes[name]
    result["value"] = value
    result["method"] = criterion.method or f"attribute {name!r} supplied with the request"
    result["status"] = PASS if _compare(value, criterion.operator, result["threshold"]) else FAIL


def _count_distinct(result: dict, criterion: Criterion, attributes: Mapping[str, Any], ruleset: Ruleset) -> None:
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


def _time(result: dict, criterion: Criterion, attributes: Mapping[str, Any], parameters: Mapping[str, Any]) -> None:
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


def _accessibility(result: dict, criterion: Criterion, found: Mapping[str, Any] | None,
                   parameters: Mapping[str, Any]) -> None:
    found = found or {}
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
                 "layer": target_layer(target, parameters), "max_m": limit}
        if hit is None or "missing" in hit:
            entry["missing"] = (hit or {}).get("missing", "no data")
            values[target.key] = None
            statuses.append(NEEDS_DATA)
        else:
            distance = hit.get("distance_m")
            reachable = distance is not None and math.isfinite(distance)
            values[target.key] = _round(distance) if reachable else None
            entry.update({k: hit.get(k) for k in ("id", "name", "method", "straight_m")})
            entry["distance_m"] = values[target.key]
            if not reachable:
                entry["missing"] = "not reachable on the walk network"
            statuses.append(PASS if reachable and _compare_metric(distance, "<=", limit) else FAIL)
            if hit.get("method"):
                methods.add(str(hit["method"]))
        details.append(entry)
    result["value"] = values[criterion.targets[0].key] if single else values
    result["threshold"] = limits[criterion.targets[0].key] if single else limits
    result["details"] = details
    result["method"] = (criterion.method or "walking distance") + (
        f" [{', '.join(sorted(methods))}]" if methods else "")
    if FAIL in statuses:
        result["status"] = FAIL
    elif NEEDS_DATA in statuses:
        missing = [d["layer"] for d in details if "missing" in d]
        result["status"] = NEEDS_DATA
        result["missing_layer"] = ", ".join(dict.fromkeys(missing))
    else:
        result["status"] = PASS


def _location(result: dict, criterion: Criterion, hits: list[dict[str, Any]] | None) -> None:
    result["threshold"] = criterion.layers
    if hits is None:
        result["status"] = NEEDS_DATA
        result["missing_layer"] = ", ".join(criterion.layers)
        result["method"] = "none of the layers " + ", ".join(criterion.layers) + " is in this plan"
        return
    result["value"] = [f"{h.get('name') or h.get('id')}（{h.get('layer')}）" for h in hits]
    result["details"] = list(hits)
    result["method"] = criterion.method or "the site intersects a feature of the listed layers"
    result["status"] = PASS if hits else FAIL


def overall(results: list[dict[str, Any]]) -> str:
    """``fail`` if any criterion fails, else ``incomplete`` if any needs data, else ``pass``.

    Manual-review items do not block ``pass``: they are listed for a person to judge.
    """
    statuses = {r["status"] for r in results}
    if FAIL in statuses:
        return FAIL
    if NEEDS_DATA in statuses:
        return "incomplete"
    return PASS


def summary(results: list[dict[str, Any]]) -> dict[str, int]:
    """Count of results per status."""
    counts = {PASS: 0, FAIL: 0, NEEDS_DATA: 0, MANUAL: 0}
    for result in results:
        counts[result["status"]] += 1
    return counts
