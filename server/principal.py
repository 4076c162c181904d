"""Who is making a request, as established by the HTTP layer from a token or key."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Principal:
    app_id: str
    kind: str  # 'user' (end-user token), 'visitor' (visitor token or none), 'staff' (API key)
    id: str  # user id, visitor id ('' when anonymous), or staff key id
    email: str | None = None
    name: str | None = None
    role: str | None = None  # staff only: admin, writer or agent

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
