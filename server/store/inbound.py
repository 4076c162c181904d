"""SQL for inbound mail (every message that arrived, raw) and the IMAP mailboxes' state."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


def _row(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    found = dict(row)
    found["problems"] = json.loads(found.get("problems") or "[]")
    return found


def insert(conn: sqlite3.Connection, mail: dict[str, Any]) -> int | None:
    """Keep one arrived message; None when these bytes already arrived in this mailbox."""
    cur = conn.execute(
        "INSERT INTO inbound_mail (public_id, app_id, mailbox, uidvalidity, uid, sha256, raw,"
        " size, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (mailbox, sha256) DO NOTHING",
        (
            mail["public_id"],
            mail["app_id"],
            mail["mailbox"],
            mail.get("uidvalidity"),
            mail.get("uid"),
            mail["sha256"],
            mail["raw"],
            mail["size"],
            mail["created_at"],
        ),
    )
    return int(cur.lastrowid or 0) if cur.rowcount else None


def by_digest(conn: sqlite3.Connection, mailbox: str, sha256: str) -> dict[str, Any] | None:
    return _row(
        conn.execute(
            "SELECT * FROM inbound_mail WHERE mailbox = ? AND sha256 = ?", (mailbox, sha256)
        ).fetchone()
    )


def get(conn: sqlite3.Connection, inbound_id: int) -> dict[str, Any] | None:
    return _row(conn.execute("SELECT * FROM inbound_mail WHERE id = ?", (inbound_id,)).fetchone())


def settle(conn: sqlite3.Connection, inbound_id: int, **fields: Any) -> None:
    """Record what became of a message (state, reason, problems, the ticket, who sent it)."""
    allowed = (
        "app_id",
        "state",
        "reason",
        "problems",
        "ticket_id",
        "from_address",
        "subject",
        "message_id",
        "processed_at",
    )
    names = [n for n in fields if n in allowed]
    values = [json.dumps(fields[n]) if n == "problems" else fields[n] for n in names]
    assignments = ", ".join(f"{n} = ?" for n in names)
    conn.execute(f"UPDATE inbound_mail SET {assignments} WHERE id = ?", (*values, inbound_id))


def tickets_for_message_ids(conn: sqlite3.Connection, message_ids: list[str]) -> list[int]:
    """Tickets that mail we received with these Message-IDs went into, newest first."""
    if not message_ids:
        return []
    marks = ",".join("?" * len(message_ids))
    rows = conn.execute(
        f"SELECT ticket_id FROM inbound_mail WHERE message_id IN ({marks})"
        " AND ticket_id IS NOT NULL ORDER BY id DESC",
        message_ids,
    ).fetchall()
    return [int(r[0]) for r in rows]


def opened_since(conn: sqlite3.Connection, app_id: str, sender: str, since: str) -> int:
    """How many tickets mail from ``sender`` opened in ``app_id`` since ``since``."""
    row = conn.execute(
        "SELECT COUNT(*) FROM inbound_mail WHERE app_id = ? AND from_address = ?"
        " AND state = 'opened' AND created_at >= ?",
        (app_id, sender, since),
    ).fetchone()
    return int(row[0])


def listing(
    conn: sqlite3.Connection, app_ids: list[str], limit: int, *, unrouted: bool
) -> list[dict[str, Any]]:
    """Newest first, without the raw bytes; ``unrouted`` adds mail no app could be found for."""
    marks = ",".join("?" * len(app_ids)) or "NULL"
    extra = " OR i.app_id IS NULL" if unrouted else ""
    rows = conn.execute(
        "SELECT i.id, i.public_id, i.app_id, i.mailbox, i.size, i.from_address, i.subject,"
        " i.message_id, i.state, i.reason, i.problems, i.created_at, i.processed_at,"
        " t.public_id AS ticket_public_id FROM inbound_mail i"
        " LEFT JOIN tickets t ON t.id = i.ticket_id"
        f" WHERE i.app_id IN ({marks}){extra} ORDER BY i.id DESC LIMIT ?",
        (*app_ids, limit),
    ).fetchall()
    return [r for r in map(_row, rows) if r is not None]


def by_public_id(
    conn: sqlite3.Connection, app_ids: list[str], public_id: str, *, unrouted: bool
) -> dict[str, Any] | None:
    marks = ",".join("?" * len(app_ids)) or "NULL"
    extra = " OR i.app_id IS NULL" if unrouted else ""
    return _row(
        conn.execute(
            "SELECT i.*, t.public_id AS ticket_public_id FROM inbound_mail i"
            " LEFT JOIN tickets t ON t.id = i.ticket_id"
            f" WHERE i.public_id = ? AND (i.app_id IN ({marks}){extra})",
            (public_id, *app_ids),
        ).fetchone()
    )


def opening_of(conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
    """The mail that opened a ticket, if mail did."""
    return _row(
        conn.execute(
            "SELECT public_id, from_address, created_at FROM inbound_mail"
            " WHERE ticket_id = ? AND state = 'opened' ORDER BY id LIMIT 1",
            (ticket_id,),
        ).fetchone()
    )


# -- IMAP mailboxes ------------------------------------------------------------------------
def mailbox_claim(
    conn: sqlite3.Connection, mailbox: str, worker: str, now: str, until: str
) -> dict[str, Any] | None:
    """Take the mailbox's poll lease if nobody holds it; returns its state, or None."""
    conn.execute(
        "INSERT INTO mailbox_state (mailbox) VALUES (?) ON CONFLICT DO NOTHING", (mailbox,)
    )
    cur = conn.execute(
        "UPDATE mailbox_state SET locked_by = ?, locked_until = ? WHERE mailbox = ?"
        " AND (locked_until IS NULL OR locked_until < ? OR locked_by = ?)",
        (worker, until, mailbox, now, worker),
    )
    if not cur.rowcount:
        return None
    return mailbox_get(conn, mailbox)


def mailbox_get(conn: sqlite3.Connection, mailbox: str) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM mailbox_state WHERE mailbox = ?", (mailbox,)).fetchone()
    return dict(row) if row else None


def mailbox_advance(
    conn: sqlite3.Connection,
    mailbox: str,
    worker: str,
    uidvalidity: int,
    last_uid: int,
    until: str,
) -> bool:
    """Move the mailbox's mark forward and renew the lease to ``until``, if this worker
    still holds it."""
    cur = conn.execute(
        "UPDATE mailbox_state SET uidvalidity = ?, last_uid = ?, locked_until = ?"
        " WHERE mailbox = ? AND locked_by = ?",
        (uidvalidity, last_uid, until, mailbox, worker),
    )
    return bool(cur.rowcount)


def mailbox_release(
    conn: sqlite3.Connection, mailbox: str, worker: str, now: str, error: str | None
) -> None:
    conn.execute(
        "UPDATE mailbox_state SET locked_by = NULL, locked_until = NULL, polled_at = ?,"
        " last_error = ? WHERE mailbox = ? AND locked_by = ?",
        (now, error, mailbox, worker),
    )
