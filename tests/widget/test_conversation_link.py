"""The "View the conversation" link of a customer's mail, in a real Chromium: a ticket filed
through the widget on a host page, an agent's reply mailed to a real SMTP server (aiosmtpd),
the customer reading and answering on /conversation/<token>, then rating from the "solved"
mail's one-click link and adding a comment; a tampered link is refused, and the page fits a
phone."""

from __future__ import annotations

import html
import re
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from ..servers import ServerProcess, init_data_dir
from ..worker.smtp import SmtpServer, start_smtp
from .conftest import Harness
from .site import HostSite

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CUSTOMER = "Cleo Ng"
NOTE = "Internal: her workspace is on the old exporter"
# a long unbroken address: the phone check would see it push the page sideways
LONG_LINK = "https://app.ledgerly.example/reports/export?" + "columns=" + "x" * 160


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with start_smtp() as server:
        yield server


@pytest.fixture(scope="module")
def mailing(
    tmp_path_factory: pytest.TempPathFactory, site: HostSite, smtp: SmtpServer
) -> Iterator[LiveServer]:
    """A server of its own that mails customers through ``smtp`` with links to itself."""
    data_dir = tmp_path_factory.mktemp("conversation") / "data"
    creds = init_data_dir(data_dir, site.origin)
    process = ServerProcess(data_dir, creds, env={"SUPPORT_SMTP_URL": smtp.url})
    process.env["SUPPORT_PUBLIC_URL"] = process.url
    with process:
        yield LiveServer(process, creds)


@pytest.fixture
def mail_harness(mailing: LiveServer, site: HostSite, browser: Any) -> Iterator[Harness]:
    h = Harness(mailing, site, browser)
    yield h
    h.close()


def link_in(mail: EmailMessage, label: str) -> str:
    """The address of the HTML part's link whose text is ``label``."""
    part = mail.get_body(("html",))
    assert part is not None, mail
    markup = part.get_content()
    found = re.findall(r'<a href="([^"]+)"[^>]*>\s*' + re.escape(label) + r"\s*</a>", markup)
    assert len(found) == 1, (label, markup)
    return html.unescape(found[0])


def test_a_customer_reads_answers_and_rates_from_the_mailed_link(
    mail_harness: Harness, smtp: SmtpServer
) -> None:
    h = mail_harness
    address = f"cleo-{uuid.uuid4().hex[:6]}@example.com"
    subject = f"Export 📤 is empty {uuid.uuid4().hex[:6]}"
    token = h.token(h.user(CUSTOMER, address))

    # the customer files it through the widget on the host page
    page = h.new_page(h.page_url(token=token))
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .card").click()
    page.locator("support-widget form [name=subject]").fill(subject)
    page.locator("support-widget form [name=body]").fill("The CSV has only its header row.")
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    [ticket] = h.tickets_of(token)
    assert ticket["subject"] == subject and ticket["source"] == "widget"
    ack = smtp.wait_for(address, f"We received your request: {subject}")
    assert ack["Subject"] == f"We received your request: {subject}"  # the emoji survives

    # an internal note, then the agent's public reply (with a long address in it)
    h.agent("POST", f"/tickets/{ticket['id']}/messages", json={"body": NOTE, "internal": True})
    reply_text = f"Which columns did you pick? The export link was {LONG_LINK}"
    h.agent("POST", f"/tickets/{ticket['id']}/messages", json={"body": reply_text})
    reply = smtp.wait_for(address, f"Re: {subject}")
    link = link_in(reply, "View the conversation")
    assert link.startswith(f"{h.support.url}/conversation/")
    text = reply.get_body(("plain",))
    assert text is not None and link in text.get_content()

    conversation = h.new_page()
    response = conversation.goto(link)
    assert response is not None and response.status == 200
    assert conversation.locator("h1.conversation-subject").inner_text() == subject
    thread = conversation.locator("ol.thread")
    assert thread.locator(".message-agent .message-body").inner_text() == reply_text
    assert NOTE not in conversation.content()
    assert thread.locator(".message").count() == 2  # her message and the reply, not the note

    # she answers in the form
    answer = f"Only the date column, {uuid.uuid4().hex[:6]}."
    conversation.locator(".reply-form textarea").fill(answer)
    conversation.locator(".reply-form button[type=submit]").click()
    conversation.wait_for_url("**done=sent**")
    assert conversation.locator(".notice[role=status]").inner_text() == "Your reply was sent."
    assert thread.locator(".message").last.locator(".message-body").inner_text() == answer

    # the agent solves it: the survey mail's "4" rates it in one click
    h.agent("PATCH", f"/tickets/{ticket['id']}", json={"status": "solved"})
    survey = smtp.wait_for(address, f"Solved: {subject}")
    rate = link_in(survey, "4")
    # the same conversation (the token's payload; its timestamp and signature are newer)
    assert rate.endswith("/rate/4") and rate.split(".")[0] == link.split(".")[0]
    response = conversation.goto(rate)
    assert response is not None and response.status == 200
    notice = conversation.locator(".notice[role=status]")
    assert notice.inner_text() == "Thank you: you rated this 4 of 5 (Good)."
    assert conversation.locator("#rating-heading").inner_text() == "You rated this 4 of 5"
    assert conversation.locator(".scores input[value='4']").is_checked()

    # a comment afterwards, through the rating form (the 4 stays chosen)
    comment = "Quick and clear, thank you 🙏"
    conversation.locator(".rating textarea").fill(comment)
    conversation.locator(".rating button[type=submit]").click()
    conversation.wait_for_url("**done=rated**")
    assert conversation.locator(".notice[role=status]").inner_text() == "Thank you for rating us."
    assert conversation.locator(".rating textarea").input_value() == comment

    found = h.agent("GET", f"/tickets/{ticket['id']}")
    mine = [m for m in found["messages"] if m["body"] == answer]
    assert len(mine) == 1 and mine[0]["author"]["kind"] == "requester"
    assert found["rating"]["score"] == 4 and found["rating"]["comment"] == comment

    # on a phone: the solved page (thread, rating, reply form) does not scroll sideways
    phone = h.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    phone.goto(link)
    phone.locator(".rating").wait_for()
    width, inner = phone.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    assert inner == 390 and width <= inner, (width, inner)

    # a link changed by one character opens nothing (the signature's first, all of whose
    # bits count: the last one of a base64 signature may carry padding only)
    at = link.rindex(".") + 1
    tampered = link[:at] + ("A" if link[at] != "A" else "B") + link[at + 1 :]
    response = conversation.goto(tampered)
    assert response is not None and response.status == 403
    assert conversation.locator("h1").inner_text() == "This link is not valid"
    assert subject not in conversation.content() and answer not in conversation.content()
    assert requests.get(tampered, timeout=10).status_code == 403
    assert page.errors == [] and conversation.errors == [] and phone.errors == []
