"""Presence on the ticket page in real Chromium: two agents, each in a browser context of their
own, open the same ticket; each sees the other viewing, sees them replying while they type
(and writing a note), and sees them go when they leave. The Follow button follows.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/ticket-presence.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ..conftest import LiveServer
from .conftest import audit_forms, sign_in
from .test_tickets_in_browser import Filed

pytestmark = pytest.mark.browser
LINE = "[data-presence]"


@pytest.fixture
def second_page(chromium: Any) -> Iterator[Any]:
    """Another browser context (its own cookies: another person), recording script errors."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.errors = []
    page.dialogs = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))

    def on_dialog(dialog: Any) -> None:
        page.dialogs.append((dialog.type, dialog.message))
        dialog.dismiss()

    page.on("dialog", on_dialog)
    yield page
    context.close()


def open_ticket(page: Any, server: LiveServer, filed: Filed) -> None:
    page.goto(f"{server.url}/admin/tickets/{filed.id}")
    page.wait_for_selector("form[data-composer]")
    audit_forms(page)


def line_says(page: Any, text: str, timeout: float = 20_000) -> None:
    """Wait until the presence line reads ``text`` ("" for nothing)."""
    try:
        page.wait_for_function(
            "([selector, text]) => document.querySelector(selector).textContent === text",
            arg=[LINE, text],
            timeout=timeout,
        )
    except Exception as error:
        raise AssertionError(f"the line says {page.inner_text(LINE)!r}, not {text!r}") from error


def test_two_agents_see_each_other_view_type_and_leave(
    web: LiveServer, browser_page: Any, second_page: Any, tmp_path: Path
) -> None:
    ana, ada = browser_page, second_page
    filed = Filed(web)
    sign_in(ana, web, "agent")
    sign_in(ada, web, "admin")
    open_ticket(ada, web, filed)
    assert ada.get_attribute(LINE, "aria-live") == "polite"
    assert ada.inner_text(LINE) == ""  # alone
    open_ticket(ana, web, filed)

    line_says(ada, "Ana Agent is viewing")
    line_says(ana, "Ada Admin is viewing")

    ana.click("#reply-body")
    ana.keyboard.type("Thanks, Grace: a fix is on its way", delay=30)
    line_says(ada, "Ana Agent is replying…")
    assert ada.locator(f"{LINE} .presence-who.typing").count() == 1
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    ada.screenshot(path=str(folder / "ticket-presence.png"))

    ana.check("[data-mode=note]")
    ana.click("#reply-body")
    ana.keyboard.type(" (a note)", delay=30)
    line_says(ada, "Ana Agent is writing a note…")
    line_says(ada, "Ana Agent is viewing")  # stopped typing: within a few seconds

    ana.fill("#reply-body", "")  # nothing to lose: leaving asks nothing
    ana.goto(f"{web.url}/admin/tickets/")
    line_says(ada, "")
    assert ana.dialogs == [] and ana.errors == []

    # Follow, a plain form: the button turns to Unfollow and the card names the follower
    with ada.expect_navigation(url="**notice=followed"):
        ada.click("form[data-follow] button")
    assert ada.inner_text("form[data-follow] button") == "Unfollow"
    assert "Ada Admin" in ada.inner_text("[data-followers]")
    assert filed.as_agent()["followers"] == ["ada"]
    assert ada.dialogs == [] and ada.errors == []
