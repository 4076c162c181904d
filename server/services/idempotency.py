"""Idempotency-Key handling as the IETF draft describes it.

Same key and same body: the first response is replayed. Same key and another body: 422
``idempotency_key_reused``. The key is looked up, the work done and the response stored in ONE
write transaction, so a worker killed at any moment leaves either nothing (the key is free for
the retry) or the work with its response, never a claimed key without its ticket or a ticket
without its key. Two requests with the same key at once are serialised by the write lock: the
second finds the first's response and replays it, instead of the 409 an earlier version gave.

A row left ``in_flight`` by a version that claimed keys in a transaction of their own is free
after :data:`IN_FLIGHT_TIMEOUT` seconds (409 ``idempotency_key_in_flight`` with Retry-After
until then).
"""

from __future__ import annotations

import hashlib
import json
import math
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
    """Run ``work`` once per key, in the transaction that records its response; returns
    (status, body, replayed). An error raised by ``work`` rolls everything back."""
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
            left = IN_FLIGHT_TIMEOUT - _age(record["created_at"])
            if left > 0:  # a legacy claim (see the module docstring)
                raise Conflict(
                    "a request with this Idempotency-Key is still being processed; retry shortly",
                    code="idempotency_key_in_flight",
                    headers={"Retry-After": str(max(1, math.ceil(left)))},
                )
        status, body = work(conn)
        store.save(conn, app_id, principal, key, print_, clock.iso(), status, json.dumps(body))
    return status, body, False


def once(
    db: Database,
    app_id: str,
    principal: str,
    key: str | None,
    print_: str,
    work: Callable[[sqlite3.Connection], tuple[int, dict[str, Any]]],
) -> tuple[int, dict[str, Any], bool]:
    """The one seam for every resource that honours Idempotency-Key: ``work`` in a write
    transaction, once per key when the caller sent one (see :func:`run_once`); returns
    (status, body, replayed)."""
    if key is None:
        with db.write() as conn:
            status, body = work(conn)
        return status, body, False
    return run_once(db, app_id, principal, key, print_, work)


def purge_expired(db: Database, keep_for: float = KEEP_FOR) -> int:
    """Forget keys older than ``keep_for`` seconds; returns how many were removed."""
    with db.write() as conn:
        return store.purge_before(conn, clock.iso(clock.now() - keep_for))
