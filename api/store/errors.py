"""Exceptions of the store (plain exceptions; ``api.errors`` maps them to HTTP in one table)."""


class StoreError(RuntimeError):
    """The store cannot be opened, migrated or read (a configuration or server problem)."""


class PreconditionFailedError(ValueError):
    """``If-Match`` names a version that is no longer the current one (someone saved in between)."""


class PreconditionRequiredError(ValueError):
    """A write to an existing site came without ``If-Match``."""


class ConflictError(ValueError):
    """The write conflicts with the stored state (a name already taken, a site already deleted …)."""
