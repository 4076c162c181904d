"""Who is making a request, as established by the HTTP layer from a token or key."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Principal:
    app_id: str
    kind: str  # 'user' (end-user token), 'visitor' (visitor token or none), 'staff' (API key)
    id: str  # user id, visitor id ('' when anonymous), or staff key id
    email: str | None = None
    name: str | None = None
    role: str | None = None  # staff only: admin, writer or agent
    # Staff only: an API key (a program), not a person signed in. Its name labels revisions
    # but is never shown to a requester ("initial admin key" is not a person to answer).
    via_key: bool = False
    # End users only: the traits their token carries, signed by the app's backend (so agents
    # may trust them, unlike the context a browser sends).
    traits: Mapping[str, Any] = field(default_factory=dict, hash=False)
    # A mail's "View the conversation" link: the requester of this one ticket (public id)
    # and nothing else, whoever filed it (a staff key files on a customer's behalf).
    ticket: str | None = None

    @property
    def anonymous(self) -> bool:
        return self.kind == "visitor" and not self.id

    @property
    def is_agent(self) -> bool:
        return self.kind == "staff" and self.role in {"agent", "admin"}

    @property
    def is_writer(self) -> bool:
        return self.kind == "staff" and self.role in {"writer", "admin"}

    @property
    def key(self) -> str:
        """A stable name for rate limits and idempotency scopes."""
        return f"{self.kind}:{self.id or 'anonymous'}"
