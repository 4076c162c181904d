"""The agents' inbox: views (unsolved, new, …), filters and search across an agent's apps.

Reading and changing one ticket goes through :class:`TicketService` with the agent's
principal for the ticket's app, so the inbox obeys the same visibility rules as the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import NotFound
from ..store import Database
from ..store import inbox as store
from ..store import tickets as ticket_store

PER_PAGE = 30
VIEWS: dict[str, tuple[str, ...] | None] = {
    "unsolved": ("new", "open", "pending"),
    "new": ("new",),
    "open": ("open",),
    "pending": ("pending",),
    "solved": ("solved",),
    "closed": ("closed",),
    "all": None,
}


class Inbox:
    def __init__(self, db: Database) -> None:
        self.db = db

    def page(
        self,
        app_ids: Sequence[str],
        *,
        view: str = "unsolved",
        priority: str | None = None,
        assignee: str | None = None,
        context: str | None = None,
        version: str | None = None,
        text: str | None = None,
        sort: str = "updated",
        page: int = 1,
    ) -> dict[str, Any]:
        """``assignee`` is a handle, or 'none' for unassigned tickets."""
        page = max(1, page)
        with self.db.read() as conn:
            items, total = store.page(
                conn,
                list(app_ids),
                statuses=VIEWS.get(view, VIEWS["unsolved"]),
                priority=priority or None,
                assignee=assignee if assignee and assignee != "none" else None,
                unassigned=assignee == "none",
                context=context or None,
                version=version or None,
                text=(text or "").strip() or None,
                sort=sort,
                offset=(page - 1) * PER_PAGE,
                limit=PER_PAGE,
            )
            counts = store.status_counts(conn, list(app_ids))
        counts["unsolved"] = sum(counts.get(s, 0) for s in VIEWS["unsolved"] or ())
        counts["all"] = sum(
            counts.get(s, 0) for s in ("new", "open", "pending", "solved", "closed")
        )
        return {
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
            "counts": counts,
        }

    def locate(self, public_id: str, app_ids: Sequence[str]) -> str:
        """The app of a ticket this agent may see; NotFound otherwise (ids reveal nothing)."""
        with self.db.read() as conn:
            app_id = store.app_of(conn, public_id)
        if app_id is None or app_id not in app_ids:
            raise NotFound("no such ticket")
        return app_id

    def neighbours(
        self, app_ids: Sequence[str], app_id: str, public_id: str
    ) -> dict[str, str | None]:
        with self.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, public_id)
            if ticket is None:
                return {"previous": None, "next": None}
            return store.neighbours(conn, list(app_ids), ticket["updated_at"], ticket["id"])
