"""Search at 10,000 and 50,000 articles (issue 18): our Whoosh index against a SQLite FTS5
baseline, same documents, same queries, timed side by side in one run.

Issue 18 asks, at 10k and at 50k articles: search p50 at most 2x FTS5's and p99 at most 3x,
prefix queries included; today's relevance kept (typo recall and result quality, measured in
the same run); and p99 growing no faster than FTS5's with the corpus size. So for the sample
help center (a first, small corpus) and then a generated help center of each ``--sizes``
(10,000 and 50,000 articles: :func:`corpus.generated_help_center`), this

* builds our ``WhooshIndex`` (timed) and an FTS5 table (timed) in this process;
* times the seeded query set (:func:`corpus.make_queries`: ~200 queries of five kinds, word,
  multi, prefix, typo and zero) **interleaved**: after one warm-up pass on both engines, each
  of ``--rounds`` (3) rounds goes through the queries in a shuffled (seeded) order and runs
  each one on ours (result cache off, ``cache_size=0``: every query does the work) and on
  FTS5 back to back, alternating which of the two goes first, so that both see the same
  moment of the machine's load. The sample's queries take about a millisecond, so there each
  round goes through them 5 times. Per round: p50/p95/p99 of each engine, overall and per
  query kind (with ~40 queries of a kind, a kind's p99 is its slowest query), and the ratio
  ours / FTS5 of each figure. Reported: the median of the rounds for every figure, and for
  each ratio the median of the rounds' ratios with their spread (min, max);
* times ours with the default per-generation result cache by itself, not interleaved (it
  answers repeated queries only: what a cache hit costs);
* measures relevance on both engines, from one more pass: typo recall (the share of typo
  queries whose intended article ranks in the top 3, next to the same queries spelled right,
  the ceiling); hit@3 and MRR@10 of the other queries with known answers: the typo queries
  spelled right (their ``expected`` articles) and the word, multi and prefix queries (the
  articles whose title holds every content word of the query, as stems, as ``corpus``
  decides ``expected``; a prefix query's cut last word as the start of a title word); and
  the share of the nonsense queries that find nothing;
* records the load average (1, 5 and 15 minutes) at the start and the end of each corpus,
  and its 1-minute figure after each round.

Then, between the smallest and the largest generated size, the growth exponent of each
engine's median p50 and p99 (overall and per kind): log(p_big / p_small) / log(n_big /
n_small), 0 for a figure that stays flat and 1 for one that grows like the corpus; and how the
figures stand against issue 18's targets.

The FTS5 baseline is what one would write by hand: porter stemming, bm25 with the same column
weights as ours (title 3, summary 1.5, tags 2, content 1), ``snippet()`` highlighting with the
same ``<mark>`` HTML, all words required then any word if nothing matched (as ours does), and
the last word as a prefix (``"word"*``) while it is still being typed.

    .venv/bin/python benchmarks/search_bench.py [--sizes 10000,50000] [--rounds 3] [--quick]
        [--profile] [--out FILE]

``--quick`` is a small run for the test suite (1,000 articles, no sample corpus, 1 round;
``--sizes`` and ``--rounds`` still apply when given). Nothing is asserted about time.
``--profile`` prints a cProfile of one pass of our cold searches on each corpus. ``--docs N``
is the former single-size option (``--sizes N``). Prints a table and writes
``benchmarks/results/search.json``.
"""

from __future__ import annotations

import argparse
import cProfile
import html
import io
import json
import math
import os
import platform
import pstats
import random
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from corpus import (
    APP_ID,
    STOP,
    Query,
    generated_help_center,
    make_queries,
    sample_help_center,
    words,
)
from whoosh.lang.porter import stem

from support_server.search import WhooshIndex
from support_server.search.base import IndexDocument
from support_server.search.query import parse

