"""SQL for saved replies (macros)."""

from __future__ import annotations

import sqlite3
from typing import Any


def list_macros(conn: sqlite3.Connection, app_id: str, text: str = "") -> list[dict[str, Any]]:
    sql, args = "SELECT * FROM macros WHERE app_id = ?", [app_id]
    if text:
        escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        sql += " AND (name LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')"
        args += [f"%{escaped}%", f"%{escaped}%"]
    rows = conn.execute(sql + " ORDER BY name COLLATE NOCASE", args).fetchall()
    return [dict(r) for r in rows]


def get_macro(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM macros WHERE app_id = ? AND public_id = ?", (app_id, public_id)
    ).fetchone()
    return dict(row) if row else None


def insert_macro(conn: sqlite3.Connection, macro: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO macros (public_id, app_id, name, body, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            macro["public_id"],
            macro["app_id"],
            macro["name"],
            macro["body"],
            macro["created_at"],
            macro["updated_at"],
        ),
    )
    return int(cur.lastrowid or 0)


def update_macro(conn: sqlite3.Connection, macro_id: int, fields: dict[str, Any]) -> None:
    names = [n for n in fields if n in ("name", "body", "updated_at")]
    if names:
        assignments = ", ".join(f"{n} = ?" for n in names)
        conn.execute(
            f"UPDATE macros SET {assignments} WHERE id = ?",
            (*[fields[n] for n in names], macro_id),
        )


def delete_macro(conn: sqlite3.Connection, macro_id: int) -> None:
    conn.execute("DELETE FROM macros WHERE id = ?", (macro_id,))


def macro_ids(conn: sqlite3.Connection, app_id: str) -> frozenset[str]:
    rows = conn.execute("SELECT public_id FROM macros WHERE app_id = ?", (app_id,)).fetchall()
    return frozenset(r[0] for r in rows)
