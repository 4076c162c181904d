"""Contacts: the people who file tickets, one per app and person, for agents.

A signed-in user is one contact per user id (kind ``user``); their name, email and signed
traits are their latest token's (the traits are also kept on each ticket as filed). Everyone
else who gave an email (visitors, mail senders, customers a staff key filed for) is one
contact per lowercased email (kind ``email``). A user whose token's email is that of an email
contact of the same app is the same person: the email contact's tickets become the user's,
and later tickets from that email join the user's contact.

:meth:`ContactService.seen` runs in the ticket's transaction (from the lifecycle); tickets
filed before contacts existed were given theirs by migration 0011.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from ..errors import NotFound
from ..ids import new_id
from ..store import Database
from ..store import contacts as store
from ..store import tickets as ticket_store

TICKETS_SHOWN = 100  # the newest tickets a contact's answer lists
PAGES_SHOWN = 10  # the distinct pages they asked from (among those newest tickets)
CARD_TICKETS = 10  # the other tickets the ticket page's Customer card lists


def normal_email(email: str | None) -> str | None:
    return (email or "").strip().lower() or None


class ContactService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- in the ticket's transaction ---------------------------------------------------------
    def seen(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> dict[str, Any] | None:
        """Create or update the contact of a just-filed ``ticket`` (a row) and link them;
        returns the contact, or None for an anonymous ticket without an email."""
        app_id, now = ticket["app_id"], ticket["created_at"]
        email = normal_email(ticket.get("requester_email"))
        name = ticket.get("requester_name") or None
        if ticket["requester_kind"] == "user":
            contact = self._user(conn, app_id, ticket["requester_id"], name, email, ticket, now)
        elif email is not None:
            contact = self._email(conn, app_id, email, name, now)
        else:
            return None
        store.link(conn, ticket["id"], contact["id"])
        return contact

    @staticmethod
    def _user(
        conn: sqlite3.Connection,
        app_id: str,
        user_id: str,
        name: str | None,
        email: str | None,
        ticket: Mapping[str, Any],
        now: str,
    ) -> dict[str, Any]:
        traits = dict(ticket.get("traits") or {})
        contact = store.by_key(conn, app_id, "user", user_id)
        if contact is None:
            contact = {
                "public_id": new_id("con_"),
                "app_id": app_id,
                "kind": "user",
                "key": user_id,
                "name": name,
                "email": email,
                "traits": traits,
                "first_seen": now,
                "last_seen": now,
            }
            contact["id"] = store.insert(conn, contact)
        else:  # the latest token wins; a claim it leaves out keeps what an earlier one said
            changes = {
                "name": name or contact["name"],
                "email": email or contact["email"],
                "traits": traits,
                "last_seen": max(now, contact["last_seen"]),
            }
            store.update(conn, contact["id"], changes)
            contact.update(changes)
        if contact["email"]:  # the verified email of someone who wrote without signing in
            joined = store.by_key(conn, app_id, "email", contact["email"])
            if joined is not None:
                store.merge(conn, joined["id"], contact["id"])
                merged = {
                    "first_seen": min(contact["first_seen"], joined["first_seen"]),
                    "name": contact["name"] or joined["name"],
                }
                store.update(conn, contact["id"], merged)
                contact.update(merged)
        return contact

    @staticmethod
    def _email(
        conn: sqlite3.Connection, app_id: str, email: str, name: str | None, now: str
    ) -> dict[str, Any]:
        found = store.with_email(conn, app_id, email)
        if found:  # a user with this email, or the email's own contact
            contact = found[0]
            changes: dict[str, Any] = {"last_seen": max(now, contact["last_seen"])}
            if contact["kind"] == "email" and name:
                changes["name"] = name  # a user's name is what their token says
            store.update(conn, contact["id"], changes)
            contact.update(changes)
            return contact
        contact = {
            "public_id": new_id("con_"),
            "app_id": app_id,
            "kind": "email",
            "key": email,
            "name": name,
            "email": email,
            "traits": {},
            "first_seen": now,
            "last_seen": now,
        }
        contact["id"] = store.insert(conn, contact)
        return contact

    # -- reading -----------------------------------------------------------------------------
    def get(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            contact = store.get(conn, app_id, public_id)
            if contact is None:
                raise NotFound("no such contact")
            return self._present(conn, contact)

    def find(self, app_id: str, email: str) -> list[dict[str, Any]]:
        """The app's contacts with ``email`` (any case): users first. Usually one."""
        wanted = normal_email(email)
        if wanted is None:
            return []
        with self.db.read() as conn:
            return [self._present(conn, c) for c in store.with_email(conn, app_id, wanted)]

    def for_ticket(
        self, app_id: str, ticket_public_id: str, shown: int = CARD_TICKETS
    ) -> dict[str, Any] | None:
        """The contact of one of the app's tickets, for its page's Customer card (None:
        anonymous): as :meth:`get` shows them, but with only their ``shown`` newest *other*
        tickets (``ticket_count`` counts them all), so the page costs the same for someone
        with one ticket and someone with thousands."""
        with self.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, ticket_public_id)
            contact = store.of_ticket(conn, ticket["id"]) if ticket else None
            if ticket is None or contact is None:
                return None
            others = self.tickets_of(conn, contact, shown, besides=ticket["id"])
            return self._present(conn, contact, others)

    def tickets_of(
        self,
        conn: sqlite3.Connection,
        contact: Mapping[str, Any],
        limit: int = TICKETS_SHOWN,
        *,
        besides: int = 0,
    ) -> list[dict[str, Any]]:
        """The person's tickets (as a user and by email), newest first; ``besides``: the row
        id of a ticket to leave out."""
        out = []
        for row in store.tickets_of(conn, contact["id"], limit, besides=besides):
            context = row["context"] if isinstance(row["context"], dict) else {}
            score = row["rating_score"]
            out.append(
                {
                    "id": row["public_id"],
                    "status": row["status"],
                    "subject": row["subject"],
                    "signed_in": row["requester_kind"] == "user",
                    "rating": (
                        {"score": score, "comment": row["rating_comment"]}
                        if score is not None
                        else None
                    ),
                    "created_at": row["created_at"],
                    "context": {
                        key: context[key] if isinstance(context.get(key), str) else None
                        for key in ("url", "title", "context_key")
                    },
                }
            )
        return out

    def _present(
        self,
        conn: sqlite3.Connection,
        contact: Mapping[str, Any],
        tickets: list[dict[str, Any]] | None = None,
    ) -> dict[str, Any]:
        """The contact with ``tickets`` (default: their :data:`TICKETS_SHOWN` newest) and
        the pages they asked from (the latest visit to each, among those newest tickets)."""
        if tickets is None:
            tickets = self.tickets_of(conn, contact)
        pages = []
        for context in store.page_contexts(conn, contact["id"], TICKETS_SHOWN, PAGES_SHOWN):
            url = context.get("url") if isinstance(context, dict) else None
            if isinstance(url, str) and url:
                title = context.get("title")
                pages.append({"url": url, "title": title if isinstance(title, str) else None})
        return {
            "id": contact["public_id"],
            "kind": contact["kind"],
            "external_id": contact["key"] if contact["kind"] == "user" else None,
            "name": contact["name"],
            "email": contact["email"],
            "traits": contact["traits"] if isinstance(contact["traits"], dict) else {},
            "first_seen": contact["first_seen"],
            "last_seen": contact["last_seen"],
            "ticket_count": store.count_tickets(conn, contact["id"]),
            "tickets": tickets,
            "pages": pages,
        }
