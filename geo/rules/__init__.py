"""One rules module: the ruleset model, the evaluation of each criterion kind, the typed check report.

- :mod:`geo.rules.model` — rulesets, criteria, attributes, parameters (pydantic, validated at start-up);
- :mod:`geo.rules.kinds` — a registry from criterion kind to its evaluation function;
- :mod:`geo.rules.report` — the check report every surface (API, CLI, pages, sheets) reads.
"""

from geo.rules import kinds as _kinds  # noqa: F401  (registers the shipped criterion kinds)
from geo.rules.model import (
    COMMON_PARAMETERS,
    MEASURES,
    AttributeSpec,
    Criterion,
    ParameterSpec,
    Ruleset,
    SourceRef,
    TargetSpec,
    parse_ruleset,
)

__all__ = [
    "COMMON_PARAMETERS", "MEASURES", "AttributeSpec", "Criterion", "ParameterSpec", "Ruleset", "SourceRef",
    "TargetSpec", "parse_ruleset",
]
