"""Find a CJK font for static maps, so that Chinese text renders as glyphs rather than tofu boxes.

The drawing code of :mod:`maps.sheet` never looks for files; the caller resolves a :class:`CjkFont` here and passes
its family.
Candidates, first found wins:

1. ``PLANMAP_CJK_FONT``: a path to a .ttf/.otf/.ttc holding Simplified Chinese glyphs;
2. Debian/Ubuntu ``fonts-noto-cjk`` (``NotoSansCJK-Regular.ttc``, face "Noto Sans CJK SC");
3. the PyPI package ``mplfonts`` (ships ``NotoSansCJKsc-Regular.otf``), found without importing it;
4. other common CJK fonts of Linux distributions (WenQuanYi, Droid Sans Fallback, Source Han Sans).
"""

from __future__ import annotations

import importlib.util
import os
import threading
from dataclasses import dataclass
from pathlib import Path

from layers.errors import FontNotFoundError

#: probe characters: a font must hold all of them to count as a Simplified Chinese font
_PROBE = "西岗区规划图例比例尺示意"

_SYSTEM_CANDIDATES: tuple[tuple[str, str | None], ...] = (
    # (regular file, bold file) — the family name is read from the file itself
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc", "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc", "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Bold.ttc"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None),
    ("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc", None),
    ("/usr/share/fonts/adobe-source-han-sans/SourceHanSansSC-Regular.otf", None),
    ("/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf", None),
)


@dataclass(frozen=True)
class CjkFont:
    """A CJK font registered with matplotlib, addressed by its family name."""

    family: str
    regular: Path
    bold: Path | None
    origin: str


def _face_with_chinese(path: Path) -> str | None:
    """The family name of the face in ``path`` that holds Simplified Chinese glyphs (SC preferred), or None."""
    from matplotlib import ft2font

    try:
        first = ft2font.FT2Font(str(path))
    except (OSError, RuntimeError, ValueError):
        return None
    faces = int(getattr(first, "num_faces", 1) or 1)
    found: list[str] = []
    for index in range(faces):
        face = first if index == 0 else ft2font.FT2Font(str(path), face_index=index)
        if all(face.get_char_index(ord(char)) for char in _PROBE):
            found.append(face.family_name)
    if not found:
        return None
    simplified = [name for name in found if name.endswith(" SC") or "SC" in name.split()]
    return (simplified or found)[0]


def _pypi_candidates() -> list[tuple[Path, Path | None, str]]:
    spec = importlib.util.find_spec("mplfonts")
    if spec is None or not spec.submodule_search_locations:
        return []
    fonts_dir = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    return [(fonts_dir / "NotoSansCJKsc-Regular.otf", None, "PyPI mplfonts")]


def _candidates() -> list[tuple[Path, Path | None, str]]:
    found: list[tuple[Path, Path | None, str]] = []
    configured = os.environ.get("PLANMAP_CJK_FONT")
    if configured:
        found.append((Path(configured), None, "PLANMAP_CJK_FONT"))
    system = [(Path(regular), Path(bold) if bold else None, "system font") for regular, bold in _SYSTEM_CANDIDATES]
    found.extend(system[:3])
    found.extend(_pypi_candidates())
    found.extend(system[3:])
    return found


_LOCK = threading.Lock()
_CACHE: dict[str, CjkFont] = {}


def find_cjk_font() -> CjkFont:
    """Locate a CJK font, register it with matplotlib and return it (cached per process).

    Raises
    ------
    FontNotFoundError
        When no candidate exists; the message names the Debian and PyPI packages that provide one.
    """
    with _LOCK:
        if "font" in _CACHE:
            return _CACHE["font"]
        from matplotlib import font_manager

        tried = []
        for regular, bold, origin in _candidates():
            tried.append(str(regular))
            if not regular.is_file():
                continue
            family = _face_with_chinese(regular)
            if family is None:
                continue
            font_manager.fontManager.addfont(str(regular))
            if bold is not None and bold.is_file():
                font_manager.fontManager.addfont(str(bold))
            else:
                bold = None
            _CACHE["font"] = CjkFont(family=family, regular=regular, bold=bold, origin=origin)
            return _CACHE["font"]
    raise FontNotFoundError(
        "no font with Chinese glyphs found (tried: " + ", ".join(tried) + "). Install the Debian package "
        "fonts-noto-cjk or the PyPI package mplfonts, or set PLANMAP_CJK_FONT to a .ttf/.otf/.ttc file."
    )
