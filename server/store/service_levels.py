"""SQL for teams, SLA policies and clocks, automations and ticket activity."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from ..jsontext import loads_stored

# -- teams -----------------------------------------------------------------------------------


def _team(conn: sqlite3.Connection, row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    team = dict(row)
    team["contexts"] = loads_stored(team["contexts"])
    team["locales"] = loads_stored(team["locales"])
    team["members"] = [
        r[0]
        for r in conn.execute(
            "SELECT username FROM team_members WHERE team_id = ? ORDER BY username COLLATE NOCASE",
            (team["id"],),
        )
    ]
    return team


def insert_team(conn: sqlite3.Connection, team: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO teams (public_id, app_id, name, contexts, locales, assignment, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            team["public_id"],
            team["app_id"],
            team["name"],
            json.dumps(team["contexts"]),
            json.dumps(team["locales"]),
            team["assignment"],
            team["created_at"],
            team["updated_at"],
        ),
    )
    return int(cur.lastrowid or 0)


def update_team(conn: sqlite3.Connection, team_id: int, fields: dict[str, Any]) -> None:
    allowed = ("name", "contexts", "locales", "assignment", "last_assigned", "updated_at")
    names = [n for n in fields if n in allowed]
    values = [json.dumps(fields[n]) if n in ("contexts", "locales") else fields[n] for n in names]
    if names:
        assignments = ", ".join(f"{n} = ?" for n in names)
        conn.execute(f"UPDATE teams SET {assignments} WHERE id = ?", (*values, team_id))


def set_members(conn: sqlite3.Connection, team_id: int, usernames: Iterable[str]) -> None:
    conn.execute("DELETE FROM team_members WHERE team_id = ?", (team_id,))
    conn.executemany(
        "INSERT INTO team_members (team_id, username) VALUES (?, ?) ON CONFLICT DO NOTHING",
        [(team_id, u) for u in usernames],
    )


def list_teams(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute("SELECT * FROM teams WHERE app_id = ? ORDER BY id", (app_id,)).fetchall()
    return [t for t in (_team(conn, r) for r in rows) if t]


def get_team(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM teams WHERE app_id = ? AND public_id = ?", (app_id, public_id)
    ).fetchone()
    return _team(conn, row)


def team_by_row_id(conn: sqlite3.Connection, team_id: int | None) -> dict[str, Any] | None:
    if team_id is None:
        return None
    return _team(conn, conn.execute("SELECT * FROM teams WHERE id = ?", (team_id,)).fetchone())


def delete_team(conn: sqlite3.Connection, team_id: int) -> None:
    conn.execute("DELETE FROM teams WHERE id = ?", (team_id,))


def tickets_of_team(conn: sqlite3.Connection, team_id: int, unsolved_only: bool) -> int:
    sql = "SELECT COUNT(*) FROM tickets WHERE team_id = ?"
    if unsolved_only:
        sql += " AND status NOT IN ('solved', 'closed')"
    return int(conn.execute(sql, (team_id,)).fetchone()[0])


def move_team_tickets(conn: sqlite3.Connection, team_id: int, to: int | None) -> int:
    return conn.execute("UPDATE tickets SET team_id = ? WHERE team_id = ?", (to, team_id)).rowcount


def open_counts(conn: sqlite3.Connection, app_id: str, usernames: Sequence[str]) -> dict[str, int]:
    """How many unsolved tickets each of ``usernames`` holds (case-insensitive keys)."""
    counts = {u.lower(): 0 for u in usernames}
    for assignee, n in conn.execute(
        "SELECT lower(assignee), COUNT(*) FROM tickets WHERE app_id = ? AND assignee IS NOT NULL"
        " AND status NOT IN ('solved', 'closed') GROUP BY lower(assignee)",
        (app_id,),
    ):
        if assignee in counts:
            counts[assignee] = int(n)
    return counts


def set_available(conn: sqlite3.Connection, user_id: str, available: bool) -> None:
    conn.execute("UPDATE staff_users SET available = ? WHERE id = ?", (int(available), user_id))


def available_members(conn: sqlite3.Connection, team_id: int) -> list[str]:
    """The team's members who can take tickets now: enabled, agents or admins, available."""
    rows = conn.execute(
        "SELECT s.username FROM team_members m JOIN staff_users s"
        " ON s.username = m.username COLLATE NOCASE"
        " WHERE m.team_id = ? AND s.disabled_at IS NULL AND s.available = 1"
        " AND s.role IN ('agent', 'admin') ORDER BY s.username COLLATE NOCASE",
        (team_id,),
    ).fetchall()
    return [r[0] for r in rows]


