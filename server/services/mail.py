"""Outgoing mail: queued in the database with the change that caused it, sent by the worker.

A mail row is written in the same transaction as the event it comes from, with a ``mail``
job; the worker hands it to the relay (:mod:`.mail_transport`). Nothing is dropped: without
a relay (``SUPPORT_SMTP_URL`` empty) the mail stays queued and is shown as "not sent: no mail
relay configured"; a relay that is down or answers 4xx gets the mail again later
(:data:`RETRY_AFTER`, then every 6 hours); a 5xx for the address marks the mail ``rejected``
and the address is shown to agents on the ticket.

Messages are multipart (text and HTML) from the templates in ``templates/mail``; HTML is
autoescaped, so a ticket's text can never become markup in someone's mail client.
"""

from __future__ import annotations

import functools
import logging
import random
import sqlite3
import unicodedata
from collections.abc import Callable, Mapping
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import clock
from ..ids import new_id
from ..store import Database
from ..store import mail as store
from ..store import outbox as outbox_store
from ..store import tickets as ticket_store
from . import mail_transport

log = logging.getLogger(__name__)

RETRY_AFTER = (60, 300, 900, 3600, 3 * 3600)
THEN_EVERY = 6 * 3600
NO_RELAY = "not sent: no mail relay configured"
NO_RELAY_RECHECK = 300
DEFAULT_COLOUR = "#2563eb"
ADMIN_ONLY = frozenset({"webhook_disabled"})  # kinds of mail only admins may read


def one_line(text: str) -> str:
    """``text`` fit for a header: every line or paragraph separator and control character
    (what str.splitlines splits on, which the email package refuses) becomes a space."""
    return "".join(
        " " if unicodedata.category(c) in {"Cc", "Zl", "Zp"} or c in "\x1c\x1d\x1e\x85" else c
        for c in text
    ).strip()


