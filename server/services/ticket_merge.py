"""Merging a duplicate ticket into another, and changing many tickets at once (agents).

A merge moves the duplicate's conversation into the ticket it goes into: its messages (with
their attachments and original times) change tickets; its opening message and the files that
came with it become the customer's message on the target, at its original time, when both
tickets are the same person's (else they are quoted on an internal note, which another
requester never sees); an internal note says "Merged from tkt_… (subject)", a
note on the duplicate says where it went, its tags and followers join the target's, and the
duplicate is closed with ``merged_into`` naming the target. The customer is sent nothing: only
internal notes are added, and closing the duplicate runs no automations (which might reply). One
transaction; ``ticket.merged`` names the target as ``data`` and the duplicate in ``detail``.

A bulk change puts each ticket through :meth:`TicketService.change` (so service levels,
automations and ``ticket.updated`` run per ticket), all in one transaction: an unknown id
changes nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any

from .. import clock
from ..errors import Conflict, Forbidden, NotFound
from ..ids import new_id
from ..principal import Principal
from ..store import followers as follower_store
from ..store import tickets as store
from . import outbox
from .tickets import TicketService

MAX_BULK = 100
BULK_CHANGES = ("status", "priority", "assignee", "tags", "add_tags", "remove_tags", "team")


def _quoted(text: str) -> str:
    return "\n".join("> " + line for line in text.strip().splitlines())


class TicketMerge:
    def __init__(self, tickets: TicketService) -> None:
        self.tickets = tickets
        self.db = tickets.db

    # -- merge --------------------------------------------------------------------------------
    def merge(
        self,
        viewer: Principal,
        public_id: str,
        into: str,
        *,
        different_requesters: bool = False,
    ) -> dict[str, Any]:
        """Merge ticket ``public_id`` into ticket ``into``; returns the target as agents see it.

        Refused (409): into itself (``merge_into_self``), a ticket already merged
        (``ticket_already_merged``), into a merged or closed ticket (``target_merged``,
        ``target_closed``), or across requesters unless ``different_requesters``
        (``different_requesters``). Another app's ticket is not found (404).
        """
        return self.merge_many(viewer, [public_id], into, different_requesters=different_requesters)

    def merge_many(
        self,
        viewer: Principal,
        sources: Sequence[str],
        into: str,
        *,
        different_requesters: bool = False,
    ) -> dict[str, Any]:
        """Merge each of ``sources`` into ``into`` in one transaction: all or none (the
        first refusal names its ticket); returns the target as agents see it."""
        if not viewer.is_agent:
            raise Forbidden("only agents can merge tickets")
        with self.db.write() as conn:
            presented: dict[str, Any] = {}
            for public_id in sources:
                try:
                    presented = self._merge(conn, viewer, public_id, into, different_requesters)
                except Conflict as refused:
                    if len(sources) == 1:
                        raise
                    raise Conflict(f"{public_id}: {refused.message}", code=refused.code) from None
            return presented

    def _merge(
        self,
        conn: sqlite3.Connection,
        viewer: Principal,
        public_id: str,
        into: str,
        different_requesters: bool,
    ) -> dict[str, Any]:
        source = self.tickets._visible(conn, viewer, public_id)
        target = self.tickets._visible(conn, viewer, into)
        self._check(source, target, different_requesters)
        actor = {"kind": "staff", "id": viewer.id}
        self._move(conn, viewer, source, target)
        follower_store.copy(conn, source["id"], target["id"])
        # the duplicate: closed, naming its target (written first: closing an already
        # closed ticket changes nothing, and so would write nothing)
        store.update_ticket(
            conn, source["id"], {"merged_into": target["id"], "updated_at": clock.iso()}
        )
        source["merged_into"] = target["id"]
        self.tickets.change(conn, source, {"status": "closed"}, actor, automate=False)
        found = store.ticket_by_row_id(conn, target["id"])
        assert found is not None
        target = found
        tags = list(target["tags"])
        tags += [t for t in source["tags"] if t not in tags]
        self.tickets.change(conn, target, {"tags": tags}, actor)
        found = store.ticket_by_row_id(conn, target["id"])
        assert found is not None
        presented = self.tickets.agent_view(conn, found)
        outbox.emit(
            conn,
            viewer.app_id,
            "ticket.merged",
            presented,
            actor=actor,
            detail={"from": source["public_id"]},
        )
        return presented

    @staticmethod
    def _check(
        source: Mapping[str, Any], target: Mapping[str, Any], different_requesters: bool
    ) -> None:
        if source["id"] == target["id"]:
            raise Conflict("a ticket cannot be merged into itself", code="merge_into_self")
        if source.get("merged_into") is not None:
            raise Conflict("this ticket was merged already", code="ticket_already_merged")
        if target.get("merged_into") is not None:
            raise Conflict(
                "the target was merged into another ticket; merge into that one",
                code="target_merged",
            )
        if target["status"] == "closed":
            raise Conflict("a closed ticket cannot take a merge", code="target_closed")
        same = (source["requester_kind"], source["requester_id"]) == (
            target["requester_kind"],
            target["requester_id"],
        )
        if not same and not different_requesters:
            raise Conflict(
                "the tickets have different requesters; send different_requesters: true to"
                " merge them anyway",
                code="different_requesters",
            )

    def _move(
        self,
        conn: sqlite3.Connection,
        viewer: Principal,
        source: dict[str, Any],
        target: dict[str, Any],
    ) -> None:
        """The duplicate's messages and files into the target, and a note on each."""
        conn.execute(
            "UPDATE ticket_messages SET ticket_id = ? WHERE ticket_id = ?",
            (target["id"], source["id"]),
        )
        conn.execute(
            "UPDATE message_attachments SET ticket_id = ? WHERE ticket_id = ?"
            " AND message_id IS NOT NULL",
            (target["id"], source["id"]),
        )
        same = (source["requester_kind"], source["requester_id"]) == (
            target["requester_kind"],
            target["requester_id"],
        )
        heading = f"Merged from {source['public_id']} ({source['subject']})"
        note = self.tickets._add_message(
            conn,
            viewer,
            target["public_id"],
            heading if same else f"{heading}\n\n{_quoted(source['body'])}",
            True,
            ticket=target,
        )
        if same:
            # the customer's own words and files, in the conversation they read, as written
            opening = store.insert_message(
                conn,
                {
                    "public_id": new_id("msg_"),
                    "ticket_id": target["id"],
                    "author_kind": "requester",
                    "author_id": source["requester_id"],
                    "author_name": source["requester_name"],
                    "body": source["body"],
                    "internal": False,
                    "created_at": source["created_at"],
                    "channel": "email" if source["source"] == "email" else "web",
                    "original": source.get("original"),
                    "html": source.get("html"),
                },
            )
        else:  # another person's words stay with the agents: quoted in the note
            opening = conn.execute(
                "SELECT id FROM ticket_messages WHERE public_id = ?", (note["id"],)
            ).fetchone()[0]
        conn.execute(
            "UPDATE message_attachments SET ticket_id = ?, message_id = ?"
            " WHERE ticket_id = ? AND message_id IS NULL",
            (target["id"], opening, source["id"]),
        )
        body = f"Merged into {target['public_id']} ({target['subject']})"
        if source["status"] != "closed":
            self.tickets._add_message(conn, viewer, source["public_id"], body, True, ticket=source)
        else:  # a closed ticket takes no messages through the service; this is its record
            store.insert_message(
                conn,
                {
                    "public_id": new_id("msg_"),
                    "ticket_id": source["id"],
                    "author_kind": "agent",
                    "author_id": viewer.id,
                    "author_name": note["author"]["name"],
                    "body": body,
                    "internal": True,
                    "created_at": note["created_at"],
                },
            )

    # -- bulk ---------------------------------------------------------------------------------
    def bulk(
        self, viewer: Principal, ids: Sequence[str], changes: Mapping[str, Any]
    ) -> list[dict[str, Any]]:
        """Apply ``changes`` to each of ``ids`` (deduplicated, in order) in one transaction;
        returns the tickets as agents see them. ``tags`` replaces, ``add_tags`` and
        ``remove_tags`` edit each ticket's own; an unknown id is a 404 naming it."""
        if not viewer.is_agent:
            raise Forbidden("only agents can change tickets")
        wanted = list(dict.fromkeys(ids))
        actor = {"kind": "staff", "id": viewer.id}
        with self.db.write() as conn:
            found: list[dict[str, Any]] = []
            for public_id in wanted:
                ticket = store.get_ticket(conn, viewer.app_id, public_id)
                if ticket is None:
                    raise NotFound(f"no such ticket: {public_id}", details={"ids": [public_id]})
                found.append(ticket)
            fields = {k: v for k, v in changes.items() if k in ("status", "priority", "assignee")}
            if "team" in changes:
                fields["team_id"] = self.tickets._team_id(conn, viewer.app_id, changes["team"])
            out = []
            for ticket in found:
                each = dict(fields)
                if {"tags", "add_tags", "remove_tags"} & changes.keys():
                    tags = list(changes.get("tags", ticket["tags"]))
                    tags += [t for t in changes.get("add_tags", ()) if t not in tags]
                    removed = set(changes.get("remove_tags", ()))
                    each["tags"] = [t for t in tags if t not in removed]
                self.tickets.change(conn, ticket, each, actor)
                now = store.ticket_by_row_id(conn, ticket["id"])  # as automations left it
                assert now is not None
                out.append(self.tickets.agent_view(conn, now))
            return out
