"""SQL for the analytics logs: searches people ran and help events (help opened, article viewed).

These rows are written on the hot path of every search, so they go through a
:class:`~.database.RelaxedDatabase` (see there).
"""

from __future__ import annotations

import sqlite3

from .database import RelaxedDatabase

__all__ = ["RelaxedDatabase", "log_search"]


def log_search(
    conn: sqlite3.Connection,
    *,
    app_id: str,
    actor: str,
    query: str,
    locale: str,
    results: int,
    now: str,
    since: str,
) -> None:
    """Record a search; a query that extends (or trims) the same person's query logged since
    ``since`` replaces it, so "r", "re", "ref", "refund" typed in a row count once."""
    if actor:
        last = conn.execute(
            "SELECT id, query, created_at FROM search_log WHERE app_id = ? AND actor = ?"
            " ORDER BY id DESC LIMIT 1",
            (app_id, actor),
        ).fetchone()
        if (
            last is not None
            and last["created_at"] >= since
            and (query.startswith(last["query"]) or last["query"].startswith(query))
        ):
            conn.execute(
                "UPDATE search_log SET query = ?, locale = ?, results = ?, created_at = ?"
                " WHERE id = ?",
                (query, locale, results, now, last["id"]),
            )
            return
    conn.execute(
        "INSERT INTO search_log (app_id, query, locale, results, created_at, actor)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (app_id, query, locale, results, now, actor),
    )


def insert_event(
    conn: sqlite3.Connection,
    *,
    app_id: str,
    type: str,
    session: str,
    actor: str,
    slug: str,
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO help_events (app_id, type, session, actor, slug, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (app_id, type, session, actor, slug, now),
    )
