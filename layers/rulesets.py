"""Reading ruleset files: ``layers/rulesets/*.yaml`` (shared) and ``layers/plans/<id>/rulesets/*.yaml``.

The model and its validation live in :mod:`geo.rules`; this module reads files and names them in errors.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import yaml

from geo.errors import RulesetError
from geo.rules import Ruleset, parse_ruleset
from layers.errors import CatalogueError

#: rulesets any plan may adopt (standards and references that are not one district's own)
SHARED_RULESETS_DIR = Path(__file__).resolve().parent / "rulesets"

#: libyaml's safe loader where PyYAML was built with it (several times faster at start-up), else PyYAML's
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_ruleset(path: Path | str) -> Ruleset:
    """Read and validate one ruleset file; its id must match the file name."""
    path = Path(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_YAML_LOADER)
    except FileNotFoundError:
        raise CatalogueError(f"{path}: ruleset file not found") from None
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path}: not valid YAML: {exc}") from None
    try:
        ruleset = parse_ruleset(raw, str(path))
    except RulesetError as exc:
        raise CatalogueError(str(exc)) from None
    if ruleset.id != path.stem:
        raise CatalogueError(f"{path}: field 'id': ruleset id {ruleset.id!r} must match the file name {path.stem!r}")
    return ruleset


def load_rulesets(paths: Iterable[Path | str]) -> dict[str, Ruleset]:
    """Read and validate ruleset files; ids must be unique across them."""
    rulesets: dict[str, Ruleset] = {}
    origin: dict[str, Path] = {}
    for path in map(Path, paths):
        ruleset = read_ruleset(path)
        if ruleset.id in rulesets:
            raise CatalogueError(f"{path}: field 'id': ruleset {ruleset.id!r} is also defined in {origin[ruleset.id]}")
        rulesets[ruleset.id] = ruleset
        origin[ruleset.id] = path
    return rulesets
