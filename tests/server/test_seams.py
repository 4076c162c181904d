"""Guard rails for the one-place rules: Idempotency-Key is honoured through one seam, and one
function sets the ``Idempotent-Replayed`` response header."""

from __future__ import annotations

from pathlib import Path

SERVER = Path(__file__).resolve().parents[2] / "server"


def _files_mentioning(text: str) -> list[str]:
    return sorted(
        str(path.relative_to(SERVER))
        for path in SERVER.rglob("*.py")
        if text in path.read_text(encoding="utf-8")
    )


def test_one_place_sets_the_replayed_header() -> None:
    assert _files_mentioning('"Idempotent-Replayed"') == ["api/handlers.py"]


def test_only_the_idempotency_service_runs_work_once_per_key() -> None:
    """Resources call ``idempotency.once``; none calls ``run_once`` or opens its own path."""
    assert _files_mentioning("run_once(") == ["services/idempotency.py"]
    assert "services/tickets.py" in _files_mentioning("idempotency.once(")
    assert "services/articles.py" in _files_mentioning("idempotency.once(")
