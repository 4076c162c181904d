"""Service levels and teams in the inbox and on the ticket page, in real Chromium.

The app runs in this process on a real port (werkzeug's threaded server, as `support-server
run` serves it) with the server's clock pinned, so due times read the same on every run: the
inbox sorted by due with an overdue and a due-soon ticket, its Team and Breached filters
submitted as the page renders them, the live inbox turning "in 25 min" into "overdue" without a
reload, and the ticket page's SLA panel, history and Team select. Layout is checked at 1280 px
(no sideways scrolling, no wrapped due times) and the due colours' contrast is measured.

Set SUPPORT_SCREENSHOTS=docs/screenshots to refresh inbox-due.png and ticket-sla.png there."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from support_server import bootstrap, clock
from support_server.app import create_app
from support_server.serving import threaded_server

from ..browser import sign_in_with_password
from .conftest import audit_forms

pytestmark = pytest.mark.browser
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc).timestamp()  # a Monday, 08:00 UTC
MIN, HOUR = 60, 3600
PASSWORD = "correct horse battery"

# The contrast of an element's text on what is painted behind it (WCAG 2 relative luminance).
_CONTRAST = """(el) => {
  const rgb = (css) => css.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const f = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let back = el;
  while (back && rgb(getComputedStyle(back).backgroundColor)[3] === 0) back = back.parentElement;
  const bg = back ? rgb(getComputedStyle(back).backgroundColor) : [255, 255, 255];
  const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(bg)].sort((x, y) => y - x);
  return (a + 0.05) / (b + 0.05);
}"""


class Clock:
    def __init__(self, value: float) -> None:
        self.value = value

    def now(self) -> float:
        return self.value


@dataclass
class Desk:
    url: str
    rt: Any
    api_client: FlaskClient
    key: str
    clock: Clock
    tickets: dict[str, dict[str, Any]]
    teams: dict[str, dict[str, Any]]

    def api(self, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.key}"}
        r = self.api_client.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert r.status_code == want, (r.status_code, r.get_json())
        return r.get_json()


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    """A help desk at T0 + 4 h 10 min: teams Billing and Accounts, an Urgent policy (first
    response 1 h), a Standard one (8 h) for normal and high tickets, a rule making billing
    refunds urgent, and six tickets: one 3 h past due, one due in 25 min, one pending, one no
    policy applies to."""
    pinned = Clock(T0)
    monkeypatch.setattr(clock, "now", pinned.now)
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, ["http://allowed.example"])
    app = create_app(data_dir=data_dir)
    rt = app.extensions["support"]
    for handle, name in (("ana", "Ana Lima"), ("maya", "Maya Chen"), ("sam", "Sam Okafor")):
        rt.staff.create_user(handle, PASSWORD, "agent", display_name=name)
    desk = Desk("", rt, app.test_client(), creds["admin_api_key"], pinned, {}, {})
    for name, member, context in (("Billing", "maya", "billing."), ("Accounts", "sam", "account.")):
        desk.teams[name] = desk.api(
            "POST", "/teams", 201, json={"name": name, "members": [member], "contexts": [context]}
        )
    for name, priorities, targets in (
        ("Urgent", ["urgent"], {"first_response": 60, "resolution": 480}),
        ("Standard", ["normal", "high"], {"first_response": 480, "resolution": 2880}),
    ):
        condition = {"field": "priority", "op": "in", "value": priorities}
        desk.api(
            "POST", "/sla-policies", 201, json={"name": name, "if": [condition], "targets": targets}
        )
    desk.api(
        "POST",
        "/automations",
        201,
        json={
            "name": "Billing is urgent",
            "when": {"event": "ticket.created"},
            "if": [{"field": "context_key", "op": "starts_with", "value": "billing.refunds"}],
            "then": [
                {"action": "set", "field": "priority", "value": "urgent"},
                {"action": "add_tags", "tags": ["billing"]},
            ],
        },
    )

    def file(key: str, subject: str, name: str, **data: Any) -> None:
        email = name.split()[0].lower() + "@example.com"
        body = {"subject": subject, "body": f"{subject}. Can you help?", "email": email}
        desk.tickets[key] = desk.api("POST", "/tickets", 201, json={**body, "name": name, **data})

    file(
        "late",
        "Refund for a double charge",
        "Grace Hopper",
        context={"context_key": "billing.refunds"},
    )
    pinned.value = T0 + 2 * HOUR
    file(
        "email",
        "Can't change my email address",
        "Alan Turing",
        context={"context_key": "account.settings"},
    )
    pinned.value = T0 + 3 * HOUR
    file("export", "Export to CSV is empty", "Ada Lovelace")
    desk.api(
        "POST",
        f"/tickets/{desk.tickets['export']['id']}/messages",
        201,
        json={"body": "Which report?"},
    )
    desk.api("PATCH", f"/tickets/{desk.tickets['export']['id']}", json={"status": "pending"})
    pinned.value = T0 + 3 * HOUR + 35 * MIN
    file("soon", "Card declined at checkout", "Linus Pauling", priority="urgent")
    pinned.value = T0 + 3 * HOUR + 50 * MIN
    file("idea", "Feature idea: dark mode", "Edsger Dijkstra", priority="low")
    file(
        "vat",
        "Invoice shows the wrong VAT number",
        "Barbara Liskov",
        priority="high",
        context={"context_key": "billing.invoices"},
    )
    pinned.value = T0 + 4 * HOUR + 10 * MIN

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


def shoot(page: Any, tmp_path: Path, name: str) -> Path:
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    path = folder / name
    page.screenshot(path=str(path))
    return path


def inbox_rows(page: Any) -> list[tuple[str, str]]:
    rows = page.locator("[data-rows] tbody tr")
    return [
        (
            rows.nth(i).locator(".subject").inner_text(),
            rows.nth(i).locator("td[data-due]").inner_text().strip(),
        )
        for i in range(rows.count())
    ]


def fits(page: Any) -> None:
    """At 1280 px the inbox scrolls no way but down, and no due time or header wraps."""
    layout = page.evaluate(
        """() => ({
          page: document.scrollingElement.scrollWidth - window.innerWidth,
          table: [...document.querySelectorAll('.content > .card')].map(
            (c) => c.scrollWidth - c.clientWidth),
          wrapped: [...document.querySelectorAll('td[data-due] .due, .table th')]
            .filter((el) => {
              const range = document.createRange();
              range.selectNodeContents(el);
              const tops = [...range.getClientRects()].map((r) => r.top);
              const size = parseFloat(getComputedStyle(el).fontSize);
              return tops.length && Math.max(...tops) - Math.min(...tops) > 0.8 * size;
            })
            .map((el) => el.textContent),
        })"""
    )
    assert layout == {"page": 0, "table": [0], "wrapped": []}, layout


def test_the_inbox_sorted_by_due(desk: Desk, browser_page: Any, tmp_path: Path) -> None:
    page = browser_page
    sign_in_with_password(page, desk.url, "ana", PASSWORD)
    page.goto(desk.url + "/admin/tickets/")
    audit_forms(page)
    assert page.locator("#f-sort option:checked").inner_text() == "Due soonest"
    assert inbox_rows(page) == [
        ("Refund for a double charge", "3 h overdue"),
        ("Card declined at checkout", "in 25 min"),
        ("Can't change my email address", "in 5 h"),
        ("Invoice shows the wrong VAT number", "in 7 h"),
        ("Feature idea: dark mode", ""),  # no policy for low priority
        ("Export to CSV is empty", "paused"),
    ]
    late = page.locator("tr", has_text="Refund for a double charge").locator("time.due")
    assert late.get_attribute("datetime") == clock.iso(T0 + HOUR)
    assert late.get_attribute("title")  # the absolute time, in the reader's own zone
    assert "Maya Chen" in page.locator("tr", has_text="Refund for a double charge").inner_text()
    fits(page)
    for due in ("due-overdue", "due-soon", "due-due", "due-paused"):
        ratio = page.locator(f"td[data-due] .{due}").first.evaluate(_CONTRAST)
        assert ratio >= 4.5, (due, ratio)
    shot = shoot(page, tmp_path, "inbox-due.png")
    assert shot.stat().st_size > 10_000
    page.keyboard.press("j")  # the selected row's tint keeps the red readable
    assert page.locator("tr[aria-selected=true] .due-overdue").evaluate(_CONTRAST) >= 4.5

    # Team, then Breached, through the filter form as the page renders it
    page.select_option("#f-team", desk.teams["Billing"]["id"])
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**team=team_*")
    audit_forms(page)
    assert [s for s, _ in inbox_rows(page)] == [
        "Refund for a double charge",
        "Invoice shows the wrong VAT number",
    ]
    page.select_option("#f-breached", "1")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**breached=1*")
    assert inbox_rows(page) == [("Refund for a double charge", "3 h overdue")]
    page.select_option("#f-team", "none")
    page.click("form.filters button[type=submit]")
    page.wait_for_url("**team=none*")
    page.locator(".empty-state").wait_for()  # nothing without a team is breached
    with page.expect_navigation():
        page.click("text=Clear")
    assert len(inbox_rows(page)) == 6
    assert page.errors == [] and page.dialogs == []


def test_the_live_inbox_follows_the_clock(desk: Desk, browser_page: Any) -> None:
    page = browser_page
    sign_in_with_password(page, desk.url, "ana", PASSWORD)
    page.goto(desk.url + "/admin/tickets/")
    page.evaluate("window.__sameDocument = true")
    soon = page.locator("tr", has_text="Card declined at checkout").locator("td[data-due]")
    assert soon.inner_text() == "in 25 min"
    desk.clock.value += 26 * MIN  # it falls due: no ticket changed, the row must
    page.locator("tr", has_text="Card declined at checkout").locator(
        ".due-overdue", has_text="1 min overdue"
    ).wait_for(timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True
    assert [s for s, _ in inbox_rows(page)][:2] == [
        "Refund for a double charge",
        "Card declined at checkout",
    ]
    assert page.errors == []


def test_the_ticket_page_shows_its_service_level(
    desk: Desk, browser_page: Any, tmp_path: Path
) -> None:
    page = browser_page
    sign_in_with_password(page, desk.url, "ana", PASSWORD)
    page.goto(desk.url + "/admin/tickets/")
    page.locator("tr", has_text="Refund for a double charge").locator("td").nth(1).click()
    late = desk.tickets["late"]["id"]
    page.wait_for_url(f"**/admin/tickets/{late}")
    audit_forms(page)

    panel = page.locator("[data-sla]")
    assert " ".join(panel.locator("h2").inner_text().split()) == "Service level Breached"
    assert panel.locator(".sla-policy").inner_text() == "Policy Urgent"
    first = panel.locator("[data-metric=first_response]")
    assert " ".join(first.inner_text().split()) == (
        "First response · 1 h Breached 3 h overdue Was due 7 Dec 2026, 09:00 UTC"
    )
    resolution = panel.locator("[data-metric=resolution]")
    assert " ".join(resolution.inner_text().split()) == (
        "Resolution · 8 h in 3 h Due 7 Dec 2026, 16:00 UTC"
    )
    assert page.locator(".page-head [data-due]").inner_text() == "3 h overdue"
    history = [" ".join(t.split()) for t in page.locator("[data-activity] p").all_inner_texts()]
    assert history == [
        "Routed to Billing, assigned to Maya Chen",
        "Automation Billing is urgent: priority normal → urgent, tag +billing",
    ]
    assert page.locator("#p-team option:checked").inner_text() == "Billing"
    ratio = panel.locator(".due-overdue").evaluate(_CONTRAST)
    assert ratio >= 4.5, ratio
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 1280
    shot = shoot(page, tmp_path, "ticket-sla.png")
    assert shot.stat().st_size > 10_000

    # the Team select beside the assignee saves through the ticket service
    page.select_option("#p-team", desk.teams["Accounts"]["id"])
    with page.expect_navigation(url="**notice=updated"):
        page.click("form[data-props] button.primary")
    assert desk.api("GET", f"/tickets/{late}")["team"]["name"] == "Accounts"
    assert page.locator("#p-team option:checked").inner_text() == "Accounts"
    assert page.locator(".alert.ok").inner_text() == "Ticket updated."

    # j: the next ticket in the inbox's order, due soonest
    with page.expect_navigation(url=f"**/admin/tickets/{desk.tickets['soon']['id']}"):
        page.keyboard.press("j")
    assert page.locator(".page-head [data-due]").inner_text() == "Due in 25 min"
    page.goto(f"{desk.url}/admin/tickets/{desk.tickets['export']['id']}")
    paused = page.locator("[data-sla] [data-metric=resolution]")
    assert " ".join(paused.inner_text().split()) == "Resolution · 48 h Paused while pending"
    assert page.errors == [] and page.dialogs == []
