"""Search in each language: each locale's own analyzer against the alternatives, side by side on
the same articles and queries, in one process.

The set is ``benchmarks/data/search_languages.json``: for English, French and Arabic, 24
hand-written help-center articles and 40 queries as users type them, each with the one article
it means, labelled by kind (``exact``, ``inflection``, ``unaccented`` or ``orthography``,
``paraphrase``, ``typo``). For each language the same ``WhooshIndex`` the server runs is built
in a temporary folder once per analyzer:

* ``own``: the language's analyzer (``support_server.search.analysis``): English as it always
  was; French with elision, Snowball stems and accents folded; Arabic normalised and light10;
* ``english``: the English analyzer for every language, which is how every locale was analysed
  before per-language analysis (the baseline);
* ``plain``: words lower-cased and accent-folded, never stemmed;
* ``isri`` (Arabic only): normalisation and Whoosh's ISRI root stemmer instead of light10.

It reports hit@3 and MRR (over the top 10) per language, analyzer and query kind; and search
latency p50/p99 per language and analyzer on a larger generated corpus of the same language
(``--docs`` articles per language, each built from sentences of the hand-written ones), the
analyzers interleaved query by query so that they share the machine's state.

    .venv/bin/python benchmarks/search_language_bench.py [--docs 5000] [--rounds 3] [--out F]

Prints a table and writes ``benchmarks/results/search_languages.json``. ``--quick`` (200
generated articles, one round) is what ``tests/server/test_search_language_bench.py`` runs.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from support_server.search import WhooshIndex
from support_server.search.base import IndexDocument

DATA = Path(__file__).resolve().parent / "data" / "search_languages.json"
RESULTS = Path(__file__).resolve().parent / "results"
APP = "bench"
VARIANTS = {
    "en": ("own", "plain"),
    "fr": ("own", "english", "plain"),
    "ar": ("own", "english", "plain", "isri"),
}


def documents(language: str, articles: Sequence[dict[str, Any]]) -> list[IndexDocument]:
    return [
        IndexDocument(
            article_id=n,
            revision=1,
            app_id=APP,
            slug=a["slug"],
            locale=language,
            title=a["title"],
            summary=a.get("summary", ""),
            category="Help",
            tags=list(a.get("tags", [])),
            text=a["body"],
        )
        for n, a in enumerate(articles, 1)
    ]


def generated(language: str, articles: Sequence[dict[str, Any]], count: int) -> list[IndexDocument]:
    """``count`` articles made of the hand-written ones' sentences, shuffled (seeded): the same
    language's words and frequencies, many more documents."""
    rng = random.Random(7)  # seeded: the same corpus every run
    sentences = [s.strip() for a in articles for s in a["body"].split(".") if s.strip()]
    titles = [a["title"] for a in articles]
    made = documents(language, articles)
    for n in range(len(made) + 1, count + 1):
        title = f"{rng.choice(titles)} {n}"
        body = ". ".join(rng.sample(sentences, k=min(6, len(sentences)))) + "."
        made.append(IndexDocument(n, 1, APP, f"gen-{n}", language, title, "", "Help", [], body))
    return made


def build(variant: str, docs: Sequence[IndexDocument], root: Path) -> tuple[WhooshIndex, float]:
    index = WhooshIndex(root, cache_size=0, analysis_variant="" if variant == "own" else variant)
    start = time.perf_counter()
    index.rebuild(docs)
    return index, time.perf_counter() - start


def ranked(index: WhooshIndex, language: str, text: str) -> list[str]:
    return [h.slug for h in index.search(APP, text, locale=language, limit=10).hits]


