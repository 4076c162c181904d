"""The operations benchmark runs: its quick mode completes and writes its JSON, every figure
with its baseline, no search failed during the reindex (nothing is asserted about time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, stdout = quick_run("operations_bench.py", tmp_path / "operations.json")
    assert report["import"]["imported"] == report["import"]["files"] == 300
    (size,) = report["sizes"]
    reindex, running = size["reindex"], size["start_and_memory"]
    assert reindex["articles"] == 1000 and reindex["search_failures_during"] == 0
    assert reindex["searches_during"] > 0 and reindex["ours_s"] > 0 < reindex["fts5_build_s"]
    assert running["healthy_s"] > 0 and running["hello_first_answer_s"] > 0
    assert len(running["rounds"][0]["web_workers_rss_mib"]) == 2
    assert running["web_worker_rss_mib"] > 0 and running["memory_ratio"] > 0
    assert "reindex s" in stdout
