"""What happens around each ticket change, in its transaction: routing, service levels and
automations, in that order.

- **Filed**: routed to a team and assigned (:mod:`.teams`); the ``ticket.created`` event rules
  run; then the SLA policy that matches the result applies (:mod:`.sla`). All of it before the
  ``ticket.created`` event is written, so the API's answer, the event and the webhooks show
  the ticket as it will be worked on.
- **Changed**: the SLA clock follows the status (paused while pending, stopped when solved);
  the policy is chosen again when what policies match on changed; then ``ticket.updated`` rules
  run (not for an automation's own changes: its chain is followed by :func:`.rules.run_chain`).
- **A message**: a public agent reply meets the first or next response target; a customer's
  message starts the next-response clock; ``message.created`` rules run.

Routing and rules record what they changed on the ticket (``ticket_activity``) by name.
The agent a ticket is assigned to, an agent who writes on it and an agent a note @mentions
follow it (:mod:`.followers`).

Each step runs inside a savepoint: a bug in one (a rule the validator let through that then
fails) is logged and undone on its own, and the customer's ticket or message is still filed.
Database errors are not contained: they fail the whole change, as they would without us.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from .. import clock
from ..errors import NotFound
from ..store import apps as app_store
from ..store import macros as macro_store
from ..store import service_levels as store
from ..store import staff as staff_store
from ..store import tickets as ticket_store
from . import macros
from .automations import AutomationService
from .contacts import ContactService
from .customer_mail import CustomerMail
from .followers import Followers
from .known_issues import KnownIssueService
from .notifications import Notifier
from .sla import SlaService
from .teams import TeamService
from .tickets import TicketService, status_clock

log = logging.getLogger(__name__)


@contextmanager
def contained(conn: sqlite3.Connection, step: str, ticket: Mapping[str, Any]) -> Iterator[None]:
    """Run ``step`` so that a bug in it is undone and logged, not fatal to the ticket."""
    conn.execute("SAVEPOINT lifecycle_step")
    try:
        yield
    except sqlite3.Error:
        conn.execute("ROLLBACK TO lifecycle_step")
        conn.execute("RELEASE lifecycle_step")
        raise
    except Exception:
        conn.execute("ROLLBACK TO lifecycle_step")
        conn.execute("RELEASE lifecycle_step")
        log.exception(
            "%s failed on %s; the ticket goes on without it", step, ticket.get("public_id")
        )
    else:
        conn.execute("RELEASE lifecycle_step")


# what SLA policies and routing look at: a change to one of these chooses the policy again
MATCHED_ON = ("priority", "team", "tags", "assignee", "fields")


class Lifecycle:
    def __init__(
        self,
        tickets: TicketService,
        sla: SlaService,
        teams: TeamService,
        automations: AutomationService,
        notifier: Notifier,
        customer_mail: CustomerMail,
        contacts: ContactService | None = None,
        followers: Followers | None = None,
        known_issues: KnownIssueService | None = None,
    ) -> None:
        self.tickets = tickets
        self.sla = sla
        self.teams = teams
        self.automations = automations
        self.notifier = notifier
        self.customer_mail = customer_mail
        self.contacts = contacts
        self.followers = followers
        self.known_issues = known_issues

    def view(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> dict[str, Any]:
        """The ticket as rules see it: as agents see it, with ``team`` as the team's id."""
        view = self.tickets.agent_view(conn, ticket)
        team = view.get("team")
        view["team"] = team["id"] if team else None
        view.setdefault("fields", {})
        return view

    def view_of(self, conn: sqlite3.Connection, ticket_id: int) -> dict[str, Any] | None:
        ticket = ticket_store.ticket_by_row_id(conn, ticket_id)
        return self.view(conn, ticket) if ticket else None

    # -- the hooks TicketService calls ----------------------------------------------------
    def created(self, conn: sqlite3.Connection, ticket: dict[str, Any]) -> None:
        if self.contacts is not None:  # whose ticket it is: their contact, created or updated
            with contained(conn, "contacts", ticket):
                self.contacts.seen(conn, ticket)
        if self.known_issues is not None:  # filed from where a known issue shows: linked
            with contained(conn, "known issues", ticket):
                self.known_issues.link_new(conn, ticket)
        with contained(conn, "routing", ticket):
            self._route(conn, ticket)
        with contained(conn, "automations", ticket):
            self.automations.on_event(
                conn,
                ticket,
                self.view(conn, ticket),
                "ticket.created",
                "ticket.created",
                self._apply_silently,
            )
        with contained(conn, "service levels", ticket):
            self.sla.evaluate(conn, ticket, self.view(conn, ticket))
        if self.followers is not None and ticket.get("assignee"):
            with contained(conn, "followers", ticket):
                self.followers.assigned(conn, ticket, str(ticket["assignee"]))

    def _route(self, conn: sqlite3.Connection, ticket: dict[str, Any]) -> None:
        team = self.teams.route(conn, ticket)
        if team is not None:
            routed: dict[str, Any] = {"team_id": team["id"]}
            changes = [{"field": "team", "from": None, "to": team["public_id"]}]
            agent = self.teams.pick_agent(conn, ticket["app_id"], team)
            if agent:
                routed["assignee"] = agent
                changes.append({"field": "assignee", "from": None, "to": agent})
            ticket_store.update_ticket(conn, ticket["id"], routed)
            ticket.update(routed)
            store.add_activity(conn, ticket["id"], "routing", team["name"], changes, clock.iso())

    def updated(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        changes: Mapping[str, Any],
        actor: Mapping[str, Any],
        event_id: str,
    ) -> None:
        present = self.tickets.agent_view
        with contained(conn, "service levels", ticket):
            if "status" in changes:
                status = changes["status"]
                self.sla.status_changed(conn, ticket, status["from"], status["to"], present)
            if any(name in changes for name in MATCHED_ON):
                self.sla.evaluate(conn, ticket, self.view(conn, ticket))
        assignee = (changes.get("assignee") or {}).get("to")
        if self.followers is not None and assignee:
            with contained(conn, "followers", ticket):
                self.followers.assigned(conn, ticket, str(assignee))
        if actor.get("automate", True):
            with contained(conn, "automations", ticket):
                self.automations.on_event(
                    conn, ticket, self.view(conn, ticket), "ticket.updated", event_id, self._apply
                )

    def messaged(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        message: Mapping[str, Any],
        status_change: tuple[str, str] | None,
        event_id: str,
        automated: bool = False,
    ) -> None:
        present = self.tickets.agent_view
        with contained(conn, "service levels", ticket):
            if status_change:
                self.sla.status_changed(conn, ticket, status_change[0], status_change[1], present)
            self.sla.message_added(conn, ticket, message, present)
        if self.followers is not None and not automated:
            with contained(conn, "followers", ticket):
                self.followers.spoke(conn, ticket, message)
        if not automated:
            with contained(conn, "automations", ticket):
                self.automations.on_event(
                    conn, ticket, self.view(conn, ticket), "message.created", event_id, self._apply
                )

    # -- applying a rule's changes --------------------------------------------------------
    def _fields(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], changes: list[dict[str, Any]]
    ) -> dict[str, Any]:
        fields: dict[str, Any] = {}
        for change in changes:
            field = change.get("field")
            if field in ("status", "priority", "assignee", "tags"):
                fields[field] = change["to"]
            elif field == "team":
                team = (
                    store.get_team(conn, ticket["app_id"], change["to"]) if change["to"] else None
                )
                fields["team_id"] = team["id"] if team else None
        return fields

    def _side_effects(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        rule: str,
        changes: list[dict[str, Any]],
    ) -> None:
        row = ticket_store.ticket_by_row_id(conn, ticket["id"])
        if row is None:
            return
        for change in changes:
            action = change.get("action")
            if action == "notify":
                self.notifier.automation(conn, row, change["to"], change["message"], rule)
            elif action == "remind_customer":
                self.customer_mail.remind(conn, row, solve_in="soon")
            elif action == "reply":
                macro = macro_store.get_macro(conn, row["app_id"], change["macro"])
                if macro is None:  # deleted since the rule was checked: say nothing
                    continue
                app = app_store.get_app(conn, row["app_id"]) or {"name": "Support"}
                agent = staff_store.find_user(conn, row["assignee"]) if row["assignee"] else None
                values = macros.values_for(
                    row, (agent or {}).get("display_name") or None, app["name"]
                )
                self.tickets.automated_reply(conn, row, macros.fill(macro["body"], values))

    def _apply(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        rule: str,
        changes: list[dict[str, Any]],
    ) -> None:
        """Apply a fired rule's changes: a ``ticket.updated`` event naming the rule."""
        row = ticket_store.ticket_by_row_id(conn, ticket["id"])
        if row is None:
            return
        fields = self._fields(conn, row, changes)
        if fields:
            self.tickets.change(
                conn, row, fields, {"kind": "automation", "id": rule}, automate=False
            )
            ticket.update(row)
        self._record(conn, row, rule, changes)

    def _apply_silently(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        rule: str,
        changes: list[dict[str, Any]],
    ) -> None:
        """On filing: the changes become part of the new ticket (no separate update event)."""
        fields = self._fields(conn, ticket, changes)
        if fields:
            fields.update(status_clock(ticket, fields, clock.iso()))
            ticket_store.update_ticket(conn, ticket["id"], fields)
            ticket.update(fields)
        self._record(conn, ticket, rule, changes)

    def _record(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        rule: str,
        changes: list[dict[str, Any]],
    ) -> None:
        """The rule's changes on the ticket's history, then what they do beyond the ticket."""
        store.add_activity(conn, ticket["id"], "automation", rule, changes, clock.iso())
        self._side_effects(conn, ticket, rule, changes)

    def dry_run(self, app_id: str, automation_id: str, ticket_id: str) -> dict[str, Any]:
        """What an automation would change on a ticket now, changing nothing."""
        with self.tickets.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, ticket_id)
            if ticket is None:
                raise NotFound("no such ticket")
            view = self.view(conn, ticket)
        return self.automations.dry_run(app_id, automation_id, view)

    # -- the worker -----------------------------------------------------------------------
    def tick(self) -> tuple[int, int]:
        """Time rules and SLA timers that fell due: (rules fired, warnings and breaches)."""
        fired = self.automations.tick(self.view_of, self._apply)
        recorded = self.sla.sweep(self.tickets.agent_view, ticket_store.ticket_by_row_id)
        return fired, recorded
