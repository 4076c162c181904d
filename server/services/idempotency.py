"""Idempotency-Key handling as the IETF draft describes it.

Same key and same body: the first response is replayed. Same key and another body: 422
``idempotency_key_reused``. Same key while the first request is still being processed: 409
``idempotency_key_in_flight``. The key is claimed in its own short transaction, and the
response is stored in the same transaction as the work it describes, so a crash can never
leave a ticket without its key (or a key pointing at no ticket). A claim abandoned by a
crashed worker expires after :data:`IN_FLIGHT_TIMEOUT` seconds.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

from .. import clock
from ..errors import Conflict, ValidationFailed
from ..store import Database
from ..store import idempotency as store

IN_FLIGHT_TIMEOUT = 60
MAX_KEY_LENGTH = 255
KEEP_FOR = 24 * 3600  # how long a key is remembered (Stripe keeps them 24 hours too)


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps([method, path, body], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def _age(created_at: str) -> float:
    created = datetime.strptime(created_at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return clock.now() - created.timestamp()


def run_once(
    db: Database,
    app_id: str,
    principal: str,
    key: str,
    print_: str,
    work: Callable[[sqlite3.Connection], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """Run ``work`` once per key; returns (status, body, replayed)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        raise ValidationFailed(
            f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters",
            details={"Idempotency-Key": ["invalid length"]},
        )
    with db.write() as conn:
        record = store.get(conn, app_id, principal, key)
        if record is not None:
            if record["fingerprint"] != print_:
                raise ValidationFailed(
                    "this Idempotency-Key was already used with a different request",
                    code="idempotency_key_reused",
                )
            if record["state"] == "done":
                return int(record["status_code"]), json.loads(record["response"]), True
            if _age(record["created_at"]) < IN_FLIGHT_TIMEOUT:
                raise Conflict(
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                    code="idempotency_key_in_flight",
                )
        store.claim(conn, app_id, principal, key, print_, clock.iso())
    try:
        with db.write() as conn:
            status, body = work(conn)
            store.complete(conn, app_id, principal, key, status, json.dumps(body))
    except BaseException:
        # The work failed (an error response or a crash): free the key so a retry can run.
        with db.write() as conn:
            store.release(conn, app_id, principal, key)
        raise
    return status, body, False


def purge_expired(db: Database, keep_for: float = KEEP_FOR) -> int:
    """Forget keys older than ``keep_for`` seconds; returns how many were removed."""
    with db.write() as conn:
        return store.purge_before(conn, clock.iso(clock.now() - keep_for))