def quality(index: WhooshIndex, language: str, queries: Sequence[dict[str, Any]]) -> dict[str, Any]:
    def score(items: Sequence[dict[str, Any]]) -> dict[str, Any]:
        hits, reciprocal, missed = 0, 0.0, []
        for q in items:
            got = ranked(index, language, q["q"])
            rank = got.index(q["expect"]) + 1 if q["expect"] in got else 0
            hits += 0 < rank <= 3
            reciprocal += 1 / rank if rank else 0.0
            if not 0 < rank <= 3:
                missed.append(q["q"])
        return {
            "hit_at_3": round(hits / len(items), 3),
            "mrr": round(reciprocal / len(items), 3),
            "n": len(items),
            "missed": missed[:6],
        }

    kinds = sorted({q["kind"] for q in queries})
    return {
        "all": score(queries),
        "by_kind": {k: score([q for q in queries if q["kind"] == k]) for k in kinds},
    }


def percentiles(samples: Sequence[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    return {
        "p50": round(pick(0.5), 3),
        "p99": round(pick(0.99), 3),
        "mean": round(statistics.fmean(ordered), 3),
        "n": len(ordered),
    }


def latency(
    indexes: dict[str, WhooshIndex], language: str, queries: Sequence[str], rounds: int
) -> dict[str, dict[str, float]]:
    """One warm-up pass each, then ``rounds`` passes, the analyzers interleaved per query."""
    for index in indexes.values():
        for text in queries:
            ranked(index, language, text)
    samples: dict[str, list[float]] = {name: [] for name in indexes}
    for _ in range(rounds):
        for text in queries:
            for name, index in indexes.items():
                start = time.perf_counter()
                ranked(index, language, text)
                samples[name].append((time.perf_counter() - start) * 1000)
    return {name: percentiles(values) for name, values in samples.items()}


def run(docs_per_language: int, rounds: int, workdir: Path) -> dict[str, Any]:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    report: dict[str, Any] = {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "docs_per_language": docs_per_language,
        "rounds": rounds,
        "languages": {},
    }
    for language, variants in VARIANTS.items():
        articles, queries = (
            data["languages"][language]["articles"],
            data["languages"][language]["queries"],
        )
        small, large = (
            documents(language, articles),
            generated(language, articles, docs_per_language),
        )
        entry: dict[str, Any] = {
            "articles": len(articles),
            "queries": len(queries),
            "analyzers": {},
        }
        built: dict[str, WhooshIndex] = {}
        for variant in variants:
            index, _ = build(variant, small, workdir / f"{language}-{variant}-small")
            entry["analyzers"][variant] = {"quality": quality(index, language, queries)}
            index.close()
            built[variant], seconds = build(variant, large, workdir / f"{language}-{variant}-large")
            entry["analyzers"][variant]["build_s"] = round(seconds, 2)
        for variant, figures in latency(built, language, [q["q"] for q in queries], rounds).items():
            entry["analyzers"][variant]["latency_ms"] = figures
        for index in built.values():
            index.close()
        report["languages"][language] = entry
    return report


def print_table(report: dict[str, Any]) -> None:
    print(
        f"\nSearch per language: hit@3 / MRR on the hand-written set; latency on "
        f"{report['docs_per_language']} articles per language (load {report['load_average'][0]})"
    )
    print(
        f"{'language':8} {'analyzer':8} {'hit@3':>6} {'MRR':>6} {'p50 ms':>7} {'p99 ms':>7}"
        "  by kind (hit@3)"
    )
    for language, entry in report["languages"].items():
        for variant, figures in entry["analyzers"].items():
            q, t = figures["quality"], figures["latency_ms"]
            kinds = ", ".join(f"{k} {v['hit_at_3']:.2f}" for k, v in q["by_kind"].items())
            print(
                f"{language:8} {variant:8} {q['all']['hit_at_3']:6.3f} {q['all']['mrr']:6.3f} "
                f"{t['p50']:7.2f} {t['p99']:7.2f}  {kinds}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=5000, help="generated articles per language")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="200 articles, one round")
    parser.add_argument("--out", type=Path, default=RESULTS / "search_languages.json")
    args = parser.parse_args(argv)
    docs, rounds = (200, 1) if args.quick else (args.docs, args.rounds)
    with tempfile.TemporaryDirectory() as tmp:
        report = run(docs, rounds, Path(tmp))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print_table(report)
    print(f"\nwrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
