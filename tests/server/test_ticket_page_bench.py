"""The ticket page benchmark runs: its quick mode completes and writes its JSON (no timing is
asserted; the benchmark checks each answer itself)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "ticket_page.json"
    script = ROOT / "benchmarks" / "ticket_page_bench.py"
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    for surface in ("page", "api"):
        assert set(report[surface]) >= {"heavy", "single", "ratio_p50"}
        assert report[surface]["heavy"]["requests"] > 0
    assert "loadavg_at_end" in report["environment"]
    assert "ratio of medians" in done.stdout
