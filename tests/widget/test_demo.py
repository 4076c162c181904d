"""`make run`'s demo: Ledgerly, a sample product embedding the widget under a strict CSP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..browser import sign_in_with_password
from ..servers import free_port, running_demo
from .conftest import READY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """The demo on a port of its own; yields its URL and data dir."""
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    with running_demo(data_dir, free_port(), data_dir.parent / "demo.log") as url:
        yield url, data_dir


@pytest.fixture(scope="module")
def demo(demo_run: tuple[str, Path]) -> str:
    return demo_run[0]


def test_demo_page_is_a_product_with_the_widget(demo: str) -> None:
    home = requests.get(demo, timeout=10, allow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"].endswith("/invoices/new")
    page = requests.get(f"{demo}/invoices/new", timeout=10)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert "/widget/v1/loader.js" in page.text
    assert page.text.count("data-support-help=") >= 10
    assert requests.get(f"{demo}/nope", timeout=10).status_code == 404
    refused = requests.post(f"{demo}/demo/token", timeout=10)
    assert refused.status_code == 400
    fresh = requests.post(f"{demo}/demo/token", headers={"X-Support-Refresh": "1"}, timeout=10)
    assert fresh.json()["token"].startswith("ut_")


def test_demo_in_a_browser(demo: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{demo}/invoices/new")
        page.wait_for_function(READY)
        assert page.locator("support-help button").count() >= 6
        page.locator("support-help button[aria-label='Help: Tax']").click()
        page.locator("support-widget article h1", has_text="VAT").wait_for()
        page.keyboard.press("Escape")
        page.locator("a[data-nav][href='/settings/security']").click()
        assert page.evaluate("location.pathname") == "/settings/security"
        page.locator("support-widget .launcher").click()
        page.locator(
            "support-widget .item .t", has_text="Enable two-factor authentication"
        ).first.wait_for()
        page.locator("support-widget .link.report").click()
        page.locator("support-widget [name=body]").fill("Demo report")
        page.locator("support-widget button[type=submit]").click()
        page.locator("support-widget .done h3", has_text="Message sent").wait_for()
        assert errors == []
    finally:
        context.close()


def credentials(data_dir: Path) -> dict[str, Any]:
    found: dict[str, Any] = json.loads((data_dir / "demo-credentials.json").read_text())
    return found


def test_the_demo_prints_only_what_a_newcomer_needs(demo_run: tuple[str, Path]) -> None:
    url, data_dir = demo_run
    requests.get(f"{url}/invoices/new", timeout=10).raise_for_status()
    requests.get(f"{url}/widget/v1/loader.js", timeout=10).raise_for_status()
    printed = (data_dir.parent / "demo.log").read_text(encoding="utf-8")
    assert f"Demo host page : {url}/" in printed
    assert f"Admin          : {url}/admin   (user admin, password " in printed
    assert "development server" not in printed and "Running on" not in printed  # no banner
    assert '"GET /' not in printed  # and no line per request
    assert credentials(data_dir)["url"] == url  # where the examples find it


def test_the_demo_starts_with_sample_tickets_and_analytics(demo_run: tuple[str, Path]) -> None:
    url, data_dir = demo_run
    creds = credentials(data_dir)
    agent = {"Authorization": f"Bearer {creds['agent_api_key']}"}
    tickets = requests.get(f"{url}/api/v1/tickets?limit=50", headers=agent, timeout=10).json()
    subjects = [t["subject"] for t in tickets["items"]]
    assert len(subjects) >= 6 and "VAT is missing from invoice INV-2024-0139" in subjects
    admin = {"Authorization": f"Bearer {creds['admin_api_key']}"}
    summary = requests.get(f"{url}/api/v1/analytics/summary", headers=admin, timeout=10).json()
    assert summary["searches"]["total"] > 0 and summary["searches"]["zero_results"] > 0
    assert summary["tickets"]["total"] >= 6 and summary["csat"]["ratings"] >= 1
    assert summary["deflection"]["help_sessions"] > 0


def test_a_newcomer_signs_in_and_sees_the_inbox_and_analytics(
    demo_run: tuple[str, Path], browser: Any
) -> None:
    url, data_dir = demo_run
    creds = credentials(data_dir)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        page = context.new_page()
        sign_in_with_password(page, url, creds["admin_username"], creds["admin_password"])
        page.goto(f"{url}/admin/tickets/")
        page.get_by_text("Bank feed sync fails every morning").first.wait_for()
        assert page.get_by_text("Two-factor code is always rejected").count() >= 1
        page.screenshot(path="/tmp/newcomer-demo-inbox.png", full_page=True)
        page.get_by_text("Bank feed sync fails every morning").first.click()
        page.get_by_text("engineering is on it").first.wait_for()  # the internal note
        page.screenshot(path="/tmp/newcomer-demo-ticket.png", full_page=True)
        page.goto(f"{url}/admin/analytics/")
        page.get_by_text("payroll").first.wait_for()  # a search that found nothing
        page.screenshot(path="/tmp/newcomer-demo-analytics.png", full_page=True)
    finally:
        context.close()


def test_a_ticket_filed_on_the_demo_is_mailed_to_its_staff_through_the_mail_catcher(
    demo_run: tuple[str, Path],
) -> None:
    """`make run` starts a mail catcher: the staff's notification and the customer's
    acknowledgement land there as .eml files and show as sent in the admin's Sent mail, whose
    address the banner prints. The demo's teams route the ticket and assign it: its assignee
    hears it is theirs, nobody else is mailed."""
    import email
    import email.policy
    import re
    import time
    import uuid

    from support_sdk import SupportClient

    url, data_dir = demo_run
    creds = credentials(data_dir)
    printed = (data_dir.parent / "demo.log").read_text(encoding="utf-8")
    assert f"Sent mail      : {url}/admin/mail   (kept as .eml files in " in printed
    subject = f"Demo mail {uuid.uuid4().hex[:8]}"
    # what the demo page's widget does: a token from the host page's backend, then the ticket
    token = requests.post(
        f"{url}/demo/token", headers={"X-Support-Refresh": "1"}, timeout=10
    ).json()["token"]
    SupportClient(url, app_id=creds["app_id"]).create_ticket(
        "Saving an invoice spins forever", subject=subject, user_token=token
    )
    folder = data_dir / "mailcatcher"
    deadline = time.monotonic() + 30
    caught: list[email.message.EmailMessage] = []
    while time.monotonic() < deadline:
        caught = [
            m
            for m in (
                email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
                for p in sorted(folder.glob("*.eml"))
            )
            if subject in str(m["Subject"])
        ]
        if len(caught) >= 2:
            break
        time.sleep(0.2)
    time.sleep(1)  # nothing more comes
    caught = [
        m
        for m in (
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in sorted(folder.glob("*.eml"))
        )
        if subject in str(m["Subject"])
    ]
    customer = [m for m in caught if str(m["To"]) == "ada@example.com"]
    staff = [m for m in caught if str(m["To"]) != "ada@example.com"]
    assert len(customer) == 1  # the customer's acknowledgement, threaded on the ticket
    # no context: the Product team takes it, and the one member it is assigned to hears it
    (assigned,) = staff
    assert str(assigned["To"]) in ("maya@ledgerly.example", "sam@ledgerly.example")
    assert "Assigned to you" in str(assigned["Subject"])
    assert all(m["Auto-Submitted"] == "auto-generated" for m in caught)
    (acknowledgement,) = customer
    assert "<tkt_" in str(acknowledgement["References"])
    assert acknowledgement["Reply-To"]
    # the sample history sent nothing: no mail about a sample ticket
    kept = " ".join(p.read_text(errors="replace") for p in folder.glob("*.eml"))
    assert "VAT is missing from invoice INV-2024-0139" not in kept
    http = requests.Session()
    page = http.get(f"{url}/admin/login", timeout=10).text
    login = re.search(r'name="login_token" value="([^"]+)"', page)
    assert login
    signed = http.post(
        f"{url}/admin/login",
        data={
            "login_token": login.group(1),
            "username": creds["admin_username"],
            "password": creds["admin_password"],
        },
        headers={"Origin": url},
        allow_redirects=False,
        timeout=10,
    )
    assert signed.status_code == 303, signed.text
    listing = http.get(f"{url}/admin/mail/", timeout=10).text
    rows = re.findall(r'<tr data-mail="mail_\w+" data-state="(\w+)">(.*?)</tr>', listing, re.S)
    mine = [state for state, row in rows if subject in row]
    assert mine == ["sent", "sent"], listing
