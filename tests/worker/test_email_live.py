"""The email channel end to end with real parts: the server process and its worker, a real
SMTP server (aiosmtpd) catching what customers are sent, and a real IMAP server (Dovecot)
holding what they send back, which the worker polls."""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterator
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.dovecot import Dovecot, start_dovecot
from tests.servers import ServerProcess, init_data_dir

from .smtp import SmtpServer, start_smtp

pytestmark = pytest.mark.slow

CUSTOMER = "cleo@example.com"


@pytest.fixture(scope="module")
def dovecot() -> Iterator[Dovecot]:
    with start_dovecot() as server:
        yield server


@pytest.fixture(scope="module")
def smtp() -> Iterator[SmtpServer]:
    with start_smtp() as server:
        yield server


def _server(data_dir: Path, creds: dict[str, Any], smtp: SmtpServer, dovecot: Dovecot) -> Any:
    process = ServerProcess(
        data_dir,
        creds,
        env={
            "SUPPORT_SMTP_URL": smtp.url,
            "SUPPORT_IMAP_URL": dovecot.url,
            "SUPPORT_IMAP_POLL": "1",
            "SUPPORT_MAIL_FROM": "Acme Support <help@acme.test>",
            # a SIGKILLed worker's jobs and mailbox lease are taken over after this
            "SUPPORT_JOB_LEASE": "15",
            "SUPPORT_WEBHOOK_TIMEOUT": "2",
        },
    )
    process.env["SUPPORT_PUBLIC_URL"] = process.url
    return process


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("email") / "data"
    return data_dir, init_data_dir(data_dir, "http://allowed.example")


def _api(process: Any, creds: dict[str, Any], method: str, path: str, **kwargs: Any) -> Any:
    r = requests.request(
        method,
        f"{process.url}/api/v1{path}",
        headers={"Authorization": f"Bearer {creds['admin_api_key']}"},
        timeout=10,
        **kwargs,
    )
    assert r.status_code < 300, r.text
    return r.json()


def _until(check: Any, timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what or check}")


def _answer(mail: EmailMessage, text: str) -> bytes:
    """What Gmail sends when Cleo answers ``mail``: her text above the quoted mail."""
    answer = EmailMessage()
    answer["From"] = f"Cleo <{CUSTOMER}>"
    answer["To"] = mail["Reply-To"]
    answer["Subject"] = f"Re: {mail['Subject']}"
    answer["Message-ID"] = make_msgid(domain="mail.gmail.example")
    answer["In-Reply-To"] = mail["Message-ID"]
    answer["References"] = f"{mail['References']} {mail['Message-ID']}"
    body = mail.get_body(("plain",))
    assert body is not None
    quoted = "\n".join(f"> {line}" for line in body.get_content().splitlines())
    answer.set_content(f"{text}\n\nOn Wed, 2 Dec 2026 at 10:01, Acme Support wrote:\n{quoted}\n")
    return answer.as_bytes()


def test_a_customer_hears_back_by_mail_and_answers_by_mail(
    data: tuple[Path, dict[str, Any]], smtp: SmtpServer, dovecot: Dovecot
) -> None:
    data_dir, creds = data
    subject = f"Export is empty {uuid.uuid4().hex[:6]}"
    with _server(data_dir, creds, smtp, dovecot) as process:
        ticket = _api(
            process,
            creds,
            "POST",
            "/tickets",
            json={"subject": subject, "body": "The CSV is blank.", "email": CUSTOMER},
        )
        ack = smtp.wait_for(CUSTOMER, f"We received your request: {subject}")
        assert ack["Auto-Submitted"] == "auto-generated"
        _api(
            process,
            creds,
            "POST",
            f"/tickets/{ticket['id']}/messages",
            json={"body": "Which browser do you use?"},
        )
        reply = smtp.wait_for(CUSTOMER, f"Re: {subject}")
        assert reply["Auto-Submitted"] is None
        assert reply["In-Reply-To"] == ack["Message-ID"]
        assert ack["Message-ID"] in reply["References"]
        assert f"+{ticket['id']}." in reply["Reply-To"]
        text = reply.get_body(("plain",)).get_content()
        link = next(w for w in text.split() if "/conversation/" in w)
        page = requests.get(link, timeout=10)
        assert page.status_code == 200 and "Which browser do you use?" in page.text
        # Cleo answers from her mail client; it lands in the mailbox the worker polls
        dovecot.append(_answer(reply, "Firefox 128, on Windows 11."))

        def answered() -> Any:
            found = _api(process, creds, "GET", f"/tickets/{ticket['id']}")
            return found["messages"][-1] if len(found["messages"]) == 2 else None

        last = _until(answered, what="the mailed answer in the ticket")
        assert last["body"] == "Firefox 128, on Windows 11."
        assert last["channel"] == "email" and last["author"]["kind"] == "requester"


def test_the_mailbox_down_loses_nothing_and_a_killed_worker_imports_nothing_twice(
    data: tuple[Path, dict[str, Any]], smtp: SmtpServer, dovecot: Dovecot
) -> None:
    data_dir, creds = data
    db_path = data_dir / "support.db"
    tag = uuid.uuid4().hex[:6]
    dovecot.stop()
    with _server(data_dir, creds, smtp, dovecot) as process:
        # the mailbox is down: the server and the rest of the worker go on
        filed = _api(
            process,
            creds,
            "POST",
            "/tickets",
            json={"subject": f"While IMAP is down {tag}", "body": "Hi", "email": CUSTOMER},
        )
        smtp.wait_for(CUSTOMER, f"While IMAP is down {tag}")
        assert filed["id"]
        dovecot.start()
        for n in range(12):
            message = EmailMessage()
            message["From"] = f"sender{n}@example.org"
            message["To"] = "help@acme.test"
            message["Subject"] = f"Storm {tag} {n}"
            message["Message-ID"] = make_msgid(domain="example.org")
            message.set_content(f"Message number {n}")
            dovecot.append(message.as_bytes())

        def stored() -> int:
            with sqlite3.connect(db_path) as conn:
                row = conn.execute(
                    "SELECT COUNT(*) FROM inbound_mail WHERE CAST(raw AS TEXT) LIKE ?",
                    (f"%Storm {tag}%",),
                ).fetchone()
            return int(row[0])

        _until(lambda: stored() >= 1, what="the first stored message")
        process.crash()  # SIGKILL mid-batch: no goodbye
    with _server(data_dir, creds, smtp, dovecot):

        def all_opened() -> bool:
            with sqlite3.connect(db_path) as conn:
                rows = conn.execute(
                    "SELECT subject, state FROM inbound_mail WHERE subject LIKE ?",
                    (f"Storm {tag}%",),
                ).fetchall()
            return len(rows) == 12 and all(state == "opened" for _, state in rows)

        _until(all_opened, timeout=60, what="every message of the storm opened once")
        with sqlite3.connect(db_path) as conn:
            subjects = [
                r[0]
                for r in conn.execute(
                    "SELECT subject FROM tickets WHERE subject LIKE ?", (f"Storm {tag}%",)
                )
            ]
        assert sorted(subjects) == sorted(f"Storm {tag} {n}" for n in range(12))
