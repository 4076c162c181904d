"""The widget middlewares' added latency per response, WSGI and ASGI, beside the bare app.

In-process calls, no sockets: each request is one call of the app (WSGI: the body iterated
and closed; ASGI: the app awaited with a ``send`` that keeps the messages), so what is
measured is the middleware's own work and nothing else. The same ~20 KB HTML page (with a
``Content-Length``) is served by:

* ``bare``: the host app alone (the baseline, in the same process);
* ``signed in``: the app wrapped by ``SupportMiddleware`` with a signed-in user: the page is
  held, a user token minted (HMAC), the tag inserted before ``</body>``, the length fixed;
* ``visitor``: wrapped, no user and ``anonymous=False``: the page is held, no tag;
* ``json``: wrapped, a JSON response of the same size: passed through as it is (the decision
  from the headers only).

``token mint`` alone (``mint_user_token``, what every signed-in page pays for its fresh token)
is timed too, to show how much of ``signed in`` it is.

For ASGI the host app is written twice: raw ASGI messages, and a Starlette ``HTMLResponse``
route (what a FastAPI/Starlette app really sends, with its routing cost in the baseline).

Each scenario: ``--warmup`` untimed calls (2,000), then ``--requests`` (20,000) timed calls,
``--repeat`` times (3); the run with the median p50 is kept. Reported: p50/p95/p99 and mean in
µs, the added µs at p50 (wrapped minus bare) and the ratio to bare.

    .venv/bin/python benchmarks/middleware_bench.py [--requests 20000] [--repeat 3]

Writes ``benchmarks/results/middleware.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from support_sdk.asgi import SupportMiddleware as ASGIMiddleware
from support_sdk.tokens import mint_user_token
from support_sdk.wsgi import SupportMiddleware as WSGIMiddleware

RESULTS = Path(__file__).resolve().parent / "results"

ROWS = "".join(
    f"<tr><td>Invoice #{n}</td><td>${n * 3}.00</td><td>paid</td></tr>" for n in range(400)
)
PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Invoices</title></head>"
    f"<body><h1>Invoices</h1><table>{ROWS}</table></body></html>"
).encode()
DATA = json.dumps({"rows": ROWS}).encode()
SETTINGS = {"url": "https://support.example.com", "app_id": "app_bench", "app_secret": "s" * 32}


def signed_in(_request: Any) -> dict[str, str]:
    return {"id": "42", "email": "ada@example.com", "name": "Ada"}


def no_one(_request: Any) -> None:
    return None


# -- WSGI ----------------------------------------------------------------------------------------
def wsgi_host(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    if environ["PATH_INFO"] == "/data":
        body, kind = DATA, "application/json"
    else:
        body, kind = PAGE, "text/html; charset=utf-8"
    start_response("200 OK", [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


def time_wsgi(app: Callable[..., Iterable[bytes]], path: str, count: int) -> list[float]:
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": path}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        pass

    timings = []
    clock = time.perf_counter_ns
    for _ in range(count):
        begin = clock()
        body = app(dict(environ), start_response)
        b"".join(body)
        close = getattr(body, "close", None)
        if close is not None:
            close()
        timings.append((clock() - begin) / 1000)
    return timings


# -- ASGI ----------------------------------------------------------------------------------------
ASGIApp = Callable[[dict[str, Any], Any, Any], Awaitable[None]]


async def raw_host(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["path"] == "/data":
        body, kind = DATA, b"application/json"
    else:
        body, kind = PAGE, b"text/html; charset=utf-8"
    headers = [(b"content-type", kind), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def starlette_host() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE)

    async def data(request: Request) -> Response:
        return Response(DATA, media_type="application/json")

    return Starlette(routes=[Route("/", page), Route("/data", data)])


def time_asgi(app: ASGIApp, path: str, count: int) -> list[float]:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def go() -> list[float]:
        timings = []
        clock = time.perf_counter_ns
        for _ in range(count):
            sent: list[dict[str, Any]] = []
            scope = {
                "type": "http",
                "asgi": {"version": "3.0"},
                "http_version": "1.1",
                "method": "GET",
                "scheme": "http",
                "path": path,
                "raw_path": path.encode(),
                "query_string": b"",
                "root_path": "",
                "headers": [(b"host", b"bench")],
                "server": ("127.0.0.1", 80),
            }

            async def send(message: dict[str, Any], sent: list[dict[str, Any]] = sent) -> None:
                sent.append(message)

            begin = clock()
            await app(scope, receive, send)
            timings.append((clock() - begin) / 1000)
        return timings

    return asyncio.run(go())


def time_mint(count: int) -> list[float]:
    timings = []
    clock = time.perf_counter_ns
    for _ in range(count):
        begin = clock()
        mint_user_token("app_bench", "s" * 32, "42", email="ada@example.com", name="Ada")
        timings.append((clock() - begin) / 1000)
    return timings


# -- the run -------------------------------------------------------------------------------------
def summarise(timings: list[float]) -> dict[str, float]:
    ordered = sorted(timings)

    def pick(q: float) -> float:
        return round(ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))], 2)

    return {
        "p50_us": pick(0.50),
        "p95_us": pick(0.95),
        "p99_us": pick(0.99),
        "mean_us": round(statistics.fmean(ordered), 2),
    }


def measure(call: Callable[[int], list[float]], args: argparse.Namespace) -> dict[str, Any]:
    call(args.warmup)
    runs = [summarise(call(args.requests)) for _ in range(args.repeat)]
    result = sorted(runs, key=lambda run: run["p50_us"])[len(runs) // 2]
    return {**result, "runs_p50_us": [run["p50_us"] for run in runs]}


def stacks() -> dict[str, dict[str, Callable[[int], list[float]]]]:
    wsgi = {
        "bare": lambda n: time_wsgi(wsgi_host, "/", n),
        "signed in": lambda n: time_wsgi(
            WSGIMiddleware(wsgi_host, user=signed_in, **SETTINGS), "/", n
        ),
        "visitor": lambda n: time_wsgi(WSGIMiddleware(wsgi_host, user=no_one, **SETTINGS), "/", n),
        "json, bare": lambda n: time_wsgi(wsgi_host, "/data", n),
        "json": lambda n: time_wsgi(
            WSGIMiddleware(wsgi_host, user=signed_in, **SETTINGS), "/data", n
        ),
    }
    result: dict[str, dict[str, Callable[[int], list[float]]]] = {"wsgi": wsgi}
    for name, host in (("asgi (raw)", raw_host), ("asgi (starlette)", starlette_host())):
        result[name] = {
            "bare": lambda n, h=host: time_asgi(h, "/", n),
            "signed in": lambda n, h=host: time_asgi(
                ASGIMiddleware(h, user=signed_in, **SETTINGS), "/", n
            ),
            "visitor": lambda n, h=host: time_asgi(
                ASGIMiddleware(h, user=no_one, **SETTINGS), "/", n
            ),
            "json, bare": lambda n, h=host: time_asgi(h, "/data", n),
            "json": lambda n, h=host: time_asgi(
                ASGIMiddleware(h, user=signed_in, **SETTINGS), "/data", n
            ),
        }
    return result


def environment() -> dict[str, Any]:
    from importlib import metadata

    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "starlette": metadata.version("starlette"),
    }


def run(args: argparse.Namespace) -> dict[str, Any]:
    report: dict[str, Any] = {
        "environment": environment(),
        "setup": {
            "page_bytes": len(PAGE),
            "json_bytes": len(DATA),
            "requests": args.requests,
            "warmup": args.warmup,
            "repeat": args.repeat,
        },
        "stacks": {},
    }
    for stack, scenarios in stacks().items():
        results = {name: measure(call, args) for name, call in scenarios.items()}
        for name, result in results.items():
            base = results["json, bare" if name.startswith("json") else "bare"]
            result["added_p50_us"] = round(result["p50_us"] - base["p50_us"], 2)
            result["ratio_p50"] = round(result["p50_us"] / base["p50_us"], 2)
        report["stacks"][stack] = results
    report["token_mint"] = measure(time_mint, args)
    return report


def print_table(report: dict[str, Any]) -> None:
    setup = report["setup"]
    print(
        f"\nIn-process calls, a {setup['page_bytes']:,} B HTML page "
        f"(JSON {setup['json_bytes']:,} B); {setup['requests']:,} timed calls after "
        f"{setup['warmup']:,}, median of {setup['repeat']}"
    )
    header = (
        f"{'stack':<17} {'scenario':<11} {'p50 µs':>8} {'p95 µs':>8} {'p99 µs':>8} "
        f"{'mean µs':>8} {'+p50 µs':>8} {'vs bare':>8}"
    )
    print(header)
    print("-" * len(header))
    for stack, results in report["stacks"].items():
        for name, r in results.items():
            print(
                f"{stack:<17} {name:<11} {r['p50_us']:>8.1f} {r['p95_us']:>8.1f} "
                f"{r['p99_us']:>8.1f} {r['mean_us']:>8.1f} {r['added_p50_us']:>8.1f} "
                f"{r['ratio_p50']:>7.2f}x"
            )
    mint = report["token_mint"]
    print(
        f"{'token mint alone':<29} {mint['p50_us']:>8.1f} {mint['p95_us']:>8.1f} "
        f"{mint['p99_us']:>8.1f} {mint['mean_us']:>8.1f}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--requests", type=int, default=20_000, help="timed calls per run")
    parser.add_argument("--warmup", type=int, default=2_000, help="untimed calls first")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs; the median is kept")
    args = parser.parse_args(argv)
    report = run(args)
    print_table(report)
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / "middleware.json"
    out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
