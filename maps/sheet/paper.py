"""Paper and canvas of the sheets: formats, units and size limits, the inputs (page size, layers, words),
and the millimetre canvas every sheet is drawn on."""

from __future__ import annotations

import io
import math
import threading
from dataclasses import dataclass, field
from typing import Any, Literal

import geopandas as gpd
import numpy as np
from matplotlib.figure import Figure

from layers.catalogue import LayerSpec

Format = Literal["png", "svg", "pdf"]
Lang = Literal["zh", "en"]
FORMATS: tuple[Format, ...] = ("png", "svg", "pdf")
MEDIA_TYPES = {"png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf"}
MM_PER_INCH = 25.4
PT_PER_MM = 72.0 / MM_PER_INCH

#: limits of a sheet: dpi, side length in mm, and pixels of a raster sheet
MIN_DPI, MAX_DPI = 50, 300
MIN_SIDE_MM, MAX_SIDE_MM = 50.0, 1189.0
MAX_PIXELS = 40_000_000


_RENDER_LOCK = threading.Lock()


class SheetError(ValueError):
    """A sheet cannot be drawn as asked (size, dpi, format, nothing to draw); the message says why."""


# ---------------------------------------------------------------------------------------------------- inputs
@dataclass(frozen=True)
class PageSize:
    """Paper size in millimetres and the resolution of raster output."""

    width_mm: float = 297.0
    height_mm: float = 210.0
    dpi: int = 150

    @property
    def pixels(self) -> tuple[int, int]:
        """Pixel size of a raster sheet (truncated, as matplotlib does)."""
        return (int(round(self.width_mm / MM_PER_INCH * self.dpi, 6)),
                int(round(self.height_mm / MM_PER_INCH * self.dpi, 6)))


#: the default pages: a map sheet is A4 landscape, a check report A4 portrait, both at 150 dpi
A4_LANDSCAPE = PageSize(297.0, 210.0, 150)
A4_PORTRAIT = PageSize(210.0, 297.0, 150)


def page_size(
    width: float | None = None, height: float | None = None, *, unit: str = "mm", dpi: int | None = None,
    fmt: Format = "png",
) -> PageSize:
    """Validate a requested sheet size (``unit`` ``mm`` or ``px``) and dpi; A4 landscape at 150 dpi by default.

    Raises
    ------
    SheetError
        dpi outside 50–300, a side outside 50–1189 mm (A0), or a raster sheet over 40 million pixels.
    """
    dpi = 150 if dpi is None else dpi
    if not MIN_DPI <= dpi <= MAX_DPI:
        raise SheetError(f"dpi must be between {MIN_DPI} and {MAX_DPI}, got {dpi}")
    if unit not in ("mm", "px"):
        raise SheetError(f"unit must be 'mm' or 'px', got {unit!r}")
    factor = MM_PER_INCH / dpi if unit == "px" else 1.0
    for name, value in (("width", width), ("height", height)):
        if value is None:
            continue
        in_mm = float(value) * factor
        if not (math.isfinite(in_mm) and MIN_SIDE_MM <= in_mm <= MAX_SIDE_MM):
            raise SheetError(
                f"{name} must be between {MIN_SIDE_MM:g} and {MAX_SIDE_MM:g} mm "
                f"(or the same in px at the given dpi), got {value:g} {unit}"
            )
    default_w, default_h = (297.0, 210.0)
    width_mm = None if width is None else float(width) * factor
    height_mm = None if height is None else float(height) * factor
    if width_mm is None and height_mm is None:
        width_mm, height_mm = default_w, default_h
    elif width_mm is None:
        width_mm = min(MAX_SIDE_MM, height_mm * default_w / default_h)
    elif height_mm is None:
        height_mm = max(MIN_SIDE_MM, width_mm * default_h / default_w)
    page = PageSize(width_mm, height_mm, int(dpi))
    if fmt == "png":
        w_px, h_px = page.pixels
        if w_px * h_px > MAX_PIXELS:
            raise SheetError(
                f"a {w_px}×{h_px} px image is too large (over {MAX_PIXELS // 1_000_000} million pixels); "
                "lower the dpi or the size, or export PDF/SVG"
            )
    return page


