"""SQL for the agents' inbox: tickets across the apps an agent works in, filtered and searched."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

from ..jsontext import loads_stored

_PRIORITY_ORDER = (
    "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
_SORTS = {
    "updated": "t.updated_at DESC, t.id DESC",
    "created": "t.created_at DESC, t.id DESC",
    "oldest": "t.created_at ASC, t.id ASC",
    "priority": f"{_PRIORITY_ORDER}, t.updated_at DESC, t.id DESC",
}


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(
    app_ids: Sequence[str],
    *,
    statuses: Sequence[str] | None,
    priority: str | None,
    assignee: str | None,
    unassigned: bool,
    context: str | None,
    version: str | None,
    text: str | None,
) -> tuple[str, list[Any]]:
    clauses = [f"t.app_id IN ({','.join('?' * len(app_ids))})"]
    params: list[Any] = list(app_ids)
    if statuses:
        clauses.append(f"t.status IN ({','.join('?' * len(statuses))})")
        params += list(statuses)
    if priority:
        clauses.append("t.priority = ?")
        params.append(priority)
    if unassigned:
        clauses.append("(t.assignee IS NULL OR t.assignee = '')")
    elif assignee:
        clauses.append("t.assignee = ?")
        params.append(assignee)
    if context:
        clauses.append(
            "(json_extract(t.context, '$.context_key') = ?"
            " OR json_extract(t.context, '$.context_key') LIKE ? ESCAPE '\\')"
        )
        params += [context, _escape(context + ".") + "%"]
    if version:
        clauses.append("json_extract(t.context, '$.app_version') = ?")
        params.append(version)
    if text:
        pattern = "%" + _escape(text) + "%"
        clauses.append(
            "(t.subject LIKE ? ESCAPE '\\' OR t.body LIKE ? ESCAPE '\\'"
            " OR t.requester_email LIKE ? ESCAPE '\\' OR t.requester_name LIKE ? ESCAPE '\\'"
            " OR t.public_id = ? OR EXISTS (SELECT 1 FROM ticket_messages m"
            " WHERE m.ticket_id = t.id AND m.body LIKE ? ESCAPE '\\'))"
        )
        params += [pattern, pattern, pattern, pattern, text.strip(), pattern]
    return " AND ".join(clauses), params


def page(
    conn: sqlite3.Connection,
    app_ids: Sequence[str],
    *,
    sort: str,
    offset: int,
    limit: int,
    **filters: Any,
) -> tuple[list[dict[str, Any]], int]:
    if not app_ids:
        return [], 0
    where, params = _where(app_ids, **filters)
    total = int(conn.execute(f"SELECT count(*) FROM tickets t WHERE {where}", params).fetchone()[0])
    rows = conn.execute(
        # replies: what the requester sees as answers (agents' public messages); the ticket's
        # body is the requester's first message, so with no message the last word is theirs
        "SELECT t.*, (SELECT count(*) FROM ticket_messages m WHERE m.ticket_id = t.id"
        " AND m.internal = 0 AND m.author_kind = 'agent') AS replies,"
        " COALESCE((SELECT m.author_kind FROM ticket_messages m WHERE m.ticket_id = t.id"
        " AND m.internal = 0 ORDER BY m.id DESC LIMIT 1), 'requester') AS last_author"
        f" FROM tickets t WHERE {where} ORDER BY {_SORTS.get(sort, _SORTS['updated'])}"
        " LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    items = []
    for row in rows:
        item = dict(row)
        item["context"] = loads_stored(item["context"])
        item["tags"] = loads_stored(item["tags"])
        item["traits"] = loads_stored(item["traits"])
        items.append(item)
    return items, total


def status_counts(conn: sqlite3.Connection, app_ids: Sequence[str]) -> dict[str, int]:
    if not app_ids:
        return {}
    rows = conn.execute(
        f"SELECT status, count(*) FROM tickets WHERE app_id IN ({','.join('?' * len(app_ids))})"
        " GROUP BY status",
        list(app_ids),
    ).fetchall()
    return {str(r[0]): int(r[1]) for r in rows}


def app_of(conn: sqlite3.Connection, public_id: str) -> str | None:
    row = conn.execute("SELECT app_id FROM tickets WHERE public_id = ?", (public_id,)).fetchone()
    return str(row[0]) if row else None


def neighbours(
    conn: sqlite3.Connection, app_ids: Sequence[str], updated_at: str, ticket_id: int
) -> dict[str, str | None]:
    """The unsolved tickets just before and after one in the default inbox order."""
    marks = ",".join("?" * len(app_ids))
    base = f"app_id IN ({marks}) AND status IN ('new', 'open', 'pending')"
    newer = conn.execute(
        f"SELECT public_id FROM tickets WHERE {base} AND (updated_at > ? OR"
        " (updated_at = ? AND id > ?)) ORDER BY updated_at ASC, id ASC LIMIT 1",
        (*app_ids, updated_at, updated_at, ticket_id),
    ).fetchone()
    older = conn.execute(
        f"SELECT public_id FROM tickets WHERE {base} AND (updated_at < ? OR"
        " (updated_at = ? AND id < ?)) ORDER BY updated_at DESC, id DESC LIMIT 1",
        (*app_ids, updated_at, updated_at, ticket_id),
    ).fetchone()
    return {"previous": newer[0] if newer else None, "next": older[0] if older else None}
