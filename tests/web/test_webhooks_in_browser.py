"""The webhook admin pages in real Chromium against a real server, its worker and a real
receiver on 127.0.0.1: add an endpoint (its secret shown once), send a test event and see
it delivered, make the receiver fail and see the failed attempt, fix it and press Retry.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh the pictures in the docs."""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from support_sdk import webhooks

from ..conftest import LiveServer
from ..servers import ServerProcess, cli, init_data_dir
from ..worker.receivers import Receiver, http_receiver
from .conftest import USERS, Staff, audit_forms, create_users, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def hooks_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("hooks") / "data"
    creds = init_data_dir(data_dir)
    create_users(data_dir)
    env = {"SUPPORT_WEBHOOK_ALLOW_PRIVATE": "true"}
    with ServerProcess(data_dir, creds, env=env) as process:
        yield LiveServer(process, creds)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with http_receiver() as r:
        yield r


def _shoot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / f"admin-webhooks-{name}.png"), full_page=True)


def _row_state(page: Any, server: LiveServer, endpoint_url: str, state: str) -> Any:
    """Reload the endpoint page until its newest delivery is in ``state``; that row."""
    deadline = time.monotonic() + 20
    while True:
        page.goto(endpoint_url)
        row = page.locator("table.deliveries tbody tr").first
        if row.count() and row.get_attribute("data-state") == state:
            return row
        if time.monotonic() > deadline:
            pytest.fail(f"the newest delivery never became {state}: {page.content()[-2000:]}")
        time.sleep(0.3)


def test_add_test_fail_retry(
    hooks_server: LiveServer, browser_page: Any, receiver: Receiver, tmp_path: Path
) -> None:
    page = browser_page
    sign_in(page, hooks_server, "admin")
    page.click("nav >> text=Webhooks")
    page.wait_for_selector("h1:text('Webhooks')")
    page.click("text=Add endpoint")
    audit_forms(page)
    page.fill("#f-url", receiver.url)
    page.check("input[name=events][value='ticket.created']")
    page.check("input[name=events][value='message.created']")
    page.fill("#f-description", "CRM sync <test>")
    page.click("form.webhook-form button[type=submit]")

    # the secret, once, with a copy button
    page.wait_for_selector("h1:text('Endpoint added')")
    secret = page.input_value("#secret")
    assert secret.startswith("whsec_")
    assert page.locator("button[data-copy=secret]").is_visible()
    assert "shown only this once" in page.inner_text(".secret-once")
    _shoot(page, tmp_path, "secret-once")
    page.click("text=I have copied it")
    page.wait_for_selector("h1.endpoint-url")
    endpoint_url = page.url
    assert secret not in page.content()
    page.goto(hooks_server.url + "/admin/webhooks/")
    assert secret not in page.content()
    row = page.locator("tr[data-endpoint]")
    assert receiver.url in row.inner_text()
    assert "CRM sync <test>" in row.inner_text()  # shown as text, not markup

    # a test event reaches the receiver, signed with that secret, and is logged as delivered
    page.goto(endpoint_url)
    audit_forms(page)
    with page.expect_navigation(url="**notice=tested"):
        page.click("text=Send test event")
    got = receiver.wait_for(1)[0]
    event = webhooks.verify(got.body, got.headers, secret)
    assert event.type == "webhook.test"
    row = _row_state(page, hooks_server, endpoint_url, "delivered")
    assert event.id in row.inner_text()
    assert "webhook.test" in row.inner_text()
    assert row.locator("li.attempt .status").first.inner_text() == "200"

    # the receiver fails: the failed attempt shows its status and error
    receiver.script = [500] * 20
    with page.expect_navigation(url="**notice=tested"):
        page.click("text=Send test event")
    receiver.wait_for(2)
    row = _row_state(page, hooks_server, endpoint_url, "failing")
    attempt = row.locator("li.attempt").first
    assert attempt.locator(".status").inner_text() == "500"
    assert attempt.locator(".attempt-error").inner_text() == "HTTP 500"
    assert attempt.locator(".excerpt").inner_text() == "receiver says no"
    failed_id = row.get_attribute("data-delivery")

    # fixed: Retry delivers it, with the same webhook-id
    with receiver.lock:
        receiver.script = []
        before = len(receiver.requests)
    with page.expect_navigation(url="**notice=retried"):
        row.locator("button:text('Retry')").click()
    got = receiver.wait_for(before + 1)[-1]
    row = _row_state(page, hooks_server, endpoint_url, "delivered")
    assert row.get_attribute("data-delivery") == failed_id
    statuses = row.locator("li.attempt .status").all_inner_texts()
    assert statuses[0] == "500" and statuses[-1] == "200"
    assert got.headers["webhook-id"] == receiver.requests[1].headers["webhook-id"]
    assert page.errors == []
    _shoot(page, tmp_path, "endpoint")
    page.goto(hooks_server.url + "/admin/webhooks/")
    assert "delivered" in page.locator("tr[data-endpoint]").inner_text().lower()
    _shoot(page, tmp_path, "list")


