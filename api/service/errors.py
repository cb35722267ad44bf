"""Exceptions of the application layer (plain exceptions; ``api.errors`` maps them to HTTP in one table)."""


class BadRequestError(ValueError):
    """A request value is malformed or names something unknown (a ruleset, a target ...)."""


class NotFoundError(LookupError):
    """A resource a request addresses does not exist."""
