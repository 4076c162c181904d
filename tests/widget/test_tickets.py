"""Reaching a person: the contact form (prefilled from the token, deflecting with matching
articles), one-click "Report a problem" with its context, and "My tickets" with replies and
a rating once solved."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from .conftest import Harness

pytestmark = pytest.mark.browser

SHADOW = "document.querySelector('support-widget').shadowRoot"


def contact(page: Any) -> None:
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .card").click()
    page.locator("support-widget form").wait_for()


def field(page: Any, name: str) -> Any:
    return page.locator(f"support-widget form [name={name}]")


def test_contact_form_prefilled_from_the_token_and_deflecting(harness: Harness) -> None:
    user = harness.user("Grace Hopper", "grace@example.com")
    token = harness.token(user)
    page = harness.new_page(harness.page_url(token=token, context="billing.refunds"))
    contact(page)
    assert field(page, "name").input_value() == "Grace Hopper"
    assert field(page, "email").input_value() == "grace@example.com"
    assert field(page, "email").get_attribute("readonly") == ""
    assert page.locator("support-widget label[for]", has_text="Email").count() == 1
    field(page, "subject").press_sequentially("I want a refund", delay=20)
    matches = page.locator("support-widget form section .item .t")
    matches.first.wait_for()
    shown = matches.all_inner_texts()
    assert "Request a refund" in shown
    # reading a suggestion and coming back keeps what was typed
    matches.first.click()
    page.locator("support-widget article h1").wait_for()
    page.locator("support-widget button[aria-label=Back]").click()
    assert field(page, "subject").input_value() == "I want a refund"
    page.locator("support-widget button[type=submit]").click()  # no message yet
    assert field(page, "body").get_attribute("aria-invalid") == "true"
    assert page.locator("support-widget .err:visible").inner_text() == "Please fill in this field."
    field(page, "body").fill("I was charged twice in March.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done h3", has_text="Message sent").wait_for()
    assert "grace@example.com" in page.locator("support-widget .done p").inner_text()
    [ticket] = harness.tickets_of(token)
    assert ticket["subject"] == "I want a refund"
    assert ticket["body"] == "I was charged twice in March."
    assert ticket["source"] == "widget"
    assert ticket["requester"]["email"] == "grace@example.com"
    context = ticket["context"]
    assert set(context["articles_shown"]) >= {"request-a-refund"}
    assert context["context_key"] == "billing.refunds"
    assert context["url"].startswith(harness.site.origin)


def test_report_a_problem_carries_the_context(harness: Harness) -> None:
    user = harness.user()
    token = harness.token(user)
    url = harness.page_url(
        '<button id="report" data-support-action="report">Report a problem</button>'
        '<button id="boom">Sync</button>',
        token=token,
        context="integrations.bank-feeds",
        locale="en-GB",
        app_version="4.5.6",
        extra={"data-capture-errors": True},
        title="Bank feeds · Ledgerly",
    )
    page = harness.new_page(
        url, viewport={"width": 1200, "height": 800}, timezone_id="Europe/Paris"
    )
    page.evaluate(
        "document.getElementById('boom').onclick = () => {"
        " setTimeout(() => { throw new Error('BankFeedError: timeout') }) }; true"
    )
    page.locator("#boom").click()
    page.wait_for_timeout(100)
    page.evaluate("SupportWidget('setCustomData', {plan: 'pro', seats: 12, drop: 1})")
    page.evaluate("SupportWidget('setCustomData', {drop: null})")
    page.locator("#report").click()
    page.locator("support-widget form").wait_for()
    assert field(page, "subject").input_value() == "Problem on “Bank feeds · Ledgerly”"
    assert page.locator("support-widget form section .item").count() == 0  # our words: no search
    field(page, "body").fill("The sync button does nothing.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    [ticket] = harness.tickets_of(token)
    context = ticket["context"]
    assert context["title"] == "Bank feeds · Ledgerly"
    assert context["url"] == url
    assert context["context_key"] == "integrations.bank-feeds"
    assert context["app_version"] == "4.5.6"
    assert context["locale"] == "en-GB"
    assert context["time_zone"] == "Europe/Paris"
    assert "Chrome" in context["user_agent"]
    assert context["viewport"] == {"width": 1200, "height": 800}
    assert context["custom"] == {"plan": "pro", "seats": 12}
    [error] = context["errors"]
    assert "BankFeedError: timeout" in error["message"]
    assert error["at"].endswith("Z")


def test_prefill_opens_a_one_click_ticket(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    page.evaluate(
        "SupportWidget('prefill', {subject: 'Export failed', body: 'CSV export stops at 50%'})"
    )
    page.locator("support-widget form").wait_for()
    assert field(page, "subject").input_value() == "Export failed"
    assert field(page, "body").input_value() == "CSV export stops at 50%"
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    assert [t["subject"] for t in harness.tickets_of(token)] == ["Export failed"]


def test_my_tickets_conversation_reply_and_rating(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token))
    page.evaluate("SupportWidget('prefill', {subject: 'Invoice total', body: 'INV-204 is wrong'})")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done .primary").click()  # "View my messages"
    row = page.locator("support-widget .list .item", has_text="Invoice total")
    row.wait_for()
    assert row.locator(".badge").inner_text() == "Received"
    [ticket] = harness.tickets_of(token)
    harness.agent("POST", f"/tickets/{ticket['id']}/messages", json={"body": "Fixed, sorry!"})
    harness.agent(
        "POST", f"/tickets/{ticket['id']}/messages", json={"body": "secret", "internal": True}
    )
    row.click()
    thread = page.locator("support-widget .thread li")
    thread.nth(1).wait_for()
    assert thread.count() == 2  # the internal note is not shown
    assert "Fixed, sorry!" in thread.nth(1).inner_text()
    assert page.locator("support-widget .ticket .badge").inner_text() == "Open"
    page.locator("support-widget .reply textarea").fill("Thanks, it looks right now.")
    page.locator("support-widget .reply [type=submit]").click()
    page.wait_for_function(f"() => {SHADOW}.querySelectorAll('.thread li').length === 3")
    assert page.locator("support-widget .rating").count() == 0  # not solved yet
    harness.agent("PATCH", f"/tickets/{ticket['id']}", json={"status": "solved"})
    page.locator("support-widget nav button", has_text="Messages").click()
    page.locator("support-widget .list .item .badge", has_text="Solved").click()
    rating = page.locator("support-widget .rating")
    rating.wait_for()
    rating.locator("button[type=submit]").click()
    assert rating.locator(".err").inner_text() == "Choose from 1 to 5 stars."
    rating.locator("label.star").nth(3).click()
    assert rating.locator("label.star.on").count() == 4
    rating.locator("textarea").fill("Quick and kind.")
    rating.locator("button[type=submit]").click()
    page.locator("support-widget .rated", has_text="4 out of 5").wait_for()
    assert harness.agent("GET", f"/tickets/{ticket['id']}")["rating"] == {
        "score": 4,
        "comment": "Quick and kind.",
    }
    messages = harness.agent("GET", f"/tickets/{ticket['id']}")["messages"]
    assert [m["body"] for m in messages if not m["internal"]][-1] == "Thanks, it looks right now."


def test_anonymous_visitor_gives_an_email_and_sees_their_ticket(harness: Harness) -> None:
    page = harness.new_page(harness.page_url())
    contact(page)
    assert field(page, "email").get_attribute("readonly") is None
    field(page, "body").fill("Do you support Swiss QR bills?")
    field(page, "email").fill("not-an-email")
    page.locator("support-widget button[type=submit]").click()
    assert field(page, "email").get_attribute("aria-invalid") == "true"
    assert "name@example.com" in page.locator("support-widget .err:visible").inner_text()
    field(page, "email").fill("visitor@example.com")
    field(page, "name").fill("Vera")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done .primary").click()
    page.locator("support-widget .list .item", has_text="Do you support Swiss QR bills?").wait_for()
    visitor_token = page.evaluate(
        f"localStorage.getItem('support-widget:{harness.support.app_id}:visitor')"
    )
    assert visitor_token.startswith("vt_")
    [ticket] = harness.tickets_of(visitor_token)
    assert ticket["requester"] == {
        "id": ticket["requester"]["id"],
        "kind": "visitor",
        "email": "visitor@example.com",
        "name": "Vera",
    }


STRAY_TEXT = f"""() => {{
    const dialog = {SHADOW}.querySelector('[role=dialog]');
    const walker = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
    const stray = [];
    while (walker.nextNode()) {{
        const text = walker.currentNode.data.trim();
        if (/^(false|true|null|undefined|NaN|\\[object Object\\])$/.test(text)) stray.push(text);
    }}
    return stray;
}}"""


@pytest.mark.parametrize("lang", ["en-US", None])
def test_a_conversation_with_an_agent_reply_shows_no_stray_words(
    harness: Harness, lang: str | None
) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(token=token, lang=lang))
    page.evaluate("SupportWidget('prefill', {subject: 'Bank feed 🏦', body: 'It stopped at 3 pm'})")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done .primary").click()  # "View my messages"
    [ticket] = harness.tickets_of(token)
    harness.agent("POST", f"/tickets/{ticket['id']}/messages", json={"body": "Looking 👀"})
    seen = {}
    for status in ("open", "pending", "solved", "closed"):
        if status != "open":
            harness.agent("PATCH", f"/tickets/{ticket['id']}", json={"status": status})
        page.locator("support-widget nav button", has_text="Messages").click()
        page.locator("support-widget .list .item", has_text="Bank feed 🏦").click()
        page.locator("support-widget .thread li").nth(1).wait_for()
        page.locator("support-widget .ticket .badge").wait_for()
        seen[status] = page.locator("support-widget .ticket .badge").inner_text()
        if status == "pending":
            page.screenshot(path="/tmp/widget-conversation.png")
        assert page.evaluate(STRAY_TEXT) == [], status
        assert "false" not in page.locator("support-widget .ticket").inner_text(), status
    assert seen == {
        "open": "Open",
        "pending": "Awaiting your reply",
        "solved": "Solved",
        "closed": "Closed",
    }


def test_no_falsy_child_is_ever_shown_as_text(harness: Harness) -> None:
    """dom.js, the one way views put nodes on screen, in the browser."""
    page = harness.new_page(harness.page_url())
    shown = page.evaluate(
        """async () => {
          const main = performance.getEntriesByType('resource').map((e) => e.name)
            .find((name) => name.endsWith('/main.js'));
          const { h, put, add } = await import(main.replace(/main\\.js$/, 'dom.js'));
          const el = h('p', {}, false, null, undefined, '', 0, [false, ['a', [null]]]);
          const before = el.textContent;
          put(el, 'b', false && 'x', [undefined]);
          add(el, null, false, 'c', 0);
          return [before, el.textContent, el.childNodes.length];
        }"""
    )
    assert shown == ["0a", "bc0", 3]


def test_a_merged_ticket_points_to_the_one_it_went_into_and_asks_no_rating(
    harness: Harness,
) -> None:
    token = harness.token(harness.user())
    mine = {"Authorization": f"Bearer {token}"}
    made = [
        requests.post(
            f"{harness.support.url}/api/v1/tickets",
            json={"subject": subject, "body": f"{subject}, please help"},
            headers=mine,
            timeout=10,
        ).json()
        for subject in ("Export is empty", "CSV blank again")
    ]
    harness.agent("POST", f"/tickets/{made[1]['id']}/merge", json={"into": made[0]["id"]})
    page = harness.new_page(harness.page_url(token=token))
    page.locator("support-widget .launcher").click()
    page.locator("support-widget nav button", has_text="Messages").click()
    items = page.locator("support-widget .list .item")
    items.filter(has_text=re.compile(r"^\s*CSV blank again")).click()
    merged = page.locator("support-widget .merged")
    merged.wait_for()
    assert "merged this conversation" in merged.inner_text()
    assert page.locator("support-widget .rating").count() == 0
    assert page.locator("support-widget .reply").count() == 0
    merged.locator("button").click()
    # the one it went into: the customer's own words of both, in the order written
    thread = page.locator("support-widget .thread li")
    page.wait_for_function(f"() => {SHADOW}.querySelectorAll('.thread li').length === 2")
    assert "CSV blank again, please help" in thread.nth(1).inner_text()
    assert page.locator("support-widget .ticket h3").inner_text() == "Export is empty"


def test_web_addresses_in_a_reply_are_links_and_nothing_else_is(harness: Harness) -> None:
    token = harness.token(harness.user())
    mine = {"Authorization": f"Bearer {token}"}
    ticket = requests.post(
        f"{harness.support.url}/api/v1/tickets",
        json={"subject": "Export", "body": "How do I export?"},
        headers=mine,
        timeout=10,
    ).json()
    harness.agent(
        "POST",
        f"/tickets/{ticket['id']}/messages",
        json={
            "body": "Export data: https://help.example.com/articles/export. Not this:"
            ' javascript:alert(1) <a href="https://evil.example">x</a>'
        },
    )
    page = harness.new_page(harness.page_url(token=token))
    page.locator("support-widget .launcher").click()
    page.locator("support-widget nav button", has_text="Messages").click()
    page.locator("support-widget .list .item").first.click()
    page.wait_for_function(f"() => {SHADOW}.querySelectorAll('.thread li').length === 2")
    links = page.locator("support-widget .thread li a")
    hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
    # each link is an address the text shows, as itself (the markup's address too: as text)
    assert hrefs == ["https://help.example.com/articles/export", "https://evil.example"]
    assert [links.nth(i).inner_text() for i in range(links.count())] == hrefs
    assert (
        '<a href="https://evil.example">x</a>'
        in page.locator("support-widget .thread li").nth(1).inner_text()
    )
