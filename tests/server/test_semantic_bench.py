"""The semantic search benchmark runs: its quick mode completes and writes its JSON (nothing is
asserted about time; it needs the ``[semantic]`` extra, which ``make test`` installs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run

pytest.importorskip("wordllama", reason="needs support-sdk[semantic]")


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, stdout = quick_run("semantic_bench.py", tmp_path / "semantic.json")
    assert report["queries"] == {"paraphrases": 20, "keywords": 20}
    for name in ("paraphrases", "keywords"):
        assert set(report["quality"][name]) == {"lexical", "semantic", "fused"}
        for scores in report["quality"][name].values():
            assert 0 <= scores["hit_at_3"] <= 1 and 0 <= scores["mrr"] <= 1
    assert set(report["latency_ms"]) == {"lexical", "fused"}
    assert report["vector_bytes"] > 0
    assert "hit@3" in stdout
