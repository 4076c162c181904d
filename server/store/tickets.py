"""SQL for tickets, their messages and ratings."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..jsontext import loads_stored

_TICKET_UPDATABLE = (
    "status",
    "priority",
    "assignee",
    "tags",
    "updated_at",
    "solved_at",
    "pending_since",
    "reminded_at",
    "team_id",
    "fields",
    "merged_into",
)


def _ticket(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    ticket = dict(row)
    ticket["context"] = loads_stored(ticket["context"])
    ticket["tags"] = loads_stored(ticket["tags"])
    ticket["traits"] = loads_stored(ticket["traits"])
    ticket["fields"] = loads_stored(ticket.get("fields") or "{}")
    return ticket


def insert_ticket(conn: sqlite3.Connection, ticket: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO tickets (public_id, app_id, requester_kind, requester_id, requester_email,"
        " requester_name, subject, body, status, priority, source, context, traits, tags,"
        " created_at, updated_at, original, html, fields)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            ticket["public_id"],
            ticket["app_id"],
            ticket["requester_kind"],
            ticket["requester_id"],
            ticket["requester_email"],
            ticket["requester_name"],
            ticket["subject"],
            ticket["body"],
            ticket["status"],
            ticket["priority"],
            ticket["source"],
            json.dumps(ticket["context"]),
            json.dumps(ticket.get("traits") or {}),
            json.dumps(ticket.get("tags", [])),
            ticket["created_at"],
            ticket["updated_at"],
            ticket.get("original"),
            ticket.get("html"),
            json.dumps(ticket.get("fields") or {}),
        ),
    )
    return int(cur.lastrowid or 0)


def ticket_by_public_id(conn: sqlite3.Connection, public_id: str) -> dict[str, Any] | None:
    """A ticket of any app (for mail, where the signed address names the ticket)."""
    return _ticket(
        conn.execute("SELECT * FROM tickets WHERE public_id = ?", (public_id,)).fetchone()
    )


def ticket_by_row_id(conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
    return _ticket(conn.execute("SELECT * FROM tickets WHERE id = ?", (ticket_id,)).fetchone())


def pending_due(conn: sqlite3.Connection, before: str, limit: int) -> list[dict[str, Any]]:
    """Pending tickets waiting on the customer since before ``before`` and not reminded."""
    rows = conn.execute(
        "SELECT * FROM tickets WHERE status = 'pending' AND pending_since < ?"
        " AND reminded_at IS NULL ORDER BY pending_since LIMIT ?",
        (before, limit),
    ).fetchall()
    return [t for t in map(_ticket, rows) if t is not None]


def reminded_due(conn: sqlite3.Connection, before: str, limit: int) -> list[dict[str, Any]]:
    """Pending tickets reminded before ``before`` without an answer since."""
    rows = conn.execute(
        "SELECT * FROM tickets WHERE status = 'pending' AND reminded_at < ?"
        " ORDER BY reminded_at LIMIT ?",
        (before, limit),
    ).fetchall()
    return [t for t in map(_ticket, rows) if t is not None]


def get_ticket(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM tickets WHERE app_id = ? AND public_id = ?", (app_id, public_id)
    ).fetchone()
    return _ticket(row)


def list_tickets(
    conn: sqlite3.Connection,
    app_id: str,
    *,
    requester: tuple[str, str] | None,
    status: str | None,
    before_id: int | None,
    limit: int,
) -> list[dict[str, Any]]:
    clauses: list[str] = ["app_id = ?"]
    params: list[Any] = [app_id]
    if requester is not None:
        clauses.append("requester_kind = ? AND requester_id = ?")
        params.extend(requester)
    if status is not None:
        clauses.append("status = ?")
        params.append(status)
    if before_id is not None:
        clauses.append("id < ?")
        params.append(before_id)
    rows = conn.execute(
        f"SELECT * FROM tickets WHERE {' AND '.join(clauses)} ORDER BY id DESC LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [t for t in map(_ticket, rows) if t is not None]


def update_ticket(conn: sqlite3.Connection, ticket_id: int, fields: dict[str, Any]) -> None:
    names = [n for n in fields if n in _TICKET_UPDATABLE]
    if not names:
        return
    values = [json.dumps(fields[n]) if n in ("tags", "fields") else fields[n] for n in names]
    assignments = ", ".join(f"{n} = ?" for n in names)
    conn.execute(f"UPDATE tickets SET {assignments} WHERE id = ?", (*values, ticket_id))


def insert_message(conn: sqlite3.Connection, message: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO ticket_messages (public_id, ticket_id, author_kind, author_id, author_name,"
        " body, internal, created_at, channel, original, html)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            message["public_id"],
            message["ticket_id"],
            message["author_kind"],
            message["author_id"],
            message["author_name"],
            message["body"],
            int(message["internal"]),
            message["created_at"],
            message.get("channel", "web"),
            message.get("original"),
            message.get("html"),
        ),
    )
    return int(cur.lastrowid or 0)


def list_messages(
    conn: sqlite3.Connection, ticket_id: int, include_internal: bool
) -> list[dict[str, Any]]:
    sql = "SELECT * FROM ticket_messages WHERE ticket_id = ?"
    if not include_internal:
        sql += " AND internal = 0"
    # in the order they were written: a merge brings older messages into a conversation
    rows = conn.execute(sql + " ORDER BY created_at, id", (ticket_id,)).fetchall()
    return [dict(r) for r in rows]


def get_rating(conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM ticket_ratings WHERE ticket_id = ?", (ticket_id,)).fetchone()
    return dict(row) if row else None


def upsert_rating(
    conn: sqlite3.Connection, ticket_id: int, score: int, comment: str, when: str
) -> None:
    conn.execute(
        "INSERT INTO ticket_ratings (ticket_id, score, comment, created_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT (ticket_id) DO UPDATE SET score = excluded.score,"
        " comment = excluded.comment, created_at = excluded.created_at",
        (ticket_id, score, comment, when),
    )


def count_tickets(conn: sqlite3.Connection, app_id: str | None = None) -> int:
    if app_id is None:
        return int(conn.execute("SELECT count(*) FROM tickets").fetchone()[0])
    return int(
        conn.execute("SELECT count(*) FROM tickets WHERE app_id = ?", (app_id,)).fetchone()[0]
    )


# -- live updates --------------------------------------------------------------------------
_AGENT_REPLY_UNREAD = (
    "EXISTS (SELECT 1 FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author_kind = 'agent'"
    " AND m.internal = 0 AND m.created_at > COALESCE(t.requester_read_at, ''))"
)


def unread_of(conn: sqlite3.Connection, app_id: str, kind: str, requester_id: str) -> list[str]:
    """The requester's tickets with an agent reply they have not read, newest first."""
    rows = conn.execute(
        "SELECT t.public_id FROM tickets t WHERE t.app_id = ? AND t.requester_kind = ?"
        f" AND t.requester_id = ? AND {_AGENT_REPLY_UNREAD} ORDER BY t.id DESC",
        (app_id, kind, requester_id),
    ).fetchall()
    return [r[0] for r in rows]


