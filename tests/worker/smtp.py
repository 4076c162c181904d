"""A real SMTP server for the worker's tests (aiosmtpd on 127.0.0.1), keeping every message.

``refuse`` names recipients it answers ``550`` at RCPT (a relay that knows the address does
not exist); ``start_smtp(port=…)`` brings one up on a port chosen earlier, for "the relay was
down and came back".
"""

from __future__ import annotations

import email
import email.policy
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from tests.servers import free_port

REFUSAL = "550 5.1.1 No such mailbox here"


@dataclass
class Caught:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpServer:
    port: int
    refuse: set[str] = field(default_factory=set)
    caught: list[Caught] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def to(self, address: str, about: str = "") -> list[EmailMessage]:
        """The messages for ``address`` (whose subject contains ``about``)."""
        with self.lock:
            return [
                c.message
                for c in self.caught
                if address in c.recipients and about in str(c.message["Subject"])
            ]

    def wait_for(self, address: str, about: str = "", timeout: float = 20.0) -> EmailMessage:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address, about)
            if found:
                return found[-1]
            time.sleep(0.05)
        with self.lock:
            seen = [(c.recipients, str(c.message["Subject"])) for c in self.caught]
        raise AssertionError(f"no mail to {address} about {about!r}; caught {seen}")


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if address in self.server.refuse:
            return REFUSAL
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self.server.lock:
            self.server.caught.append(Caught(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


@contextmanager
def start_smtp(port: int | None = None) -> Iterator[SmtpServer]:
    server = SmtpServer(port=port or free_port())
    controller = Controller(_Handler(server), hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()
