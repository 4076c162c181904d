"""The inbox's bulk bar, saved views and custom-field filters in real Chromium.

The app runs in this process on a real port (werkzeug's threaded server) with six tickets and
a select field: rows are checked one by one and with the header's box, the bar appears and
counts them, Apply changes them and comes back to the same query with a notice, "Merge into…"
merges into the oldest checked, and a filtered view is saved, opened from its tab and deleted.
The layout is checked at 1280 px with three rows checked (nothing scrolls sideways, the bar
holds on two lines at most).

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh inbox-bulk.png there."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from support_server import bootstrap
from support_server.app import create_app
from support_server.serving import threaded_server

from ..browser import sign_in_with_password
from .conftest import audit_forms

pytestmark = pytest.mark.browser
PASSWORD = "correct horse battery"
XSS = '<img src=x onerror="window.__xss = 1">'


@dataclass
class Desk:
    url: str
    rt: Any
    api_client: FlaskClient
    key: str
    tickets: dict[str, str]

    def api(self, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"}
        r = self.api_client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert r.status_code == want, (r.status_code, r.get_json())
        return r.get_json()

    def ticket(self, key: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/tickets/{self.tickets[key]}"))


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, ["http://allowed.example"])
    app = create_app(data_dir=data_dir)
    rt = app.extensions["support"]
    for handle, name in (("ana", "Ana Lima"), ("maya", "Maya Chen")):
        rt.staff.create_user(handle, PASSWORD, "agent", display_name=name)
    desk = Desk("", rt, app.test_client(), creds["admin_api_key"], {})
    desk.api(
        "POST",
        "/ticket-fields",
        201,
        json={"key": "plan", "label": "Plan", "type": "select", "options": ["Free", "Pro"]},
    )
    desk.api("POST", "/teams", 201, json={"name": "Billing", "members": ["maya"]})
    for key, subject, name, extra in (
        ("refund", "Refund for a double charge", "Grace Hopper", {"fields": {"plan": "Pro"}}),
        ("email", "Can't change my email address", "Alan Turing", {}),
        ("export", "Export to CSV is empty", "Ada Lovelace", {"fields": {"plan": "Free"}}),
        ("card", "Card declined at checkout", "Linus Pauling", {"priority": "urgent"}),
        ("dark", XSS, "Edsger Dijkstra", {"priority": "low", "fields": {"plan": "Pro"}}),
        ("vat", "Invoice shows the wrong VAT number", "Barbara Liskov", {"priority": "high"}),
    ):
        email = name.split()[0].lower() + "@example.com"
        body = {"subject": subject, "body": f"{subject}. Can you help?", "email": email}
        found = desk.api("POST", "/tickets", 201, json={**body, "name": name, **extra})
        desk.tickets[key] = found["id"]
    server = threaded_server(app, "127.0.0.1", 0, log_requests=False)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    desk.url = f"http://127.0.0.1:{server.server_port}"
    try:
        yield desk
    finally:
        server.shutdown()
        thread.join(timeout=10)
        rt.index.close()
        rt.db.close()


def row(page: Any, desk: Desk, key: str) -> Any:
    return page.locator(f"tr[data-href$='{desk.tickets[key]}']")


def test_check_rows_and_change_them_from_the_bulk_bar(desk: Desk, browser_page: Any) -> None:
    page = browser_page
    sign_in_with_password(page, desk.url, "ana", PASSWORD)
    inbox = f"{desk.url}/admin/tickets/?sort=oldest"
    page.goto(inbox)
    bar = page.locator("[data-bulk-bar]")
    assert bar.is_hidden()
    audit_forms(page)

    # a click on a row's checkbox checks it and opens nothing; the bar counts what is checked
    for key in ("refund", "email", "export"):
        row(page, desk, key).locator("input[name=ids]").check()
    page.wait_for_timeout(200)
    assert page.url == inbox
    assert bar.is_visible() and bar.locator("[data-bulk-count]").inner_text() == "3 selected"
    header = page.locator("[data-bulk-all]")
    assert header.evaluate("el => el.indeterminate")

    # at 1280 px: nothing scrolls sideways, the bar holds on two lines at most
    layout = page.evaluate(
        """() => ({
          wide: document.documentElement.scrollWidth - document.documentElement.clientWidth,
          bar: document.querySelector('[data-bulk-bar]').getBoundingClientRect().height,
          line: document.querySelector('#b-status').getBoundingClientRect().height,
        })"""
    )
    assert layout["wide"] <= 0, layout
    assert layout["bar"] < 3 * layout["line"] + 24, layout
    if os.environ.get("SUPPORT_SCREENSHOTS"):
        page.screenshot(path=str(Path(os.environ["SUPPORT_SCREENSHOTS"]) / "inbox-bulk.png"))

    # Apply with no change chosen: refused with the reason, the rows still checked, and the
    # address is the inbox's again (so a reload or the live refresh shows the same list)
    with page.expect_navigation():
        bar.locator("button[value=apply]").click()
    assert "Choose a change" in page.locator(".alert.bad").inner_text()
    assert page.url == inbox
    assert page.locator("input[name=ids]:checked").count() == 3
    assert bar.locator("[data-bulk-count]").inner_text() == "3 selected"

    # Apply: every checked ticket changes, and the same query comes back with a notice
    page.select_option("#b-status", "pending")
    page.select_option("#b-assignee", "maya")
    page.fill("#b-add-tags", "billing, vip")
    with page.expect_navigation(url="**done=updated**"):
        bar.locator("button[value=apply]").click()
    assert "sort=oldest" in page.url
    assert page.locator(".alert.ok").inner_text() == "3 tickets updated"
    assert page.locator("[data-bulk-bar]").is_hidden()
    for key in ("refund", "email", "export"):
        found = desk.ticket(key)
        assert (found["status"], found["assignee"], found["tags"]) == (
            "pending",
            "maya",
            ["billing", "vip"],
        )
    assert desk.ticket("card")["status"] == "new"
    assert page.evaluate("window.__xss") is None

    # the header's box checks every row on the page, and unchecking it hides the bar
    header.check()
    assert page.locator("input[name=ids]:checked").count() == 6
    assert page.locator("[data-bulk-count]").inner_text() == "6 selected"
    header.uncheck()
    assert page.locator("[data-bulk-bar]").is_hidden()

    # "Merge into…" with no ticket typed: into the oldest checked
    page.confirm = True
    for key in ("card", "vat"):
        row(page, desk, key).locator("input[name=ids]").check()
    with page.expect_navigation(url="**done=merged**"):
        page.locator("[data-bulk-bar] button[value=merge]").click()
    notice = f"1 ticket merged into {desk.tickets['card']}"
    assert page.locator(".alert.ok").inner_text() == notice
    assert desk.ticket("vat")["status"] == "closed"
    assert page.errors == []


def test_filter_by_a_custom_field_save_the_view_and_delete_it(
    desk: Desk, browser_page: Any
) -> None:
    page = browser_page
    sign_in_with_password(page, desk.url, "ana", PASSWORD)
    page.goto(f"{desk.url}/admin/tickets/")
    page.select_option("#f-field-plan", "Pro")
    with page.expect_navigation(url="**field.plan=Pro**"):
        page.locator("form.inbox-filters button[type=submit]").click()
    subjects = page.locator("a.subject").all_inner_texts()
    assert sorted(subjects) == sorted(["Refund for a double charge", XSS])

    page.locator(".view-menu summary").click()
    audit_forms(page)
    page.fill("#view-name", "Pro customers")
    with page.expect_navigation():
        page.locator("form.save-view button[type=submit]").click()
    tab = page.locator("a.saved-view", has_text="Pro customers")
    assert tab.get_attribute("aria-current") == "page"

    page.goto(f"{desk.url}/admin/tickets/")
    assert page.locator("a.saved-view").get_attribute("aria-current") is None
    with page.expect_navigation(url="**field.plan=Pro**"):
        page.locator("a.saved-view").click()
    assert page.locator("a.subject").count() == 2
    assert page.locator("#f-field-plan").input_value() == "Pro"

    page.confirm = True
    page.locator(".view-menu summary").click()
    with page.expect_navigation():
        page.locator(".saved-list button", has_text="Delete").click()
    assert page.locator("a.saved-view").count() == 0
    assert page.errors == []
