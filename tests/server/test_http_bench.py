"""The HTTP benchmark runs: its quick mode completes and writes its JSON, every scenario with
both sides measured and every answer as expected (nothing is asserted about time)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, stdout = quick_run("http_bench.py", tmp_path / "http.json")
    (size,) = report["sizes"]
    assert size["articles"] == 1000
    for name in ("search_hot", "suggestions", "article", "tickets"):
        figures = size["http"][name]
        assert len(figures["rounds"]) == report["setup"]["rounds"]
        assert figures["ours"]["unexpected"] == {} and figures["baseline"]["unexpected"] == {}
        assert figures["ours"]["rps"] > 0 and figures["baseline"]["rps"] > 0
        assert figures["ratio"]["min"] <= figures["ratio"]["median"] <= figures["ratio"]["max"]
    assert "load_average" in size["http"]
    assert "tickets" in stdout and "ratio" in stdout
