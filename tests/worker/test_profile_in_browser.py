"""The staff side of notification mail in real Chromium: a user sets their address and
switches a kind off on their Profile, and the server (with a real SMTP server behind it)
honours it; Sent mail lists what went out and what was refused; the ticket page warns about
a refused address. Screenshots of each page go to /tmp (and, looked at, to docs/screenshots)."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from support_server.services.staff import StaffService
from support_server.store import Database
from tests.conftest import LiveServer
from tests.servers import ServerProcess, init_data_dir
from tests.web.conftest import PASSWORD, Staff, audit_forms

from .smtp import REFUSAL, SmtpServer, start_smtp

pytestmark = [pytest.mark.browser, pytest.mark.slow]
REFUSED = "rex@refused.example"


@pytest.fixture(scope="module")
def mailing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, SmtpServer]]:
    data_dir = tmp_path_factory.mktemp("profile") / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    db = Database(data_dir / "support.db")
    staff = StaffService(db)
    staff.create_user("ada", PASSWORD, "admin", display_name="Ada Admin", email="ada@team.example")
    staff.create_user("ana", PASSWORD, "agent", display_name="Ana Agent")  # no address yet
    staff.create_user("rex", PASSWORD, "agent", display_name="Rex Agent", email=REFUSED)
    db.close()
    with start_smtp() as smtp:
        smtp.refuse.add(REFUSED)
        with ServerProcess(data_dir, creds, env={"SUPPORT_SMTP_URL": smtp.url}) as process:
            yield LiveServer(process, creds), smtp


@pytest.fixture
def browser_page(browser: Any) -> Iterator[Any]:
    """A fresh context's page that records script errors (as tests/web's does)."""
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    context.close()


def file(server: LiveServer, subject: str) -> str:
    r = requests.post(
        f"{server.url}/api/v1/tickets",
        json={"subject": subject, "body": "The PDF export is blank", "email": "cleo@example.com"},
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
    )
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def sign_in(page: Any, server: LiveServer, username: str) -> None:
    page.goto(server.url + "/admin/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button.primary")
    page.wait_for_url("**/admin/**")


def test_a_user_sets_an_address_and_switches_new_tickets_off_on_their_profile(
    mailing: tuple[LiveServer, SmtpServer], browser_page: Any
) -> None:
    server, smtp = mailing
    page = browser_page
    sign_in(page, server, "ana")
    page.get_by_role("link", name="Profile").click()
    page.wait_for_url("**/admin/profile/")
    assert page.input_value("#f-username") == "ana"
    for box in page.locator("input[name=notify]").all():
        assert box.is_checked()  # every kind is on until switched off
    page.fill("#f-email", "not an address")
    page.click("button.primary")  # the browser's own check (type=email) holds the form back
    assert page.evaluate("document.querySelector('#f-email').checkValidity()") is False
    assert page.get_by_text("Profile saved.").count() == 0
    page.fill("#f-email", "ana@team.example")
    page.uncheck("#n-new_ticket")
    page.click("button.primary")
    page.get_by_text("Profile saved.").wait_for()
    page.reload()
    assert page.input_value("#f-email") == "ana@team.example"
    assert not page.is_checked("#n-new_ticket")
    assert page.is_checked("#n-customer_reply") and page.is_checked("#n-mention")
    assert page.is_checked("#n-assigned")
    audit_forms(page)
    page.screenshot(path="/tmp/admin-profile.png")
    assert page.errors == []
    # a new ticket: ada is told, ana (new tickets off) is not
    subject = f"Blank PDF {uuid.uuid4().hex[:8]}"
    file(server, subject)
    smtp.wait_for("ada@team.example", subject)
    time.sleep(1.0)
    assert smtp.to("ana@team.example", subject) == []
    # switched on again, the next one reaches her
    page.check("#n-new_ticket")
    page.click("button.primary")
    page.get_by_text("Profile saved.").wait_for()
    again = f"Blank PDF again {uuid.uuid4().hex[:8]}"
    file(server, again)
    smtp.wait_for("ana@team.example", again)


def test_sent_mail_and_the_ticket_warning_for_a_refused_address(
    mailing: tuple[LiveServer, SmtpServer], browser_page: Any
) -> None:
    server, smtp = mailing
    page = browser_page
    subject = f"Invoice totals wrong {uuid.uuid4().hex[:8]}"
    ticket_id = file(server, subject)
    smtp.wait_for("ada@team.example", subject)
    sign_in(page, server, "ada")
    page.goto(f"{server.url}/admin/tickets/{ticket_id}")
    warning = page.locator(".alert.mail-rejected")
    deadline = time.monotonic() + 20
    while warning.count() == 0 and time.monotonic() < deadline:
        time.sleep(0.3)
        page.reload()
    assert REFUSED in warning.inner_text() and REFUSAL in warning.inner_text()
    page.screenshot(path="/tmp/admin-ticket-mail-rejected.png")
    page.get_by_role("link", name="Sent mail").click()
    page.wait_for_url("**/admin/mail/")
    mine = page.locator("tr[data-mail]", has_text=subject)
    assert mine.filter(has_text=REFUSED).get_attribute("data-state") == "rejected"
    assert REFUSAL in mine.filter(has_text=REFUSED).inner_text()
    sent = mine.filter(has_text="ada@team.example")
    assert sent.get_attribute("data-state") == "sent"
    assert "\tsent\t" in sent.inner_text().lower()
    page.screenshot(path="/tmp/admin-sent-mail.png")
    sent.get_by_role("link").click()
    frame = page.frame_locator("iframe.mail-html")
    frame.locator("h1", has_text="New ticket").wait_for()
    assert frame.locator("text=The PDF export is blank").count() == 1
    assert "The PDF export is blank" in page.locator("pre.mail-text").inner_text()
    page.screenshot(path="/tmp/admin-sent-mail-detail.png", full_page=True)
    assert page.errors == []


def test_a_staff_api_key_is_told_profiles_are_for_users(
    mailing: tuple[LiveServer, SmtpServer],
) -> None:
    server, _ = mailing
    person = Staff(server)
    try:
        assert person.sign_in(api_key=server.admin_key).status_code == 303
        page = person.get("/admin/profile/")
        assert page.status_code == 200
        assert "Profiles are for users who sign in with a username and password" in page.text
        assert 'name="email"' not in page.text
        refused = person.post("/admin/profile/", {"email": "key@team.example"})
        assert refused.status_code == 403
    finally:
        person.close()


def test_the_profile_form_needs_its_csrf_token_and_checks_the_address(
    mailing: tuple[LiveServer, SmtpServer], tmp_path: Path
) -> None:
    server, _ = mailing
    person = Staff(server)
    try:
        assert person.sign_in("rex").status_code == 303
        forged = person.post("/admin/profile/", {"email": "evil@attacker.example"}, csrf=False)
        assert forged.status_code == 403
        bad = person.post("/admin/profile/", {"email": "no at sign", "notify": "mention"})
        assert bad.status_code == 422 and "is not an email address" in bad.text
        page = person.get("/admin/profile/").text
        assert f'value="{REFUSED}"' in page  # unchanged by either
        assert 'id="n-new_ticket" type="checkbox" name="notify" value="new_ticket" checked' in page
    finally:
        person.close()
