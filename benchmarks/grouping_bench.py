"""Grouping repeated issues: the time to group 10,000 and 100,000 generated tickets, side by
side with a baseline in the same run, and the groups' quality on the same corpus.

The corpus is benchmarks/ticket_corpus.py (eight topics said many ways, a fifth with a typo,
15% unrelated noise). Measured, per size, ``--rounds`` (3) times, alternating:

* ``tokenise`` (the baseline): only :func:`grouping.words` over every text, the least any
  grouping of these texts must do;
* ``group``: :func:`grouping.group` over the same texts (tokens, typo folds, TF-IDF, the
  leader pass and the merge pass).

The ratio is group / tokenise, of each round's times (their median is reported). Quality:
purity (the share of tickets in a group whose topic is the group's main topic, over groups of
3 or more) and recall (per topic, the share of its tickets in its biggest group; the lowest
topic's figure). The load average is recorded at the start and the end.

    .venv/bin/python benchmarks/grouping_bench.py [--sizes 10000,100000] [--rounds 3]
        [--quick] [--out FILE]

``--quick`` (1,000 tickets, one round) is what the test suite runs; nothing is asserted
about time, but the quality must hold or the run exits 1.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import ticket_corpus  # noqa: E402

from support_server.services import grouping  # noqa: E402


def quality(tickets: list[ticket_corpus.Ticket], groups: list[grouping.Group]) -> dict[str, float]:
    topic = {t.key: t.topic for t in tickets}
    big = [g for g in groups if len(g.keys) >= 3]
    inside = sum(Counter(topic[k] for k in g.keys).most_common(1)[0][1] for g in big)
    named = sorted({t for t in topic.values() if t})
    recalls = []
    for name in named:
        members = sum(1 for t in topic.values() if t == name)
        best = max(sum(1 for k in g.keys if topic[k] == name) for g in groups)
        recalls.append(best / members)
    return {
        "purity": round(inside / max(sum(len(g.keys) for g in big), 1), 4),
        "min_recall": round(min(recalls), 4),
        "groups": len(groups),
        "groups_of_3_or_more": len(big),
    }


def measure(size: int, rounds: int) -> dict[str, Any]:
    tickets = ticket_corpus.tickets(size, days=90)
    texts = [
        grouping.Text(t.key, f"{t.subject}\n{t.body}")
        for t in sorted(tickets, key=lambda t: (t.day, t.key))
    ]
    base_times, group_times = [], []
    groups: list[grouping.Group] = []
    for _ in range(rounds):
        start = time.perf_counter()
        for text in texts:
            grouping.words(text.text)
        base_times.append(time.perf_counter() - start)
        start = time.perf_counter()
        groups = grouping.group(texts)
        group_times.append(time.perf_counter() - start)
    ratios = [g / b for g, b in zip(group_times, base_times, strict=True)]
    return {
        "tickets": size,
        "tokenise_s": {
            "median": round(statistics.median(base_times), 3),
            "all": [round(x, 3) for x in base_times],
        },
        "group_s": {
            "median": round(statistics.median(group_times), 3),
            "all": [round(x, 3) for x in group_times],
        },
        "ratio": {
            "median": round(statistics.median(ratios), 2),
            "min": round(min(ratios), 2),
            "max": round(max(ratios), 2),
        },
        "tickets_per_second": round(size / statistics.median(group_times)),
        "quality": quality(tickets, groups),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "benchmarks" / "results" / "grouping.json"
    )
    args = parser.parse_args()
    sizes = [1000] if args.quick else [int(s) for s in args.sizes.split(",")]
    rounds = 1 if args.quick else args.rounds
    load_start = os.getloadavg()
    results = []
    for size in sizes:
        result = measure(size, rounds)
        results.append(result)
        print(
            f"{size:>7} tickets: group {result['group_s']['median']:.2f} s, tokenise"
            f" {result['tokenise_s']['median']:.2f} s, ratio {result['ratio']['median']}x,"
            f" purity {result['quality']['purity']}, min recall {result['quality']['min_recall']}",
            file=sys.stderr,
        )
    report = {
        "environment": {
            "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "nproc": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average": {
                "start": [round(x, 2) for x in load_start],
                "end": [round(x, 2) for x in os.getloadavg()],
            },
        },
        "rounds": rounds,
        "quick": args.quick,
        "sizes": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    bad = [r for r in results if r["quality"]["purity"] < 0.95 or r["quality"]["min_recall"] < 0.9]
    if bad:
        print(f"quality dropped: {[r['quality'] for r in bad]}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
