"""What a reader's requests cost over HTTP on a big help center (issue 18), against a bare
Flask hello app: hot search, suggestions, an article read and durable ticket creation.

Per size (10,000 articles by default), a data directory gets the help center the
suggestions benchmark builds (``suggestions_bench.build``: ``corpus.generated_help_center``
imported through the service layer, with page contexts and a long-tailed popularity), this
time with the whole search index (``Indexer.rebuild``, as ``support-server reindex``). Then
``support-server serve --workers 2`` (gunicorn, the product's buffering gthread worker, rate
limits off) and the hello app of ``http_load`` (same gunicorn settings and worker) answer:

* ``search_hot``: ``GET /api/v1/help/search?q=…&locale=en-US`` over 20 queries a reader
  might type (words, phrases, a typo, a prefix), repeated: answered from the result cache
  after their first time, as popular queries are. Each request also logs the search for the
  analytics, as a reader's does.
* ``suggestions``: what the widget asks for when it opens on a page of the product (see
  ``suggestions_bench.request_mix``).
* ``article``: ``GET /api/v1/help/articles/<slug>`` over 500 articles.
* ``tickets``: ``POST /api/v1/tickets`` with a signed user token (8 users), a widget-like
  body with its page context, committed durably before the 201; against ``POST /hello``,
  which parses the same JSON and answers 201.

Each scenario is paired with the hello app and driven by ``http_load.alternate``: three
rounds, in each the two take turns four times, so both share every moment of the machine's
load; reported per scenario: the median req/s, p50 and p99 of both, the ratio
ours / hello per round (median, min, max), and the load average.

    .venv/bin/python benchmarks/http_bench.py [--sizes 10000] [--rounds 3] [--requests 2000]
        [--clients 8] [--client requests|raw] [--quick] [--out FILE]

``--quick`` is the test suite's run (1,000 articles, 200 requests a round): nothing is
asserted about time. Writes ``benchmarks/results/http.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.http_load import (  # noqa: E402
    CLIENTS,
    THREADS,
    WORKERS,
    HelloProcess,
    Load,
    Pair,
    Request,
    alternate,
    environment,
    one,
)
from benchmarks.suggestions_bench import build, request_mix  # noqa: E402
from support_sdk.tokens import mint_user_token  # noqa: E402
from tests.servers import ServerProcess  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
SEARCHES = [
    "invoice",
    "refund a payment",
    "how do i cancel my subscription",
    "bank feed",
    "reconcile",
    "export to csv",
    "tax rate",
    "recurring invoices",
    "payment failed",
    "add a user",
    "invocie",
    "reconcil",
    "credit note",
    "change currency",
    "xero",
    "delete account",
    "late fees",
    "quote to invoice",
    "two factor",
    "api key",
]
SCENARIOS = ("search_hot", "suggestions", "article", "tickets")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _ticket(n: int) -> dict[str, Any]:
    """What the widget sends: a subject, a body and the page context."""
    return {
        "subject": f"Invoice #{1000 + n} shows the wrong total",
        "body": f"Hi, invoice #{1000 + n} shows a total that the line items do not add up to.",
        "context": {
            "url": f"https://app.example.com/invoices/{1000 + n}",
            "title": f"Invoice #{1000 + n} - Ledgerly 🧾",
            "context_key": "invoices.edit",
            "app_version": "4.12.0",
            "locale": "en-US",
            "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/126.0",
        },
    }


def scenarios(port: int, made: dict[str, Any], slugs: Sequence[str]) -> dict[str, Load]:
    creds = made["creds"]
    app = {"X-Support-App": creds["app_id"]}
    tokens = [
        mint_user_token(
            creds["app_id"], creds["app_secret"], f"user-{i}", email=f"u{i}@example.com",
            expires_in=24 * 3600,
        )
        for i in range(8)
    ]  # fmt: skip
    mix = request_mix(made["categories"], made["pages"], 500)
    return {
        "search_hot": Load(
            port,
            [
                Request("GET", "/api/v1/help/search?" + urlencode({"q": q, "locale": "en-US"}), app)
                for q in SEARCHES
            ],
        ),
        "suggestions": Load(
            port,
            [
                Request(
                    "GET",
                    "/api/v1/help/suggestions?"
                    + urlencode({k: v for k, v in p.items() if v is not None}),
                    app,
                )
                for p in mix
            ],
        ),
        "article": Load(
            port,
            [Request("GET", f"/api/v1/help/articles/{slug}?locale=en-US", app) for slug in slugs],
        ),
        "tickets": Load(
            port,
            [
                Request(
                    "POST",
                    "/api/v1/tickets",
                    {"Authorization": f"Bearer {tokens[n % len(tokens)]}"},
                    _ticket(n),
                )
                for n in range(400)
            ],
            expect=201,
        ),
    }


def run_size(size: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    data_dir = work / f"data-{size}"
    _say(f"{size} articles: generating, importing and indexing ...")
    made = build(data_dir, size, full_index=True)
    _say(
        f"  made in {made['made']['generate_s']} + {made['made']['import_s']}"
        f" + {made['made']['index_s']} s; over HTTP ..."
    )
    import sqlite3

    with sqlite3.connect(data_dir / "support.db") as conn:
        slugs = [r[0] for r in conn.execute("SELECT slug FROM articles ORDER BY id LIMIT 500")]
    with (
        HelloProcess(work / "hello.log") as hello,
        ServerProcess(data_dir, mode="serve", workers=WORKERS) as server,
    ):
        ours = scenarios(server.port, made, slugs)
        hello_get = Load(hello.port, [Request("GET", "/hello")])
        hello_post = Load(
            hello.port, [Request("POST", "/hello", {}, _ticket(n)) for n in range(400)], 201
        )
        for name, load in ours.items():
            status, body = one(server.port, load.requests[0])
            if status != load.expect:
                raise RuntimeError(f"{name} answered {status}: {body[:500]!r}")
        pairs = [
            Pair(name, ours[name], hello_post if name == "tickets" else hello_get)
            for name in args.scenarios
        ]
        started = time.perf_counter()
        alternate(pairs, rounds=1, requests=args.warmup, clients=args.clients, client=args.client)
        figures = alternate(
            pairs,
            rounds=args.rounds,
            requests=args.requests,
            clients=args.clients,
            client=args.client,
            say=_say,
        )
        figures["seconds"] = round(time.perf_counter() - started, 1)
    return {"articles": size, "made": made["made"], "http": figures}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000", help="comma-separated")
    parser.add_argument("--scenarios", default=",".join(SCENARIOS), help="comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000, help="a scenario, each round")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--client", choices=sorted(CLIENTS), default="requests")
    parser.add_argument("--quick", action="store_true", help="a small run, for the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS / "http.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.requests, args.warmup = "1000", 200, 40
    args.scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = set(args.scenarios) - set(SCENARIOS)
    if unknown:
        parser.error(f"unknown scenarios: {', '.join(sorted(unknown))} (known: {SCENARIOS})")
    report: dict[str, Any] = {
        "environment": environment(),
        "setup": {
            "server": f"support-server serve --workers {WORKERS} (gunicorn, buffering gthread,"
            f" {THREADS} threads), rate limits off",
            "baseline": "bare Flask /hello (GET; POST parses the ticket's JSON) under the same"
            " gunicorn settings and worker",
            "clients": args.clients,
            "client": args.client,
            "requests": args.requests,
            "warmup": args.warmup,
            "rounds": args.rounds,
        },
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="http-bench-") as tmp:
        for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
            report["sizes"].append(run_size(size, args, Path(tmp)))
    report["environment"]["loadavg_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"over HTTP, median of {args.rounds} rounds, {args.clients} clients ({args.client}):")
    print(
        f"{'articles':>8} {'scenario':<12} {'req/s':>8} {'hello':>8} {'ratio':>6}"
        f" {'(min-max)':>12} {'p50 ms':>7} {'p99 ms':>7}"
    )
    for s in report["sizes"]:
        for name in args.scenarios:
            f = s["http"][name]
            spread = f"{f['ratio']['min']}-{f['ratio']['max']}"
            print(
                f"{s['articles']:>8} {name:<12} {f['ours']['rps']:>8} {f['baseline']['rps']:>8}"
                f" {f['ratio']['median']:>6} {spread:>12} {f['ours']['p50_ms']:>7}"
                f" {f['ours']['p99_ms']:>7}"
            )
    env = report["environment"]
    print(f"load average: {env['loadavg_at_start']} at start, {env['loadavg_at_end']} at end")
    print(f"wrote {args.out}")
    bad = sum(
        sum(s["http"][n][side]["unexpected"].values())
        for s in report["sizes"]
        for n in args.scenarios
        for side in ("ours", "baseline")
    )
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
