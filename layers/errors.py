"""Exceptions raised while reading catalogues, rulesets and layer data."""


class LayersError(Exception):
    """Base class of every error raised in :mod:`layers`."""


class CatalogueError(LayersError):
    """A catalogue file is invalid. The message names the file, the layer and the field."""


class ProviderError(LayersError):
    """A provider name is unknown or a provider could not read its data."""


class LayerNotFoundError(LayersError, KeyError):
    """No layer (collection) with that id in the plan."""

    def __str__(self) -> str:  # KeyError quotes its message; keep it plain
        return str(self.args[0]) if self.args else "layer not found"


class FeatureNotFoundError(LayersError, KeyError):
    """No feature with that id in the layer."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "feature not found"


class PlanNotFoundError(LayersError, KeyError):
    """No plan with that id."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else "plan not found"


class ExportError(LayersError, ValueError):
    """An export cannot be made as asked (format, CRS, empty selection); the message says what to change."""


class FontNotFoundError(LayersError):
    """No font with Chinese glyphs was found; the message says what to install."""


class ImportFileError(LayersError, ValueError):
    """A site file cannot be imported (unknown format, unreadable, no CRS, too many features); the message says
    which file, which feature and what to change."""


class ImportTooLargeError(ImportFileError):
    """A site file has more features than one request checks; it belongs to a batch job."""
