"""Verify the webhooks a Support SDK server sends (Standard Webhooks signatures).

>>> from support_sdk.webhooks import verify, WebhookVerificationError
>>> @app.post("/support-webhooks")                                    # doctest: +SKIP
... def receive():
...     try:
...         event = verify(request.get_data(), request.headers, SECRET)
...     except WebhookVerificationError:
...         return "", 400
...     if already_seen(event.id):   # deliveries are at least once: deduplicate by id
...         return "", 200
...     handle(event.type, event.data)
...     return "", 200

Install with ``pip install 'support-sdk[webhooks]'`` (the SDK's core needs only requests and
itsdangerous). Pass the body exactly as received (bytes, before any JSON parsing): the
signature covers those bytes. The check is the ``standardwebhooks`` package's (the spec's
reference code): ``webhook-signature`` must hold a ``v1`` HMAC-SHA256 of
``{webhook-id}.{webhook-timestamp}.{body}`` under the endpoint's secret (``whsec_…``), and the
timestamp must be within five minutes of now, so a captured request cannot be replayed
later. During a secret rotation the server signs with both secrets; either verifies.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

try:
    from standardwebhooks.webhooks import EmptyWebhookSecretError, Webhook
    from standardwebhooks.webhooks import WebhookVerificationError as _Failed
except ImportError:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "support_sdk.webhooks needs the standardwebhooks package: "
        "pip install 'support-sdk[webhooks]'"
    ) from None

__all__ = ["Event", "WebhookVerificationError", "verify"]


class WebhookVerificationError(Exception):
    """The request is not a webhook signed with this secret (or it is too old or too new)."""


@dataclass(frozen=True)
class Event:
    """One event: ``type`` (e.g. ``ticket.created``), ``data`` (the resource as the API
    returns it) and, for ``*.updated`` events, ``changes`` (``{field: {"from", "to"}}``)."""

    id: str
    type: str
    timestamp: str
    app_id: str
    data: Mapping[str, Any]
    changes: Mapping[str, Any] = field(default_factory=dict)
    actor: Mapping[str, Any] | None = None


def verify(body: bytes | str, headers: Mapping[str, str], secret: str) -> Event:
    """The event in ``body`` if ``headers`` carry a valid signature by ``secret``; raises
    :class:`WebhookVerificationError` otherwise (never another exception for bad input)."""
    try:
        text = body.decode("utf-8") if isinstance(body, bytes) else body
        plain = {str(k).lower(): str(v) for k, v in dict(headers).items()}
        payload = Webhook(secret).verify(text, plain)
    except (_Failed, EmptyWebhookSecretError) as exc:
        raise WebhookVerificationError(str(exc) or "no secret given") from None
    except (ValueError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        # a malformed signature list, a secret that is not base64, a body that is not JSON
        raise WebhookVerificationError(f"not a valid webhook: {exc}") from None
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise WebhookVerificationError("the body is not a Support SDK event")
    if payload.get("id") != plain.get("webhook-id"):
        raise WebhookVerificationError("the body's event id differs from webhook-id")
    try:
        return Event(
            id=str(payload["id"]),
            type=str(payload["type"]),
            timestamp=str(payload["timestamp"]),
            app_id=str(payload["app_id"]),
            data=payload["data"],
            changes=payload.get("changes") or {},
            actor=payload.get("actor"),
        )
    except KeyError as exc:
        raise WebhookVerificationError(f"the event has no {exc.args[0]!r}") from None
