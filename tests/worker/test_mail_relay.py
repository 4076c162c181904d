"""Mail that cannot go out yet: the relay is down, or none is configured. The app is built in
this process and its worker's jobs are run by hand with the server's clock pinned, so "try
again in a minute" takes no minute; the relay is a real SMTP server (aiosmtpd) on 127.0.0.1
that comes up on the port the server was told, and the admin's Sent mail is read through
Flask's test client."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from support_server import bootstrap, clock
from support_server.app import create_app
from support_server.services import apps as app_service
from support_server.services.mail import NO_RELAY
from tests.servers import free_port
from tests.web.conftest import text_of

from .smtp import start_smtp

ORIGIN = "http://allowed.example"
_LOGIN = re.compile(r'name="login_token" value="([^"]+)"')


class Clock:
    def __init__(self) -> None:
        self.value = time.time()

    def now(self) -> float:
        return self.value


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> Clock:
    at = Clock()
    monkeypatch.setattr(clock, "now", at.now)
    return at


def build(data_dir: Path, smtp_url: str) -> tuple[Flask, dict[str, Any]]:
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app = create_app(data_dir=data_dir, overrides={"SUPPORT_SMTP_URL": smtp_url})
    app.config["TESTING"] = True
    rt = app.extensions["support"]
    rt.staff.create_user("ana", "correct horse battery", "agent", email="ana@team.example")
    # these tests follow one staff mail: the customer's acknowledgement is left out
    app_service.set_mail_settings(rt.db, creds["app_id"], acknowledge=False)
    return app, creds


@pytest.fixture
def made() -> Iterator[list[Flask]]:
    apps: list[Flask] = []
    yield apps
    for app in apps:
        app.extensions["support"].close()


def file_ticket(http: FlaskClient, creds: dict[str, Any], subject: str) -> str:
    r = http.post(
        "/api/v1/tickets",
        json={"subject": subject, "body": "Nothing happens", "email": "cleo@example.com"},
        headers={"Authorization": f"Bearer {creds['admin_api_key']}"},
    )
    assert r.status_code == 201, r.get_data(as_text=True)
    return str(r.get_json()["id"])


def work(app: Flask) -> int:
    """Run every job that is due now (what the worker does); returns how many ran."""
    runner = app.extensions["support"].job_runner("test")
    ran = 0
    while runner.run_one():
        ran += 1
    return ran


def sent_mail_page(http: FlaskClient, creds: dict[str, Any]) -> str:
    """The admin's Sent mail as text, signed in (once) with the admin's API key."""
    listing = http.get("/admin/mail/")
    if listing.status_code == 200:
        return text_of(listing.get_data(as_text=True))
    page = http.get("/admin/login").get_data(as_text=True)
    token = _LOGIN.search(page)
    assert token, page
    r = http.post(
        "/admin/login",
        data={"login_token": token.group(1), "api_key": creds["admin_api_key"]},
        headers={"Origin": "http://localhost"},  # as a browser sends with a form post
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    listing = http.get("/admin/mail/")
    assert listing.status_code == 200
    return text_of(listing.get_data(as_text=True))


def mails(app: Flask, creds: dict[str, Any]) -> list[dict[str, Any]]:
    return list(app.extensions["support"].mailer.sent([creds["app_id"]]))


def test_with_the_relay_down_mail_waits_with_the_reason_and_goes_out_when_it_is_back(
    tmp_path: Path, pinned: Clock, made: list[Flask]
) -> None:
    port = free_port()  # nothing listens here yet
    app, creds = build(tmp_path / "data", f"smtp://127.0.0.1:{port}")
    made.append(app)
    http = app.test_client()
    file_ticket(http, creds, "Relay down")
    assert work(app) == 2  # the fan-out, then one attempt at the mail
    [mail] = mails(app, creds)
    assert mail["state"] == "queued" and mail["attempts"] == 1
    assert mail["last_error"].startswith("waiting to be retried: ConnectionRefusedError")
    page = sent_mail_page(http, creds)
    assert "ana@team.example" in page and "waiting to be retried: ConnectionRefusedError" in page
    with start_smtp(port) as relay:
        assert work(app) == 0  # not due yet: the next attempt is about a minute away
        pinned.value += 70
        assert work(app) == 1
        got = relay.wait_for("ana@team.example", "New ticket: Relay down")
        assert got["Auto-Submitted"] == "auto-generated"
    [mail] = mails(app, creds)
    assert (mail["state"], mail["last_error"], mail["attempts"]) == ("sent", None, 2)
    page = sent_mail_page(http, creds)
    assert "waiting to be retried" not in page
    assert 'data-state="sent"' in http.get("/admin/mail/").get_data(as_text=True)


def test_without_a_relay_mail_is_kept_and_shown_as_not_sent(
    tmp_path: Path, pinned: Clock, made: list[Flask]
) -> None:
    app, creds = build(tmp_path / "data", "")
    made.append(app)
    http = app.test_client()
    file_ticket(http, creds, "No relay")
    work(app)
    [mail] = mails(app, creds)
    assert (mail["state"], mail["last_error"]) == ("queued", NO_RELAY)
    page = sent_mail_page(http, creds)
    assert "ana@team.example" in page and "not sent: no mail relay configured" in page
    assert "No relay" in page


def test_a_subject_with_line_separators_is_mailed_on_one_line(
    tmp_path: Path, pinned: Clock, made: list[Flask]
) -> None:
    """A customer's subject with U+2028 or a vertical tab must neither break the header nor
    be blamed on the agent's address."""
    with start_smtp() as relay:
        app, creds = build(tmp_path / "data", relay.url)
        made.append(app)
        file_ticket(app.test_client(), creds, "Help\u2028me\x0bplease\x85now")
        work(app)
        got = relay.wait_for("ana@team.example", "New ticket: Help me please now")
        assert "\u2028" not in got["Subject"]
    [mail] = mails(app, creds)
    assert mail["state"] == "sent"


def test_a_customer_reply_reaches_everyone_when_the_assignee_cannot_be_mailed(
    tmp_path: Path, pinned: Clock, made: list[Flask]
) -> None:
    with start_smtp() as relay:
        app, creds = build(tmp_path / "data", relay.url)
        made.append(app)
        rt = app.extensions["support"]
        rt.staff.create_user("leo", "correct horse battery", "agent")  # no address
        http = app.test_client()
        from support_sdk import tokens

        user = {
            "Authorization": "Bearer "
            + tokens.mint_user_token(creds["app_id"], creds["app_secret"], "u1", email="u@x.io")
        }
        tid = http.post("/api/v1/tickets", json={"body": "Help"}, headers=user).get_json()["id"]
        admin = {"Authorization": f"Bearer {creds['admin_api_key']}"}
        assert (
            http.patch(
                f"/api/v1/tickets/{tid}", json={"assignee": "leo"}, headers=admin
            ).status_code
            == 200
        )
        http.post(f"/api/v1/tickets/{tid}/messages", json={"body": "Any news?"}, headers=user)
        work(app)
        relay.wait_for("ana@team.example", "Customer replied")
