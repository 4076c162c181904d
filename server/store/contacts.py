"""SQL for contacts (one per app and person) and which tickets are whose."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..jsontext import loads_stored


def _contact(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    contact = dict(row)
    contact["traits"] = loads_stored(contact["traits"])
    return contact


def get(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM contacts WHERE app_id = ? AND public_id = ?", (app_id, public_id)
    ).fetchone()
    return _contact(row)


def by_key(conn: sqlite3.Connection, app_id: str, kind: str, key: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM contacts WHERE app_id = ? AND kind = ? AND key = ?", (app_id, kind, key)
    ).fetchone()
    return _contact(row)


def with_email(conn: sqlite3.Connection, app_id: str, email: str) -> list[dict[str, Any]]:
    """The app's contacts with ``email`` (lowercased): users first, most recently seen first."""
    rows = conn.execute(
        "SELECT * FROM contacts WHERE app_id = ? AND email = ?"
        " ORDER BY kind = 'user' DESC, last_seen DESC, id DESC",
        (app_id, email),
    ).fetchall()
    return [c for c in map(_contact, rows) if c is not None]


def of_ticket(conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT c.* FROM contacts c JOIN contact_tickets l ON l.contact_id = c.id"
        " WHERE l.ticket_id = ?",
        (ticket_id,),
    ).fetchone()
    return _contact(row)


def insert(conn: sqlite3.Connection, contact: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO contacts (public_id, app_id, kind, key, name, email, traits, first_seen,"
        " last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            contact["public_id"],
            contact["app_id"],
            contact["kind"],
            contact["key"],
            contact["name"],
            contact["email"],
            json.dumps(contact.get("traits") or {}),
            contact["first_seen"],
            contact["last_seen"],
        ),
    )
    return int(cur.lastrowid or 0)


def update(conn: sqlite3.Connection, contact_id: int, changes: dict[str, Any]) -> None:
    allowed = ("name", "email", "traits", "first_seen", "last_seen")
    names = [name for name in changes if name in allowed]
    if not names:
        return
    values = [json.dumps(changes[n]) if n == "traits" else changes[n] for n in names]
    conn.execute(
        f"UPDATE contacts SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
        (*values, contact_id),
    )


def link(conn: sqlite3.Connection, ticket_id: int, contact_id: int) -> None:
    conn.execute(
        "INSERT INTO contact_tickets (ticket_id, contact_id) VALUES (?, ?)"
        " ON CONFLICT (ticket_id) DO UPDATE SET contact_id = excluded.contact_id",
        (ticket_id, contact_id),
    )


def merge(conn: sqlite3.Connection, from_id: int, into_id: int) -> None:
    """Move ``from_id``'s tickets to ``into_id`` and delete ``from_id``."""
    conn.execute(
        "UPDATE contact_tickets SET contact_id = ? WHERE contact_id = ?", (into_id, from_id)
    )
    conn.execute("DELETE FROM contacts WHERE id = ?", (from_id,))


def tickets_of(
    conn: sqlite3.Connection, contact_id: int, limit: int, *, besides: int = 0
) -> list[dict[str, Any]]:
    """The contact's tickets (but ``besides``, a ticket's row id), newest first, with their
    rating (score and comment, or None); read newest first along contact_tickets' index, so
    only ``limit`` rows are read however many tickets the person has."""
    rows = conn.execute(
        "SELECT t.id, t.public_id, t.status, t.subject, t.context, t.created_at,"
        " t.requester_kind, r.score AS rating_score, r.comment AS rating_comment"
        " FROM contact_tickets l JOIN tickets t ON t.id = l.ticket_id"
        " LEFT JOIN ticket_ratings r ON r.ticket_id = t.id"
        " WHERE l.contact_id = ? AND l.ticket_id != ? ORDER BY l.ticket_id DESC LIMIT ?",
        (contact_id, besides, limit),
    ).fetchall()
    out = []
    for row in rows:
        ticket = dict(row)
        ticket["context"] = loads_stored(ticket["context"])
        out.append(ticket)
    return out


def page_contexts(conn: sqlite3.Connection, contact_id: int, window: int, limit: int) -> list[Any]:
    """The contexts of the newest ticket from each distinct page (``context.url``, a
    non-empty string) among the contact's ``window`` newest tickets: up to ``limit``, newest
    first. The grouping runs in SQLite; only the chosen contexts come back to be parsed."""
    rows = conn.execute(
        "SELECT t.context FROM tickets t WHERE t.id IN ("
        " SELECT max(id) FROM (SELECT l.ticket_id AS id, t.context FROM contact_tickets l"
        " JOIN tickets t ON t.id = l.ticket_id WHERE l.contact_id = ?"
        " ORDER BY l.ticket_id DESC LIMIT ?)"
        " WHERE json_type(context, '$.url') = 'text' AND json_extract(context, '$.url') != ''"
        " GROUP BY json_extract(context, '$.url') ORDER BY max(id) DESC LIMIT ?)"
        " ORDER BY t.id DESC",
        (contact_id, window, limit),
    ).fetchall()
    return [loads_stored(row[0]) for row in rows]


def count_tickets(conn: sqlite3.Connection, contact_id: int) -> int:
    row = conn.execute(
        "SELECT count(*) FROM contact_tickets WHERE contact_id = ?", (contact_id,)
    ).fetchone()
    return int(row[0])
