"""Semantic search: lexical (our Whoosh index) against an offline embedding model and the two
fused, on queries worded differently from the articles they mean.

The corpus is the sample help center's English articles (``corpus.sample_help_center``). The
queries are in ``benchmarks/data/semantic_queries.json``: paraphrases that share few words with
the article they mean ("my bill is wrong", "can't get in") and keyword queries that lexical
search already answers ("reset password"), to show whether fusion breaks them. For each:

* **lexical**: ``WhooshIndex`` exactly as the server uses it, built in a temporary directory;
* **semantic**: cosine similarity between the query and each article (title, summary and tags),
  embedded with WordLlama's packaged ``l2_supercat`` 256-dimension weights (the
  ``support-sdk[semantic]`` candidate: weights inside the wheel, CPU only, no download);
* **fused**: ``support_server.search.semantic.SemanticIndex`` as the server runs it with
  ``SUPPORT_SEMANTIC_SEARCH`` on: reciprocal rank fusion (RRF, k = 60) of the lexical top 20
  and the articles whose cosine is at least the floor (0.2), swept from 0 to 0.3 against the
  share of unanswerable queries (``nonsense``) that still find nothing.

It reports hit@3 and MRR (over the top 10) per method and query set, search latency p50/p99
of lexical against fused (the fused figure includes the lexical search), the memory the model
adds (RSS before and after loading it) and the build times of the index and the vectors; and,
on a generated help center (``--docs``, 10,000 articles), what embedding every article takes,
the vectors' size, and lexical against fused latency on that corpus's seeded query set.

    .venv/bin/python benchmarks/semantic_bench.py [--rounds 5] [--docs 10000] [--quick] [--out F]

Prints a table and writes ``benchmarks/results/semantic.json``. ``--quick`` (one timed round,
the first 20 queries of each set) is what ``tests/server/test_semantic_bench.py`` runs.
"""

from __future__ import annotations

import argparse
import json
import resource
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np
from corpus import APP_ID, generated_help_center, make_queries, sample_help_center
from search_bench import environment, percentiles

from support_server.search import SearchIndex, WhooshIndex
from support_server.search.base import IndexDocument
from support_server.search.semantic import (
    DEPTH,
    MIN_COSINE,
    RRF_K,
    SemanticIndex,
    article_text,
    load_model,
)

RESULTS = Path(__file__).resolve().parent / "results"
QUERIES = Path(__file__).resolve().parent / "data" / "semantic_queries.json"
TOP = 10
SWEEP = (0.0, 0.1, 0.15, 0.2, 0.25, 0.3)

Ranker = Callable[[str], list[str]]


def rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def slugs_of(index: SearchIndex, text: str) -> list[str]:
    page = index.search(APP_ID, text, locale="en", category=None, page=1, limit=TOP)
    return [h.slug for h in page.hits]


class SemanticOnly:
    """Cosine ranking alone, every article a candidate (what fusion adds to lexical)."""

    def __init__(self, model: Any, documents: Sequence[IndexDocument]) -> None:
        self.model = model
        self.slugs = [d.slug for d in documents]
        self.vectors = np.asarray(model.embed([article_text(d) for d in documents], norm=True))

    def rank(self, text: str) -> list[str]:
        scores = self.vectors @ np.asarray(self.model.embed([text], norm=True))[0]
        return [self.slugs[i] for i in np.argsort(-scores, kind="stable")[:TOP]]


def quality(ranker: Ranker, queries: Sequence[tuple[str, list[str]]]) -> dict[str, float]:
    hits, reciprocal = 0, 0.0
    for text, expected in queries:
        ranked = ranker(text)
        first = next((i for i, slug in enumerate(ranked) if slug in expected), None)
        if first is not None:
            hits += first < 3
            reciprocal += 1 / (first + 1)
    return {"hit_at_3": round(hits / len(queries), 3), "mrr": round(reciprocal / len(queries), 3)}


def zero_share(index: SearchIndex, texts: Sequence[str]) -> float:
    empty = sum(
        index.search(APP_ID, t, locale="en", category=None, page=1, limit=TOP).total == 0
        for t in texts
    )
    return round(empty / len(texts), 3)