def test_rotate_switch_off_and_delete(
    hooks_server: LiveServer, browser_page: Any, receiver: Receiver
) -> None:
    page = browser_page
    page.confirm = True
    sign_in(page, hooks_server, "admin")
    page.goto(hooks_server.url + "/admin/webhooks/new")
    page.fill("#f-url", receiver.url + "/rotate")
    page.check("input[name=events][value='*']")
    page.click("form.webhook-form button[type=submit]")
    old = page.input_value("#secret")
    page.click("text=I have copied it")
    endpoint_url = page.url
    page.click("button:text('Rotate secret')")
    page.wait_for_selector("h1:text('New signing secret')")
    new = page.input_value("#secret")
    assert new.startswith("whsec_") and new != old
    assert "24 hours" in page.inner_text(".secret-once")
    # both secrets sign for now
    page.goto(endpoint_url)
    with page.expect_navigation(url="**notice=tested"):
        page.click("text=Send test event")
    got = receiver.wait_for(1)[0]
    assert (
        webhooks.verify(got.body, got.headers, old).id
        == webhooks.verify(got.body, got.headers, new).id
    )
    with page.expect_navigation(url="**notice=disabled"):
        page.click("button:text('Switch off')")
    assert page.locator("button:text('Send test event')").is_disabled()
    with page.expect_navigation(url="**notice=enabled"):
        page.click("button:text('Switch on')")
    page.click("a:text('Edit')")
    page.uncheck("input[name=events][value='*']")
    with page.expect_navigation(url="**/admin/webhooks/*"):
        page.click("form.webhook-form button[type=submit]")
    assert "Choose at least one event" in page.inner_text(".alert.bad")
    assert page.input_value("#f-url") == receiver.url + "/rotate"
    page.check("input[name=events][value='ticket.rated']")
    with page.expect_navigation(url="**notice=updated"):
        page.click("form.webhook-form button[type=submit]")
    assert "ticket.rated" in page.inner_text(".card-body")
    with page.expect_navigation(url="**notice=deleted"):
        page.click("button:text('Delete endpoint')")
    assert ("confirm", page.dialogs[-1][1]) == page.dialogs[-1] and "Delete" in page.dialogs[-1][1]
    assert receiver.url + "/rotate" not in page.content()


def test_a_receivers_answer_is_shown_as_text_never_run(
    hooks_server: LiveServer, browser_page: Any
) -> None:
    hostile = b'<img src=x onerror="window.__xss = 1"><script>window.__xss = 2</script>'

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(500)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(hostile)))
            self.end_headers()
            self.wfile.write(hostile)

        def log_message(self, *args: Any) -> None:
            pass

    http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=http.serve_forever, daemon=True).start()
    try:
        admin = {"Authorization": f"Bearer {hooks_server.admin_key}"}
        endpoint = requests.post(
            hooks_server.url + "/api/v1/webhooks",
            json={"url": f"http://127.0.0.1:{http.server_address[1]}/", "events": ["*"]},
            headers=admin,
            timeout=10,
        ).json()
        requests.post(
            f"{hooks_server.url}/api/v1/webhooks/{endpoint['id']}/test", headers=admin, timeout=10
        ).raise_for_status()
        page = browser_page
        sign_in(page, hooks_server, "admin")
        endpoint_url = f"{hooks_server.url}/admin/webhooks/{endpoint['id']}"
        row = _row_state(page, hooks_server, endpoint_url, "failing")
        assert row.locator(".excerpt").inner_text() == hostile.decode()
        assert page.evaluate("window.__xss") is None
        assert page.locator(".excerpt img, .excerpt script").count() == 0
    finally:
        http.shutdown()
        http.server_close()


def test_an_admin_of_another_app_cannot_see_or_touch_this_apps_endpoints(
    hooks_server: LiveServer,
) -> None:
    made = json.loads(
        cli("apps", "create", "Other", "--json", "--data-dir", str(hooks_server.data_dir)).stdout
    )
    create_users(hooks_server.data_dir, app=made["app_id"], suffix="-other")
    admin = {"Authorization": f"Bearer {hooks_server.admin_key}"}
    endpoint = requests.post(
        hooks_server.url + "/api/v1/webhooks",
        json={"url": "http://127.0.0.1:9/mine", "events": ["*"]},
        headers=admin,
        timeout=10,
    ).json()
    other = Staff(hooks_server)
    try:
        assert other.sign_in(USERS["admin"] + "-other").status_code == 303
        listing = other.get("/admin/webhooks/")
        assert listing.status_code == 200 and "127.0.0.1:9/mine" not in listing.text
        base = f"/admin/webhooks/{endpoint['id']}"
        assert other.get(base).status_code == 404
        for action in ("/test", "/rotate-secret", "/delete"):
            assert other.post(base + action).status_code == 404
        assert other.post(base + "/switch", {"enabled": "off"}).status_code == 404
    finally:
        other.close()
    still = requests.get(
        f"{hooks_server.url}/api/v1/webhooks/{endpoint['id']}", headers=admin, timeout=10
    ).json()
    assert still["enabled"] is True
