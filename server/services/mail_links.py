"""What customer mail carries that must not be forged: the signed reply address and the
signed "View the conversation" link.

- The reply address ``<local>+<ticket id>.<sig>@<reply domain>`` names one ticket; ``sig`` is
  an HMAC of the ticket id under the server secret, so nobody can write to a ticket by
  guessing addresses. It is lower-case (mail systems may fold the local part's case).
- The link token names one ticket and its requester and expires (30 days): it opens that
  conversation and nothing else, and the CSAT links in the "solved" mail are the same token.

Both verify against every server secret, newest first, so rotating the secret does not
break the mail already in people's inboxes.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

import itsdangerous

from .. import clock

LINK_AGE = 30 * 86400
_LINK_SALT = "support.conversation-link"
_ADDRESS_SALT = b"support.reply-address:"
_REPLY_LOCAL = re.compile(
    r"^(?P<local>[a-z0-9._-]+)\+(?P<ticket>tkt_[a-z0-9]+)\.(?P<sig>[a-z2-7]+)$"
)
SIG_LENGTH = 16


class Tampered(ValueError):
    """A reply address or link whose signature does not match: refused, never guessed at."""


@dataclass(frozen=True)
class Conversation:
    """Whom a link opens a conversation for."""

    app_id: str
    ticket_id: str
    requester_kind: str
    requester_id: str


class MailLinks:
    def __init__(self, server_secrets: Sequence[str]) -> None:
        if not server_secrets:
            raise ValueError("a server secret is needed to sign mail links")
        self._secrets = list(server_secrets)  # oldest first; the newest signs

    # -- the reply address ---------------------------------------------------------------------
    def _sig(self, secret: str, ticket_id: str) -> str:
        digest = hmac.new(secret.encode(), _ADDRESS_SALT + ticket_id.encode(), hashlib.sha256)
        return base64.b32encode(digest.digest()).decode().lower()[:SIG_LENGTH]

    def reply_address(self, ticket_id: str, local: str, domain: str) -> str:
        return f"{local}+{ticket_id}.{self._sig(self._secrets[-1], ticket_id)}@{domain}"

    def ticket_of(self, address: str) -> str | None:
        """The ticket id a reply address names; None when the address is not one of ours in
        shape; :class:`Tampered` when it is, but its signature is wrong."""
        local = address.rpartition("@")[0].lower()
        found = _REPLY_LOCAL.match(local)
        if found is None:
            return None
        ticket_id, sig = found["ticket"], found["sig"]
        for secret in reversed(self._secrets):
            if hmac.compare_digest(self._sig(secret, ticket_id), sig):
                return ticket_id
        raise Tampered(f"the reply address {address} is not one this server signed")

    # -- the conversation link -----------------------------------------------------------------
    def _serializer(self) -> itsdangerous.URLSafeTimedSerializer:
        now = int(clock.now())  # the server's clock, for signing and for measuring age

        class _Signer(itsdangerous.TimestampSigner):
            def get_timestamp(self) -> int:
                return now

        return itsdangerous.URLSafeTimedSerializer(
            list(self._secrets), salt=_LINK_SALT, signer=_Signer
        )

    def link_token(self, who: Conversation) -> str:
        return str(
            self._serializer().dumps(
                [who.app_id, who.ticket_id, who.requester_kind, who.requester_id]
            )
        )

    def conversation(self, token: str, max_age: int = LINK_AGE) -> Conversation:
        """The conversation a link token opens; :class:`Tampered` for a forged, damaged or
        expired one (the message says which, for the page)."""
        try:
            values = self._serializer().loads(token, max_age=max_age)
        except itsdangerous.SignatureExpired:
            raise Tampered("this link has expired") from None
        except itsdangerous.BadData:
            raise Tampered("this link is not valid") from None
        if not (isinstance(values, list) and len(values) == 4):
            raise Tampered("this link is not valid")
        return Conversation(*(str(v) for v in values))
