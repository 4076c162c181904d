"""The demo's mail catcher on its own: a real SMTP conversation (smtplib) keeps the message
whole as an .eml file, and without aiosmtpd the demo simply has no catcher."""

from __future__ import annotations

import email
import email.policy
import smtplib
import sys
from email.message import EmailMessage
from pathlib import Path

import pytest

from support_server import mailcatcher


def test_the_catcher_keeps_each_message_as_an_eml_file(tmp_path: Path) -> None:
    catcher = mailcatcher.start(tmp_path)
    assert catcher is not None
    try:
        assert catcher.url.startswith("smtp://127.0.0.1:")
        port = int(catcher.url.rsplit(":", 1)[1])
        message = EmailMessage()
        message["From"] = "support@ledgerly.example"
        message["To"] = "admin@ledgerly.example"
        message["Subject"] = "New ticket: Ça ne marche pas"
        message.set_content("Hello 👋")
        message.add_alternative("<p>Hello 👋</p>", subtype="html")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as client:
            client.send_message(message)
            client.send_message(message)
    finally:
        catcher.stop()
    kept = sorted((tmp_path / "mailcatcher").iterdir())
    assert [p.suffix for p in kept] == [".eml", ".eml"]  # no partial file left behind
    read = email.message_from_bytes(kept[0].read_bytes(), policy=email.policy.default)
    assert read["Subject"] == "New ticket: Ça ne marche pas"
    assert read.get_body(("plain",)).get_content().strip() == "Hello 👋"


def test_without_aiosmtpd_there_is_no_catcher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "aiosmtpd.controller", None)  # import fails
    assert mailcatcher.start(tmp_path) is None
