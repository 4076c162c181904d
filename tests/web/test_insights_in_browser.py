"""Insights in real Chromium, as a writer-agent uses them: a repeated issue filed three ways
shows with its evidence; "Draft an article" opens the editor prefilled from the reply that
solved it, and the article publishes; linking it shows the group's rate since; a spike links to
a known issue made from it.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/admin-insights.png."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from ..conftest import LiveServer
from .conftest import api, audit_forms, sign_in

pytestmark = pytest.mark.browser


def test_a_repeated_issue_becomes_a_published_article(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    m = uuid.uuid4().hex[:6]
    word = f"zorbex{m}"  # a product word no other test's tickets share
    context = f"reports.{m}"
    ids = [
        api(
            web,
            "POST",
            "/tickets",
            201,
            json={
                "subject": subject,
                "body": f"The {word} export gives an empty CSV file 📉",
                "email": "c@example.com",
                "context": {"context_key": context, "app_version": "2.3.1"},
            },
        )["id"]
        for subject in (
            f"{word} CSV export is empty",
            f"export of {word} to csv gives a blank file",
            f"empty csv from {word} <b>report</b>",
        )
    ]
    answer = f"Big {word} exports are emailed: look for the CSV link in your inbox."
    api(web, "POST", f"/tickets/{ids[0]}/messages", 201, json={"body": answer})
    api(web, "PATCH", f"/tickets/{ids[0]}", 200, json={"status": "solved"})

    burst = f"billing.{m}"  # a context that never had a ticket gets six in an hour
    for n in range(6):
        api(
            web,
            "POST",
            "/tickets",
            201,
            json={
                "subject": f"Charged twice ({n})",
                "body": "My card was charged twice for the same invoice.",
                "email": "c@example.com",
                "context": {"context_key": burst, "app_version": "2.3.1"},
            },
        )

    sign_in(page, web, "admin")
    page.goto(f"{web.url}/admin/analytics")  # the dashboard flags it too
    assert f"2.3.1: {burst} tickets" in page.inner_text("[data-spikes]")
    page.goto(f"{web.url}/admin/insights")
    audit_forms(page)
    card = page.locator("[data-group]", has_text=context)
    assert card.count() == 1
    text = card.inner_text()
    assert (
        "3 tickets" in text.lower() and "2.3.1" in text and answer not in text
    )  # the replies are folded away
    assert "<b>report</b>" in text  # a customer's markup is text, never HTML
    card.locator("summary").click()
    assert answer in card.inner_text()
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.locator("h1").scroll_into_view_if_needed()
    page.screenshot(path=str(folder / "admin-insights.png"), full_page=False)

    spike = page.locator("[data-spike]", has_text=f"2.3.1: {burst} tickets")
    assert "6 tickets" in spike.inner_text().lower()
    href = spike.locator("text=Make a known issue").get_attribute("href") or ""
    assert parse_qs(urlparse(href).query)["contexts"] == [burst]

    known = card.locator("text=Make a known issue").get_attribute("href") or ""
    query = parse_qs(urlparse(known).query)
    assert query["contexts"] == [context] and set(query["ticket_ids"][0].split(",")) == set(ids)

    card.locator("text=Draft an article").click()
    page.wait_for_selector("[data-editor]")
    assert word in page.input_value("#f-title")
    body = page.input_value("#f-body")
    assert answer in body and "## The answer" in body
    assert page.input_value("#f-contexts").strip() == context
    page.fill("#f-slug", f"exports-{m}")
    with page.expect_navigation(url="**notice=published"):
        page.click("button[value=publish]")
    article = next(
        a
        for a in api(web, "GET", "/articles?status=published&limit=100", 200)["items"]
        if a["slug"] == f"exports-{m}"
    )
    assert answer in article["body"]

    page.goto(f"{web.url}/admin/insights")
    card = page.locator("[data-group]", has_text=context)
    card.locator("select[name=article]").select_option(f"exports-{m}")
    with page.expect_navigation(url="**notice=linked**"):
        card.locator("button", has_text="Link article").click()
    effect = page.locator("[data-group]", has_text=context).locator(".insight-effect")
    assert "a week before" in effect.inner_text() and "a week since" in effect.inner_text()

    with page.expect_navigation(url="**notice=unlinked**"):
        page.locator("[data-group]", has_text=context).locator(
            "button", has_text="Unlink the article"
        ).click()
    card = page.locator("[data-group]", has_text=context)
    assert card.locator(".insight-effect").count() == 0
    assert card.locator("select[name=article]").count() == 1  # it can be linked again
    assert page.dialogs == [] and page.errors == []