def _templates() -> Environment:
    return Environment(
        loader=PackageLoader("support_server", "templates/mail"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )


class Mailer:
    def __init__(
        self, db: Database, *, relay_url: str, sender: str, rng: random.Random | None = None
    ) -> None:
        self.db = db
        self.relay = mail_transport.Relay.parse(relay_url) if relay_url else None
        self.sender = sender
        self._templates = _templates()
        self._rng = rng or random.Random()

    # -- queueing (in the caller's transaction) -----------------------------------------------
    def queue(
        self,
        conn: sqlite3.Connection,
        *,
        app_id: str | None,
        kind: str,
        to: str,
        subject: str,
        context: Mapping[str, Any],
        ticket_id: int | None = None,
        template: str = "notification",
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """Queue one mail in ``conn``'s transaction; returns its public id.

        ``headers`` are composed now and sent as they are: ``From`` (else the server's
        sender), ``Reply-To``, ``In-Reply-To``, ``References`` and ``Auto-Submitted`` (every
        mail but a person's reply is automatic, so the default is ``auto-generated``). The
        Message-ID is fixed here too, so a reply to a mail still queued threads.
        """
        values = {
            "colour": DEFAULT_COLOUR,
            "app_name": "Support",
            "lines": [],
            "quote": "",
            "link": "",
            "link_label": "Open",
            "footer": "",
            **context,
        }
        now = clock.iso()
        public_id = new_id("mail_")
        composed = {"Auto-Submitted": "auto-generated", **(headers or {})}
        mail = {
            "public_id": public_id,
            "app_id": app_id,
            "kind": kind,
            "to_address": to,
            "subject": one_line(subject)[:200],
            "text_body": self._templates.get_template(f"{template}.txt").render(values),
            "html_body": self._templates.get_template(f"{template}.html").render(values),
            "ticket_id": ticket_id,
            "created_at": now,
            "message_id": f"{public_id}@{self.domain(composed.get('From'))}",
            "headers": {k: one_line(v) for k, v in composed.items() if v},
        }
        mail_id = store.insert_mail(conn, mail)
        outbox_store.enqueue(conn, "mail", mail_id, now, now)
        return str(mail["public_id"])

    def discard_queued(self) -> int:
        """Forget every mail not sent yet (the demo's sample history is written before its
        people are meant to hear about it); returns how many."""
        with self.db.write() as conn:
            return store.discard_queued(conn)

    def domain(self, sender: str | None = None) -> str:
        """The domain of ``sender`` (else the server's sender), for Message-IDs."""
        address = parseaddr(sender or self.sender)[1]
        return address.rpartition("@")[2].lower() or "localhost"

    # -- sending (the worker) -----------------------------------------------------------------
    def message(self, mail: Mapping[str, Any]) -> EmailMessage:
        headers = dict(mail.get("headers") or {"Auto-Submitted": "auto-generated"})
        message = EmailMessage()
        message["From"] = headers.pop("From", None) or self.sender
        message["To"] = mail["to_address"]
        message["Subject"] = mail["subject"]
        message["Date"] = formatdate(clock.now(), usegmt=True)
        message["Message-ID"] = (
            f"<{mail['message_id']}>"
            if mail.get("message_id")
            else make_msgid(mail["public_id"], domain=self.domain())
        )
        for name in ("Reply-To", "In-Reply-To", "References", "Auto-Submitted"):
            if headers.get(name):
                message[name] = headers[name]
        message["X-Support-Mail"] = mail["public_id"]  # our own mail, never answered
        message.set_content(mail["text_body"])
        message.add_alternative(mail["html_body"], subtype="html")
        return message

    def send(
        self, mail_id: int, fence: Callable[[sqlite3.Connection], None] | None = None
    ) -> float | None:
        """Try to send one mail; returns when to try again, or None when it is settled.
        ``fence`` (see services.jobs) refuses to record the outcome of a worker whose job
        was taken over."""
        note = functools.partial(self._note, fence=fence)
        with self.db.read() as conn:
            mail = store.get_mail(conn, mail_id)
        if mail is None or mail["state"] != "queued":
            return None
        now = clock.now()
        if self.relay is None:
            note(mail_id, error=NO_RELAY, attempted=False)
            return now + NO_RELAY_RECHECK
        try:
            Address(addr_spec=mail["to_address"])
        except (ValueError, IndexError) as exc:  # not an address we can write a header for
            note(mail_id, error=f"not a valid address: {exc}", state="rejected")
            return None
        try:
            message = self.message(mail)
        except (ValueError, TypeError) as exc:  # a bug of ours, not the address's fault
            log.error("mail %s could not be composed: %s", mail["public_id"], exc)
            note(mail_id, error=f"could not be composed: {exc}")
            return now + THEN_EVERY
        try:
            mail_transport.send(self.relay, message)
        except mail_transport.Rejected as exc:
            log.warning("mail %s to a recipient was refused for good: %s", mail["public_id"], exc)
            note(mail_id, error=f"refused by the relay: {exc}", state="rejected")
            return None
        except mail_transport.RelayError as exc:
            log.warning("mail %s waits: %s (%s)", mail["public_id"], exc, self.relay.describe())
            made = mail["attempts"] + 1
            base = RETRY_AFTER[made - 1] if made <= len(RETRY_AFTER) else THEN_EVERY
            note(mail_id, error=f"waiting to be retried: {exc}")
            return now + base * (1 + self._rng.uniform(-0.1, 0.1))
        note(mail_id, state="sent", sent_at=clock.iso(now))
        return None

    def _note(
        self,
        mail_id: int,
        *,
        error: str | None = None,
        state: str | None = None,
        sent_at: str | None = None,
        attempted: bool = True,
        fence: Callable[[sqlite3.Connection], None] | None = None,
    ) -> None:
        with self.db.write() as conn:
            if fence is not None:
                fence(conn)
            store.record(
                conn, mail_id, error=error, state=state, sent_at=sent_at, attempted=attempted
            )

    def release_held(self) -> int:
        """With a relay configured now, send at once what waited for one."""
        if self.relay is None:
            return 0
        with self.db.write() as conn:
            return store.release_held(conn, NO_RELAY, clock.iso())

    # -- reading ------------------------------------------------------------------------------
    def sent(
        self, app_ids: list[str], limit: int = 100, *, admin: bool = True
    ) -> list[dict[str, Any]]:
        """The apps' mail, newest first; ``admin=False`` leaves out mail meant for admins
        only (an endpoint switched off names its URL, which may carry a token)."""
        with self.db.read() as conn:
            found = store.list_mail(conn, app_ids, limit)
        return [m for m in found if admin or m["kind"] not in ADMIN_ONLY]

    def get(
        self, app_ids: list[str], public_id: str, *, admin: bool = True
    ) -> dict[str, Any] | None:
        with self.db.read() as conn:
            found = store.mail_by_public_id(conn, app_ids, public_id)
        return None if found is None or (not admin and found["kind"] in ADMIN_ONLY) else found

    def rejected_for_ticket(self, app_id: str, ticket_id: str) -> list[dict[str, Any]]:
        """The addresses the relay refused for good a mail about ticket ``ticket_id`` (its
        public id) was for, each once with the relay's latest answer: the warning on the
        ticket page."""
        with self.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, ticket_id)
            refused = store.rejected_for_ticket(conn, ticket["id"]) if ticket else []
        latest = {mail["to_address"].lower(): mail for mail in refused}  # oldest first
        return list(latest.values())
