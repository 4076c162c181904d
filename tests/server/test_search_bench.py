"""The search benchmark runs: its quick mode completes and writes its JSON with every figure
issue 18 asks for (both engines interleaved, ratios with their spread, prefix queries apart,
relevance, growth between two sizes, the load average). Nothing is asserted about time."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run

KINDS = {"all", "word", "multi", "prefix", "typo", "zero"}


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    # Two small sizes, so that the growth exponents are computed too.
    report, stdout = quick_run("search_bench.py", tmp_path / "search.json", "--sizes", "400,1000")
    assert report["setup"]["sizes"] == [400, 1000]
    assert report["setup"]["rounds"] == 1
    assert set(report["corpora"]) == {"gen-400", "gen-1k"}  # --quick: no sample corpus
    for name, corpus in report["corpora"].items():
        assert corpus["articles"] == {"gen-400": 400, "gen-1k": 1000}[name]
        assert corpus["query_kinds"]["prefix"] > 0

        for engine in ("ours", "fts5"):
            latency = corpus["latency_ms"][engine]
            assert set(latency) == KINDS
            assert set(latency["prefix"]) >= {"p50", "p95", "p99"}
            assert latency["prefix"]["n_per_round"] == corpus["query_kinds"]["prefix"]
        (only,) = corpus["rounds_ms"]
        assert set(only) == {"ours", "fts5", "load_average_1m"}
        assert only["ours"]["all"]["n"] == only["fts5"]["all"]["n"] == corpus["queries"]

        ratios = corpus["ratio_ours_over_fts5"]
        assert set(ratios) == KINDS
        for kind in ("all", "prefix"):
            for p in ("p50", "p99"):
                ratio = ratios[kind][p]
                assert set(ratio) == {"median", "min", "max", "rounds"}
                assert ratio["min"] <= ratio["median"] <= ratio["max"]
        assert corpus["result_cache_ms"]["n"] == corpus["queries"]

        for engine in ("ours", "fts5"):
            relevance = corpus["relevance"][engine]
            assert set(relevance) == {
                "word", "multi", "prefix", "spelled_right", "typo", "all_but_typos",
            }  # fmt: skip
            for figures in relevance.values():
                assert figures["queries"] > 0
                assert 0 <= figures["hit_at_3"] <= 1 and 0 <= figures["mrr_at_10"] <= 1
            recall = corpus["typo_recall"][engine]
            assert 0 <= recall["typo_top3"] <= 1 and 0 <= recall["spelled_right_top3"] <= 1
            assert 0 <= corpus["zero_result_share_of_nonsense_queries"][engine] <= 1

        load = corpus["load_average"]
        assert len(load["start"]) == len(load["end"]) == 3

    growth = report["growth"]
    assert (growth["from_articles"], growth["to_articles"]) == (400, 1000)
    for engine in ("ours", "fts5"):
        assert set(growth["exponent"][engine]) == KINDS
        assert set(growth["exponent"][engine]["prefix"]) == {"p50", "p99"}
    assert set(report["targets"]) == {"gen-400", "gen-1k", "p99_growth"}
    assert {"python", "sqlite", "whoosh", "nproc"} <= set(report["environment"])
    assert "p99 ratio" in stdout and "MRR@10" in stdout and "Growth" in stdout
