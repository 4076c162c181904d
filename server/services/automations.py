"""Automations: rules as data that change tickets, run by the server, recorded by name.

An **event rule** (``when.event``: ``ticket.created``, ``ticket.updated``, ``message.created``)
runs in the transaction of the change that raised the event: its changes commit with it, the
API's answer already shows them, and a crash cannot leave half of them. An update a rule makes
is itself an update other ``ticket.updated`` rules may react to; :func:`.rules.run_chain`
follows that chain, fires each rule at most once in it, and stops a loop (two rules setting a
field back and forth), reporting it on the rule (``last_error``) and in the log instead of
running forever.

A **time rule** (``when.after``: a status held for some hours, or a customer left unanswered
for some hours, in real or business hours) is checked by the worker every minute
(:meth:`AutomationService.tick`). Each ticket is looked at once when its time is up: it fires
if the rule's conditions match then, and is not looked at again in that stretch (a ticket
pending again later, or a customer's new message, is a new stretch).

Each rule fires at most once per ticket and event (``automation_runs``). Every change a rule
makes is recorded on the ticket (``ticket_activity``) with the rule's name, and the
``ticket.updated`` event it raises names the rule as its actor.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import apps as app_store
from ..store import service_levels as store
from . import rules
from .sla import business_hours_of, vocabulary

log = logging.getLogger(__name__)

MAX_RULES = 100
TICK_BATCH = 200
EVENTS = ("ticket.created", "ticket.updated", "message.created")

# Applies one fired rule's planned changes to a ticket (the lifecycle does the writing).
Apply = Callable[[sqlite3.Connection, dict[str, Any], str, list[dict[str, Any]]], None]


def _out(found: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": found["public_id"],
        "position": found["position"],
        "last_error": found["last_error"],
        "created_at": found["created_at"],
        "updated_at": found["updated_at"],
        **found["rule"],
        "enabled": found["enabled"],
    }


class AutomationService:
    def __init__(self, db: Database) -> None:
        self.db = db
        # parsed rules per (app, kind), reused while store.rules_version says nothing changed
        self._parsed: dict[
            tuple[str, str], tuple[Any, list[tuple[dict[str, Any], rules.Rule]]]
        ] = {}

    # -- vocabulary: what a rule may name --------------------------------------------------
    @staticmethod
    def vocabulary(conn: sqlite3.Connection, app_id: str) -> rules.Vocabulary:
        return vocabulary(conn, app_id)

    def vocabulary_of(self, app_id: str) -> rules.Vocabulary:
        with self.db.read() as conn:
            return self.vocabulary(conn, app_id)

    # -- CRUD --------------------------------------------------------------------------------
    def items(self, app_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [_out(a) for a in store.list_automations(conn, app_id)]

    def get(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            found = store.get_automation(conn, app_id, public_id)
        if found is None:
            raise NotFound("no such automation")
        return _out(found)

    def create(self, app_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        now = clock.iso()
        with self.db.write() as conn:
            rule = rules.validate_rule(data, self.vocabulary(conn, app_id))
            if len(store.list_automations(conn, app_id)) >= MAX_RULES:
                raise ValidationFailed(f"an app has at most {MAX_RULES} automations", details={})
            found: dict[str, Any] = {
                "public_id": new_id("aut_"),
                "app_id": app_id,
                "name": rule.name,
                "position": store.next_position(conn, "automations", app_id),
                "enabled": rule.enabled,
                "kind": "event" if rule.event else "time",
                "rule": rule.to_json(),
                "created_at": now,
                "updated_at": now,
            }
            store.insert_automation(conn, found)
            stored = store.get_automation(conn, app_id, found["public_id"])
            assert stored is not None
            return _out(stored)

    def update(self, app_id: str, public_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.db.write() as conn:
            found = store.get_automation(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such automation")
            # the column, not the stored JSON, says whether it is on (the server switches
            # rules off when what they name disappears)
            merged = {
                **found["rule"],
                "enabled": found["enabled"],
                **{k: v for k, v in data.items() if k != "position"},
            }
            rule = rules.validate_rule(merged, self.vocabulary(conn, app_id))
            stored = rule.to_json()
            previous = {**found["rule"], "enabled": found["enabled"]}
            # a report stays until the rule itself changes or is switched back on
            resolved = stored != previous and (
                {k: v for k, v in stored.items() if k != "enabled"}
                != {k: v for k, v in previous.items() if k != "enabled"}
                or (rule.enabled and not found["enabled"])
            )
            store.update_automation(
                conn,
                found["id"],
                {
                    "name": rule.name,
                    "enabled": rule.enabled,
                    "kind": "event" if rule.event else "time",
                    "rule": stored,
                    "last_error": None if resolved else found["last_error"],
                    "updated_at": clock.iso(),
                },
            )
            position = data.get("position")
            if isinstance(position, int) and not isinstance(position, bool):
                ordered = [
                    a["id"] for a in store.list_automations(conn, app_id) if a["id"] != found["id"]
                ]
                ordered.insert(max(0, min(len(ordered), position - 1)), found["id"])
                for n, aid in enumerate(ordered, start=1):
                    store.update_automation(conn, aid, {"position": n})
            changed = store.get_automation(conn, app_id, public_id)
            assert changed is not None
            return _out(changed)

    def delete(self, app_id: str, public_id: str) -> None:
        with self.db.write() as conn:
            found = store.get_automation(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such automation")
            store.delete_automation(conn, found["id"])

    # -- running -----------------------------------------------------------------------------
    def _loaded(
        self, conn: sqlite3.Connection, app_id: str, kind: str
    ) -> list[tuple[dict[str, Any], rules.Rule]]:
        """The app's enabled rules of ``kind``, parsed (a rule that no longer validates, say
        its agent left, is switched off and reported rather than run half-way)."""
        version = store.rules_version(conn, app_id)
        cached = self._parsed.get((app_id, kind))
        if cached is not None and cached[0] == version:
            return cached[1]
        loaded = []
        vocabulary: rules.Vocabulary | None = None
        for found in store.list_automations(conn, app_id, kind):
            if not found["enabled"]:
                continue
            vocabulary = vocabulary or self.vocabulary(conn, app_id)
            try:
                loaded.append((found, rules.validate_rule(found["rule"], vocabulary)))
            except ValidationFailed as exc:
                error = f"switched off: {exc.message}"
                store.update_automation(
                    conn,
                    found["id"],
                    {"enabled": False, "last_error": error, "updated_at": clock.iso()},
                )
                log.warning("automation %s (%s) %s", found["public_id"], found["name"], error)
        self._parsed[(app_id, kind)] = (store.rules_version(conn, app_id), loaded)
        return loaded

    def on_event(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        view: Mapping[str, Any],
        event: str,
        event_key: str,
        apply: Apply,
    ) -> int:
        """Run the app's event rules for ``event`` on ``ticket``; returns how many fired."""
        loaded = self._loaded(conn, ticket["app_id"], "event")
        if not loaded:
            return 0
        by_rule = {id(rule): found for found, rule in loaded}
        fired, loop = rules.run_chain([rule for _, rule in loaded], view, event)
        count = 0
        for rule, changes in fired:
            found = by_rule[id(rule)]
            if not store.claim_run(conn, found["id"], ticket["id"], event_key, clock.iso()):
                continue  # fired for this event already (a retried request)
            if changes:
                apply(conn, ticket, rule.name, changes)
            count += 1
        if loop:
            log.warning("automations stopped on %s: %s", ticket["public_id"], loop)
            names = {r.name for r, _ in fired}
            for found, rule in loaded:
                if rule.name in names and found["last_error"] != loop:
                    store.update_automation(conn, found["id"], {"last_error": loop})
        return count

    def dry_run(self, app_id: str, public_id: str, view: Mapping[str, Any]) -> dict[str, Any]:
        """What the automation would do to the ticket ``view`` now, changing nothing."""
        with self.db.read() as conn:
            found = store.get_automation(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such automation")
            rule = rules.validate_rule(found["rule"], self.vocabulary(conn, app_id))
        matched = rules.matches(rule, view)
        return {
            "automation": found["public_id"],
            "ticket": view["id"],
            "matches": matched,
            "changes": rules.plan(rule, view) if matched else [],
        }

    def tick(
        self,
        view_of: Callable[[sqlite3.Connection, int], dict[str, Any] | None],
        apply: Apply,
    ) -> int:
        """Fire the time rules that fell due; returns how many fired."""
        now = clock.now()
        fired = 0
        with self.db.write() as conn:
            for app_id in store.time_rule_apps(conn):
                app = app_store.get_app(conn, app_id)
                hours = business_hours_of(app) if app else None
                for found, rule in self._loaded(conn, app_id, "time"):
                    fired += self._tick_rule(conn, app_id, found, rule, now, hours, view_of, apply)
        if fired:
            log.info("automations: %d time rule(s) fired", fired)
        return fired

    def _tick_rule(
        self,
        conn: sqlite3.Connection,
        app_id: str,
        found: Mapping[str, Any],
        rule: rules.Rule,
        now: float,
        hours: Any,
        view_of: Callable[[sqlite3.Connection, int], dict[str, Any] | None],
        apply: Apply,
    ) -> int:
        after = rule.after or {}
        wait = float(after["hours"]) * 3600
        # business time never runs faster than real time: real elapsed >= business elapsed
        before = clock.iso(now - wait)
        if after.get("unanswered"):
            candidates = store.unanswered_since(conn, app_id, before, found["id"], TICK_BATCH)
        else:
            candidates = store.tickets_in_status_since(
                conn, app_id, after["status"], before, found["id"], TICK_BATCH
            )
        fired = 0
        for candidate in candidates:
            since = candidate["since"]
            view = view_of(conn, candidate["id"])
            if view is None or not since:
                continue
            if after.get("business") and hours is not None:
                start = datetime.fromtimestamp(clock.parse_iso(since), tz=timezone.utc)
                end = datetime.fromtimestamp(now, tz=timezone.utc)
                if hours.between(start, end) < float(after["hours"]) * 60:
                    continue
            # looked at once when its time is up: a ticket that does not match then is not
            # looked at again in this stretch (so the scan never stalls on it)
            if not store.claim_run(
                conn, found["id"], candidate["id"], f"after:{since}", clock.iso()
            ):
                continue
            if not rules.matches(rule, view):
                continue
            changes = rules.plan(rule, view)
            ticket = {"id": candidate["id"], "app_id": app_id, "public_id": view["id"]}
            if changes:
                apply(conn, ticket, rule.name, changes)
            fired += 1
        return fired


def event_names() -> Sequence[str]:
    return EVENTS
