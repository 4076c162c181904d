"""Live updates in the widget: a count on the launcher when an agent has replied, unread
markers in Messages, and the open conversation showing a new reply within 10 s, all by
cheap polling (304 while nothing changed), in real Chromium."""

from __future__ import annotations

import pytest
import requests

from .conftest import Harness

pytestmark = pytest.mark.browser


def _file(harness: Harness, token: str, body: str) -> str:
    r = requests.post(
        f"{harness.support.url}/api/v1/tickets",
        json={"body": body},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    r.raise_for_status()
    return str(r.json()["id"])


def _answer(harness: Harness, ticket_id: str, body: str) -> None:
    harness.agent("POST", f"/tickets/{ticket_id}/messages", json={"body": body})


def test_the_launcher_counts_unread_replies_and_reading_clears_it(harness: Harness) -> None:
    token = harness.token(harness.user("Ana Lima", "ana@example.com"))
    first = _file(harness, token, "Export fails")
    _file(harness, token, "Second question")
    page = harness.new_page(harness.page_url(token=token))
    launcher = page.locator("support-widget .launcher")
    seen: list[int] = []
    page.on(
        "response",
        lambda r: seen.append(r.status) if "/api/v1/tickets/unread" in r.url else None,
    )
    _answer(harness, first, "Fixed it: try again.")
    page.wait_for_function(
        "document.querySelector('support-widget').shadowRoot"
        ".querySelector('.launcher').dataset.unread === '1'",
        timeout=15_000,
    )
    assert "1 new reply" in (launcher.get_attribute("aria-label") or "")
    page.screenshot(path="/tmp/widget-badge.png")  # for a person to look at
    launcher.click()
    page.locator("support-widget nav button", has_text="Messages").click()
    unread = page.locator("support-widget .list li", has=page.locator(".badge.unread"))
    unread.wait_for()
    assert unread.count() == 1 and "Export fails" in unread.inner_text()
    unread.locator("button").click()
    page.locator("support-widget .thread li", has_text="Fixed it: try again.").wait_for()
    # read: the count goes away, and so does the marker
    page.wait_for_function(
        "!('unread' in document.querySelector('support-widget').shadowRoot"
        ".querySelector('.launcher').dataset)",
        timeout=15_000,
    )
    # the next poll finds nothing new: a 304, with no body
    with page.expect_response(
        lambda r: "/api/v1/tickets/unread" in r.url and r.status == 304, timeout=15_000
    ):
        pass
    assert seen[:1] == [200]


def test_the_open_conversation_shows_a_new_reply_and_keeps_the_one_being_written(
    harness: Harness,
) -> None:
    token = harness.token(harness.user("Bo Chen", "bo@example.com"))
    ticket = _file(harness, token, "Where is my receipt? 🧾")
    page = harness.new_page(harness.page_url(token=token))
    page.locator("support-widget .launcher").click()
    page.locator("support-widget nav button", has_text="Messages").click()
    page.locator("support-widget .list button").first.click()
    page.locator("support-widget .thread").wait_for()
    box = page.locator("support-widget .reply textarea")
    box.fill("Half-written answer")
    _answer(harness, ticket, "It is under Billing → Receipts.")
    page.locator("support-widget .thread li", has_text="It is under Billing → Receipts.").wait_for(
        timeout=15_000
    )
    assert box.input_value() == "Half-written answer"
    page.screenshot(path="/tmp/widget-live-conversation.png")  # for a person to look at