def is_unread(conn: sqlite3.Connection, ticket_id: int) -> bool:
    row = conn.execute(
        f"SELECT 1 FROM tickets t WHERE t.id = ? AND {_AGENT_REPLY_UNREAD}", (ticket_id,)
    ).fetchone()
    return row is not None


def mark_read(conn: sqlite3.Connection, ticket_id: int, when: str) -> None:
    conn.execute("UPDATE tickets SET requester_read_at = ? WHERE id = ?", (when, ticket_id))


def requester_version(conn: sqlite3.Connection, app_id: str, kind: str, requester_id: str) -> str:
    """Changes whenever one of the requester's tickets does (a reply, a status, a read)."""
    row = conn.execute(
        "SELECT COUNT(*), MAX(updated_at), MAX(COALESCE(requester_read_at, '')) FROM tickets"
        " WHERE app_id = ? AND requester_kind = ? AND requester_id = ?",
        (app_id, kind, requester_id),
    ).fetchone()
    return f"{row[0]}:{row[1] or ''}:{row[2] or ''}"


def app_version(conn: sqlite3.Connection, app_ids: list[str]) -> str:
    """Changes whenever a ticket of these apps is filed or changed (the inbox's cue)."""
    marks = ",".join("?" * len(app_ids)) or "NULL"
    row = conn.execute(
        f"SELECT COUNT(*), MAX(updated_at) FROM tickets WHERE app_id IN ({marks})", app_ids
    ).fetchone()
    return f"{row[0]}:{row[1] or ''}"


# -- attachments ---------------------------------------------------------------------------
def insert_attachment(conn: sqlite3.Connection, attachment: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO message_attachments (public_id, ticket_id, message_id, filename,"
        " content_type, declared_type, size, data, inline, content_id, note, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            attachment["public_id"],
            attachment["ticket_id"],
            attachment["message_id"],
            attachment["filename"],
            attachment["content_type"],
            attachment["declared_type"],
            len(attachment["data"]),
            attachment["data"],
            int(attachment["inline"]),
            attachment["content_id"],
            attachment["note"],
            attachment["created_at"],
        ),
    )


def list_attachments(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    """The ticket's attachments without their bytes, oldest first."""
    rows = conn.execute(
        "SELECT public_id, message_id, filename, content_type, declared_type, size, inline,"
        " content_id, note, created_at FROM message_attachments WHERE ticket_id = ? ORDER BY id",
        (ticket_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def get_attachment(
    conn: sqlite3.Connection, ticket_id: int, public_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM message_attachments WHERE ticket_id = ? AND public_id = ?",
        (ticket_id, public_id),
    ).fetchone()
    return dict(row) if row else None


def attachment_by_public_id(conn: sqlite3.Connection, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM message_attachments WHERE public_id = ?", (public_id,)
    ).fetchone()
    return dict(row) if row else None


def message_is_internal(conn: sqlite3.Connection, message_id: int) -> bool:
    row = conn.execute(
        "SELECT internal FROM ticket_messages WHERE id = ?", (message_id,)
    ).fetchone()
    return bool(row and row["internal"])
