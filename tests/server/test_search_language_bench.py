"""The per-language search benchmark runs: its quick mode completes and writes its JSON, every
language with every analyzer it compares (nothing is asserted about time or scores)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ..bench_runs import quick_run


@pytest.mark.slow
def test_the_quick_run_completes_and_writes_its_json(tmp_path: Path) -> None:
    report, stdout = quick_run("search_language_bench.py", tmp_path / "search_languages.json")
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
    assert "hit@3" in stdout
