"""SQL aggregates for the analytics dashboard; every query takes an app and a [start, end) range
of ISO 8601 UTC times (which sort as text)."""

from __future__ import annotations

import sqlite3
from typing import Any


def searches_by_day(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT substr(created_at, 1, 10) AS day, count(*) AS total,"
        " sum(results = 0) AS zero FROM search_log WHERE app_id = ? AND created_at >= ?"
        " AND created_at < ? GROUP BY day ORDER BY day",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def top_queries(
    conn: sqlite3.Connection, app_id: str, start: str, end: str, *, zero_only: bool, limit: int
) -> list[dict[str, Any]]:
    having = "HAVING max(results) = 0" if zero_only else ""
    rows = conn.execute(
        "SELECT lower(query) AS query, count(*) AS searches, avg(results) AS average_results,"
        " max(created_at) AS last_searched, group_concat(DISTINCT locale) AS locales"
        " FROM search_log WHERE app_id = ? AND created_at >= ? AND created_at < ?"
        f" GROUP BY lower(query) {having} ORDER BY searches DESC, last_searched DESC LIMIT ?",
        (app_id, start, end, limit),
    ).fetchall()
    return [dict(r) for r in rows]


def article_totals(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    """Per slug, over every translation: views and votes since the article was created."""
    rows = conn.execute(
        "SELECT slug, coalesce(max(CASE WHEN locale = 'en' THEN title END), max(title)) AS title,"
        " group_concat(locale) AS locales, sum(views) AS views, sum(helpful_yes) AS yes,"
        " sum(helpful_no) AS no, max(status = 'published') AS published"
        " FROM articles WHERE app_id = ? AND status != 'archived' GROUP BY slug",
        (app_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def views_in_range(conn: sqlite3.Connection, app_id: str, start: str, end: str) -> dict[str, int]:
    """Per slug: the times the server served the published article (article_served rows)."""
    rows = conn.execute(
        "SELECT slug, count(*) FROM help_events WHERE app_id = ? AND type = 'article_served'"
        " AND created_at >= ? AND created_at < ? GROUP BY slug",
        (app_id, start, end),
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def feedback_in_range(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> dict[str, tuple[int, int]]:
    rows = conn.execute(
        "SELECT a.slug, sum(f.helpful), sum(1 - f.helpful) FROM article_feedback f"
        " JOIN articles a ON a.id = f.article_id WHERE a.app_id = ? AND f.created_at >= ?"
        " AND f.created_at < ? GROUP BY a.slug",
        (app_id, start, end),
    ).fetchall()
    return {str(r[0]): (int(r[1]), int(r[2])) for r in rows}


def help_activity(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """The help events of people (not the server's article_served rows), oldest first."""
    rows = conn.execute(
        "SELECT type, session, actor, created_at FROM help_events WHERE app_id = ?"
        " AND created_at >= ? AND created_at < ? AND type != 'article_served'"
        " ORDER BY created_at, id",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def tickets_by(
    conn: sqlite3.Connection, app_id: str, start: str, end: str, path: str, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"SELECT coalesce(json_extract(context, '$.{path}'), '') AS value, count(*) AS tickets"
        " FROM tickets WHERE app_id = ? AND created_at >= ? AND created_at < ?"
        " GROUP BY value ORDER BY tickets DESC, value LIMIT ?",
        (app_id, start, end, limit),
    ).fetchall()
    return [dict(r) for r in rows]


def tickets_by_day(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT substr(created_at, 1, 10) AS day, count(*) AS total FROM tickets"
        " WHERE app_id = ? AND created_at >= ? AND created_at < ? GROUP BY day ORDER BY day",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def ticket_times(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """Created, first public agent reply and solved times of the tickets filed in the range."""
    rows = conn.execute(
        "SELECT t.public_id, t.status, t.created_at, t.solved_at,"
        " (SELECT min(m.created_at) FROM ticket_messages m WHERE m.ticket_id = t.id"
        " AND m.author_kind = 'agent' AND m.internal = 0) AS first_reply"
        " FROM tickets t WHERE t.app_id = ? AND t.created_at >= ? AND t.created_at < ?",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def ratings(conn: sqlite3.Connection, app_id: str, start: str, end: str) -> dict[int, int]:
    rows = conn.execute(
        "SELECT r.score, count(*) FROM ticket_ratings r JOIN tickets t ON t.id = r.ticket_id"
        " WHERE t.app_id = ? AND r.created_at >= ? AND r.created_at < ? GROUP BY r.score",
        (app_id, start, end),
    ).fetchall()
    return {int(r[0]): int(r[1]) for r in rows}
