"""Apps (tenants), their signing secrets and allowed origins, and staff API keys."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import apps as app_store

ROLES = ("admin", "writer", "agent")
KEY_PREFIX = "sk_"
MAX_SECRETS = 5
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class StaffKey:
    id: str
    app_id: str
    role: str
    name: str


def _origin(value: str) -> str:
    parts = urlsplit(value.strip())
    if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path not in {"", "/"}:
        raise ValidationFailed(
            f"{value!r} is not an origin (scheme://host[:port])", details={"origin": [value]}
        )
    return f"{parts.scheme}://{parts.netloc}".lower()


def normalise_origins(origins: Sequence[str]) -> list[str]:
    return sorted({_origin(o) for o in origins})


def create_app(db: Database, name: str, origins: Sequence[str] = ()) -> dict[str, Any]:
    if not name.strip():
        raise ValidationFailed("an app needs a name", details={"name": ["must not be empty"]})
    app = {
        "id": new_id("app_"),
        "name": name.strip(),
        "secrets": [secrets.token_urlsafe(32)],
        "origins": normalise_origins(origins),
        "settings": {},
        "created_at": clock.iso(),
    }
    with db.write() as conn:
        app_store.insert_app(conn, app)
    return app


def get_app(db: Database, id_or_name: str) -> dict[str, Any]:
    with db.read() as conn:
        app = app_store.find_app(conn, id_or_name)
    if app is None:
        raise NotFound(f"no app {id_or_name!r}")
    return app


def app_by_id(db: Database, app_id: str) -> dict[str, Any] | None:
    """The app with exactly this id (not a name: callers hold an id from a URL or a token)."""
    with db.read() as conn:
        return app_store.get_app(conn, app_id)


def list_apps(db: Database) -> list[dict[str, Any]]:
    with db.read() as conn:
        return app_store.list_apps(conn)


def set_origins(db: Database, id_or_name: str, origins: Sequence[str]) -> dict[str, Any]:
    app = get_app(db, id_or_name)
    with db.write() as conn:
        app_store.update_app(conn, app["id"], origins=normalise_origins(origins))
    return get_app(db, app["id"])


def set_theme_color(db: Database, id_or_name: str, colour: str | None) -> dict[str, Any]:
    """Store the widget's accent colour (``#rrggbb``) in the app's settings; None resets it."""
    if colour is not None and not _HEX_COLOUR.match(colour):
        raise ValidationFailed(
            f"{colour!r} is not a colour such as #2563eb", details={"theme_color": [colour]}
        )
    app = get_app(db, id_or_name)
    settings = {**app["settings"], "theme_color": colour.lower() if colour else None}
    with db.write() as conn:
        app_store.update_app(conn, app["id"], settings=settings)
    return get_app(db, app["id"])


def rotate_secret(db: Database, id_or_name: str, *, drop_oldest: bool = False) -> str:
    """Add a new signing secret; tokens signed with the older ones keep verifying.

    An app keeps at most :data:`MAX_SECRETS`. At the limit the rotation is refused, since
    dropping the oldest secret would silently break every token still signed with it, unless
    ``drop_oldest`` says that is intended.
    """
    app = get_app(db, id_or_name)
    if len(app["secrets"]) >= MAX_SECRETS and not drop_oldest:
        raise Conflict(
            f"the app already has {MAX_SECRETS} signing secrets: retire the old ones first "
            "(rotate-secret --retire-old), or add --drop-oldest to retire only the oldest; "
            "tokens signed with a retired secret stop working",
            code="too_many_secrets",
        )
    new_secret = secrets.token_urlsafe(32)
    kept = (app["secrets"] + [new_secret])[-MAX_SECRETS:]
    with db.write() as conn:
        app_store.update_app(conn, app["id"], secrets=kept)
    return new_secret


def retire_secrets(db: Database, id_or_name: str) -> int:
    """Keep only the newest secret; returns how many were retired."""
    app = get_app(db, id_or_name)
    with db.write() as conn:
        app_store.update_app(conn, app["id"], secrets=app["secrets"][-1:])
    return len(app["secrets"]) - 1


def _hash(raw_key: str) -> str:
    # Keys carry 190 bits of randomness, so a fast hash is the right tool (as for GitHub's
    # and Stripe's keys); a password KDF would only slow every request.
    return hashlib.sha256(raw_key.encode()).hexdigest()


def create_key(db: Database, id_or_name: str, role: str, name: str = "") -> tuple[str, StaffKey]:
    """Create a staff key; the raw key is returned once and only its hash is stored."""
    if role not in ROLES:
        raise ValidationFailed(f"role must be one of {', '.join(ROLES)}", details={"role": [role]})
    app = get_app(db, id_or_name)
    key_id = new_id("", 12)
    raw = f"{KEY_PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
    with db.write() as conn:
        app_store.insert_key(
            conn,
            {
                "id": key_id,
                "app_id": app["id"],
                "role": role,
                "name": name,
                "secret_hash": _hash(raw),
                "created_at": clock.iso(),
            },
        )
    return raw, StaffKey(id=key_id, app_id=app["id"], role=role, name=name)


def authenticate_key(db: Database, raw: str) -> StaffKey | None:
    if not raw.startswith(KEY_PREFIX) or len(raw) > 200:
        return None
    key_id = raw[len(KEY_PREFIX) :].split("_", 1)[0]
    with db.read() as conn:
        row = app_store.get_key(conn, key_id)
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["secret_hash"], _hash(raw)):
        return None
    return StaffKey(id=row["id"], app_id=row["app_id"], role=row["role"], name=row["name"])


def list_keys(db: Database, id_or_name: str) -> list[dict[str, Any]]:
    app = get_app(db, id_or_name)
    with db.read() as conn:
        return app_store.list_keys(conn, app["id"])


def revoke_key(db: Database, key_id: str) -> bool:
    with db.write() as conn:
        return app_store.revoke_key(conn, key_id, clock.iso())


def all_origins(db: Database) -> set[str]:
    with db.read() as conn:
        return app_store.all_origins(conn)


# -- the email channel ----------------------------------------------------------------------
INBOUND_PREFIX = "ik_"
MAIL_DEFAULTS: dict[str, Any] = {
    "mail_from_name": None,  # default: the app's name
    "mail_from_address": None,  # default: the address of SUPPORT_MAIL_FROM
    "reply_domain": None,  # default: SUPPORT_MAIL_REPLY_DOMAIN, else the sender's domain
    "support_address": None,  # mail sent here opens a ticket of this app
    "acknowledge": True,  # a new ticket gets an acknowledgement by mail
    "survey": True,  # a solved ticket gets the one-click rating mail
    "email_tickets_per_hour": 10,  # one sender opens at most this many tickets an hour
}


def mail_settings(app: dict[str, Any]) -> dict[str, Any]:
    """The app's email-channel settings with the defaults filled in."""
    stored = app["settings"].get("mail") or {}
    return {name: stored.get(name, default) for name, default in MAIL_DEFAULTS.items()}


