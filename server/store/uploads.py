"""SQL for uploads waiting to be attached (see migration 0013)."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert(conn: sqlite3.Connection, upload: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO uploads (public_id, app_id, owner, filename, content_type, declared_type,"
        " size, data, note, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            upload["public_id"],
            upload["app_id"],
            upload["owner"],
            upload["filename"],
            upload["content_type"],
            upload["declared_type"],
            len(upload["data"]),
            upload["data"],
            upload["note"],
            upload["created_at"],
        ),
    )


def take(
    conn: sqlite3.Connection, app_id: str, owner: str, public_id: str, since: str
) -> dict[str, Any] | None:
    """The upload, removed, when it is ``owner``'s in ``app_id`` and newer than ``since``."""
    row = conn.execute(
        "SELECT * FROM uploads WHERE public_id = ? AND app_id = ? AND owner = ?"
        " AND created_at >= ?",
        (public_id, app_id, owner, since),
    ).fetchone()
    if row is None:
        return None
    conn.execute("DELETE FROM uploads WHERE id = ?", (row["id"],))
    return dict(row)


def prune(conn: sqlite3.Connection, before: str, limit: int) -> int:
    """Remove up to ``limit`` uploads made before ``before``; how many went."""
    cursor = conn.execute(
        "DELETE FROM uploads WHERE id IN"
        " (SELECT id FROM uploads WHERE created_at < ? ORDER BY created_at LIMIT ?)",
        (before, limit),
    )
    return cursor.rowcount
