"""SQL for insights: what tickets and failed searches say, article links, spikes told."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from ..jsontext import loads_stored

BODY_CHARS = 600  # of a ticket's text: what it is about is said first


def tickets_since(conn: sqlite3.Connection, app_id: str, since: str) -> list[dict[str, Any]]:
    """The app's tickets filed since ``since``, oldest first, merged ones left out (their
    text lives on in the ticket they were merged into)."""
    rows = conn.execute(
        "SELECT id, public_id, subject, substr(body, 1, ?) AS body, status, context,"
        " created_at FROM tickets WHERE app_id = ? AND created_at >= ? AND merged_into IS NULL"
        " ORDER BY created_at, id",
        (BODY_CHARS, app_id, since),
    ).fetchall()
    out = []
    for row in rows:
        ticket = dict(row)
        context = loads_stored(ticket.pop("context"))
        ticket["context_key"] = str(context.get("context_key") or "")
        ticket["app_version"] = str(context.get("app_version") or "")
        out.append(ticket)
    return out


def failed_searches(conn: sqlite3.Connection, app_id: str, since: str) -> list[dict[str, Any]]:
    """Queries that found nothing since ``since``, each with how often it was searched."""
    rows = conn.execute(
        "SELECT lower(query) AS query, count(*) AS searches, min(created_at) AS first"
        " FROM search_log WHERE app_id = ? AND created_at >= ? AND results = 0"
        " GROUP BY lower(query) ORDER BY first, query",
        (app_id, since),
    ).fetchall()
    return [dict(r) for r in rows]


def resolving_replies(conn: sqlite3.Connection, ticket_ids: list[int]) -> list[dict[str, Any]]:
    """The last public agent reply of each of these tickets that is solved or closed."""
    if not ticket_ids:
        return []
    marks = ",".join("?" * len(ticket_ids))
    rows = conn.execute(
        "SELECT t.public_id AS ticket_id, m.body, m.author_name FROM ticket_messages m"
        " JOIN tickets t ON t.id = m.ticket_id"
        f" WHERE m.ticket_id IN ({marks}) AND t.status IN ('solved', 'closed')"
        " AND m.author_kind = 'agent' AND m.internal = 0"
        " AND m.id = (SELECT max(id) FROM ticket_messages x WHERE x.ticket_id = m.ticket_id"
        " AND x.author_kind = 'agent' AND x.internal = 0)"
        " ORDER BY m.id DESC",
        ticket_ids,
    ).fetchall()
    return [dict(r) for r in rows]


def links(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT group_id, terms, slug, linked_at, linked_by FROM insight_links WHERE app_id = ?"
        " ORDER BY linked_at",
        (app_id,),
    ).fetchall()
    return [{**dict(r), "terms": loads_stored(r["terms"])} for r in rows]


def link(
    conn: sqlite3.Connection,
    app_id: str,
    group_id: str,
    terms: list[str],
    slug: str,
    at: str,
    by: str,
) -> None:
    conn.execute(
        "INSERT INTO insight_links (app_id, group_id, terms, slug, linked_at, linked_by)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (app_id, group_id) DO UPDATE SET"
        " slug = excluded.slug, terms = excluded.terms, linked_at = excluded.linked_at,"
        " linked_by = excluded.linked_by",
        (app_id, group_id, json.dumps(terms), slug, at, by),
    )


def unlink(conn: sqlite3.Connection, app_id: str, group_id: str) -> bool:
    cur = conn.execute(
        "DELETE FROM insight_links WHERE app_id = ? AND group_id = ?", (app_id, group_id)
    )
    return cur.rowcount > 0


def mark_spike_told(conn: sqlite3.Connection, app_id: str, key: str, at: str) -> bool:
    """Remember that a spike was told; False when it already was (nobody is told twice)."""
    cur = conn.execute(
        "INSERT INTO spike_notices (app_id, key, notified_at) VALUES (?, ?, ?)"
        " ON CONFLICT (app_id, key) DO NOTHING",
        (app_id, key, at),
    )
    return cur.rowcount > 0


def app_ids(conn: sqlite3.Connection) -> list[str]:
    return [r["id"] for r in conn.execute("SELECT id FROM apps ORDER BY id").fetchall()]


def published_slugs(conn: sqlite3.Connection, app_id: str) -> dict[str, dict[str, Any]]:
    rows = conn.execute(
        "SELECT slug, min(title) AS title, min(published_at) AS published_at FROM articles"
        " WHERE app_id = ? AND status = 'published' GROUP BY slug",
        (app_id,),
    ).fetchall()
    return {r["slug"]: dict(r) for r in rows}
