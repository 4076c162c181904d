"""SQL for the transactional outbox and the job queue the worker drains.

An event row is inserted by the service that makes the change, on the change's own
connection, so it commits (or rolls back) with it. Jobs are claimed with a lease: the claim
sets ``locked_by`` and ``locked_until`` in a write transaction, and every later step names
the worker (a fencing check), so a worker whose lease ran out and whose job was taken up by
another cannot finish it twice.
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def insert_event(
    conn: sqlite3.Connection,
    *,
    public_id: str,
    app_id: str,
    type: str,
    payload: dict[str, Any],
    now: str,
) -> int:
    cur = conn.execute(
        "INSERT INTO outbox_events (public_id, app_id, type, payload, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (public_id, app_id, type, json.dumps(payload, ensure_ascii=False), now),
    )
    return int(cur.lastrowid or 0)


def get_event(conn: sqlite3.Connection, event_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM outbox_events WHERE id = ?", (event_id,)).fetchone()
    if row is None:
        return None
    event = dict(row)
    event["payload"] = json.loads(event["payload"])
    return event


def events_of(conn: sqlite3.Connection, app_id: str, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM outbox_events WHERE app_id = ? ORDER BY id DESC LIMIT ?", (app_id, limit)
    ).fetchall()
    return [{**dict(r), "payload": json.loads(r["payload"])} for r in rows]


def enqueue(conn: sqlite3.Connection, kind: str, ref: int, run_at: str, now: str) -> int:
    cur = conn.execute(
        "INSERT INTO jobs (kind, ref, run_at, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
        (kind, ref, run_at, now, now),
    )
    return int(cur.lastrowid or 0)


def claim(
    conn: sqlite3.Connection, worker: str, now: str, locked_until: str, kinds: tuple[str, ...]
) -> dict[str, Any] | None:
    """The next due job of one of ``kinds``, leased to ``worker``: pending and due, or running
    under a lease that ran out (its worker died or hung)."""
    marks = ",".join("?" * len(kinds))
    row = conn.execute(
        "SELECT * FROM jobs WHERE kind IN (" + marks + ") AND ("
        " (state = 'pending' AND run_at <= ?) OR (state = 'running' AND locked_until < ?))"
        " ORDER BY run_at, id LIMIT 1",
        (*kinds, now, now),
    ).fetchone()
    if row is None:
        return None
    conn.execute(
        "UPDATE jobs SET state = 'running', locked_by = ?, locked_until = ?,"
        " attempts = attempts + 1, updated_at = ? WHERE id = ?",
        (worker, locked_until, now, row["id"]),
    )
    job = dict(row)
    job.update(state="running", locked_by=worker, attempts=row["attempts"] + 1)
    return job


def holds(conn: sqlite3.Connection, job_id: int, worker: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM jobs WHERE id = ? AND state = 'running' AND locked_by = ?",
        (job_id, worker),
    ).fetchone()
    return row is not None


def finish(conn: sqlite3.Connection, job_id: int, worker: str, now: str) -> bool:
    cur = conn.execute(
        "UPDATE jobs SET state = 'done', locked_by = NULL, locked_until = NULL, updated_at = ?"
        " WHERE id = ? AND locked_by = ? AND state = 'running'",
        (now, job_id, worker),
    )
    return cur.rowcount == 1


def reschedule(
    conn: sqlite3.Connection, job_id: int, worker: str, run_at: str, error: str | None, now: str
) -> bool:
    """Put a claimed job back to run at ``run_at`` (a retry, or a release on shutdown)."""
    cur = conn.execute(
        "UPDATE jobs SET state = 'pending', run_at = ?, locked_by = NULL, locked_until = NULL,"
        " last_error = COALESCE(?, last_error), updated_at = ?"
        " WHERE id = ? AND locked_by = ? AND state = 'running'",
        (run_at, error, now, job_id, worker),
    )
    return cur.rowcount == 1


def next_due(conn: sqlite3.Connection, kinds: tuple[str, ...]) -> str | None:
    """When the earliest pending job falls due (for the worker's sleep)."""
    marks = ",".join("?" * len(kinds))
    row = conn.execute(
        "SELECT MIN(CASE state WHEN 'pending' THEN run_at ELSE locked_until END) FROM jobs"
        " WHERE state != 'done' AND kind IN (" + marks + ")",
        kinds,
    ).fetchone()
    return row[0] if row else None


def backlog(conn: sqlite3.Connection) -> dict[str, int]:
    rows = conn.execute(
        "SELECT kind, COUNT(*) AS n FROM jobs WHERE state != 'done' GROUP BY kind"
    ).fetchall()
    return {r["kind"]: r["n"] for r in rows}


def purge_done(conn: sqlite3.Connection, before: str) -> int:
    cur = conn.execute("DELETE FROM jobs WHERE state = 'done' AND updated_at < ?", (before,))
    return cur.rowcount


def hurry(conn: sqlite3.Connection, kind: str, ref: int, now: str) -> bool:
    """Make the unfinished job of ``kind`` for ``ref`` due now; False when there is none."""
    pending = conn.execute(
        "UPDATE jobs SET run_at = ?, updated_at = ? WHERE kind = ? AND ref = ?"
        " AND state = 'pending'",
        (now, now, kind, ref),
    ).rowcount
    if pending:
        return True
    running = conn.execute(
        "SELECT 1 FROM jobs WHERE kind = ? AND ref = ? AND state = 'running'", (kind, ref)
    ).fetchone()
    return running is not None
