"""The ticket page's composer in real Chromium: saved replies and article links picked from a
searchable list (keyboard and mouse) and inserted as text at the cursor, the Suggested articles
card's Insert link, and the warning before sending when the requester wrote meanwhile.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/composer-macros.png."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from .conftest import audit_forms, sign_in
from .test_tickets_in_browser import XSS, Filed

pytestmark = pytest.mark.browser
PICKER = "[data-picker]"
STALE = "[data-stale]"


def macro(server: LiveServer, name: str, body: str) -> None:
    made = requests.post(
        f"{server.url}/api/v1/macros",
        json={"name": name, "body": body},
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
    )
    assert made.status_code == 201, made.text


def open_ticket(page: Any, server: LiveServer, filed: Filed) -> None:
    page.goto(f"{server.url}/admin/tickets/{filed.id}")
    page.wait_for_selector("form[data-composer] [data-composer-tools]:not([hidden])")
    audit_forms(page)


def options(page: Any, count: int) -> list[str]:
    page.wait_for_function(
        "n => document.querySelectorAll('[data-picker-list] [role=option]').length === n", arg=count
    )
    texts: list[str] = page.locator("[data-picker-list] [role=option] strong").all_inner_texts()
    return texts


def selected(page: Any) -> str:
    text: str = page.inner_text("[data-picker-list] [aria-selected=true] strong")
    return text


def test_saved_replies_are_picked_and_inserted_filled_in_at_the_cursor(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    filed = Filed(web)
    m = filed.marker
    macro(
        web,
        f"Refund sent {m}",
        "Hi {{requester.name}}, the refund for {{ticket.id}} is on its way. {{agent.name}}",
    )
    macro(web, f"Escaped {m}", f"Try this: {XSS}")
    macro(web, f"Export help {m}", "Open Reports, then Export, and choose CSV.")
    sign_in(page, web, "agent")
    open_ticket(page, web, filed)

    page.fill("#reply-body", "Hello!\n\nBest wishes")
    page.eval_on_selector("#reply-body", "t => t.setSelectionRange(8, 8)")
    page.click("[data-picker-open=macros]")
    page.wait_for_selector(f"{PICKER}:not([hidden])")
    assert page.evaluate("document.activeElement.id") == "picker-q"
    page.keyboard.type(m)
    assert options(page, 3) == [f"Escaped {m}", f"Export help {m}", f"Refund sent {m}"]
    assert selected(page) == f"Escaped {m}"
    page.locator("form[data-composer]").scroll_into_view_if_needed()
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / "composer-macros.png"))

    page.keyboard.type(" refund")  # "<marker> refund" matches no name: filter by the name
    options(page, 0)
    assert page.inner_text("[data-picker-empty]") == "No saved reply matches."
    page.fill("#picker-q", f"Refund sent {m}")
    assert options(page, 1) == [f"Refund sent {m}"]
    page.fill("#picker-q", m)
    options(page, 3)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")  # stops at the last
    page.keyboard.press("ArrowUp")
    assert selected(page) == f"Export help {m}"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    assert page.is_hidden(PICKER)
    filled = f"Hi Grace Hopper, the refund for {filed.id} is on its way. Ana Agent"
    assert page.input_value("#reply-body") == f"Hello!\n\n{filled}Best wishes"
    assert page.evaluate("document.activeElement.id") == "reply-body"
    assert page.evaluate("document.querySelector('#reply-body').selectionStart") == 8 + len(filled)

    # "#" in an empty composer opens the list; Esc closes it and types nothing
    page.fill("#reply-body", "")
    page.focus("#reply-body")
    page.keyboard.type("#")
    page.wait_for_selector(f"{PICKER}:not([hidden])")
    page.keyboard.press("Escape")
    assert page.is_hidden(PICKER)
    assert page.input_value("#reply-body") == ""
    assert page.evaluate("document.activeElement.id") == "reply-body"

    # a body with markup goes in as text, picked with the mouse
    page.keyboard.type("#")
    page.keyboard.type(f"Escaped {m}")
    options(page, 1)
    page.click("[data-picker-list] [role=option]")
    assert page.input_value("#reply-body") == f"Try this: {XSS}"
    assert page.evaluate("window.__xss") is None
    assert page.locator("form[data-composer] img").count() == 0

    # not at the start of a message, "#" is just a character
    page.keyboard.type(" #2")
    assert page.is_hidden(PICKER)
    assert page.input_value("#reply-body").endswith(" #2")
    assert page.dialogs == [] and page.errors == []


def test_article_links_from_the_picker_and_the_suggested_articles(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    open_ticket(page, web, filed)

    card = page.locator("[data-suggested]")
    links = card.locator("li a")
    assert 1 <= links.count() <= 3
    title, url = links.first.inner_text(), links.first.get_attribute("href")
    assert url.startswith(f"{web.url}/help/")
    card.locator("button[data-insert-link]").first.click()
    assert page.input_value("#reply-body") == f"{title}: {url}"

    page.keyboard.type("\n")
    page.click("[data-picker-open=articles]")
    page.wait_for_selector(f"{PICKER}:not([hidden])")
    assert page.inner_text("[data-picker-title]") == "Insert a help article link"
    page.keyboard.type("request a refund")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-picker-list] [role=option] strong')]"
        ".some(s => s.textContent === 'Request a refund')"
    )
    page.locator("[data-picker-list] [role=option]", has_text="Request a refund").first.click()
    assert page.input_value("#reply-body").startswith(f"{title}: {url}\n")
    inserted = page.input_value("#reply-body").split("\n")[1]
    assert inserted.startswith("Request a refund: ")
    assert requests.get(inserted.split(": ", 1)[1], timeout=10).status_code == 200
    assert page.dialogs == [] and page.errors == []


def test_a_message_that_arrives_while_writing_is_shown_before_sending(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    open_ticket(page, web, filed)

    page.fill("#reply-body", "Fixed in 2.3.2.")
    filed.client.reply(filed.id, "Also, the VAT line is missing.", user_token=filed.token)
    page.click("[data-send]")
    page.wait_for_selector(f"{STALE}:not([hidden])")
    assert "A new message arrived while you were writing" in page.inner_text(STALE)
    assert "Grace Hopper" in page.inner_text(STALE)
    assert [m["body"] for m in filed.as_agent()["messages"]] == ["Also, the VAT line is missing."]
    page.screenshot(path="/tmp/composer-new-message.png")

    page.click("[data-show-new]")  # the conversation comes in; the draft stays
    page.wait_for_selector("article.message.just-arrived")
    assert "Also, the VAT line is missing." in page.inner_text("article.message.just-arrived")
    assert page.is_hidden(STALE)
    assert page.input_value("#reply-body") == "Fixed in 2.3.2."
    with page.expect_navigation(url="**notice=replied"):
        page.click("[data-send]")

    # and "Send anyway" sends without looking
    page.fill("#reply-body", "Closing this.")
    filed.client.reply(filed.id, "Thanks!", user_token=filed.token)
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"{STALE}:not([hidden])")
    with page.expect_navigation(url="**notice=replied"):
        page.click("[data-send-anyway]")
    assert [m["body"] for m in filed.as_agent()["messages"]] == [
        "Also, the VAT line is missing.",
        "Fixed in 2.3.2.",
        "Thanks!",
        "Closing this.",
    ]
    assert page.dialogs == [] and page.errors == []
