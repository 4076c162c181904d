"""Ticket followers: agents told about a ticket as its assignee is (see :mod:`.notifications`:
customer replies and service-level warnings), each once, besides the assignee.

An agent follows a ticket by choice (the ticket page's Follow, or another agent adding them
over the API), and on their own when they reply to it or write a note on it, when it is
assigned to them, or when a note names them as ``@username`` (like CCs in other help desks).
Unfollowing lasts until the next of those. Merging a ticket carries its followers over to the
ticket it went into (:mod:`.ticket_merge`).

Followers are active agents (or admins) of the ticket's app, named by username; staff keys
never follow. The lifecycle (:mod:`.lifecycle`) calls :meth:`Followers.assigned` and
:meth:`Followers.spoke` in the ticket's own transaction.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from typing import Any

from .. import clock
from ..errors import Forbidden, NotFound, ValidationFailed
from ..principal import Principal
from ..store import Database
from ..store import followers as store
from ..store import staff as staff_store
from ..store import tickets as ticket_store
from .notifications import mentions

# why someone follows: they chose to, someone added them, or what they did on the ticket
REASONS = ("followed", "added", "replied", "noted", "assigned", "mentioned")


def _agent(conn: sqlite3.Connection, app_id: str, username: str) -> str | None:
    """The username as stored, if it names an active agent or admin of ``app_id``."""
    if not username or len(username) > 64:
        return None
    user = staff_store.find_user(conn, username)
    if (
        user is None
        or user["disabled_at"] is not None
        or user["role"] not in ("agent", "admin")
        or user["app_id"] not in (None, app_id)
    ):
        return None
    return str(user["username"])


class Followers:
    def __init__(self, db: Database) -> None:
        self.db = db

    @staticmethod
    def _ticket(conn: sqlite3.Connection, viewer: Principal, public_id: str) -> dict[str, Any]:
        if not viewer.is_agent:
            raise Forbidden("only agents can see and change a ticket's followers")
        ticket = ticket_store.get_ticket(conn, viewer.app_id, public_id)
        if ticket is None:
            raise NotFound("no such ticket")
        return ticket

    def of(self, viewer: Principal, public_id: str) -> list[str]:
        """The usernames following the ticket, in the order they came."""
        with self.db.read() as conn:
            return store.usernames(conn, self._ticket(conn, viewer, public_id)["id"])

    def follow(
        self, viewer: Principal, public_id: str, username: str, reason: str = "added"
    ) -> list[str]:
        """Make ``username`` follow the ticket (no change if they do); returns the followers.
        An unknown, disabled or writer username, or another app's, is a 422."""
        with self.db.write() as conn:
            ticket = self._ticket(conn, viewer, public_id)
            found = _agent(conn, viewer.app_id, username)
            if found is None:
                raise ValidationFailed(
                    "no such agent in this app", details={"username": [username]}
                )
            store.add(conn, ticket["id"], found, reason, clock.iso())
            return store.usernames(conn, ticket["id"])

    def unfollow(self, viewer: Principal, public_id: str, username: str) -> list[str]:
        """Stop ``username`` following the ticket (no change if they do not); returns the
        followers."""
        with self.db.write() as conn:
            ticket = self._ticket(conn, viewer, public_id)
            store.remove(conn, ticket["id"], username)
            return store.usernames(conn, ticket["id"])

    # -- the lifecycle's hooks, in the ticket's transaction ------------------------------------
    @staticmethod
    def _add(conn: sqlite3.Connection, ticket: Mapping[str, Any], username: str, why: str) -> None:
        found = _agent(conn, ticket["app_id"], username)
        if found is not None:
            store.add(conn, ticket["id"], found, why, clock.iso())

    def assigned(self, conn: sqlite3.Connection, ticket: Mapping[str, Any], username: str) -> None:
        """The ticket (a row) was assigned to ``username``: they follow it."""
        self._add(conn, ticket, username, "assigned")

    def spoke(
        self, conn: sqlite3.Connection, ticket: Mapping[str, Any], message: Mapping[str, Any]
    ) -> None:
        """An agent wrote ``message`` on the ticket (a row): they follow it, and so does
        everyone a note names as ``@username``. Staff keys and automations follow nothing
        (their author id names no staff user)."""
        if message.get("author_kind") != "agent":
            return
        author = str(message.get("author_id") or "")
        if author:
            self._add(conn, ticket, author, "noted" if message.get("internal") else "replied")
        if message.get("internal"):
            for username in mentions(str(message.get("body") or "")):
                if username.lower() != author.lower():
                    self._add(conn, ticket, username, "mentioned")
