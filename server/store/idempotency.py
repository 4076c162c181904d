"""SQL for Idempotency-Key records (one row per app, principal and key)."""

from __future__ import annotations

import sqlite3
from typing import Any


def get(conn: sqlite3.Connection, app_id: str, principal: str, key: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM idempotency_keys WHERE app_id = ? AND principal = ? AND key = ?",
        (app_id, principal, key),
    ).fetchone()
    return dict(row) if row else None


def save(
    conn: sqlite3.Connection,
    app_id: str,
    principal: str,
    key: str,
    fingerprint: str,
    when: str,
    status: int,
    response: str,
) -> None:
    """Record a finished request's response (replacing a stale legacy claim, if any)."""
    conn.execute(
        "INSERT OR REPLACE INTO idempotency_keys (app_id, principal, key, fingerprint, state,"
        " status_code, response, created_at) VALUES (?, ?, ?, ?, 'done', ?, ?, ?)",
        (app_id, principal, key, fingerprint, status, response, when),
    )


def purge_before(conn: sqlite3.Connection, when: str) -> int:
    cur = conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (when,))
    return cur.rowcount
