"""After the ticket: what events and webhooks cost the API, and how fast they arrive.

One `support-server serve` (gunicorn, 2 workers, gthread, 4 threads, with its worker beside
it, as in production) on a fresh data directory, with webhooks allowed to 127.0.0.1. Fast
local receivers run in a process of their own (three ``ThreadingHTTPServer`` ports that
answer 200 at once and log each delivery's ``webhook-id`` and arrival time).

(a) **Throughput, side by side**: ``--clients`` threads (8) file ``--requests`` tickets (1,000)
    through ``POST /api/v1/tickets`` with user tokens, as tickets_bench.py does:

    * ``endpoints_0``: no webhook endpoint (the baseline: each ticket still writes its
      ``ticket.created`` event and fan-out job in its transaction, but the worker has no one
      to send to);
    * ``endpoints_3``: three endpoints subscribed to ``ticket.created``: every ticket becomes
      three signed deliveries that the worker sends while the API is being loaded.

    Each is timed ``--repeat`` times (3, alternating), the median run kept; after each
    ``endpoints_3`` run, the seconds until the receivers have every delivery are reported too.

(b) **Delivery latency under a steady load**: ``--rate`` tickets per second (5, then 20) for
    ``--seconds`` (20), paced, with the three endpoints: from the event's commit (its
    ``timestamp``, stamped in the ticket's transaction) to its arrival at a receiver; p50,
    p95, p99 and max over every delivery (3 x rate x seconds), each load from an empty
    queue. The worker wakes at least every 0.5 s (``worker.IDLE_POLL``), and at once when a
    job falls due while it is awake.

    .venv/bin/python benchmarks/outbox_bench.py [--clients 8] [--requests 1000]
        [--rate 5 20] [--seconds 20]

Writes ``benchmarks/results/outbox.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import requests

from support_sdk.tokens import mint_user_token

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from tickets_bench import THREADS, WORKERS, Request, drive, environment, ticket  # noqa: E402

from tests.servers import ServerProcess, init_data_dir  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
ENDPOINTS = 3


# -- the receivers (a process of their own) ---------------------------------------------------
def serve_receivers(log_path: str, count: int) -> None:
    """``count`` receivers answering 200 at once; prints their ports as one JSON line and logs
    ``port webhook-id event-timestamp arrival`` per delivery."""
    lock = threading.Lock()
    log = open(log_path, "a", encoding="utf-8")  # noqa: SIM115 - open for the process's life

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            arrival = time.time()
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")
            stamp = json.loads(body).get("timestamp", "")
            line = (
                f"{self.server.server_address[1]} {self.headers['webhook-id']} {stamp} {arrival}\n"
            )
            with lock:
                log.write(line)
                log.flush()

        def log_message(self, *args: Any) -> None:
            pass

    servers = [ThreadingHTTPServer(("127.0.0.1", 0), Handler) for _ in range(count)]
    for server in servers:
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True).start()
    print(json.dumps([s.server_address[1] for s in servers]), flush=True)
    signal.sigwait({signal.SIGTERM, signal.SIGINT})


class Receivers:
    def __init__(self, log: Path, count: int) -> None:
        self.log = log
        self.count = count
        self.proc: subprocess.Popen[str] | None = None
        self.urls: list[str] = []

    def __enter__(self) -> Receivers:
        self.log.touch()
        self.proc = subprocess.Popen(
            [sys.executable, __file__, "--serve-receivers", str(self.log), str(self.count)],
            stdout=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        assert self.proc.stdout is not None
        ports = json.loads(self.proc.stdout.readline())
        self.urls = [f"http://127.0.0.1:{port}/hooks" for port in ports]
        return self

    def records(self) -> list[tuple[str, str, float]]:
        """(webhook-id, event timestamp, arrival) for every delivery so far."""
        found = []
        for line in self.log.read_text(encoding="utf-8").splitlines():
            parts = line.split()
            if len(parts) == 4:
                found.append((parts[1], parts[2], float(parts[3])))
        return found

    def wait_for(self, count: int, timeout: float) -> float | None:
        """Seconds until ``count`` deliveries have arrived in all; None on timeout."""
        begin = time.perf_counter()
        while time.perf_counter() - begin < timeout:
            if len(self.records()) >= count:
                return time.perf_counter() - begin
            time.sleep(0.05)
        return None

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=20)


# -- the run ----------------------------------------------------------------------------------
def wait_drained(data_dir: Path, timeout: float = 600) -> float:
    """Seconds until the worker has no fan-out or delivery job left (read from the database,
    read-only), so each phase starts from an empty queue."""
    begin = time.perf_counter()
    conn = sqlite3.connect(f"file:{data_dir / 'support.db'}?mode=ro", uri=True, timeout=30)
    try:
        while time.perf_counter() - begin < timeout:
            (left,) = conn.execute(
                "SELECT count(*) FROM jobs WHERE state != 'done' AND kind IN ('fanout', 'webhook')"
            ).fetchone()
            if not left:
                break
            time.sleep(0.1)
    finally:
        conn.close()
    return time.perf_counter() - begin


def _stamp(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 1)

    return {
        "count": len(ordered),
        "p50_ms": pick(0.50),
        "p95_ms": pick(0.95),
        "p99_ms": pick(0.99),
        "max_ms": round(ordered[-1], 1),
        "mean_ms": round(statistics.fmean(ordered), 1),
    }


def steady(url: str, tokens: list[str], rate: float, seconds: float) -> dict[str, Any]:
    """``rate`` tickets a second for ``seconds``, each sent at its slot by a small pool."""
    total = int(rate * seconds)
    lock = threading.Lock()
    slots = iter(range(total))
    statuses: dict[int, int] = {}
    lateness: list[float] = []
    begin = time.perf_counter() + 0.2

    def sender(index: int) -> None:
        session = requests.Session()
        while True:
            with lock:
                n = next(slots, None)
            if n is None:
                break
            due = begin + n / rate
            wait = due - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            with lock:
                lateness.append(max(0.0, time.perf_counter() - due) * 1000)
            response = session.post(
                url + "/api/v1/tickets",
                json=ticket(20_000_000 + n),
                headers={"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
                timeout=30,
            )
            with lock:
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
        session.close()

    threads = [threading.Thread(target=sender, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {
        "tickets": total,
        "seconds": round(time.perf_counter() - begin, 2),
        "statuses": {str(k): v for k, v in sorted(statuses.items())},
        "send_lateness_p99_ms": round(sorted(lateness)[int(0.99 * (len(lateness) - 1))], 1),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "environment": {**environment(), "loadavg_at_start": os.getloadavg()},
        "setup": {
            "server": f"gunicorn, {WORKERS} workers, gthread, {THREADS} threads, + 1 worker",
            "clients": args.clients,
            "requests": args.requests,
            "warmup": args.warmup,
            "repeat": args.repeat,
            "endpoints": ENDPOINTS,
            "steady_rate": args.rate,
            "steady_seconds": args.seconds,
        },
        "scenarios": {},
    }
    with tempfile.TemporaryDirectory(prefix="outbox-bench-") as tmp:
        work = Path(tmp)
        data_dir = work / "data"
        creds = init_data_dir(data_dir)
        tokens = [
            mint_user_token(
                creds["app_id"],
                creds["app_secret"],
                f"user-{i}",
                email=f"user{i}@example.com",
                expires_in=7200,
            )
            for i in range(args.clients)
        ]
        env = {"SUPPORT_WEBHOOK_ALLOW_PRIVATE": "true"}
        with (
            Receivers(work / "received.log", ENDPOINTS) as receivers,
            ServerProcess(data_dir, creds, mode="serve", workers=WORKERS, env=env) as server,
        ):
            admin = {"Authorization": f"Bearer {creds['admin_api_key']}"}

            def plain(client: int, n: int) -> Request:
                return "/api/v1/tickets", ticket(n), {"Authorization": f"Bearer {tokens[client]}"}

            def endpoints(enabled: bool) -> None:
                """Three endpoints exist from the first ``endpoints_3`` run; switched off or
                on (an endpoint switched off is not fanned out to)."""
                have = requests.get(server.url + "/api/v1/webhooks", headers=admin, timeout=10)
                found = have.json()["items"]
                if not found and enabled:
                    for url in receivers.urls:
                        requests.post(
                            server.url + "/api/v1/webhooks",
                            json={"url": url, "events": ["ticket.created"]},
                            headers=admin,
                            timeout=10,
                        ).raise_for_status()
                for item in found:
                    requests.patch(
                        f"{server.url}/api/v1/webhooks/{item['id']}",
                        json={"enabled": enabled},
                        headers=admin,
                        timeout=10,
                    ).raise_for_status()

            print(
                f"{args.clients} client threads, {args.requests} tickets per run, "
                f"{args.repeat} runs each",
                flush=True,
            )
            drive(server.url, plain, args.warmup, args.clients, 201, start_at=10_000_000)
            runs: dict[str, list[dict[str, Any]]] = {"endpoints_0": [], "endpoints_3": []}
            start_at = 0
            for r in range(args.repeat):
                for name in ("endpoints_0", "endpoints_3"):
                    endpoints(name == "endpoints_3")
                    wait_drained(data_dir)
                    before = len(receivers.records())
                    result = drive(
                        server.url, plain, args.requests, args.clients, 201, start_at=start_at
                    )
                    start_at += args.requests
                    if name == "endpoints_3":
                        wanted = before + ENDPOINTS * args.requests
                        drained = receivers.wait_for(wanted, timeout=300)
                        result["all_delivered_after_s"] = (
                            round(drained, 2) if drained is not None else None
                        )
                        got = receivers.records()[before:]
                        result["deliveries"] = len(got)
                        span = max(a for *_, a in got) - min(a for *_, a in got)
                        result["worker_deliveries_per_s"] = round(len(got) / span, 1)
                    runs[name].append(result)
                    print(
                        f"  run {r + 1} {name:12} {result['rps']:8.1f} tickets/s  "
                        f"p50 {result['p50_ms']:6.2f}  p99 {result['p99_ms']:6.2f} ms"
                        + (
                            f"   all {result['deliveries']} delivered "
                            f"{result['all_delivered_after_s']} s after the last ticket, "
                            f"{result['worker_deliveries_per_s']} deliveries/s"
                            if name == "endpoints_3"
                            else ""
                        ),
                        flush=True,
                    )
            for name, results in runs.items():
                chosen = sorted(results, key=lambda x: x["rps"])[len(results) // 2]
                chosen["runs_rps"] = [x["rps"] for x in results]
                report["scenarios"][name] = chosen
            zero, three = report["scenarios"]["endpoints_0"], report["scenarios"]["endpoints_3"]
            report["ratio_3_to_0"] = {
                "rps": round(three["rps"] / zero["rps"], 3),
                "p50": round(three["p50_ms"] / zero["p50_ms"], 2),
                "p99": round(three["p99_ms"] / zero["p99_ms"], 2),
            }

            # (b) steady loads, latency from commit to receiver
            endpoints(True)
            report["steady"] = {}
            for rate in args.rate:
                wait_drained(data_dir)
                settled = receivers.records()
                print(f"steady load: {rate:g} tickets/s for {args.seconds:g} s", flush=True)
                load = steady(server.url, tokens, rate, args.seconds)
                wanted = len(settled) + ENDPOINTS * load["tickets"]
                after = receivers.wait_for(wanted, timeout=120)
                load["all_delivered_after_s"] = round(after, 2) if after is not None else None
                fresh = receivers.records()[len(settled) :]
                latencies = [(arrival - _stamp(stamp)) * 1000 for _id, stamp, arrival in fresh]
                load["deliveries"] = len(fresh)
                load["latency"] = percentiles(latencies)
                report["steady"][f"{rate:g}_per_s"] = load
    report["environment"]["loadavg_at_end"] = os.getloadavg()
    return report


def print_table(report: dict[str, Any]) -> None:
    setup = report["setup"]
    print(
        f"\n(a) POST /api/v1/tickets: {setup['clients']} client threads, {setup['requests']} "
        f"tickets, median of {setup['repeat']} runs; server {setup['server']}"
    )
    header = f"{'scenario':<14} {'tickets/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'vs 0':>7}"
    print(header)
    print("-" * len(header))
    zero = report["scenarios"]["endpoints_0"]
    for name, s in report["scenarios"].items():
        print(
            f"{name:<14} {s['rps']:>10.1f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} "
            f"{s['rps'] / zero['rps']:>6.2f}x"
        )
    three = report["scenarios"]["endpoints_3"]
    print(
        f"with 3 endpoints, every delivery had arrived {three['all_delivered_after_s']} s "
        f"after the last ticket's 201; the worker sent {three['worker_deliveries_per_s']} "
        "deliveries/s"
    )
    print(f"\n(b) steady load for {setup['steady_seconds']:g} s, {ENDPOINTS} endpoints")
    for name, load in report["steady"].items():
        lat = load["latency"]
        print(
            f"  {name.replace('_per_s', ''):>4} tickets/s: {lat['count']} deliveries, commit -> "
            f"receiver p50 {lat['p50_ms']} ms, p95 {lat['p95_ms']} ms, p99 {lat['p99_ms']} ms, "
            f"max {lat['max_ms']} ms"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--clients", type=int, default=8, help="concurrent client threads")
    parser.add_argument("--requests", type=int, default=1000, help="tickets per timed run")
    parser.add_argument("--warmup", type=int, default=200, help="untimed tickets first")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is kept")
    parser.add_argument(
        "--rate", type=float, nargs="+", default=[5, 20], help="steady loads, tickets/s"
    )
    parser.add_argument("--seconds", type=float, default=20, help="steady load, seconds")
    parser.add_argument("--out", type=Path, default=RESULTS / "outbox.json")
    parser.add_argument("--serve-receivers", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_receivers:
        serve_receivers(args.serve_receivers[0], int(args.serve_receivers[1]))
        return 0
    report = run(args)
    print_table(report)
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
