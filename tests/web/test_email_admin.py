"""The email channel in the admin: an admin sets it up, mail arrives by the inbound route,
and agents see it in the ticket (marked, with its files) and in Received mail."""

from __future__ import annotations

import base64
import io
import re
import time
import uuid
import zipfile
from email.message import EmailMessage
from typing import Any

import requests

from ..conftest import LiveServer
from .conftest import text_of

# a real 1x1 PNG
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("a.txt", "0" * 10000)
    return buffer.getvalue()


def _new_key(admin: Any) -> str:
    page = admin.post("/admin/mail/settings", {"action": "inbound_key"})
    assert page.status_code == 200, page.text
    found = re.search(r"(ik_[A-Za-z0-9_-]+)", page.text)
    assert found, text_of(page.text)
    return found.group(1)


def test_an_admin_sets_up_the_channel_and_bad_values_are_refused(staff: Any) -> None:
    admin = staff("admin")
    page = admin.get("/admin/mail/settings")
    assert page.status_code == 200
    assert "Make a new inbound key" in page.text and "/api/v1/inbound/email" in page.text
    bad = admin.post(
        "/admin/mail/settings",
        {"mail_from_address": "not-an-address", "email_tickets_per_hour": "10"},
    )
    assert bad.status_code == 422
    assert "is not an email address" in text_of(bad.text)
    assert 'value="not-an-address"' in bad.text  # what was typed is kept
    good = admin.post(
        "/admin/mail/settings",
        {
            "mail_from_name": "Ledgerly Care",
            "mail_from_address": "care@ledgerly.example",
            "reply_domain": "",
            "support_address": "",
            "acknowledge": "1",
            "survey": "1",
            "email_tickets_per_hour": "25",
        },
    )
    assert good.status_code == 303, good.text
    page = admin.get("/admin/mail/settings").text
    assert 'value="Ledgerly Care"' in page and 'value="25"' in page
    assert staff("agent").get("/admin/mail/settings").status_code == 403


def test_mail_with_files_reaches_the_ticket_marked_with_its_files_typed_by_their_bytes(
    web: LiveServer, staff: Any
) -> None:
    admin = staff("admin")
    key = _new_key(admin)
    subject = f"Screenshot attached {uuid.uuid4().hex[:6]}"
    message = EmailMessage()
    message["From"] = "Cleo Customer <cleo@example.com>"
    message["To"] = "help@example.com"
    message["Subject"] = subject
    message.set_content("The chart is empty, see the screenshot.\n\n-- \nCleo")
    message.add_alternative(
        '<p>The chart is empty, see the screenshot.</p><img src="https://tracker.example/p.gif">'
        '<img src="cid:chart@cleo" alt="the chart">',
        subtype="html",
    )
    message.add_attachment(PNG, maintype="image", subtype="png", filename="chart.png")
    message.get_payload()[-1]["Content-ID"] = "<chart@cleo>"
    message.add_attachment(_zip(), maintype="image", subtype="png", filename="bomb.png")
    r = requests.post(
        f"{web.url}/api/v1/inbound/email",
        data=message.as_bytes(),
        headers={"Authorization": f"Bearer {key}", "Content-Type": "message/rfc822"},
        timeout=10,
    )
    assert r.status_code == 202, r.text
    inbound_id = r.json()["id"]

    agent = staff("agent")
    deadline = time.monotonic() + 20
    while True:
        detail = agent.get(f"/admin/mail/received/{inbound_id}")
        assert detail.status_code == 200
        ticket = re.search(r"/admin/tickets/(tkt_\w+)", detail.text)
        if ticket or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert ticket, text_of(detail.text)
    assert "opened tkt_" in text_of(detail.text)
    listing = agent.get("/admin/mail/received").text
    assert f'data-inbound="{inbound_id}" data-state="opened"' in listing

    page = agent.get(f"/admin/tickets/{ticket.group(1)}").text
    assert "by email" in page
    assert "The chart is empty, see the screenshot." in text_of(page)
    assert "tracker.example" not in page  # the remote image never reaches the agent's page
    # the pasted image shows from this server, in the email as it arrived
    inline = re.search(r'<div class="mail-html-part">.*?<img[^>]*src="([^"]+)"', page, re.S)
    assert inline and inline.group(1).endswith("?preview=1"), page
    links = dict(
        re.findall(
            r'<a href="(/admin/tickets/tkt_\w+/attachments/att_\w+)" download>([^<]+)</a>', page
        )
    )
    by_name = {name: url for url, name in links.items()}
    assert set(by_name) == {"chart.png", "bomb.png"}
    assert "bytes are a zip" in page or "zip" in page.split("bomb.png", 1)[1][:400]

    download = agent.get(by_name["chart.png"])
    assert download.content == PNG
    assert download.headers["Content-Type"] == "application/octet-stream"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    preview = agent.get(by_name["chart.png"] + "?preview=1")
    assert preview.headers["Content-Type"] == "image/png"
    assert preview.headers["Content-Disposition"].startswith("inline;")
    # a zip named .png is never shown as an image, whatever the preview flag says
    bomb = agent.get(by_name["bomb.png"] + "?preview=1")
    assert bomb.headers["Content-Type"] == "application/octet-stream"
    assert bomb.headers["Content-Disposition"].startswith("attachment;")
    # nobody signed out gets a file
    assert requests.get(
        f"{web.url}{by_name['chart.png']}", timeout=10, allow_redirects=False
    ).status_code in (302, 303, 401, 403)
    # the raw message can be downloaded as it came
    raw = agent.get(f"/admin/mail/received/{inbound_id}/raw")
    assert raw.content == message.as_bytes()
