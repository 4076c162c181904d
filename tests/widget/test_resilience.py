"""Never lose a ticket: offline, a stopped server, 5xx and lost responses queue the ticket
with its idempotency key and deliver it exactly once; an expired token is refreshed once."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from ..conftest import LiveServer
from ..servers import ServerProcess, init_data_dir
from .conftest import READY, Harness, outbox
from .site import HostSite

pytestmark = pytest.mark.browser
QUEUED = "Saved: we\u2019ll send it shortly"


@pytest.fixture(scope="module")
def support(tmp_path_factory: pytest.TempPathFactory, site: HostSite) -> Iterator[LiveServer]:
    """A server of this module's own, since these tests stop and start it."""
    data_dir = tmp_path_factory.mktemp("resilience") / "data"
    creds = init_data_dir(data_dir, site.origin)
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


def events_recorder() -> str:
    return """<script>
      window.SupportWidget = window.SupportWidget || function () {
        (window.SupportWidget.q = window.SupportWidget.q || []).push(arguments);
      };
      window.seen = [];
      for (const e of ["ticket:created", "ticket:queued"])
        SupportWidget("on", e, (d) => seen.push(e));
    </script>"""


def send(page: Any, subject: str, body: str = "It broke.") -> None:
    page.evaluate(f"SupportWidget('prefill', {{subject: {subject!r}, body: {body!r}}})")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()


def test_offline_ticket_is_queued_then_sent_once_when_back_online(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(events_recorder(), token=token))
    page.context.set_offline(True)
    send(page, "Offline one")
    assert page.locator("support-widget .done h3").inner_text() == QUEUED
    [entry] = outbox(page, harness.support.app_id)
    assert entry["queued"] is True
    assert len(entry["key"]) >= 16
    assert page.evaluate("seen") == ["ticket:queued"]
    page.locator("support-widget .done button", has_text="Back to help").click()
    page.locator("support-widget nav button", has_text="Messages").click()
    queued = page.locator("support-widget .list .item", has_text="Offline one")
    queued.wait_for()
    assert queued.locator(".badge").inner_text() == "Not sent yet"
    page.context.set_offline(False)  # fires "online"
    page.wait_for_function("() => seen.includes('ticket:created')")
    assert outbox(page, harness.support.app_id) == []
    assert [t["subject"] for t in harness.tickets_of(token)] == ["Offline one"]
    assert page.errors == []


def test_stopped_server_then_next_page_load_delivers_exactly_once(harness: Harness) -> None:
    token = harness.token(harness.user())
    url = harness.page_url(events_recorder(), token=token)
    page = harness.new_page(url)
    harness.support.process.stop()
    try:
        send(page, "While the server was down")
        assert page.evaluate("seen") == ["ticket:queued"]
        page.close()
    finally:
        harness.support.process.start()
    page = harness.new_page()  # a fresh tab of another session: nothing queued there
    page.goto(url)
    page.wait_for_function(READY)
    assert harness.tickets_of(token) == []
    same = harness.contexts[0].new_page()  # the same browser profile, next page load
    same.goto(url)
    same.wait_for_function("() => seen.includes('ticket:created')")
    assert outbox(same, harness.support.app_id) == []
    same.reload()
    same.wait_for_function(READY)
    assert [t["subject"] for t in harness.tickets_of(token)] == ["While the server was down"]


@pytest.mark.parametrize("failure", ["503", "lost response"])
def test_5xx_and_lost_responses_are_retried_with_the_same_key(
    harness: Harness, failure: str
) -> None:
    token = harness.token(harness.user())
    url = harness.page_url(events_recorder(), token=token)
    page = harness.new_page(url)
    keys: list[str] = []

    def fail(route: Any) -> None:
        keys.append(route.request.headers["idempotency-key"])
        if failure == "503":
            route.fulfill(status=503, json={"error": {"code": "unavailable", "message": "down"}})
        else:
            route.fetch()  # the server files the ticket...
            route.abort()  # ...but the answer never arrives

    page.route("**/api/v1/tickets", fail)
    send(page, f"Retried after {failure}")
    assert page.evaluate("seen") == ["ticket:queued"]
    page.unroute("**/api/v1/tickets")
    sent: list[str] = []
    page.on(
        "request",
        lambda r: (
            r.url.endswith("/api/v1/tickets")
            and r.method == "POST"
            and sent.append(r.headers["idempotency-key"])
        ),
    )
    page.reload()
    page.wait_for_function("() => seen.includes('ticket:created')")
    assert sent == keys  # the same key, so the server replays instead of filing it twice
    assert [t["subject"] for t in harness.tickets_of(token)] == [f"Retried after {failure}"]


