"""Normal traffic while idle and slow clients hold connections open, side by side.

Two servers on one data directory, started the same way (gunicorn, 2 workers, 4 threads each):

* ``serve``: ``support-server serve``, whose worker buffers whole requests in its event loop
  (``server/http_worker.py``);
* ``gthread``: the same app under gunicorn's stock gthread worker (what ``serve`` ran before).

For 0, 100 and 400 stalled connections (half connected and silent, half having sent part of
a request head), ``--clients`` threads (8) send ``--requests`` (600) GET /api/v1/help/search
requests with keep-alive, each with a 2 s timeout. Reported per server and load: requests per
second, p50 and p99 latency of the answered requests, and how many timed out or failed.

    .venv/bin/python benchmarks/slow_clients_bench.py [--clients 8] [--requests 600]

Writes ``benchmarks/results/slow_clients.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import ServerProcess, free_port, init_data_dir  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
PARTIAL = b"GET /api/v1/health HTTP/1.1\r\nHost: x\r\nX-Slow: "
LOADS = (0, 100, 400)


class StockGthread:
    """The app under gunicorn's own gthread worker, configured as ``serve`` used to be."""

    def __init__(self, data_dir: Path, log: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        factory = f"support_server.app:create_app(data_dir={str(data_dir)!r})"
        args = [sys.executable, "-m", "gunicorn", "-k", "gthread", "--threads", "4", "-w", "2"]
        args += ["-b", f"127.0.0.1:{self.port}", "--log-level", "warning", factory]
        env = {**os.environ, "SUPPORT_RATE_LIMITS_ENABLED": "false"}
        with open(log, "ab") as out:
            self.proc = subprocess.Popen(
                args, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return
            except requests.RequestException:
                time.sleep(0.1)
        raise RuntimeError("the gthread baseline did not start")

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        self.proc.wait(timeout=30)


def stall(port: int, count: int) -> list[socket.socket]:
    held = []
    for n in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        if n % 2:
            sock.sendall(PARTIAL)
        held.append(sock)
    return held


def drive(url: str, app_id: str, clients: int, total: int) -> dict[str, Any]:
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()
    left = [total]

    def client() -> None:
        nonlocal failures
        session = requests.Session()
        while True:
            with lock:
                if left[0] <= 0:
                    return
                left[0] -= 1
            started = time.perf_counter()
            try:
                ok = session.get(
                    url + "/api/v1/help/search",
                    params={"q": "refund"},
                    headers={"X-Support-App": app_id},
                    timeout=2,
                ).ok
            except requests.RequestException:
                ok = False
            elapsed = time.perf_counter() - started
            with lock:
                if ok:
                    latencies.append(elapsed)
                else:
                    failures += 1

    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    ordered = sorted(latencies)

    def pct(p: float) -> float | None:
        return (
            round(ordered[min(len(ordered) - 1, int(p * len(ordered)))] * 1000, 2)
            if ordered
            else None
        )

    return {
        "answered": len(ordered),
        "failed": failures,
        "rps": round(len(ordered) / wall, 1),
        "p50_ms": round(statistics.median(ordered) * 1000, 2) if ordered else None,
        "p99_ms": pct(0.99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=600)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "data"
        creds = init_data_dir(data_dir)
        app_id = creds["app_id"]
        results: dict[str, dict[str, Any]] = {}
        servers: dict[str, Any] = {
            "serve": lambda: ServerProcess(data_dir, creds, mode="serve", workers=2).start(),
            "gthread": lambda: StockGthread(data_dir, Path(tmp) / "gthread.log"),
        }
        for load in LOADS:
            for name, start in servers.items():  # interleaved: both see the same machine state
                server = start()
                try:
                    drive(server.url, app_id, args.clients, 50)  # warm up
                    held = stall(server.port, load)
                    time.sleep(0.5)
                    result = drive(server.url, app_id, args.clients, args.requests)
                    for sock in held:
                        sock.close()
                finally:
                    server.stop()
                results.setdefault(str(load), {})[name] = result
                print(f"{load:>4} stalled  {name:<8} {result}", flush=True)
    report = {
        "benchmark": "slow_clients",
        "when": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "load_average": os.getloadavg(),
        "clients": args.clients,
        "requests": args.requests,
        "results": results,
    }
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "slow_clients.json").write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
