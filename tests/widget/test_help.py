"""Self-service help in the panel: suggestions for where the user is, search as you type,
articles, "was this helpful?", and contextual help triggers in the host product."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .conftest import Harness

pytestmark = pytest.mark.browser


def open_panel(page: Any) -> Any:
    page.locator("support-widget .launcher").click()
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    return dialog


def titles(page: Any, scope: str = "support-widget .body") -> list[str]:
    page.locator(f"{scope} .item .t").first.wait_for()
    return page.locator(f"{scope} .item .t").all_inner_texts()


def test_suggestions_follow_the_context_key(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(context="settings.security.2fa"))
    open_panel(page)
    assert titles(page)[0] == "Enable two-factor authentication"
    assert page.locator("support-widget h3.label").first.inner_text().lower() == (
        "suggested for this page"
    )


def test_suggestions_follow_the_url_without_a_context(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(path="/invoices/new"))
    open_panel(page)
    found = titles(page)
    assert {"Create an invoice", "Send your first invoice"} & set(found[:3])


def test_search_as_you_type_is_debounced_highlighted_and_forgives_typos(
    harness: Harness,
) -> None:
    page = harness.new_page(harness.page_url())
    searches: list[str] = []
    page.on("request", lambda r: "/help/search" in r.url and searches.append(r.url))
    open_panel(page)
    box = page.locator("support-widget input[type=search]")
    assert page.evaluate(
        "document.querySelector('support-widget').shadowRoot.activeElement.type"
    ) == ("search")
    box.press_sequentially("refnud", delay=40)
    page.locator("support-widget .dym").wait_for()
    assert len(searches) == 1  # one request for six keystrokes
    assert "q=refnud" in searches[0]
    assert page.locator("support-widget .dym").inner_text() == "Did you mean refund?"
    page.locator("support-widget .dym button").click()
    page.wait_for_function(
        "() => document.querySelector('support-widget').shadowRoot"
        ".querySelector('.body mark')?.textContent.toLowerCase().startsWith('refund')"
    )
    assert titles(page)[0] == "Request a refund"
    assert page.locator("support-widget [role=status]").first.inner_text().endswith("results")
    box.fill("")
    box.press_sequentially("zzzzqqqq")
    page.locator("support-widget .empty").wait_for()
    assert "No articles match “zzzzqqqq”." in page.locator("support-widget .empty").inner_text()


def test_article_view_back_and_was_this_helpful(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(context="billing.refunds"))
    open_panel(page)
    before = harness.agent("GET", "/articles", params={"limit": 200})["items"]
    votes = {a["slug"]: a["helpful_yes"] for a in before if a["locale"] == "en"}
    page.locator("support-widget .item", has_text="Request a refund").first.click()
    article = page.locator("support-widget article")
    article.locator("h1").wait_for()
    assert article.locator("h1").inner_text() == "Request a refund"
    assert (
        page.evaluate("document.querySelector('support-widget').shadowRoot.activeElement.localName")
        == "h1"
    )
    assert article.locator(".prose table").count() == 1
    assert article.locator(".prose h1").count() == 0  # the title is not repeated
    link = article.locator(".prose a", has_text="Refund a customer payment").first
    assert link.get_attribute("href") == "#refund-a-customer-payment"
    link.click()  # another article, opened in place
    page.wait_for_function(
        "() => document.querySelector('support-widget').shadowRoot.querySelector('article h1')"
        "?.textContent === 'Refund a customer payment'"
    )
    page.locator("support-widget button[aria-label=Back]").click()
    page.locator("support-widget article h1", has_text="Request a refund").wait_for()
    page.locator("support-widget .vote", has_text="Yes").click()
    page.locator("support-widget .thanks").wait_for()
    page.locator("support-widget button[aria-label=Back]").click()
    page.locator("support-widget input[type=search]").wait_for()
    page.wait_for_timeout(200)
    after = harness.agent("GET", "/articles", params={"limit": 200})["items"]
    refund = next(a for a in after if a["slug"] == "request-a-refund" and a["locale"] == "en")
    assert refund["helpful_yes"] == votes["request-a-refund"] + 1


def test_external_links_open_safely(harness: Harness) -> None:
    writer = harness.support.writer()
    slug = "links-everywhere"
    writer.articles.create(
        title="Links everywhere",
        slug=slug,
        body="See [the docs](https://example.com/docs) and [mail us](mailto:help@example.com).",
        status="published",
    )
    page = harness.new_page(harness.page_url())
    page.evaluate(f"SupportWidget('showArticle', '{slug}')")
    external = page.locator("support-widget .prose a", has_text="the docs")
    external.wait_for()
    assert external.get_attribute("target") == "_blank"
    assert external.get_attribute("rel") == "noopener noreferrer"
    assert external.get_attribute("href") == "https://example.com/docs"


def test_contextual_help_triggers(harness: Harness) -> None:
    body = """
      <h2 id="tax">Tax rate <span data-support-help="invoices.tax"></span></h2>
      <label for="cur">Currency</label>
      <input id="cur" data-support-help="invoice-in-multiple-currencies">
      <button id="own" data-support-help="article:set-up-payment-reminders">Reminders?</button>
    """
    page = harness.new_page(harness.page_url(body, context="invoices.create"))
    triggers = page.locator("support-help button")
    assert triggers.count() == 2
    assert triggers.nth(0).get_attribute("aria-label") == "Help: Tax rate"
    assert triggers.nth(1).get_attribute("aria-label") == "Help: Currency"
    assert page.locator("#own").get_attribute("aria-haspopup") == "dialog"
    assert page.locator("#cur + support-help").count() == 1  # beside the field, not inside it
    triggers.nth(0).focus()
    page.keyboard.press("Enter")
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    assert page.locator("support-widget h3.label").first.inner_text().lower() == (
        "articles about this"
    )
    assert "Add VAT and sales tax to invoices" in titles(page)[:2]
    page.keyboard.press("Escape")
    assert (
        page.evaluate(
            "document.activeElement.localName + ':' + document.activeElement.shadowRoot"
            ".activeElement.className"
        )
        == "support-help:help-trigger"
    )
    triggers.nth(1).click()
    page.locator("support-widget article h1", has_text="Invoice in multiple currencies").wait_for()
    page.keyboard.press("Escape")
    page.locator("#own").click()
    page.locator(
        "support-widget article h1", has_text="Set up automatic payment reminders"
    ).wait_for()


def test_triggers_added_later_and_context_changes_in_a_single_page_app(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(path="/dashboard", context="dashboard"))
    seen: list[str] = []
    page.on("request", lambda r: "/help/suggestions" in r.url and seen.append(r.url))
    page.evaluate(
        "const p = document.createElement('p'); p.textContent = 'Two-factor';"
        "p.dataset.supportHelp = 'settings.security.2fa'; document.body.append(p)"
    )
    page.locator("support-help button").wait_for()
    page.evaluate(
        "history.pushState(null, '', '/settings/security');"
        "SupportWidget('setContext', 'settings.security.2fa')"
    )
    open_panel(page)
    page.wait_for_function(
        "() => document.querySelector('support-widget').shadowRoot"
        ".querySelector('.item .t')?.textContent === 'Enable two-factor authentication'"
    )
    assert "context=settings.security.2fa" in seen[-1]
    assert "%2Fsettings%2Fsecurity" in seen[-1]
    page.evaluate("history.back()")  # the SPA's router goes back; the panel follows the URL
    page.wait_for_function("() => location.pathname === '/dashboard'")
    page.evaluate("SupportWidget('setContext', 'dashboard')")
    page.wait_for_function(
        "() => document.querySelector('support-widget').shadowRoot"
        ".querySelector('.item .t')?.textContent === 'Take a tour of the dashboard'"
    )
    assert "%2Fdashboard" in seen[-1]


def test_help_sessions_are_recorded_for_deflection_analytics(harness: Harness) -> None:
    before = harness.agent("GET", "/analytics/summary")["deflection"]["help_sessions"]
    # A person is their browser: a User-Agent of its own makes this one a new person.
    page = harness.new_page(
        harness.page_url(context="billing"), user_agent=f"Chromium (reader {uuid.uuid4()})"
    )

    def event(kind: str) -> Any:
        return page.expect_response(
            lambda r: "/help/events" in r.url and kind in (r.request.post_data or "")
        )

    with event("help_opened") as opened:
        open_panel(page)
    with event("article_viewed") as viewed:
        page.locator("support-widget .body .item").first.click()
    assert opened.value.status == viewed.value.status == 202
    after = harness.agent("GET", "/analytics/summary")["deflection"]["help_sessions"]
    assert after == before + 1  # one visit, however many events


def test_a_user_who_files_tickets_after_reading_help_on_several_pages_was_not_deflected(
    harness: Harness,
) -> None:
    """One person, one visit over two pages of the host (a new widget visit id on each),
    then two tickets: one help session, followed by a ticket. Another person only reads."""
    before = harness.agent("GET", "/analytics/summary")["deflection"]
    token = harness.token(harness.user())
    browser = {"user_agent": f"Chromium (asker {uuid.uuid4()})"}
    first = harness.new_page(harness.page_url(token=token, context="billing.refunds"), **browser)
    open_panel(first)
    with first.expect_response(
        lambda r: "/help/events" in r.url and "article_viewed" in (r.request.post_data or "")
    ):
        first.locator("support-widget .body .item").first.click()
    second = harness.new_page(harness.page_url(token=token, context="billing"), **browser)
    for subject in ("Refund not received", "Also: wrong VAT"):
        with second.expect_response(
            lambda r: "/help/events" in r.url and "ticket_created" in (r.request.post_data or "")
        ):
            second.evaluate(f"SupportWidget('prefill', {{subject: '{subject}', body: 'Help'}})")
            second.locator("support-widget button[type=submit]").click()
            second.locator("support-widget .done").wait_for()
    reader = harness.new_page(
        harness.page_url(context="billing"), user_agent=f"Chromium (reader {uuid.uuid4()})"
    )
    with reader.expect_response(lambda r: "/help/events" in r.url):
        open_panel(reader)
    after = harness.agent("GET", "/analytics/summary")["deflection"]
    assert after["help_sessions"] - before["help_sessions"] == 2
    assert after["followed_by_ticket"] - before["followed_by_ticket"] == 1
    assert after["deflected"] - before["deflected"] == 1
    assert len(harness.tickets_of(token)) == 2
