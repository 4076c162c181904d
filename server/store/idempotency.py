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


def claim(
    conn: sqlite3.Connection, app_id: str, principal: str, key: str, fingerprint: str, when: str
) -> None:
    conn.execute(
        "INSERT OR REPLACE INTO idempotency_keys (app_id, principal, key, fingerprint, state,"
        " created_at) VALUES (?, ?, ?, ?, 'in_flight', ?)",
        (app_id, principal, key, fingerprint, when),
    )


def complete(
    conn: sqlite3.Connection, app_id: str, principal: str, key: str, status: int, response: str
) -> None:
    conn.execute(
        "UPDATE idempotency_keys SET state = 'done', status_code = ?, response = ?"
        " WHERE app_id = ? AND principal = ? AND key = ?",
        (status, response, app_id, principal, key),
    )


def release(conn: sqlite3.Connection, app_id: str, principal: str, key: str) -> None:
    conn.execute(
        "DELETE FROM idempotency_keys WHERE app_id = ? AND principal = ? AND key = ?"
        " AND state = 'in_flight'",
        (app_id, principal, key),
    )


def purge_before(conn: sqlite3.Connection, when: str) -> int:
    cur = conn.execute("DELETE FROM idempotency_keys WHERE created_at < ?", (when,))
    return cur.rowcount
