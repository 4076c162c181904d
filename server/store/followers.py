"""SQL for ticket followers: the agents told about a ticket as its assignee is."""

from __future__ import annotations

import sqlite3
from typing import Any


def followers(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    """``{"username", "reason", "created_at"}`` per follower, in the order they came."""
    rows = conn.execute(
        "SELECT username, reason, created_at FROM ticket_followers WHERE ticket_id = ?"
        " ORDER BY created_at, username",
        (ticket_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def usernames(conn: sqlite3.Connection, ticket_id: int) -> list[str]:
    return [f["username"] for f in followers(conn, ticket_id)]


def usernames_by_public_id(conn: sqlite3.Connection, app_id: str, public_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT f.username FROM ticket_followers f JOIN tickets t ON t.id = f.ticket_id"
        " WHERE t.app_id = ? AND t.public_id = ? ORDER BY f.created_at, f.username",
        (app_id, public_id),
    ).fetchall()
    return [str(r[0]) for r in rows]


def add(conn: sqlite3.Connection, ticket_id: int, username: str, reason: str, at: str) -> bool:
    """Add a follower (nothing if they follow already); True if they did not."""
    cur = conn.execute(
        "INSERT INTO ticket_followers (ticket_id, username, reason, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (ticket_id, username) DO NOTHING",
        (ticket_id, username, reason, at),
    )
    return cur.rowcount > 0


def remove(conn: sqlite3.Connection, ticket_id: int, username: str) -> bool:
    cur = conn.execute(
        "DELETE FROM ticket_followers WHERE ticket_id = ? AND username = ?",
        (ticket_id, username),
    )
    return cur.rowcount > 0


def copy(conn: sqlite3.Connection, from_ticket: int, to_ticket: int) -> int:
    """Make ``from_ticket``'s followers follow ``to_ticket`` too (keeping why they came)."""
    cur = conn.execute(
        "INSERT INTO ticket_followers (ticket_id, username, reason, created_at)"
        " SELECT ?, username, reason, created_at FROM ticket_followers WHERE ticket_id = ?"
        " ON CONFLICT (ticket_id, username) DO NOTHING",
        (to_ticket, from_ticket),
    )
    return cur.rowcount
