"""A bounded loopback load test: N clients for T seconds on a realistic mix, then a table per kind.

Starts ``planmap serve`` from a checkout on a free 127.0.0.1 port (or uses ``--url``), runs ``--clients``
concurrent clients for ``--duration`` seconds and stops by itself. Each client picks a request kind by weight
(mostly cheap reads, some HTML pages and site checks, a few coverage, sheets, PDFs and DXF downloads), and
records its latency and status. Prints requests per second, p50/p95/p99 per kind, 503s (shed by the
back-pressure) and errors (5xx other than 503, and transport failures).

Usage::

    python -m bench.load_test                       # 50 clients, 60 s, this checkout, 1 worker
    python -m bench.load_test --repo /work/main     # the same against another checkout (before/after)
    python -m bench.load_test --workers 2 --duration 20
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.api.live import serve  # noqa: E402

SITE = {"geometry": {"type": "LineString", "coordinates": [[121.6200, 38.9150], [121.6237, 38.9150]]},
        "ruleset": "night-economy-street"}

#: (kind, weight, method, path or path factory, body)
MIX = [
    ("landing", 20, "GET", "/", None),
    ("collections", 10, "GET", "/collections", None),
    ("items-json", 20, "GET", lambda r: f"/collections/streets/items?limit=100&offset={r.randrange(0, 300, 100)}", None),
    ("items-html", 8, "GET", "/collections/key-projects/items?f=html&limit=50", None),
    ("feature", 10, "GET", "/collections/district-boundary/items/xigang", None),
    ("map-page", 5, "GET", "/maps/overview", None),
    ("check", 12, "POST", "/api/checks/site", SITE),
    ("coverage", 6, "GET", lambda r: f"/api/accessibility/coverage?distance={r.randint(300, 1500)}", None),
    ("sheet-png", 3, "GET", "/export/map.png?dpi=72", None),
    ("report-pdf", 3, "POST", "/export/check-report.pdf", SITE),
    ("dxf", 3, "GET", "/export/layers/streets.dxf", None),
]


@dataclass
class Tally:
    """Latencies and outcomes of one kind."""

    latencies: list[float] = field(default_factory=list)
    shed: int = 0
    errors: int = 0
    client_errors: int = 0


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) of ``values`` (nearest rank); 0 when empty."""
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


async def client_loop(client: httpx.AsyncClient, deadline: float, tallies: dict[str, Tally], seed: int) -> None:
    rng = random.Random(seed)
    kinds = [m[0] for m in MIX]
    weights = [m[1] for m in MIX]
    table = {m[0]: m for m in MIX}
    while time.monotonic() < deadline:
        kind = rng.choices(kinds, weights)[0]
        _, _, method, path, body = table[kind]
        url = path(rng) if callable(path) else path
        started = time.monotonic()
        tally = tallies[kind]
        try:
            response = await client.request(method, url, json=body, timeout=120)
            await response.aread()
            status = response.status_code
        except httpx.HTTPError:
            tally.errors += 1
            continue
        elapsed = time.monotonic() - started
        if status == 503:
            tally.shed += 1
        elif status >= 500:
            tally.errors += 1
        elif status >= 400:
            tally.client_errors += 1
        else:
            tally.latencies.append(elapsed)


async def run(url: str, clients: int, duration: float) -> dict:
    tallies = {m[0]: Tally() for m in MIX}
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=url, limits=limits, trust_env=False) as client:
        started = time.monotonic()
        deadline = started + duration
        await asyncio.gather(*(client_loop(client, deadline, tallies, seed) for seed in range(clients)))
        wall = time.monotonic() - started
    report = {"clients": clients, "duration_s": round(wall, 1), "kinds": {}}
    total = 0
    for kind, tally in tallies.items():
        done = len(tally.latencies)
        total += done
        report["kinds"][kind] = {
            "ok": done, "rps": round(done / wall, 2),
            "p50_ms": round(1000 * percentile(tally.latencies, 50)),
            "p95_ms": round(1000 * percentile(tally.latencies, 95)),
            "p99_ms": round(1000 * percentile(tally.latencies, 99)),
            "shed_503": tally.shed, "errors": tally.errors, "4xx": tally.client_errors,
        }
    report["ok_rps"] = round(total / wall, 1)
    report["errors"] = sum(t.errors for t in tallies.values())
    report["shed_503"] = sum(t.shed for t in tallies.values())
    all_latencies = [v for t in tallies.values() for v in t.latencies]
    report["median_ms"] = round(1000 * statistics.median(all_latencies)) if all_latencies else 0
    return report


def print_table(report: dict) -> None:
    print(f"{report['clients']} clients, {report['duration_s']} s: {report['ok_rps']} ok requests/s, "
          f"{report['shed_503']} shed (503), {report['errors']} errors")
    print(f"{'kind':<12} {'ok':>6} {'rps':>7} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'503':>5} {'err':>5}")
    for kind, row in report["kinds"].items():
        print(f"{kind:<12} {row['ok']:>6} {row['rps']:>7} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['p99_ms']:>8} "
              f"{row['shed_503']:>5} {row['errors']:>5}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (the test stops by itself)")
    parser.add_argument("--url", default=None, help="a running service (loopback); default: start one")
    parser.add_argument("--repo", type=Path, default=REPO, help="checkout to serve from (before/after)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    args = parser.parse_args(argv)
    if args.url:
        report = asyncio.run(run(args.url, args.clients, args.duration))
    else:
        log = Path("/tmp") / f"planmap-load-{int(time.time())}.log"
        with serve(log, workers=args.workers, repo=args.repo, env={"PLANMAP_PLAN": "xigang"}) as (url, _):
            time.sleep(5)  # let the background plan audit finish
            report = asyncio.run(run(url, args.clients, args.duration))
    print_table(report)
    if args.json:
        args.json.write_text(json.dumps(report, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
