"""Sending one message to the mail relay named by ``SUPPORT_SMTP_URL``, with :mod:`smtplib`.

``smtp://user:pass@host:587?starttls=1`` (STARTTLS, required when asked for),
``smtps://user:pass@host:465`` (TLS from the first byte), ``smtp://host:1025`` (a local
catcher). Every connection has a timeout. The outcome is one of three, because they are
handled differently: sent; refused for good (a 5xx for the recipient: the address is marked
and agents are told on the ticket); or not now (the relay is down, slow, or answered 4xx:
the mail waits and is retried).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

TIMEOUT = 10.0  # per step; a whole send stays well within SUPPORT_JOB_LEASE


class RelayError(Exception):
    """The relay could not take the message now; try again later."""


class Rejected(Exception):
    """The relay refused the message for good (a 5xx answer)."""


@dataclass(frozen=True)
class Relay:
    host: str
    port: int
    tls: bool  # smtps: TLS from the start
    starttls: bool
    username: str | None
    password: str | None

    @classmethod
    def parse(cls, url: str) -> Relay:
        parts = urlsplit(url.strip())
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError("must be smtp://host:port or smtps://user:password@host:port")
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        starttls = query.get("starttls", "0").lower() in {"1", "true", "yes"}
        try:
            port = parts.port or (465 if parts.scheme == "smtps" else 25)
        except ValueError:
            raise ValueError("the port must be a number") from None
        return cls(
            host=parts.hostname,
            port=port,
            tls=parts.scheme == "smtps",
            starttls=starttls,
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
        )

    def describe(self) -> str:
        """The relay without its password, for logs and the admin."""
        who = f"{self.username}@" if self.username else ""
        return f"{'smtps' if self.tls else 'smtp'}://{who}{self.host}:{self.port}"


def send(relay: Relay, message: EmailMessage, timeout: float = TIMEOUT) -> None:
    """Hand ``message`` to the relay; raises :class:`Rejected` or :class:`RelayError`."""
    context = ssl.create_default_context()
    try:
        client: smtplib.SMTP
        if relay.tls:
            client = smtplib.SMTP_SSL(relay.host, relay.port, timeout=timeout, context=context)
        else:
            client = smtplib.SMTP(relay.host, relay.port, timeout=timeout)
        with client:
            client.ehlo()
            if relay.starttls:
                client.starttls(context=context)
                client.ehlo()
            if relay.username:
                client.login(relay.username, relay.password or "")
            refused = client.send_message(message)
            if refused:  # some recipients refused, others taken: we send to one, so rare
                code, text = next(iter(refused.values()))
                raise Rejected(f"{code} {_text(text)}")
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        answer = f"{code} {_text(text)}"
        raise (Rejected(answer) if code >= 500 else RelayError(answer)) from None
    except smtplib.SMTPResponseException as exc:
        answer = f"{exc.smtp_code} {_text(exc.smtp_error)}"
        if exc.smtp_code >= 500 and not isinstance(exc, smtplib.SMTPAuthenticationError):
            raise Rejected(answer) from None
        raise RelayError(answer) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise RelayError(f"{type(exc).__name__}: {exc}"[:300]) from None


def _text(answer: bytes | str) -> str:
    return answer.decode("utf-8", "replace") if isinstance(answer, bytes) else answer
