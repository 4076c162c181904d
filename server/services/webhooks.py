"""Webhook endpoints and their deliveries, following the Standard Webhooks spec.

Each event an endpoint listens to becomes one delivery (``webhook-id`` is the event id, the
same on every retry, so receivers deduplicate by it). A delivery is attempted at once, then
after :data:`RETRY_AFTER` (with jitter), each attempt bounded by a timeout; any 2xx answer
delivers it. Every attempt is kept with its status, duration and the start of the answer.
An endpoint that has failed every attempt for :data:`DISABLE_AFTER` is switched off and the
app's admins are told by email.

Signatures come from the ``standardwebhooks`` package (the spec's reference code); after a
rotation both the new and the old secret sign for :data:`ROTATION_GRACE`, so a receiver can
switch secrets without losing a delivery.
"""

from __future__ import annotations

import base64
import json
import random
import secrets
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from standardwebhooks.webhooks import Webhook

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import outbox as outbox_store
from ..store import webhooks as store
from . import outbound, outbox

RETRY_AFTER = (5, 300, 1800, 7200, 18000, 36000, 36000)  # after the first attempt, at once
ATTEMPTS = 1 + len(RETRY_AFTER)
JITTER = 0.1
DISABLE_AFTER = 5 * 86400
ROTATION_GRACE = 24 * 3600
MAX_DESCRIPTION = 200
TEST_EVENT = "webhook.test"
USER_AGENT = "SupportSDK-Webhooks/1"

# Called with (app_id, endpoint, reason) when an endpoint is switched off for failing, on
# the transaction's connection: the notifier queues the admins' email in the same commit.
OnDisabled = Callable[[sqlite3.Connection, str, Mapping[str, Any], str], None]
# Raises when the calling worker no longer holds its job (see services.jobs).
Fence = Callable[[sqlite3.Connection], None]


def _no_fence(conn: sqlite3.Connection) -> None:
    return None


def new_secret() -> str:
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def _delay(attempts_made: int, rng: random.Random) -> float | None:
    """Seconds until the next attempt after ``attempts_made`` failures; None: give up."""
    if attempts_made >= ATTEMPTS:
        return None
    base = RETRY_AFTER[attempts_made - 1]
    return base * (1 + rng.uniform(-JITTER, JITTER))


