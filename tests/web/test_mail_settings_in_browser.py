"""An admin sets up the app's email channel in real Chromium: the settings form saves what it
shows (and keeps what was typed when refused), and a new inbound key is shown once and works."""

from __future__ import annotations

import re
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from .conftest import audit_forms, sign_in

pytestmark = pytest.mark.browser


def test_an_admin_saves_the_email_settings_and_makes_an_inbound_key(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    sign_in(page, web, "admin")
    page.goto(web.url + "/admin/mail/received")
    page.click("text=Email settings")
    page.wait_for_url("**/admin/mail/settings")
    audit_forms(page)
    page.fill("#f-mail_from_name", "Ledgerly Help 🧾")
    page.fill("#f-reply_domain", "reply domain!")  # (the browser checks the address fields)
    page.click("button.primary")
    assert "is not a domain such as" in page.locator("#e-reply_domain").inner_text()
    assert page.input_value("#f-mail_from_name") == "Ledgerly Help 🧾"  # nothing typed is lost
    page.fill("#f-reply_domain", "")
    page.fill("#f-support_address", "help@ledgerly.example")
    page.uncheck("input[name=survey]")
    page.fill("#f-email_tickets_per_hour", "12")
    page.click("button.primary")
    page.wait_for_url("**/admin/mail/settings?saved=1")
    assert page.inner_text(".alert.ok") == "Saved."
    assert page.input_value("#f-support_address") == "help@ledgerly.example"
    assert page.input_value("#f-email_tickets_per_hour") == "12"
    assert not page.is_checked("input[name=survey]")
    assert page.is_checked("input[name=acknowledge]")

    page.click("text=Make a new inbound key")
    shown = page.inner_text(".alert.ok")
    key = re.search(r"ik_\S+", shown)
    assert key, shown
    message = EmailMessage()
    message["From"] = "Cleo <cleo@example.com>"
    message["To"] = "help@ledgerly.example"
    message["Subject"] = "Hello by mail"
    message.set_content("Hello")
    r = requests.post(
        f"{web.url}/api/v1/inbound/email",
        data=message.as_bytes(),
        headers={"Authorization": f"Bearer {key.group(0)}", "Content-Type": "message/rfc822"},
        timeout=10,
    )
    assert r.status_code == 202, r.text
    # put things back for the other tests of this server
    page.check("input[name=survey]")
    page.fill("#f-support_address", "")
    page.fill("#f-mail_from_name", "")
    page.click("button.primary")
    page.wait_for_url("**/admin/mail/settings?saved=1")
