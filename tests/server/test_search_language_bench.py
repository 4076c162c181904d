"""The per-language search benchmark runs: its quick mode completes and writes its JSON, every
language with every analyzer it compares (nothing is asserted about time or scores)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    out = tmp_path / "search_languages.json"
    script = ROOT / "benchmarks" / "search_language_bench.py"
    done = subprocess.run(
        [sys.executable, "-W", "error", str(script), "--quick", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(out.read_text(encoding="utf-8"))
    analyzers = {lang: set(entry["analyzers"]) for lang, entry in report["languages"].items()}
    assert analyzers == {
        "en": {"own", "plain"},
        "fr": {"own", "english", "plain"},
        "ar": {"own", "english", "plain", "isri"},
    }
    for entry in report["languages"].values():
        assert entry["queries"] >= 30 and entry["articles"] >= 20
        for figures in entry["analyzers"].values():
            assert 0 <= figures["quality"]["all"]["hit_at_3"] <= 1
            assert figures["latency_ms"]["n"] == entry["queries"]
    assert "hit@3" in done.stdout
