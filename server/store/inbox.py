"""SQL for the agents' inbox: tickets across the apps an agent works in, filtered and searched."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from typing import Any

from ..jsontext import loads_stored

_PRIORITY_ORDER = (
    "CASE t.priority WHEN 'urgent' THEN 0 WHEN 'high' THEN 1 WHEN 'normal' THEN 2 ELSE 3 END"
)
# Each order as its columns, (expression, ascending), the last ones making it total: the list
# sorts by them, and a ticket's neighbours are the rows just before and after its own values.
# ``s`` is the ticket's service-level clock (LEFT JOIN ticket_sla): "due" puts the tickets with
# an unmet due time first, soonest first (next_due is indexed), then the rest as "updated".
_KEYS: dict[str, tuple[tuple[str, bool], ...]] = {
    "due": (
        ("(s.next_due IS NULL)", True),
        ("COALESCE(s.next_due, '')", True),
        ("t.updated_at", False),
        ("t.id", False),
    ),
    "updated": (("t.updated_at", False), ("t.id", False)),
    "created": (("t.created_at", False), ("t.id", False)),
    "oldest": (("t.created_at", True), ("t.id", True)),
    "priority": ((_PRIORITY_ORDER, True), ("t.updated_at", False), ("t.id", False)),
}
DEFAULT_SORT = "due"
SORTS = tuple(_KEYS)


def _order(keys: Sequence[tuple[str, bool]], reverse: bool = False) -> str:
    return ", ".join(
        f"{expr} {'ASC' if ascending != reverse else 'DESC'}" for expr, ascending in keys
    )


_SORTS = {name: _order(keys) for name, keys in _KEYS.items()}
_FROM = "tickets t LEFT JOIN ticket_sla s ON s.ticket_id = t.id"
_UNSOLVED = ("new", "open", "pending")
KEY = re.compile(r"[a-z][a-z0-9_]{0,39}")  # a custom field's key (see services.ticket_fields)


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _where(
    app_ids: Sequence[str],
    *,
    statuses: Sequence[str] | None,
    priority: str | None = None,
    assignee: str | None = None,
    unassigned: bool = False,
    context: str | None = None,
    version: str | None = None,
    text: str | None = None,
    team: str | None = None,
    no_team: bool = False,
    breached_at: str | None = None,
    fields: Sequence[tuple[str, Any]] = (),
) -> tuple[str, list[Any]]:
    """``team`` is a team's public id; ``breached_at`` (now, as ISO) keeps the tickets with an
    unmet due time before it or a breach on record. ``fields`` are custom-field filters, (key,
    value): a value (a select's option, or a checkbox's True or False) or None for "not set";
    the key, from the app's own field list, goes in as a bound JSON path, never as SQL."""
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
    if no_team:
        clauses.append("t.team_id IS NULL")
    elif team:
        clauses.append("t.team_id IN (SELECT id FROM teams WHERE public_id = ?)")
        params.append(team)
    if breached_at:
        clauses.append(
            "(EXISTS (SELECT 1 FROM ticket_sla b WHERE b.ticket_id = t.id AND b.next_due < ?)"
            " OR EXISTS (SELECT 1 FROM sla_events e WHERE e.ticket_id = t.id"
            " AND e.kind = 'breach'))"
        )
        params.append(breached_at)
    for key, value in fields:
        if not KEY.fullmatch(key):
            raise ValueError(key)
        if value is None:
            clauses.append("json_extract(t.fields, ?) IS NULL")
            params.append(f"$.{key}")
        else:
            # JSON true/false come out of json_extract as 1/0
            clauses.append("json_extract(t.fields, ?) = ?")
            params += [f"$.{key}", int(value) if isinstance(value, bool) else value]
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
        " AND m.internal = 0 ORDER BY m.id DESC LIMIT 1), 'requester') AS last_author,"
        # the service level: whether a policy applies, the next unmet due time, paused
        # (pending: the resolution clock stopped), and whether a breach is on record
        " s.ticket_id IS NOT NULL AS sla_clock, s.policy_name AS sla_policy,"
        " s.next_due AS sla_next_due,"
        " (s.ticket_id IS NOT NULL AND s.running_since IS NULL AND s.resolved_at IS NULL)"
        " AS sla_paused,"
        " EXISTS (SELECT 1 FROM sla_events e WHERE e.ticket_id = t.id AND e.kind = 'breach')"
        " AS sla_breach_recorded,"
        " (SELECT tm.public_id FROM teams tm WHERE tm.id = t.team_id) AS team_public_id,"
        " (SELECT tm.name FROM teams tm WHERE tm.id = t.team_id) AS team_name"
        f" FROM {_FROM} WHERE {where} ORDER BY {_SORTS.get(sort, _SORTS[DEFAULT_SORT])}"
        " LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    items = []
    for row in rows:
        item = dict(row)
        item["context"] = loads_stored(item["context"])
        item["tags"] = loads_stored(item["tags"])
        item["traits"] = loads_stored(item["traits"])
        for flag in ("sla_clock", "sla_paused", "sla_breach_recorded"):
            item[flag] = bool(item[flag])
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


def due_counts(conn: sqlite3.Connection, app_ids: Sequence[str], now: str) -> tuple[int, int]:
    """(tickets with an unmet due time, of which overdue at ``now``) in these apps."""
    if not app_ids:
        return 0, 0
    row = conn.execute(
        "SELECT count(*), COALESCE(SUM(s.next_due < ?), 0) FROM ticket_sla s"
        " JOIN tickets t ON t.id = s.ticket_id WHERE s.next_due IS NOT NULL"
        f" AND t.app_id IN ({','.join('?' * len(app_ids))})",
        (now, *app_ids),
    ).fetchone()
    return int(row[0]), int(row[1])


def app_of(conn: sqlite3.Connection, public_id: str) -> str | None:
    row = conn.execute("SELECT app_id FROM tickets WHERE public_id = ?", (public_id,)).fetchone()
    return str(row[0]) if row else None


def neighbours(
    conn: sqlite3.Connection, app_ids: Sequence[str], ticket_id: int, sort: str = DEFAULT_SORT
) -> dict[str, str | None]:
    """The unsolved tickets just before and after one in the inbox's ``sort`` order."""
    keys = _KEYS.get(sort, _KEYS[DEFAULT_SORT])
    mine = conn.execute(
        f"SELECT {', '.join(expr for expr, _ in keys)} FROM {_FROM} WHERE t.id = ?", (ticket_id,)
    ).fetchone()
    if mine is None or not app_ids:
        return {"previous": None, "next": None}
    base, base_params = _where(app_ids, statuses=_UNSOLVED)

    def beyond(after: bool) -> str | None:
        # (a, b, c) after (x, y, z) in this order: a beyond x, or a = x and b beyond y, or ...
        terms, params = [], list(base_params)
        for n, (expr, ascending) in enumerate(keys):
            same = [f"{e} = ?" for e, _ in keys[:n]]
            beyond_it = f"{expr} {'>' if ascending == after else '<'} ?"
            terms.append("(" + " AND ".join([*same, beyond_it]) + ")")
            params += [*mine[:n], mine[n]]
        row = conn.execute(
            f"SELECT t.public_id FROM {_FROM} WHERE {base} AND ({' OR '.join(terms)})"
            f" ORDER BY {_order(keys, reverse=not after)} LIMIT 1",
            params,
        ).fetchone()
        return str(row[0]) if row else None

    return {"previous": beyond(after=False), "next": beyond(after=True)}