@dataclass(frozen=True)
class MapLayer:
    """A layer to draw: its catalogue entry and its features (EPSG:4326)."""

    spec: LayerSpec
    frame: gpd.GeoDataFrame


@dataclass(frozen=True)
class SheetInfo:
    """The words on a sheet."""

    title: str
    subtitle: str | None = None
    lang: Lang = "zh"
    #: date the sheet is made (ISO date); an input so that a sheet can be rebuilt byte for byte
    map_date: str = ""
    data_date: str | None = None
    #: extra attribution lines (for example the plan's own)
    notes: tuple[str, ...] = field(default_factory=tuple)


class _Sheet:
    """One figure in millimetre coordinates, with helpers to place text and symbols."""

    def __init__(self, page: PageSize, font_family: str) -> None:
        self.page = page
        self.font_family = font_family
        self.fig = Figure(figsize=(page.width_mm / MM_PER_INCH, page.height_mm / MM_PER_INCH), dpi=page.dpi)
        self.fig.patch.set_facecolor("white")
        #: base text size in points, grown with the paper (8 pt on A4)
        self.base_pt = float(np.clip(min(page.width_mm, page.height_mm) / 210.0 * 8.0, 6.0, 16.0))
        self.canvas_ax = self.fig.add_axes((0, 0, 1, 1))
        self.canvas_ax.set_xlim(0, page.width_mm)
        self.canvas_ax.set_ylim(0, page.height_mm)
        self.canvas_ax.axis("off")
        self.canvas_ax.set_zorder(5)
        self.canvas_ax.patch.set_alpha(0)

    def text(self, x: float, y: float, text: str, size: float, *, bold: bool = False, colour: str = "#222222",
             ha: str = "left", va: str = "top", **kwargs: Any) -> None:
        """Text at (x, y) mm from the bottom-left corner of the sheet."""
        self.canvas_ax.text(x, y, text, fontsize=size, fontweight="bold" if bold else "normal", color=colour,
                            ha=ha, va=va, family=[self.font_family, "DejaVu Sans"], **kwargs)

    def axes_mm(self, x: float, y: float, w: float, h: float):
        page_w, page_h = self.page.width_mm, self.page.height_mm
        return self.fig.add_axes((x / page_w, y / page_h, w / page_w, h / page_h))

    def save(self, fmt: Format, title: str) -> bytes:
        buffer = io.BytesIO()
        if fmt == "png":
            metadata = {"Software": "planmap", "Title": title}
        elif fmt == "svg":
            metadata = {"Date": None, "Creator": "planmap", "Title": title}
        else:
            metadata = {"CreationDate": None, "ModDate": None, "Creator": "planmap", "Producer": "planmap",
                        "Title": title}
        self.fig.savefig(buffer, format=fmt, dpi=self.page.dpi, metadata=metadata, facecolor="white")
        return buffer.getvalue()


def save_pdf_pages(sheets: list[_Sheet], title: str) -> bytes:
    """Several sheets as the pages of one PDF (deterministic metadata, as :meth:`_Sheet.save`)."""
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    metadata = {"CreationDate": None, "ModDate": None, "Creator": "planmap", "Producer": "planmap", "Title": title}
    with PdfPages(buffer, metadata=metadata) as pdf:
        for sheet in sheets:
            pdf.savefig(sheet.fig, dpi=sheet.page.dpi, facecolor="white")
    return buffer.getvalue()


def _rc() -> dict[str, Any]:
    return {
        # Type 3 keeps the text layer (ToUnicode) and subsets in milliseconds; Type 42 re-parses the whole
        # CJK collection with fontTools on every save (about 3 s)
        "pdf.fonttype": 3,
        "svg.fonttype": "path",
        "svg.hashsalt": "planmap",
        # titles and feature names are user data: "$" must print as a dollar sign, not start mathtext
        "text.parse_math": False,
        "axes.unicode_minus": False,
        "path.simplify": True,
        "agg.path.chunksize": 20000,
    }
