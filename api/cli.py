"""The ``planmap`` command line: ``serve``, ``check``, ``export``, ``screen``, ``user``, ``backup`` and
``restore``."""

from __future__ import annotations

import argparse
import sys

from api import cli_check, cli_export, cli_screen, cli_workbench


def _serve(args: argparse.Namespace) -> int:
    import os

    import uvicorn

    from api.settings import Settings
    from layers.errors import LayersError
    from layers.plan import load_plan

    if args.plan:
        os.environ["PLANMAP_PLAN"] = args.plan
    settings = Settings()
    try:
        store = load_plan(settings.plan, settings.plans_dir)  # validate before serving
    except LayersError as exc:
        print(f"planmap: cannot start: {exc}", file=sys.stderr)
        return 2
    workers = args.workers if args.workers is not None else settings.workers
    if workers < 1:
        print(f"planmap: --workers must be at least 1, got {workers}", file=sys.stderr)
        return 2
    print(f"planmap: plan {store.plan_id!r} with {len(store.specs)} layers; "
          f"serving on http://{args.host}:{args.port}/ with {workers} worker(s)", file=sys.stderr)
    # each worker is a process with its own copy of the plans (memory × workers) and its own limits
    uvicorn.run("api.app:app", host=args.host, port=args.port, log_level=args.log_level, workers=workers,
                limit_concurrency=args.limit_concurrency, timeout_keep_alive=5)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="planmap", description="Planning map service (规划一张图)")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the web service")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--plan", default=None, help="plan id (default: PLANMAP_PLAN or xigang)")
    serve.add_argument("--log-level", default="info")
    serve.add_argument("--workers", type=int, default=None,
                       help="worker processes (default: PLANMAP_WORKERS or 1); each holds the plans in memory")
    serve.add_argument("--limit-concurrency", type=int, default=None,
                       help="connections per worker before uvicorn answers 503 (default: no limit)")
    serve.set_defaults(func=_serve)
    cli_check.add_parser(sub)
    cli_export.add_parser(sub)
    cli_screen.add_parser(sub)
    cli_workbench.add_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
