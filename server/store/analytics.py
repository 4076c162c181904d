"""SQL aggregates for the analytics dashboard; every query takes an app and a [start, end) range
of ISO 8601 UTC times (which sort as text)."""

from __future__ import annotations

import json
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


# A duplicate merged into another ticket was closed, not solved: no resolution of its own.
_SOLVED = "CASE WHEN t.merged_into IS NULL THEN t.solved_at END AS solved_at"


def ticket_times(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """Created, first public agent reply and solved times of the tickets filed in the range."""
    rows = conn.execute(
        f"SELECT t.public_id, t.status, t.created_at, {_SOLVED},"
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


# -- service levels: the rows the service-level figures are computed from ---------------------

_OWNER = "t.assignee AS agent, tm.name AS team"
_OWNER_JOIN = "LEFT JOIN teams tm ON tm.id = t.team_id"


def sla_clocks(conn: sqlite3.Connection, app_id: str, end: str) -> list[dict[str, Any]]:
    """The SLA clock of each ticket filed before ``end``, with its team and assignee now."""
    rows = conn.execute(
        "SELECT s.ticket_id, s.policy_name, s.targets, s.first_response_due,"
        " s.first_response_at, s.next_response_due, s.resolution_due, s.resolution_spent,"
        f" s.resolved_at, {_OWNER} FROM ticket_sla s JOIN tickets t ON t.id = s.ticket_id"
        f" {_OWNER_JOIN} WHERE t.app_id = ? AND t.created_at < ? ORDER BY s.ticket_id",
        (app_id, end),
    ).fetchall()
    clocks = []
    for row in rows:
        found = dict(row)
        targets = json.loads(found["targets"] or "{}")
        found["targets"] = targets if isinstance(targets, dict) else {}
        clocks.append(found)
    return clocks


def sla_breaches(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    """The breaches recorded for the app's tickets, by ticket, metric and due time."""
    rows = conn.execute(
        f"SELECT e.ticket_id, e.metric, e.policy_name, e.due_at, {_OWNER} FROM sla_events e"
        f" JOIN tickets t ON t.id = e.ticket_id AND t.app_id = e.app_id {_OWNER_JOIN}"
        " WHERE e.app_id = ? AND e.kind = 'breach' ORDER BY e.ticket_id, e.metric, e.due_at",
        (app_id,),
    ).fetchall()
    return [dict(r) for r in rows]


def replies_after_first_response(
    conn: sqlite3.Connection, app_id: str, end: str
) -> list[dict[str, Any]]:
    """The public messages (requester and agent) written after the first response, before
    ``end``, of the tickets whose clock has a next-response target; per ticket, in order."""
    rows = conn.execute(
        "SELECT m.ticket_id, m.author_kind, m.created_at FROM ticket_messages m"
        " JOIN ticket_sla s ON s.ticket_id = m.ticket_id JOIN tickets t ON t.id = m.ticket_id"
        " WHERE t.app_id = ? AND m.internal = 0 AND m.created_at < ?"
        " AND s.first_response_at IS NOT NULL AND m.created_at > s.first_response_at"
        " AND json_extract(s.targets, '$.next_response') IS NOT NULL"
        " ORDER BY m.ticket_id, m.created_at, m.id",
        (app_id, end),
    ).fetchall()
    return [dict(r) for r in rows]


def solved_with_replies(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """The tickets solved (or closed) now whose solved_at is in the range, each with the
    number of public agent replies written up to then."""
    rows = conn.execute(
        "SELECT t.id, (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id"
        " AND m.author_kind = 'agent' AND m.internal = 0 AND m.created_at <= t.solved_at)"
        " AS replies FROM tickets t WHERE t.app_id = ? AND t.status IN ('solved', 'closed')"
        " AND t.merged_into IS NULL"
        " AND t.solved_at >= ? AND t.solved_at < ?",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def ticket_times_by_owner(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """:func:`ticket_times`, with each ticket's team and assignee now."""
    rows = conn.execute(
        f"SELECT t.status, t.created_at, {_SOLVED},"
        " (SELECT min(m.created_at) FROM ticket_messages m WHERE m.ticket_id = t.id"
        f" AND m.author_kind = 'agent' AND m.internal = 0) AS first_reply, {_OWNER}"
        f" FROM tickets t {_OWNER_JOIN} WHERE t.app_id = ? AND t.created_at >= ?"
        " AND t.created_at < ?",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def backlog_times(conn: sqlite3.Connection, app_id: str, end: str) -> tuple[list[str], list[str]]:
    """When the app's tickets filed before ``end`` were filed, and when those solved before
    ``end`` were (last) solved, each sorted."""
    created = [
        str(r[0])
        for r in conn.execute(
            "SELECT created_at FROM tickets WHERE app_id = ? AND created_at < ?"
            " ORDER BY created_at",
            (app_id, end),
        )
    ]
    solved = [
        str(r[0])
        for r in conn.execute(
            "SELECT solved_at FROM tickets WHERE app_id = ? AND solved_at IS NOT NULL"
            " AND solved_at < ? ORDER BY solved_at",
            (app_id, end),
        )
    ]
    return created, solved


def tickets_by_tag(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """Tickets filed in the range per tag (a ticket counts under each of its tags), and those
    with no tag (tag None)."""
    rows = conn.execute(
        "SELECT j.value AS tag, count(DISTINCT t.id) AS tickets FROM tickets t, json_each(t.tags) j"
        " WHERE t.app_id = ? AND t.created_at >= ? AND t.created_at < ? GROUP BY j.value"
        " UNION ALL SELECT NULL, count(*) FROM tickets t WHERE t.app_id = ?"
        " AND t.created_at >= ? AND t.created_at < ? AND json_array_length(t.tags) = 0",
        (app_id, start, end, app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows if r[1]]


def tickets_by_team(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    rows = conn.execute(
        f"SELECT tm.name AS team, count(*) AS tickets FROM tickets t {_OWNER_JOIN}"
        " WHERE t.app_id = ? AND t.created_at >= ? AND t.created_at < ? GROUP BY tm.name",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def tickets_by_priority(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> dict[str, int]:
    rows = conn.execute(
        "SELECT priority, count(*) FROM tickets WHERE app_id = ? AND created_at >= ?"
        " AND created_at < ? GROUP BY priority",
        (app_id, start, end),
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def tickets_by_field(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """Tickets filed in the range per value of each select and checkbox custom field
    (``value`` None: not filled in), fields in their order, values by count."""
    out: list[dict[str, Any]] = []
    fields = conn.execute(
        "SELECT key, label FROM ticket_fields WHERE app_id = ? AND type IN ('select', 'checkbox')"
        " ORDER BY position, id",
        (app_id,),
    ).fetchall()
    for key, label in fields:
        rows = conn.execute(
            "SELECT json_extract(fields, '$.' || ?1) AS value, json_type(fields, '$.' || ?1),"
            " count(*) FROM tickets WHERE app_id = ?2 AND created_at >= ?3 AND created_at < ?4"
            " GROUP BY 1, 2 ORDER BY 3 DESC, 1",
            (key, app_id, start, end),
        ).fetchall()
        out += [
            {
                "field": key,
                "label": label,
                "value": {"true": True, "false": False}.get(r[1], r[0]),
                "tickets": int(r[2]),
            }
            for r in rows
        ]
    return out


def ratings_by_agent(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """Ratings given in the range per assignee of the rated ticket (None: unassigned)."""
    rows = conn.execute(
        "SELECT t.assignee AS agent, count(*) AS ratings, avg(r.score) AS average,"
        " sum(r.score >= 4) AS satisfied FROM ticket_ratings r JOIN tickets t"
        " ON t.id = r.ticket_id WHERE t.app_id = ? AND r.created_at >= ? AND r.created_at < ?"
        " GROUP BY t.assignee",
        (app_id, start, end),
    ).fetchall()
    return [dict(r) for r in rows]


def _like_literal(text: str) -> str:
    """``text`` for a LIKE pattern escaped with ``\\`` (app ids hold ``_``, a wildcard)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def solved_count(conn: sqlite3.Connection, app_id: str, start: str, end: str) -> int:
    """The tickets solved (or closed) now whose (last) solve is in the range."""
    row = conn.execute(
        "SELECT count(*) FROM tickets WHERE app_id = ? AND status IN ('solved', 'closed')"
        " AND merged_into IS NULL AND solved_at >= ? AND solved_at < ?",
        (app_id, start, end),
    ).fetchone()
    return int(row[0])


def solved_article_replies(
    conn: sqlite3.Connection, app_id: str, start: str, end: str
) -> list[dict[str, Any]]:
    """The public agent replies, up to the solve, of the tickets solved (or closed) now whose
    (last) solve is in the range, that may link to one of the app's help-center articles
    (their body names ``/help/<app>/``…``/articles/``): ticket id and body.

    The tickets are found by (app, status) in tickets_by_status and bounded by the range, and
    their messages by ticket in ticket_messages_by_ticket; the body test only narrows those
    rows (the caller reads the links)."""
    pattern = f"%/help/{_like_literal(app_id)}/%/articles/%"
    rows = conn.execute(
        "SELECT t.id AS ticket_id, m.body FROM tickets t"
        " JOIN ticket_messages m ON m.ticket_id = t.id"
        " WHERE t.app_id = ? AND t.status IN ('solved', 'closed') AND t.merged_into IS NULL"
        " AND t.solved_at >= ? AND t.solved_at < ?"
        " AND m.author_kind = 'agent' AND m.internal = 0 AND m.created_at <= t.solved_at"
        " AND m.body LIKE ? ESCAPE '\\'",
        (app_id, start, end, pattern),
    ).fetchall()
    return [dict(r) for r in rows]


def articles_by_slug(
    conn: sqlite3.Connection, app_id: str, slugs: list[str]
) -> dict[str, dict[str, Any]]:
    """Per slug (of those given that exist), the translation to show: English when there is
    one, else the first locale; its public id, title and status."""
    found: dict[str, dict[str, Any]] = {}
    for n in range(0, len(slugs), 500):  # under SQLite's limit of bound parameters
        chunk = slugs[n : n + 500]
        marks = ", ".join("?" * len(chunk))
        rows = conn.execute(
            "SELECT slug, public_id, locale, title, status FROM articles"
            f" WHERE app_id = ? AND slug IN ({marks}) ORDER BY slug, locale != 'en', locale",
            (app_id, *chunk),
        ).fetchall()
        for row in rows:
            found.setdefault(str(row["slug"]), dict(row))
    return found
