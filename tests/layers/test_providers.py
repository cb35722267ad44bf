"""Provider details: provenance filling for OSM ways that osmnx merged."""

import math

import pytest

from layers.errors import ProviderError
from layers.providers import _worst_accuracy, get_provider


@pytest.mark.parametrize(
    ("value", "expected"),
    [("150;50", 150.0), ("50", 50.0), (25, 25.0), (12.5, 12.5), ("40, 90", 90.0)],
)
def test_merged_accuracy_keeps_the_worst(value, expected):
    assert _worst_accuracy(value) == expected


@pytest.mark.parametrize("value", ["unknown", None, ""])
def test_unreadable_accuracy_is_nan_so_the_store_rejects_it(value):
    assert math.isnan(_worst_accuracy(value))


def test_unknown_provider_names_the_known_ones():
    with pytest.raises(ProviderError, match="geojson") as info:
        get_provider("shapefile-from-the-moon")
    assert "osm-xml" in str(info.value)
