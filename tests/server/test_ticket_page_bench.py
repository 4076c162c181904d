"""The ticket page benchmark runs: its quick mode completes and writes its JSON (no timing is
asserted; the benchmark checks each answer itself)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, stdout = quick_run("ticket_page_bench.py", tmp_path / "ticket_page.json")
    for surface in ("page", "api"):
        assert set(report[surface]) >= {"heavy", "single", "ratio_p50"}
        assert report[surface]["heavy"]["requests"] > 0
    assert "loadavg_at_end" in report["environment"]
    assert "ratio of medians" in stdout
