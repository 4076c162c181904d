"""SQL for outgoing mail (the rows the worker sends and the admin's "Sent mail" lists)."""

from __future__ import annotations

import sqlite3
from typing import Any


def insert_mail(conn: sqlite3.Connection, mail: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO mail (public_id, app_id, kind, to_address, subject, text_body, html_body,"
        " ticket_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        ),
    )
    return int(cur.lastrowid or 0)


def get_mail(conn: sqlite3.Connection, mail_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM mail WHERE id = ?", (mail_id,)).fetchone()
    return dict(row) if row else None


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


def list_mail(conn: sqlite3.Connection, app_ids: list[str], limit: int) -> list[dict[str, Any]]:
    marks = ",".join("?" * len(app_ids)) or "NULL"
    rows = conn.execute(
        "SELECT m.*, t.public_id AS ticket_public_id FROM mail m"
        " LEFT JOIN tickets t ON t.id = m.ticket_id"
        f" WHERE m.app_id IN ({marks}) ORDER BY m.id DESC LIMIT ?",
        (*app_ids, limit),
    ).fetchall()
    return [dict(r) for r in rows]


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
    return dict(row) if row else None


def rejected_for_ticket(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT to_address, last_error, created_at FROM mail"
        " WHERE ticket_id = ? AND state = 'rejected' ORDER BY id",
        (ticket_id,),
    ).fetchall()
    return [dict(r) for r in rows]
