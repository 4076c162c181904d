"""The grouping benchmark runs: its quick mode completes, holds its quality bar and writes its
JSON (no timing is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "grouping.json"
    done = subprocess.run(
        [sys.executable, "-W", "error", str(ROOT / "benchmarks" / "grouping_bench.py"),
         "--quick", "--out", str(out)],
        capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    (size,) = report["sizes"]
    assert size["tickets"] == 1000 and size["quality"]["purity"] >= 0.95
    assert set(size) >= {"tokenise_s", "group_s", "ratio", "tickets_per_second"}
