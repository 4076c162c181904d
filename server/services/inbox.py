"""The agents' inbox: views (unsolved, new, …), filters and search across an agent's apps.

Reading and changing one ticket goes through :class:`TicketService` with the agent's
principal for the ticket's app, so the inbox obeys the same visibility rules as the API.

Service levels show as due times relative to :func:`clock.now` ("in 25 min", "3 h overdue"),
worked out here on the server so that a page, its tests and its live refresh agree; the
absolute time goes with each (``at``) for a ``<time>`` element.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import clock
from ..errors import NotFound
from ..store import Database
from ..store import inbox as store
from ..store import service_levels as levels_store
from ..store import tickets as ticket_store
from .sla import METRICS, open_dues

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
SORTS = store.SORTS
DEFAULT_SORT = store.DEFAULT_SORT
SOON = 3600.0  # a due time closer than this is "soon"
REFRESH = 300  # while tickets have due times, the live inbox redraws at least this often
METRIC_LABELS = {
    "first_response": "First response",
    "next_response": "Next response",
    "resolution": "Resolution",
}


def span(seconds: float) -> str:
    """A length of time as the inbox says it: '25 min' (to the nearest minute, at least 1),
    then whole hours and days, rounded down: '3 h' up to 48 hours, then '2 d'."""
    seconds = abs(seconds)
    minutes = round(seconds / 60)
    if minutes < 60:
        return f"{max(minutes, 1)} min"
    hours = int(seconds // 3600)
    return f"{max(hours, 1)} h" if hours < 48 else f"{hours // 24} d"


def business_span(minutes: int) -> str:
    """A target in business minutes: '45 min', '1 h', '1 h 30 min', '40 h'."""
    hours, rest = divmod(int(minutes), 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def due_label(due: str, now: float | None = None) -> dict[str, Any]:
    """A due time relative to now: ``{"at", "text", "state"}``, state ``overdue`` (past it),
    ``soon`` (within :data:`SOON`) or ``due``."""
    left = clock.parse_iso(due) - (clock.now() if now is None else now)
    if abs(left) < 60:
        text = "due now"
    elif left > 0:
        text = f"in {span(left)}"
    else:
        text = f"{span(left)} overdue"
    state = "overdue" if left < 0 else "soon" if left < SOON else "due"
    return {"at": due, "text": text, "state": state}


def due_cell(item: Mapping[str, Any], now: float | None = None) -> dict[str, Any] | None:
    """What the inbox's Due column shows for a row of :func:`store.page`: the next unmet due
    time, "paused" (pending, nothing else owed), "breached" (met late, nothing owed now), or
    nothing (no policy applies, or every target is met)."""
    if not item.get("sla_clock"):
        return None
    breached = bool(item.get("sla_breach_recorded"))
    if item.get("sla_next_due"):
        return {**due_label(item["sla_next_due"], now), "breached": breached}
    if item.get("sla_paused"):
        return {"at": None, "text": "paused", "state": "paused", "breached": breached}
    if breached:
        return {"at": None, "text": "breached", "state": "breached", "breached": True}
    return None


FILTERABLE_FIELDS = ("select", "checkbox")
NOT_SET = "none"


def field_filters(
    defined: Sequence[Mapping[str, Any]], args: Mapping[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str], list[tuple[str, Any]]]:
    """The inbox's custom-field filters: for each select or checkbox field of ``defined`` (the
    apps' fields; one filter per key), its choices; of ``args`` (``field.<key>`` = value), the
    ones that name a field and one of its choices, as the query keeps them and as
    :meth:`Inbox.page` takes them. ``none`` is "not set" (unless a select has that option)."""
    filters: dict[str, dict[str, Any]] = {}
    for field in defined:
        if field["type"] not in FILTERABLE_FIELDS:
            continue
        known = filters.setdefault(
            field["key"],
            {"key": field["key"], "label": field["label"], "type": field["type"], "choices": {}},
        )
        if field["type"] == "checkbox":
            known["choices"].update({"true": "Yes", "false": "No"})
        else:
            known["choices"].update({str(o): str(o) for o in field["options"]})
    for known in filters.values():
        known["choices"].setdefault(NOT_SET, "Not set")
    chosen: dict[str, str] = {}
    applied: list[tuple[str, Any]] = []
    for key, known in filters.items():
        value = (args.get(f"field.{key}") or "").strip()
        if value not in known["choices"]:
            continue
        chosen[f"field.{key}"] = value
        if known["type"] == "checkbox" and value in ("true", "false"):
            applied.append((key, value == "true"))
        elif value == NOT_SET and known["choices"][value] == "Not set":
            applied.append((key, None))
        else:
            applied.append((key, value))
    return list(filters.values()), chosen, applied


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
        team: str | None = None,
        breached: bool = False,
        fields: Sequence[tuple[str, Any]] = (),
        sort: str = DEFAULT_SORT,
        page: int = 1,
    ) -> dict[str, Any]:
        """``assignee`` is a handle, or 'none' for unassigned tickets; ``team`` a team's id, or
        'none' for tickets without one; ``breached`` keeps the tickets past a due time or
        with a breach on record; ``fields`` custom-field filters (key, value or None for not
        set), keys from the apps' field lists (see :func:`field_filters`)."""
        page = max(1, page)
        now = clock.now()
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
                team=team if team and team != "none" else None,
                no_team=team == "none",
                breached_at=clock.iso(now) if breached else None,
                fields=list(fields),
                sort=sort if sort in SORTS else DEFAULT_SORT,
                offset=(page - 1) * PER_PAGE,
                limit=PER_PAGE,
            )
            counts = store.status_counts(conn, list(app_ids))
        for item in items:
            item["due"] = due_cell(item, now)
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

    def due_version(self, app_ids: Sequence[str]) -> str:
        """What time changes in the inbox, for its live refresh (with the tickets' own
        version): the number of overdue tickets, which changes when one falls due, and while
        any ticket has a due time a tick every :data:`REFRESH` seconds, so that "in 25 min"
        never stays on screen long after it stopped being true."""
        now = clock.now()
        with self.db.read() as conn:
            timed, overdue = store.due_counts(conn, list(app_ids), clock.iso(now))
        return f"{overdue}:{int(now // REFRESH) if timed else 0}"

    def locate(self, public_id: str, app_ids: Sequence[str]) -> str:
        """The app of a ticket this agent may see; NotFound otherwise (ids reveal nothing)."""
        with self.db.read() as conn:
            app_id = store.app_of(conn, public_id)
        if app_id is None or app_id not in app_ids:
            raise NotFound("no such ticket")
        return app_id

    def neighbours(
        self, app_ids: Sequence[str], app_id: str, public_id: str, sort: str = DEFAULT_SORT
    ) -> dict[str, str | None]:
        """The unsolved tickets before and after this one in the inbox sorted by ``sort``."""
        with self.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, public_id)
            if ticket is None:
                return {"previous": None, "next": None}
            return store.neighbours(conn, list(app_ids), ticket["id"], sort)

    def service_level(self, app_id: str, public_id: str) -> dict[str, Any] | None:
        """The ticket page's SLA panel: the policy, and each of its targets with its state —
        ``due`` (with :func:`due_label`), ``met`` (``at``), ``paused`` (pending), ``idle``
        (no next response owed: one is, once the customer writes again, unless ``resolved``)
        or ``stopped`` (solved before it was met) — and whether it was breached
        (``breached_at`` when on record). None when no policy applies."""
        now = clock.now()
        with self.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, public_id)
            state = levels_store.get_clock(conn, ticket["id"]) if ticket else None
            if ticket is None or state is None:
                return None
            events = levels_store.sla_events_of(conn, ticket["id"])
        breaches = {e["metric"]: e["at"] for e in events if e["kind"] == "breach"}
        unmet = open_dues(state)
        paused = state["running_since"] is None and not state["resolved_at"]
        targets = []
        for metric in METRICS:
            minutes = (state["targets"] or {}).get(metric)
            if not minutes:
                continue
            row: dict[str, Any] = {
                "metric": metric,
                "label": METRIC_LABELS[metric],
                "target": business_span(minutes),
                "breached_at": breaches.get(metric),
                "due": None,
                "at": None,
            }
            if metric in unmet:
                row.update(state="due", due=due_label(unmet[metric], now))
            elif metric == "first_response" and state["first_response_at"]:
                row.update(state="met", at=state["first_response_at"])
            elif metric == "resolution" and state["resolved_at"]:
                row.update(state="met", at=state["resolved_at"])
            elif metric == "resolution" and paused:
                row.update(state="paused")
            elif metric == "next_response":
                row.update(state="idle")
            else:
                row.update(state="stopped")
            overdue = row["due"] is not None and row["due"]["state"] == "overdue"
            row["breached"] = overdue or metric in breaches
            targets.append(row)
        return {
            "policy": state["policy_name"],
            "paused": paused,
            "resolved": bool(state["resolved_at"]),
            "targets": targets,
            "breached": any(t["breached"] for t in targets),
        }