def _mail_address(name: str, value: str) -> str:
    from email.headerregistry import Address

    cleaned = value.strip().lower()
    try:
        Address(addr_spec=cleaned)
    except (ValueError, IndexError):
        raise ValidationFailed(
            f"{value!r} is not an email address", details={name: [value]}
        ) from None
    if "@" not in cleaned:
        raise ValidationFailed(f"{value!r} is not an email address", details={name: [value]})
    return cleaned


DOMAIN = re.compile(
    r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$|^localhost$"
)


def set_mail_settings(db: Database, id_or_name: str, **changes: Any) -> dict[str, Any]:
    """Change some of the app's email-channel settings (a None address resets it)."""
    unknown = set(changes) - set(MAIL_DEFAULTS)
    if unknown:
        raise ValidationFailed(f"unknown mail settings: {', '.join(sorted(unknown))}")
    clean: dict[str, Any] = {}
    for name, value in changes.items():
        if name in {"acknowledge", "survey"}:
            clean[name] = bool(value)
        elif name == "email_tickets_per_hour":
            if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 10000:
                raise ValidationFailed(
                    "email_tickets_per_hour must be a whole number from 1 to 10000",
                    details={name: [str(value)]},
                )
            clean[name] = value
        elif value is None or (isinstance(value, str) and not value.strip()):
            clean[name] = None
        elif name == "mail_from_name":
            clean[name] = " ".join(str(value).split())[:100]
        elif name == "reply_domain":
            domain = str(value).strip().lower()
            if not DOMAIN.match(domain):
                raise ValidationFailed(
                    f"{value!r} is not a domain such as reply.example.com",
                    details={name: [str(value)]},
                )
            clean[name] = domain
        else:
            clean[name] = _mail_address(name, str(value))
    app = get_app(db, id_or_name)
    if clean.get("support_address"):
        for other in list_apps(db):
            if other["id"] != app["id"] and (
                mail_settings(other)["support_address"] == clean["support_address"]
            ):
                raise Conflict(
                    f"{clean['support_address']} is already the support address of {other['name']}",
                    code="support_address_taken",
                )
    settings = {**app["settings"], "mail": {**(app["settings"].get("mail") or {}), **clean}}
    with db.write() as conn:
        app_store.update_app(conn, app["id"], settings=settings)
    return get_app(db, app["id"])


def create_inbound_key(db: Database, id_or_name: str) -> str:
    """A new inbound key for the app (the raw key is shown once); older ones are revoked."""
    app = get_app(db, id_or_name)
    key_id = new_id("", 12)
    raw = f"{INBOUND_PREFIX}{key_id}_{secrets.token_urlsafe(24)}"
    now = clock.iso()
    with db.write() as conn:
        app_store.revoke_inbound_keys(conn, app["id"], now)
        app_store.insert_inbound_key(
            conn,
            {"id": key_id, "app_id": app["id"], "secret_hash": _hash(raw), "created_at": now},
        )
    return raw


def authenticate_inbound_key(db: Database, raw: str) -> str | None:
    """The app an inbound key belongs to, or None."""
    if not raw.startswith(INBOUND_PREFIX) or len(raw) > 200:
        return None
    key_id = raw[len(INBOUND_PREFIX) :].split("_", 1)[0]
    with db.read() as conn:
        row = app_store.get_inbound_key(conn, key_id)
    if row is None or row["revoked_at"] is not None:
        return None
    if not hmac.compare_digest(row["secret_hash"], _hash(raw)):
        return None
    return str(row["app_id"])
