"""Known issues in real Chromium, as an agent (not an admin) runs one: made from the form a
repeated issue links to, edited, resolved with a resolution typed on its page ("Save and
resolve" saves what is typed first), reopened and resolved again from the list, and each
linked requester told once, with the words the agent typed.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/admin-known-issue-edit.png."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest

from ..conftest import LiveServer
from .conftest import api, audit_forms, sign_in

pytestmark = pytest.mark.browser


def replies(server: LiveServer, ticket_id: str) -> list[str]:
    ticket = api(server, "GET", f"/tickets/{ticket_id}", 200)
    return [m["body"] for m in ticket["messages"] if not m.get("internal")]


def test_an_agent_makes_edits_resolves_reopens_and_resolves_a_known_issue(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    m = uuid.uuid4().hex[:6]
    context = f"statements.{m}"
    ids = [
        api(
            web,
            "POST",
            "/tickets",
            201,
            json={
                "subject": subject,
                "body": f"The spinner never stops on the quarterly PDF ({m})",
                "email": f"c{n}-{m}@example.com",
                "context": {"context_key": context, "app_version": "2.3.1"},
            },
        )["id"]
        for n, subject in enumerate(("PDF download hangs", "the pdf spins forever 🌀"))
    ]
    opened = {i: replies(web, i) for i in ids}

    sign_in(page, web, "agent")
    query = urlencode({"contexts": context, "ticket_ids": ",".join(ids)})
    page.goto(f"{web.url}/admin/known-issues/new?{query}")
    audit_forms(page)
    assert page.input_value("#f-contexts") == context
    assert page.locator("#f-global").count() == 0  # only admins mark one global
    title = f"Exports are empty <i>{m}</i> 📉"
    page.fill("#f-title", title)
    page.fill("#f-message", "We know; a fix is on its way.")
    with page.expect_navigation(url="**notice=added"):
        page.click("button:has-text('Make known issue')")
    row = page.locator("[data-list=open] tr", has_text=m)
    assert title in row.inner_text()  # the markup is text
    assert row.locator("[data-count=tickets]").inner_text() == "2"

    row.locator("a").click()
    page.wait_for_selector("#f-resolution")
    audit_forms(page)
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / "admin-known-issue-edit.png"), full_page=True)
    page.fill("#f-message", "A fix ships today.")
    page.fill("#f-contexts", "")  # refused (it would show everywhere): the form comes back
    page.fill("#f-resolution", f"Fixed in 2.3.2 ({m}): exports have their rows again.")
    page.click("button:has-text('Save and resolve')")
    page.wait_for_selector(".field.invalid #f-contexts")
    assert page.input_value("#f-resolution").startswith("Fixed in 2.3.2")  # nothing is lost
    assert page.input_value("#f-message") == "A fix ships today."
    assert all(replies(web, i) == opened[i] for i in ids)  # nobody was told
    page.fill("#f-contexts", context)
    with page.expect_navigation(url="**notice=resolved"):
        page.click("button:has-text('Save and resolve')")
    audit_forms(page)
    resolved = page.locator("[data-list=resolved] tr", has_text=m)
    assert "Fixed in 2.3.2" in resolved.inner_text()
    for i in ids:
        told = replies(web, i)
        assert told[len(opened[i]) :] == [f"Fixed in 2.3.2 ({m}): exports have their rows again."]
    issue = next(k for k in api(web, "GET", "/known-issues", 200)["items"] if m in k["title"])
    assert issue["message"] == "A fix ships today."

    with page.expect_navigation(url="**notice=reopened"):
        resolved.locator("button", has_text="Reopen").click()
    row = page.locator("[data-list=open] tr", has_text=m)
    with page.expect_navigation(url="**notice=resolved"):
        row.locator("button", has_text="Resolve").click()
    assert page.locator("[data-list=resolved] tr", has_text=m).count() == 1
    for i in ids:  # told once, however often it is resolved
        assert len(replies(web, i)) == len(opened[i]) + 1
    assert page.dialogs == [] and page.errors == []
