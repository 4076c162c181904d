"""The inbox and the ticket page in real Chromium, on tickets filed through the API as a signed-in
user of the host app would (an end-user token minted by its backend, context from its page):
every form is submitted as the page rendered it and the outcome read back through the API."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from support_sdk import SupportClient

from ..conftest import LiveServer
from .conftest import audit_forms, sign_in

pytestmark = pytest.mark.browser
XSS = '<img src=x onerror="window.__xss = 1">'
SAVE = "form[data-props] button.primary"


class Filed:
    """A ticket filed by an end user through the API, and how to read it back."""

    def __init__(self, server: LiveServer, **options: Any) -> None:
        self.server = server
        self.client: SupportClient = server.client()
        self.marker = uuid.uuid4().hex[:8]
        self.token = self.client.user_token(
            f"user-{self.marker}",
            email=f"{self.marker}@example.com",
            name="Grace Hopper",
            traits=options.pop("traits", None),
        )
        context = {
            "url": "https://app.example.com/invoices/204",
            "title": "Invoice 204",
            "context_key": "billing.invoices",
            "app_version": "2.3.1",
            "locale": "en-US",
            **options.pop("context", {}),
        }
        self.ticket = self.client.create_ticket(
            f"The total on invoice 204 is wrong {self.marker} 🧾",
            subject=f"Invoice total {self.marker}",
            user_token=self.token,
            context=context,
            **options,
        )
        self.id = self.ticket.id

    def as_agent(self) -> dict[str, Any]:
        """The ticket's JSON as the app's staff see it (the admin key is an agent too)."""
        found: dict[str, Any] = requests.get(
            f"{self.server.url}/api/v1/tickets/{self.id}",
            headers={"Authorization": f"Bearer {self.server.admin_key}"},
            timeout=10,
        ).json()
        return found

    def as_requester(self) -> Any:
        return self.client.ticket(self.id, user_token=self.token)


def open_ticket(page: Any, server: LiveServer, filed: Filed) -> None:
    page.goto(f"{server.url}/admin/tickets/{filed.id}")
    page.wait_for_selector("form[data-props]")
    audit_forms(page)


def submit(page: Any, action: Any, notice: str) -> None:
    """Do ``action`` (a click, a key) and wait for the page the server answers with."""
    with page.expect_navigation(url=f"**notice={notice}"):
        action()
    page.wait_for_selector("form[data-props]")
    audit_forms(page)


def test_assign_to_me_assigns_the_agent(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    button, key = Filed(web), Filed(web)
    sign_in(page, web, "agent")

    open_ticket(page, web, button)
    assert page.locator("#p-assignee option:checked").inner_text() == "Unassigned"
    submit(page, lambda: page.click("text=Assign to me"), "*")
    assert button.as_agent()["assignee"] == "ana"
    assert page.locator("#p-assignee option:checked").inner_text() == "Ana Agent"
    assert page.inner_text(".alert.ok") == "Assigned to you."
    page.screenshot(path="/tmp/admin-assign-to-me.png")

    open_ticket(page, web, key)
    submit(page, lambda: page.keyboard.press("a"), "*")  # the keyboard shortcut
    assert key.as_agent()["assignee"] == "ana"

    page.select_option("#p-assignee", "")  # and the dropdown still unassigns
    submit(page, lambda: page.click(SAVE), "updated")
    assert key.as_agent()["assignee"] is None
    assert page.dialogs == [] and page.errors == []


def test_the_properties_form_saves_what_it_shows(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    filed = Filed(web, priority="high")
    sign_in(page, web, "agent")
    open_ticket(page, web, filed)
    before = filed.as_agent()

    submit(page, lambda: page.click(SAVE), "updated")
    after = filed.as_agent()  # saved unchanged: nothing moved
    assert [after[k] for k in ("status", "priority", "assignee", "tags")] == [
        before[k] for k in ("status", "priority", "assignee", "tags")
    ]

    page.select_option("#p-priority", "urgent")
    page.fill("#p-tags", "billing, vat, billing")
    submit(page, lambda: page.click(SAVE), "updated")
    changed = filed.as_agent()
    assert (changed["priority"], changed["tags"], changed["status"]) == (
        "urgent",
        ["billing", "vat"],
        before["status"],
    )
    assert page.input_value("#p-tags") == "billing, vat"

    page.select_option("#p-status", "pending")
    submit(page, lambda: page.click(SAVE), "updated")
    assert filed.as_agent()["status"] == "pending"
    assert filed.as_requester().status == "pending"
    assert page.errors == []


def test_reply_note_and_reply_then_set_status(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    open_ticket(page, web, filed)

    page.fill("#reply-body", "Thanks, Grace: fixed in 2.3.2. ✅")
    submit(page, lambda: page.click("[data-send]"), "replied")
    page.click("text=Internal note")
    assert page.inner_text("[data-send]") == "Add note"
    page.fill("#reply-body", "Root cause: rounding.")
    submit(page, lambda: page.click("[data-send]"), "noted")
    page.fill("#reply-body", "Closing this one; reply to reopen.")
    page.select_option("#then-status", "solved")
    submit(page, lambda: page.click("[data-send]"), "replied")

    seen = filed.as_requester()
    assert [m.body for m in seen.messages] == [
        "Thanks, Grace: fixed in 2.3.2. ✅",
        "Closing this one; reply to reopen.",
    ]
    assert seen.status == "solved"
    internal = [m for m in filed.as_agent()["messages"] if m["internal"]]
    assert [m["body"] for m in internal] == ["Root cause: rounding."]
    assert page.dialogs == [] and page.errors == []