RESULTS = Path(__file__).resolve().parent / "results"
LIMIT = 10
TITLE_W, SUMMARY_W, TAGS_W, CONTENT_W = 3.0, 1.5, 2.0, 1.0
ENGINES = ("ours", "fts5")
KINDS = ("word", "multi", "prefix", "typo", "zero")
PERCENTILES = ("p50", "p95", "p99")
SAMPLE_PASSES = 5  # passes over the sample's queries in each round (they take ~1 ms)
SEED = 18


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
Run = Callable[[str], Any]


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    """Nearest-rank percentiles of ``samples`` (ms)."""
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "p50": round(pick(0.50), 4),
        "p95": round(pick(0.95), 4),
        "p99": round(pick(0.99), 4),
        "mean": round(statistics.fmean(ordered), 4),
        "n": len(ordered),
    }


def spread(values: Sequence[float]) -> dict[str, Any]:
    """A ratio over the rounds: their median and spread, and each round's."""
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
        "rounds": [round(v, 2) for v in values],
    }


def interleaved_rounds(
    engines: Mapping[str, Run], queries: Sequence[Query], rounds: int, passes: int
) -> list[dict[str, Any]]:
    """One warm-up pass on every engine, then ``rounds`` rounds: each goes through the queries
    ``passes`` times in a shuffled (seeded) order and runs each query on every engine back to
    back, the first one alternating from query to query. Returns each round's percentiles
    per engine, overall (``all``) and per query kind, and the 1-minute load average after it."""
    for q in queries:
        for run in engines.values():
            run(q.text)
    names = list(engines)
    rng = random.Random(SEED)
    done = []
    for number in range(rounds):
        order = [q for _ in range(passes) for q in queries]
        rng.shuffle(order)
        samples: dict[str, dict[str, list[float]]] = {name: {"all": []} for name in names}
        for i, q in enumerate(order):
            turn = names if (i + number) % 2 == 0 else names[::-1]
            for name in turn:
                run = engines[name]
                start = time.perf_counter()
                run(q.text)
                elapsed = (time.perf_counter() - start) * 1000
                samples[name]["all"].append(elapsed)
                samples[name].setdefault(q.kind, []).append(elapsed)
        this: dict[str, Any] = {
            name: {kind: percentiles(values) for kind, values in samples[name].items()}
            for name in names
        }
        this["load_average_1m"] = round(os.getloadavg()[0], 2)
        done.append(this)
    return done


