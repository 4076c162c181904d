"""The grouping benchmark runs: its quick mode completes, holds its quality bar and writes its
JSON (no timing is asserted)."""

from __future__ import annotations

from pathlib import Path

from ..bench_runs import quick_run


def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, _ = quick_run("grouping_bench.py", tmp_path / "grouping.json")
    (size,) = report["sizes"]
    assert size["tickets"] == 1000 and size["quality"]["purity"] >= 0.95
    assert set(size) >= {"tokenise_s", "group_s", "ratio", "tickets_per_second"}
