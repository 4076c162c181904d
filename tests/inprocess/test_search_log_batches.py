"""Readers' searches are logged in batches: written together within half a second, in the
order they came (search-as-you-type still counts once), and seen at once by the figures read
in the same process."""

from __future__ import annotations

import sqlite3
import time
from typing import Any

import pytest

from support_server.services import events

from .conftest import InProcess


def _search(server: InProcess, q: str, ip: str = "203.0.113.9") -> None:
    got = server.http.get(
        "/api/v1/help/search",
        query_string={"q": q},
        headers={"X-Support-App": server.app_id},
        environ_base={"REMOTE_ADDR": ip},
    )
    assert got.status_code == 200, got.json


def _logged(server: InProcess) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(server.data_dir / "support.db")
    try:
        return conn.execute("SELECT query, results FROM search_log ORDER BY id").fetchall()
    finally:
        conn.close()


def test_searches_are_written_together_and_in_order(
    server: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "FLUSH_AFTER", 60.0)  # however slow the machine: flushed below
    rt = server.app.extensions["support"]
    writes: list[str] = []
    for n, typed in enumerate(["r", "re", "ref", "refund"]):  # one reader typing
        _search(server, typed)
        _search(server, f"other query {n}", ip=f"198.51.100.{n}")
    assert _logged(server) == []  # waiting, not yet written
    conn = rt.events.db.connection()  # the thread's connection the flush below uses
    conn.set_trace_callback(lambda sql: writes.append(sql) if sql == "BEGIN IMMEDIATE" else None)
    try:
        rt.events.flush()
    finally:
        conn.set_trace_callback(None)
    assert writes == ["BEGIN IMMEDIATE"]  # eight searches, one transaction
    # the typed prefixes merged into the reader's first row, as when written one by one
    assert [q for q, _ in _logged(server)] == ["refund", *(f"other query {n}" for n in range(4))]


def test_waiting_searches_are_written_within_half_a_second(server: InProcess) -> None:
    _search(server, "late fees")
    deadline = time.monotonic() + 5
    while not _logged(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert _logged(server) == [("late fees", 0)]
    assert time.monotonic() < deadline


def test_the_dashboard_in_the_same_process_sees_them_at_once(server: InProcess) -> None:
    for q in ("kubernetes helm", "kubernetes helm", "vat return"):
        _search(server, q, ip=f"192.0.2.{len(q)}")
    summary = server.http.get(
        "/api/v1/analytics/summary", headers=server.staff_headers()
    ).get_json()
    top = {q["query"]: q["searches"] for q in summary["searches"]["top_queries"]}
    assert top == {"kubernetes helm": 1, "vat return": 1}  # a repeat within 10 s is typing


def test_a_burst_is_written_without_waiting(
    server: InProcess, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "FLUSH_AFTER", 60.0)  # only the count can write them here
    for n in range(events.FLUSH_AT):
        _search(server, f"query number {n}", ip=f"10.0.{n // 250}.{n % 250}")
    assert len(_logged(server)) == events.FLUSH_AT
