"""The known-issue banner in Chromium: shown at the top of the home view on the affected context
and version only, its words as text (emoji and markup included), and first on the contact
form, which still files a ticket (linked to the issue)."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from .conftest import Harness

pytestmark = pytest.mark.browser

TITLE = "CSV export is empty 📄 <b>bold?</b>"
MESSAGE = "We are on it <img src=x onerror=alert(1)> — fixed by Friday 🛠️"


@pytest.fixture
def context_key() -> str:
    return f"reports.export.{uuid.uuid4().hex[:8]}"  # this test's own: the app is shared


@pytest.fixture
def issue(harness: Harness, context_key: str) -> dict[str, Any]:
    found: dict[str, Any] = harness.agent(
        "POST",
        "/known-issues",
        json={
            "title": TITLE,
            "message": MESSAGE,
            "contexts": [context_key],
            "app_versions": ["2.3.1"],
        },
    )
    return found


def open_panel(harness: Harness, context: str, version: str, token: str | None = None) -> Any:
    page = harness.new_page(harness.page_url(context=context, app_version=version, token=token))
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .card").wait_for()
    return page


def test_the_banner_shows_on_the_affected_context_and_version_as_text(
    harness: Harness, issue: dict[str, Any], context_key: str
) -> None:
    page = open_panel(harness, context_key, "2.3.1")
    banner = page.locator("support-widget .known[role=status]")
    banner.wait_for()
    assert banner.locator("strong").inner_text() == TITLE
    assert MESSAGE in banner.inner_text()
    assert banner.locator("b, img").count() == 0  # never parsed as HTML
    # at the top of the home view, above the suggestions and the ways to reach a person
    first = page.evaluate(
        "() => document.querySelector('support-widget').shadowRoot"
        ".querySelector('.known').compareDocumentPosition("
        "document.querySelector('support-widget').shadowRoot.querySelector('.card'))"
    )
    assert first & 4  # DOCUMENT_POSITION_FOLLOWING: the card comes after the banner
    assert page.errors == []

    for context, version in ((context_key, "2.3.2"), ("settings", "2.3.1")):
        other = open_panel(harness, context, version)
        other.locator("support-widget .list, support-widget .muted").first.wait_for()
        other.wait_for_load_state("networkidle")
        assert other.locator("support-widget .known").count() == 0, (context, version)


def test_the_contact_form_suggests_it_first_and_still_files(
    harness: Harness, issue: dict[str, Any], context_key: str
) -> None:
    user = harness.user()
    token = harness.token(user)
    page = open_panel(harness, context_key, "2.3.1", token)
    page.locator("support-widget .card").click()
    suggestion = page.locator("support-widget form .known[role=status]")
    suggestion.wait_for()
    text = suggestion.inner_text()
    assert text.startswith(f"This is a known issue: {TITLE}")
    assert "You'll be told when it is fixed" in text
    assert page.evaluate(
        "() => document.querySelector('support-widget').shadowRoot"
        ".querySelector('form').firstElementChild.querySelector('.known') !== null"
    )
    page.locator("support-widget [name=body]").fill("The export is still blank for me.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done, support-widget .thanks").first.wait_for()
    (ticket,) = harness.tickets_of(token)
    linked = harness.agent("GET", f"/known-issues/{issue['id']}")
    assert linked["ticket_ids"] == [ticket["id"]]
    assert page.errors == []
