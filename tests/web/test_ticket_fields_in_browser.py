"""The ticket page's Fields card in real Chromium: an agent fills in a ticket's custom fields
(select, number, checkbox, date) and saves them; a deleted field's value stays, archived.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh docs/screenshots/ticket-fields.png."""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from .conftest import audit_forms, sign_in
from .test_tickets_in_browser import Filed

pytestmark = pytest.mark.browser


def api(server: LiveServer, method: str, path: str, want: int, **kwargs: Any) -> Any:
    r = requests.request(
        method,
        f"{server.url}/api/v1{path}",
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
        **kwargs,
    )
    assert r.status_code == want, r.text
    return r.json() if r.content else None


def test_an_agent_fills_in_the_fields_and_an_archived_one_stays(
    web: LiveServer, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    m = uuid.uuid4().hex[:6]
    made = [
        api(web, "POST", "/ticket-fields", 201, json=body)
        for body in (
            {"key": f"plan_{m}", "label": f"Plan {m}", "type": "select",
             "options": ["Free", "Team", "Enterprise"]},
            {"key": f"seats_{m}", "label": "Seats", "type": "number"},
            {"key": f"vip_{m}", "label": "VIP customer", "type": "checkbox",
             "visible_to_requester": False},
            {"key": f"renewal_{m}", "label": "Renewal date", "type": "date"},
            {"key": f"old_{m}", "label": "Legacy tier", "type": "text"},
        )
    ]  # fmt: skip
    try:
        filed = Filed(web)
        api(web, "PATCH", f"/tickets/{filed.id}", 200, json={"fields": {f"old_{m}": "Gold"}})
        api(web, "DELETE", f"/ticket-fields/{made[-1]['id']}", 204)
        sign_in(page, web, "agent")
        page.goto(f"{web.url}/admin/tickets/{filed.id}")
        page.wait_for_selector("[data-fields]")
        audit_forms(page)
        archived = page.inner_text(f'[data-archived-field="old_{m}"]')
        assert "Legacy tier" in archived and "Archived" in archived and "Gold" in archived
        page.select_option(f"#f-plan_{m}", "Team")
        page.fill(f"#f-seats_{m}", "25")
        page.check(f'[name="field.vip_{m}"]')
        page.fill(f"#f-renewal_{m}", "2027-03-01")
        page.locator("[data-fields]").scroll_into_view_if_needed()
        folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
        page.locator("[data-fields]").screenshot(path=str(folder / "ticket-fields.png"))
        with page.expect_navigation(url="**notice=updated"):
            page.click("[data-fields] button[type=submit]")
        assert filed.as_agent()["fields"] == {
            f"plan_{m}": "Team",
            f"seats_{m}": 25,
            f"vip_{m}": True,
            f"renewal_{m}": "2027-03-01",
            f"old_{m}": "Gold",
        }
        assert page.is_checked(f'[name="field.vip_{m}"]')
        assert not page.errors
    finally:  # the shared server's other tests file tickets without these fields
        for field in made:
            api(web, "DELETE", f"/ticket-fields/{field['id']}", 204)
