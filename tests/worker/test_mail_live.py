"""Staff notification mail end to end, with real parts: the server process and its worker,
a real SMTP server (aiosmtpd) that keeps every message or refuses an address with 550, and
staff signed in to the admin over real HTTP."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests

from support_server.services.staff import StaffService
from support_server.store import Database
from tests.conftest import LiveServer
from tests.servers import ServerProcess, init_data_dir
from tests.web.conftest import PASSWORD, Staff, text_of

from .smtp import REFUSAL, SmtpServer, start_smtp

pytestmark = pytest.mark.slow

REFUSED = "nobody@refused.example"
# username -> (role, address, muted kinds, disabled)
PEOPLE = {
    "ada": ("admin", "ada@team.example", [], False),
    "ana": ("agent", "ana@team.example", [], False),
    "bo": ("agent", "bo@team.example", ["new_ticket"], False),
    "wes": ("writer", "wes@team.example", [], False),
    "dee": ("agent", "dee@team.example", [], True),
    "rex": ("agent", REFUSED, [], False),
}


def address(username: str) -> str:
    return PEOPLE[username][1]


def create_people(data_dir: Path) -> None:
    db = Database(data_dir / "support.db")
    staff = StaffService(db)
    for username, (role, email, muted, disabled) in PEOPLE.items():
        member = staff.create_user(username, PASSWORD, role, email=email)
        staff.set_muted(member.id, muted, ["new_ticket", "customer_reply", "assigned", "mention"])
        if disabled:
            staff.set_disabled(username, True)
    db.close()


@dataclass
class Team:
    live: LiveServer
    smtp: SmtpServer

    @property
    def url(self) -> str:
        return self.live.url

    def file(self, subject: str, body: str = "The export button does nothing") -> dict:
        r = requests.post(
            f"{self.url}/api/v1/tickets",
            json={"subject": subject, "body": body, "email": "cleo@example.com"},
            headers={"Authorization": f"Bearer {self.live.admin_key}"},
            timeout=10,
        )
        assert r.status_code == 201, r.text
        return r.json()

    def staff(self, username: str) -> Staff:
        person = Staff(self.live)
        assert person.sign_in(username).status_code == 303
        return person

    def settle(self, address: str, about: str) -> None:
        """Wait until the mail of one fan-out has all gone out: rex's refusal is the last
        to be tried only by chance, so wait for the address given, then a little more."""
        self.smtp.wait_for(address, about)
        time.sleep(1.0)


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Team]:
    data_dir = tmp_path_factory.mktemp("mail") / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    create_people(data_dir)
    with start_smtp() as smtp:
        smtp.refuse.add(REFUSED)
        with ServerProcess(data_dir, creds, env={"SUPPORT_SMTP_URL": smtp.url}) as process:
            yield Team(LiveServer(process, creds), smtp)


def unique(label: str) -> str:
    return f"{label} {uuid.uuid4().hex[:8]}"


def test_a_new_ticket_mails_each_agent_with_an_address_as_text_and_html(team: Team) -> None:
    subject = unique("Export <b>broken</b>")
    ticket = team.file(subject, "It fails with <script>alert(1)</script> & more")
    mail = team.smtp.wait_for(address("ana"), subject)
    team.settle(address("ada"), subject)
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["To"] == address("ana")
    assert mail["Subject"].endswith(f"New ticket: {subject}")
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(("plain",))
    html = mail.get_body(("html",))
    assert text is not None and html is not None
    assert "It fails with <script>alert(1)</script> & more" in text.get_content()
    assert f"/admin/tickets/{ticket['id']}" in text.get_content()
    markup = html.get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more" in markup
    assert "<script>" not in markup and "<b>broken" not in markup
    # bo switched "new_ticket" off; a writer and a disabled agent are never mailed
    for username in ("bo", "wes", "dee"):
        assert team.smtp.to(address(username), subject) == [], username


def test_assignment_and_customer_replies_go_to_the_assignee_only(team: Team) -> None:
    subject = unique("Reply to me")
    client = team.live.client()
    token = client.user_token("cust-1", email="cust@example.com", name="Cust")
    ticket = client.create_ticket("Where is my invoice?", subject=subject, user_token=token)
    team.settle(address("ana"), subject)
    # the admin's API key assigns it to bo: bo is told (bo muted new tickets, not this)
    r = requests.patch(
        f"{team.url}/api/v1/tickets/{ticket.id}",
        json={"assignee": "bo"},
        headers={"Authorization": f"Bearer {team.live.admin_key}"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assigned = team.smtp.wait_for(address("bo"), f"Assigned to you: {subject}")
    assert assigned["Auto-Submitted"] == "auto-generated"
    client.reply(ticket.id, "Any news?", user_token=token)
    reply = team.smtp.wait_for(address("bo"), f"Customer replied: {subject}")
    assert "Any news?" in reply.get_body(("plain",)).get_content()
    time.sleep(1.0)
    for username in ("ada", "ana", "rex", "wes", "dee"):
        replies = team.smtp.to(address(username), f"Customer replied: {subject}")
        assert replies == [], username
    assert team.smtp.to(address("ana"), f"Assigned to you: {subject}") == []


def test_assign_to_me_mails_nobody_and_a_mention_in_a_note_mails_that_person(team: Team) -> None:
    subject = unique("Mention")
    ticket = team.file(subject)
    team.settle(address("ana"), subject)
    ana = team.staff("ana")
    try:
        r = ana.post(f"/admin/tickets/{ticket['id']}", {"action": "assign_to_me"})
        assert r.status_code == 303, r.text
        r = ana.post(
            f"/admin/tickets/{ticket['id']}/messages",
            {"body": "@bo can you look at this? @nobody-here too.", "internal": "1"},
        )
        assert r.status_code == 303, r.text
    finally:
        ana.close()
    mention = team.smtp.wait_for(address("bo"), f"You were mentioned in a note: {subject}")
    assert "@bo can you look at this?" in mention.get_body(("plain",)).get_content()
    time.sleep(1.0)
    assert team.smtp.to(address("ana"), f"Assigned to you: {subject}") == []  # she took it
    assert team.smtp.to(address("ana"), f"mentioned in a note: {subject}") == []
    assert team.smtp.to(address("ada"), f"mentioned in a note: {subject}") == []


def test_a_refused_address_is_marked_rejected_and_the_ticket_page_warns(team: Team) -> None:
    subject = unique("Refused")
    ticket = team.file(subject)
    team.settle(address("ana"), subject)
    assert team.smtp.to(REFUSED, subject) == []
    ada = team.staff("ada")
    try:
        deadline = time.monotonic() + 20
        while True:
            page = text_of(ada.get(f"/admin/tickets/{ticket['id']}").text)
            if REFUSED in page or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        warning = re.search(r"could not be delivered to\s+" + re.escape(REFUSED) + r"[^.]*", page)
        assert warning, page
        assert REFUSAL in page
        # a second refusal for the same address (rex is assigned it) is one warning still
        r = requests.patch(
            f"{team.url}/api/v1/tickets/{ticket['id']}",
            json={"assignee": "rex"},
            headers={"Authorization": f"Bearer {team.live.admin_key}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        assigned = re.compile(
            r'<tr data-mail="mail_\w+" data-state="rejected">\s*<td[^>]*>'
            + re.escape(REFUSED)
            + r"</td>\s*<td><a[^>]*>[^<]*Assigned to you: "
            + re.escape(subject.replace("<", "&lt;"))
        )
        deadline = time.monotonic() + 20
        while not assigned.search(ada.get("/admin/mail/").text):
            assert time.monotonic() < deadline, "the assignment mail to rex was not refused"
            time.sleep(0.2)
        ticket_page = ada.get(f"/admin/tickets/{ticket['id']}").text
        assert ticket_page.count('class="alert bad mail-rejected"') == 1
        listing = ada.get("/admin/mail/")
        assert listing.status_code == 200
        row = re.search(
            r'<tr data-mail="(mail_\w+)" data-state="rejected">\s*<td[^>]*>'
            + re.escape(REFUSED)
            + r"</td>.*?</tr>",
            listing.text,
            re.S,
        )
        assert row, listing.text
        assert REFUSAL in text_of(row.group(0))
        sent = re.search(
            r'<tr data-mail="mail_\w+" data-state="sent">\s*<td[^>]*>' + re.escape(address("ana")),
            listing.text,
        )
        assert sent, listing.text
        # the detail page: the text part as text, the HTML part framed from its own route
        detail = ada.get(f"/admin/mail/{row.group(1)}")
        assert detail.status_code == 200
        assert "refused by the relay: " + REFUSAL in text_of(detail.text)
        assert 'sandbox="allow-popups allow-popups-to-escape-sandbox"' in detail.text
        part = ada.get(f"/admin/mail/{row.group(1)}/html")
        assert part.status_code == 200
        policy = part.headers["Content-Security-Policy"]
        assert "default-src 'none'" in policy and "script-src" not in policy
        assert "sandbox" in policy and "frame-ancestors 'self'" in policy
        assert subject.replace("<", "&lt;") in part.text or subject in part.text
    finally:
        ada.close()


def test_writers_have_a_profile_but_no_sent_mail(team: Team) -> None:
    wes = team.staff("wes")
    try:
        assert wes.get("/admin/mail/").status_code == 403
        page = wes.get("/admin/profile/")
        assert page.status_code == 200 and 'value="wes@team.example"' in page.text
        assert "/admin/mail/" not in page.text  # no "Sent mail" link for them either
    finally:
        wes.close()
