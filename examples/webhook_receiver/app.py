"""A webhook receiver for Support SDK: verify, deduplicate, process, answer 2xx quickly.

The three rules every receiver follows:

1. **Verify** the signature over the body exactly as received (bytes, before parsing JSON),
   and answer 400 when it does not check out: it was not sent by your Support server.
2. **Deduplicate** by ``webhook-id`` (the event id, the same on every retry): delivery is at
   least once, so the same event may come twice (a retry after a timeout, or "Retry" in the
   admin). Here a SQLite table with the id as its primary key and ``INSERT OR IGNORE``.
3. **Answer fast**: the server waits 10 s at most and retries anything but a 2xx. Do the
   quick part here (record the event) and hand slow work to your own queue.

The event's row and what processing writes commit in one SQLite transaction: if processing
fails, the row goes too, the answer is 500 and the server retries later; nothing is lost and
nothing is done twice.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, jsonify, request

from support_sdk.webhooks import Event, WebhookVerificationError, verify

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_events (
    webhook_id TEXT PRIMARY KEY,  -- the event id: a redelivery hits this key
    type TEXT NOT NULL,
    payload TEXT NOT NULL,
    received_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS new_tickets (   -- what "processing" makes of ticket.created
    ticket_id TEXT PRIMARY KEY,
    subject TEXT NOT NULL,
    requester TEXT
);
"""


def connect(path: str | Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)  # we BEGIN ourselves
    conn.execute("PRAGMA journal_mode=WAL")
    conn.executescript(SCHEMA)
    return conn


def process(conn: sqlite3.Connection, event: Event) -> None:
    """Your part. Keep it quick; queue anything slow (in this same transaction)."""
    if event.type == "ticket.created":
        requester = event.data.get("requester") or {}
        conn.execute(
            "INSERT INTO new_tickets (ticket_id, subject, requester) VALUES (?, ?, ?)",
            (
                event.data["id"],
                event.data.get("subject") or "",
                requester.get("email") if isinstance(requester, dict) else None,
            ),
        )


def receive(
    conn: sqlite3.Connection, body: bytes, headers: Mapping[str, str], secret: str
) -> tuple[dict[str, Any], int]:
    """What to answer for one request: 400 if not signed by ``secret``, 200 otherwise."""
    try:
        event = verify(body, headers, secret)
    except WebhookVerificationError as exc:
        return {"error": f"bad signature: {exc}"}, 400
    conn.execute("BEGIN IMMEDIATE")
    try:
        fresh = conn.execute(
            "INSERT OR IGNORE INTO webhook_events (webhook_id, type, payload, received_at)"
            " VALUES (?, ?, ?, ?)",
            (event.id, event.type, body.decode("utf-8"), time.time()),
        ).rowcount
        if fresh:
            process(conn, event)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return {"id": event.id, "duplicate": not fresh}, 200


def create_app(config: Mapping[str, Any]) -> Flask:
    """``WEBHOOK_SECRET`` (the endpoint's ``whsec_…``) and ``WEBHOOK_DB`` (a SQLite file)."""
    missing = [name for name in ("WEBHOOK_SECRET", "WEBHOOK_DB") if not config.get(name)]
    if missing:
        raise RuntimeError(f"set {', '.join(missing)} to run the webhook receiver")
    app = Flask(__name__)
    app.config.update(config)
    connect(app.config["WEBHOOK_DB"]).close()  # create the tables at start

    @app.post("/webhooks")
    def webhooks() -> Any:
        conn = connect(app.config["WEBHOOK_DB"])
        try:
            answer, status = receive(
                conn, request.get_data(), request.headers, app.config["WEBHOOK_SECRET"]
            )
        finally:
            conn.close()
        return jsonify(answer), status

    @app.get("/events")
    def events() -> Any:
        """What was processed, for you to look at (and for the example's test)."""
        conn = connect(app.config["WEBHOOK_DB"])
        try:
            rows = conn.execute(
                "SELECT webhook_id, type, payload FROM webhook_events ORDER BY received_at"
            ).fetchall()
            tickets = conn.execute("SELECT ticket_id, subject FROM new_tickets").fetchall()
        finally:
            conn.close()
        return jsonify(
            {
                "events": [{"id": i, "type": t, "data": json.loads(p)["data"]} for i, t, p in rows],
                "new_tickets": [{"id": i, "subject": s} for i, s in tickets],
            }
        )

    return app
