"""Running a benchmark's quick mode from a test: it must complete and write its JSON.

The test suite runs each benchmark small (``--quick``: seconds, not minutes) only to keep it
working; what the figures say is never asserted (no timed assertions in tests).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def quick_run(script: str, out: Path, *extra: str, timeout: float = 300) -> tuple[Any, str]:
    """Run ``benchmarks/<script> --quick --out <out>`` with warnings as errors; return the
    report it wrote and what it printed."""
    done = subprocess.run(
        [sys.executable, "-W", "error", str(ROOT / "benchmarks" / script), "--quick",
         "--out", str(out), *extra],
        capture_output=True, text=True, timeout=timeout, check=False,
    )  # fmt: skip
    assert done.returncode == 0, (done.stdout[-2000:], done.stderr[-3000:])
    return json.loads(out.read_text(encoding="utf-8")), done.stdout
