"""The workspace pages in real Chromium against a real server: an admin adds, edits and deletes
a saved reply, and adds a select field (which the ticket page then offers), edits it, archives
it and restores it, each refused form first kept as typed.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/admin-saved-replies.png and
docs/screenshots/admin-ticket-fields.png."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from ..servers import ServerProcess, init_data_dir
from .conftest import audit_forms, create_users, sign_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def workspace_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of its own: a required field here would refuse the other tests' tickets."""
    data_dir = tmp_path_factory.mktemp("workspace") / "data"
    creds = init_data_dir(data_dir)
    create_users(data_dir)
    with ServerProcess(data_dir, creds) as process:
        yield LiveServer(process, creds)


def _shoot(page: Any, tmp_path: Path, name: str) -> None:
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def _api(server: LiveServer, method: str, path: str, **kwargs: Any) -> Any:
    r = requests.request(
        method,
        f"{server.url}/api/v1{path}",
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
        **kwargs,
    )
    r.raise_for_status()
    return r.json() if r.content else None


def test_an_admin_adds_edits_and_deletes_a_saved_reply(
    workspace_server: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    server, page = workspace_server, browser_page
    page.confirm = True
    for name, body in (
        ("Password reset", "Hi {{requester.name}},\n\nUse “Forgot password” on the sign-in page."),
        ("Closing: no answer", "We have not heard back, so we are closing {{ticket.id}}."),
    ):
        made = _api(server, "POST", "/macros", json={"name": name, "body": body})
    closing = {"action": "reply", "macro": made["id"]}
    _api(server, "POST", "/automations", json={"name": "Close silent tickets",
         "when": {"after": {"status": "pending", "hours": 168}},
         "then": [closing, {"action": "set_status", "value": "solved"}]})  # fmt: skip
    sign_in(page, server, "admin")
    page.click("nav >> text=Workspace")
    page.wait_for_selector("h1:text('Workspace')")
    assert page.inner_text(".tabs [aria-current=page]") == "Saved replies"
    page.click("text=Add saved reply")
    audit_forms(page)
    assert "{{requester.name}}" in page.inner_text(".placeholders")
    page.fill("#f-name", "Refund on its way")
    typed = "Hi {{customer.name}},\n\nyour refund for {{ticket.id}} is on its way. {{agent.name}}"
    page.fill("#f-body", typed)
    page.click("button:text('Add saved reply')")
    assert page.inner_text("#e-body").startswith("unknown placeholder {{customer.name}}")
    assert page.input_value("#f-body") == typed  # nothing typed is lost
    assert page.input_value("#f-name") == "Refund on its way"
    audit_forms(page)
    page.fill("#f-body", typed.replace("customer", "requester"))
    with page.expect_navigation(url="**notice=added"):
        page.click("button:text('Add saved reply')")
    row = page.locator("tr[data-reply]").filter(has_text="Refund on its way")
    assert row.locator(".reply-preview .chip").all_inner_texts() == [
        "{{requester.name}}",
        "{{ticket.id}}",
        "{{agent.name}}",
    ]
    assert page.locator("tr[data-reply] td.title a").all_inner_texts() == [
        "Closing: no answer",
        "Password reset",
        "Refund on its way",
    ]
    closing_row = page.locator("tr[data-reply]").filter(has_text="Closing: no answer")
    assert closing_row.locator(".chip:not(.mono)").all_inner_texts() == ["Close silent tickets"]
    _shoot(page, tmp_path, "admin-saved-replies")

    page.click("a:text-is('Refund on its way')")
    audit_forms(page)
    page.fill("#f-name", "Password reset")
    page.click("button:text('Save saved reply')")
    assert page.inner_text("#e-name") == "there is already a saved reply named Password reset"
    page.fill("#f-name", "Refund sent")
    with page.expect_navigation(url="**notice=saved"):
        page.click("button:text('Save saved reply')")
    page.click("a:text-is('Refund sent')")
    with page.expect_navigation(url="**notice=deleted"):
        page.click("button:text('Delete the saved reply “Refund sent”')")
    assert page.dialogs[-1][0] == "confirm" and "Refund sent" in page.dialogs[-1][1]
    assert "Refund sent" not in page.inner_text("table.saved-replies")
    names = [m["name"] for m in _api(server, "GET", "/macros")["items"]]
    assert names == ["Closing: no answer", "Password reset"]
    assert page.errors == []


def test_an_admin_adds_a_select_field_archives_and_restores_it(
    workspace_server: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    server, page = workspace_server, browser_page
    page.confirm = True
    order = {"key": "order_no", "label": "Order number", "type": "text"}
    _api(server, "POST", "/ticket-fields", json={**order, "visible_to_requester": False})
    legacy = {"key": "legacy_tier", "label": "Legacy tier", "type": "text"}
    old = _api(server, "POST", "/ticket-fields", json=legacy)
    _api(server, "DELETE", f"/ticket-fields/{old['id']}")
    sign_in(page, server, "admin")
    page.click("nav >> text=Workspace")
    page.click(".tabs >> text=Ticket fields")
    page.click("text=Add field")
    audit_forms(page)
    page.fill("#f-key", "Issue type")
    page.fill("#f-label", "Issue type")
    page.select_option("#f-type", "select")
    page.fill("#f-options", "Bug\nBilling\n")
    page.check("#f-required")
    page.click("button:text('Add field')")
    assert "lowercase letters, digits or _" in page.inner_text("#e-key")
    assert page.input_value("#f-options") == "Bug\nBilling\n"  # kept as typed
    assert page.input_value("#f-type") == "select" and page.is_checked("#f-required")
    assert page.is_checked("#f-visible_to_requester")
    page.fill("#f-key", "issue_type")
    with page.expect_navigation(url="**notice=added"):
        page.click("button:text('Add field')")
    row = page.locator("tr[data-field=issue_type]")
    assert row.locator(".chip").all_inner_texts() == ["Bug", "Billing"]
    assert row.locator("[data-flag=required]").inner_text() == "Required"

    page.click("a:text-is('Issue type')")
    audit_forms(page)
    assert "fixed once made" in page.inner_text(".field.fixed")
    assert page.locator("#f-key, #f-type").count() == 0
    page.fill("#f-options", "Bug\nBilling\nFeature request")
    page.fill("#f-label", "   ")  # past the browser's required: the service says no
    page.click("button:text('Save field')")
    assert page.inner_text("#e-label") == "a label of 1 to 120 characters"
    assert page.input_value("#f-options") == "Bug\nBilling\nFeature request"
    page.fill("#f-label", "Issue type")
    with page.expect_navigation(url="**notice=saved"):
        page.click("button:text('Save field')")
    assert row.locator("[data-flag=required]").inner_text() == "Required"
    assert row.locator(".chip").all_inner_texts() == ["Bug", "Billing", "Feature request"]
    assert page.locator("tbody tr[data-field]:not(.off) .mono").all_inner_texts() == [
        "order_no",
        "issue_type",
    ]
    assert "Legacy tier" in page.inner_text("#archived")
    _shoot(page, tmp_path, "admin-ticket-fields")

    filed = {"subject": "Charged twice", "body": "Help", "email": "cleo@example.com"}
    ticket = _api(server, "POST", "/tickets", json={**filed, "fields": {"issue_type": "Billing"}})
    page.goto(f"{server.url}/admin/tickets/{ticket['id']}")
    offered = page.locator("select[name='field.issue_type'] option").all_inner_texts()
    assert offered == ["—", "Bug", "Billing", "Feature request"]  # the Fields card offers it
    assert page.input_value("select[name='field.issue_type']") == "Billing"

    page.goto(f"{server.url}/admin/ticket-fields/")
    page.click("a:text-is('Issue type')")
    with page.expect_navigation(url="**notice=archived"):
        page.click("button:text('Delete (archive) the field “Issue type”')")
    assert page.dialogs[-1][0] == "confirm" and "Tickets keep their values" in page.dialogs[-1][1]
    assert page.locator("#archived tr[data-field=issue_type]").count() == 1
    kept = _api(server, "GET", f"/tickets/{ticket['id']}")
    assert kept["fields"] == {"issue_type": "Billing"}
    with page.expect_navigation(url="**notice=restored"):
        page.click("#archived button[aria-label='Restore Issue type']")
    assert page.locator("tbody tr[data-field=issue_type]:not(.off)").count() == 1

    _api(server, "DELETE", f"/ticket-fields/{old['id']}")  # archived already: stays so
    page.click("text=Add field")
    page.fill("#f-key", "legacy_tier")
    page.fill("#f-label", "Tier")
    page.click("button:text('Add field')")
    assert "was deleted and tickets still hold its values" in page.inner_text("#e-key")
    with page.expect_navigation(url="**notice=restored"):
        page.click("button:text('Restore the archived field “Legacy tier” (legacy_tier)')")
    assert page.locator("#archived").count() == 0
    audit_forms(page)
    assert page.errors == []
