"""Nothing anyone writes can run: classic XSS payloads in article HTML, ticket subjects and
bodies, names, agent replies and search queries are shown as text, in a real browser."""

from __future__ import annotations

from typing import Any

import pytest

from .conftest import Harness

pytestmark = pytest.mark.browser

PAYLOADS = [
    "<script>window.__xss = 'script'</script>",
    "<img src=x onerror=\"window.__xss = 'img'\">",
    "<svg onload=\"window.__xss = 'svg'\"></svg>",
    '"><iframe srcdoc="<script>parent.__xss = \'iframe\'</script>"></iframe>',
    "<a href=\"javascript:window.__xss = 'href'\">click me</a>",
    "<details open ontoggle=\"window.__xss = 'toggle'\">x</details>",
    "<math><mtext><table><mglyph><style><img src=x onerror=\"window.__xss = 'mxss'\">",
]
TEXT = " ".join(PAYLOADS)


def armed(page: Any) -> None:
    page.on("dialog", lambda dialog: (page.errors.append("dialog"), dialog.dismiss()))


def assert_nothing_ran(page: Any) -> None:
    page.wait_for_timeout(300)  # let any onerror/onload fire if it were going to
    assert page.evaluate("window.__xss") is None
    assert page.errors == []


def test_article_html_cannot_execute(harness: Harness) -> None:
    writer = harness.support.writer()
    links = "[js link](javascript:alert(1)) and [ok](create-an-invoice)"
    body = "# Payloads\n\n" + links + "\n\n" + "\n\n".join(PAYLOADS)
    writer.articles.create(title="Payloads", slug="xss-payloads", body=body, status="published")
    page = harness.new_page(harness.page_url())
    armed(page)
    page.evaluate("SupportWidget('showArticle', 'xss-payloads')")
    prose = page.locator("support-widget .prose")
    prose.locator("a", has_text="ok").wait_for()
    assert prose.locator("script, iframe, svg, style, math, [onerror], [onload]").count() == 0
    hrefs = prose.locator("a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    assert all(h is None or not h.lower().startswith("javascript") for h in hrefs)
    assert "[js link](javascript:alert(1))" in prose.inner_text()  # not a link at all
    prose.locator("a", has_text="click me").click()  # its javascript: href was dropped
    assert_nothing_ran(page)


def test_ticket_strings_are_text(harness: Harness) -> None:
    user = harness.user(name="<img src=x onerror=\"window.__xss = 'name'\">")
    token = harness.token(user)
    page = harness.new_page(harness.page_url(token=token))
    armed(page)
    page.evaluate(
        "SupportWidget('prefill', {subject: arguments[0], body: arguments[1]})".replace(
            "arguments[0]", repr(PAYLOADS[1])
        ).replace("arguments[1]", repr(TEXT))
    )
    assert page.locator("support-widget [name=name]").input_value() == user["name"]
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done .primary").click()
    [ticket] = harness.tickets_of(token)
    harness.agent("POST", f"/tickets/{ticket['id']}/messages", json={"body": PAYLOADS[0]})
    row = page.locator("support-widget .list .item").first
    row.wait_for()
    assert row.locator(".t").inner_text() == PAYLOADS[1]
    row.click()
    thread = page.locator("support-widget .thread li")
    thread.nth(1).wait_for()
    assert thread.nth(0).locator("p").nth(1).inner_text() == TEXT
    assert thread.nth(1).locator("p").nth(1).inner_text() == PAYLOADS[0]
    assert page.locator("support-widget .ticket h3").inner_text() == PAYLOADS[1]
    page.locator("support-widget .reply textarea").fill(PAYLOADS[2])
    page.locator("support-widget .reply [type=submit]").click()
    thread.nth(2).wait_for()
    assert page.locator("support-widget .thread img, support-widget .thread script").count() == 0
    assert_nothing_ran(page)


def test_search_queries_and_snippets_are_text(harness: Harness) -> None:
    page = harness.new_page(harness.page_url())
    armed(page)
    page.evaluate(f"SupportWidget('search', {PAYLOADS[1]!r})")
    page.wait_for_function(
        "() => document.querySelector('support-widget').shadowRoot"
        ".querySelector('[role=status]').textContent.endsWith('results')"
    )
    assert page.locator("support-widget .body img").count() == 0
    page.evaluate("SupportWidget('search', 'payloads')")
    page.locator("support-widget .body .item", has_text="Payloads").first.wait_for()
    assert (
        page.locator("support-widget .body .sub img, support-widget .body .sub script").count() == 0
    )
    assert_nothing_ran(page)
