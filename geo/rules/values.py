"""Values a request supplies: attributes and parameters validated and normalised against a ruleset.

Unknown names and wrong types raise :class:`~geo.errors.CriteriaError` (HTTP 400) saying what to fix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from geo.errors import CriteriaError

if TYPE_CHECKING:
    from geo.rules.model import AttributeSpec, ParameterSpec, Ruleset, TargetSpec

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
def target_layer(target: TargetSpec, parameters: Mapping[str, Any], roles: Mapping[str, Any]) -> str | None:
    """The layer id a target reads: a non-empty ``layer_parameter`` value, else the layer playing its role."""
    if target.layer_parameter:
        chosen = str(parameters.get(target.layer_parameter) or "").strip()
        if chosen:
            return chosen
    ids = roles.get(target.role) or ()
    if isinstance(ids, str):
        return ids
    return ids[0] if ids else None


def target_max(target: TargetSpec, parameters: Mapping[str, Any]) -> float:
    return float(target.max_m if target.max_m is not None else parameters[target.max_parameter])


