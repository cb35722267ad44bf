"""``planmap screen``: batch screening of a site file (a thin adapter over :mod:`api.service.screening`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def _screen(args: argparse.Namespace) -> int:
    from api.service.errors import BadRequestError, NotFoundError
    from api.service.plans import load_service
    from api.service.screening import ScreeningJob, parse_pairs, screen, text_progress, write_result
    from api.settings import Settings
    from layers.errors import LayersError
    from layers.imports import read_sites

    settings = Settings()
    try:
        sites = read_sites(args.sites, crs=args.crs)
        service = load_service(args.plan or settings.plan, settings.plans_dir)
        job = ScreeningJob.for_plan(service, args.ruleset, parse_pairs(args.attr_field, "--attr-field"),
                                    parse_pairs(args.param, "--param"))
        print(f"planmap screen: {len(sites)} sites from {Path(args.sites).name}, ruleset {args.ruleset!r}, "
              f"plan {service.plan_id!r}, engine {args.engine}", file=sys.stderr)
        result = screen(service.data, job, sites, engine=args.engine, workers=args.workers,
                        scheduler=args.scheduler, plan_key=f"{service.plan_id}-{service.data_hash[:20]}",
                        progress=None if args.quiet else text_progress())
        out = write_result(result, args.out)
    except (BadRequestError, NotFoundError, LayersError) as exc:
        print(f"planmap screen: {exc}", file=sys.stderr)
        return 2
    s = result.summary()
    print(f"{s['sites']} sites: {s['pass']} pass, {s['fail']} fail, {s['incomplete']} incomplete, "
          f"{s['error']} not checked; {s['seconds']} s ({s['sites_per_second']} sites/s, {s['engine']}, "
          f"{s['workers']} workers) → {out}", file=sys.stderr)
    return 0


def add_parser(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("screen", help="check every feature of a site file against a ruleset",
                            description="Batch screening: one result row per feature of SITES_FILE "
                                        "(GeoPackage, shapefile, GeoJSON, CSV with WKT, DXF).")
    parser.add_argument("sites", metavar="SITES_FILE")
    parser.add_argument("--ruleset", required=True, metavar="ID")
    parser.add_argument("--out", required=True, metavar="OUT.gpkg|csv|geojson")
    parser.add_argument("--plan", default=None, metavar="ID", help="plan id (default: PLANMAP_PLAN or xigang)")
    parser.add_argument("--crs", default=None, help="CRS of a file that names none (EPSG:4547, GCJ-02 …)")
    parser.add_argument("--attr-field", action="append", metavar="ATTR=COLUMN",
                        help="read a ruleset attribute from a column (repeatable)")
    parser.add_argument("--param", action="append", metavar="KEY=VALUE", help="a ruleset parameter (repeatable)")
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="Dask scheduler (tcp://host:8786)")
    parser.add_argument("--workers", type=int, default=None, metavar="N",
                        help="processes (local) or local Dask workers (default: CPUs)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.set_defaults(func=_screen)
