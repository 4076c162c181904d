"""SQL for uploaded images (the files themselves live in the data directory's media folder)."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert(conn: sqlite3.Connection, item: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO media (id, app_id, file_name, original_name, content_type, size, sha256,"
        " width, height, uploaded_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            item["id"],
            item["app_id"],
            item["file_name"],
            item["original_name"],
            item["content_type"],
            item["size"],
            item["sha256"],
            item["width"],
            item["height"],
            item["uploaded_by"],
            item["created_at"],
        ),
    )


def by_file_name(conn: sqlite3.Connection, file_name: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM media WHERE file_name = ?", (file_name,)).fetchone()
    return dict(row) if row else None


def by_digest(conn: sqlite3.Connection, app_id: str, sha256: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM media WHERE app_id = ? AND sha256 = ?", (app_id, sha256)
    ).fetchone()
    return dict(row) if row else None


def recent(conn: sqlite3.Connection, app_id: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM media WHERE app_id = ? ORDER BY created_at DESC, id LIMIT ?",
        (app_id, limit),
    ).fetchall()
    return [dict(r) for r in rows]