def summarise(rounds: Sequence[Mapping[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The median over the rounds of each engine's figures, and the ratio ours / FTS5 of each
    round's figure (its median, min and max)."""
    kinds = list(rounds[0]["ours"])
    latency = {
        engine: {
            kind: {
                p: round(statistics.median(r[engine][kind][p] for r in rounds), 4)
                for p in (*PERCENTILES, "mean")
            }
            | {"n_per_round": rounds[0][engine][kind]["n"]}
            for kind in kinds
        }
        for engine in ENGINES
    }
    ratios = {
        kind: {
            p: spread([r["ours"][kind][p] / max(r["fts5"][kind][p], 1e-6) for r in rounds])
            for p in PERCENTILES
        }
        for kind in kinds
    }
    return latency, ratios


def timed_passes(run: Run, queries: Sequence[Query], rounds: int) -> dict[str, float]:
    """One warm-up pass, then ``rounds`` timed passes, pooled (ms)."""
    for q in queries:
        run(q.text)
    elapsed = []
    for _ in range(rounds):
        for q in queries:
            start = time.perf_counter()
            run(q.text)
            elapsed.append((time.perf_counter() - start) * 1000)
    return percentiles(elapsed)


# -- relevance --------------------------------------------------------------------------------
# make_queries' complaint frame ("... not working"); its other frame words ("how do i") are
# in corpus.STOP.
FRAME = frozenset({"working"})


class TitleAnswers:
    """Which English articles a query's words name in their title (as ``corpus`` decides a
    typo query's ``expected`` articles): every content word, compared as stems, and for a
    prefix query the cut last word as the start of a title word."""

    def __init__(self, documents: Sequence[IndexDocument]) -> None:
        self.by_stem: dict[str, set[str]] = {}
        self.by_word: dict[str, set[str]] = {}
        for d in documents:
            if d.locale != "en":
                continue
            for w in words(d.title):
                self.by_word.setdefault(w, set()).add(d.slug)
                self.by_stem.setdefault(stem(w), set()).add(d.slug)

    def holding(self, content: Iterable[str], prefix: str = "") -> frozenset[str]:
        wanted = [self.by_stem.get(stem(w), set()) for w in content]
        if prefix:
            wanted.append(
                {s for w, slugs in self.by_word.items() if w.startswith(prefix) for s in slugs}
            )
        return frozenset(set.intersection(*wanted)) if wanted else frozenset()

    def expected(self, q: Query) -> frozenset[str]:
        typed = words(q.text)
        if q.kind == "prefix" and typed:
            return self.holding([w for w in typed[:-1] if w not in STOP], typed[-1])
        if q.kind in ("word", "multi"):
            return self.holding(w for w in typed if w not in STOP and w not in FRAME)
        return frozenset()


def relevance_sets(
    documents: Sequence[IndexDocument], queries: Sequence[Query]
) -> dict[str, list[tuple[str, frozenset[str]]]]:
    """The queries with known answers, by set: word, multi, prefix (their answers from the
    titles), the typo queries spelled right and as typed (their ``expected``)."""
    titles = TitleAnswers(documents)
    sets: dict[str, list[tuple[str, frozenset[str]]]] = {}
    for kind in ("word", "multi", "prefix"):
        pairs = [(q.text, titles.expected(q)) for q in queries if q.kind == kind]
        sets[kind] = [(text, expected) for text, expected in pairs if expected]
    typos = [q for q in queries if q.kind == "typo" and q.expected]
    sets["spelled_right"] = [(q.intended, q.expected) for q in typos]
    sets["typo"] = [(q.text, q.expected) for q in typos]
    return sets


def ranking_quality(
    ranked: Mapping[str, list[str]], pairs: Sequence[tuple[str, frozenset[str]]]
) -> dict[str, Any]:
    """hit@3 (an expected article in the top 3) and MRR@10 (1 / the rank of the first one in
    the top 10, 0 if none) over ``pairs`` of query and expected articles."""
    if not pairs:
        return {"queries": 0, "hit_at_3": None, "mrr_at_10": None}
    hits, reciprocal = 0, 0.0
    for text, expected in pairs:
        slugs = ranked[text]
        hits += bool(set(slugs[:3]) & expected)
        rank = next((i for i, slug in enumerate(slugs[:LIMIT], 1) if slug in expected), 0)
        reciprocal += 1 / rank if rank else 0.0
    return {
        "queries": len(pairs),
        "hit_at_3": round(hits / len(pairs), 3),
        "mrr_at_10": round(reciprocal / len(pairs), 3),
    }


def relevance(
    ranked: Mapping[str, list[str]], sets: Mapping[str, Sequence[tuple[str, frozenset[str]]]]
) -> dict[str, Any]:
    figures = {name: ranking_quality(ranked, pairs) for name, pairs in sets.items()}
    pooled = [p for name in ("word", "multi", "prefix", "spelled_right") for p in sets[name]]
    figures["all_but_typos"] = ranking_quality(ranked, pooled)
    return figures


def typo_recall(ranked: Mapping[str, list[str]], queries: Sequence[Query]) -> dict[str, Any]:
    typos = [q for q in queries if q.kind == "typo"]
    typo_hits = sum(bool(set(ranked[q.text][:3]) & q.expected) for q in typos)
    meant_hits = sum(bool(set(ranked[q.intended][:3]) & q.expected) for q in typos)
    missed = [q.text for q in typos if not set(ranked[q.text][:3]) & q.expected]
    return {
        "typo_queries": len(typos),
        "typo_top3": round(typo_hits / len(typos), 3),
        "spelled_right_top3": round(meant_hits / len(typos), 3),
        "missed_examples": missed[:8],
    }


def zero_rate(totals: Mapping[str, int], queries: Sequence[Query]) -> float:
    zero = [q for q in queries if q.kind == "zero"]
    return round(sum(totals[q.text] == 0 for q in zero) / len(zero), 3)


# -- one corpus -------------------------------------------------------------------------------
def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def bench_corpus(
    name: str,
    documents: list[IndexDocument],
    workdir: Path,
    rounds: int,
    passes: int,
    profile: bool,
) -> dict[str, Any]:
    load_at_start = load_average()
    queries = make_queries(documents)
    english = sum(d.locale == "en" for d in documents)
    print(
        f"\n== {name}: {len(documents)} articles ({english} en), {len(queries)} queries, "
        f"load average {load_at_start[0]}",
        flush=True,
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

    def ours(index: WhooshIndex) -> Run:
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
        "query_kinds": {k: sum(q.kind == k for q in queries) for k in KINDS},
        "rounds": rounds,
        "passes_per_round": passes,
        "build_seconds": {"ours": round(whoosh_build, 2), "fts5": round(fts_build, 2)},
        "index_bytes": {"ours": directory_size(root), "fts5": fts_path.stat().st_size},
        "ours_first_query_ms": round(first_query_ms, 1),
    }

    done = interleaved_rounds({"ours": ours(cold), "fts5": baseline}, queries, rounds, passes)
    latency, ratios = summarise(done)
    results["latency_ms"] = latency
    results["ratio_ours_over_fts5"] = ratios
    results["rounds_ms"] = done
    for number, r in enumerate(done, 1):
        print(
            f"   round {number}: ours p50 {r['ours']['all']['p50']:.3f} p99 "
            f"{r['ours']['all']['p99']:.3f}, FTS5 p50 {r['fts5']['all']['p50']:.3f} p99 "
            f"{r['fts5']['all']['p99']:.3f} ms (load {r['load_average_1m']})",
            flush=True,
        )
    results["result_cache_ms"] = timed_passes(ours(cached), queries, rounds * passes)

    texts = list(dict.fromkeys([q.text for q in queries] + [q.intended for q in queries]))
    texts = [t for t in texts if t]
    ours_pages = {t: ours(cold)(t) for t in texts}
    fts_pages = {t: baseline(t) for t in texts}
    ranked = {
        "ours": {t: [h.slug for h in page.hits] for t, page in ours_pages.items()},
        "fts5": {t: [h["slug"] for h in hits] for t, (hits, _) in fts_pages.items()},
    }
    totals = {
        "ours": {t: page.total for t, page in ours_pages.items()},
        "fts5": {t: total for t, (_, total) in fts_pages.items()},
    }
    sets = relevance_sets(documents, queries)
    results["relevance"] = {engine: relevance(ranked[engine], sets) for engine in ENGINES}
    results["typo_recall"] = {engine: typo_recall(ranked[engine], queries) for engine in ENGINES}
    results["zero_result_share_of_nonsense_queries"] = {
        engine: zero_rate(totals[engine], queries) for engine in ENGINES
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
    results["load_average"] = {"start": load_at_start, "end": load_average()}
    cold.close()
    cached.close()
    fts.db.close()
    shutil.rmtree(root, ignore_errors=True)  # 50k articles take a few hundred MB
    fts_path.unlink()
    return results


def growth(small: Mapping[str, Any], big: Mapping[str, Any]) -> dict[str, Any]:
    """The exponent of each engine's median p50 and p99 in the corpus size, overall and per
    kind: log(p_big / p_small) / log(n_big / n_small)."""
    scale = math.log(big["articles"] / small["articles"])

    def exponent(engine: str, kind: str, p: str) -> float:
        before, after = small["latency_ms"][engine][kind][p], big["latency_ms"][engine][kind][p]
        return round(math.log(max(after, 1e-6) / max(before, 1e-6)) / scale, 2)

    return {
        "from_articles": small["articles"],
        "to_articles": big["articles"],
        "exponent": {
            engine: {
                kind: {p: exponent(engine, kind, p) for p in ("p50", "p99")}
                for kind in ("all", *KINDS)
            }
            for engine in ENGINES
        },
    }


def targets(report: Mapping[str, Any]) -> dict[str, Any]:
    """Issue 18's targets against the medians: per generated size, p50 ≤ 2x and p99 ≤ 3x FTS5
    (overall and for prefix queries); p99 growing no faster than FTS5's."""
    met: dict[str, Any] = {}
    for name in report["setup"]["generated"]:
        ratios = report["corpora"][name]["ratio_ours_over_fts5"]
        met[name] = {
            f"{kind}_{p}": {
                "ratio": ratios[kind][p]["median"],
                "limit": limit,
                "met": ratios[kind][p]["median"] <= limit,
            }
            for kind in ("all", "prefix")
            for p, limit in (("p50", 2.0), ("p99", 3.0))
        }
    if report.get("growth"):
        exp = report["growth"]["exponent"]
        met["p99_growth"] = {
            "ours": exp["ours"]["all"]["p99"],
            "fts5": exp["fts5"]["all"]["p99"],
            "met": exp["ours"]["all"]["p99"] <= exp["fts5"]["all"]["p99"],
        }
    return met


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


def _ratio(r: Mapping[str, float]) -> str:
    return f"{r['median']:.2f}x ({r['min']:.2f}-{r['max']:.2f})"


def _share(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _mrr(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(report: dict[str, Any]) -> None:
    rounds = report["setup"]["rounds"]
    print(
        f"\nSearch latency, ms (top 10 with snippets, one thread): median of {rounds} round(s); "
        "each query on ours (cache off)\nand FTS5 back to back; ratio ours / FTS5: median of "
        "the rounds' ratios (min-max)"
    )
    header = (
        f"{'corpus':<9} {'kind':<7} {'ours p50':>9} {'FTS5 p50':>9} {'p50 ratio':>23} "
        f"{'ours p99':>9} {'FTS5 p99':>9} {'p99 ratio':>23}"
    )
    print(header)
    print("-" * len(header))
    for name, r in report["corpora"].items():
        lat, ratio = r["latency_ms"], r["ratio_ours_over_fts5"]
        for kind in ("all", *KINDS):
            ours, fts = lat["ours"][kind], lat["fts5"][kind]
            print(
                f"{name:<9} {kind:<7} {ours['p50']:>9.3f} {fts['p50']:>9.3f} "
                f"{_ratio(ratio[kind]['p50']):>23} {ours['p99']:>9.3f} {fts['p99']:>9.3f} "
                f"{_ratio(ratio[kind]['p99']):>23}"
            )
    print("\nOurs with the result cache (repeated queries, not interleaved), build, load average")
    header = (
        f"{'corpus':<9} {'cache p50':>9} {'cache p99':>9} {'build s ours / FTS5':>20} "
        f"{'first query ms':>15} {'load avg start -> end (1, 5, 15 min)':>40}"
    )
    print(header)
    print("-" * len(header))
    for name, r in report["corpora"].items():
        c, b, load = r["result_cache_ms"], r["build_seconds"], r["load_average"]
        loads = f"{'/'.join(map(str, load['start']))} -> {'/'.join(map(str, load['end']))}"
        print(
            f"{name:<9} {c['p50']:>9.3f} {c['p99']:>9.3f} {b['ours']:>10} / {b['fts5']:<7} "
            f"{r['ours_first_query_ms']:>15} {loads:>40}"
        )
    g = report.get("growth")
    if g:
        print(
            f"\nGrowth with corpus size, {g['from_articles']} -> {g['to_articles']} articles: "
            "exponent of n (0 flat, 1 linear), from the medians"
        )
        header = f"{'kind':<7} {'ours p50':>9} {'FTS5 p50':>9} {'ours p99':>9} {'FTS5 p99':>9}"
        print(header)
        print("-" * len(header))
        exp = g["exponent"]
        for kind in ("all", *KINDS):
            o, f = exp["ours"][kind], exp["fts5"][kind]
            print(f"{kind:<7} {o['p50']:>9} {f['p50']:>9} {o['p99']:>9} {f['p99']:>9}")
    print("\nRelevance, ours / FTS5 (answers for word, multi, prefix: the titles holding them)")
    header = f"{'corpus':<9} {'set':<14} {'queries':>7} {'hit@3':>13} {'MRR@10':>15}"
    print(header)
    print("-" * len(header))
    for name, r in report["corpora"].items():
        rel = r["relevance"]
        for key in ("word", "multi", "prefix", "spelled_right", "all_but_typos", "typo"):
            o, f = rel["ours"][key], rel["fts5"][key]
            print(
                f"{name:<9} {key:<14} {o['queries']:>7} "
                f"{_share(o['hit_at_3']):>6} / {_share(f['hit_at_3']):<4} "
                f"{_mrr(o['mrr_at_10']):>7} / {_mrr(f['mrr_at_10'])}"
            )
        z = r["zero_result_share_of_nonsense_queries"]
        nonsense = r["query_kinds"]["zero"]
        print(f"{name:<9} {'0-result':<14} {nonsense:>7} {z['ours']:>6.0%} / {z['fts5']:.0%}")
    print("\nIssue 18 targets (medians): p50 <= 2x and p99 <= 3x FTS5; p99 growth <= FTS5's")
    for name, figures in report["targets"].items():
        if name == "p99_growth":
            verdict = "met" if figures["met"] else "NOT met"
            print(f"  p99 growth: ours {figures['ours']}, FTS5 {figures['fts5']}: {verdict}")
            continue
        parts = [
            f"{key} {f['ratio']}x{'' if f['met'] else ' (NOT met)'}" for key, f in figures.items()
        ]
        print(f"  {name}: " + ", ".join(parts))


def parse_sizes(text: str) -> list[int]:
    sizes = sorted({int(part) for part in text.split(",") if part.strip()})
    if not sizes or sizes[0] < 100:
        raise argparse.ArgumentTypeError("sizes are article counts of 100 or more")
    return sizes


def label(size: int) -> str:
    return f"gen-{size // 1000}k" if size >= 1000 and size % 1000 == 0 else f"gen-{size}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--sizes", type=parse_sizes, default=None, help="generated corpus sizes (10000,50000)"
    )
    parser.add_argument("--docs", type=parse_sizes, default=None, help="same as --sizes N")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (3)")
    parser.add_argument("--quick", action="store_true", help="a small run, for the test suite")
    parser.add_argument("--profile", action="store_true", help="cProfile our cold searches")
    parser.add_argument("--out", type=Path, default=RESULTS / "search.json", help="JSON report")
    args = parser.parse_args(argv)
    sizes = args.sizes or args.docs or ([1000] if args.quick else [10_000, 50_000])
    rounds = args.rounds or (1 if args.quick else 3)
    with_sample = not args.quick

    started = time.perf_counter()
    report: dict[str, Any] = {
        "environment": environment(),
        "setup": {
            "limit": LIMIT,
            "rounds": rounds,
            "sizes": sizes,
            "generated": [label(n) for n in sizes],
            "sample_corpus": with_sample,
            "quick": args.quick,
        },
        "corpora": {},
    }
    report["environment"]["load_average_at_start"] = load_average()
    with tempfile.TemporaryDirectory(prefix="search-bench-") as tmp:
        workdir = Path(tmp)
        if with_sample:
            report["corpora"]["sample"] = bench_corpus(
                "sample", sample_help_center(), workdir, rounds, SAMPLE_PASSES, args.profile
            )
        for size in sizes:
            start = time.perf_counter()
            generated = generated_help_center(size)
            print(f"\n(generated {len(generated)} articles in {time.perf_counter() - start:.1f} s)")
            report["corpora"][label(size)] = bench_corpus(
                label(size), generated, workdir, rounds, 1, args.profile
            )
            del generated
    if len(sizes) > 1:
        corpora = report["corpora"]
        report["growth"] = growth(corpora[label(sizes[0])], corpora[label(sizes[-1])])
    report["targets"] = targets(report)
    report["environment"]["load_average_at_end"] = load_average()
    report["environment"]["wall_seconds"] = round(time.perf_counter() - started, 1)
    print_table(report)
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"\nwrote {out} ({report['environment']['wall_seconds']} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
