"""The email channel in process (pinned clock, real SQLite, the worker's jobs run one by
one): what customers are mailed, and what becomes of the mail they send back through the
inbound route: threading, spoofing, loops, bounces, throttling, the signed link."""

from __future__ import annotations

import re
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from support_server import bootstrap
from support_server.app import create_app
from support_server.services import apps as app_service
from support_server.services.follow_up import REMIND_AFTER, SOLVE_AFTER
from support_server.services.imap_source import MailboxError
from support_server.services.mail_parsing import parse
from support_server.store import inbound as inbound_store

from .conftest import ORIGIN, InProcess, PinnedClock

CUSTOMER = "cleo@example.com"
SETTINGS = {
    "SUPPORT_PUBLIC_URL": "http://support.test",
    "SUPPORT_MAIL_FROM": "Acme Support <help@acme.test>",
    "SUPPORT_MAIL_REPLY_DOMAIN": "reply.acme.test",
}


@pytest.fixture
def server(tmp_path: Any, pinned_clock: PinnedClock) -> Iterator[InProcess]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app: Flask = create_app(data_dir=data_dir, overrides=SETTINGS)
    app.config["TESTING"] = True
    yield InProcess(app, app.test_client(), creds, pinned_clock, data_dir)
    rt = app.extensions["support"]
    rt.index.close()
    rt.db.close()


@pytest.fixture
def rt(server: InProcess) -> Any:
    return server.app.extensions["support"]


@pytest.fixture
def inbound_key(server: InProcess, rt: Any) -> str:
    return app_service.create_inbound_key(rt.db, server.app_id)


def drain(rt: Any) -> int:
    runner = rt.job_runner("w1")
    ran = 0
    while runner.run_one():
        ran += 1
    return ran


def mails(rt: Any, server: InProcess, kind: str | None = None) -> list[dict[str, Any]]:
    found = rt.mailer.sent([server.app_id], 500)
    return [m for m in reversed(found) if kind is None or m["kind"] == kind]


def file(server: InProcess, subject: str = "Export is empty", email: str = CUSTOMER) -> dict:
    r = server.http.post(
        "/api/v1/tickets",
        json={"subject": subject, "body": "The CSV export gives a blank file.", "email": email},
        headers=server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def agent_reply(server: InProcess, ticket_id: str, body: str, internal: bool = False) -> None:
    r = server.http.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"body": body, "internal": internal},
        headers=server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()


def set_status(server: InProcess, ticket_id: str, status: str) -> None:
    r = server.http.patch(
        f"/api/v1/tickets/{ticket_id}", json={"status": status}, headers=server.staff_headers()
    )
    assert r.status_code == 200, r.get_json()


def ticket(server: InProcess, ticket_id: str) -> dict[str, Any]:
    r = server.http.get(f"/api/v1/tickets/{ticket_id}", headers=server.staff_headers())
    assert r.status_code == 200
    return dict(r.get_json())


def answer(
    to_mail: dict[str, Any] | None,
    text: str,
    *,
    sender: str = CUSTOMER,
    to: str | None = None,
    subject: str | None = None,
    headers: dict[str, str] | None = None,
    threading: bool = True,
) -> bytes:
    """A customer's mail: by default, a Gmail-shaped answer to ``to_mail`` quoting it."""
    message = EmailMessage()
    message["From"] = f"Cleo <{sender}>"
    reply_to = to_mail["headers"]["Reply-To"] if to_mail else "help@acme.test"
    message["To"] = to or reply_to
    message["Subject"] = subject or (f"Re: {to_mail['subject']}" if to_mail else "Hello")
    message["Message-ID"] = make_msgid(domain="mail.example.com")
    if to_mail and threading:
        message["In-Reply-To"] = f"<{to_mail['message_id']}>"
        message["References"] = to_mail["headers"]["References"] + f" <{to_mail['message_id']}>"
    for name, value in (headers or {}).items():
        message[name] = value
    quoted = "\n".join(f"> {line}" for line in (to_mail or {}).get("text_body", "").splitlines())
    message.set_content(
        f"{text}\n\nOn Wed, 2 Dec 2026 at 10:01, Acme Support <help@acme.test> wrote:\n{quoted}\n"
    )
    return message.as_bytes()


