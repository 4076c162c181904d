"""Tickets: filing (idempotently), reading one's own, replies, agent changes and CSAT.

Visibility: an end user or visitor sees only tickets they filed; agents and admins see all of
their app's. A ticket someone may not see is "not found", never "forbidden", so ids reveal
nothing. Internal notes never reach requesters.
"""

from __future__ import annotations

import base64
import hashlib
import json
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, Protocol

from support_sdk import tokens

from .. import clock
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..ids import new_id
from ..principal import Principal
from ..store import Database
from ..store import followers as follower_store
from ..store import service_levels as levels_store
from ..store import tickets as store
from . import idempotency, outbox
from .sla import present_clock as _sla
from .ticket_fields import TicketFieldService
from .uploads import Uploads


class Lifecycle(Protocol):
    """What happens around a ticket's changes, in their transaction: routing, service levels
    and automations (:mod:`.lifecycle`). Each may change the ticket dict it is given."""

    def created(self, conn: sqlite3.Connection, ticket: dict[str, Any]) -> None: ...

    def updated(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        changes: Mapping[str, Any],
        actor: Mapping[str, Any],
        event_id: str,
    ) -> None: ...

    def messaged(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        message: Mapping[str, Any],
        status_change: tuple[str, str] | None,
        event_id: str,
        automated: bool = False,
    ) -> None: ...


