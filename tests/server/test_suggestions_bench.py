"""The suggestions benchmark runs: its quick mode completes and writes its JSON, its answers
equal the old code's (nothing is asserted about time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, stdout = quick_run("suggestions_bench.py", tmp_path / "suggestions.json")
    (size,) = report["sizes"]
    assert size["articles"] == 1000
    assert size["inprocess"]["mismatches"] == 0
    assert set(size["inprocess"]) >= {"before", "after", "popular_before", "popular_after"}
    http = size["http"]["suggestions"]
    assert len(http["rounds"]) == report["setup"]["rounds"]
    assert http["baseline"]["unexpected"] == {} and http["ours"]["unexpected"] == {}
    assert http["baseline"]["rps"] > 0 and http["ours"]["rps"] > 0
    assert set(http["ratio"]) == {"median", "min", "max"}
    assert "load_average" in size["http"]
    assert "req/s" in stdout