def post(server: InProcess, key: str, raw: bytes, content_type: str = "message/rfc822") -> Any:
    return server.http.post(
        "/api/v1/inbound/email",
        data=raw,
        headers={"Authorization": f"Bearer {key}", "Content-Type": content_type},
    )


def received(rt: Any, server: InProcess) -> list[dict[str, Any]]:
    return list(reversed(rt.inbound.listing([server.app_id], unrouted=True)))


# -- out ------------------------------------------------------------------------------------
def test_a_new_ticket_is_acknowledged_and_an_agent_reply_is_mailed_threaded_and_signed(
    server: InProcess, rt: Any
) -> None:
    filed = file(server, "Export 📄 <b>empty</b>")
    drain(rt)
    (ack,) = mails(rt, server, "acknowledgement")
    assert ack["to_address"] == CUSTOMER
    assert ack["headers"]["Auto-Submitted"] == "auto-generated"
    assert ack["headers"]["From"] == '"Acme Support" <help@acme.test>' or ack["headers"][
        "From"
    ].endswith("<help@acme.test>")
    agent_reply(server, filed["id"], "Which browser do you use? <script>x</script>")
    agent_reply(server, filed["id"], "Internal: probably bug 12", internal=True)
    drain(rt)
    (reply,) = mails(rt, server, "reply")  # the internal note is never mailed
    assert "Auto-Submitted" not in reply["headers"]  # a person's mail
    assert reply["subject"] == "Re: Export 📄 <b>empty</b>"
    reply_to = reply["headers"]["Reply-To"]
    assert re.search(rf"<help\+{filed['id']}\.[a-z2-7]{{16}}@reply\.acme\.test>$", reply_to)
    root = f"<{filed['id']}@acme.test>"
    assert reply["headers"]["References"] == f"{root} <{ack['message_id']}>"
    assert reply["headers"]["In-Reply-To"] == f"<{ack['message_id']}>"
    text = reply["text_body"]
    assert text.startswith("##- Reply above this line -##")
    assert "Which browser do you use? <script>x</script>" in text
    assert "> The CSV export gives a blank file." in text  # the thread, quoted
    assert "Internal: probably bug 12" not in text and "Internal" not in reply["html_body"]
    assert "&lt;script&gt;x&lt;/script&gt;" in reply["html_body"]
    assert "<script>x" not in reply["html_body"]
    link = re.search(r"View the conversation: (\S+)", text)
    assert link and link.group(1).startswith("http://support.test/conversation/")
    # the mail as the relay gets it carries the composed headers
    message = rt.mailer.message(reply)
    assert message["Message-ID"] == f"<{reply['message_id']}>"
    assert message["Reply-To"] == reply_to


def test_the_app_chooses_its_sender_and_can_switch_acknowledgements_off(
    server: InProcess, rt: Any
) -> None:
    app_service.set_mail_settings(
        rt.db,
        server.app_id,
        mail_from_name="Ledgerly Help",
        mail_from_address="care@ledgerly.test",
        reply_domain="in.ledgerly.test",
        acknowledge=False,
    )
    filed = file(server)
    drain(rt)
    assert mails(rt, server, "acknowledgement") == []
    agent_reply(server, filed["id"], "Hello")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    assert reply["headers"]["From"] == "Ledgerly Help <care@ledgerly.test>"
    assert "@in.ledgerly.test>" in reply["headers"]["Reply-To"]
    assert reply["message_id"].endswith("@ledgerly.test")


@pytest.mark.parametrize(
    "changes,message",
    [
        ({"support_address": "not an address"}, "is not an email address"),
        ({"reply_domain": "bad domain!"}, "is not a domain"),
        ({"email_tickets_per_hour": 0}, "from 1 to 10000"),
        ({"colour": "#fff"}, "unknown mail settings"),
    ],
)
def test_bad_mail_settings_are_refused_with_the_reason(
    server: InProcess, rt: Any, changes: dict[str, Any], message: str
) -> None:
    with pytest.raises(Exception, match=message):
        app_service.set_mail_settings(rt.db, server.app_id, **changes)


