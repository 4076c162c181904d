"""Presence on the agents' ticket page: who else has the ticket open, and who is writing.

The page beats (:meth:`Presence.beat`) every few seconds and when its agent starts or stops
typing; each beat is one row per ticket and staff member in the database (``viewing`` or
``typing``, and whether a reply or a note), so agents served by different processes or nodes
see each other. A row not renewed for :data:`STALE_AFTER` seconds counts as gone (the tab was
closed, the laptop slept) and the next beat on any ticket deletes it; a page that is left says
so (``left``) and its row goes at once. The beat answers with the others present and the
newest message's id, for the page to say that a message arrived meanwhile.

Presence belongs to the ticket's app: the caller has found the ticket in an app the agent may
work in (another app's agents get a 404 there, and never see these rows).
"""

from __future__ import annotations

from typing import Any

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..store import Database
from ..store import presence as store
from ..store import tickets as ticket_store

STATES = ("viewing", "typing", "left")
COMPOSING = ("reply", "note")
STALE_AFTER = 30.0  # three missed beats of a page beating every 10 s


class Presence:
    def __init__(self, db: Database) -> None:
        self.db = db

    def beat(
        self,
        app_id: str,
        ticket_id: str,
        staff: str,
        name: str,
        state: str,
        composing: str | None = None,
    ) -> dict[str, Any]:
        """Record that ``staff`` (a handle, shown as ``name``) is ``state`` on the ticket, and
        return ``{"others": [{"who", "name", "state", "composing"}], "latest": message id}``."""
        if state not in STATES:
            raise ValidationFailed(
                f"state is one of {', '.join(STATES)}", details={"state": [state]}
            )
        if composing is not None and composing not in COMPOSING:
            raise ValidationFailed("composing is reply or note", details={"composing": [composing]})
        now = clock.now()
        since = clock.iso(now - STALE_AFTER)
        with self.db.write() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, ticket_id)
            if ticket is None:
                raise NotFound("no such ticket")
            store.prune(conn, since)
            if state == "left":
                store.remove(conn, ticket["id"], staff)
            else:
                typing = (composing or "reply") if state == "typing" else None
                store.upsert(conn, ticket["id"], staff, name[:120], state, typing, clock.iso(now))
            rows = store.present(conn, ticket["id"], since)
            latest = store.latest_message(conn, ticket["id"])
        others = [
            {
                "who": row["staff"],
                "name": row["name"],
                "state": row["state"],
                "composing": row["composing"],
            }
            for row in rows
            if row["staff"] != staff
        ]
        return {"others": others, "latest": latest}
