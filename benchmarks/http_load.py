"""The HTTP side of the benchmarks: a bare Flask hello app as the baseline, and the load.

* :class:`HelloProcess` runs a bare Flask app (``GET /hello`` answers "Hello, World!",
  ``POST /hello`` parses the JSON body and answers 201) under gunicorn with exactly the
  settings and worker ``support-server serve`` uses (``server/serving.py``), so the ratio of
  a route to it is what the product adds to HTTP, gunicorn and Flask.
* :func:`drive` sends ``count`` requests from ``clients`` threads, each with its own
  keep-alive connection: a ``requests.Session`` as the other benchmarks use, or (``raw``) a
  hand-written HTTP/1.1 client that costs a few microseconds a request, so that the client's
  own CPU time (it shares the machine's two cores with the servers) weighs less.
* :func:`alternate` runs rounds in which the scenarios take turns several times (a slice of
  the requests each turn), so that a baseline and what is compared with it share every
  moment of the machine's load; ratios are per round, and their median is reported.

Run as a script, it serves the hello app on a port (what :class:`HelloProcess` starts).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.servers import free_port  # noqa: E402

WORKERS = 2
THREADS = 4  # per worker, as server/serving.py configures gunicorn


def pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 3)


# -- the baseline server ----------------------------------------------------------------------
def serve_hello(port: int) -> None:
    """A bare Flask hello app under gunicorn, configured as ``support-server serve``."""
    from flask import Flask, request
    from gunicorn.app.base import BaseApplication

    def create() -> Flask:
        app = Flask("hello")

        @app.get("/hello")
        def hello() -> str:
            return "Hello, World!"

        @app.post("/hello")
        def posted() -> tuple[dict[str, bool], int]:
            request.get_json()
            return {"ok": True}, 201

        return app

    class Hello(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            options = {  # as server/serving.serve_gunicorn sets them
                "bind": f"127.0.0.1:{port}",
                "workers": WORKERS,
                "worker_class": "support_server.http_worker.BufferingWorker",
                "threads": THREADS,
                "worker_connections": 1000,
                "timeout": 30,
                "preload_app": False,
                "accesslog": None,
                "errorlog": "-",
                "loglevel": "warning",
            }
            for key, value in options.items():
                self.cfg.set(key, value)

        def load(self) -> Flask:
            return create()

    Hello().run()


class HelloProcess:
    def __init__(self, log: Path) -> None:
        self.port = free_port()
        self.log = log
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> HelloProcess:
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, __file__, str(self.port)],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"hello app exited: {self.log.read_text()[-2000:]}")
            try:
                status, _ = one(self.port, Request("GET", "/hello"))
                if status == 200:
                    return self
            except OSError:
                time.sleep(0.05)
        self.__exit__()
        raise RuntimeError("the hello app did not start")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self.proc = None


# -- the requests ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Request:
    """One request: method, path with its query, headers, and a JSON body (POST)."""

    method: str
    target: str
    headers: Mapping[str, str] = field(default_factory=dict)
    json: Any = None

    def raw(self, port: int) -> bytes:
        body = b"" if self.json is None else json.dumps(self.json).encode()
        headers = dict(self.headers)
        if self.json is not None:
            headers |= {"Content-Type": "application/json", "Content-Length": str(len(body))}
        head = f"{self.method} {self.target} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + "".join(
            f"{name}: {value}\r\n" for name, value in headers.items()
        )
        return head.encode() + b"\r\n" + body


class Connection:
    """One keep-alive HTTP/1.1 connection: send a request, read the response (Content-Length
    or chunked), nothing else. A few microseconds of Python a request."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.sock: socket.socket | None = None
        self.buffer = b""

    def _connect(self) -> socket.socket:
        sock = socket.create_connection(("127.0.0.1", self.port), timeout=30)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock, self.buffer = sock, b""
        return sock

    def _fill(self, sock: socket.socket) -> None:
        chunk = sock.recv(65536)
        if not chunk:
            raise ConnectionError("closed by the server")
        self.buffer += chunk

    def request(self, raw: bytes) -> tuple[int, bytes]:
        sock = self.sock or self._connect()
        sock.sendall(raw)
        while b"\r\n\r\n" not in self.buffer:
            self._fill(sock)
        head, _, self.buffer = self.buffer.partition(b"\r\n\r\n")
        lines = head.split(b"\r\n")
        status = int(lines[0].split(b" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            headers[name.strip().lower()] = value.strip()
        if b"content-length" in headers:
            length = int(headers[b"content-length"])
            while len(self.buffer) < length:
                self._fill(sock)
            body, self.buffer = self.buffer[:length], self.buffer[length:]
        elif headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            body = self._chunked(sock)
        else:
            raise ValueError("a response without Content-Length or chunked encoding")
        if headers.get(b"connection", b"").lower() == b"close":
            self.close()
        return status, body

    def _chunked(self, sock: socket.socket) -> bytes:
        body = b""
        while True:
            while b"\r\n" not in self.buffer:
                self._fill(sock)
            size_line, _, self.buffer = self.buffer.partition(b"\r\n")
            size = int(size_line.split(b";")[0], 16)
            while len(self.buffer) < size + 2:
                self._fill(sock)
            body += self.buffer[:size]
            self.buffer = self.buffer[size + 2 :]
            if size == 0:
                return body

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
        self.sock, self.buffer = None, b""


def one(port: int, request: Request) -> tuple[int, bytes]:
    """Send one request on a connection of its own: status and body."""
    conn = Connection(port)
    try:
        return conn.request(request.raw(port))
    finally:
        conn.close()


# -- the load -------------------------------------------------------------------------------
class Load:
    """A scenario: its requests (request n of a run is ``requests[n % len]``) and the status
    a success answers (200; 201 for a POST that creates)."""

    def __init__(self, port: int, requests: Sequence[Request], expect: int = 200) -> None:
        self.port, self.requests, self.expect = port, list(requests), expect
        self.raw = [r.raw(port) for r in self.requests]


@dataclass
class Slice:
    """What ``clients`` threads measured for one scenario in one go."""

    latencies: list[float]
    seconds: float
    statuses: Counter[int]
    expect: int


Sender = tuple[Callable[[int], int], Callable[[], None]]  # send request n -> status; close


def _raw_client(load: Load) -> Sender:
    conn = Connection(load.port)

    def send(n: int) -> int:
        try:
            return conn.request(load.raw[n % len(load.raw)])[0]
        except (OSError, ValueError):
            conn.close()
            return 0

    return send, conn.close


def _session_client(load: Load) -> Sender:
    session = requests.Session()
    base = f"http://127.0.0.1:{load.port}"

    def send(n: int) -> int:
        r = load.requests[n % len(load.requests)]
        try:
            return session.request(
                r.method, base + r.target, headers=dict(r.headers), json=r.json, timeout=30
            ).status_code
        except requests.RequestException:
            return 0

    return send, session.close


CLIENTS = {"requests": _session_client, "raw": _raw_client}


def drive(load: Load, count: int, clients: int, kind: str, start: int = 0) -> Slice:
    """``count`` requests from ``clients`` threads, request n being the n-th of ``load``
    (modulo its length), from ``start``; ``kind`` names the client (see ``CLIENTS``)."""
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    counter = iter(range(start, start + count))
    ready = threading.Barrier(clients + 1)

    def client() -> None:
        send, close = CLIENTS[kind](load)
        mine: list[float] = []
        codes: Counter[int] = Counter()
        ready.wait()
        while True:
            with lock:
                n = next(counter, None)
            if n is None:
                break
            begin = time.perf_counter()
            status = send(n)
            mine.append((time.perf_counter() - begin) * 1000)
            codes[status] += 1
        close()
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    ready.wait()
    begin = time.perf_counter()
    for thread in threads:
        thread.join()
    return Slice(latencies, time.perf_counter() - begin, statuses, load.expect)


def summary(slices: Sequence[Slice]) -> dict[str, Any]:
    latencies = [ms for part in slices for ms in part.latencies]
    seconds = sum(part.seconds for part in slices)
    statuses: Counter[int] = sum((part.statuses for part in slices), Counter())
    expect = slices[0].expect
    return {
        "requests": len(latencies),
        "rps": round(len(latencies) / seconds, 1),
        "p50_ms": pct(latencies, 0.50),
        "p99_ms": pct(latencies, 0.99),
        "unexpected": {str(k): v for k, v in sorted(statuses.items()) if k != expect},
    }


@dataclass(frozen=True)
class Pair:
    """A scenario and the baseline it is measured against, both driven in the same rounds."""

    name: str
    load: Load
    baseline: Load


def alternate(
    pairs: Sequence[Pair],
    *,
    rounds: int,
    requests: int,
    clients: int,
    client: str,
    slices: int = 4,
    say: Callable[[str], None] = lambda _: None,
) -> dict[str, Any]:
    """``rounds`` rounds; in each, every pair's baseline and scenario take turns ``slices``
    times (``requests / slices`` requests a turn), so that both share every moment of the
    machine's load. Per pair: each round's figures and ratio (scenario req/s over the
    baseline's), the medians of both, and the spread of the ratio (min, max)."""
    each = max(1, requests // slices)
    per_round: dict[str, list[dict[str, Any]]] = {p.name: [] for p in pairs}
    load_before = os.getloadavg()
    for n in range(rounds):
        for pair in pairs:
            parts: dict[str, list[Slice]] = {"baseline": [], "ours": []}
            for k in range(slices):
                parts["baseline"].append(drive(pair.baseline, each, clients, client))
                parts["ours"].append(drive(pair.load, each, clients, client, k * each))
            this = {name: summary(s) for name, s in parts.items()}
            this["ratio"] = round(this["ours"]["rps"] / this["baseline"]["rps"], 3)
            this["loadavg"] = round(os.getloadavg()[0], 2)
            per_round[pair.name].append(this)
            say(
                f"    round {n + 1} {pair.name}: {this['ours']['rps']} req/s"
                f" (p50 {this['ours']['p50_ms']} ms, p99 {this['ours']['p99_ms']} ms),"
                f" baseline {this['baseline']['rps']} req/s, ratio {this['ratio']},"
                f" load {this['loadavg']}"
            )
    out: dict[str, Any] = {}
    for name, done in per_round.items():
        ratios = [r["ratio"] for r in done]
        figures: dict[str, Any] = {"rounds": done}
        for side in ("baseline", "ours"):
            figures[side] = {
                key: statistics.median(r[side][key] for r in done)
                for key in ("rps", "p50_ms", "p99_ms")
            }
            unexpected: Counter[str] = Counter()
            for r in done:
                unexpected.update(r[side]["unexpected"])
            figures[side]["unexpected"] = dict(unexpected)
        figures["ratio"] = {
            "median": statistics.median(ratios),
            "min": min(ratios),
            "max": max(ratios),
        }
        out[name] = figures
    out["load_average"] = {"before": load_before, "after": os.getloadavg()}
    return out


def environment() -> dict[str, Any]:
    import platform
    import sqlite3
    from datetime import datetime, timezone
    from importlib import metadata

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "platform": platform.platform(),
        "gunicorn": metadata.version("gunicorn"),
        "flask": metadata.version("flask"),
        "loadavg_at_start": os.getloadavg(),
    }


if __name__ == "__main__":
    serve_hello(int(sys.argv[1]))
