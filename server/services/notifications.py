"""Staff notifications: who is told what, by email, when an event happens.

- ``new_ticket``: a ticket arrives unassigned; the members of the team it was routed to are
  told, or every agent of the app when it has no team (or its team no one who can be mailed).
  A ticket routed to an agent tells that agent (``assigned``) instead.
- ``customer_reply``: the requester answers; the assignee is told, or every agent while the
  ticket has none.
- ``assigned``: a ticket is assigned to someone (not when they take it themselves).
- ``mention``: an internal note names someone as ``@username``.
- ``sla``: a ticket's service level is about to be, or has been, breached; the assignee and
  the ticket's team are told (every agent when it has neither).
- ``automation``: an automation's ``notify`` action names the person (or their team, or the
  admins, or the assignee).

The ticket's followers (:mod:`.followers`) are told of customer replies and service levels
besides the assignee, each person once.

Each kind can be switched off per person (their profile in the admin); people without an
address, disabled people and writers are never mailed. The mails are queued in the fan-out
job's transaction (see :mod:`.dispatch`), so a worker that dies half-way queues none of them
and the job's retry queues them once.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping
from typing import Any

from ..store import Database
from ..store import apps as app_store
from ..store import followers as follower_store
from ..store import service_levels as levels_store
from ..store import staff as staff_store
from ..store import tickets as ticket_store
from .mail import DEFAULT_COLOUR, Mailer

KINDS: dict[str, str] = {
    "new_ticket": "A new ticket arrives",
    "customer_reply": "A customer replies on a ticket of mine (or an unassigned one)",
    "assigned": "A ticket is assigned to me",
    "mention": "Someone mentions me in an internal note",
    "sla": "A ticket of mine or my team's nears or breaches its service level",
    "automation": "An automation notifies me",
    "spike": "Tickets from a context or app version spike far above their usual rate",
}
_MENTION = re.compile(r"(?<![\w@])@([A-Za-z0-9][A-Za-z0-9._-]{1,63})")
QUOTE_LIMIT = 2000


def mentions(text: str) -> list[str]:
    """The usernames a note names as ``@name`` (a trailing full stop is punctuation)."""
    return list(dict.fromkeys(m.rstrip(".").lower() for m in _MENTION.findall(text)))


class Notifier:
    def __init__(self, db: Database, mailer: Mailer, public_url: str) -> None:
        self.db = db
        self.mailer = mailer
        self.public_url = public_url.rstrip("/")

    # -- preferences --------------------------------------------------------------------------
    def muted(self, user_id: str) -> list[str]:
        with self.db.read() as conn:
            user = staff_store.get_user(conn, user_id)
        return list(user["muted"]) if user else []

    # -- who is told --------------------------------------------------------------------------
    @staticmethod
    def _agents(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
        return [
            u
            for u in staff_store.list_users(conn, app_id)
            if u["disabled_at"] is None and u["role"] in ("agent", "admin") and u["email"]
        ]

    def _tell(
        self,
        conn: sqlite3.Connection,
        people: Iterable[Mapping[str, Any]],
        kind: str,
        app_id: str,
        ticket: Mapping[str, Any],
        heading: str,
        quote: str,
        skip: str | None = None,
    ) -> int:
        app = app_store.get_app(conn, app_id) or {"name": "Support", "settings": {}}
        found = ticket_store.get_ticket(conn, app_id, ticket["id"])
        count = 0
        for person in people:
            if kind in person["muted"] or (skip and person["username"].lower() == skip.lower()):
                continue
            link = f"{self.public_url}/admin/tickets/{ticket['id']}" if self.public_url else ""
            self.mailer.queue(
                conn,
                app_id=app_id,
                kind=kind,
                to=person["email"],
                subject=f"[{app['name']}] {heading}: {ticket['subject']}",
                context={
                    "app_name": app["name"],
                    "colour": app["settings"].get("theme_color") or DEFAULT_COLOUR,
                    "heading": heading,
                    "lines": [f"{ticket['subject']} ({ticket['id']})"],
                    "quote": quote[:QUOTE_LIMIT],
                    "link": link,
                    "link_label": "Open the ticket",
                    "footer": f"You get this because \u201c{KINDS[kind]}\u201d is on in your"
                    " profile. Switch it off there"
                    + (f": {self.public_url}/admin/profile" if self.public_url else "."),
                },
                ticket_id=found["id"] if found else None,
            )
            count += 1
        return count

    @staticmethod
    def _and_followers(
        conn: sqlite3.Connection,
        app_id: str,
        ticket: Mapping[str, Any],
        people: list[dict[str, Any]],
        agents: list[dict[str, Any]],
    ) -> list[dict[str, Any]]:
        """``people`` and, after them, the ticket's followers among ``agents`` (those who can
        be mailed) who are not among ``people``: each person once."""
        told = {p["username"].lower() for p in people}
        following = {
            u.lower() for u in follower_store.usernames_by_public_id(conn, app_id, ticket["id"])
        }
        return [*people, *(u for u in agents if u["username"].lower() in following - told)]

    @staticmethod
    def _team(conn: sqlite3.Connection, app_id: str, ticket: Mapping[str, Any]) -> set[str] | None:
        """The usernames (lowercased) of the ticket's team, or None without one."""
        team = ticket.get("team")
        if not team:
            return None
        found = levels_store.get_team(conn, app_id, team["id"] if isinstance(team, dict) else team)
        return {m.lower() for m in found["members"]} if found else None

    def spike(self, conn: sqlite3.Connection, app_id: str, spike: Mapping[str, Any]) -> int:
        """Tell the app's agents about a spike (see :mod:`.spikes`), in ``conn``'s
        transaction; returns how many were told."""
        app = app_store.get_app(conn, app_id) or {"name": "Support", "settings": {}}
        link = f"{self.public_url}/admin/insights#spikes" if self.public_url else ""
        count = 0
        for person in self._agents(conn, app_id):
            if "spike" in person["muted"]:
                continue
            self.mailer.queue(
                conn,
                app_id=app_id,
                kind="spike",
                to=person["email"],
                subject=f"[{app['name']}] Spike: {spike['label']}",
                context={
                    "app_name": app["name"],
                    "colour": app["settings"].get("theme_color") or DEFAULT_COLOUR,
                    "heading": spike["label"],
                    "lines": [
                        f"{spike['tickets']} tickets in the last day; about"
                        f" {spike['expected']:g} were expected.",
                        *spike["subjects"][:3],
                    ],
                    "quote": "",
                    "link": link,
                    "link_label": "See the tickets",
                    "footer": f"You get this because \u201c{KINDS['spike']}\u201d is on in"
                    " your profile. Switch it off there"
                    + (f": {self.public_url}/admin/profile" if self.public_url else "."),
                },
            )
            count += 1
        return count

    def automation(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        to: str,
        message: str,
        rule: str,
    ) -> int:
        """An automation's ``notify`` action (``ticket`` is a row), queued in its transaction:
        ``to`` is ``assignee``, ``team``, ``admins`` or ``agent:<username>``."""
        app_id = ticket["app_id"]
        agents = self._agents(conn, app_id)
        if to == "assignee":
            wanted = {str(ticket.get("assignee") or "").lower()}
        elif to == "team":
            team = levels_store.team_by_row_id(conn, ticket.get("team_id"))
            wanted = {m.lower() for m in team["members"]} if team else set()
        elif to == "admins":
            wanted = {u["username"].lower() for u in agents if u["role"] == "admin"}
        else:
            wanted = {to.partition(":")[2].lower()}
        people = [u for u in agents if u["username"].lower() in wanted]
        view = {"id": ticket["public_id"], "subject": ticket["subject"]}
        return self._tell(conn, people, "automation", app_id, view, f"{rule}", message)

    def fan_out(self, conn: sqlite3.Connection, event: Mapping[str, Any]) -> int:
        """Queue the notifications ``event`` (an outbox row) calls for; returns how many."""
        payload = event["payload"]
        app_id, data, kind = payload["app_id"], payload["data"], payload["type"]
        if kind == "ticket.created":
            agents = self._agents(conn, app_id)
            if data.get("assignee"):  # routed to someone who can be mailed: it is theirs
                assignee = str(data["assignee"]).lower()
                theirs = [u for u in agents if u["username"].lower() == assignee]
                if theirs:
                    return self._tell(
                        conn, theirs, "assigned", app_id, data, "Assigned to you", data["body"]
                    )
            team = self._team(conn, app_id, data)
            if team is not None:  # the team, or everyone when none of it can be mailed
                agents = [u for u in agents if u["username"].lower() in team] or agents
            return self._tell(conn, agents, "new_ticket", app_id, data, "New ticket", data["body"])
        if kind in ("sla.warning", "sla.breached"):
            ticket, detail = data, payload["detail"]
            agents = self._agents(conn, app_id)
            wanted = self._team(conn, app_id, ticket) or set()
            if ticket.get("assignee"):
                wanted.add(str(ticket["assignee"]).lower())
            people = [u for u in agents if u["username"].lower() in wanted] or agents
            people = self._and_followers(conn, app_id, ticket, people, agents)
            metric = detail["metric"].replace("_", " ")
            heading = (
                f"SLA breached ({metric}, {detail['policy']})"
                if kind == "sla.breached"
                else f"SLA due soon ({metric}, {detail['policy']}, due {detail['due_at'][:16]} UTC)"
            )
            return self._tell(conn, people, "sla", app_id, ticket, heading, ticket["body"])
        if kind == "ticket.updated":
            change = payload.get("changes", {}).get("assignee")
            if not change or not change["to"]:
                return 0
            people = [
                u
                for u in self._agents(conn, app_id)
                if u["username"].lower() == str(change["to"]).lower()
            ]
            actor = (payload.get("actor") or {}).get("id")
            return self._tell(
                conn,
                people,
                "assigned",
                app_id,
                data,
                "Assigned to you",
                data["body"],
                skip=actor,
            )
        if kind == "message.created":
            ticket = data["ticket"]
            if data["author"]["kind"] == "requester":
                agents = self._agents(conn, app_id)
                assignee = str(ticket["assignee"] or "").lower()
                theirs = [u for u in agents if u["username"].lower() == assignee]
                # the assignee, if they can be mailed; else everyone (an assignee who left or
                # has no address must not make the customer's reply go unheard)
                people = self._and_followers(conn, app_id, ticket, theirs or agents, agents)
                return self._tell(
                    conn,
                    people,
                    "customer_reply",
                    app_id,
                    ticket,
                    "Customer replied",
                    data["body"],
                )
            if data["internal"]:
                named = set(mentions(data["body"]))
                people = [u for u in self._agents(conn, app_id) if u["username"].lower() in named]
                return self._tell(
                    conn,
                    people,
                    "mention",
                    app_id,
                    ticket,
                    "You were mentioned in a note",
                    data["body"],
                    skip=data.get("author_id"),
                )
        return 0

    def webhook_disabled(
        self, conn: sqlite3.Connection, app_id: str, endpoint: Mapping[str, Any], reason: str
    ) -> None:
        """Tell the app's admins that an endpoint was switched off (not switchable: it is
        the only way they learn that their integration stopped)."""
        app = app_store.get_app(conn, app_id) or {"name": "Support", "settings": {}}
        admins = [
            u
            for u in staff_store.list_users(conn, app_id)
            if u["disabled_at"] is None and u["role"] == "admin" and u["email"]
        ]
        for admin in admins:
            self.mailer.queue(
                conn,
                app_id=app_id,
                kind="webhook_disabled",
                to=admin["email"],
                subject=f"[{app['name']}] A webhook endpoint was switched off",
                context={
                    "app_name": app["name"],
                    "colour": app["settings"].get("theme_color") or DEFAULT_COLOUR,
                    "heading": "A webhook endpoint was switched off",
                    "lines": [
                        endpoint["url"],
                        reason,
                        "Fix the receiver, then switch the endpoint on again and retry"
                        " the failed deliveries.",
                    ],
                    "link": f"{self.public_url}/admin/webhooks/{endpoint['public_id']}"
                    if self.public_url
                    else "",
                    "link_label": "Open the endpoint",
                    "footer": "Sent to the app's admins.",
                },
            )
