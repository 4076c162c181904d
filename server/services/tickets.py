"""Tickets: filing (idempotently), reading one's own, replies, agent changes and CSAT.

Visibility: an end user or visitor sees only tickets they filed; agents and admins see all of
their app's. A ticket someone may not see is "not found", never "forbidden", so ids reveal
nothing. Internal notes never reach requesters.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from support_sdk import tokens

from .. import clock
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..ids import new_id
from ..principal import Principal
from ..store import Database
from ..store import tickets as store
from . import idempotency, outbox

STATUSES = ("new", "open", "pending", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
SOURCES = ("widget", "sdk", "api")


def signed_traits(traits: Mapping[str, Any]) -> dict[str, Any]:
    """The token's traits as a flat mapping of text, numbers, booleans and nulls.

    The SDK mints only such traits; a token minted elsewhere may nest a value, which is kept
    as its JSON text rather than dropped (it is still what the app's backend signed).
    """
    flat: dict[str, Any] = {}
    for key, value in traits.items():
        if value is None or isinstance(value, (str, int, float, bool)):
            flat[str(key)] = value
        else:
            flat[str(key)] = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return flat


def _as_agent(app_id: str) -> Principal:
    """How events show a ticket: as an agent of its app sees it (notes and traits included)."""
    return Principal(app_id, "staff", "", role="agent")


def _subject_from(body: str) -> str:
    first = body.strip().splitlines()[0] if body.strip() else "Support request"
    return first[:80] + ("…" if len(first) > 80 else "")


class TicketService:
    def __init__(
        self, db: Database, server_secrets: Sequence[str] = (), visitor_token_age: int = 0
    ) -> None:
        self.db = db
        # the newest server secret signs the tokens handed to anonymous visitors who file
        self._visitor_secret = server_secrets[-1] if server_secrets else ""
        self._visitor_token_age = visitor_token_age

    # -- presentation -------------------------------------------------------------------------
    def _present(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], viewer: Principal
    ) -> dict[str, Any]:
        agent = viewer.is_agent
        messages = store.list_messages(conn, ticket["id"], include_internal=agent)
        rating = store.get_rating(conn, ticket["id"])
        out: dict[str, Any] = {
            "id": ticket["public_id"],
            "status": ticket["status"],
            "subject": ticket["subject"],
            "body": ticket["body"],
            "priority": ticket["priority"],
            "source": ticket["source"],
            "requester": {
                "id": ticket["requester_id"],
                "kind": ticket["requester_kind"],
                "email": ticket["requester_email"],
                "name": ticket["requester_name"],
            },
            "context": ticket["context"],
            "created_at": ticket["created_at"],
            "updated_at": ticket["updated_at"],
            "messages": [self._message(m) for m in messages],
            "rating": {"score": rating["score"], "comment": rating["comment"]} if rating else None,
        }
        if not agent:  # an agent's reply the requester has not opened yet
            out["unread"] = store.is_unread(conn, ticket["id"])
        if agent:
            out["assignee"] = ticket["assignee"]
            out["tags"] = ticket["tags"]
            out["traits"] = ticket["traits"]
        return out

    @staticmethod
    def _message(message: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "id": message["public_id"],
            "body": message["body"],
            "author": {"kind": message["author_kind"], "name": message["author_name"]},
            "internal": bool(message["internal"]),
            "created_at": message["created_at"],
        }

    def _visible(
        self, conn: sqlite3.Connection, viewer: Principal, public_id: str
    ) -> dict[str, Any]:
        if viewer.kind == "staff" and not viewer.is_agent:
            # Before the lookup: a writer key learns nothing about which ids exist.
            raise Forbidden("this key's role cannot read tickets")
        ticket = store.get_ticket(conn, viewer.app_id, public_id)
        if ticket is None:
            raise NotFound("no such ticket")
        if viewer.is_agent:
            return ticket
        if viewer.anonymous or (ticket["requester_kind"], ticket["requester_id"]) != (
            viewer.kind,
            viewer.id,
        ):
            raise NotFound("no such ticket")
        return ticket

    # -- filing -------------------------------------------------------------------------------
    def file(
        self,
        who: Principal,
        data: Mapping[str, Any],
        *,
        client: str,
        idempotency_key: str | None,
        fingerprint: str,
        address: str,
    ) -> tuple[int, dict[str, Any], bool, Principal]:
        """File a ticket as ``who`` through the API; returns (status, body, replayed, requester).

        The rules of who files for whom: an anonymous visitor must give an email address and
        becomes a new visitor, answered through the visitor token returned with the ticket; a
        staff key files on behalf of a customer and must name their email; ``client`` (the
        ``X-Support-Client`` header) names the source when it is one we know, else "api".
        ``address`` scopes an anonymous visitor's Idempotency-Keys: all of an app's visitors
        share one principal, and someone else's key and body must never replay their token.
        """
        requester, extra = who, None
        if who.anonymous:
            if not data.get("email"):
                raise ValidationFailed(
                    "anonymous visitors must give an email address to be answered",
                    details={"email": ["Missing data for required field."]},
                )
            requester = replace(who, id=new_id("vis_"), email=data["email"], name=data.get("name"))
            extra = {
                "visitor_token": tokens.mint_visitor_token(
                    self._visitor_secret,
                    who.app_id,
                    requester.id,
                    email=requester.email,
                    name=requester.name,
                    expires_in=self._visitor_token_age,
                )
            }
        elif who.is_agent and not data.get("email"):  # (a writer key is refused below)
            raise ValidationFailed(
                "a ticket filed with a staff key must name the requester's email",
                details={"email": ["Missing data for required field."]},
            )
        client = client.lower()
        status, body, replayed = self.create(
            requester,
            data,
            source=client if client in SOURCES else "api",
            idempotency_key=idempotency_key,
            fingerprint=fingerprint,
            scope=f"{who.key}:ip:{address}" if who.anonymous else who.key,
            extra=extra,
        )
        return status, body, replayed, requester

    def create(
        self,
        requester: Principal,
        data: Mapping[str, Any],
        *,
        source: str,
        idempotency_key: str | None,
        fingerprint: str,
        scope: str,
        extra: Mapping[str, Any] | None = None,
    ) -> tuple[int, dict[str, Any], bool]:
        """File a ticket; returns (status, body, replayed).

        ``scope`` names whose Idempotency-Keys these are (the caller, before a visitor id is
        given out); ``extra`` is added to the stored response (an anonymous filer's token).
        """
        if requester.kind == "staff" and requester.role == "writer":
            raise Forbidden("a writer key cannot file tickets")

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            return 201, {**self._insert(conn, requester, data, source), **(extra or {})}

        return idempotency.once(
            self.db, requester.app_id, scope, idempotency_key, fingerprint, work
        )

    def _insert(
        self, conn: sqlite3.Connection, requester: Principal, data: Mapping[str, Any], source: str
    ) -> dict[str, Any]:
        now = clock.iso()
        if requester.kind == "user":
            email, name = requester.email, requester.name
        else:  # visitors and staff name the person in the body; a visitor token's claims win
            email = requester.email or data.get("email")
            # staff name the customer in the body: a key's own name is not the requester's
            name = (
                data.get("name")
                if requester.kind == "staff"
                else requester.name or data.get("name")
            )
        ticket = {
            "public_id": new_id("tkt_"),
            "app_id": requester.app_id,
            "requester_kind": requester.kind,
            "requester_id": requester.id,
            "requester_email": email,
            "requester_name": name,
            "subject": (data.get("subject") or "").strip() or _subject_from(data["body"]),
            "body": data["body"],
            "status": "new",
            "priority": data.get("priority") or "normal",
            "source": source,
            "context": dict(data.get("context") or {}),
            # only an end-user token's traits are signed by the app; nobody else has any
            "traits": signed_traits(requester.traits) if requester.kind == "user" else {},
            "created_at": now,
            "updated_at": now,
        }
        ticket["id"] = store.insert_ticket(conn, ticket)
        ticket.update(tags=[], assignee=None)
        outbox.emit(
            conn,
            requester.app_id,
            "ticket.created",
            self._present(conn, ticket, _as_agent(requester.app_id)),
        )
        return self._present(conn, ticket, requester)

    # -- reading ------------------------------------------------------------------------------
    def list(
        self, viewer: Principal, *, status: str | None, cursor: int | None, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        if viewer.kind == "staff" and not viewer.is_agent:
            raise Forbidden("this key's role cannot read tickets")
        if viewer.anonymous:
            return [], None
        requester = None if viewer.is_agent else (viewer.kind, viewer.id)
        with self.db.read() as conn:
            rows = store.list_tickets(
                conn,
                viewer.app_id,
                requester=requester,
                status=status,
                before_id=cursor,
                limit=limit + 1,
            )
            more = len(rows) > limit
            rows = rows[:limit]
            items = [self._present(conn, t, viewer) for t in rows]
        return items, (rows[-1]["id"] if more else None)

    def get(self, viewer: Principal, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            return self._present(conn, self._visible(conn, viewer, public_id), viewer)

    # -- live updates -------------------------------------------------------------------------
    def unread(self, viewer: Principal) -> dict[str, Any]:
        """What the launcher's badge shows: the requester's tickets with unread replies, and
        a version that changes whenever any of their tickets does (for ETag and 304)."""
        if viewer.kind == "staff":
            raise Forbidden("unread replies are for the people who filed tickets")
        if viewer.anonymous:  # no ticket of theirs to know of, as GET /tickets says too
            return {"count": 0, "tickets": [], "version": "anonymous"}
        with self.db.read() as conn:
            tickets = store.unread_of(conn, viewer.app_id, viewer.kind, viewer.id)
            version = store.requester_version(conn, viewer.app_id, viewer.kind, viewer.id)
        return {"count": len(tickets), "tickets": tickets, "version": version}

    def mark_read(self, viewer: Principal, public_id: str) -> None:
        """The requester has seen the conversation up to now (their unread marker clears)."""
        if viewer.kind == "staff":
            raise Forbidden("only the requester reads their conversation")
        with self.db.write() as conn:
            ticket = self._visible(conn, viewer, public_id)
            store.mark_read(conn, ticket["id"], clock.iso())

    def inbox_version(self, app_ids: Sequence[str]) -> str:
        with self.db.read() as conn:
            return store.app_version(conn, list(app_ids))

    # -- conversation -------------------------------------------------------------------------
    def reply(
        self,
        viewer: Principal,
        public_id: str,
        body: str,
        internal: bool,
        *,
        idempotency_key: str | None = None,
        fingerprint: str = "",
    ) -> tuple[int, dict[str, Any], bool]:
        """Add a message; returns (status, message, replayed), once per Idempotency-Key."""
        if internal and not viewer.is_agent:
            raise Forbidden("only agents can add internal notes")

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            return 201, self._add_message(conn, viewer, public_id, body, internal)

        return idempotency.once(
            self.db, viewer.app_id, viewer.key, idempotency_key, fingerprint, work
        )

    def _add_message(
        self, conn: sqlite3.Connection, viewer: Principal, public_id: str, body: str, internal: bool
    ) -> dict[str, Any]:
        now = clock.iso()
        ticket = self._visible(conn, viewer, public_id)
        if ticket["status"] == "closed":
            raise Conflict("this ticket is closed; file a new one", code="ticket_closed")
        message = {
            "public_id": new_id("msg_"),
            "ticket_id": ticket["id"],
            "author_kind": "agent" if viewer.is_agent else "requester",
            "author_id": viewer.id,
            "author_name": (
                "Support"
                if viewer.via_key
                else viewer.name or ("Support" if viewer.is_agent else None)
            ),
            "body": body,
            "internal": internal,
            "created_at": now,
        }
        store.insert_message(conn, message)
        changes: dict[str, Any] = {"updated_at": now}
        if not viewer.is_agent and ticket["status"] in {"pending", "solved"}:
            changes.update(status="open", solved_at=None)  # the requester answered
        elif viewer.is_agent and not internal and ticket["status"] == "new":
            changes["status"] = "open"
        store.update_ticket(conn, ticket["id"], changes)
        presented = self._message(message)
        if "status" in changes:  # a reply reopened the ticket, or an agent's first answer
            reopened = {**ticket, **changes}
            outbox.emit(
                conn,
                viewer.app_id,
                "ticket.updated",
                self._present(conn, reopened, _as_agent(viewer.app_id)),
                changes={"status": {"from": ticket["status"], "to": changes["status"]}},
                actor={"kind": "staff" if viewer.kind == "staff" else "requester", "id": viewer.id},
            )
        outbox.emit(
            conn,
            viewer.app_id,
            "message.created",
            {
                **presented,
                "ticket": {
                    "id": ticket["public_id"],
                    "subject": ticket["subject"],
                    "status": changes.get("status", ticket["status"]),
                    "assignee": ticket["assignee"],
                },
                "author_id": viewer.id if viewer.kind == "staff" and not viewer.via_key else None,
            },
        )
        return presented

    def update(
        self, viewer: Principal, public_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        if not viewer.is_agent:
            raise Forbidden("only agents can change tickets")
        now = clock.iso()
        with self.db.write() as conn:
            ticket = self._visible(conn, viewer, public_id)
            fields: dict[str, Any] = {
                k: v for k, v in changes.items() if k in ("status", "priority", "assignee", "tags")
            }
            if "status" in fields and fields["status"] != ticket["status"]:
                fields["solved_at"] = now if fields["status"] in {"solved", "closed"} else None
            changed = {
                name: {"from": ticket[name], "to": value}
                for name, value in fields.items()
                if name in ("status", "priority", "assignee", "tags") and ticket[name] != value
            }
            fields["updated_at"] = now
            store.update_ticket(conn, ticket["id"], fields)
            ticket.update(fields)
            if changed:
                outbox.emit(
                    conn,
                    viewer.app_id,
                    "ticket.updated",
                    self._present(conn, ticket, _as_agent(viewer.app_id)),
                    changes=changed,
                    actor={"kind": "staff", "id": viewer.id},
                )
            return self._present(conn, ticket, viewer)

    def rate(self, viewer: Principal, public_id: str, score: int, comment: str) -> dict[str, Any]:
        if viewer.kind == "staff":
            raise Forbidden("only the requester can rate a ticket")
        if not 1 <= score <= 5:
            raise ValidationFailed("score must be 1 to 5", details={"score": [str(score)]})
        with self.db.write() as conn:
            ticket = self._visible(conn, viewer, public_id)
            if ticket["status"] not in {"solved", "closed"}:
                raise Conflict("a ticket can be rated once it is solved", code="ticket_not_solved")
            store.upsert_rating(conn, ticket["id"], score, comment, clock.iso())
            outbox.emit(
                conn,
                viewer.app_id,
                "ticket.rated",
                self._present(conn, ticket, _as_agent(viewer.app_id)),
            )
        return {"score": score, "comment": comment}
