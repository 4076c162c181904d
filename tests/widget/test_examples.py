"""The examples' pages in a real browser: the static page's one-tag embed works anonymously."""

from __future__ import annotations

import pytest

from examples.static_page.__main__ import render

from .conftest import READY, Harness

pytestmark = pytest.mark.browser


def test_the_static_page_embed_serves_anonymous_visitors(harness: Harness) -> None:
    html = render({"SUPPORT_APP_ID": harness.support.app_id, "SUPPORT_URL": harness.support.url})
    assert "APP_ID" not in html.decode() and harness.support.url in html.decode()
    url = harness.site.add("/pricing", html.decode())
    page = harness.new_page(url)
    page.wait_for_function(READY)
    page.locator("button[data-support-help='billing.plans']").click()
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    page.locator("support-widget .body .item .t").first.wait_for()
    assert "plan" in page.locator("support-widget .body").inner_text().lower()
    assert page.errors == []