# -- in: threading --------------------------------------------------------------------------
def test_a_mailed_answer_lands_in_its_ticket_without_the_quoted_history(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Which browser do you use?")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    r = post(server, inbound_key, answer(reply, "Firefox 128 on Windows."))
    assert r.status_code == 202, r.get_json()
    assert r.get_json()["state"] == "received"
    drain(rt)
    found = ticket(server, filed["id"])
    last = found["messages"][-1]
    assert last["author"]["kind"] == "requester"
    assert last["channel"] == "email"
    assert last["body"] == "Firefox 128 on Windows."
    (row,) = received(rt, server)
    assert row["state"] == "appended" and "signed reply address" in row["reason"]
    # the original is kept for agents, with the quoted history
    parts = rt.tickets.mail_parts(_agent(server), filed["id"])
    assert "Which browser do you use?" in parts[last["id"]]["original"]
    # the customer's answer is what the agents are told of, and it reopened nothing wrongly
    assert found["status"] == "open"


def _agent(server: InProcess) -> Any:
    from support_server.principal import Principal

    return Principal(server.app_id, "staff", "agent-1", role="agent")


def test_without_the_signed_address_in_reply_to_and_references_thread_it(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Which browser?")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    post(server, inbound_key, answer(reply, "Safari.", to="help@acme.test"))
    drain(rt)
    assert ticket(server, filed["id"])["messages"][-1]["body"] == "Safari."
    assert "In-Reply-To/References" in received(rt, server)[0]["reason"]


def test_a_reply_from_another_address_does_not_join_the_ticket(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Your invoice is attached.")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    post(server, inbound_key, answer(reply, "Send me her invoice", sender="mallory@evil.test"))
    drain(rt)
    assert [m["body"] for m in ticket(server, filed["id"])["messages"]] == [
        "Your invoice is attached."
    ]
    (row,) = received(rt, server)
    assert row["state"] == "opened"
    assert "not its requester" in row["reason"]
    other = ticket(server, row["ticket_public_id"])
    assert other["requester"]["email"] == "mallory@evil.test"
    assert other["source"] == "email"
    # and Mallory's acknowledgement quotes only Mallory's own words
    acks = [
        m for m in mails(rt, server, "acknowledgement") if m["to_address"] == "mallory@evil.test"
    ]
    assert acks and "Your invoice is attached." not in acks[0]["text_body"]


def test_a_tampered_reply_address_is_refused(server: InProcess, rt: Any, inbound_key: str) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Hello")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    forged = re.sub(r"\.([a-z2-7]{16})@", ".aaaaaaaaaaaaaaaa@", reply["headers"]["Reply-To"])
    post(server, inbound_key, answer(reply, "Hi", to=forged, threading=False))
    drain(rt)
    (row,) = received(rt, server)
    assert row["state"] == "refused"
    assert "not one this server signed" in row["reason"]
    assert len(ticket(server, filed["id"])["messages"]) == 1


def test_mail_to_the_support_address_opens_a_ticket_and_the_same_bytes_twice_open_one(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    raw = answer(None, "My report never arrives.", subject="Weekly report missing")
    first = post(server, inbound_key, raw).get_json()
    second = post(server, inbound_key, raw).get_json()
    assert first["id"] == second["id"] and first["new"] and not second["new"]
    drain(rt)
    (row,) = received(rt, server)
    assert row["state"] == "opened"
    opened = ticket(server, row["ticket_public_id"])
    assert opened["subject"] == "Weekly report missing"
    assert opened["body"] == "My report never arrives."
    assert opened["requester"] == {
        "id": opened["requester"]["id"],
        "kind": "visitor",
        "email": CUSTOMER,
        "name": "Cleo",
    }
    # the same sender's next mail is the same requester
    post(server, inbound_key, answer(None, "And the monthly one.", subject="Monthly too"))
    drain(rt)
    again = ticket(server, received(rt, server)[-1]["ticket_public_id"])
    assert again["requester"]["id"] == opened["requester"]["id"]


# -- in: loops, bounces, throttling, bad input ----------------------------------------------
@pytest.mark.parametrize(
    "header,value",
    [
        ("Auto-Submitted", "auto-replied"),
        ("Precedence", "bulk"),
        ("X-Autoreply", "yes"),
    ],
)
def test_automatic_mail_is_never_answered(
    server: InProcess, rt: Any, inbound_key: str, header: str, value: str
) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Hello")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    before = len(mails(rt, server))
    post(server, inbound_key, answer(reply, "I am out of office.", headers={header: value}))
    post(server, inbound_key, answer(None, "Out of office", headers={header: value}))
    drain(rt)
    assert [r["state"] for r in received(rt, server)] == ["ignored", "ignored"]
    assert len(ticket(server, filed["id"])["messages"]) == 1
    assert len(mails(rt, server)) == before  # nothing sent back


def test_our_own_mail_coming_back_is_ignored(server: InProcess, rt: Any, inbound_key: str) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Hello")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    post(server, inbound_key, rt.mailer.message(reply).as_bytes())
    drain(rt)
    (row,) = received(rt, server)
    assert row["state"] == "ignored" and "our own mail" in row["reason"]


def test_a_bounce_marks_the_address_on_the_ticket_instead_of_opening_one(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Hello")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    raw = _dsn(CUSTOMER, reply["message_id"])
    post(server, inbound_key, raw)
    drain(rt)
    (row,) = received(rt, server)
    assert row["state"] == "bounce", row
    assert CUSTOMER in row["reason"]
    assert rt.inbound.bounced(server.app_id, CUSTOMER)
    assert len(ticket(server, filed["id"])["messages"]) == 1


def _dsn(recipient: str, message_id: str) -> bytes:
    return (
        "From: Mail Delivery Subsystem <MAILER-DAEMON@mx.example.com>\r\n"
        "To: help@acme.test\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Auto-Submitted: auto-replied\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b1"\r\n'
        "Message-ID: <dsn-1@mx.example.com>\r\n\r\n"
        "--b1\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--b1\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 No such user\r\n"
        "--b1\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: help@acme.test\r\nTo: {recipient}\r\nMessage-ID: <{message_id}>\r\n"
        "Subject: Re: Export is empty\r\n"
        "--b1--\r\n"
    ).encode()


def test_a_sender_opening_too_many_tickets_an_hour_is_throttled(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    app_service.set_mail_settings(rt.db, server.app_id, email_tickets_per_hour=3)
    for n in range(5):
        post(server, inbound_key, answer(None, f"Spam {n}", subject=f"Spam {n}"))
    drain(rt)
    states = [r["state"] for r in received(rt, server)]
    assert states == ["opened", "opened", "opened", "refused", "refused"]
    assert "throttled" in received(rt, server)[-1]["reason"]
    server.clock.advance(3601)
    post(server, inbound_key, answer(None, "Later", subject="Later"))
    drain(rt)
    assert received(rt, server)[-1]["state"] == "opened"


def test_unparseable_mail_is_kept_and_refused_with_a_reason_and_the_worker_goes_on(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    post(server, inbound_key, b"\x00\x01\x02 not mail at all \xff" * 10)
    post(server, inbound_key, b"Subject: no sender\r\n\r\nWho am I?\r\n")
    post(server, inbound_key, answer(None, "A good one", subject="Good"))
    drain(rt)
    rows = received(rt, server)
    assert [r["state"] for r in rows] == ["refused", "refused", "opened"]
    assert rows[1]["reason"] == "no From address to answer"
    assert rows[0]["reason"]
    kept = rt.inbound.get([server.app_id], rows[0]["public_id"])
    assert kept["raw"]  # the raw bytes stay


def test_the_inbound_route_refuses_bad_keys_and_bodies(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    raw = answer(None, "Hi")
    assert post(server, "ik_nope_nope", raw).status_code == 401
    assert post(server, server.creds["admin_api_key"], raw).status_code == 401
    r = post(server, inbound_key, raw, content_type="application/json")
    assert r.status_code == 415 and "message/rfc822" in r.get_json()["error"]["message"]
    assert post(server, inbound_key, b"   ").status_code == 415
    # a new key replaces the old one
    newer = app_service.create_inbound_key(rt.db, server.app_id)
    assert post(server, inbound_key, raw).status_code == 401
    assert post(server, newer, raw).status_code == 202
    assert received(rt, server)[0]["state"] == "received"


def test_a_large_message_is_taken_through_the_inbound_route(
    server: InProcess, rt: Any, inbound_key: str
) -> None:
    """Bigger than SUPPORT_MAX_BODY_BYTES (1 MB) is fine for mail: attachments are big."""
    message = EmailMessage()
    message["From"] = CUSTOMER
    message["To"] = "help@acme.test"
    message["Subject"] = "Screenshot"
    message.set_content("See the attached log.")
    message.add_attachment(b"x" * 3_000_000, maintype="text", subtype="plain", filename="log.txt")
    r = post(server, inbound_key, message.as_bytes())
    assert r.status_code == 202, r.get_json()
    drain(rt)
    row = received(rt, server)[0]
    assert row["state"] == "opened"
    opened = ticket(server, row["ticket_public_id"])
    (attachment,) = opened["attachments"]
    assert attachment["filename"] == "log.txt" and attachment["size"] == 3_000_000


# -- solved: the survey; pending: the reminder --------------------------------------------
def test_solving_mails_one_click_ratings_and_a_click_rates(server: InProcess, rt: Any) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Fixed in 2.3.2")
    set_status(server, filed["id"], "solved")
    drain(rt)
    (survey,) = mails(rt, server, "survey")
    assert survey["headers"]["Auto-Submitted"] == "auto-generated"
    links = re.findall(r"http://support\.test(/conversation/\S+/rate/(\d))", survey["text_body"])
    assert [score for _, score in links] == ["1", "2", "3", "4", "5"]
    page = server.http.get(links[3][0])
    assert page.status_code == 200
    assert "you rated this 4 of 5" in page.get_data(as_text=True)
    assert ticket(server, filed["id"])["rating"]["score"] == 4
    assert page.headers["Referrer-Policy"] == "same-origin"
    assert "no-store" in page.headers["Cache-Control"]


def test_the_link_opens_just_this_conversation_and_expires(server: InProcess, rt: Any) -> None:
    filed = file(server)
    other = file(server, "Another one")
    agent_reply(server, filed["id"], "Please try again")
    agent_reply(server, filed["id"], "secret note", internal=True)
    drain(rt)
    (reply,) = [m for m in mails(rt, server, "reply")]
    path = re.search(r"http://support\.test(/conversation/\S+)", reply["text_body"]).group(1)
    page = server.http.get(path).get_data(as_text=True)
    assert "Please try again" in page and "secret note" not in page
    assert "Another one" not in page and other["id"] not in page
    # the customer answers on the page: it lands in the ticket as theirs
    r = server.http.post(path, data={"body": "Tried again, works!"})
    assert r.status_code == 303
    assert ticket(server, filed["id"])["messages"][-1]["author"]["kind"] == "requester"
    # a forged token, then an expired one
    assert server.http.get(path[:-3] + "abc").status_code == 403
    server.clock.advance(31 * 86400)
    expired = server.http.get(path)
    assert expired.status_code == 403
    assert "expired" in expired.get_data(as_text=True)


def test_a_forgotten_pending_ticket_gets_one_reminder_then_is_solved(
    server: InProcess, rt: Any
) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Can you send a screenshot?")
    set_status(server, filed["id"], "pending")
    drain(rt)
    assert rt.follow_up.tick() == (0, 0)
    server.clock.advance(REMIND_AFTER + 60)
    assert rt.follow_up.tick() == (1, 0)
    assert rt.follow_up.tick() == (0, 0)  # once
    drain(rt)
    (reminder,) = mails(rt, server, "reminder")
    assert reminder["headers"]["Auto-Submitted"] == "auto-generated"
    server.clock.advance(SOLVE_AFTER + 60)
    assert rt.follow_up.tick() == (0, 1)
    drain(rt)
    assert ticket(server, filed["id"])["status"] == "solved"
    assert mails(rt, server, "survey") == []  # solved by the rule, not by someone: no survey


def test_a_customer_answer_stops_the_reminder(server: InProcess, rt: Any, inbound_key: str) -> None:
    filed = file(server)
    agent_reply(server, filed["id"], "Can you send a screenshot?")
    set_status(server, filed["id"], "pending")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    server.clock.advance(REMIND_AFTER - 3600)
    post(server, inbound_key, answer(reply, "Here it is."))
    drain(rt)
    assert ticket(server, filed["id"])["status"] == "open"
    server.clock.advance(7200)
    assert rt.follow_up.tick() == (0, 0)


# -- real mail clients' layouts, through the whole pipeline -----------------------------------
FIXTURES = Path(__file__).parent.parent / "fixtures" / "mail"
FIXTURE_ADDRESS = re.compile(rb"support\+tkt_[A-Za-z0-9]+\.sig@reply\.example\.com")


@pytest.mark.parametrize(
    "name", ["gmail_reply", "outlook_reply", "apple_mail_reply", "french_reply", "german_reply"]
)
def test_answers_from_real_mail_clients_join_the_ticket_without_their_quotes(
    server: InProcess, rt: Any, inbound_key: str, name: str
) -> None:
    raw = (FIXTURES / f"{name}.eml").read_bytes()
    sender = parse(raw).from_address
    filed = file(server, email=sender)
    agent_reply(server, filed["id"], "Could you tell us more?")
    drain(rt)
    (reply,) = mails(rt, server, "reply")
    address = re.search(r"<([^>]+)>", reply["headers"]["Reply-To"]).group(1)
    raw = FIXTURE_ADDRESS.sub(address.encode(), raw)  # as if it answered our real mail
    assert post(server, inbound_key, raw).status_code == 202
    drain(rt)
    (row,) = received(rt, server)
    assert row["state"] == "appended", row
    last = ticket(server, filed["id"])["messages"][-1]
    expected = parse(raw).reply.strip()
    assert last["body"] == expected and expected
    assert last["channel"] == "email" and last["author"]["kind"] == "requester"
    for quoted in ("wrote:", "a écrit", "schrieb", "From:", "Sent from my", "\n>"):
        assert quoted not in last["body"], (name, quoted, last["body"])


def test_one_worker_at_a_time_polls_the_mailbox(tmp_path: Any, pinned_clock: PinnedClock) -> None:
    """A second worker leaves the mailbox alone while the first holds its lease (it does not
    even connect: the mailbox here does not exist); a worker that died holding it is taken
    over after SUPPORT_JOB_LEASE, like its jobs."""
    data_dir = tmp_path / "data"
    bootstrap.initialise(data_dir, [ORIGIN])
    app = create_app(
        data_dir=data_dir,
        overrides={
            "SUPPORT_IMAP_URL": "imap://u:pw-secret-9@127.0.0.1:9/INBOX",
            "SUPPORT_JOB_LEASE": 40,
            "SUPPORT_WEBHOOK_TIMEOUT": 5,
        },
    )
    rt = app.extensions["support"]
    try:
        key = rt.inbound.mailbox.key()
        with rt.db.write() as conn:
            assert inbound_store.mailbox_claim(conn, key, "w1", clock_iso(0), clock_iso(40))
        assert rt.inbound.poll("w2") == 0  # held by w1: no connection attempted
        pinned_clock.advance(39)
        assert rt.inbound.poll("w2") == 0  # still held
        pinned_clock.advance(2)  # w1 died; its lease ran out
        with pytest.raises(MailboxError):
            rt.inbound.poll("w2")  # w2 takes over (and finds the server down)
        with rt.db.read() as conn:
            state = inbound_store.mailbox_get(conn, key)
        assert state["locked_by"] is None  # released for the next poll
        assert state["last_error"] and "pw-secret-9" not in state["last_error"]
    finally:
        rt.close()


def clock_iso(offset: float) -> str:
    from support_server import clock

    return clock.iso(clock.now() + offset)
