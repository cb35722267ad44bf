"""Text on a sheet: width estimates (CJK one em, Latin about half) and wrapping between words or characters."""

from __future__ import annotations

import functools
import unicodedata

from maps.sheet.paper import PT_PER_MM, Lang


def _t(lang: Lang, zh: str, en: str) -> str:
    return zh if lang == "zh" else en


@functools.lru_cache(maxsize=8192)
def _char_em(char: str) -> float:
    # ambiguous-width characters (“ ” · — …) are drawn full width by CJK fonts
    if unicodedata.east_asian_width(char) in ("W", "F", "A"):
        return 1.0
    if char.isspace():
        return 0.3
    if char.isupper() or char.isdigit():
        return 0.62
    return 0.52


def _em(text: str) -> float:
    return sum(_char_em(c) for c in text)


def text_width_mm(text: str, size_pt: float) -> float:
    """Estimated width of one line of text (CJK characters are one em wide, Latin about half)."""
    return _em(text) * size_pt / PT_PER_MM


def wrap(text: str, width_mm: float, size_pt: float) -> list[str]:
    """Wrap ``text`` to ``width_mm``: between words for Latin text, between any characters for CJK."""
    limit = width_mm * PT_PER_MM / size_pt  # in em
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0.0
        for token in _tokens(paragraph):
            token_em = _em(token)
            if token in _NO_LINE_START or not line or used + _em(token.rstrip()) <= limit:
                line, used = line + token, used + token_em
                continue
            lines.append(line.rstrip())
            line = token.lstrip()
            while _em(line) > limit and len(line) > 1:
                cut = _fit(line, width_mm, size_pt)
                lines.append(line[:cut])
                line = line[cut:]
            used = _em(line)
        lines.append(line.rstrip())
    return lines


_NO_LINE_START = set("，。、；：？！）》」』】〕,.;:?!)]}%")


def _fit(text: str, width_mm: float, size_pt: float) -> int:
    total = 0.0
    for index, char in enumerate(text):
        total += _char_em(char) * size_pt / PT_PER_MM
        if total > width_mm:
            return max(1, index)
    return len(text)


def _tokens(text: str) -> list[str]:
    """Words (with their trailing space) and single CJK characters."""
    tokens: list[str] = []
    word = ""
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            if word:
                tokens.append(word)
                word = ""
            tokens.append(char)
        elif char == " ":
            tokens.append(word + " ")
            word = ""
        else:
            word += char
    if word:
        tokens.append(word)
    return tokens


def _ellipsize(text: str, width_mm: float, size_pt: float) -> str:
    if text_width_mm(text, size_pt) <= width_mm:
        return text
    return text[: max(1, _fit(text, width_mm - text_width_mm("…", size_pt), size_pt))] + "…"


def _has_cjk(text: str) -> bool:
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)
