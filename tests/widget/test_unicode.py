"""Real titles and text with emoji: every value the widget cuts to the server's limits is cut
by code point, so no emoji is split into a lone surrogate (which the server refuses with 422,
and which once made a ticket impossible to open)."""

from __future__ import annotations

import pytest

from .conftest import Harness

pytestmark = pytest.mark.browser
EMOJI = "\U0001f9fe"  # outside the BMP: two UTF-16 code units


def test_a_title_cut_in_the_middle_of_an_emoji_still_files_the_ticket(harness: Harness) -> None:
    token = harness.token(harness.user())
    # 299 letters then an emoji: a UTF-16 cut at 300 keeps half of the emoji.
    title = "a" * 299 + EMOJI + " · Ledgerly"
    page = harness.new_page(harness.page_url(token=token, title=title))
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .report").click()
    subject = page.locator("support-widget form [name=subject]")
    subject.wait_for()
    assert len(subject.input_value()) <= 200
    page.locator("support-widget form [name=body]").fill("The total is wrong " + EMOJI)
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    [ticket] = harness.tickets_of(token)
    assert ticket["context"]["title"] == "a" * 299 + EMOJI  # 300 code points, the emoji whole
    assert ticket["body"] == "The total is wrong " + EMOJI
    assert page.errors == []
