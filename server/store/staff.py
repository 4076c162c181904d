"""SQL for staff users (username and password) and their admin sign-in sessions."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def _user(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    user = dict(row)
    user["muted"] = json.loads(user.get("muted") or "[]")
    return user


def insert_user(conn: sqlite3.Connection, user: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO staff_users (id, username, display_name, role, app_id, password_hash,"
        " created_at, email) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            user["id"],
            user["username"],
            user["display_name"],
            user["role"],
            user["app_id"],
            user["password_hash"],
            user["created_at"],
            user.get("email"),
        ),
    )


def get_user(conn: sqlite3.Connection, user_id: str) -> dict[str, Any] | None:
    return _user(conn.execute("SELECT * FROM staff_users WHERE id = ?", (user_id,)).fetchone())


def find_user(conn: sqlite3.Connection, username: str) -> dict[str, Any] | None:
    return _user(
        conn.execute("SELECT * FROM staff_users WHERE username = ?", (username,)).fetchone()
    )


def list_users(conn: sqlite3.Connection, app_id: str | None = None) -> list[dict[str, Any]]:
    """Every user, or those who can work in ``app_id`` (its own and the all-apps users)."""
    sql = "SELECT * FROM staff_users"
    params: tuple[Any, ...] = ()
    if app_id is not None:
        sql += " WHERE app_id = ? OR app_id IS NULL"
        params = (app_id,)
    return [u for u in map(_user, conn.execute(sql + " ORDER BY username", params)) if u]


def update_user(conn: sqlite3.Connection, user_id: str, **fields: Any) -> bool:
    allowed = {"password_hash", "role", "display_name", "disabled_at", "email", "muted"}
    names = [n for n in fields if n in allowed]
    if "muted" in fields:
        fields = {**fields, "muted": json.dumps(sorted(set(fields["muted"])))}
    if not names:
        return False
    assignments = ", ".join(f"{n} = ?" for n in names)
    cur = conn.execute(
        f"UPDATE staff_users SET {assignments} WHERE id = ?",
        (*(fields[n] for n in names), user_id),
    )
    return cur.rowcount == 1


# -- sessions ------------------------------------------------------------------------------
def insert_session(conn: sqlite3.Connection, session: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO staff_sessions (token_hash, staff_kind, staff_id, csrf_token, current_app,"
        " created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
        (
            session["token_hash"],
            session["staff_kind"],
            session["staff_id"],
            session["csrf_token"],
            session["current_app"],
            session["created_at"],
            session["expires_at"],
        ),
    )


def get_session(conn: sqlite3.Connection, token_hash: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM staff_sessions WHERE token_hash = ?", (token_hash,)
    ).fetchone()
    return dict(row) if row else None


def set_current_app(conn: sqlite3.Connection, token_hash: str, app_id: str) -> None:
    conn.execute(
        "UPDATE staff_sessions SET current_app = ? WHERE token_hash = ?", (app_id, token_hash)
    )


def delete_session(conn: sqlite3.Connection, token_hash: str) -> None:
    conn.execute("DELETE FROM staff_sessions WHERE token_hash = ?", (token_hash,))


def delete_sessions_of(conn: sqlite3.Connection, staff_kind: str, staff_id: str) -> int:
    cur = conn.execute(
        "DELETE FROM staff_sessions WHERE staff_kind = ? AND staff_id = ?", (staff_kind, staff_id)
    )
    return cur.rowcount


def delete_expired(conn: sqlite3.Connection, now: str) -> int:
    return conn.execute("DELETE FROM staff_sessions WHERE expires_at <= ?", (now,)).rowcount
