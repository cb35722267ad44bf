"""``planmap export``: map sheets and layer downloads from the command line.

    planmap export map --out FILE.{png,svg,pdf} [--layers a,b] [--zone ID] [--project ID] [--bbox ...]
                       [--width MM] [--height MM] [--dpi N] [--lang zh|en] [--title T] [--date YYYY-MM-DD]
    planmap export layer ID --format gpkg|geojson|kml|csv|dxf --out FILE [--crs EPSG:4550] [--geometry wkt|xy]

Exit status 0 on success, 2 on bad input (the message says what to fix).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path


def _store(plan: str | None):
    """The plan's application object (sheets and data exports need no walk network)."""
    from api.service import PlanService
    from api.settings import Settings
    from layers.plan import load_plan

    settings = Settings() if plan is None else Settings(plan=plan)
    return PlanService(load_plan(settings.plan, settings.plans_dir), build_network=False)


def _fail(message: str) -> int:
    print(f"planmap export: {message}", file=sys.stderr)
    return 2


def _export_map(args: argparse.Namespace) -> int:
    from api.service.errors import BadRequestError, NotFoundError
    from api.service.exports import parse_date, parse_page, render_selection, resolve_map_selection
    from layers.errors import LayersError

    out = Path(args.out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("png", "svg", "pdf"):
        return _fail(f"--out must end in .png, .svg or .pdf, got {out.name!r}")
    try:
        store = _store(args.plan)
        page = parse_page(fmt, args.width, args.height, args.unit, args.dpi)
        selection = resolve_map_selection(store, layers=args.layers, zone=args.zone, project=args.project,
                                          bbox=args.bbox, lang=args.lang, title=args.title)
        started = time.perf_counter()
        content = render_selection(store, selection, fmt=fmt, page=page, lang=args.lang,
                                   date=parse_date(args.date))
        elapsed = time.perf_counter() - started
    except (BadRequestError, NotFoundError, LayersError, KeyError) as exc:
        return _fail(str(exc).strip("'\""))
    try:
        out.write_bytes(content)
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc}")
    w_px, h_px = page.pixels
    size = f"{page.width_mm:g}×{page.height_mm:g} mm" + (f", {w_px}×{h_px} px at {page.dpi} dpi" if fmt == "png" else "")
    print(f"{out}: {fmt.upper()} {size}, {len(content):,} bytes, rendered in {elapsed:.2f} s", file=sys.stderr)
    return 0


def _export_layer(args: argparse.Namespace) -> int:
    from layers.errors import LayersError
    from layers.exports import export_layer

    out = Path(args.out)
    try:
        store = _store(args.plan)
        spec = store.spec(args.layer_id)
        frame = store.layer(spec.id)
    except LayersError as exc:
        return _fail(str(exc))
    directory = tempfile.mkdtemp(prefix="planmap-export-")
    try:
        result = export_layer(frame, spec, args.format, directory, crs=args.crs, csv_geometry=args.geometry)
        shutil.move(str(result.path), out)
    except LayersError as exc:
        return _fail(str(exc))
    except OSError as exc:
        return _fail(f"cannot write {out}: {exc}")
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    print(f"{out}: {result.format.title}, {result.count} features, EPSG:{result.crs.to_epsg()}", file=sys.stderr)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Register the ``export`` subcommand with its ``map`` and ``layer`` actions."""
    from layers.exports import FORMATS

    export = sub.add_parser("export", help="export map sheets (PNG/SVG/PDF) and layers (GeoJSON/GPKG/KML/CSV/DXF)")
    actions = export.add_subparsers(dest="export_command", required=True)

    sheet = actions.add_parser("map", help="a print-quality map sheet")
    sheet.add_argument("--out", required=True, help="output file: .png, .svg or .pdf")
    sheet.add_argument("--layers", help="layer ids, comma-separated (default: the visible layers)")
    sheet.add_argument("--zone", help="frame and highlight this zone")
    sheet.add_argument("--project", help="frame and highlight this key project")
    sheet.add_argument("--bbox", help="minLon,minLat,maxLon,maxLat (EPSG:4326)")
    sheet.add_argument("--width", type=float, help="sheet width (default 297 mm)")
    sheet.add_argument("--height", type=float, help="sheet height (default 210 mm)")
    sheet.add_argument("--unit", default="mm", help="mm (default) or px")
    sheet.add_argument("--dpi", type=int, help="resolution, 50–300 (default 150)")
    sheet.add_argument("--lang", default="zh", help="zh (default) or en")
    sheet.add_argument("--title", help="title (default: the plan, zone or project)")
    sheet.add_argument("--date", help="map date printed on the sheet (default today)")
    sheet.add_argument("--plan", help="plan id (default: PLANMAP_PLAN or xigang)")
    sheet.set_defaults(func=_export_map)

    layer = actions.add_parser("layer", help="a layer as a GIS or CAD file")
    layer.add_argument("layer_id", metavar="ID", help="layer (collection) id")
    layer.add_argument("--format", required=True, choices=sorted(FORMATS), help="file format")
    layer.add_argument("--out", required=True, help="output file")
    layer.add_argument("--crs", help="output CRS, e.g. EPSG:4550 (default EPSG:4326; DXF: CGCS2000 Gauss–Krüger)")
    layer.add_argument("--geometry", default="wkt", choices=["wkt", "xy"], help="CSV geometry columns")
    layer.add_argument("--plan", help="plan id (default: PLANMAP_PLAN or xigang)")
    layer.set_defaults(func=_export_layer)
