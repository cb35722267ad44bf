"""Declared JS/CSS assets of the map pages: every file a page needs is served by the service from ``/static``.

Folium links CDNs by default (Leaflet, jQuery, Bootstrap, Font Awesome, plugins). :func:`localise_assets` walks a
map's element tree, replaces each folium asset by the local copy declared here or drops it when our pages do
not use it (jQuery, Bootstrap, glyphicons, awesome-markers), and fails loudly on any asset it does not know, so
a new plugin can never slip a CDN link into a page.

The vendored files live in ``maps/static/vendor/<package>/`` with their licences (see ``maps/static/README.md``).
This module only declares them; the API layer reads the bytes (for ``/static`` and for standalone downloads) and
hands them to :func:`inline_tags`.
"""

from __future__ import annotations

import base64
import mimetypes
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from branca.element import Element

STATIC_DIR = Path(__file__).resolve().parent / "static"


@dataclass(frozen=True)
class Asset:
    """One JS or CSS file served from ``/static/<path>``."""

    id: str
    kind: Literal["js", "css"]
    path: str
    licence: str


#: load order matters: Leaflet first, then plugins, then our own runtime
ASSETS: dict[str, Asset] = {
    a.id: a
    for a in (
        Asset("leaflet-css", "css", "vendor/leaflet/leaflet.css", "vendor/leaflet/LICENSE.txt"),
        Asset("leaflet-js", "js", "vendor/leaflet/leaflet.js", "vendor/leaflet/LICENSE.txt"),
        Asset("grouped-css", "css", "vendor/leaflet-groupedlayercontrol/leaflet.groupedlayercontrol.min.css",
              "vendor/leaflet-groupedlayercontrol/LICENSE.txt"),
        Asset("grouped-js", "js", "vendor/leaflet-groupedlayercontrol/leaflet.groupedlayercontrol.min.js",
              "vendor/leaflet-groupedlayercontrol/LICENSE.txt"),
        Asset("draw-css", "css", "vendor/leaflet-draw/leaflet.draw.css", "vendor/leaflet-draw/LICENSE.txt"),
        Asset("draw-js", "js", "vendor/leaflet-draw/leaflet.draw.js", "vendor/leaflet-draw/LICENSE.txt"),
        Asset("planmap-css", "css", "planmap/planmap.css", "planmap/LICENSE.txt"),
        Asset("planmap-js", "js", "planmap/planmap.js", "planmap/LICENSE.txt"),
    )
}

#: folium's asset names → our asset id, or None where our pages do not need the asset at all
FOLIUM_ASSETS: dict[str, str | None] = {
    "leaflet": "leaflet-js",
    "leaflet_css": "leaflet-css",
    "jquery": None,  # only used by folium for objects_in_front and HTML popups, neither of which we use
    "bootstrap": None,
    "bootstrap_css": None,
    "glyphicons_css": None,
    "awesome_markers": None,  # we draw points as circle markers, not icon markers
    "awesome_markers_font_css": None,
    "awesome_markers_css": None,
    "awesome_rotate_css": None,
    "leaflet.groupedlayercontrol.min.js": "grouped-js",
    "leaflet.groupedlayercontrol.min.css": "grouped-css",
    "leaflet_draw_js": "draw-js",
    "leaflet_draw_css": "draw-css",
}


class UnknownAssetError(LookupError):
    """A folium element asks for a JS/CSS resource that is not vendored here."""


def _walk(element: Element) -> Iterable[Element]:
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def localise_assets(root: Element) -> list[str]:
    """Strip folium's CDN asset lists from every element under ``root``; return the local asset ids needed.

    Raises
    ------
    UnknownAssetError
        If an element needs an asset that has no local copy.
    """
    needed: set[str] = {"leaflet-css", "leaflet-js", "planmap-css", "planmap-js"}
    for element in _walk(root):
        for attr in ("default_js", "default_css"):
            entries = getattr(element, attr, None)
            if not entries:
                continue
            for name, url in entries:
                if name not in FOLIUM_ASSETS:
                    raise UnknownAssetError(
                        f"{type(element).__name__} needs {name!r} ({url}), which is not vendored in maps/static"
                    )
                local = FOLIUM_ASSETS[name]
                if local is not None:
                    needed.add(local)
            setattr(element, attr, [])  # instance attribute: the class lists stay untouched
    return [asset_id for asset_id in ASSETS if asset_id in needed]


def link_tags(asset_ids: Iterable[str], static_url: str) -> str:
    """``<link>``/``<script src>`` tags for the assets, served from ``static_url`` (e.g. ``/static``)."""
    base = static_url.rstrip("/")
    tags = []
    for asset_id in asset_ids:
        asset = ASSETS[asset_id]
        url = f"{base}/{asset.path}"
        if asset.kind == "css":
            tags.append(f'<link rel="stylesheet" href="{url}">')
        else:
            tags.append(f'<script src="{url}"></script>')
    return "\n".join(tags)


_CSS_URL = re.compile(r"""url\(\s*(['"]?)(?!data:|#|https?:|//)([^'")]+)\1\s*\)""")


def css_with_data_uris(css: str, css_path: str, files: Mapping[str, bytes]) -> str:
    """Replace relative ``url(...)`` references in a stylesheet by ``data:`` URIs of the files they name."""

    def replace(match: re.Match[str]) -> str:
        target = posixpath.normpath(posixpath.join(posixpath.dirname(css_path), match.group(2)))
        data = files.get(target)
        if data is None:
            return match.group(0)
        mime = mimetypes.guess_type(target)[0] or "application/octet-stream"
        return f"url(data:{mime};base64,{base64.b64encode(data).decode('ascii')})"

    return _CSS_URL.sub(replace, css)


def _script_safe(text: str) -> str:
    # a literal "</script" inside inlined code would end the element early
    return re.sub(r"</(script)", r"<\\/\1", text, flags=re.IGNORECASE)


def inline_tags(asset_ids: Iterable[str], files: Mapping[str, bytes]) -> str:
    """``<style>``/``<script>`` elements holding the assets themselves (for a standalone HTML file)."""
    parts = []
    for asset_id in asset_ids:
        asset = ASSETS[asset_id]
        text = files[asset.path].decode("utf-8")
        if asset.kind == "css":
            css = re.sub(r"</(style)", r"<\\/\1", css_with_data_uris(text, asset.path, files), flags=re.IGNORECASE)
            parts.append(f"<style>\n{css}\n</style>")
        else:
            parts.append(f"<script>\n{_script_safe(text)}\n</script>")
    return "\n".join(parts)

