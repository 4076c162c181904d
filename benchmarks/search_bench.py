"""Search: our Whoosh index against a SQLite FTS5 baseline, same documents, same queries.

For each corpus (the sample help center, a generated 10,000-article help center) it

* builds our ``WhooshIndex`` (timed) and an FTS5 table (timed) in this process;
* runs the seeded query set (:func:`corpus.make_queries`) on both after one warm-up pass and
  reports p50/p95/p99 latency: ours with the result cache disabled (``cache_size=0``, the
  honest comparison) and with the default per-generation cache (repeated queries only);
* measures typo recall: the share of typo queries whose intended article ranks in the top 3,
  next to the same queries spelled right (the ceiling).

The FTS5 baseline is what one would write by hand: porter stemming, bm25 with the same column
weights as ours (title 3, summary 1.5, tags 2, content 1), ``snippet()`` highlighting with the
same ``<mark>`` HTML, all words required then any word if nothing matched (as ours does), and
the last word as a prefix (``"word"*``) while it is still being typed.

    .venv/bin/python benchmarks/search_bench.py [--docs 10000] [--rounds 3] [--profile] [--out F]

Prints a table and writes ``benchmarks/results/search.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import json
import os
import platform
import pstats
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from corpus import APP_ID, Query, generated_help_center, make_queries, sample_help_center

from support_server.search import WhooshIndex
from support_server.search.base import IndexDocument
from support_server.search.query import parse

RESULTS = Path(__file__).resolve().parent / "results"
LIMIT = 10
TITLE_W, SUMMARY_W, TAGS_W, CONTENT_W = 3.0, 1.5, 2.0, 1.0


# -- the baseline -----------------------------------------------------------------------------
class Fts5Index:
    """A hand-written SQLite FTS5 help-center search, as a baseline."""

    COLUMNS = ("slug", "app_id", "locale", "category", "title", "summary", "tags", "content")

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(path, check_same_thread=False)
        self.db.execute(
            "CREATE VIRTUAL TABLE docs USING fts5("
            "slug UNINDEXED, app_id UNINDEXED, locale UNINDEXED, category UNINDEXED, "
            "title, summary, tags, content, "
            "tokenize = 'porter unicode61 remove_diacritics 2', prefix = '2 3')"
        )
        weights = ", ".join(["0"] * 4 + [str(w) for w in (TITLE_W, SUMMARY_W, TAGS_W, CONTENT_W)])
        self._where = "docs MATCH ? AND app_id = ? AND locale = ?"
        self._page_sql = (
            "SELECT slug, title, category, "
            "snippet(docs, 7, char(2), char(3), ' … ', 24), "
            f"bm25(docs, {weights}) AS score "
            f"FROM docs WHERE {self._where} ORDER BY score LIMIT ? OFFSET ?"
        )
        self._count_sql = f"SELECT count(*) FROM docs WHERE {self._where}"

    def rebuild(self, documents: Sequence[IndexDocument]) -> None:
        with self.db:
            self.db.execute("DELETE FROM docs")
            self.db.executemany(
                "INSERT INTO docs VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    (d.slug, d.app_id, d.locale, d.category, d.title, d.summary, tags, d.text)
                    for d in documents
                    for tags in [", ".join(d.tags)]
                ),
            )
            self.db.execute("INSERT INTO docs(docs) VALUES ('optimize')")

    @staticmethod
    def match_expressions(text: str) -> list[str]:
        """All words, then any word; the last one a prefix while it is being typed."""
        parsed = parse(text)
        terms = ['"' + w.replace('"', '""') + '"' for w in parsed.words]
        if not terms:
            return []
        if parsed.partial_last:
            terms[-1] += "*"
        expressions = [" ".join(terms)]
        if len(terms) > 1:
            expressions.append(" OR ".join(terms))
        return expressions

    def search(self, app_id: str, text: str, *, locale: str, page: int = 1, limit: int = LIMIT):
        for expression in self.match_expressions(text):
            args = (expression, app_id, locale)
            total = self.db.execute(self._count_sql, args).fetchone()[0]
            if total:
                rows = self.db.execute(self._page_sql, (*args, limit, (page - 1) * limit))
                hits = [
                    {
                        "slug": slug,
                        "title": title,
                        "category": category,
                        "snippet": html.escape(snippet, quote=False)
                        .replace("\x02", "<mark>")
                        .replace("\x03", "</mark>"),
                        "score": -score,
                    }
                    for slug, title, category, snippet, score in rows
                ]
                return hits, total
        return [], 0


# -- measuring --------------------------------------------------------------------------------
def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "p50": round(pick(0.50), 3),
        "p95": round(pick(0.95), 3),
        "p99": round(pick(0.99), 3),
        "mean": round(statistics.fmean(ordered), 3),
        "n": len(ordered),
    }


def timed_runs(
    run: Callable[[str], Any], queries: Sequence[Query], rounds: int
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """One warm-up pass, then ``rounds`` timed passes: overall and per query kind (ms)."""
    for q in queries:
        run(q.text)
    overall: list[float] = []
    by_kind: dict[str, list[float]] = {}
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            run(q.text)
            elapsed = (time.perf_counter() - start) * 1000
            overall.append(elapsed)
            by_kind.setdefault(q.kind, []).append(elapsed)
    return percentiles(overall), {k: percentiles(v) for k, v in by_kind.items()}


def recall(top3: Callable[[str], list[str]], queries: Sequence[Query]) -> dict[str, Any]:
    typos = [q for q in queries if q.kind == "typo"]
    typo_hits = sum(bool(set(top3(q.text)) & q.expected) for q in typos)
    meant_hits = sum(bool(set(top3(q.intended)) & q.expected) for q in typos)
    missed = [q.text for q in typos if not set(top3(q.text)) & q.expected]
    return {
        "typo_queries": len(typos),
        "typo_top3": round(typo_hits / len(typos), 3),
        "spelled_right_top3": round(meant_hits / len(typos), 3),
        "missed_examples": missed[:8],
    }


def zero_rate(count: Callable[[str], int], queries: Sequence[Query]) -> float:
    zero = [q for q in queries if q.kind == "zero"]
    return round(sum(count(q.text) == 0 for q in zero) / len(zero), 3)


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def bench_corpus(
    name: str, documents: list[IndexDocument], workdir: Path, rounds: int, profile: bool
) -> dict[str, Any]:
    queries = make_queries(documents)
    english = sum(d.locale == "en" for d in documents)
    print(
        f"\n== {name}: {len(documents)} articles ({english} en), {len(queries)} queries", flush=True
    )

    root = workdir / f"whoosh-{name}"
    start = time.perf_counter()
    WhooshIndex(root).rebuild(documents)
    whoosh_build = time.perf_counter() - start
    print(f"   ours: built in {whoosh_build:.2f} s", flush=True)

    fts_path = workdir / f"fts5-{name}.sqlite3"
    fts = Fts5Index(fts_path)
    start = time.perf_counter()
    fts.rebuild(documents)
    fts_build = time.perf_counter() - start
    print(f"   FTS5: built in {fts_build:.2f} s", flush=True)

    cold = WhooshIndex(root, cache_size=0)
    cached = WhooshIndex(root)  # the default per-generation result cache

    def ours(index: WhooshIndex) -> Callable[[str], Any]:
        return lambda text: index.search(APP_ID, text, locale="en", limit=LIMIT)

    def baseline(text: str) -> Any:
        return fts.search(APP_ID, text, locale="en", limit=LIMIT)

    # The first query in a fresh process opens the index and builds the spelling table.
    start = time.perf_counter()
    cold.search(APP_ID, "refund", locale="en", limit=LIMIT)
    first_query_ms = (time.perf_counter() - start) * 1000

    results: dict[str, Any] = {
        "articles": len(documents),
        "english_articles": english,
        "queries": len(queries),
        "query_kinds": {
            k: sum(q.kind == k for q in queries) for k in sorted({q.kind for q in queries})
        },
        "build_seconds": {"ours": round(whoosh_build, 2), "fts5": round(fts_build, 2)},
        "index_bytes": {"ours": directory_size(root), "fts5": fts_path.stat().st_size},
        "ours_first_query_ms": round(first_query_ms, 1),
        "latency_ms": {},
        "latency_by_kind_ms": {},
    }
    for label, run in (
        ("ours_no_cache", ours(cold)),
        ("fts5", baseline),
        ("ours_result_cache", ours(cached)),
    ):
        overall, by_kind = timed_runs(run, queries, rounds)
        results["latency_ms"][label] = overall
        results["latency_by_kind_ms"][label] = by_kind
        print(f"   {label:18} p50 {overall['p50']:8.3f}  p95 {overall['p95']:8.3f}  "
              f"p99 {overall['p99']:8.3f} ms", flush=True)  # fmt: skip
    lat = results["latency_ms"]
    results["ratio_ours_no_cache_over_fts5"] = {
        p: round(lat["ours_no_cache"][p] / lat["fts5"][p], 1) for p in ("p50", "p95", "p99")
    }
    results["typo_recall"] = {
        "ours": recall(lambda t: [h.slug for h in ours(cold)(t).hits[:3]], queries),
        "fts5": recall(lambda t: [h["slug"] for h in baseline(t)[0][:3]], queries),
    }
    results["zero_result_share_of_nonsense_queries"] = {
        "ours": zero_rate(lambda t: ours(cold)(t).total, queries),
        "fts5": zero_rate(lambda t: baseline(t)[1], queries),
    }
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        for q in queries:
            cold.search(APP_ID, q.text, locale="en", limit=LIMIT)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
        print(out.getvalue())
    fts.db.close()
    return results


# -- reporting --------------------------------------------------------------------------------
def environment() -> dict[str, Any]:
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "whoosh": metadata.version("whoosh3"),
    }


def print_table(report: dict[str, Any]) -> None:
    print("\nSearch latency, ms (top 10 with snippets; one thread; after one warm-up pass)")
    header = f"{'corpus':<12} {'engine':<30} {'p50':>8} {'p95':>8} {'p99':>8}"
    print(header)
    print("-" * len(header))
    labels = {
        "ours_no_cache": "ours, cache off (cold)",
        "fts5": "SQLite FTS5 baseline",
        "ours_result_cache": "ours, result cache (repeats)",
    }
    for name, r in report["corpora"].items():
        for key, label in labels.items():
            lat = r["latency_ms"][key]
            print(
                f"{name:<12} {label:<30} {lat['p50']:>8.3f} {lat['p95']:>8.3f} {lat['p99']:>8.3f}"
            )
        ratio = r["ratio_ours_no_cache_over_fts5"]
        print(f"{name:<12} {'ratio ours(cold) / FTS5':<30} {ratio['p50']:>7}x {ratio['p95']:>7}x "
              f"{ratio['p99']:>7}x")  # fmt: skip
    print("\nBuild, recall and nonsense queries")
    header = (
        f"{'corpus':<12} {'build s ours/FTS5':>18} {'typo top-3 ours/FTS5':>22} "
        f"{'spelled right ours/FTS5':>25} {'0-result ours/FTS5':>20}"
    )
    print(header)
    print("-" * len(header))
    for name, r in report["corpora"].items():
        b, t, z = r["build_seconds"], r["typo_recall"], r["zero_result_share_of_nonsense_queries"]
        print(
            f"{name:<12} {b['ours']:>8} / {b['fts5']:<7} "
            f"{t['ours']['typo_top3']:>11.0%} / {t['fts5']['typo_top3']:<8.0%} "
            f"{t['ours']['spelled_right_top3']:>13.0%} / {t['fts5']['spelled_right_top3']:<9.0%} "
            f"{z['ours']:>9.0%} / {z['fts5']:<8.0%}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--docs", type=int, default=10_000, help="generated corpus size")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the queries")
    parser.add_argument("--profile", action="store_true", help="cProfile our cold searches")
    parser.add_argument("--out", type=Path, default=RESULTS / "search.json", help="JSON report")
    args = parser.parse_args(argv)

    report: dict[str, Any] = {"environment": environment(), "limit": LIMIT, "corpora": {}}
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        workdir = Path(tmp)
        report["corpora"]["sample"] = bench_corpus(
            "sample", sample_help_center(), workdir, args.rounds * 5, args.profile
        )
        start = time.perf_counter()
        generated = generated_help_center(args.docs)
        print(f"\n(generated {len(generated)} articles in {time.perf_counter() - start:.1f} s)")
        label = f"gen-{args.docs // 1000}k" if args.docs >= 1000 else f"gen-{args.docs}"
        report["corpora"][label] = bench_corpus(
            label, generated, workdir, args.rounds, args.profile
        )
    print_table(report)
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
