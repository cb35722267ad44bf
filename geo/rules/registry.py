"""The registry of criterion kinds and the words of a verdict (statuses, overall results, bases).

Imports nothing of the rules: the model validates criteria against :data:`KINDS`, and
:mod:`geo.rules.kinds` fills it with one registered evaluation function per kind.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

PASS, FAIL, NEEDS_DATA, MANUAL = "pass", "fail", "needs-data", "manual"
#: what a verdict rests on: measured on the site's geometry, supplied with the request, on assumed data (e.g. an
#: assumed bus stop), on a stand-in shape (a schematic zone), or a person's review
MEASURED, SUPPLIED, ASSUMED, STAND_IN, REVIEW = "measured", "supplied", "assumed", "stand-in", "review"
BASES = (MEASURED, SUPPLIED, ASSUMED, STAND_IN, REVIEW)
STATUSES = (PASS, FAIL, NEEDS_DATA, MANUAL)
INCOMPLETE = "incomplete"
OVERALLS = (PASS, FAIL, INCOMPLETE)
COMPARING = (">=", "<=", ">", "<", "==", "in", "is_true")


@dataclass(frozen=True)
class Inputs:
    """Everything a criterion may read: the site's measurements, the request's values, what the plan answered."""

    ruleset: Any  # geo.rules.model.Ruleset
    measurements: Mapping[str, Any]
    attributes: Mapping[str, Any]
    parameters: Mapping[str, Any]
    #: per accessibility criterion id: target key → nearest hit or ``{"missing": why}``
    accessibility: Mapping[str, Any] = field(default_factory=dict)
    #: per location criterion id: features the site intersects, or None when the plan lacks the roles
    location: Mapping[str, Any] = field(default_factory=dict)
    #: role → layer ids of the plan (to name the layer a target read)
    roles: Mapping[str, Any] = field(default_factory=dict)


#: ``function(result, criterion, inputs)`` fills ``result`` (status, value, method ...) for one criterion
Evaluator = Callable[[dict, Any, Inputs], None]


@dataclass(frozen=True)
class Kind:
    name: str
    evaluate: Evaluator
    #: criterion fields a criterion of this kind must set
    needs: tuple[str, ...]
    #: operators it allows
    operators: tuple[str, ...]
    #: whether the value comes from the site's geometry (a placeholder zone cannot be judged on it)
    spatial: bool = False
    #: whether it needs a threshold (or threshold_parameter) unless its operator is is_true
    compares: bool = False


KINDS: dict[str, Kind] = {}


def register(name: str, *, needs: tuple[str, ...] = (), operators: tuple[str, ...] = COMPARING,
             spatial: bool = False, compares: bool = False) -> Callable[[Evaluator], Evaluator]:
    """Register ``function(result, criterion, inputs)`` as the evaluation of criterion kind ``name``."""
    def decorate(function: Evaluator) -> Evaluator:
        KINDS[name] = Kind(name, function, needs, operators, spatial, compares)
        return function
    return decorate