def latency(run: Callable[[str], object], texts: Sequence[str], rounds: int) -> dict[str, float]:
    for text in texts:  # warm-up
        run(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            start = time.perf_counter()
            run(text)
            samples.append((time.perf_counter() - start) * 1000)
    return percentiles(samples)


def at_scale(model: Any, count: int, workdir: Path) -> dict[str, Any]:
    """What the vectors cost for a generated help center of ``count`` articles: embedding them
    all (a rebuild's extra work), their size, and lexical against fused latency on its seeded
    query set (``corpus.make_queries``; no relevance labels for paraphrases there)."""
    documents = generated_help_center(count)
    start = time.perf_counter()
    model.embed([article_text(d) for d in documents], norm=True)
    embed_seconds = time.perf_counter() - start
    root = workdir / "scale"
    start = time.perf_counter()
    SemanticIndex(WhooshIndex(root), root, lambda: model).rebuild(documents)
    build_seconds = time.perf_counter() - start
    lexical = WhooshIndex(root, cache_size=0)
    fused = SemanticIndex(WhooshIndex(root, cache_size=0), root, lambda: model)
    texts = [q.text for q in make_queries(documents)]
    report = {
        "articles": count,
        "queries": len(texts),
        "build_seconds_lexical_and_vectors": round(build_seconds, 2),
        "embed_seconds": round(embed_seconds, 3),
        "vector_bytes": sum(p.stat().st_size for p in (root / "semantic").rglob("*.npz")),
        "latency_ms": {
            "lexical": latency(lambda t: slugs_of(lexical, t), texts, 1),
            "fused": latency(lambda t: slugs_of(fused, t), texts, 1),
        },
    }
    lexical.close()
    fused.close()
    return report


def bench(rounds: int, quick: bool, docs: int) -> dict[str, Any]:
    documents = [d for d in sample_help_center() if d.locale == "en"]
    data = json.loads(QUERIES.read_text(encoding="utf-8"))
    slugs = {d.slug for d in documents}
    sets: dict[str, list[tuple[str, list[str]]]] = {}
    for name in ("paraphrases", "keywords"):
        sets[name] = [(text, list(expected)) for text, expected in data[name]]
        unknown = {s for _, expected in sets[name] for s in expected} - slugs
        if unknown:
            raise SystemExit(f"{QUERIES}: unknown slugs in {name}: {sorted(unknown)}")
        if quick:
            sets[name] = sets[name][:20]
    nonsense = list(data["nonsense"])[: 5 if quick else None]

    with tempfile.TemporaryDirectory(prefix="semantic-bench-") as tmp:
        start = time.perf_counter()
        WhooshIndex(Path(tmp) / "lexical").rebuild(documents)
        index_build = time.perf_counter() - start
        lexical = WhooshIndex(Path(tmp) / "lexical", cache_size=0)

        before = rss_mib()
        start = time.perf_counter()
        model = load_model()
        model_load = time.perf_counter() - start
        root = Path(tmp) / "fused"
        start = time.perf_counter()
        SemanticIndex(WhooshIndex(root), root, lambda: model).rebuild(documents)
        fused_build = time.perf_counter() - start
        fused = SemanticIndex(WhooshIndex(root, cache_size=0), root, lambda: model)
        semantic = SemanticOnly(model, documents)
        after = rss_mib()

        methods: dict[str, Ranker] = {
            "lexical": lambda text: slugs_of(lexical, text),
            "semantic": semantic.rank,
            "fused": lambda text: slugs_of(fused, text),
        }
        report: dict[str, Any] = {
            "articles": len(documents),
            "queries": {name: len(qs) for name, qs in sets.items()},
            "fusion": {"method": "rrf", "k": RRF_K, "depth": DEPTH, "min_cosine": MIN_COSINE},
            "quality": {
                name: {method: quality(ranker, qs) for method, ranker in methods.items()}
                for name, qs in sets.items()
            },
        }
        report["zero_result_share_of_nonsense"] = {
            "queries": len(nonsense),
            "lexical": zero_share(lexical, nonsense),
            "fused": zero_share(fused, nonsense),
        }
        # The cosine floor trades paraphrases found for nonsense answered with something.
        report["min_cosine_sweep"] = []
        for floor in SWEEP:
            swept = SemanticIndex(WhooshIndex(root, cache_size=0), root, lambda: model, floor)
            report["min_cosine_sweep"].append(
                {
                    "min_cosine": floor,
                    **{
                        name: quality(lambda t, ix=swept: slugs_of(ix, t), qs)
                        for name, qs in sets.items()
                    },
                    "zero_result_share_of_nonsense": zero_share(swept, nonsense),
                }
            )
            swept.close()
        texts = [text for qs in sets.values() for text, _ in qs]
        report["latency_ms"] = {
            "lexical": latency(methods["lexical"], texts, rounds),
            "fused": latency(methods["fused"], texts, rounds),
        }
        report["build_seconds"] = {
            "lexical_index": round(index_build, 3),
            "lexical_index_and_vectors": round(fused_build, 3),
            "model_load": round(model_load, 3),
        }
        report["memory_mib"] = {
            "rss_before_model": round(before, 1),
            "rss_after_model_and_vectors": round(after, 1),
            "added": round(after - before, 1),
        }
        report["vector_bytes"] = sum(p.stat().st_size for p in (root / "semantic").rglob("*.npz"))
        lexical.close()
        fused.close()
        report["at_scale"] = at_scale(model, docs, Path(tmp))
    return report


def print_table(report: dict[str, Any]) -> None:
    print(f"\n{report['articles']} articles; queries: {report['queries']}")
    header = f"{'query set':<12} {'method':<14} {'hit@3':>7} {'MRR':>7}"
    print(header)
    print("-" * len(header))
    for name, by_method in report["quality"].items():
        for method, q in by_method.items():
            print(f"{name:<12} {method:<14} {q['hit_at_3']:>7.1%} {q['mrr']:>7.3f}")
    z = report["zero_result_share_of_nonsense"]
    print(f"\nno answer for nonsense ({z['queries']}): lexical {z['lexical']:.0%}, "
          f"fused {z['fused']:.0%}")  # fmt: skip
    print("\ncosine floor   paraphrase hit@3   keyword hit@3   nonsense with no answer")
    for row in report["min_cosine_sweep"]:
        print(f"{row['min_cosine']:>12} {row['paraphrases']['hit_at_3']:>18.1%} "
              f"{row['keywords']['hit_at_3']:>15.1%} "
              f"{row['zero_result_share_of_nonsense']:>25.0%}")  # fmt: skip
    print("\nlatency, ms (one thread, after a warm-up pass)")
    for method, lat in report["latency_ms"].items():
        print(f"{method:<16} p50 {lat['p50']:8.3f}  p99 {lat['p99']:8.3f}")
    print(f"\nbuild s: {report['build_seconds']}")
    print(f"memory MiB: {report['memory_mib']}; vectors {report['vector_bytes']:,} B")
    scale = report["at_scale"]
    lex, fus = scale["latency_ms"]["lexical"], scale["latency_ms"]["fused"]
    print(f"{scale['articles']:,} generated articles: built in "
          f"{scale['build_seconds_lexical_and_vectors']} s (embedding {scale['embed_seconds']} s), "
          f"{scale['vector_bytes']:,} B of vectors; {scale['queries']} queries p50 / p99 "
          f"lexical {lex['p50']:.2f} / {lex['p99']:.2f} ms, fused {fus['p50']:.2f} / "
          f"{fus['p99']:.2f} ms")  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed passes over the queries")
    parser.add_argument(
        "--quick", action="store_true", help="20 queries a set, one round, 500 generated articles"
    )
    parser.add_argument("--docs", type=int, default=10_000, help="generated corpus for at_scale")
    parser.add_argument("--out", type=Path, default=RESULTS / "semantic.json", help="JSON report")
    args = parser.parse_args(argv)
    rounds = 1 if args.quick else args.rounds
    env = environment()
    env["wordllama"] = metadata.version("wordllama")
    env["numpy"] = metadata.version("numpy")
    report = {
        "environment": env,
        "rounds": rounds,
        "quick": args.quick,
        **bench(rounds, args.quick, 500 if args.quick else args.docs),
    }
    print_table(report)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
