"""SQL for scheduled publishing: one pending publication time per article."""

from __future__ import annotations

import sqlite3
from typing import Any


def upsert(conn: sqlite3.Connection, article_id: int, publish_at: str, by: str, now: str) -> None:
    conn.execute(
        "INSERT INTO article_schedule (article_id, publish_at, scheduled_by, created_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (article_id) DO UPDATE SET"
        " publish_at = excluded.publish_at, scheduled_by = excluded.scheduled_by,"
        " created_at = excluded.created_at",
        (article_id, publish_at, by, now),
    )


def get(conn: sqlite3.Connection, article_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM article_schedule WHERE article_id = ?", (article_id,)
    ).fetchone()
    return dict(row) if row else None


def for_articles(conn: sqlite3.Connection, article_ids: list[int]) -> dict[int, str]:
    if not article_ids:
        return {}
    marks = ",".join("?" * len(article_ids))
    rows = conn.execute(
        f"SELECT article_id, publish_at FROM article_schedule WHERE article_id IN ({marks})",
        article_ids,
    ).fetchall()
    return {int(r[0]): str(r[1]) for r in rows}


def delete(conn: sqlite3.Connection, article_id: int, publish_at: str | None = None) -> None:
    if publish_at is None:
        conn.execute("DELETE FROM article_schedule WHERE article_id = ?", (article_id,))
    else:
        conn.execute(
            "DELETE FROM article_schedule WHERE article_id = ? AND publish_at = ?",
            (article_id, publish_at),
        )


def due(conn: sqlite3.Connection, now: str, limit: int = 100) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT s.article_id, s.publish_at, s.scheduled_by, a.app_id, a.public_id"
        " FROM article_schedule s JOIN articles a ON a.id = s.article_id"
        " WHERE s.publish_at <= ? ORDER BY s.publish_at LIMIT ?",
        (now, limit),
    ).fetchall()
    return [dict(r) for r in rows]


def next_due(conn: sqlite3.Connection) -> str | None:
    row = conn.execute("SELECT min(publish_at) FROM article_schedule").fetchone()
    return str(row[0]) if row and row[0] else None
