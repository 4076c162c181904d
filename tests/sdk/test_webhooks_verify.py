"""support_sdk.webhooks.verify: what it accepts and refuses, by itself (the live tests check it
against the server's deliveries)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from datetime import datetime, timezone

import pytest
from standardwebhooks.webhooks import Webhook

from support_sdk import webhooks

SECRET = "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def _signed(payload: dict[str, object], when: float | None = None) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(payload, ensure_ascii=False)
    stamp = int(when if when is not None else time.time())
    sig = Webhook(SECRET).sign(
        str(payload.get("id")), datetime.fromtimestamp(stamp, tz=timezone.utc), body
    )
    headers = {
        "Webhook-Id": str(payload.get("id")),
        "Webhook-Timestamp": str(stamp),
        "Webhook-Signature": sig,
    }
    return body.encode(), headers


EVENT = {
    "id": "evt_1",
    "type": "ticket.created",
    "timestamp": "t",
    "app_id": "app_1",
    "data": {"id": "tkt_1"},
}


def test_a_signed_event_is_returned_whatever_the_header_case() -> None:
    body, headers = _signed(EVENT)
    event = webhooks.verify(body, headers, SECRET)
    assert (event.id, event.type, event.data["id"]) == ("evt_1", "ticket.created", "tkt_1")


@pytest.mark.parametrize(
    "spoil",
    [
        lambda b, h: (b + b" ", h),  # the body changed
        lambda b, h: (b, {**h, "Webhook-Signature": "v1,AAAA"}),
        lambda b, h: (b, {**h, "Webhook-Signature": "garbage"}),  # not even v1,<sig>
        lambda b, h: (b, {k: v for k, v in h.items() if k != "Webhook-Id"}),
        lambda b, h: (b, {**h, "Webhook-Timestamp": "not a number"}),
        lambda b, h: (b"\xff\xfe", h),  # not UTF-8
    ],
)
def test_anything_else_is_a_verification_error_never_another_exception(spoil: object) -> None:
    body, headers = _signed(EVENT)
    bad_body, bad_headers = spoil(body, headers)  # type: ignore[operator]
    with pytest.raises(webhooks.WebhookVerificationError):
        webhooks.verify(bad_body, bad_headers, SECRET)


def test_an_old_delivery_or_a_body_of_another_event_is_refused() -> None:
    body, headers = _signed(EVENT, when=time.time() - 3600)
    with pytest.raises(webhooks.WebhookVerificationError, match="too old"):
        webhooks.verify(body, headers, SECRET)
    other, headers = _signed({**EVENT, "id": "evt_2"})
    headers["Webhook-Id"] = "evt_2"
    # signed, but the body is not an event of ours
    not_ours, h2 = _signed({"id": "evt_3"})
    with pytest.raises(webhooks.WebhookVerificationError, match="not a Support SDK event"):
        webhooks.verify(not_ours, h2, SECRET)
    assert webhooks.verify(other, headers, SECRET).id == "evt_2"


def test_without_the_extra_the_import_says_what_to_install() -> None:
    code = (
        "import sys; sys.modules['standardwebhooks'] = None\n"
        "try:\n    import support_sdk.webhooks\nexcept ImportError as e:\n    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert "pip install 'support-sdk[webhooks]'" in out.stdout
