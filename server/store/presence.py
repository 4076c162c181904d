"""SQL for presence on the ticket page: who has a ticket open, and since when (a heartbeat)."""

from __future__ import annotations

import sqlite3
from typing import Any


def upsert(
    conn: sqlite3.Connection,
    ticket_id: int,
    staff: str,
    name: str,
    state: str,
    composing: str | None,
    at: str,
) -> None:
    conn.execute(
        "INSERT INTO ticket_presence (ticket_id, staff, name, state, composing, seen_at)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (ticket_id, staff) DO UPDATE SET"
        " name = excluded.name, state = excluded.state, composing = excluded.composing,"
        " seen_at = excluded.seen_at",
        (ticket_id, staff, name, state, composing, at),
    )


def remove(conn: sqlite3.Connection, ticket_id: int, staff: str) -> None:
    conn.execute(
        "DELETE FROM ticket_presence WHERE ticket_id = ? AND staff = ?", (ticket_id, staff)
    )


def present(conn: sqlite3.Connection, ticket_id: int, since: str) -> list[dict[str, Any]]:
    """The rows of ``ticket_id`` seen at ``since`` or later, by name."""
    rows = conn.execute(
        "SELECT staff, name, state, composing, seen_at FROM ticket_presence"
        " WHERE ticket_id = ? AND seen_at >= ? ORDER BY name, staff",
        (ticket_id, since),
    ).fetchall()
    return [dict(r) for r in rows]


def prune(conn: sqlite3.Connection, before: str) -> int:
    """Delete every row last seen before ``before`` (any ticket); returns how many."""
    return conn.execute("DELETE FROM ticket_presence WHERE seen_at < ?", (before,)).rowcount


def latest_message(conn: sqlite3.Connection, ticket_id: int) -> str:
    """The public id of the ticket's newest message, notes included ("" while none)."""
    row = conn.execute(
        "SELECT public_id FROM ticket_messages WHERE ticket_id = ? ORDER BY id DESC LIMIT 1",
        (ticket_id,),
    ).fetchone()
    return str(row[0]) if row else ""