class WebhookService:
    def __init__(
        self,
        db: Database,
        *,
        allow_private: bool,
        timeout: float = outbound.TIMEOUT,
        on_disabled: OnDisabled | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.db = db
        self.allow_private = allow_private
        self.timeout = timeout
        self.on_disabled = on_disabled
        self._rng = rng or random.Random()

    # -- endpoints ----------------------------------------------------------------------------
    def _check_url(self, url: Any) -> str:
        if not isinstance(url, str) or not url.strip():
            raise ValidationFailed("a webhook needs a url", details={"url": ["required"]})
        try:
            target = outbound.parse(url, self.allow_private)
            outbound.resolve(target, self.allow_private)
        except outbound.UnsafeURL as exc:
            raise ValidationFailed(str(exc), details={"url": [str(exc)]}) from None
        return url.strip()

    @staticmethod
    def _check_events(events: Any) -> list[str]:
        if not isinstance(events, list) or not events:
            raise ValidationFailed(
                'events is a list of event types, or ["*"] for all of them',
                details={"events": ["required"]},
            )
        unknown = [e for e in events if e != "*" and e not in outbox.EVENT_TYPES]
        if unknown:
            raise ValidationFailed(
                f"unknown event type {unknown[0]!r}; see the event catalogue",
                details={"events": [str(e) for e in unknown]},
            )
        return ["*"] if "*" in events else list(dict.fromkeys(events))

    @staticmethod
    def present(endpoint: Mapping[str, Any], secret: bool = False) -> dict[str, Any]:
        out = {
            "id": endpoint["public_id"],
            "url": endpoint["url"],
            "events": endpoint["events"],
            "description": endpoint["description"],
            "enabled": endpoint["enabled"],
            "created_at": endpoint["created_at"],
            "disabled_reason": endpoint["disabled_reason"],
        }
        if secret:
            out["secret"] = endpoint["secret"]
        return out

    @staticmethod
    def _check_description(value: Any) -> str:
        description = str(value or "")
        if len(description) > MAX_DESCRIPTION:
            raise ValidationFailed(
                f"a description is at most {MAX_DESCRIPTION} characters",
                details={"description": ["too long"]},
            )
        return description

    def create(self, app_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        description = self._check_description(data.get("description"))
        now = clock.iso()
        endpoint = {
            "public_id": new_id("whk_"),
            "app_id": app_id,
            "url": self._check_url(data.get("url")),
            "events": self._check_events(data.get("events")),
            "description": description,
            "enabled": bool(data.get("enabled", True)),
            "secret": new_secret(),
            "created_at": now,
            "updated_at": now,
            "disabled_reason": None,
        }
        with self.db.write() as conn:
            store.insert_endpoint(conn, endpoint)
        return self.present(endpoint, secret=True)

    def _endpoint(self, conn: sqlite3.Connection, app_id: str, public_id: str) -> dict[str, Any]:
        found = store.get_endpoint(conn, app_id, public_id)
        if found is None:
            raise NotFound("no such webhook endpoint")
        return found

    def endpoints(self, app_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [self.present(e) for e in store.list_endpoints(conn, app_id)]

    def get(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            return self.present(self._endpoint(conn, app_id, public_id))

    def update(self, app_id: str, public_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        if "url" in data:
            changes["url"] = self._check_url(data["url"])
        if "events" in data:
            changes["events"] = self._check_events(data["events"])
        if "description" in data:
            changes["description"] = self._check_description(data["description"])
        if "enabled" in data:
            changes["enabled"] = bool(data["enabled"])
            if changes["enabled"]:  # switched on again by a person: start afresh
                changes.update(disabled_reason=None, failing_since=None)
        with self.db.write() as conn:
            endpoint = self._endpoint(conn, app_id, public_id)
            changes["updated_at"] = clock.iso()
            store.update_endpoint(conn, endpoint["id"], changes)
            endpoint.update(changes)
        return self.present(endpoint)

    def delete(self, app_id: str, public_id: str) -> None:
        """Delete an endpoint: nothing more is sent to it; its delivery log stays readable
        through the rows it points at, and the id is never reused."""
        with self.db.write() as conn:
            endpoint = self._endpoint(conn, app_id, public_id)
            now = clock.iso()
            store.update_endpoint(
                conn, endpoint["id"], {"deleted_at": now, "enabled": False, "updated_at": now}
            )

    def rotate_secret(self, app_id: str, public_id: str) -> dict[str, Any]:
        """A new secret; the old one keeps signing (beside it) for :data:`ROTATION_GRACE`."""
        with self.db.write() as conn:
            endpoint = self._endpoint(conn, app_id, public_id)
            now = clock.now()
            changes = {
                "secret": new_secret(),
                "previous_secret": endpoint["secret"],
                "previous_secret_until": clock.iso(now + ROTATION_GRACE),
                "updated_at": clock.iso(now),
            }
            store.update_endpoint(conn, endpoint["id"], changes)
            endpoint.update(changes)
        return self.present(endpoint, secret=True)

    def send_test(self, app_id: str, public_id: str) -> dict[str, Any]:
        """Queue a ``webhook.test`` event to this endpoint only; returns the delivery."""
        with self.db.write() as conn:
            endpoint = self._endpoint(conn, app_id, public_id)
            now = clock.iso()
            event_public_id = new_id("evt_", 24)
            payload = {
                "id": event_public_id,
                "type": TEST_EVENT,
                "timestamp": now,
                "app_id": app_id,
                "data": {"endpoint": endpoint["public_id"], "message": "It works."},
            }
            event_id = outbox_store.insert_event(
                conn,
                public_id=event_public_id,
                app_id=app_id,
                type=TEST_EVENT,
                payload=payload,
                now=now,
            )
            delivery_id = self._queue_delivery(conn, endpoint["id"], event_id, now)
            assert delivery_id is not None  # a new event: no delivery exists yet
            delivery = store.get_delivery(conn, delivery_id)
            assert delivery is not None
            return self._present_delivery(delivery, [])

    # -- deliveries ---------------------------------------------------------------------------
    def _queue_delivery(
        self, conn: sqlite3.Connection, endpoint_id: int, event_id: int, now: str
    ) -> int | None:
        delivery_id = store.insert_delivery(conn, new_id("whd_"), endpoint_id, event_id, now)
        if delivery_id is not None:
            outbox_store.enqueue(conn, "webhook", delivery_id, now, now)
        return delivery_id

    def fan_out(self, conn: sqlite3.Connection, event: Mapping[str, Any]) -> int:
        """One delivery per endpoint listening to ``event``, queued in the caller's
        transaction (the fan-out job's); returns how many were queued."""
        now = clock.iso()
        queued = 0
        for endpoint in store.subscribed(conn, event["app_id"], event["type"]):
            if self._queue_delivery(conn, endpoint["id"], event["id"], now) is not None:
                queued += 1
        return queued

    @staticmethod
    def _present_delivery(
        delivery: Mapping[str, Any], attempts: Sequence[Mapping[str, Any]]
    ) -> dict[str, Any]:
        return {
            "id": delivery["public_id"],
            "event_id": delivery["event_public_id"],
            "event_type": delivery["event_type"],
            "state": delivery["state"],
            "attempts": [
                {
                    "at": a["attempted_at"],
                    "status_code": a["status_code"],
                    "duration_ms": a["duration_ms"],
                    "error": a["error"],
                    "response_excerpt": a["response_excerpt"],
                }
                for a in attempts
            ],
            "next_attempt_at": delivery["next_attempt_at"]
            if delivery["state"] in ("pending", "failing")
            else None,
            "created_at": delivery["created_at"],
        }

    def deliveries(
        self, app_id: str, public_id: str, *, cursor: int | None, limit: int
    ) -> tuple[list[dict[str, Any]], int | None]:
        with self.db.read() as conn:
            endpoint = self._endpoint(conn, app_id, public_id)
            rows = store.list_deliveries(conn, endpoint["id"], cursor, limit + 1)
            more = len(rows) > limit
            rows = rows[:limit]
            attempts = store.attempts_of(conn, [r["id"] for r in rows])
        items = [self._present_delivery(r, attempts[r["id"]]) for r in rows]
        return items, (rows[-1]["id"] if more else None)

    def retry(self, app_id: str, public_id: str, delivery_public_id: str) -> dict[str, Any]:
        """Send a delivery again now (after a fix on the receiver's side), whatever its state;
        a retry gets a fresh schedule and the endpoint is not re-enabled by it."""
        with self.db.write() as conn:
            endpoint = self._endpoint(conn, app_id, public_id)
            delivery = store.delivery_by_public_id(conn, endpoint["id"], delivery_public_id)
            if delivery is None:
                raise NotFound("no such delivery")
            now = clock.iso()
            store.update_delivery(
                conn,
                delivery["id"],
                state="pending",
                attempts=0,
                next_attempt_at=now,
                updated_at=now,
            )
            # One job per delivery: bring its waiting job forward; one being run now will
            # schedule the next attempt itself (from the reset count); only a finished
            # delivery gets a new job.
            if not outbox_store.hurry(conn, "webhook", delivery["id"], now):
                outbox_store.enqueue(conn, "webhook", delivery["id"], now, now)
            fresh = store.get_delivery(conn, delivery["id"])
            assert fresh is not None
            attempts = store.attempts_of(conn, [delivery["id"]])[delivery["id"]]
        return self._present_delivery(fresh, attempts)

    # -- sending (the worker) -----------------------------------------------------------------
    def signatures(self, endpoint: Mapping[str, Any], msg_id: str, when: float, body: str) -> str:
        stamp = datetime.fromtimestamp(when, tz=timezone.utc)
        keys = [endpoint["secret"]]
        until = endpoint.get("previous_secret_until")
        if endpoint.get("previous_secret") and until and until > clock.iso(when):
            keys.append(endpoint["previous_secret"])
        return " ".join(Webhook(key).sign(msg_id, stamp, body) for key in keys)

    def attempt(self, delivery_id: int, fence: Fence = _no_fence) -> float | None:
        """Make one attempt at a delivery; returns when to try again (UNIX time) or None
        when it is finished (delivered, given up, or no longer wanted).

        ``fence(conn)`` is called in the transaction that records the outcome and raises when
        this worker no longer holds the job (its lease ran out and another took it over): a
        late worker's outcome is then not written over the newer one."""
        with self.db.read() as conn:
            delivery = store.get_delivery(conn, delivery_id)
            endpoint = store.endpoint_by_id(conn, delivery["endpoint_id"]) if delivery else None
        if delivery is None or endpoint is None or delivery["state"] in ("delivered", "failed"):
            return None
        if not endpoint["enabled"] or endpoint["deleted_at"]:
            return None  # kept as it is in the log; "Retry" sends it once the endpoint is on
        body = json.dumps(
            json.loads(delivery["payload"]), ensure_ascii=False, separators=(",", ":")
        )
        when = clock.now()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": delivery["event_public_id"],
            "webhook-timestamp": str(int(when)),
            "webhook-signature": self.signatures(endpoint, delivery["event_public_id"], when, body),
        }
        answer = outbound.post(
            endpoint["url"],
            body.encode(),
            headers,
            allow_private=self.allow_private,
            timeout=self.timeout,
        )
        return self._record(delivery, endpoint, answer, when, fence)

    def _record(
        self,
        delivery: Mapping[str, Any],
        endpoint: Mapping[str, Any],
        answer: outbound.Answer,
        when: float,
        fence: Fence,
    ) -> float | None:
        now = clock.now()
        with self.db.write() as conn:
            fence(conn)
            current = store.get_delivery(conn, delivery["id"])
            # counted from the row as it is now: a Retry pressed meanwhile reset it
            made = (current["attempts"] if current else delivery["attempts"]) + 1
            store.insert_attempt(
                conn,
                delivery["id"],
                {
                    "attempted_at": clock.iso(when),
                    "duration_ms": answer.duration_ms,
                    "status_code": answer.status_code,
                    "error": answer.error,
                    "response_excerpt": answer.excerpt,
                },
            )
            if answer.ok:
                store.update_delivery(
                    conn,
                    delivery["id"],
                    state="delivered",
                    attempts=made,
                    next_attempt_at=None,
                    updated_at=clock.iso(now),
                )
                if endpoint["failing_since"]:
                    store.update_endpoint(conn, endpoint["id"], {"failing_since": None})
                return None
            delay = _delay(made, self._rng)
            store.update_delivery(
                conn,
                delivery["id"],
                state="failing" if delay is not None else "failed",
                attempts=made,
                next_attempt_at=clock.iso(now + delay) if delay is not None else None,
                updated_at=clock.iso(now),
            )
            self._note_failure(conn, endpoint, now)
        return now + delay if delay is not None else None

    def _note_failure(
        self, conn: sqlite3.Connection, endpoint: Mapping[str, Any], now: float
    ) -> None:
        fresh = store.endpoint_by_id(conn, endpoint["id"])
        if fresh is None or not fresh["enabled"]:
            return
        since = fresh["failing_since"]
        if since is None:
            store.update_endpoint(conn, fresh["id"], {"failing_since": clock.iso(now)})
            return
        if now - clock.parse_iso(since) < DISABLE_AFTER:
            return
        reason = f"switched off: every delivery failed since {since[:16].replace('T', ' ')} UTC"
        store.update_endpoint(
            conn,
            fresh["id"],
            {"enabled": False, "disabled_reason": reason, "updated_at": clock.iso(now)},
        )
        if self.on_disabled is not None:
            self.on_disabled(conn, fresh["app_id"], fresh, reason)
