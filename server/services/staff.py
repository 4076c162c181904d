"""Staff who sign in to the admin interface: users with a password, or a staff API key.

Passwords are hashed with scrypt (werkzeug.security, a memory-hard KDF with a random salt per
user). A sign-in for an unknown username still runs one scrypt check, so response times do not
tell which usernames exist. Roles decide what each admin page allows (:data:`AREAS`); a user
created without an app works in every app.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..principal import Principal
from ..store import Database
from ..store import apps as app_store
from ..store import staff as store
from . import apps as app_service

ROLES = app_service.ROLES
AREAS = {
    "articles": frozenset({"admin", "writer"}),
    "tickets": frozenset({"admin", "agent"}),
    "analytics": frozenset({"admin"}),
    "webhooks": frozenset({"admin"}),
}
MIN_PASSWORD = 10
MAX_PASSWORD = 1024
_USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_METHOD = "scrypt"


@cache
def _dummy_hash() -> str:
    return generate_password_hash("not a real password", method=_METHOD)


@dataclass(frozen=True)
class StaffMember:
    kind: str  # 'user' (username and password) or 'key' (a staff API key)
    id: str
    handle: str  # how tickets and revisions name them: the username, or key:<id>
    name: str
    role: str
    app_id: str | None  # None: every app

    def can(self, area: str) -> bool:
        return self.role in AREAS[area]

    def principal(self, app_id: str) -> Principal:
        """The identity the services see when this person acts in ``app_id``."""
        return Principal(
            app_id=app_id, kind="staff", id=self.handle, name=self.name, role=self.role
        )


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise ValidationFailed(
            f"a password needs at least {MIN_PASSWORD} characters",
            details={"password": [f"at least {MIN_PASSWORD} characters"]},
        )
    if len(password) > MAX_PASSWORD:
        raise ValidationFailed("that password is too long", details={"password": ["too long"]})


_EMAIL = re.compile(r"^[^@\s<>\"]{1,64}@[^@\s<>\"]{1,253}\.[^@\s<>\"]{2,63}$")


def check_email(email: str) -> str:
    value = email.strip()
    if not _EMAIL.match(value):
        raise ValidationFailed(
            f"{value!r} is not an email address", details={"email": ["not an address"]}
        )
    return value


class StaffService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- users --------------------------------------------------------------------------------
    def create_user(
        self,
        username: str,
        password: str,
        role: str,
        app: str | None = None,
        display_name: str = "",
        email: str = "",
    ) -> StaffMember:
        if not _USERNAME.match(username):
            raise ValidationFailed(
                "a username is 2-64 letters, digits, '.', '_', '@' or '-'",
                details={"username": [username]},
            )
        if role not in ROLES:
            raise ValidationFailed(
                f"role must be one of {', '.join(ROLES)}", details={"role": [role]}
            )
        check_password_rules(password)
        app_id = app_service.get_app(self.db, app)["id"] if app else None
        user = {
            "id": new_id("usr_"),
            "username": username,
            "display_name": display_name.strip() or username,
            "role": role,
            "app_id": app_id,
            "password_hash": generate_password_hash(password, method=_METHOD),
            "created_at": clock.iso(),
            "email": check_email(email) if email else None,
        }
        with self.db.write() as conn:
            if store.find_user(conn, username) is not None:
                raise Conflict(f"the username {username!r} is taken", code="username_taken")
            store.insert_user(conn, user)
        return _member_of_user(user)

    def set_password(self, username: str, password: str) -> None:
        """Change a password and end every session of that user."""
        check_password_rules(password)
        hashed = generate_password_hash(password, method=_METHOD)
        with self.db.write() as conn:
            user = store.find_user(conn, username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            store.update_user(conn, user["id"], password_hash=hashed)
            store.delete_sessions_of(conn, "user", user["id"])

    def set_email(self, username: str, email: str | None) -> None:
        """Where this person's notifications go (None: nowhere)."""
        value = check_email(email) if email else None
        with self.db.write() as conn:
            user = store.find_user(conn, username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            store.update_user(conn, user["id"], email=value)

    def set_own_email(self, user_id: str, email: str | None) -> None:
        """:meth:`set_email` for a signed-in user, who is known by id (their profile)."""
        value = check_email(email) if email else None
        with self.db.write() as conn:
            if not store.update_user(conn, user_id, email=value):
                raise NotFound("no such user")

    def set_muted(self, user_id: str, muted: list[str], kinds: list[str]) -> None:
        """Switch notification kinds off (those in ``muted``) and on (the rest of ``kinds``)."""
        unknown = [k for k in muted if k not in kinds]
        if unknown:
            raise ValidationFailed(
                f"no notification kind {unknown[0]!r}", details={"muted": unknown}
            )
        with self.db.write() as conn:
            if not store.update_user(conn, user_id, muted=muted):
                raise NotFound("no such user")

    def profile(self, user_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            user = store.get_user(conn, user_id)
        if user is None:
            raise NotFound("no such user")
        return {"username": user["username"], "email": user["email"], "muted": user["muted"]}

    def set_disabled(self, username: str, disabled: bool) -> None:
        with self.db.write() as conn:
            user = store.find_user(conn, username)
            if user is None:
                raise NotFound(f"no user {username!r}")
            store.update_user(conn, user["id"], disabled_at=clock.iso() if disabled else None)
            if disabled:
                store.delete_sessions_of(conn, "user", user["id"])

    def list_users(self, app_id: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            users = store.list_users(conn, app_id)
        for user in users:
            user.pop("password_hash", None)
        return users

    def assignees(self, app_id: str) -> list[StaffMember]:
        """Active users who can answer tickets in ``app_id``."""
        with self.db.read() as conn:
            users = store.list_users(conn, app_id)
        return [
            _member_of_user(u)
            for u in users
            if u["disabled_at"] is None and u["role"] in AREAS["tickets"]
        ]

    # -- signing in ---------------------------------------------------------------------------
    def authenticate_password(self, username: str, password: str) -> StaffMember | None:
        with self.db.read() as conn:
            user = store.find_user(conn, username) if len(username) <= 64 else None
        if user is None or user["disabled_at"] is not None:
            check_password_hash(_dummy_hash(), password[:MAX_PASSWORD])
            return None
        if not check_password_hash(user["password_hash"], password[:MAX_PASSWORD]):
            return None
        return _member_of_user(user)

    def authenticate_key(self, raw: str) -> StaffMember | None:
        key = app_service.authenticate_key(self.db, raw.strip())
        if key is None:
            return None
        return self.member("key", key.id)

    def member(self, kind: str, staff_id: str) -> StaffMember | None:
        """The current state of a signed-in person: None once disabled, revoked or deleted."""
        with self.db.read() as conn:
            if kind == "user":
                user = store.get_user(conn, staff_id)
                if user is None or user["disabled_at"] is not None:
                    return None
                return _member_of_user(user)
            key = app_store.get_key(conn, staff_id)
        if key is None or key["revoked_at"] is not None:
            return None
        return StaffMember(
            kind="key",
            id=key["id"],
            handle=f"key:{key['id']}",
            name=key["name"] or f"API key {key['id']}",
            role=key["role"],
            app_id=key["app_id"],
        )

    def apps_of(self, member: StaffMember) -> list[dict[str, Any]]:
        """The apps this person may work in, oldest first."""
        everything = app_service.list_apps(self.db)
        if member.app_id is None:
            return everything
        return [a for a in everything if a["id"] == member.app_id]


def _member_of_user(user: dict[str, Any]) -> StaffMember:
    return StaffMember(
        kind="user",
        id=user["id"],
        handle=user["username"],
        name=user["display_name"] or user["username"],
        role=user["role"],
        app_id=user["app_id"],
    )
