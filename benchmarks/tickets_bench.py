"""Ticket filing over HTTP: `support-server serve` against a bare Flask endpoint under gunicorn.

Both servers run the same way (gunicorn, 2 workers, the buffering gthread worker, 4
threads each; see ``server/serving.py``) on 127.0.0.1, and the same client drives them:
``--clients`` threads (8 by default), each with its own ``requests.Session`` (keep-alive),
posting the same widget-like JSON ticket until ``--requests`` (2,000 by default) have been
sent, after a warm-up. Reported: requests per second, p50/p95/p99 latency and the ratio to
the baseline.

Each scenario is warmed up, then timed ``--repeat`` times (3); the median run is kept.

Scenarios, in order:

* ``baseline``: the bare Flask app of ``http_load`` answering ``{"ok": true}`` to a JSON
  POST under the product's gunicorn settings and worker (the floor: HTTP, gunicorn, Flask,
  JSON parsing; no auth, validation or storage).
* ``tickets``: POST /api/v1/tickets with a user token (signature, expiry and app checked on
  every request), marshmallow validation, a durable SQLite commit (WAL, synchronous=FULL).
* ``tickets_idempotent``: the same with a fresh ``Idempotency-Key`` on every request (the key
  and the stored response commit with the ticket).
* ``replays``: the requests of the previous scenario sent again, same key and same body, so
  every one is answered from the stored response (``Idempotent-Replayed: true``).

    .venv/bin/python benchmarks/tickets_bench.py [--clients 8] [--requests 2000]

Rate limits are disabled on the server (``SUPPORT_RATE_LIMITS_ENABLED=false``). The client
shares the machine's cores with the server; its own CPU time is reported too.
Writes ``benchmarks/results/tickets.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

from support_sdk.tokens import mint_user_token

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.http_load import HelloProcess  # noqa: E402
from tests.servers import ServerProcess, init_data_dir  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
WORKERS = 2
THREADS = 4  # per worker, as server/serving.py configures gunicorn


# -- the load -----------------------------------------------------------------------------------
def ticket(n: int) -> dict[str, Any]:
    """What the widget sends: a subject, a body and the page context."""
    return {
        "subject": f"Invoice #{1000 + n} shows the wrong total",
        "body": (
            f"Hi, invoice #{1000 + n} shows a total of $1,{n % 1000:03d}.00 but the line items "
            "add up to less. I already checked the tax rate and the discount. Can you help?"
        ),
        "context": {
            "url": f"https://app.example.com/invoices/{1000 + n}",
            "title": f"Invoice #{1000 + n} - Ledgerly",
            "context_key": "invoices.edit",
            "app_version": "4.12.0",
            "locale": "en-GB",
            "time_zone": "Europe/London",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0",
        },
    }


Request = tuple[str, dict[str, Any], dict[str, str]]  # path, JSON body, headers


def drive(
    url: str,
    make: Callable[[int, int], Request],
    count: int,
    clients: int,
    expect: int,
    start_at: int = 0,
) -> dict[str, Any]:
    """``count`` requests from ``clients`` threads; request n comes from ``make(client, n)``."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    counter = iter(range(start_at, start_at + count))
    ready = threading.Barrier(clients + 1)

    def client(index: int) -> None:
        session = requests.Session()
        mine: list[float] = []
        codes: Counter[int] = Counter()
        ready.wait()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            path, body, headers = make(index, n)
            begin = time.perf_counter()
            response = session.post(url + path, json=body, headers=headers, timeout=30)
            mine.append((time.perf_counter() - begin) * 1000)
            codes[response.status_code] += 1
        session.close()
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    ready.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - begin
    cpu = time.process_time() - cpu
    ordered = sorted(latencies)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)

    return {
        "requests": len(latencies),
        "seconds": round(wall, 3),
        "rps": round(len(latencies) / wall, 1),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "mean_ms": round(statistics.fmean(ordered), 2),
        "client_cpu_share": round(cpu / wall / (os.cpu_count() or 1), 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "unexpected": sum(v for k, v in statuses.items() if k != expect),
    }


def measure(
    name: str, url: str, make: Callable[[int, int], Request], args: argparse.Namespace, expect: int
) -> dict[str, Any]:
    drive(url, make, args.warmup, args.clients, expect, start_at=10_000_000)
    runs = [
        drive(url, make, args.requests, args.clients, expect, start_at=r * args.requests)
        for r in range(args.repeat)
    ]
    result = sorted(runs, key=lambda run: run["rps"])[len(runs) // 2]  # the median run
    result["runs_rps"] = [run["rps"] for run in runs]
    result["unexpected"] = sum(run["unexpected"] for run in runs)
    print(
        f"  {name:20} {result['rps']:8.1f} req/s   p50 {result['p50_ms']:7.2f}  "
        f"p95 {result['p95_ms']:7.2f}  p99 {result['p99_ms']:7.2f} ms   "
        f"runs {result['runs_rps']} req/s",
        flush=True,
    )
    if result["unexpected"]:
        print(f"  !! {result['unexpected']} responses were not {expect}", flush=True)
    return result


# -- the run ----------------------------------------------------------------------------------
def environment() -> dict[str, Any]:
    from importlib import metadata

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "gunicorn": metadata.version("gunicorn"),
        "flask": metadata.version("flask"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "environment": environment(),
        "setup": {
            "server": f"gunicorn, {WORKERS} workers, buffering gthread, {THREADS} threads",
            "clients": args.clients,
            "requests": args.requests,
            "warmup": args.warmup,
            "repeat": args.repeat,
        },
        "scenarios": {},
    }
    scenarios = report["scenarios"]
    with tempfile.TemporaryDirectory(prefix="tickets-bench-") as tmp:
        work = Path(tmp)
        print(f"{args.clients} client threads, {args.requests} requests each scenario", flush=True)

        with HelloProcess(work / "baseline.log") as baseline:

            def bare(_client: int, n: int) -> Request:
                return "/hello", ticket(n), {}

            url = f"http://127.0.0.1:{baseline.port}"
            scenarios["baseline"] = measure("baseline (bare)", url, bare, args, 201)

        data_dir = work / "data"
        creds = init_data_dir(data_dir)
        tokens = [
            mint_user_token(
                creds["app_id"],
                creds["app_secret"],
                f"user-{i}",
                email=f"user{i}@example.com",
                name=f"User {i}",
                expires_in=3600,
            )
            for i in range(args.clients)
        ]
        with ServerProcess(data_dir, mode="serve", workers=WORKERS) as server:
            run_id = uuid.uuid4().hex[:8]

            def plain(client: int, n: int) -> Request:
                return "/api/v1/tickets", ticket(n), {"Authorization": f"Bearer {tokens[client]}"}

            def keyed(client: int, n: int) -> Request:
                # Each key belongs to one user; the replay run below sends it again.
                key = f"bench-{run_id}-{n}"
                headers = {
                    "Authorization": f"Bearer {tokens[n % args.clients]}",
                    "Idempotency-Key": key,
                }
                return "/api/v1/tickets", ticket(n), headers

            scenarios["tickets"] = measure("tickets", server.url, plain, args, 201)
            scenarios["tickets_idempotent"] = measure(
                "tickets + Idem-Key", server.url, keyed, args, 201
            )
            scenarios["replays"] = measure("replays (same key)", server.url, keyed, args, 201)
    base = scenarios["baseline"]
    report["ratio_to_baseline"] = {
        name: {
            "rps": round(s["rps"] / base["rps"], 3),
            "p50": round(s["p50_ms"] / base["p50_ms"], 1),
            "p99": round(s["p99_ms"] / base["p99_ms"], 1),
        }
        for name, s in scenarios.items()
        if name != "baseline"
    }
    return report


def print_table(report: dict[str, Any]) -> None:
    setup = report["setup"]
    print(
        f"\nPOST over loopback: {setup['clients']} client threads, {setup['requests']} requests "
        f"after {setup['warmup']} warm-up, median of {setup['repeat']} runs; "
        f"server {setup['server']}"
    )
    header = (
        f"{'scenario':<22} {'req/s':>8} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} "
        f"{'req/s vs bare':>14} {'client CPU':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, s in report["scenarios"].items():
        ratio = report["ratio_to_baseline"].get(name, {}).get("rps", 1.0)
        print(
            f"{name:<22} {s['rps']:>8.1f} {s['p50_ms']:>8.2f} {s['p95_ms']:>8.2f} "
            f"{s['p99_ms']:>8.2f} {ratio:>13.2f}x {s['client_cpu_share']:>10.0%}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--requests", type=int, default=2000, help="timed requests per scenario")
    parser.add_argument("--warmup", type=int, default=200, help="untimed requests first")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is kept")
    args = parser.parse_args(argv)
    report = run(args)
    print_table(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "tickets.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
