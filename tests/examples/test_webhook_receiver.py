"""The webhook receiver example against a real server and its worker, both on 127.0.0.1:
a filed ticket is processed once, a redelivery of the same event ("Retry") is answered 200
and not processed again, and a forged request is refused with 400."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server

from examples.webhook_receiver import create_app
from support_sdk.testing import SupportServer, free_port

ALLOW = {"SUPPORT_WEBHOOK_ALLOW_PRIVATE": "true"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[SupportServer]:
    process = SupportServer.start_new(tmp_path / "data", env=ALLOW)
    try:
        yield process
    finally:
        process.stop()


def _admin(server: SupportServer) -> dict[str, str]:
    return {"Authorization": f"Bearer {server.admin_api_key}"}


def _until(check: Any, what: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.1)


@pytest.fixture
def receiver(server: SupportServer, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """The example app served for real, with an endpoint pointing at it."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    endpoint = requests.post(
        f"{server.url}/api/v1/webhooks",
        json={"url": f"{url}/webhooks", "events": ["ticket.created"]},
        headers=_admin(server),
        timeout=10,
    ).json()
    app = create_app({"WEBHOOK_SECRET": endpoint["secret"], "WEBHOOK_DB": tmp_path / "hooks.db"})
    http = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=http.serve_forever, daemon=True)
    thread.start()
    try:
        yield {"url": url, "endpoint": endpoint}
    finally:
        http.shutdown()


def _deliveries(server: SupportServer, endpoint_id: str) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = requests.get(
        f"{server.url}/api/v1/webhooks/{endpoint_id}/deliveries",
        headers=_admin(server),
        timeout=10,
    ).json()["items"]
    return items


def test_processed_once_even_when_redelivered_and_forgeries_refused(
    server: SupportServer, receiver: dict[str, Any]
) -> None:
    endpoint = receiver["endpoint"]
    ticket = requests.post(
        f"{server.url}/api/v1/tickets",
        json={"body": "The CSV export is empty", "email": "ana@example.com"},
        headers=_admin(server),
        timeout=10,
    ).json()

    def seen() -> dict[str, Any] | None:
        got: dict[str, Any] = requests.get(f"{receiver['url']}/events", timeout=5).json()
        return got if got["events"] else None

    got = _until(seen, "the receiver to process the event")
    assert [e["type"] for e in got["events"]] == ["ticket.created"]
    assert [t["id"] for t in got["new_tickets"]] == [ticket["id"]]

    # "Retry": the same event again, same webhook-id; answered 200, processed no second time
    delivery = _until(
        lambda: next(
            (d for d in _deliveries(server, endpoint["id"]) if d["state"] == "delivered"), None
        ),
        "the delivery to be logged as delivered",
    )
    requests.post(
        f"{server.url}/api/v1/webhooks/{endpoint['id']}/deliveries/{delivery['id']}/retry",
        headers=_admin(server),
        timeout=10,
    ).raise_for_status()
    again = _until(
        lambda: next(
            (
                d
                for d in _deliveries(server, endpoint["id"])
                if d["id"] == delivery["id"]
                and d["state"] == "delivered"
                and len(d["attempts"]) == 2
            ),
            None,
        ),
        "the redelivery",
    )
    assert [a["status_code"] for a in again["attempts"]] == [200, 200]
    assert json.loads(again["attempts"][-1]["response_excerpt"])["duplicate"] is True
    after = requests.get(f"{receiver['url']}/events", timeout=5).json()
    assert len(after["events"]) == 1 and len(after["new_tickets"]) == 1

    # a forged request: a real event's shape, signed with another key
    body = json.dumps({"id": "evt_forged", "type": "ticket.created", "data": {"id": "x"}})
    forged = requests.post(
        f"{receiver['url']}/webhooks",
        data=body,
        headers={
            "content-type": "application/json",
            "webhook-id": "evt_forged",
            "webhook-timestamp": str(int(time.time())),
            "webhook-signature": "v1,bm90IGEgcmVhbCBzaWduYXR1cmU=",
        },
        timeout=5,
    )
    assert forged.status_code == 400
    assert "bad signature" in forged.json()["error"]
    unsigned = requests.post(f"{receiver['url']}/webhooks", data=body, timeout=5)
    assert unsigned.status_code == 400
    final = requests.get(f"{receiver['url']}/events", timeout=5).json()
    assert len(final["events"]) == 1 and len(final["new_tickets"]) == 1


def test_the_receiver_refuses_to_start_without_its_secret(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="WEBHOOK_SECRET"):
        create_app({"WEBHOOK_DB": tmp_path / "x.db"})
