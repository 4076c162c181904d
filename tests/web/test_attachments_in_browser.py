"""Files on the agent's ticket page, in real Chromium against a real server: the customer's
screenshot shown, an agent attaching a file and pasting a screenshot into a reply (which the
customer then reads), and a file refused by its bytes without losing the draft.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/ticket-attachments.png."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from ..inprocess.test_uploads import png
from .conftest import audit_forms, sign_in
from .test_tickets_in_browser import Filed

pytestmark = pytest.mark.browser


def filed_with_screenshot(server: LiveServer) -> Filed:
    """A ticket filed by an end user whose report has a screenshot (uploaded as the widget
    does: POST /uploads, then the ticket names it)."""
    probe = Filed(server)
    headers = {"Authorization": f"Bearer {probe.token}"}
    up = requests.post(
        f"{server.url}/api/v1/uploads",
        headers=headers,
        files={"file": ("invoice total.png", png(40, 24), "image/png")},
        timeout=10,
    )
    assert up.status_code == 201, up.text
    r = requests.post(
        f"{server.url}/api/v1/tickets",
        headers=headers,
        json={"body": "The total is wrong, see the screenshot", "attachments": [up.json()["id"]]},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    probe.id = r.json()["id"]
    return probe


def open_ticket(page: Any, server: LiveServer, ticket_id: str) -> None:
    page.goto(f"{server.url}/admin/tickets/{ticket_id}")
    page.wait_for_selector("form[data-composer] [data-composer-tools]:not([hidden])")
    audit_forms(page)


def loaded_images(page: Any) -> list[str]:
    names: list[str] = page.eval_on_selector_all(
        "img.attachment-preview",
        "imgs => imgs.filter(i => i.complete && i.naturalWidth > 0).map(i => i.alt)",
    )
    return names


def test_an_agent_sees_the_screenshot_attaches_and_pastes_and_the_customer_gets_them(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    filed = filed_with_screenshot(web)
    sign_in(page, web, "agent")
    open_ticket(page, web, filed.id)
    page.wait_for_function("() => document.querySelector('img.attachment-preview')?.naturalWidth")
    assert loaded_images(page) == ["invoice total.png"]

    log = tmp_path / "export.log"
    log.write_text("2026-12-03 10:00:01 export started\n", encoding="utf-8")
    page.set_input_files("[data-attach]", str(log))
    page.fill("#reply-body", "Here is the log, and what I see.")
    # a screenshot pasted into the message joins the chosen file
    page.eval_on_selector(
        "#reply-body",
        """(t, bytes) => {
          const data = new DataTransfer();
          data.items.add(new File([new Uint8Array(bytes)], "image.png", { type: "image/png" }));
          t.dispatchEvent(new ClipboardEvent("paste", { clipboardData: data, bubbles: true,
            cancelable: true }));
        }""",
        list(png(8, 8)),
    )
    chosen = page.inner_text("[data-attach-list]")
    assert "export.log" in chosen and "Screenshot" in chosen, chosen
    assert page.inner_text("[data-attach-status]").startswith("2 files")
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.locator("form[data-composer]").scroll_into_view_if_needed()
    page.screenshot(path=str(folder / "ticket-attachments.png"))
    with page.expect_navigation(url="**notice=replied"):
        page.click("[data-send]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.attachment-preview')]"
        ".filter(i => i.complete && i.naturalWidth > 0).length === 2"
    )

    # the customer reads the reply with both files, and opens them by their links
    mine = requests.get(
        f"{web.url}/api/v1/tickets/{filed.id}",
        headers={"Authorization": f"Bearer {filed.token}"},
        timeout=10,
    ).json()
    reply = mine["messages"][-1]
    names = [a["filename"] for a in reply["attachments"]]
    assert names[0] == "export.log" and names[1].startswith("Screenshot "), names
    for attached in reply["attachments"]:
        got = requests.get(attached["url"], timeout=10)
        assert got.status_code == 200 and got.content
    assert not page.errors


def test_a_file_refused_by_its_bytes_keeps_the_draft_and_sends_nothing(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    open_ticket(page, web, filed.id)
    fake = tmp_path / "chart.png"
    fake.write_text("<!doctype html><script>alert(1)</script>", encoding="utf-8")
    page.set_input_files("[data-attach]", str(fake))
    page.fill("#reply-body", "Draft that must survive")
    page.click("[data-send]")
    page.wait_for_selector("[data-attach-error]")
    error = page.inner_text("[data-attach-error]")
    assert "chart.png" in error and "HTML" in error, error
    assert page.input_value("#reply-body") == "Draft that must survive"
    assert "again" in page.inner_text("[data-attach-status]")
    assert filed.as_agent()["messages"] == []


def test_files_chosen_twice_add_up_and_the_draft_survives_the_side_forms(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    open_ticket(page, web, filed.id)
    for name in ("first.log", "second.log", "third.log"):
        (tmp_path / name).write_text(f"{name}\n", encoding="utf-8")
    page.set_input_files("[data-attach]", str(tmp_path / "first.log"))
    page.set_input_files(
        "[data-attach]", [str(tmp_path / "second.log"), str(tmp_path / "third.log")]
    )
    chips = page.locator("[data-attach-list] li")
    assert chips.count() == 3
    chips.filter(has_text="second.log").get_by_role("button").click()
    assert [c.split(" (")[0] for c in chips.all_inner_texts()] == ["first.log", "third.log"]
    # another form of the page (Assign to me) posts and comes back: the draft is still there
    page.fill("#reply-body", "Half-written answer")
    with page.expect_navigation(url="**notice=assigned"):
        page.click("button[value=assign_to_me]")
    assert not page.dialogs, page.dialogs
    assert page.input_value("#reply-body") == "Half-written answer"
    page.set_input_files(
        "[data-attach]", [str(tmp_path / "first.log"), str(tmp_path / "third.log")]
    )
    with page.expect_navigation(url="**notice=replied"):
        page.click("[data-send]")
    assert page.input_value("#reply-body") == ""  # sent: not brought back
    reply = filed.as_agent()["messages"][-1]
    assert reply["body"] == "Half-written answer"
    assert sorted(a["filename"] for a in reply["attachments"]) == ["first.log", "third.log"]
