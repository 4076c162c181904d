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


def test_signed_traits_are_shown_apart_from_what_the_browser_sent(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    filed = Filed(
        web,
        traits={"plan": "pro", "seats": 12, "beta": True, "company": f"Acme {XSS}"},
        context={"custom": {"plan": "enterprise"}, "title": f"Invoice {XSS}"},
    )
    sign_in(page, web, "agent")
    open_ticket(page, web, filed)

    signed = page.locator("[data-traits]")
    assert "Signed by Default app" in signed.locator("h2").inner_text()
    pairs = signed.locator("dl").evaluate(
        "dl => Object.fromEntries([...dl.querySelectorAll('dt')].map("
        "dt => [dt.textContent, dt.nextElementSibling.textContent]))"
    )
    assert pairs == {"beta": "true", "company": f"Acme {XSS}", "plan": "pro", "seats": "12"}
    assert "enterprise" not in signed.inner_text()

    browser = page.locator("[data-browser-context]")
    assert browser.count() == 2  # where they were, and the custom data
    for index in range(2):
        assert "unverified" in browser.nth(index).locator("h2").inner_text().lower()
    assert "enterprise" in browser.nth(1).inner_text() and "pro" not in browser.nth(1).inner_text()
    assert page.evaluate("() => window.__xss === undefined")
    assert page.locator("img[onerror]").count() == 0
    page.locator("[data-traits]").scroll_into_view_if_needed()
    page.screenshot(path="/tmp/admin-ticket-traits.png", full_page=True)
    assert page.errors == []


def row_text(page: Any, filed: Filed) -> str:
    text: str = page.locator(f"tr[data-href$='{filed.id}'] .who").inner_text()
    return text


def search_inbox(page: Any, server: LiveServer, filed: Filed) -> str:
    """The inbox narrowed to one ticket with its own search and filter forms."""
    page.goto(server.url + "/admin/tickets/")
    audit_forms(page)
    page.fill("#ticket-search", filed.marker)
    page.click("form[role=search] button[type=submit]")  # the search form as the page has it
    page.wait_for_url(f"**q={filed.marker}")
    page.select_option("#f-priority", "normal")
    page.click("form.filters button[type=submit]")  # and the filters form, keeping the search
    page.wait_for_url("**priority=normal**")
    assert f"q={filed.marker}" in page.url
    audit_forms(page)
    url: str = page.url
    return url


def test_the_inbox_says_who_is_waiting_for_a_reply(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    inbox = search_inbox(page, web, filed)
    # only the customer has written: no reply yet, and they are waiting for the first one
    assert row_text(page, filed).endswith("· awaiting first reply")
    assert "repl" not in row_text(page, filed).replace("first reply", "")
    page.screenshot(path="/tmp/admin-inbox.png")
    filed.client.reply(filed.id, "Any news? 🙏", user_token=filed.token)
    page.goto(inbox)  # the customer's own follow-up is no reply either
    assert row_text(page, filed).endswith("· awaiting first reply")

    page.goto(f"{web.url}/admin/tickets/{filed.id}")
    page.fill("#reply-body", "Looking into it.")
    submit(page, lambda: page.click("[data-send]"), "replied")
    page.fill("#reply-body", "Only agents read this.")
    page.click("text=Internal note")
    submit(page, lambda: page.click("[data-send]"), "noted")
    page.goto(inbox)
    assert row_text(page, filed).endswith("· 1 reply")  # the note is no reply

    filed.client.reply(filed.id, "Still wrong, sorry.", user_token=filed.token)
    page.goto(inbox)
    assert row_text(page, filed).endswith("· 1 reply · awaiting reply")
    page.goto(f"{web.url}/admin/tickets/{filed.id}")
    page.fill("#reply-body", "Fixed now.")
    page.select_option("#then-status", "solved")
    submit(page, lambda: page.click("[data-send]"), "replied")
    page.goto(inbox.replace("view=unsolved", "view=all"))
    assert row_text(page, filed).endswith("· 2 replies")  # solved: nobody is waiting
    assert page.errors == []


def test_a_click_anywhere_on_a_row_opens_its_ticket(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    filed = Filed(web)
    sign_in(page, web, "agent")
    inbox = search_inbox(page, web, filed)

    # selecting text in a row selects text; it does not open the ticket
    who = page.locator(f"tr[data-href$='{filed.id}'] .who").bounding_box()
    page.mouse.move(who["x"] + 2, who["y"] + who["height"] / 2)
    page.mouse.down()
    page.mouse.move(who["x"] + who["width"] - 2, who["y"] + who["height"] / 2, steps=5)
    page.mouse.up()
    assert page.evaluate("window.getSelection().toString()").strip() != ""
    page.wait_for_timeout(300)
    assert page.url == inbox

    # a click anywhere else in the row opens it, as the subject link does
    for cell in (1, 5):  # the status badge, the time
        with page.expect_navigation(url=f"**/admin/tickets/{filed.id}", timeout=5000):
            page.locator(f"tr[data-href$='{filed.id}'] td").nth(cell).click()
        page.goto(inbox)
    with page.expect_popup() as opened:  # Ctrl+click: a new tab, as with a link
        page.locator(f"tr[data-href$='{filed.id}'] td").nth(2).click(modifiers=["Control"])
    opened.value.wait_for_load_state()
    assert opened.value.url.endswith(f"/admin/tickets/{filed.id}") and page.url == inbox
    opened.value.close()

    # the keyboard: j/k select, Enter opens; Tab reaches the row's link and Enter opens it
    page.keyboard.press("j")
    with page.expect_navigation(url=f"**/admin/tickets/{filed.id}"):
        page.keyboard.press("Enter")
    page.goto(inbox)
    page.focus(f"tr[data-href$='{filed.id}'] a.subject")
    with page.expect_navigation(url=f"**/admin/tickets/{filed.id}"):
        page.keyboard.press("Enter")

    # the shortcuts dialog opens with ? and its form closes it
    page.keyboard.press("?")
    assert page.evaluate("document.getElementById('shortcuts').open")
    page.click("#shortcuts button[type=submit]")
    assert not page.evaluate("document.getElementById('shortcuts').open")
    assert page.dialogs == [] and page.errors == []


def test_the_open_inbox_shows_new_tickets_and_replies_without_a_reload(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    sign_in(page, web, "agent")
    page.goto(f"{web.url}/admin/tickets/?sort=updated")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.fill("#ticket-search", "typed but not sent")  # the agent is busy in the page
    changes: list[int] = []
    page.on(
        "response",
        lambda r: changes.append(r.status) if "/admin/tickets/changes" in r.url else None,
    )
    filed = Filed(web)
    row = page.locator("[data-rows] tr", has_text=f"Invoice total {filed.marker}")
    row.wait_for(timeout=15_000)
    assert "awaiting first reply" in row.inner_text()
    requests.post(  # a colleague answers from elsewhere
        f"{web.url}/api/v1/tickets/{filed.id}/messages",
        json={"body": "Checking the totals now."},
        headers={"Authorization": f"Bearer {web.admin_key}"},
        timeout=10,
    ).raise_for_status()
    row.locator("text=1 reply").wait_for(timeout=15_000)
    filed.client.reply(filed.id, f"Any news? {filed.marker}", user_token=filed.token)
    # the customer's reply: the row says so, still without a reload
    page.locator("[data-rows] tr", has_text=f"Invoice total {filed.marker}").locator(
        "text=awaiting reply"
    ).wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True
    assert page.input_value("#ticket-search") == "typed but not sent"
    with page.expect_response(
        lambda r: "/admin/tickets/changes" in r.url and r.status == 304, timeout=15_000
    ):
        pass  # nothing new since: the poll costs a 304
    assert 200 in changes
    row.click()  # rows put in by the refresh open like the others
    page.wait_for_url(f"**/admin/tickets/{filed.id}")
    page.screenshot(path="/tmp/admin-live-inbox.png")
    assert page.errors == []
