"""SQL for article revisions: every saved version of an article, kept for history and restore."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_JSON_FIELDS = ("tags", "contexts")


def _decoded(row: sqlite3.Row) -> dict[str, Any]:
    revision = dict(row)
    for name in _JSON_FIELDS:
        revision[name] = json.loads(revision[name])
    return revision


def insert_revision(conn: sqlite3.Connection, article: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO article_revisions (article_id, revision, title, body, summary, category,"
        " tags, contexts, status, author, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            article["id"],
            article["revision"],
            article["title"],
            article["body"],
            article["summary"],
            article["category"],
            json.dumps(article["tags"]),
            json.dumps(article["contexts"]),
            article["status"],
            article["author"],
            article["updated_at"],
        ),
    )


def list_revisions(
    conn: sqlite3.Connection, article_id: int, before: int | None, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM article_revisions WHERE article_id = ? AND revision < ?"
        " ORDER BY revision DESC LIMIT ?",
        (article_id, before if before is not None else 2**62, limit),
    ).fetchall()
    return [_decoded(row) for row in rows]


def revision(conn: sqlite3.Connection, article_id: int, number: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM article_revisions WHERE article_id = ? AND revision = ?",
        (article_id, number),
    ).fetchone()
    return _decoded(row) if row else None