def test_two_tabs_flushing_the_same_queue_file_it_once(harness: Harness) -> None:
    token = harness.token(harness.user())
    url = harness.page_url(events_recorder(), token=token)
    first = harness.new_page(url)
    first.context.set_offline(True)
    send(first, "Two tabs")
    second = first.context.new_page()
    first.context.set_offline(False)
    second.goto(url)
    second.wait_for_function(READY)
    first.wait_for_function(
        f"() => !JSON.parse(localStorage.getItem('support-widget:{harness.support.app_id}:outbox')"
        " || '[]').length"
    )
    second.wait_for_timeout(300)
    assert [t["subject"] for t in harness.tickets_of(token)] == ["Two tabs"]


def test_expired_token_is_refreshed_once_and_nothing_typed_is_lost(harness: Harness) -> None:
    user = harness.user()
    harness.site.mint = lambda: harness.token(user)
    harness.site.refreshes = 0
    url = harness.page_url(
        token=harness.expired_token(user), extra={"data-token-refresh-url": "/token"}
    )
    page = harness.new_page(url)
    attempts: list[int] = []
    page.on(
        "response",
        lambda r: r.url.endswith("/api/v1/tickets") and attempts.append(r.status),
    )
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .card").click()
    page.locator("support-widget [name=subject]").fill("Typed before expiry")
    page.locator("support-widget [name=body]").fill("Every word of this must arrive.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done h3", has_text="Message sent").wait_for()
    # The launcher's unread count usually meets the expired token first and refreshes it;
    # either way the token is refreshed once and the ticket is filed once, on the first try
    # with the fresh token (a 401 first only when filing was first to notice).
    assert attempts in ([401, 201], [201])
    assert harness.site.refreshes == 1
    [ticket] = harness.tickets_of(harness.token(user))
    assert ticket["body"] == "Every word of this must arrive."


def test_identify_with_a_function_refreshes_and_a_refused_refresh_queues(
    harness: Harness,
) -> None:
    user = harness.user()
    url = harness.page_url(token=harness.expired_token(user))
    page = harness.new_page(url)
    fresh = harness.token(user)
    page.evaluate(
        f"window.asked = 0;SupportWidget('identify', async () => {{ asked++; return {fresh!r}; }})"
    )
    send(page, "Via identify")
    assert page.evaluate("asked") == 1
    assert [t["subject"] for t in harness.tickets_of(fresh)] == ["Via identify"]

    other = harness.user()
    harness.site.mint = lambda: None  # the host says: nobody is signed in any more
    page = harness.new_page(
        harness.page_url(
            token=harness.expired_token(other), extra={"data-token-refresh-url": "/token"}
        )
    )
    send(page, "Kept for later")
    assert page.locator("support-widget .done h3").inner_text() == QUEUED
    [entry] = outbox(page, harness.support.app_id)
    assert "Kept for later" in entry["body"]
    page.evaluate(f"SupportWidget('identify', {harness.token(other)!r})")  # signed in again
    page.wait_for_function(
        f"() => !JSON.parse(localStorage.getItem('support-widget:{harness.support.app_id}:outbox')"
        " || '[]').length"
    )
    assert [t["subject"] for t in harness.tickets_of(harness.token(other))] == ["Kept for later"]


def test_a_queued_ticket_waits_for_its_own_user(harness: Harness) -> None:
    """On a shared browser, Ada's queued ticket is never sent with Bob's token."""
    ada, bob = harness.user("Ada"), harness.user("Bob")
    ada_url = harness.page_url(token=harness.token(ada))
    page = harness.new_page(ada_url)
    page.context.set_offline(True)
    send(page, "Ada's problem")
    bob_page = page.context.new_page()
    page.close()
    page.context.set_offline(False)
    bob_page.goto(harness.page_url(token=harness.token(bob)))
    bob_page.wait_for_function(READY)
    bob_page.wait_for_timeout(300)
    assert harness.tickets_of(harness.token(bob)) == []
    assert len(outbox(bob_page, harness.support.app_id)) == 1
    bob_page.goto(ada_url)
    bob_page.wait_for_function(
        f"() => !JSON.parse(localStorage.getItem('support-widget:{harness.support.app_id}:outbox')"
        " || '[]').length"
    )
    assert [t["subject"] for t in harness.tickets_of(harness.token(ada))] == ["Ada's problem"]
