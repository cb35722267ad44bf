"""Exceptions raised by the pure geometry and analysis code.

Domain code raises these; ``api.errors`` maps them to HTTP status codes in one place.
"""


class GeoError(Exception):
    """Base class of every error raised in :mod:`geo`."""


class InvalidGeometryError(GeoError, ValueError):
    """A geometry cannot be used: empty, malformed, non-finite, unrepairable or of the wrong type."""


class SiteTooLargeError(InvalidGeometryError):
    """A site has too many vertices or is larger than the area it can be checked in."""


class SuspectCoordinatesError(InvalidGeometryError):
    """Coordinates look like swapped lat/lon or projected metres rather than WGS84 lon/lat."""


class CriteriaError(GeoError, ValueError):
    """A ruleset, criterion, attribute or parameter is unknown or has the wrong type."""


class RulesetError(GeoError, ValueError):
    """A ruleset document does not follow the ruleset model."""
