"""The transactional outbox: every change others may care about leaves an event.

:func:`emit` is called by a service on the connection of the transaction that makes the
change, so the event exists if and only if the change does (a crash between the two cannot
happen: they commit together). With the event it queues one ``fanout`` job; the worker turns
that into webhook deliveries and staff notifications (see :mod:`.dispatch`). Nothing is sent
from a web request: the request only writes rows.

Events carry ``{"id": "evt_…", "type", "timestamp", "app_id", "data"}``, where ``data`` is
the resource as the API returns it (for ticket and message events, as an agent sees it).
"""

from __future__ import annotations

import sqlite3
from typing import Any

from .. import clock
from ..ids import new_id
from ..store import outbox as store

EVENT_TYPES = (
    "ticket.created",
    "ticket.updated",
    "message.created",
    "ticket.rated",
    "ticket.merged",
    "article.published",
    "article.updated",
    "article.archived",
    "feedback.created",
    "sla.warning",
    "sla.breached",
    "known_issue.updated",
)
FANOUT = "fanout"


def emit(
    conn: sqlite3.Connection,
    app_id: str,
    type: str,
    data: dict[str, Any],
    changes: dict[str, dict[str, Any]] | None = None,
    actor: dict[str, Any] | None = None,
    detail: dict[str, Any] | None = None,
) -> str:
    """Record event ``type`` about ``data`` in the caller's transaction; returns its id.

    ``changes`` (for ``*.updated``) maps each changed field to ``{"from": …, "to": …}`` and
    sits beside ``data`` in the payload, which stays the resource as the API returns it;
    ``actor`` (``{"kind": "staff", "id": username}``) says who made the change, when known;
    ``detail`` says what happened when ``data`` alone does not (which SLA target, for
    ``sla.*``).
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    now = clock.iso()
    public_id = new_id("evt_", 24)
    payload: dict[str, Any] = {
        "id": public_id,
        "type": type,
        "timestamp": now,
        "app_id": app_id,
        "data": data,
    }
    if changes is not None:
        payload["changes"] = changes
    if actor is not None:
        payload["actor"] = actor
    if detail is not None:
        payload["detail"] = detail
    event_id = store.insert_event(
        conn, public_id=public_id, app_id=app_id, type=type, payload=payload, now=now
    )
    store.enqueue(conn, FANOUT, event_id, now, now)
    return public_id
