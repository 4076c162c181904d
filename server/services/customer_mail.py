"""Mail to customers: what the requester of a ticket receives, and how they answer it.

Events fan out to these mails (in the fan-out job's transaction, like staff notifications):

- ``reply``: an agent's public reply, with the earlier thread quoted below it, the "View the
  conversation" link and a signed ``Reply-To`` (answering the mail lands in the ticket).
  It is a person's mail, so it carries no ``Auto-Submitted``.
- ``acknowledgement``: a new ticket, when the app asks for one (automatic).
- ``survey``: an agent solved the ticket, when the app asks for one: five one-click ratings
  (automatic).
- ``reminder``: the ticket has waited on the customer for :data:`REMIND_AFTER` (automatic);
  see :mod:`.follow_up`.

Every mail of a ticket threads with the others (``Message-ID``, ``In-Reply-To``,
``References`` under one root id per ticket, ``tkt_…@<domain>``), so mail clients show one
conversation and an answer to any of them finds the ticket again.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from datetime import datetime, timezone
from email.headerregistry import Address
from email.utils import formataddr, parseaddr
from typing import Any

from .. import clock
from ..store import apps as app_store
from ..store import mail as mail_store
from ..store import tickets as ticket_store
from ..theme import on_colour
from .apps import mail_settings
from .mail import Mailer
from .mail_links import Conversation, MailLinks
from .mail_parsing import REPLY_ABOVE

DEFAULT_ACCENT = "#4f46e5"  # the help center's, so the mail and the page it opens match
THREAD_QUOTED = 5  # earlier messages quoted below a reply
QUOTE_LIMIT = 4000
RATINGS = ((1, "Very poor"), (2, "Poor"), (3, "OK"), (4, "Good"), (5, "Excellent"))


def _when(iso: str) -> str:
    moment = datetime.fromtimestamp(clock.parse_iso(iso), tz=timezone.utc)
    return f"{moment.day} {moment:%b %Y, %H:%M} UTC"


class CustomerMail:
    def __init__(
        self,
        mailer: Mailer,
        links: MailLinks,
        *,
        public_url: str,
        reply_domain: str,
    ) -> None:
        self.mailer = mailer
        self.links = links
        self.public_url = public_url.rstrip("/")
        self.reply_domain = reply_domain

    # -- who the mail is from --------------------------------------------------------------------
    def sender(self, app: Mapping[str, Any]) -> tuple[str, str, str]:
        """(From, the reply address's local part, the reply domain) for ``app``'s mail."""
        settings = mail_settings(dict(app))
        server_name, server_address = parseaddr(self.mailer.sender)
        address = settings["mail_from_address"] or server_address
        name = settings["mail_from_name"] or app["name"] or server_name
        local, _, domain = address.partition("@")
        reply_domain = settings["reply_domain"] or self.reply_domain or domain
        return formataddr((name, address)), local.split("+")[0] or "support", reply_domain

    def conversation_url(self, ticket: Mapping[str, Any], suffix: str = "") -> str:
        if not self.public_url:
            return ""
        token = self.links.link_token(
            Conversation(
                ticket["app_id"],
                ticket["public_id"],
                ticket["requester_kind"],
                ticket["requester_id"],
            )
        )
        return f"{self.public_url}/conversation/{token}{suffix}"

    # -- fan-out ---------------------------------------------------------------------------------
    def fan_out(self, conn: sqlite3.Connection, event: Mapping[str, Any]) -> int:
        """Queue the customer mail ``event`` (an outbox row) calls for; returns how many."""
        payload = event["payload"]
        app_id, data, kind = payload["app_id"], payload["data"], payload["type"]
        if kind == "ticket.created":
            ticket = ticket_store.get_ticket(conn, app_id, data["id"])
            return self._acknowledge(conn, ticket) if ticket else 0
        if kind == "message.created":
            if data["author"]["kind"] != "agent" or data["internal"]:
                return 0
            ticket = ticket_store.get_ticket(conn, app_id, data["ticket"]["id"])
            return self._reply(conn, ticket, data) if ticket else 0
        if kind == "ticket.updated":
            status = payload.get("changes", {}).get("status")
            actor = payload.get("actor") or {}
            if status and status["to"] == "solved" and actor.get("kind") == "staff":
                ticket = ticket_store.get_ticket(conn, app_id, data["id"])
                return self._survey(conn, ticket) if ticket else 0
        return 0

    def _settings(
        self, conn: sqlite3.Connection, app_id: str
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        app = app_store.get_app(conn, app_id) or {"name": "Support", "settings": {}}
        return app, mail_settings(app)

    def _queue(
        self,
        conn: sqlite3.Connection,
        ticket: Mapping[str, Any],
        *,
        kind: str,
        subject: str,
        heading: str,
        body: str = "",
        lines: list[str] | None = None,
        thread: list[dict[str, Any]] | None = None,
        ratings: list[dict[str, Any]] | None = None,
        automatic: bool = True,
    ) -> int:
        to = (ticket["requester_email"] or "").strip()
        if not to:
            return 0
        try:
            Address(addr_spec=to)
        except (ValueError, IndexError):
            return 0  # nothing to write a header for (the widget and API check addresses)
        app, _ = self._settings(conn, ticket["app_id"])
        from_header, local, domain = self.sender(app)
        root = f"{ticket['public_id']}@{self.mailer.domain(from_header)}"
        earlier = mail_store.thread_ids(conn, ticket["id"], to)
        references = [root, *earlier][-20:]
        headers = {
            "From": from_header,
            "Reply-To": formataddr(
                (app["name"], self.links.reply_address(ticket["public_id"], local, domain))
            ),
            "In-Reply-To": f"<{references[-1]}>",
            "References": " ".join(f"<{r}>" for r in references),
            "Auto-Submitted": "auto-generated" if automatic else "",
        }
        link = self.conversation_url(ticket)
        colour = app["settings"].get("theme_color") or DEFAULT_ACCENT  # as the linked page
        self.mailer.queue(
            conn,
            app_id=ticket["app_id"],
            kind=kind,
            to=to,
            subject=subject,
            template="customer",
            headers=headers,
            ticket_id=ticket["id"],
            context={
                "app_name": app["name"],
                "colour": colour,
                "on_colour": on_colour(colour),
                "heading": heading,
                "body": body[:QUOTE_LIMIT],
                "lines": lines or [],
                "thread": thread or [],
                "ratings": ratings or [],
                "link": link,
                "link_label": "View the conversation",
                "reply_above": REPLY_ABOVE,
                "footer": f"Reply to this email to answer. Ticket {ticket['public_id']}.",
            },
        )
        return 1

    def _thread(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], skip: str | None = None
    ) -> list[dict[str, Any]]:
        """The public conversation, newest first, without message ``skip``."""
        messages = [
            m
            for m in ticket_store.list_messages(conn, ticket["id"], include_internal=False)
            if m["public_id"] != skip
        ]
        items = [
            {
                "author": m["author_name"] or ("Support" if m["author_kind"] == "agent" else "You"),
                "when": _when(m["created_at"]),
                "body": m["body"][:QUOTE_LIMIT],
                "agent": m["author_kind"] == "agent",
            }
            for m in reversed(messages)
        ]
        opening = {
            "author": ticket["requester_name"] or "You",
            "when": _when(ticket["created_at"]),
            "body": ticket["body"][:QUOTE_LIMIT],
            "agent": False,
        }
        return [*items, opening][:THREAD_QUOTED]

    def _reply(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], message: Mapping[str, Any]
    ) -> int:
        app, _ = self._settings(conn, ticket["app_id"])
        who = message["author"]["name"] or "Support"
        return self._queue(
            conn,
            ticket,
            kind="reply",
            subject=f"Re: {ticket['subject']}",
            heading=f"{who} from {app['name']} replied",
            body=message["body"],
            # named, not attached: the files stay behind the conversation link
            lines=[
                f"Attached: {', '.join(f['filename'] for f in files)}; open the conversation"
                " to see them."
            ]
            if (files := message.get("attachments") or [])
            else [],
            thread=self._thread(conn, ticket, skip=message["id"]),
            automatic=False,
        )

    def _acknowledge(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> int:
        _, settings = self._settings(conn, ticket["app_id"])
        if not settings["acknowledge"]:
            return 0
        return self._queue(
            conn,
            ticket,
            kind="acknowledgement",
            subject=f"We received your request: {ticket['subject']}",
            heading="We received your request",
            lines=[
                "Thanks for writing. Someone from the team will answer you here by email"
                " and in the app.",
                "To add anything, reply to this email.",
            ],
            thread=self._thread(conn, ticket),
        )

    def _survey(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> int:
        _, settings = self._settings(conn, ticket["app_id"])
        if not settings["survey"] or ticket_store.get_rating(conn, ticket["id"]):
            return 0
        return self._queue(
            conn,
            ticket,
            kind="survey",
            subject=f"Solved: {ticket['subject']}",
            heading="How did we do?",
            lines=[
                "We have marked your request as solved. One click tells us how we did:",
            ],
            ratings=[
                {
                    "score": score,
                    "label": label,
                    "url": self.conversation_url(ticket, f"/rate/{score}"),
                }
                for score, label in RATINGS
            ]
            if self.public_url
            else [],
            thread=[m for m in self._thread(conn, ticket) if m["agent"]][:1],
        )

    def remind(self, conn: sqlite3.Connection, ticket: Mapping[str, Any], solve_in: str) -> int:
        """The one reminder a pending ticket gets before it is solved for want of an answer."""
        return self._queue(
            conn,
            ticket,
            kind="reminder",
            subject=f"Waiting for your answer: {ticket['subject']}",
            heading="We are waiting for your answer",
            lines=[
                "We asked you something and have not heard back. Reply to this email to"
                " go on; if we hear nothing, we will mark the request as solved"
                f" {solve_in}.",
            ],
            thread=self._thread(conn, ticket)[:2],
        )
