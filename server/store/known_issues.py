"""SQL for known issues and the tickets linked to them."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

from ..jsontext import loads_stored

COLUMNS = (
    "title",
    "message",
    "contexts",
    "app_versions",
    "is_global",
    "status",
    "resolution",
    "updated_at",
    "resolved_at",
)


def _issue(row: sqlite3.Row) -> dict[str, Any]:
    found = dict(row)
    found["contexts"] = loads_stored(found["contexts"])
    found["app_versions"] = loads_stored(found["app_versions"])
    found["is_global"] = bool(found["is_global"])
    return found


def _stored(name: str, value: Any) -> Any:
    if name in ("contexts", "app_versions"):
        return json.dumps(value)
    if name == "is_global":
        return int(value)
    return value


def insert_issue(conn: sqlite3.Connection, issue: dict[str, Any]) -> int:
    names = ("public_id", "app_id", "created_by", "created_at", *COLUMNS)
    cursor = conn.execute(
        f"INSERT INTO known_issues ({', '.join(names)}) VALUES ({', '.join('?' * len(names))})",
        [_stored(n, issue.get(n)) for n in names],
    )
    return int(cursor.lastrowid or 0)


def update_issue(conn: sqlite3.Connection, issue_id: int, changes: dict[str, Any]) -> None:
    names = [n for n in changes if n in COLUMNS]
    if names:
        conn.execute(
            f"UPDATE known_issues SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            (*(_stored(n, changes[n]) for n in names), issue_id),
        )


def get_issue(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM known_issues WHERE app_id = ? AND public_id = ?", (app_id, public_id)
    ).fetchone()
    return _issue(row) if row else None


def list_issues(
    conn: sqlite3.Connection, app_id: str, status: str | None = None
) -> list[dict[str, Any]]:
    """The app's known issues, newest first (``status``: only those)."""
    rows = conn.execute(
        "SELECT * FROM known_issues WHERE app_id = ? AND (? IS NULL OR status = ?)"
        " ORDER BY created_at DESC, id DESC",
        (app_id, status, status),
    ).fetchall()
    return [_issue(r) for r in rows]


def ticket_ids(conn: sqlite3.Connection, issue_ids: Sequence[int]) -> dict[int, list[str]]:
    """The public ids of the tickets linked to each issue, oldest link first."""
    found: dict[int, list[str]] = {i: [] for i in issue_ids}
    if not issue_ids:
        return found
    marks = ", ".join("?" * len(issue_ids))
    rows = conn.execute(
        "SELECT l.known_issue_id, t.public_id FROM known_issue_tickets l"
        f" JOIN tickets t ON t.id = l.ticket_id WHERE l.known_issue_id IN ({marks})"
        " ORDER BY l.created_at, t.id",
        tuple(issue_ids),
    ).fetchall()
    for issue_id, public_id in rows:
        found[int(issue_id)].append(public_id)
    return found


def link(conn: sqlite3.Connection, issue_id: int, ticket_id: int, linked_by: str, now: str) -> None:
    """Link a ticket (again: nothing changes, a notified link stays notified)."""
    conn.execute(
        "INSERT INTO known_issue_tickets (known_issue_id, ticket_id, linked_by, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (issue_id, ticket_id, linked_by, now),
    )


def unlink(conn: sqlite3.Connection, issue_id: int, ticket_ids: Sequence[int]) -> None:
    conn.executemany(
        "DELETE FROM known_issue_tickets WHERE known_issue_id = ? AND ticket_id = ?",
        [(issue_id, t) for t in ticket_ids],
    )


def claim_unnotified(conn: sqlite3.Connection, issue_id: int, now: str) -> list[int]:
    """Mark every linked ticket not told yet as told; returns their row ids. In the caller's
    write transaction, so two resolutions cannot both claim the same ticket."""
    rows = conn.execute(
        "UPDATE known_issue_tickets SET notified_at = ?"
        " WHERE known_issue_id = ? AND notified_at IS NULL RETURNING ticket_id",
        (now, issue_id),
    ).fetchall()
    return sorted(int(r[0]) for r in rows)


def issues_of_ticket(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT k.*, l.notified_at AS notified_at FROM known_issue_tickets l"
        " JOIN known_issues k ON k.id = l.known_issue_id WHERE l.ticket_id = ?"
        " ORDER BY l.created_at",
        (ticket_id,),
    ).fetchall()
    return [_issue(r) for r in rows]
