"""SQL for webhook endpoints, their deliveries (one per endpoint and event) and each attempt."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_ENDPOINT_FIELDS = {
    "url",
    "events",
    "description",
    "enabled",
    "secret",
    "previous_secret",
    "previous_secret_until",
    "failing_since",
    "disabled_reason",
    "updated_at",
    "deleted_at",
}


def _endpoint(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    endpoint = dict(row)
    endpoint["events"] = json.loads(endpoint["events"])
    endpoint["enabled"] = bool(endpoint["enabled"])
    return endpoint


def insert_endpoint(conn: sqlite3.Connection, endpoint: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO webhook_endpoints (public_id, app_id, url, events, description, enabled,"
        " secret, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            endpoint["public_id"],
            endpoint["app_id"],
            endpoint["url"],
            json.dumps(endpoint["events"]),
            endpoint["description"],
            int(endpoint["enabled"]),
            endpoint["secret"],
            endpoint["created_at"],
            endpoint["updated_at"],
        ),
    )
    return int(cur.lastrowid or 0)


def get_endpoint(conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any] | None:
    return _endpoint(
        conn.execute(
            "SELECT * FROM webhook_endpoints WHERE app_id = ? AND public_id = ?"
            " AND deleted_at IS NULL",
            (app_id, public_id),
        ).fetchone()
    )


def endpoint_by_id(conn: sqlite3.Connection, endpoint_id: int) -> dict[str, Any] | None:
    return _endpoint(
        conn.execute("SELECT * FROM webhook_endpoints WHERE id = ?", (endpoint_id,)).fetchone()
    )


def list_endpoints(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT * FROM webhook_endpoints WHERE app_id = ? AND deleted_at IS NULL ORDER BY id",
        (app_id,),
    ).fetchall()
    return [e for e in map(_endpoint, rows) if e is not None]


def subscribed(conn: sqlite3.Connection, app_id: str, type: str) -> list[dict[str, Any]]:
    """The app's enabled endpoints that listen to events of ``type``."""
    return [
        e
        for e in list_endpoints(conn, app_id)
        if e["enabled"] and ("*" in e["events"] or type in e["events"])
    ]


def update_endpoint(conn: sqlite3.Connection, endpoint_id: int, fields: dict[str, Any]) -> None:
    names = [n for n in fields if n in _ENDPOINT_FIELDS]
    values = [
        json.dumps(fields[n]) if n == "events" else int(fields[n]) if n == "enabled" else fields[n]
        for n in names
    ]
    if names:
        conn.execute(
            f"UPDATE webhook_endpoints SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
            (*values, endpoint_id),
        )


# -- deliveries ----------------------------------------------------------------------------
def insert_delivery(
    conn: sqlite3.Connection, public_id: str, endpoint_id: int, event_id: int, now: str
) -> int | None:
    """A delivery of the event to the endpoint; None when it exists already (a fan-out job
    run twice after its worker died makes no second delivery)."""
    cur = conn.execute(
        "INSERT INTO webhook_deliveries (public_id, endpoint_id, event_id, next_attempt_at,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (endpoint_id, event_id) DO NOTHING",
        (public_id, endpoint_id, event_id, now, now, now),
    )
    return int(cur.lastrowid) if cur.rowcount == 1 and cur.lastrowid else None


def get_delivery(conn: sqlite3.Connection, delivery_id: int) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT d.*, e.public_id AS event_public_id, e.type AS event_type, e.payload"
        " FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id WHERE d.id = ?",
        (delivery_id,),
    ).fetchone()
    return dict(row) if row else None


def delivery_by_public_id(
    conn: sqlite3.Connection, endpoint_id: int, public_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT id FROM webhook_deliveries WHERE endpoint_id = ? AND public_id = ?",
        (endpoint_id, public_id),
    ).fetchone()
    return get_delivery(conn, row["id"]) if row else None


def list_deliveries(
    conn: sqlite3.Connection, endpoint_id: int, before_id: int | None, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT d.*, e.public_id AS event_public_id, e.type AS event_type"
        " FROM webhook_deliveries d JOIN outbox_events e ON e.id = d.event_id"
        " WHERE d.endpoint_id = ? AND (? IS NULL OR d.id < ?) ORDER BY d.id DESC LIMIT ?",
        (endpoint_id, before_id, before_id, limit),
    ).fetchall()
    return [dict(r) for r in rows]


def update_delivery(conn: sqlite3.Connection, delivery_id: int, **fields: Any) -> None:
    allowed = {"state", "attempts", "next_attempt_at", "updated_at"}
    names = [n for n in fields if n in allowed]
    conn.execute(
        f"UPDATE webhook_deliveries SET {', '.join(f'{n} = ?' for n in names)} WHERE id = ?",
        (*(fields[n] for n in names), delivery_id),
    )


def insert_attempt(conn: sqlite3.Connection, delivery_id: int, attempt: dict[str, Any]) -> None:
    conn.execute(
        "INSERT INTO webhook_attempts (delivery_id, attempted_at, duration_ms, status_code,"
        " error, response_excerpt) VALUES (?, ?, ?, ?, ?, ?)",
        (
            delivery_id,
            attempt["attempted_at"],
            attempt["duration_ms"],
            attempt["status_code"],
            attempt["error"],
            attempt["response_excerpt"],
        ),
    )


def attempts_of(
    conn: sqlite3.Connection, delivery_ids: list[int]
) -> dict[int, list[dict[str, Any]]]:
    found: dict[int, list[dict[str, Any]]] = {i: [] for i in delivery_ids}
    if not delivery_ids:
        return found
    marks = ",".join("?" * len(delivery_ids))
    for row in conn.execute(
        f"SELECT * FROM webhook_attempts WHERE delivery_id IN ({marks}) ORDER BY id",
        delivery_ids,
    ):
        found[row["delivery_id"]].append(dict(row))
    return found
