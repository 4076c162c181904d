"""SQL for custom ticket fields."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..jsontext import loads_stored


def _field(row: sqlite3.Row) -> dict[str, Any]:
    found = dict(row)
    found["options"] = loads_stored(found["options"])
    found["required"] = bool(found["required"])
    found["visible_to_requester"] = bool(found["visible_to_requester"])
    return found


def list_fields(
    conn: sqlite3.Connection, app_id: str, *, archived: bool = False
) -> list[dict[str, Any]]:
    """The app's fields in order; with ``archived`` the archived ones too (last)."""
    where = "" if archived else " AND archived_at IS NULL"
    rows = conn.execute(
        f"SELECT * FROM ticket_fields WHERE app_id = ?{where}"
        " ORDER BY archived_at IS NOT NULL, position, id",
        (app_id,),
    ).fetchall()
    return [_field(r) for r in rows]


def get_field(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM ticket_fields WHERE app_id = ? AND (public_id = ? OR key = ?)",
        (app_id, public_id, public_id),
    ).fetchone()
    return _field(row) if row else None


def insert_field(conn: sqlite3.Connection, field: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO ticket_fields (public_id, app_id, key, label, type, options, required,"
        " visible_to_requester, position, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            field["public_id"],
            field["app_id"],
            field["key"],
            field["label"],
            field["type"],
            json.dumps(field["options"]),
            int(field["required"]),
            int(field["visible_to_requester"]),
            field["position"],
            field["created_at"],
            field["updated_at"],
        ),
    )


def update_field(conn: sqlite3.Connection, field_id: int, changes: dict[str, Any]) -> None:
    allowed = (
        "label",
        "options",
        "required",
        "visible_to_requester",
        "position",
        "archived_at",
        "updated_at",
    )
    names = [n for n in changes if n in allowed]
    values = [
        json.dumps(changes[n])
        if n == "options"
        else int(changes[n])
        if n in ("required", "visible_to_requester")
        else changes[n]
        for n in names
    ]
    if names:
        assignments = ", ".join(f"{n} = ?" for n in names)
        conn.execute(f"UPDATE ticket_fields SET {assignments} WHERE id = ?", (*values, field_id))


def archive_field(conn: sqlite3.Connection, field_id: int, now: str) -> None:
    conn.execute(
        "UPDATE ticket_fields SET archived_at = ?, updated_at = ? WHERE id = ?",
        (now, now, field_id),
    )


def next_position(conn: sqlite3.Connection, app_id: str) -> int:
    row = conn.execute(
        "SELECT MAX(position) FROM ticket_fields WHERE app_id = ?", (app_id,)
    ).fetchone()
    return int(row[0] or 0) + 1


def set_ticket_fields(conn: sqlite3.Connection, ticket_id: int, values: dict[str, Any]) -> None:
    conn.execute("UPDATE tickets SET fields = ? WHERE id = ?", (json.dumps(values), ticket_id))


def counts_by_value(
    conn: sqlite3.Connection, app_id: str, key: str, since: str, until: str
) -> list[tuple[Any, int]]:
    """How many tickets filed in [since, until) hold each value of field ``key``."""
    rows = conn.execute(
        "SELECT json_extract(fields, '$.' || json_quote(?)), COUNT(*) FROM tickets"
        " WHERE app_id = ? AND created_at >= ? AND created_at < ? GROUP BY 1 ORDER BY 2 DESC",
        (key, app_id, since, until),
    ).fetchall()
    return [(r[0], int(r[1])) for r in rows]