# -- SLA policies ----------------------------------------------------------------------------


def _policy(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    policy = dict(row)
    policy["conditions"] = loads_stored(policy["conditions"])
    return policy


def list_policies(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM sla_policies WHERE app_id = ? ORDER BY position, id", (app_id,)
    ).fetchall()
    return [p for p in (_policy(r) for r in rows) if p]


def get_policy(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    return _policy(
        conn.execute(
            "SELECT * FROM sla_policies WHERE app_id = ? AND public_id = ?", (app_id, public_id)
        ).fetchone()
    )


def insert_policy(conn: sqlite3.Connection, policy: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO sla_policies (public_id, app_id, name, position, conditions, first_response,"
        " next_response, resolution, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            policy["public_id"],
            policy["app_id"],
            policy["name"],
            policy["position"],
            json.dumps(policy["conditions"]),
            policy["first_response"],
            policy["next_response"],
            policy["resolution"],
            policy["created_at"],
            policy["updated_at"],
        ),
    )
    return int(cur.lastrowid or 0)


def update_policy(conn: sqlite3.Connection, policy_id: int, fields: dict[str, Any]) -> None:
    allowed = (
        "name",
        "position",
        "conditions",
        "first_response",
        "next_response",
        "resolution",
        "updated_at",
    )
    names = [n for n in fields if n in allowed]
    values = [json.dumps(fields[n]) if n == "conditions" else fields[n] for n in names]
    if names:
        assignments = ", ".join(f"{n} = ?" for n in names)
        conn.execute(f"UPDATE sla_policies SET {assignments} WHERE id = ?", (*values, policy_id))


def delete_policy(conn: sqlite3.Connection, policy_id: int) -> None:
    conn.execute("DELETE FROM sla_policies WHERE id = ?", (policy_id,))


def next_position(conn: sqlite3.Connection, table: str, app_id: str) -> int:
    assert table in ("sla_policies", "automations")
    row = conn.execute(f"SELECT MAX(position) FROM {table} WHERE app_id = ?", (app_id,)).fetchone()
    return int(row[0] or 0) + 1


# -- ticket clocks ---------------------------------------------------------------------------

_CLOCK_FIELDS = (
    "policy_id",
    "policy_name",
    "targets",
    "first_response_due",
    "first_response_at",
    "next_response_due",
    "resolution_due",
    "resolution_spent",
    "running_since",
    "resolved_at",
    "next_due",
    "next_check",
)


def get_clock(conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
    row = conn.execute("SELECT * FROM ticket_sla WHERE ticket_id = ?", (ticket_id,)).fetchone()
    if row is None:
        return None
    clock = dict(row)
    clock["targets"] = loads_stored(clock["targets"])
    return clock


def put_clock(conn: sqlite3.Connection, ticket_id: int, clock: dict[str, Any]) -> None:
    values = [json.dumps(clock[n]) if n == "targets" else clock.get(n) for n in _CLOCK_FIELDS]
    conn.execute(
        f"INSERT INTO ticket_sla (ticket_id, {', '.join(_CLOCK_FIELDS)})"
        f" VALUES (?, {', '.join('?' * len(_CLOCK_FIELDS))})"
        f" ON CONFLICT (ticket_id) DO UPDATE SET"
        f" {', '.join(f'{n} = excluded.{n}' for n in _CLOCK_FIELDS)}",
        (ticket_id, *values),
    )


def delete_clock(conn: sqlite3.Connection, ticket_id: int) -> None:
    conn.execute("DELETE FROM ticket_sla WHERE ticket_id = ?", (ticket_id,))


def clocks_to_check(conn: sqlite3.Connection, now: str, limit: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT ticket_id FROM ticket_sla WHERE next_check IS NOT NULL AND next_check <= ?"
        " ORDER BY next_check LIMIT ?",
        (now, limit),
    ).fetchall()
    return [c for c in (get_clock(conn, r[0]) for r in rows) if c]


def record_sla_event(conn: sqlite3.Connection, event: dict[str, Any]) -> bool:
    """Record a warning or breach once; returns whether it is new."""
    cur = conn.execute(
        "INSERT INTO sla_events (ticket_id, app_id, policy_name, metric, kind, due_at, at,"
        " recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (
            event["ticket_id"],
            event["app_id"],
            event["policy_name"],
            event["metric"],
            event["kind"],
            event["due_at"],
            event["at"],
            event["recorded_at"],
        ),
    )
    return bool(cur.rowcount)


def sla_events_of(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM sla_events WHERE ticket_id = ? ORDER BY at, id", (ticket_id,)
    ).fetchall()
    return [dict(r) for r in rows]


def rules_version(conn: sqlite3.Connection, app_id: str) -> tuple[Any, ...]:
    """Changes whenever the app's automations, policies, teams or agents do: the key under
    which parsed rules may be reused."""
    row = conn.execute(
        "SELECT (SELECT COUNT(*) || '/' || COALESCE(MAX(updated_at), '') FROM automations"
        "   WHERE app_id = ?1),"
        " (SELECT COUNT(*) || '/' || COALESCE(MAX(updated_at), '') FROM sla_policies"
        "   WHERE app_id = ?1),"
        " (SELECT COUNT(*) || '/' || COALESCE(MAX(updated_at), '') FROM teams WHERE app_id = ?1),"
        " (SELECT COUNT(*) || '/' || COUNT(disabled_at) || '/' || COALESCE(MAX(created_at), '')"
        "   FROM staff_users),"
        " (SELECT COUNT(*) || '/' || COALESCE(MAX(updated_at), '') FROM macros WHERE app_id = ?1),"
        " (SELECT COUNT(*) || '/' || COALESCE(MAX(updated_at), '') FROM ticket_fields"
        "   WHERE app_id = ?1)",
        (app_id,),
    ).fetchone()
    return tuple(row)


# -- automations -----------------------------------------------------------------------------


def _automation(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    found = dict(row)
    found["rule"] = loads_stored(found["rule"])
    found["enabled"] = bool(found["enabled"])
    return found


def list_automations(
    conn: sqlite3.Connection, app_id: str, kind: str | None = None
) -> list[dict[str, Any]]:
    sql, args = "SELECT * FROM automations WHERE app_id = ?", [app_id]
    if kind:
        sql += " AND kind = ?"
        args.append(kind)
    rows = conn.execute(sql + " ORDER BY position, id", args).fetchall()
    return [a for a in (_automation(r) for r in rows) if a]


def time_rule_apps(conn: sqlite3.Connection) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT app_id FROM automations WHERE kind = 'time' AND enabled = 1"
    ).fetchall()
    return [r[0] for r in rows]


def get_automation(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    return _automation(
        conn.execute(
            "SELECT * FROM automations WHERE app_id = ? AND public_id = ?", (app_id, public_id)
        ).fetchone()
    )


def insert_automation(conn: sqlite3.Connection, automation: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO automations (public_id, app_id, name, position, enabled, kind, rule,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            automation["public_id"],
            automation["app_id"],
            automation["name"],
            automation["position"],
            int(automation["enabled"]),
            automation["kind"],
            json.dumps(automation["rule"]),
            automation["created_at"],
            automation["updated_at"],
        ),
    )
    return int(cur.lastrowid or 0)


def update_automation(conn: sqlite3.Connection, automation_id: int, fields: dict[str, Any]) -> None:
    allowed = ("name", "position", "enabled", "kind", "rule", "last_error", "updated_at")
    names = [n for n in fields if n in allowed]
    values = [
        json.dumps(fields[n]) if n == "rule" else int(fields[n]) if n == "enabled" else fields[n]
        for n in names
    ]
    if names:
        assignments = ", ".join(f"{n} = ?" for n in names)
        conn.execute(f"UPDATE automations SET {assignments} WHERE id = ?", (*values, automation_id))


def delete_automation(conn: sqlite3.Connection, automation_id: int) -> None:
    conn.execute("DELETE FROM automations WHERE id = ?", (automation_id,))


def flag_automations_naming(
    conn: sqlite3.Connection, app_id: str, public_id: str, now: str, disable: str | None = None
) -> None:
    """Mark the app's automations that name ``public_id`` (a team or saved reply) as changed,
    so they are checked again before they next run; ``disable`` switches them off with that
    reason."""
    if disable is None:
        conn.execute(
            "UPDATE automations SET updated_at = ? WHERE app_id = ? AND rule LIKE ?",
            (now, app_id, f'%"{public_id}"%'),
        )
    else:
        conn.execute(
            "UPDATE automations SET enabled = 0, last_error = ?, updated_at = ?"
            " WHERE app_id = ? AND rule LIKE ?",
            (disable, now, app_id, f'%"{public_id}"%'),
        )


def touch_rules_naming_fields(conn: sqlite3.Connection, app_id: str, now: str) -> None:
    """Mark the app's automations and SLA policies that name a custom field as changed."""
    for table, column in (("automations", "rule"), ("sla_policies", "conditions")):
        conn.execute(
            f"UPDATE {table} SET updated_at = ? WHERE app_id = ? AND {column} LIKE ?",
            (now, app_id, '%"fields.%'),
        )


def claim_run(
    conn: sqlite3.Connection, automation_id: int, ticket_id: int, event_key: str, now: str
) -> bool:
    """Mark the rule as fired for this ticket and event; False if it already had."""
    cur = conn.execute(
        "INSERT INTO automation_runs (automation_id, ticket_id, event_key, ran_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
        (automation_id, ticket_id, event_key, now),
    )
    return bool(cur.rowcount)


STATUS_SINCE = {"pending": "pending_since", "solved": "solved_at", "closed": "solved_at"}


def tickets_in_status_since(
    conn: sqlite3.Connection,
    app_id: str,
    status: str,
    before: str,
    automation_id: int,
    limit: int,
) -> list[dict[str, Any]]:
    """Tickets of ``app_id`` in ``status`` since before ``before`` that automation
    ``automation_id`` has not fired on for this stretch, oldest first."""
    column = STATUS_SINCE.get(status, "updated_at")
    rows = conn.execute(
        f"SELECT t.id, t.{column} FROM tickets t WHERE t.app_id = ? AND t.status = ?"
        f" AND t.{column} < ? AND NOT EXISTS (SELECT 1 FROM automation_runs r"
        f"   WHERE r.automation_id = ? AND r.ticket_id = t.id"
        f"   AND r.event_key = 'after:' || t.{column})"
        f" ORDER BY t.{column} LIMIT ?",
        (app_id, status, before, automation_id, limit),
    ).fetchall()
    return [{"id": r[0], "since": r[1]} for r in rows]


def unanswered_since(
    conn: sqlite3.Connection, app_id: str, before: str, automation_id: int, limit: int
) -> list[dict[str, Any]]:
    """Unsolved tickets whose customer's last word (the ticket or a message) is older than
    ``before`` with no public agent reply since, that automation ``automation_id`` has not
    fired on for that word, oldest first."""
    rows = conn.execute(
        "SELECT id, asked FROM (SELECT t.id, COALESCE((SELECT MAX(m.created_at)"
        "   FROM ticket_messages m WHERE m.ticket_id = t.id AND m.author_kind = 'requester'),"
        "   t.created_at) AS asked FROM tickets t"
        "   WHERE t.app_id = ? AND t.status IN ('new', 'open')) q"
        " WHERE asked < ? AND NOT EXISTS (SELECT 1 FROM ticket_messages a"
        "   WHERE a.ticket_id = q.id AND a.author_kind = 'agent' AND a.internal = 0"
        "   AND a.created_at >= q.asked)"
        " AND NOT EXISTS (SELECT 1 FROM automation_runs r WHERE r.automation_id = ?"
        "   AND r.ticket_id = q.id AND r.event_key = 'after:' || q.asked)"
        " ORDER BY asked LIMIT ?",
        (app_id, before, automation_id, limit),
    ).fetchall()
    return [{"id": r[0], "since": r[1]} for r in rows]


# -- activity --------------------------------------------------------------------------------


def add_activity(
    conn: sqlite3.Connection,
    ticket_id: int,
    actor_kind: str,
    actor: str,
    changes: Sequence[dict[str, Any]],
    now: str,
) -> None:
    conn.execute(
        "INSERT INTO ticket_activity (ticket_id, actor_kind, actor, changes, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (ticket_id, actor_kind, actor, json.dumps(list(changes)), now),
    )


def activity_of(conn: sqlite3.Connection, ticket_id: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM ticket_activity WHERE ticket_id = ? ORDER BY id", (ticket_id,)
    ).fetchall()
    out = []
    for row in rows:
        item = dict(row)
        item["changes"] = loads_stored(item["changes"])
        out.append(item)
    return out
