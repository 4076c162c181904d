"""Admin sign-in sessions, kept in the database so that signing out really ends them.

The browser holds a random token (256 bits) in a cookie; the database holds only its SHA-256,
with the person it belongs to, an anti-CSRF token (the synchronizer-token pattern: every form
and every script request must echo it) and the app being worked on. Each request re-reads the
person, so a disabled user or a revoked key is signed out at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from .. import clock
from ..store import Database
from ..store import staff as store
from .staff import StaffMember, StaffService


@dataclass(frozen=True)
class StaffSession:
    token_hash: str
    member: StaffMember
    csrf_token: str
    current_app: str
    expires_at: str


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class StaffSessions:
    def __init__(self, db: Database, staff: StaffService, max_age: int) -> None:
        self.db = db
        self.staff = staff
        self.max_age = max_age

    def start(self, member: StaffMember) -> tuple[str, StaffSession]:
        """A new session (a new token every sign-in: no session fixation); returns the token."""
        apps = self.staff.apps_of(member)
        token = secrets.token_urlsafe(32)
        now = clock.now()
        row: dict[str, Any] = {
            "token_hash": _digest(token),
            "staff_kind": member.kind,
            "staff_id": member.id,
            "csrf_token": secrets.token_urlsafe(32),
            "current_app": apps[0]["id"] if apps else None,
            "created_at": clock.iso(now),
            "expires_at": clock.iso(now + self.max_age),
        }
        with self.db.write() as conn:
            store.delete_expired(conn, clock.iso(now))
            store.insert_session(conn, row)
        return token, StaffSession(
            token_hash=row["token_hash"],
            member=member,
            csrf_token=row["csrf_token"],
            current_app=row["current_app"] or "",
            expires_at=row["expires_at"],
        )

    def resume(self, token: str) -> StaffSession | None:
        if not token or len(token) > 100:
            return None
        with self.db.read() as conn:
            row = store.get_session(conn, _digest(token))
        if row is None or row["expires_at"] <= clock.iso():
            return None
        member = self.staff.member(row["staff_kind"], row["staff_id"])
        if member is None:
            return None
        allowed = [a["id"] for a in self.staff.apps_of(member)]
        current = row["current_app"] if row["current_app"] in allowed else None
        if current is None and allowed:
            current = allowed[0]
        return StaffSession(
            token_hash=row["token_hash"],
            member=member,
            csrf_token=row["csrf_token"],
            current_app=current or "",
            expires_at=row["expires_at"],
        )

    def switch_app(self, session: StaffSession, app_id: str) -> bool:
        if app_id not in {a["id"] for a in self.staff.apps_of(session.member)}:
            return False
        with self.db.write() as conn:
            store.set_current_app(conn, session.token_hash, app_id)
        return True

    def end(self, session: StaffSession) -> None:
        with self.db.write() as conn:
            store.delete_session(conn, session.token_hash)
