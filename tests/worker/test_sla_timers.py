"""SLA timers under faults, on a real SQLite file: two workers sweeping at once, and a worker
SIGKILLed in the middle of a sweep. Each breach is recorded once, dated when it fell due, and
notified once (one ``sla.breached`` event), whatever happened to the workers."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from support_server import bootstrap, clock
from support_server.app import create_app

pytestmark = pytest.mark.slow

FILED = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc).timestamp()
LATER = FILED + 86400  # every worker was down for a day
TICKETS = 400


def _app(data_dir: Path) -> Any:
    return create_app(data_dir=data_dir, overrides={"SUPPORT_RATE_LIMITS_ENABLED": False})


def _seed(data_dir: Path) -> None:
    """``TICKETS`` urgent tickets with a one-hour first-response target, filed at FILED."""
    bootstrap.initialise(data_dir, ["http://allowed.example"])
    app = _app(data_dir)
    rt = app.extensions["support"]
    try:
        with clock.pinned(FILED):
            client = app.test_client()
            key = _admin_key(rt)
            headers = {"Authorization": f"Bearer {key}"}
            r = client.post(
                "/api/v1/sla-policies",
                json={"name": "Urgent", "targets": {"first_response": 60}},
                headers=headers,
            )
            assert r.status_code == 201, r.get_json()
            for n in range(TICKETS):
                r = client.post(
                    "/api/v1/tickets",
                    json={"body": f"Help {n}", "email": f"c{n}@example.com"},
                    headers=headers,
                )
                assert r.status_code == 201, r.get_json()
    finally:
        rt.index.close()
        rt.db.close()


def _admin_key(rt: Any) -> str:
    from support_server.services import apps as app_service

    (app,) = app_service.list_apps(rt.db)
    raw, _ = app_service.create_key(rt.db, app["id"], "admin", "timers")
    return raw


def _sweep_until_done(data_dir: Path, at: float) -> None:
    app = _app(data_dir)
    rt = app.extensions["support"]
    from support_server.store import tickets as ticket_store

    try:
        with clock.pinned(at):
            while rt.sla.sweep(rt.tickets.agent_view, ticket_store.ticket_by_row_id):
                pass
    finally:
        rt.index.close()
        rt.db.close()


def _breaches(data_dir: Path) -> tuple[list[tuple[Any, ...]], int]:
    import sqlite3

    with sqlite3.connect(data_dir / "support.db") as conn:
        rows = conn.execute(
            "SELECT ticket_id, metric, kind, at FROM sla_events WHERE kind = 'breach'"
        ).fetchall()
        events = conn.execute(
            "SELECT COUNT(*) FROM outbox_events WHERE type = 'sla.breached'"
        ).fetchone()[0]
    return rows, int(events)


def _check(data_dir: Path) -> None:
    rows, events = _breaches(data_dir)
    assert len(rows) == TICKETS, len(rows)
    assert len({r[0] for r in rows}) == TICKETS  # each ticket once
    due = clock.iso(FILED + 3600)
    assert {r[3] for r in rows} == {due}  # dated when it fell due, not when noticed
    assert events == TICKETS  # notified once each


def test_two_workers_sweeping_at_once_record_and_notify_each_breach_once(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "data"
    _seed(data_dir)
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            _sweep_until_done(data_dir, LATER)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not errors, errors
    _check(data_dir)


def _killed_mid_sweep(data_dir: str, started: Any) -> None:
    """A child: sweeps one ticket at a time (slowly) until it is killed."""
    from support_server.services import sla

    sla.SWEEP_BATCH = 1  # its own process: many small transactions, so the kill lands mid-way
    app = _app(Path(data_dir))
    rt = app.extensions["support"]
    from support_server.store import tickets as ticket_store

    with clock.pinned(LATER):
        started.set()
        while True:
            rt.sla.sweep(rt.tickets.agent_view, ticket_store.ticket_by_row_id)


def test_a_worker_sigkilled_mid_sweep_loses_nothing_and_repeats_nothing(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    _seed(data_dir)
    context = multiprocessing.get_context("spawn")
    started = context.Event()
    child = context.Process(target=_killed_mid_sweep, args=(str(data_dir), started))
    child.start()
    assert started.wait(60)
    deadline = time.monotonic() + 60
    while _breaches(data_dir)[1] < TICKETS // 10 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(child.pid or 0, signal.SIGKILL)
    child.join(10)
    done_by_child = len(_breaches(data_dir)[0])
    assert 0 < done_by_child < TICKETS, done_by_child  # it died half-way
    _sweep_until_done(data_dir, LATER + 60)  # the next worker, a minute later
    _check(data_dir)
