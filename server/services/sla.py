"""Service levels: business hours, SLA policies, and the clock each ticket runs under.

**Policies** are ordered; the first whose conditions (see :mod:`.rules`) match a ticket applies
to it. A policy has up to three targets, in *business minutes* of the app's business hours
(:mod:`.business_time`; 24/7 in UTC until an admin sets them):

- ``first_response``: from the ticket's creation to the first public reply of an agent;
- ``next_response``: from each customer message after that to the agents' next public reply;
- ``resolution``: from creation to solved, not counting the time the ticket is *pending*
  (waiting on the customer). A ticket reopened after it was solved runs on from where it stopped.

The policy is chosen when the ticket is filed and chosen again when what it matched on changes
(priority, team, tags, fields); targets already met stay met. Each due time is a UTC instant,
stored with the ticket (``ticket_sla``). A **warning** falls due :data:`WARN_SHARE` of the target
before the due time (at most :data:`WARN_MAX` seconds before it) and a **breach** at the due
time. The worker's :meth:`SlaService.sweep` records each once, *at the time it fell due* (not
when a worker noticed: a breach that fell due while every worker was down carries the right
time when they return), and emits ``sla.warning`` / ``sla.breached`` once, which notify the
assignee and the team. A target met late is recorded as a breach at once, whether or not the
sweep got to it first.

Timers are indexed due times swept by the worker, not one job per timer: one ordered index scan
finds what fell due, whatever the number of open tickets.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping
from datetime import datetime, timezone
from typing import Any

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import apps as app_store
from ..store import macros as macro_store
from ..store import service_levels as store
from ..store import staff as staff_store
from ..store import ticket_fields as field_store
from . import outbox, rules
from .business_time import BusinessHours

log = logging.getLogger(__name__)

METRICS = ("first_response", "next_response", "resolution")
WARN_SHARE = 0.2
WARN_MAX = 3600.0
SWEEP_BATCH = 500
MAX_TARGET = 525_600  # a year of minutes
MAX_POLICIES = 50

Present = Callable[[sqlite3.Connection, Mapping[str, Any]], dict[str, Any]]


def _dt(iso: str) -> datetime:
    return datetime.fromtimestamp(clock.parse_iso(iso), tz=timezone.utc)


def _iso(moment: datetime) -> str:
    return clock.iso(moment.timestamp())


def business_hours_of(app: Mapping[str, Any]) -> BusinessHours:
    stored = (app.get("settings") or {}).get("business_hours")
    return BusinessHours.parse(stored) if stored else BusinessHours.always()


def _targets(policy: Mapping[str, Any]) -> dict[str, int | None]:
    return {m: policy.get(m) for m in METRICS}


def warn_at(due: str, target_minutes: float) -> str:
    """When the warning for a target of ``target_minutes`` due at ``due`` falls due."""
    lead = min(WARN_MAX, WARN_SHARE * target_minutes * 60)
    return clock.iso(clock.parse_iso(due) - lead)


def present_clock(conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
    """The ``sla`` of a ticket as the API shows it to agents (None: no policy applies)."""
    state = store.get_clock(conn, ticket_id)
    if state is None:
        return None
    breached = {e["metric"] for e in store.sla_events_of(conn, ticket_id) if e["kind"] == "breach"}
    now = clock.iso()
    for metric, due in open_dues(state).items():
        if due < now:
            breached.add(metric)  # overdue, whether or not the sweep got to it yet
    return {
        "policy": state["policy_name"],
        "first_response_due": state["first_response_due"],
        "first_response_at": state["first_response_at"],
        "next_response_due": state["next_response_due"],
        "resolution_due": state["resolution_due"],
        "next_due": state["next_due"],
        "paused": state["running_since"] is None and not state["resolved_at"],
        "breached": [m for m in METRICS if m in breached],
    }


def open_dues(state: Mapping[str, Any]) -> dict[str, str]:
    """The due times of a clock not met yet."""
    if state.get("resolved_at"):
        return {}
    dues: dict[str, str] = {}
    if state.get("first_response_due") and not state.get("first_response_at"):
        dues["first_response"] = state["first_response_due"]
    if state.get("next_response_due"):
        dues["next_response"] = state["next_response_due"]
    if state.get("resolution_due"):
        dues["resolution"] = state["resolution_due"]
    return dues


def vocabulary(conn: sqlite3.Connection, app_id: str) -> rules.Vocabulary:
    """What rules and policy conditions of ``app_id`` may name: its teams and agents."""
    teams = frozenset(t["public_id"] for t in store.list_teams(conn, app_id))
    agents = frozenset(
        u["username"]
        for u in staff_store.list_users(conn, app_id)
        if u["role"] in ("agent", "admin") and u["disabled_at"] is None
    )
    fields = {
        f["key"]: {"type": f["type"], "options": f["options"]}
        for f in field_store.list_fields(conn, app_id)
    }
    return rules.Vocabulary(
        teams=teams, agents=agents, macros=macro_store.macro_ids(conn, app_id), fields=fields
    )


class SlaService:
    def __init__(self, db: Database) -> None:
        self.db = db
        # parsed policies per app, reused while store.rules_version says nothing changed
        self._parsed: dict[str, tuple[Any, list[tuple[dict[str, Any], Any]]]] = {}

    # -- business hours ----------------------------------------------------------------------
    def business_hours(self, app_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            app = app_store.get_app(conn, app_id)
        if app is None:
            raise NotFound("no such app")
        return business_hours_of(app).to_json()

    def set_business_hours(self, app_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        hours = BusinessHours.parse(data)
        with self.db.write() as conn:
            app = app_store.get_app(conn, app_id)
            if app is None:
                raise NotFound("no such app")
            settings = {**app["settings"], "business_hours": hours.to_json()}
            app_store.update_app(conn, app_id, settings=settings)
            # open clocks keep their due times; new ones (and resumed ones) use the new hours
        return hours.to_json()

    # -- policies ----------------------------------------------------------------------------
    @staticmethod
    def _out(policy: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": policy["public_id"],
            "name": policy["name"],
            "position": policy["position"],
            "if": policy["conditions"],
            "targets": _targets(policy),
            "created_at": policy["created_at"],
            "updated_at": policy["updated_at"],
        }

    @staticmethod
    def _clean(data: Mapping[str, Any], vocabulary: rules.Vocabulary) -> dict[str, Any]:
        problems: dict[str, list[str]] = {}
        name = data.get("name")
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 120:
            problems["name"] = ["a name of 1 to 120 characters is required"]
        targets = data.get("targets")
        clean_targets: dict[str, int | None] = {}
        if not isinstance(targets, Mapping):
            problems["targets"] = ["give at least one of " + ", ".join(METRICS) + " in minutes"]
        else:
            for key in targets:
                if key not in METRICS:
                    problems[f"targets.{key}"] = ["unknown target; use " + ", ".join(METRICS)]
            for metric in METRICS:
                value = targets.get(metric)
                if value is None:
                    clean_targets[metric] = None
                elif (
                    isinstance(value, bool)
                    or not isinstance(value, int)
                    or not 1 <= value <= MAX_TARGET
                ):
                    problems[f"targets.{metric}"] = [
                        f"business minutes, a whole number from 1 to {MAX_TARGET}"
                    ]
                else:
                    clean_targets[metric] = value
            if not problems and not any(clean_targets.values()):
                problems["targets"] = ["give at least one of " + ", ".join(METRICS)]
        conditions: tuple[rules.Condition, ...] = ()
        try:
            conditions = rules.validate_conditions(data.get("if") or [], vocabulary, "if")
        except ValidationFailed as exc:
            problems.update(exc.details)
        if problems:
            first = next(iter(problems))
            raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
        return {
            "name": str(name).strip(),
            "conditions": [c.to_json() for c in conditions],
            **clean_targets,
        }

    def policies(self, app_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [self._out(p) for p in store.list_policies(conn, app_id)]

    def policy(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            found = store.get_policy(conn, app_id, public_id)
        if found is None:
            raise NotFound("no such SLA policy")
        return self._out(found)

    def create_policy(
        self, app_id: str, data: Mapping[str, Any], vocabulary: rules.Vocabulary
    ) -> dict[str, Any]:
        clean = self._clean(data, vocabulary)
        now = clock.iso()
        with self.db.write() as conn:
            existing = store.list_policies(conn, app_id)
            if len(existing) >= MAX_POLICIES:
                raise ValidationFailed(
                    f"an app has at most {MAX_POLICIES} SLA policies", details={"name": ["limit"]}
                )
            position = data.get("position")
            policy = {
                "public_id": new_id("sla_"),
                "app_id": app_id,
                "position": store.next_position(conn, "sla_policies", app_id),
                "created_at": now,
                "updated_at": now,
                **clean,
            }
            policy["id"] = store.insert_policy(conn, policy)
            if isinstance(position, int) and not isinstance(position, bool):
                self._move(conn, app_id, policy["id"], position)
            return self._out(store.get_policy(conn, app_id, policy["public_id"]) or policy)

    def update_policy(
        self, app_id: str, public_id: str, data: Mapping[str, Any], vocabulary: rules.Vocabulary
    ) -> dict[str, Any]:
        with self.db.write() as conn:
            found = store.get_policy(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such SLA policy")
            merged = {
                "name": found["name"],
                "if": found["conditions"],
                "targets": _targets(found),
                **{k: v for k, v in data.items() if k in ("name", "if", "targets")},
            }
            clean = self._clean(merged, vocabulary)
            store.update_policy(conn, found["id"], {**clean, "updated_at": clock.iso()})
            position = data.get("position")
            if isinstance(position, int) and not isinstance(position, bool):
                self._move(conn, app_id, found["id"], position)
            changed = store.get_policy(conn, app_id, public_id)
            assert changed is not None
            return self._out(changed)

    @staticmethod
    def _move(conn: sqlite3.Connection, app_id: str, policy_id: int, position: int) -> None:
        ordered = [p["id"] for p in store.list_policies(conn, app_id) if p["id"] != policy_id]
        ordered.insert(max(0, min(len(ordered), position - 1)), policy_id)
        for n, pid in enumerate(ordered, start=1):
            store.update_policy(conn, pid, {"position": n})

    def delete_policy(self, app_id: str, public_id: str) -> None:
        """Delete a policy; tickets under it keep the due times they had (and their history)."""
        with self.db.write() as conn:
            found = store.get_policy(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such SLA policy")
            store.delete_policy(conn, found["id"])

    # -- the clock (in the ticket's transaction) ---------------------------------------------
    def choose(
        self, conn: sqlite3.Connection, app_id: str, view: Mapping[str, Any]
    ) -> dict[str, Any] | None:
        """The first policy whose conditions match (one naming a team since deleted, or an
        agent who left, matches nothing rather than everything)."""
        version = store.rules_version(conn, app_id)
        cached = self._parsed.get(app_id)
        if cached is None or cached[0] != version:
            known = vocabulary(conn, app_id)
            parsed = []
            for policy in store.list_policies(conn, app_id):
                try:
                    parsed.append(
                        (policy, rules.validate_conditions(policy["conditions"], known, "if"))
                    )
                except ValidationFailed:
                    continue
            cached = (version, parsed)
            self._parsed[app_id] = cached
        for policy, conditions in cached[1]:
            if rules.matches(conditions, view):
                return policy
        return None

    def _hours(self, conn: sqlite3.Connection, app_id: str) -> BusinessHours:
        app = app_store.get_app(conn, app_id)
        return business_hours_of(app) if app else BusinessHours.always()

    def evaluate(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], view: Mapping[str, Any]
    ) -> None:
        """Apply the policy that matches ``ticket`` now (on filing, and when what policies
        match on changed); a ticket already under that policy keeps its clock."""
        policy = self.choose(conn, ticket["app_id"], view)
        current = store.get_clock(conn, ticket["id"])
        if policy is None:
            if current is not None and current["resolved_at"] is None:
                store.delete_clock(conn, ticket["id"])
            return
        targets = _targets(policy)
        if current and current["policy_id"] == policy["id"] and current["targets"] == targets:
            return
        hours = self._hours(conn, ticket["app_id"])
        now = clock.iso()
        created = ticket["created_at"]
        running = ticket["status"] not in ("pending", "solved", "closed")
        new: dict[str, Any] = {
            "policy_id": policy["id"],
            "policy_name": policy["name"],
            "targets": targets,
            "first_response_at": current["first_response_at"]
            if current
            else self._first_reply(conn, ticket["id"]),
            "resolution_spent": current["resolution_spent"] if current else 0.0,
            "running_since": (current["running_since"] if current else created)
            if running
            else None,
            "resolved_at": current["resolved_at"] if current else None,
            "next_response_due": None,
        }
        if current is None and not running:
            new["resolved_at"] = now if ticket["status"] in ("solved", "closed") else None
        first = targets["first_response"]
        new["first_response_due"] = _iso(hours.add(_dt(created), first)) if first else None
        if current and current.get("next_response_due") and targets["next_response"]:
            asked = self._customer_waiting_since(conn, ticket["id"])
            if asked:
                new["next_response_due"] = _iso(hours.add(_dt(asked), targets["next_response"]))
        new["resolution_due"] = self._resolution_due(hours, new)
        self._save(conn, ticket["id"], new)

    @staticmethod
    def _first_reply(conn: sqlite3.Connection, ticket_id: int) -> str | None:
        """When agents first answered in public (a policy applied late, or an automation that
        answered on filing, before any policy applied)."""
        row = conn.execute(
            "SELECT MIN(created_at) FROM ticket_messages WHERE ticket_id = ?"
            " AND author_kind = 'agent' AND internal = 0",
            (ticket_id,),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    @staticmethod
    def _customer_waiting_since(conn: sqlite3.Connection, ticket_id: int) -> str | None:
        row = conn.execute(
            "SELECT MIN(created_at) FROM ticket_messages WHERE ticket_id = ?"
            " AND author_kind = 'requester' AND created_at > COALESCE((SELECT MAX(created_at)"
            " FROM ticket_messages WHERE ticket_id = ? AND author_kind = 'agent'"
            " AND internal = 0), '')",
            (ticket_id, ticket_id),
        ).fetchone()
        return str(row[0]) if row and row[0] else None

    @staticmethod
    def _resolution_due(hours: BusinessHours, state: Mapping[str, Any]) -> str | None:
        target = state["targets"].get("resolution")
        if not target or state["running_since"] is None or state["resolved_at"]:
            return None
        left = max(0.0, target - float(state["resolution_spent"]))
        return _iso(hours.add(_dt(state["running_since"]), left))

    def _save(self, conn: sqlite3.Connection, ticket_id: int, state: dict[str, Any]) -> None:
        recorded = {
            (e["metric"], e["kind"], e["due_at"]) for e in store.sla_events_of(conn, ticket_id)
        }
        dues = open_dues(state)
        state["next_due"] = min(dues.values()) if dues else None
        checks = []
        for metric, due in dues.items():
            if (metric, "breach", due) in recorded:
                continue
            target = state["targets"][metric]
            warning = warn_at(due, target)
            checks.append(due if (metric, "warning", due) in recorded else warning)
        state["next_check"] = min(checks) if checks else None
        store.put_clock(conn, ticket_id, state)

    def _late(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        state: Mapping[str, Any],
        metric: str,
        due: str,
        at: str,
        present: Present | None,
    ) -> None:
        """A target met after its due time: its breach, recorded (once) at the due time."""
        if at > due:
            self._record(conn, ticket, state, metric, "breach", due, present)

    def _record(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        state: Mapping[str, Any],
        metric: str,
        kind: str,
        due: str,
        present: Present | None,
    ) -> bool:
        at = due if kind == "breach" else warn_at(due, state["targets"][metric])
        new = store.record_sla_event(
            conn,
            {
                "ticket_id": ticket["id"],
                "app_id": ticket["app_id"],
                "policy_name": state["policy_name"],
                "metric": metric,
                "kind": kind,
                "due_at": due,
                "at": at,
                "recorded_at": clock.iso(),
            },
        )
        if new and present is not None:
            outbox.emit(
                conn,
                ticket["app_id"],
                "sla.breached" if kind == "breach" else "sla.warning",
                present(conn, ticket),
                detail={"metric": metric, "policy": state["policy_name"], "due_at": due, "at": at},
            )
        return new

    def message_added(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        message: Mapping[str, Any],
        present: Present | None = None,
    ) -> None:
        state = store.get_clock(conn, ticket["id"])
        if state is None or state["resolved_at"] or message.get("internal"):
            return
        at = message["created_at"]
        if message["author_kind"] == "agent":
            if not state["first_response_at"]:
                state["first_response_at"] = at
                if state["first_response_due"]:
                    self._late(
                        conn,
                        ticket,
                        state,
                        "first_response",
                        state["first_response_due"],
                        at,
                        present,
                    )
            if state["next_response_due"]:
                self._late(
                    conn, ticket, state, "next_response", state["next_response_due"], at, present
                )
                state["next_response_due"] = None
        elif (
            state["first_response_at"]
            and state["targets"].get("next_response")
            and not state["next_response_due"]
        ):
            hours = self._hours(conn, ticket["app_id"])
            target = state["targets"]["next_response"]
            state["next_response_due"] = _iso(hours.add(_dt(at), target))
        self._save(conn, ticket["id"], state)

    def status_changed(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        before: str,
        after: str,
        present: Present | None = None,
    ) -> None:
        state = store.get_clock(conn, ticket["id"])
        if state is None or before == after:
            return
        hours = self._hours(conn, ticket["app_id"])
        now = clock.iso()
        stopped = ("pending", "solved", "closed")
        if after in stopped:
            # whatever fell due before it stopped is a breach, whether or not the sweep got to
            # it yet: pausing or solving late must not make a missed target disappear
            for metric, due in open_dues(state).items():
                self._late(conn, ticket, state, metric, due, now, present)
        if after in stopped and state["running_since"] is not None:
            state["resolution_spent"] = float(state["resolution_spent"]) + hours.between(
                _dt(state["running_since"]), _dt(now)
            )
            state["running_since"] = None
            state["resolution_due"] = None
        if after in ("solved", "closed"):
            state["resolved_at"] = state["resolved_at"] or now
            state["next_response_due"] = None
        elif before in stopped and after not in stopped:
            state["resolved_at"] = None
            state["running_since"] = now
            state["resolution_due"] = self._resolution_due(hours, state)
        self._save(conn, ticket["id"], state)

    # -- the worker --------------------------------------------------------------------------
    def sweep(self, present: Present, get_ticket: Callable[[sqlite3.Connection, int], Any]) -> int:
        """Record the warnings and breaches that fell due; returns how many were recorded."""
        now = clock.iso()
        recorded = 0
        with self.db.write() as conn:
            for state in store.clocks_to_check(conn, now, SWEEP_BATCH):
                ticket = get_ticket(conn, state["ticket_id"])
                if ticket is None:
                    store.delete_clock(conn, state["ticket_id"])
                    continue
                for metric, due in open_dues(state).items():
                    kind = "breach" if due <= now else "warning"
                    if kind == "warning" and warn_at(due, state["targets"][metric]) > now:
                        continue
                    # past the due time, only the breach is recorded: a warning the worker
                    # missed (it was down) would come after the fact
                    recorded += self._record(conn, ticket, state, metric, kind, due, present)
                self._save(conn, state["ticket_id"], state)
        if recorded:
            log.info("service levels: %d warning(s) and breach(es) recorded", recorded)
        return recorded
