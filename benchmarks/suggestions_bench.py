"""Contextual suggestions on big help centers (issue 18): what the widget asks for when it
opens, ``GET /api/v1/help/suggestions?context=…&url=…&locale=…``, at 1,000, 10,000 and 50,000
published articles, side by side with a bare Flask hello app.

Per size, a data directory made by ``support-server init`` gets ``corpus.generated_help_center``
imported through the real service layer (``ArticleService.insert``, in transactions of 1,000:
revisions, contexts, events and the search outbox as an import leaves them), each article with
contexts as a product's pages would give them:

* a page's context key and URL path (``billing.p12``, ``/billing/12``), ~20 articles a page;
* 2% also the category's key (``billing``), 0.5% its path (``/billing/``) and 2% a wildcard
  pattern for an action on any of its pages (``/billing/*/export``; 4 actions);
* views, helpful and not-helpful votes as a long-tailed history (written by SQL: a view is an
  ``UPDATE views = views + 1``, 50,000 x 5,000 of them would be the whole run).

The search index is built from titles only (the server checks it at start and rebuilds a
missing one, which would take minutes at 50k; suggestions never read it), and the import's
fan-out jobs (one per ``article.published`` event; with no webhook endpoint they do nothing)
are marked done: the job worker beside ``serve`` would otherwise spend a core on them, a
commit each, through the whole measurement.

Every request is an action on a page of the product, chosen at random (seeded):
``url=https://app.example.com/billing/12/export?tab=plan`` (the page's path, the category's
and the action's wildcard pattern match), ``locale=en-GB`` (``en-gb`` then ``en``),
``limit=5``, and for two requests in three ``context=billing.p12.export`` (no article has it:
suggestions fall back to ``billing.p12``, then ``billing``); the third has no context key, as
a site that sets none.

(a) **In-process**: ``ArticleService.suggestions`` against the code it replaced, run on the
    same database in the same process (the queries and ranking of before, kept in
    ``tests/suggestions_before.py``); alternated request by request, and their answers
    compared (they must be equal). Also the popular-articles query alone, before and after.
(b) **HTTP**: ``support-server serve --workers 2`` (gunicorn, the product's buffering gthread
    worker, 4 threads each, rate limits off) against a bare Flask app answering
    ``GET /hello`` with "Hello, World!" under the same gunicorn settings and worker. The load:
    ``--clients`` (8) threads of this process, each with a keep-alive ``requests.Session`` as
    in the other benchmarks (``--client raw``: a hand-written HTTP/1.1 client instead, a few
    microseconds a request, which lets the hello app go twice as fast), ``--requests``
    (2,000) requests a scenario and round, after a warm-up. Three rounds; in each, the two
    servers take turns four times (a quarter of the requests each time), so that both share
    every moment of the machine's load. Reported: each round's req/s, p50 and p99, their
    medians, and the ratio suggestions / hello of each round and its median. The load
    average is recorded before and after.

    .venv/bin/python benchmarks/suggestions_bench.py [--sizes 1000,10000,50000] [--rounds 3]
        [--requests 2000] [--clients 8] [--client requests|raw] [--quick] [--out FILE]

``--quick`` is a small run for the test suite (1,000 articles, 200 requests a round). Nothing
is asserted about time; every answer must be a 200 (the count of others is reported) and the
in-process answers must equal the old code's. Writes ``benchmarks/results/suggestions.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.corpus import generated_help_center  # noqa: E402
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
    pct,
)
from tests import suggestions_before  # noqa: E402
from tests.servers import ServerProcess, init_data_dir  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results"
BATCH = 1000
ARTICLES_PER_PAGE = 20
LIMIT = 5
LOCALE = "en-GB"
ACTIONS = ("settings", "edit", "export", "share")


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# -- the help center --------------------------------------------------------------------------
def _key(category: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in category.lower()).split())


def build(data_dir: Path, size: int, seed: int = 18, full_index: bool = False) -> dict[str, Any]:
    """``size`` published articles in the data dir's first app; returns what was made. The
    search index holds titles only, unless ``full_index`` (the whole articles, as a reindex
    writes them)."""
    from support_server import bootstrap, clock
    from support_server.search.base import IndexDocument
    from support_server.store import search_outbox

    rng = random.Random(seed)
    creds = init_data_dir(data_dir)
    app_id = creds["app_id"]
    started = time.perf_counter()
    documents = generated_help_center(size)
    generated = time.perf_counter() - started
    categories = sorted({d.category for d in documents})
    pages = max(3, size // (ARTICLES_PER_PAGE * len(categories)))
    rt = bootstrap.open_runtime(data_dir)
    counts: Counter[str] = Counter()
    started = time.perf_counter()
    try:
        for start in range(0, size, BATCH):
            with rt.db.write() as conn:
                for doc in documents[start : start + BATCH]:
                    cat = _key(doc.category)
                    page = rng.randrange(pages)
                    contexts = [f"{cat}.p{page}", f"/{cat}/{page}"]
                    if rng.random() < 0.02:
                        contexts.append(cat)
                    if rng.random() < 0.005:
                        contexts.append(f"/{cat}/")
                    if rng.random() < 0.02:
                        contexts.append(f"/{cat}/*/{rng.choice(ACTIONS)}")
                    counts.update(
                        "wildcard" if "*" in c else "path" if c.startswith("/") else "key"
                        for c in contexts
                    )
                    data = {
                        "title": doc.title,
                        "body": doc.text,
                        "summary": doc.summary,
                        "category": doc.category,
                        "tags": doc.tags,
                        "contexts": contexts,
                        "slug": doc.slug,
                        "locale": "en",
                        "status": "published",
                    }
                    rt.articles.insert(conn, app_id, data, "bench")
        imported = time.perf_counter() - started
        with rt.db.write() as conn:
            ids = [int(r[0]) for r in conn.execute("SELECT id FROM articles ORDER BY id")]
            ranks = list(range(len(ids)))
            rng.shuffle(ranks)
            history = []
            for article_id, rank in zip(ids, ranks, strict=True):
                views = int(5000 / (1 + rank) ** 0.9)
                yes = int(views * rng.uniform(0, 0.05))
                no = int(views * rng.uniform(0, 0.02))
                history.append((views, yes, no, article_id))
            conn.executemany(
                "UPDATE articles SET views = ?, helpful_yes = ?, helpful_no = ? WHERE id = ?",
                history,
            )
            rows = conn.execute(
                "SELECT id, revision, slug, title, category FROM articles"
                " WHERE status = 'published'"
            ).fetchall()
            through = search_outbox.outbox_max_id(conn)
            # Each article.published event of the import queued a fan-out job; with no webhook
            # endpoint, notification or mail to send they do nothing, but the job worker
            # beside ``serve`` would spend a core on them (a commit each, ~30 a second) all
            # through the measurement. Done, as they would be some minutes after an import.
            assert conn.execute("SELECT count(*) FROM webhook_endpoints").fetchone()[0] == 0
            skipped = conn.execute(
                "UPDATE jobs SET state = 'done', updated_at = ? WHERE kind = 'fanout'"
                " AND state = 'pending'",
                (clock.iso(),),
            ).rowcount
        started = time.perf_counter()
        if full_index:
            rt.indexer.rebuild()
        else:
            rt.index.rebuild(
                IndexDocument(
                    article_id=r["id"],
                    revision=r["revision"],
                    app_id=app_id,
                    slug=r["slug"],
                    locale="en",
                    title=r["title"],
                    summary="",
                    category=r["category"],
                )
                for r in rows
            )
        with rt.db.write() as conn:
            search_outbox.outbox_delete_through(conn, through)
        indexed = time.perf_counter() - started
    finally:
        rt.index.close()
        rt.db.close()
    return {
        "creds": creds,
        "categories": [_key(c) for c in categories],
        "pages": pages,
        "made": {
            "articles": size,
            "categories": len(categories),
            "pages_per_category": pages,
            "contexts": dict(sorted(counts.items())),
            "fanout_jobs_marked_done": skipped,
            "generate_s": round(generated, 1),
            "import_s": round(imported, 1),
            "index_s": round(indexed, 1),
        },
    }


def request_mix(
    categories: Sequence[str], pages: int, count: int, seed: int = 7
) -> list[dict[str, Any]]:
    """What the widget sends when it opens on ``count`` pages of the product (seeded): two in
    three with the page's context key (a child of the articles' key), the rest without one,
    as a site that sets none (the URL alone)."""
    rng = random.Random(seed)
    mix = []
    for n in range(count):
        cat, page, action = rng.choice(categories), rng.randrange(pages), rng.choice(ACTIONS)
        mix.append(
            {
                "context": f"{cat}.p{page}.{action}" if n % 3 else None,
                "url": f"https://app.example.com/{cat}/{page}/{action}?tab=plan",
                "locale": LOCALE,
                "limit": LIMIT,
            }
        )
    return mix


def inprocess(
    data_dir: Path, app_id: str, mix: Sequence[dict[str, Any]], count: int
) -> dict[str, Any]:
    """New and old suggestions, alternated request by request on one database."""
    from support_server import bootstrap
    from support_server.services.locales import locale_chain
    from support_server.store import published_articles

    rt = bootstrap.open_runtime(data_dir)
    times: dict[str, list[float]] = {"after": [], "before": [], "popular_after": [],
                                     "popular_before": []}  # fmt: skip
    mismatches = 0
    try:
        for n in range(count + 2):  # the first two warm the caches, untimed
            params = mix[n % len(mix)]
            begin = time.perf_counter()
            new = rt.articles.suggestions(app_id, **params)
            after = time.perf_counter() - begin
            with rt.db.read() as conn:
                begin = time.perf_counter()
                old = suggestions_before.suggestions(conn, app_id, **params)
                before = time.perf_counter() - begin
                locales = locale_chain(params["locale"])
                begin = time.perf_counter()
                published_articles.popular(conn, app_id, locales, LIMIT * 3)
                popular_after = time.perf_counter() - begin
                begin = time.perf_counter()
                suggestions_before.popular(conn, app_id, locales, LIMIT * 3)
                popular_before = time.perf_counter() - begin
            if n < 2:
                continue
            mismatches += new != old
            times["after"].append(after * 1000)
            times["before"].append(before * 1000)
            times["popular_after"].append(popular_after * 1000)
            times["popular_before"].append(popular_before * 1000)
        with rt.db.read() as conn:
            try:
                plan = [
                    str(r[3])
                    for r in conn.execute(
                        "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE app_id = ?"
                        " AND status = 'published' AND locale = ? ORDER BY popularity DESC, id"
                        " LIMIT 15",
                        (app_id, "en"),
                    )
                ]
            except sqlite3.OperationalError as exc:  # the code before 0018, run for a baseline
                plan = [str(exc)]
    finally:
        rt.index.close()
        rt.db.close()
    out: dict[str, Any] = {"requests": count, "mismatches": mismatches, "popular_plan": plan}
    for name, values in times.items():
        out[name] = {"p50_ms": pct(values, 0.5), "p99_ms": pct(values, 0.99)}
    out["speedup_p50"] = round(out["before"]["p50_ms"] / max(out["after"]["p50_ms"], 1e-6), 1)
    return out


def _query(params: dict[str, Any]) -> str:
    return urlencode({k: v for k, v in params.items() if v is not None})


def over_http(
    data_dir: Path, app_id: str, mix: Sequence[dict[str, Any]], args: argparse.Namespace
) -> dict[str, Any]:
    """Suggestions against the hello app, alternated (``http_load.alternate``)."""
    with (
        HelloProcess(data_dir.parent / "hello.log") as hello,
        ServerProcess(data_dir, mode="serve", workers=WORKERS) as server,
    ):
        hello_load = Load(hello.port, [Request("GET", "/hello")])
        suggestion_load = Load(
            server.port,
            [
                Request("GET", f"/api/v1/help/suggestions?{_query(p)}", {"X-Support-App": app_id})
                for p in mix
            ],
        )
        status, body = one(server.port, suggestion_load.requests[0])
        if status != 200:
            raise RuntimeError(f"suggestions answered {status}: {body[:500]!r}")
        pair = Pair("suggestions", suggestion_load, hello_load)
        alternate([pair], rounds=1, requests=args.warmup, clients=args.clients, client=args.client)
        return alternate(
            [pair],
            rounds=args.rounds,
            requests=args.requests,
            clients=args.clients,
            client=args.client,
            say=_say,
        )


# -- the run ----------------------------------------------------------------------------------
def run_size(size: int, args: argparse.Namespace, work: Path) -> dict[str, Any]:
    data_dir = work / f"data-{size}"
    _say(f"{size} articles: generating and importing ...")
    made = build(data_dir, size)
    app_id = made["creds"]["app_id"]
    mix = request_mix(made["categories"], made["pages"], 500)
    _say(f"  made in {made['made']['generate_s']} + {made['made']['import_s']} s; in-process ...")
    count = args.inprocess if size <= 10_000 else max(20, args.inprocess // 5)
    local = inprocess(data_dir, app_id, mix, count)
    _say(
        f"  in-process p50 {local['before']['p50_ms']} ms before, {local['after']['p50_ms']} ms"
        f" after ({local['mismatches']} answers differ); over HTTP ..."
    )
    http = over_http(data_dir, app_id, mix, args)
    return {"articles": size, "made": made["made"], "inprocess": local, "http": http}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,50000", help="comma-separated")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--requests", type=int, default=2000, help="a scenario, each round")
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument(
        "--client",
        choices=sorted(CLIENTS),
        default="requests",
        help="requests: a requests.Session a thread, as the other benchmarks (the default);"
        " raw: a hand-written HTTP/1.1 client, a few microseconds a request",
    )
    parser.add_argument("--inprocess", type=int, default=200, help="requests, old and new")
    parser.add_argument("--quick", action="store_true", help="a small run, for the test suite")
    parser.add_argument("--out", type=Path, default=RESULTS / "suggestions.json")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.requests, args.warmup, args.inprocess = "1000", 200, 50, 20
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    report: dict[str, Any] = {
        "environment": environment(),
        "setup": {
            "server": f"support-server serve --workers {WORKERS} (gunicorn, buffering gthread,"
            f" {THREADS} threads), rate limits off",
            "baseline": "bare Flask GET /hello under the same gunicorn settings and worker",
            "clients": args.clients,
            "client": args.client,
            "requests": args.requests,
            "warmup": args.warmup,
            "rounds": args.rounds,
            "request": "context=<cat>.p<n>.edit, url=https://app.example.com/<cat>/<n>/settings"
            f"?tab=…, locale={LOCALE}, limit={LIMIT}",
        },
        "sizes": [],
    }
    with tempfile.TemporaryDirectory(prefix="suggestions-bench-") as tmp:
        for size in sizes:
            report["sizes"].append(run_size(size, args, Path(tmp)))
    report["environment"]["loadavg_at_end"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(
        f"suggestions over HTTP (median of {args.rounds} rounds, {args.clients} clients) and"
        " in-process (p50, before -> after):"
    )
    header = (
        f"{'articles':>8} {'hello req/s':>12} {'sugg. req/s':>12} {'ratio':>6} {'p50 ms':>7}"
        f" {'p99 ms':>7} {'in-process p50 ms':>20} {'popular query p50 ms':>22}"
    )
    print(header)
    for s in report["sizes"]:
        h, loc = s["http"]["suggestions"], s["inprocess"]
        whole = f"{loc['before']['p50_ms']} -> {loc['after']['p50_ms']}"
        popular = f"{loc['popular_before']['p50_ms']} -> {loc['popular_after']['p50_ms']}"
        print(
            f"{s['articles']:>8} {h['baseline']['rps']:>12} {h['ours']['rps']:>12}"
            f" {h['ratio']['median']:>6} {h['ours']['p50_ms']:>7}"
            f" {h['ours']['p99_ms']:>7} {whole:>20} {popular:>22}"
        )
    env = report["environment"]
    print(f"load average: {env['loadavg_at_start']} at start, {env['loadavg_at_end']} at end")
    print(f"wrote {args.out}")
    bad = sum(s["inprocess"]["mismatches"] for s in report["sizes"])
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
