"""The semantic search benchmark runs: its quick mode completes and writes its JSON (nothing is
asserted about time; it needs the ``[semantic]`` extra, which ``make test`` installs)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("wordllama", reason="needs support-sdk[semantic]")

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "semantic.json"
    script = ROOT / "benchmarks" / "semantic_bench.py"
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["queries"] == {"paraphrases": 20, "keywords": 20}
    for name in ("paraphrases", "keywords"):
        assert set(report["quality"][name]) == {"lexical", "semantic", "fused"}
        for scores in report["quality"][name].values():
            assert 0 <= scores["hit_at_3"] <= 1 and 0 <= scores["mrr"] <= 1
    assert set(report["latency_ms"]) == {"lexical", "fused"}
    assert report["vector_bytes"] > 0
    assert "hit@3" in done.stdout