STATUSES = ("new", "open", "pending", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")
SOURCES = ("widget", "sdk", "api")  # what a caller may name; mail opens tickets as "email"
CHANGEABLE = (  # what agents may change
    "status",
    "priority",
    "assignee",
    "tags",
    "team",
    "fields",
)


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


def status_clock(ticket: Mapping[str, Any], fields: Mapping[str, Any], now: str) -> dict[str, Any]:
    """What a status change in ``fields`` also sets: when it was solved, since when it is
    pending, and that no reminder is owed yet (nothing when the status stays)."""
    status = fields.get("status")
    if status is None or status == ticket["status"]:
        return {}
    return {
        "solved_at": now if status in {"solved", "closed"} else None,
        "pending_since": now if status == "pending" else None,
        "reminded_at": None,
    }


def _as_agent(app_id: str) -> Principal:
    """How events show a ticket: as an agent of its app sees it (notes and traits included)."""
    return Principal(app_id, "staff", "", role="agent")


def _attachment(row: Mapping[str, Any], link: Callable[[str], str] | None) -> dict[str, Any]:
    """An attachment as the API shows it; ``url`` a signed path when links can be made."""
    return {
        "id": row["public_id"],
        "filename": row["filename"],
        "content_type": row["content_type"],
        "size": row["size"],
        "inline": bool(row["inline"]),
        "content_id": row["content_id"],
        "note": row["note"],
        "url": f"/api/v1/files/{link(row['public_id'])}" if link else None,
    }


def email_requester_id(app_id: str, email: str) -> str:
    """The one visitor id of everyone writing from ``email`` to ``app_id`` (so their mailed
    tickets are theirs together)."""
    digest = hashlib.sha256(f"{app_id}\n{email.strip().lower()}".encode()).digest()
    return "vis_e" + base64.b32encode(digest).decode().lower()[:20]


def _subject_from(body: str) -> str:
    first = body.strip().splitlines()[0] if body.strip() else "Support request"
    return first[:80] + ("…" if len(first) > 80 else "")


class TicketService:
    def __init__(
        self,
        db: Database,
        server_secrets: Sequence[str] = (),
        visitor_token_age: int = 0,
        *,
        uploads: Uploads | None = None,
    ) -> None:
        self.db = db
        self.uploads = uploads
        # the newest server secret signs the tokens handed to anonymous visitors who file
        self._visitor_secret = server_secrets[-1] if server_secrets else ""
        self._visitor_token_age = visitor_token_age
        self.lifecycle: Lifecycle | None = None  # wired by the runtime (see .lifecycle)
        self.fields = TicketFieldService(db)

    # -- presentation -------------------------------------------------------------------------
    def _present(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], viewer: Principal
    ) -> dict[str, Any]:
        agent = viewer.is_agent
        messages = store.list_messages(conn, ticket["id"], include_internal=agent)
        files = store.list_attachments(conn, ticket["id"])
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
            "messages": [self._message(m, files) for m in messages],
            # the files of the opening message (a requester sees every file but internal notes')
            "attachments": [self._file(f) for f in files if f["message_id"] is None],
            "fields": self.fields.shown(
                conn, ticket["app_id"], ticket.get("fields") or {}, agent=agent
            ),
            "rating": {"score": rating["score"], "comment": rating["comment"]} if rating else None,
            "merged_into": (store.ticket_by_row_id(conn, ticket.get("merged_into") or 0) or {}).get(
                "public_id"
            ),
        }
        if not agent:  # an agent's reply the requester has not opened yet
            out["unread"] = store.is_unread(conn, ticket["id"])
        if agent:
            out["assignee"] = ticket["assignee"]
            out["tags"] = ticket["tags"]
            out["traits"] = ticket["traits"]
            team = levels_store.team_by_row_id(conn, ticket.get("team_id"))
            out["team"] = {"id": team["public_id"], "name": team["name"]} if team else None
            out["sla"] = _sla(conn, ticket["id"])
            out["followers"] = follower_store.usernames(conn, ticket["id"])
        return out

    def agent_view(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> dict[str, Any]:
        """``ticket`` (a row) as the API shows it to the app's agents."""
        return self._present(conn, ticket, _as_agent(ticket["app_id"]))

    def _file(self, row: Mapping[str, Any]) -> dict[str, Any]:
        return _attachment(row, self.uploads.link_token if self.uploads else None)

    def _message(
        self, message: Mapping[str, Any], files: Sequence[Mapping[str, Any]] | None = None
    ) -> dict[str, Any]:
        """A message as the API shows it, with its files among ``files`` (the ticket's)."""
        out = {
            "id": message["public_id"],
            "body": message["body"],
            "author": {"kind": message["author_kind"], "name": message["author_name"]},
            "internal": bool(message["internal"]),
            "channel": message.get("channel") or "web",
            "created_at": message["created_at"],
        }
        if files is not None:
            out["attachments"] = [self._file(f) for f in files if f["message_id"] == message["id"]]
        return out

    def _visible(
        self, conn: sqlite3.Connection, viewer: Principal, public_id: str
    ) -> dict[str, Any]:
        if viewer.kind == "staff" and not viewer.is_agent:
            # Before the lookup: a writer key learns nothing about which ids exist.
            raise Forbidden("this key's role cannot read tickets")
        ticket = store.get_ticket(conn, viewer.app_id, public_id)
        if ticket is None:
            raise NotFound("no such ticket")
        if viewer.ticket is not None:  # a mail link: this ticket, as its requester
            if public_id != viewer.ticket or ticket["requester_id"] != viewer.id:
                raise NotFound("no such ticket")
            return ticket
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
            uploader=who,
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
        uploader: Principal | None = None,
    ) -> tuple[int, dict[str, Any], bool]:
        """File a ticket; returns (status, body, replayed).

        ``scope`` names whose Idempotency-Keys these are (the caller, before a visitor id is
        given out); ``extra`` is added to the stored response (an anonymous filer's token);
        ``uploader`` made the uploads ``data`` attaches (the caller: an anonymous visitor
        uploads before they are given an id), the requester when not given.
        """
        if requester.kind == "staff" and requester.role == "writer":
            raise Forbidden("a writer key cannot file tickets")

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            files = self._uploads(conn, uploader or requester, data.get("attachments"))
            ticket = self._insert(conn, requester, data, source, attachments=files)
            return 201, {**ticket, **(extra or {})}

        return idempotency.once(
            self.db, requester.app_id, scope, idempotency_key, fingerprint, work
        )

    def _insert(
        self,
        conn: sqlite3.Connection,
        requester: Principal,
        data: Mapping[str, Any],
        source: str,
        *,
        extra: Mapping[str, Any] | None = None,
        attachments: Sequence[Any] = (),
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
            # required fields are asked wherever the filer is shown them: the API, the SDK and
            # the widget's form (a requester is held only to the fields visible to them, so a
            # hidden required field never refuses one); mail cannot be asked, nor a widget
            # that sends no "fields" (its form could not load them, or it is an older one, or
            # the report waited offline since before the field existed): agents fill those in
            "fields": self.fields.check(
                conn,
                requester.app_id,
                data.get("fields"),
                for_requester=requester.kind != "staff",
                filing=source != "email" and (source != "widget" or "fields" in data),
            ),
            "created_at": now,
            "updated_at": now,
            **(extra or {}),
        }
        ticket["id"] = store.insert_ticket(conn, ticket)
        ticket.update(tags=[], assignee=None, team_id=None, pending_since=None, solved_at=None)
        for attachment in attachments:
            self._attach(conn, ticket["id"], None, attachment, now)
        if self.lifecycle is not None:  # routed, timed and automated before anyone hears of it
            self.lifecycle.created(conn, ticket)
            ticket.update(store.ticket_by_row_id(conn, ticket["id"]) or {})
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
        attachments: Sequence[str] = (),
    ) -> tuple[int, dict[str, Any], bool]:
        """Add a message; returns (status, message, replayed), once per Idempotency-Key.
        ``attachments``: ids of uploads ``viewer`` made (POST /uploads)."""
        if internal and not viewer.is_agent:
            raise Forbidden("only agents can add internal notes")

        def work(conn: sqlite3.Connection) -> tuple[int, dict[str, Any]]:
            message = self._add_message(
                conn, viewer, public_id, body, internal, uploads=attachments
            )
            return 201, message

        return idempotency.once(
            self.db, viewer.app_id, viewer.key, idempotency_key, fingerprint, work
        )

    def _uploads(
        self, conn: sqlite3.Connection, uploader: Principal, ids: Sequence[str] | None
    ) -> Sequence[Any]:
        if not ids:
            return ()
        if self.uploads is None:
            raise ValidationFailed(
                "this server keeps no uploads", details={"attachments": ["not supported"]}
            )
        return self.uploads.claim(conn, uploader, ids)

    def _add_message(
        self,
        conn: sqlite3.Connection,
        viewer: Principal,
        public_id: str,
        body: str,
        internal: bool,
        *,
        mail: Mapping[str, Any] | None = None,
        ticket: dict[str, Any] | None = None,
        automated: bool = False,
        uploads: Sequence[str] = (),
    ) -> dict[str, Any]:
        """``ticket`` given: the caller found it already (mail threaded to it, or an
        automation replying), and ``viewer`` is its requester or the automation; ``uploads``
        the ids of the files ``viewer`` uploaded for this message."""
        now = clock.iso()
        ticket = ticket if ticket is not None else self._visible(conn, viewer, public_id)
        if ticket["status"] == "closed":
            raise Conflict("this ticket is closed; file a new one", code="ticket_closed")
        files_in = [*(mail or {}).get("attachments", ()), *self._uploads(conn, viewer, uploads)]
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
            "channel": "email" if mail else "web",
            "original": (mail or {}).get("original"),
            "html": (mail or {}).get("html"),
        }
        message["id"] = store.insert_message(conn, message)
        for attachment in files_in:
            self._attach(conn, ticket["id"], message["id"], attachment, now)
        changes: dict[str, Any] = {"updated_at": now}
        if not viewer.is_agent and ticket["status"] in {"pending", "solved"}:
            # the requester answered
            changes.update(status="open", solved_at=None, pending_since=None, reminded_at=None)
        elif viewer.is_agent and not internal and ticket["status"] == "new":
            changes["status"] = "open"
        elif viewer.is_agent and not internal and ticket["status"] == "pending":
            changes.update(pending_since=now, reminded_at=None)  # asked again: wait anew
        store.update_ticket(conn, ticket["id"], changes)
        files = store.list_attachments(conn, ticket["id"])
        presented = self._message(message, files)
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
        event_id = outbox.emit(
            conn,
            viewer.app_id,
            "message.created",
            {
                **self._message(message, files),  # as agents see it
                "ticket": {
                    "id": ticket["public_id"],
                    "subject": ticket["subject"],
                    "status": changes.get("status", ticket["status"]),
                    "assignee": ticket["assignee"],
                },
                "author_id": viewer.id if viewer.kind == "staff" and not viewer.via_key else None,
            },
        )
        if self.lifecycle is not None:
            status_change = (ticket["status"], changes["status"]) if "status" in changes else None
            self.lifecycle.messaged(
                conn, {**ticket, **changes}, message, status_change, event_id, automated
            )
        return presented

    def update(
        self, viewer: Principal, public_id: str, changes: Mapping[str, Any]
    ) -> dict[str, Any]:
        if not viewer.is_agent:
            raise Forbidden("only agents can change tickets")
        with self.db.write() as conn:
            ticket = self._visible(conn, viewer, public_id)
            fields = {k: v for k, v in changes.items() if k in CHANGEABLE}
            if "team" in fields:
                fields["team_id"] = self._team_id(conn, viewer.app_id, fields.pop("team"))
            if "fields" in fields:
                fields["fields"] = self.fields.check(
                    conn,
                    viewer.app_id,
                    fields["fields"],
                    for_requester=False,
                    filing=False,
                    current=ticket["fields"],
                )
            self.change(conn, ticket, fields, {"kind": "staff", "id": viewer.id})
            return self._present(conn, ticket, viewer)

    @staticmethod
    def _team_id(conn: sqlite3.Connection, app_id: str, team: str | None) -> int | None:
        if team is None:
            return None
        found = levels_store.get_team(conn, app_id, team)
        if found is None:
            raise ValidationFailed(f"no such team: {team!r}", details={"team": [team]})
        return int(found["id"])

    def change(
        self,
        conn: sqlite3.Connection,
        ticket: dict[str, Any],
        fields: Mapping[str, Any],
        actor: Mapping[str, Any],
        *,
        automate: bool = True,
    ) -> dict[str, dict[str, Any]]:
        """Change ``ticket`` (a row, updated in place) in the caller's transaction: status,
        priority, assignee, tags, team_id. Emits ``ticket.updated`` naming ``actor`` and runs
        the lifecycle (``automate=False``: service levels only, for an automation's own
        changes, whose chain :mod:`.automations` follows itself). Returns what changed."""
        now = clock.iso()
        fields = dict(fields)
        fields.update(status_clock(ticket, fields, now))
        changed = {
            ("team" if name == "team_id" else name): {"from": ticket.get(name), "to": value}
            for name, value in fields.items()
            if name in (*CHANGEABLE, "team_id") and ticket.get(name) != value
        }
        if "team" in changed:  # as the API names teams
            for end in ("from", "to"):
                team = levels_store.team_by_row_id(conn, changed["team"][end])
                changed["team"][end] = team["public_id"] if team else None
        if not changed:
            return {}
        fields["updated_at"] = now
        store.update_ticket(conn, ticket["id"], fields)
        ticket.update(fields)
        event_id = outbox.emit(
            conn,
            ticket["app_id"],
            "ticket.updated",
            self.agent_view(conn, ticket),
            changes=changed,
            actor=dict(actor),
        )
        if self.lifecycle is not None:
            self.lifecycle.updated(conn, ticket, changed, {**actor, "automate": automate}, event_id)
        return changed

    def rate(self, viewer: Principal, public_id: str, score: int, comment: str) -> dict[str, Any]:
        if viewer.kind == "staff":
            raise Forbidden("only the requester can rate a ticket")
        if not 1 <= score <= 5:
            raise ValidationFailed("score must be 1 to 5", details={"score": [str(score)]})
        with self.db.write() as conn:
            ticket = self._visible(conn, viewer, public_id)
            if ticket.get("merged_into"):  # nobody answered it: the ticket it went into is
                survivor = store.ticket_by_row_id(conn, ticket["merged_into"]) or {}
                raise Conflict(
                    f"this ticket was merged into {survivor.get('public_id')}: rate that one",
                    code="ticket_merged",
                )
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

    # -- the email channel (called by services.inbound in its transaction) ------------------
    @staticmethod
    def _attach(
        conn: sqlite3.Connection,
        ticket_id: int,
        message_id: int | None,
        attachment: Any,
        now: str,
    ) -> None:
        store.insert_attachment(
            conn,
            {
                "public_id": new_id("att_"),
                "ticket_id": ticket_id,
                "message_id": message_id,
                "filename": attachment.filename,
                "content_type": attachment.content_type,
                "declared_type": attachment.declared_type,
                "data": attachment.data,
                "inline": attachment.inline,
                "content_id": attachment.content_id,
                "note": attachment.note,
                "created_at": now,
            },
        )

    def open_from_email(
        self,
        conn: sqlite3.Connection,
        app_id: str,
        *,
        email: str,
        name: str,
        subject: str,
        mail: Mapping[str, Any],
    ) -> dict[str, Any]:
        """Open a ticket (source ``email``) for the sender of a mail; returns the ticket row.

        ``mail`` holds ``body`` (the text without quoted history), ``original`` (the whole
        text), ``html`` (sanitised) and ``attachments``.
        """
        requester = Principal(
            app_id, "visitor", email_requester_id(app_id, email), email=email, name=name or None
        )
        data: dict[str, Any] = {
            "subject": subject[:200],
            "body": mail["body"] or "(no text)",
            "context": {},
        }
        presented = self._insert(
            conn,
            requester,
            data,
            "email",
            extra={"original": mail.get("original"), "html": mail.get("html")},
            attachments=mail.get("attachments", ()),
        )
        found = store.get_ticket(conn, app_id, presented["id"])
        assert found is not None
        return found

    def append_from_email(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], mail: Mapping[str, Any]
    ) -> dict[str, Any]:
        """Add the requester's mailed answer to their ticket, as if they replied in the app."""
        requester = Principal(
            ticket["app_id"],
            ticket["requester_kind"],
            ticket["requester_id"],
            email=ticket["requester_email"],
            name=ticket["requester_name"],
        )
        return self._add_message(
            conn,
            requester,
            ticket["public_id"],
            mail["body"] or "(no text)",
            False,
            mail=mail,
            ticket=dict(ticket),
        )

    def automated_reply(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], body: str
    ) -> dict[str, Any]:
        """A public reply an automation sends (a saved reply), signed "Support", in the
        caller's transaction; it meets response targets like any agent's, and raises no
        ``message.created`` rules (a rule answering its own reply would never stop)."""
        sender = Principal(ticket["app_id"], "staff", "automation", role="agent", via_key=True)
        return self._add_message(
            conn, sender, ticket["public_id"], body, False, ticket=dict(ticket), automated=True
        )

    def mail_parts(self, viewer: Principal, public_id: str) -> dict[str, dict[str, Any]]:
        """For agents: what mail brought, by message id ("" for the opening message): the
        whole text as it arrived and the sanitised HTML."""
        if not viewer.is_agent:
            raise Forbidden("only agents see the mail as it arrived")
        with self.db.read() as conn:
            ticket = self._visible(conn, viewer, public_id)
            messages = store.list_messages(conn, ticket["id"], include_internal=False)
        parts = {
            m["public_id"]: {"original": m["original"] or "", "html": m["html"] or ""}
            for m in messages
            if m["channel"] == "email"
        }
        if ticket["source"] == "email":
            parts[""] = {"original": ticket["original"] or "", "html": ticket["html"] or ""}
        return parts

    def solve_unanswered(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], rule: str
    ) -> None:
        """Solve a pending ticket the customer never answered (recorded as ``rule``'s doing)."""
        self.change(conn, dict(ticket), {"status": "solved"}, {"kind": "automation", "id": rule})

    def attachment(self, viewer: Principal, public_id: str, attachment_id: str) -> dict[str, Any]:
        """One attachment with its bytes, for the ticket's requester and the app's agents
        (a requester never gets the files of internal notes); 404 for anyone else."""
        with self.db.read() as conn:
            try:
                ticket = self._visible(conn, viewer, public_id)
            except Forbidden:
                raise NotFound("no such attachment") from None
            found = store.get_attachment(conn, ticket["id"], attachment_id)
            message_id = found["message_id"] if found is not None else None
            internal = message_id is not None and store.message_is_internal(conn, message_id)
            if internal and not viewer.is_agent:
                found = None
        if found is None:
            raise NotFound("no such attachment")
        return found

    def linked_attachment(self, token: str) -> dict[str, Any]:
        """The attachment a signed link (see :meth:`Uploads.link_token`) opens, or 404."""
        attachment_id = self.uploads.attachment_of(token) if self.uploads else None
        with self.db.read() as conn:
            found = store.attachment_by_public_id(conn, attachment_id) if attachment_id else None
        if found is None:
            raise NotFound("this link is not valid, or has expired: open the conversation again")
        return found

    def activity(self, viewer: Principal, public_id: str) -> Sequence[dict[str, Any]]:
        """What routing and automations did to a ticket, oldest first, for the app's agents:
        each ``{"at", "actor": {"kind": "routing"|"automation", "name"}, "changes"}`` with the
        changes as recorded (``{"field", "from", "to"}``, or an ``action`` such as notify);
        a team change also names the teams (``from_name``/``to_name``, None once deleted)."""
        if not viewer.is_agent:
            raise NotFound("no such ticket")
        with self.db.read() as conn:
            ticket = self._visible(conn, viewer, public_id)
            rows = levels_store.activity_of(conn, ticket["id"])
            known = levels_store.list_teams(conn, viewer.app_id)
        teams = {t["public_id"]: t["name"] for t in known}
        out = []
        for row in rows:
            changes = []
            for change in row["changes"] if isinstance(row["changes"], list) else []:
                if not isinstance(change, dict):
                    continue
                change = dict(change)
                if change.get("field") == "team":
                    change["from_name"] = teams.get(change.get("from") or "")
                    change["to_name"] = teams.get(change.get("to") or "")
                changes.append(change)
            out.append(
                {
                    "at": row["created_at"],
                    "actor": {"kind": row["actor_kind"], "name": row["actor"]},
                    "changes": changes,
                }
            )
        return out
