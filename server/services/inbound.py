"""Mail that arrives: kept as it came, then turned into ticket replies and new tickets.

Arrival and processing are two steps, so nothing is lost on the way:

1. **Arrival** (:meth:`Inbound.receive` for ``POST /api/v1/inbound/email``, :meth:`Inbound.poll`
   for the IMAP mailbox) stores the raw bytes with an ``inbound`` job in one transaction; the
   same bytes arriving twice in a mailbox are kept once. For IMAP the mailbox's UIDVALIDITY
   and last UID move forward in that same transaction, so a worker killed mid-batch resumes
   after the last message it stored, and nothing is imported twice.
2. **Processing** (:meth:`Inbound.process`, the worker's ``inbound`` job) parses the mail and
   decides, in one transaction, what it is:

   - a delivery report (bounce): the address is marked on its ticket, no ticket is opened;
   - automatic mail (auto-replies, lists, bulk) or our own mail: ignored, never answered;
   - an answer to a ticket (a signed reply address, else ``In-Reply-To``/``References`` to
     our Message-IDs) from the ticket's requester: appended to the conversation, quoted
     history and signature stripped, the original kept; from anybody else it does not join
     the ticket (spoofing): it opens a ticket of its own;
   - a tampered reply address: refused;
   - anything else to an app's support address: a new ticket (source ``email``), unless the
     sender opened too many this hour (throttled).

   Every outcome is recorded on the message with a reason the admin's "Inbound mail" page
   shows; a message that cannot be parsed is refused with the parser's reason, and the raw
   bytes stay.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Callable, Sequence
from email.utils import parseaddr
from typing import Any

from .. import clock
from ..ids import new_id
from ..store import Database
from ..store import apps as app_store
from ..store import inbound as store
from ..store import mail as mail_store
from ..store import outbox as outbox_store
from ..store import tickets as ticket_store
from . import imap_source
from .apps import mail_settings
from .mail_links import MailLinks, Tampered
from .mail_parsing import MalformedMail, ParsedMail, parse
from .tickets import TicketService

log = logging.getLogger(__name__)

JOB = "inbound"
MAX_RAW = 40 * 1024 * 1024  # larger messages are recorded, not kept
IMAP_TIMEOUT = 30.0  # each wait for the IMAP server, at most (a third of the lease, if shorter)


def api_mailbox(app_id: str) -> str:
    """The mailbox name of mail posted to the inbound route for ``app_id``."""
    return f"api:{app_id}"


class Inbound:
    def __init__(
        self,
        db: Database,
        tickets: TicketService,
        links: MailLinks,
        *,
        sender: str,
        imap_url: str = "",
        lease: float = 120.0,
    ) -> None:
        """``lease``: seconds one worker holds the mailbox while polling it, renewed with each
        batch it stores; a worker that died holding it is taken over after this
        (``SUPPORT_JOB_LEASE``, like its jobs)."""
        self.db = db
        self.lease = lease
        self.tickets = tickets
        self.links = links
        self._sender = sender_address(sender)
        self.mailbox = imap_source.Mailbox.parse(imap_url) if imap_url else None

    # -- arrival ---------------------------------------------------------------------------------
    def _keep(
        self,
        conn: sqlite3.Connection,
        *,
        mailbox: str,
        raw: bytes | None,
        size: int,
        app_id: str | None,
        uidvalidity: int | None = None,
        uid: int | None = None,
    ) -> tuple[int, str, bool]:
        """Store one message and its job; returns (row id, public id, new)."""
        now = clock.iso()
        digest = hashlib.sha256(raw if raw is not None else f"{uidvalidity}:{uid}".encode())
        row: dict[str, Any] = {
            "public_id": new_id("inm_"),
            "app_id": app_id,
            "mailbox": mailbox,
            "uidvalidity": uidvalidity,
            "uid": uid,
            "sha256": digest.hexdigest(),
            "raw": raw,
            "size": size,
            "created_at": now,
        }
        inbound_id = store.insert(conn, row)
        if inbound_id is None:
            found = store.by_digest(conn, mailbox, row["sha256"])
            assert found is not None
            return int(found["id"]), str(found["public_id"]), False
        outbox_store.enqueue(conn, JOB, inbound_id, now, now)
        return inbound_id, str(row["public_id"]), True

    def receive(self, app_id: str, raw: bytes) -> tuple[str, bool]:
        """Keep a message posted for ``app_id``; returns (its id, whether it is new)."""
        with self.db.write() as conn:
            _, public_id, new = self._keep(
                conn, mailbox=api_mailbox(app_id), raw=raw, size=len(raw), app_id=app_id
            )
        return public_id, new

    def poll(self, worker: str, **options: Any) -> int:
        """Fetch what is new in the IMAP mailbox (one worker at a time); returns how many
        messages were stored. Raises :class:`imap_source.MailboxError` when it is down."""
        if self.mailbox is None:
            return 0
        key = self.mailbox.key()
        now = clock.now()
        with self.db.write() as conn:
            state = store.mailbox_claim(
                conn, key, worker, clock.iso(now), clock.iso(now + self.lease)
            )
        if state is None:
            return 0  # another worker is polling

        def last_uid(uidvalidity: int) -> int:
            return int(state["last_uid"]) if state["uidvalidity"] == uidvalidity else 0

        def deliver(uidvalidity: int, batch: list[imap_source.Fetched]) -> None:
            with self.db.write() as conn:
                for fetched in batch:
                    self._keep(
                        conn,
                        mailbox=key,
                        raw=fetched.raw,
                        size=fetched.size,
                        app_id=None,
                        uidvalidity=uidvalidity,
                        uid=fetched.uid,
                    )
                until = clock.iso(clock.now() + self.lease)
                if not store.mailbox_advance(conn, key, worker, uidvalidity, batch[-1].uid, until):
                    raise imap_source.MailboxError("another worker took over the mailbox")
            state["uidvalidity"], state["last_uid"] = uidvalidity, batch[-1].uid

        error = None
        options.setdefault("timeout", min(IMAP_TIMEOUT, self.lease / 3))
        try:
            return imap_source.fetch_new(
                self.mailbox, last_uid, deliver, max_size=MAX_RAW, **options
            )
        except imap_source.MailboxError as exc:
            error = str(exc)
            raise
        finally:
            with self.db.write() as conn:
                store.mailbox_release(conn, key, worker, clock.iso(), error)

    # -- processing ------------------------------------------------------------------------------
    def process(self, inbound_id: int, fence: Callable[[sqlite3.Connection], None]) -> None:
        """Decide what an arrived message is and act on it (the ``inbound`` job)."""
        with self.db.read() as conn:
            row = store.get(conn, inbound_id)
        if row is None or row["state"] != "received":
            return
        parsed: ParsedMail | None = None
        problem = ""
        if row["raw"] is None:
            megabytes = row["size"] / 1048576
            problem = f"not kept: {megabytes:.1f} MB is over the {MAX_RAW // 1048576} MB limit"
        else:
            try:
                parsed = parse(bytes(row["raw"]))
            except MalformedMail as exc:
                problem = f"not a mail message: {exc}"
        with self.db.write() as conn:
            fence(conn)
            if parsed is None:
                self._settle(conn, row, "refused", problem)
            else:
                self._decide(conn, row, parsed)

    def _settle(
        self,
        conn: sqlite3.Connection,
        row: dict[str, Any],
        state: str,
        reason: str,
        parsed: ParsedMail | None = None,
        **fields: Any,
    ) -> None:
        if parsed is not None:
            fields.setdefault("from_address", parsed.from_address)
            fields.setdefault("subject", parsed.subject[:200])
            fields.setdefault("message_id", parsed.message_id)
            fields.setdefault("problems", list(parsed.problems))
        store.settle(
            conn, row["id"], state=state, reason=reason, processed_at=clock.iso(), **fields
        )
        log.info("inbound mail %s %s: %s", row["public_id"], state, reason)

    def _decide(self, conn: sqlite3.Connection, row: dict[str, Any], mail: ParsedMail) -> None:
        if mail.bounce is not None:
            self._bounce(conn, row, mail)
            return
        if mail.auto_reply:
            self._settle(conn, row, "ignored", f"automatic mail ({mail.auto_reply})", mail)
            return
        ours = mail_store.by_message_ids(conn, [mail.message_id] if mail.message_id else [])
        if ours or mail.from_address in self._our_addresses(conn):
            self._settle(conn, row, "ignored", "our own mail (a loop)", mail)
            return
        if not mail.from_address:
            self._settle(conn, row, "refused", "no From address to answer", mail)
            return
        try:
            ticket, how = self._thread(conn, mail)
        except Tampered as exc:
            self._settle(conn, row, "refused", str(exc), mail)
            return
        if ticket is not None and row["app_id"] not in (None, ticket["app_id"]):
            ticket, how = None, ""  # posted with another app's key: not that app's ticket
        app_id = row["app_id"] or (ticket["app_id"] if ticket else self._app_for(conn, mail))
        if app_id is None:
            self._settle(
                conn, row, "refused", "no app's support address is among the recipients", mail
            )
            return
        content = {
            "body": mail.reply.strip() or mail.text.strip(),
            "original": mail.text,
            "html": mail.html or None,
            "attachments": mail.attachments,
        }
        note = ""
        if ticket is not None:
            requester = (ticket["requester_email"] or "").strip().lower()
            if requester != mail.from_address:
                note = (
                    f"; it answers {ticket['public_id']} ({how}) but comes from"
                    f" {mail.from_address}, not its requester, so it does not join it"
                )
            elif ticket["status"] == "closed":
                note = f"; {ticket['public_id']} is closed, so this follow-up is a new ticket"
            else:
                self.tickets.append_from_email(conn, ticket, content)
                self._settle(
                    conn,
                    row,
                    "appended",
                    f"added to {ticket['public_id']} ({how})",
                    mail,
                    app_id=ticket["app_id"],
                    ticket_id=ticket["id"],
                )
                return
        settings = mail_settings(app_store.get_app(conn, app_id) or {"settings": {}})
        hour_ago = clock.iso(clock.now() - 3600)
        opened = store.opened_since(conn, app_id, mail.from_address, hour_ago)
        if opened >= settings["email_tickets_per_hour"]:
            self._settle(
                conn,
                row,
                "refused",
                f"throttled: {mail.from_address} opened {opened} tickets in the last hour" + note,
                mail,
                app_id=app_id,
            )
            return
        subject = mail.subject.strip() or "(no subject)"
        opened_ticket = self.tickets.open_from_email(
            conn,
            app_id,
            email=mail.from_address,
            name=mail.from_name,
            subject=subject,
            mail=content,
        )
        self._settle(
            conn,
            row,
            "opened",
            f"opened {opened_ticket['public_id']}" + note,
            mail,
            app_id=app_id,
            ticket_id=opened_ticket["id"],
        )

    def _our_addresses(self, conn: sqlite3.Connection) -> set[str]:
        """Every address our mail comes from or is sent to for opening tickets."""
        found = {self._sender}
        for app in app_store.list_apps(conn):
            settings = mail_settings(app)
            found.update(
                a for a in (settings["mail_from_address"], settings["support_address"]) if a
            )
        return found

    def _thread(
        self, conn: sqlite3.Connection, mail: ParsedMail
    ) -> tuple[dict[str, Any] | None, str]:
        """The ticket a mail answers, and how we know; :class:`Tampered` for a forged
        reply address."""
        for address in [*mail.to, *mail.cc, *mail.delivered_to]:
            ticket_id = self.links.ticket_of(address)
            if ticket_id is not None:
                found = ticket_store.ticket_by_public_id(conn, ticket_id)
                if found is not None:
                    return found, "by its signed reply address"
        referenced = list(dict.fromkeys([*reversed(mail.references), *mail.in_reply_to]))
        for mail_row in mail_store.by_message_ids(conn, referenced):
            if mail_row["ticket_id"] is not None:
                found = ticket_store.ticket_by_row_id(conn, mail_row["ticket_id"])
                if found is not None:
                    return found, "by In-Reply-To/References to our mail"
        for ticket_row_id in store.tickets_for_message_ids(conn, referenced):
            found = ticket_store.ticket_by_row_id(conn, ticket_row_id)
            if found is not None:
                return found, "by References to mail it received"
        domains = {a.rpartition("@")[2] for a in self._our_addresses(conn)}
        for message_id in referenced:  # the root every mail of a ticket references
            local, _, domain = message_id.partition("@")
            if local.startswith("tkt_") and domain.lower() in domains:
                found = ticket_store.ticket_by_public_id(conn, local)
                if found is not None:
                    return found, "by References to the ticket"
        return None, ""

    def _app_for(self, conn: sqlite3.Connection, mail: ParsedMail) -> str | None:
        recipients = {a.lower() for a in [*mail.to, *mail.cc, *mail.delivered_to]}
        apps = app_store.list_apps(conn)
        for app in apps:
            address = mail_settings(app)["support_address"]
            if address and address in recipients:
                return str(app["id"])
        if len(apps) == 1:  # one app: every mail is for it
            return str(apps[0]["id"])
        return None

    def _bounce(self, conn: sqlite3.Connection, row: dict[str, Any], mail: ParsedMail) -> None:
        bounce = mail.bounce
        assert bounce is not None
        ours = mail_store.by_message_ids(
            conn, [bounce.original_message_id] if bounce.original_message_id else []
        )
        original = ours[0] if ours else None
        app_id = original["app_id"] if original else row["app_id"]
        recipients = bounce.recipients or ([original["to_address"]] if original else [])
        if bounce.permanent:
            for address in recipients:
                mail_store.add_bounce(
                    conn,
                    app_id=app_id,
                    address=address,
                    mail_id=original["id"] if original else None,
                    diagnostic=bounce.diagnostic,
                    now=clock.iso(),
                )
        what = "permanent failure" if bounce.permanent else "delay or temporary failure"
        self._settle(
            conn,
            row,
            "bounce",
            f"delivery report ({what}) for {', '.join(recipients) or 'an unknown address'}"
            + (f": {bounce.diagnostic}" if bounce.diagnostic else ""),
            mail,
            app_id=app_id,
            ticket_id=original["ticket_id"] if original else None,
        )

    # -- reading ---------------------------------------------------------------------------------
    def listing(
        self, app_ids: Sequence[str], limit: int = 100, *, unrouted: bool = False
    ) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return store.listing(conn, list(app_ids), limit, unrouted=unrouted)

    def get(
        self, app_ids: Sequence[str], public_id: str, *, unrouted: bool = False
    ) -> dict[str, Any] | None:
        with self.db.read() as conn:
            return store.by_public_id(conn, list(app_ids), public_id, unrouted=unrouted)

    def bounced(self, app_id: str, address: str | None) -> list[dict[str, Any]]:
        """Delivery reports saying ``address`` cannot receive mail (the ticket's marker)."""
        if not address:
            return []
        with self.db.read() as conn:
            return mail_store.bounces_for(conn, app_id, address)


def sender_address(value: str) -> str:
    return parseaddr(value)[1].lower()
