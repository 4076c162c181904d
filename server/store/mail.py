"""SQL for outgoing mail (the rows the worker sends and the admin's "Sent mail" lists)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def insert_mail(conn: sqlite3.Connection, mail: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO mail (public_id, app_id, kind, to_address, subject, text_body, html_body,"
        " ticket_id, created_at, message_id, headers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            mail["public_id"],
            mail["app_id"],
            mail["kind"],
            mail["to_address"],
            mail["subject"],
            mail["text_body"],
            mail["html_body"],
            mail["ticket_id"],
            mail["created_at"],
            mail.get("message_id"),
            json.dumps(mail.get("headers") or {}),
        ),
    )
    return int(cur.lastrowid or 0)


def _mail(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    mail = dict(row)
    mail["headers"] = json.loads(mail.get("headers") or "{}")
    return mail


def get_mail(conn: sqlite3.Connection, mail_id: int) -> dict[str, Any] | None:
    return _mail(conn.execute("SELECT * FROM mail WHERE id = ?", (mail_id,)).fetchone())


def by_message_ids(conn: sqlite3.Connection, message_ids: list[str]) -> list[dict[str, Any]]:
    """Our mail with any of these Message-IDs (without <>), newest first."""
    if not message_ids:
        return []
    marks = ",".join("?" * len(message_ids))
    rows = conn.execute(
        f"SELECT * FROM mail WHERE message_id IN ({marks}) ORDER BY id DESC", message_ids
    ).fetchall()
    return [m for m in map(_mail, rows) if m is not None]


def thread_ids(conn: sqlite3.Connection, ticket_id: int, to_address: str) -> list[str]:
    """The Message-IDs of the mail this ticket's requester got, oldest first (References)."""
    rows = conn.execute(
        "SELECT message_id FROM mail WHERE ticket_id = ? AND lower(to_address) = lower(?)"
        " AND message_id IS NOT NULL ORDER BY id",
        (ticket_id, to_address),
    ).fetchall()
    return [r[0] for r in rows]


def add_bounce(
    conn: sqlite3.Connection,
    *,
    app_id: str | None,
    address: str,
    mail_id: int | None,
    diagnostic: str,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO mail_bounces (app_id, address, mail_id, diagnostic, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (app_id, address.lower(), mail_id, diagnostic, now),
    )


def bounces_for(conn: sqlite3.Connection, app_id: str, address: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT address, diagnostic, created_at FROM mail_bounces"
        " WHERE app_id = ? AND address = ? ORDER BY id",
        (app_id, address.lower()),
    ).fetchall()
    return [dict(r) for r in rows]


def record(
    conn: sqlite3.Connection,
    mail_id: int,
    *,
    error: str | None,
    state: str | None,
    sent_at: str | None,
    attempted: bool,
) -> None:
    conn.execute(
        "UPDATE mail SET last_error = ?, state = COALESCE(?, state), sent_at = ?,"
        " attempts = attempts + ? WHERE id = ?",
        (error, state, sent_at, 1 if attempted else 0, mail_id),
    )


def release_held(conn: sqlite3.Connection, reason: str, now: str) -> int:
    cur = conn.execute(
        "UPDATE jobs SET run_at = ? WHERE kind = 'mail' AND state = 'pending' AND ref IN"
        " (SELECT id FROM mail WHERE state = 'queued' AND last_error = ?)",
        (now, reason),
    )
    return cur.rowcount


def discard_queued(conn: sqlite3.Connection) -> int:
    """Forget every mail not sent yet, and its jobs; returns how many."""
    conn.execute(
        "DELETE FROM jobs WHERE kind = 'mail' AND ref IN"
        " (SELECT id FROM mail WHERE state = 'queued')"
    )
    conn.execute(
        "UPDATE mail_bounces SET mail_id = NULL WHERE mail_id IN"
        " (SELECT id FROM mail WHERE state = 'queued')"
    )
    return conn.execute("DELETE FROM mail WHERE state = 'queued'").rowcount


def list_mail(conn: sqlite3.Connection, app_ids: list[str], limit: int) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(app_ids)) or "NULL"
    rows = conn.execute(
        "SELECT m.*, t.public_id AS ticket_public_id FROM mail m"
        " LEFT JOIN tickets t ON t.id = m.ticket_id"
        f" WHERE m.app_id IN ({marks}) ORDER BY m.id DESC LIMIT ?",
        (*app_ids, limit),
    ).fetchall()
    return [m for m in map(_mail, rows) if m is not None]


def mail_by_public_id(
    conn: sqlite3.Connection, app_ids: list[str], public_id: str
) -> dict[str, Any] | None:
    marks = ",".join("?" * len(app_ids)) or "NULL"
    row = conn.execute(
        "SELECT m.*, t.public_id AS ticket_public_id FROM mail m"
        " LEFT JOIN tickets t ON t.id = m.ticket_id"
        f" WHERE m.public_id = ? AND m.app_id IN ({marks})",
        (public_id, *app_ids),
    ).fetchone()
    return _mail(row)


def rejected_for_ticket(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT to_address, last_error, created_at FROM mail"
        " WHERE ticket_id = ? AND state = 'rejected' ORDER BY id",
        (ticket_id,),
    ).fetchall()
    return [dict(r) for r in rows]
