"""SQL for saved inbox views: an agent's named inbox queries, per staff user and app."""

from __future__ import annotations

import sqlite3
from typing import Any


def list_views(conn: sqlite3.Connection, user_id: str, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM saved_views WHERE user_id = ? AND app_id = ? ORDER BY position, id",
        (user_id, app_id),
    ).fetchall()
    return [dict(r) for r in rows]


def get_by_name(
    conn: sqlite3.Connection, user_id: str, app_id: str, name: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM saved_views WHERE user_id = ? AND app_id = ? AND name = ?",
        (user_id, app_id, name),
    ).fetchone()
    return dict(row) if row else None


def insert_view(conn: sqlite3.Connection, view: dict[str, Any]) -> None:
    position = conn.execute(
        "SELECT COALESCE(MAX(position), 0) + 1 FROM saved_views WHERE user_id = ? AND app_id = ?",
        (view["user_id"], view["app_id"]),
    ).fetchone()[0]
    conn.execute(
        "INSERT INTO saved_views (public_id, app_id, user_id, name, query, position, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            view["public_id"],
            view["app_id"],
            view["user_id"],
            view["name"],
            view["query"],
            int(position),
            view["created_at"],
        ),
    )


def set_query(conn: sqlite3.Connection, view_id: int, query: str) -> None:
    conn.execute("UPDATE saved_views SET query = ? WHERE id = ?", (query, view_id))


def delete_view(conn: sqlite3.Connection, user_id: str, app_id: str, public_id: str) -> bool:
    cur = conn.execute(
        "DELETE FROM saved_views WHERE user_id = ? AND app_id = ? AND public_id = ?",
        (user_id, app_id, public_id),
    )
    return cur.rowcount > 0
