"""Focus never falls out of the dialog when part of a view is redrawn in place.

Each test makes one in-place update happen the way a user does (a vote, a rating, a reply, a
"Try again", new search results, "did you mean", the contact form's outcome), then presses
Escape: the panel must close and focus must go back to the launcher. Were the focused button
replaced or disabled without moving focus, the key would land on the host page's body and the
panel would stay open.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from .conftest import READY, Harness

pytestmark = pytest.mark.browser

SHADOW = "document.querySelector('support-widget').shadowRoot"
INSIDE = f"{SHADOW}.querySelector('[role=dialog]').contains({SHADOW}.activeElement)"
LANGS = pytest.mark.parametrize("lang", ["en-US", None])


def escape_closes_the_panel(page: Any, after: str) -> None:
    assert page.evaluate(INSIDE), f"focus fell out of the dialog after {after}"
    page.keyboard.press("Escape")
    page.locator("support-widget [role=dialog]").wait_for(state="hidden")
    assert page.evaluate(f"{SHADOW}.activeElement?.className") == "launcher"


def open_panel(page: Any) -> None:
    page.locator("support-widget .launcher").click()
    page.locator("support-widget [role=dialog]").wait_for(state="visible")


def file_ticket(harness: Harness, page: Any, token: str, subject: str) -> str:
    page.evaluate(f"SupportWidget('prefill', {{subject: {subject!r}, body: 'It broke 💥'}})")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    [ticket] = [t for t in harness.tickets_of(token) if t["subject"] == subject]
    return str(ticket["id"])


def open_ticket(page: Any, subject: str) -> None:
    page.locator("support-widget nav button", has_text="Messages").click()
    page.locator("support-widget .list .item", has_text=subject).click()
    page.locator("support-widget .thread li").first.wait_for()


@LANGS
@pytest.mark.parametrize("helpful", ["Yes", "No"])
def test_after_a_vote(harness: Harness, helpful: str, lang: str | None) -> None:
    page = harness.new_page(harness.page_url(context="billing.refunds", lang=lang))
    open_panel(page)
    page.locator("support-widget .item", has_text="Request a refund").first.click()
    page.locator("support-widget article h1", has_text="Request a refund").wait_for()
    page.locator("support-widget .vote", has_text=helpful).click()
    page.locator("support-widget .thanks").wait_for()
    ask = page.locator("support-widget .ask").inner_text()
    assert "false" not in ask
    assert ("Send us a message" in ask) == (helpful == "No")
    page.screenshot(path=f"/tmp/widget-after-vote-{helpful.lower()}.png")
    escape_closes_the_panel(page, f"voting {helpful}")


@LANGS
def test_after_a_rating_and_after_a_reply(harness: Harness, lang: str | None) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token, lang=lang))
    ticket = file_ticket(harness, page, token, "Rate me")
    harness.agent("POST", f"/tickets/{ticket}/messages", json={"body": "Which invoice?"})
    harness.agent("PATCH", f"/tickets/{ticket}", json={"status": "pending"})
    open_ticket(page, "Rate me")
    page.locator("support-widget .reply textarea").fill("INV-204 😊")
    page.locator("support-widget .reply [type=submit]").click()  # reopens: the view is redrawn
    page.locator("support-widget .ticket .badge", has_text="Open").wait_for()
    page.wait_for_function(f"() => {SHADOW}.querySelectorAll('.thread li').length === 3")
    escape_closes_the_panel(page, "a reply that reopened the ticket")

    open_panel(page)
    page.locator("support-widget .reply textarea").fill("And INV-205.")
    page.locator("support-widget .reply [type=submit]").click()  # an open ticket: appended in place
    page.wait_for_function(f"() => {SHADOW}.querySelectorAll('.thread li').length === 4")
    escape_closes_the_panel(page, "a reply to an open ticket")

    harness.agent("PATCH", f"/tickets/{ticket}", json={"status": "solved"})
    open_panel(page)
    open_ticket(page, "Rate me")
    rating = page.locator("support-widget .rating")
    rating.locator("button[type=submit]").click()  # no score yet: an error in place
    rating.locator(".err").wait_for()
    escape_closes_the_panel(page, "a rating without a score")

    open_panel(page)
    rating.locator("label.star").nth(4).click()
    rating.locator("button[type=submit]").click()
    page.locator("support-widget .rated", has_text="5 out of 5").wait_for()
    escape_closes_the_panel(page, "a rating")


def fail_while(page: Any, pattern: str) -> list[bool]:
    """GET requests whose URL matches ``pattern`` fail (as offline) while the flag is set."""
    failing = [True]

    def handle(route: Any) -> None:
        if failing[0] and route.request.method == "GET":
            route.abort()
        else:
            route.continue_()

    page.route(re.compile(pattern), handle)
    return failing


def retry(page: Any, failing: list[bool]) -> None:
    again = page.locator("support-widget .note button", has_text="Try again")
    again.wait_for()
    failing[0] = False
    again.click()
    page.locator("support-widget .note").wait_for(state="detached")


def suggestions(harness: Harness, page: Any, token: str) -> None:
    open_panel(page)


def search(harness: Harness, page: Any, token: str) -> None:
    open_panel(page)
    page.locator("support-widget input[type=search]").fill("invoice")


def article(harness: Harness, page: Any, token: str) -> None:
    open_panel(page)
    page.locator("support-widget .body .item").first.click()


def tickets(harness: Harness, page: Any, token: str) -> None:
    file_ticket(harness, page, token, "Something to list")
    page.locator("support-widget nav button", has_text="Messages").click()


def ticket(harness: Harness, page: Any, token: str) -> None:
    file_ticket(harness, page, token, "Something to read")
    page.locator("support-widget nav button", has_text="Messages").click()
    page.locator("support-widget .list .item").first.click()


@pytest.mark.parametrize(
    ("pattern", "journey", "then"),
    [
        (r"/api/v1/help/suggestions\?", suggestions, ".body .item"),
        (r"/api/v1/help/search\?", search, ".body mark"),
        (r"/api/v1/help/articles/[^/]+\?", article, ".prose p"),
        (r"/api/v1/tickets\?", tickets, ".list .item"),
        (r"/api/v1/tickets/tkt_[^/?]+$", ticket, ".thread li"),
    ],
    ids=["suggestions", "search", "article", "tickets", "ticket"],
)
def test_after_try_again(
    harness: Harness, pattern: str, journey: Callable[[Harness, Any, str], None], then: str
) -> None:
    token = harness.token(harness.user())
    page = harness.new_page()
    failing = fail_while(page, pattern)
    page.goto(harness.page_url(token=token))
    page.wait_for_function(READY)
    journey(harness, page, token)
    retry(page, failing)
    page.locator(f"support-widget {then}").first.wait_for()
    escape_closes_the_panel(page, f"Try again ({journey.__name__})")


@LANGS
def test_after_new_search_results_and_did_you_mean(harness: Harness, lang: str | None) -> None:
    # data-locale: search in "en-US" is the server's business (locale resolution), not this test's
    page = harness.new_page(harness.page_url(lang=lang, locale="en"))
    open_panel(page)
    box = page.locator("support-widget input[type=search]")
    box.fill("invoice")
    result = page.locator("support-widget .body .item:has(mark)").first
    result.focus()  # reading the results when they are replaced (a new query, a host's command)
    box.evaluate("el => { el.value = 'refnud'; el.dispatchEvent(new Event('input')); }")
    page.locator("support-widget .dym").wait_for()
    escape_closes_the_panel(page, "new search results")

    open_panel(page)
    page.locator("support-widget .dym button").click()
    page.locator("support-widget .dym").wait_for(state="detached")
    page.locator("support-widget .body mark").first.wait_for()
    escape_closes_the_panel(page, "did you mean")


def refuse(harness: Harness) -> Callable[[Any], None]:
    def handle(route: Any) -> None:
        if route.request.method != "POST":
            return route.continue_()
        route.fulfill(
            status=422,
            json={
                "error": {
                    "code": "validation_error",
                    "message": "invalid",
                    "details": {"body": ["too long"]},
                }
            },
            headers={"Access-Control-Allow-Origin": harness.site.origin},
        )

    return handle


@LANGS
@pytest.mark.parametrize("outcome", ["sent", "queued", "rejected"])
def test_after_the_contact_forms_outcome(harness: Harness, outcome: str, lang: str | None) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token, lang=lang))
    if outcome == "queued":
        page.route("**/api/v1/tickets", lambda route: route.abort())
    elif outcome == "rejected":
        page.route("**/api/v1/tickets", refuse(harness))
    page.evaluate("SupportWidget('prefill', {subject: 'Outcome', body: 'Tell me 🙂'})")
    page.locator("support-widget button[type=submit]").click()
    if outcome == "rejected":
        page.locator("support-widget [role=alert] .note").wait_for()
    else:
        page.locator("support-widget .done").wait_for()
    escape_closes_the_panel(page, f"a contact form {outcome}")
