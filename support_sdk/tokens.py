"""Signed end-user and visitor tokens: the SDK mints them, the server verifies them.

Both sides import this one module so the format cannot drift. A token is::

    ut_<itsdangerous URLSafeTimedSerializer payload>     end-user token, signed with an app secret
    vt_<itsdangerous URLSafeTimedSerializer payload>     visitor token, signed by the server

Each purpose has its own salt, so a token minted for one purpose never verifies for another.
Claims of an end-user token: ``app`` (app id), ``sub`` (user id), optional ``email``, ``name``,
``traits`` (a small flat dict) and ``exp`` (unix seconds). The server additionally passes a
maximum age on every verification, so a token with a far-future ``exp`` still dies.

Clocks differ: a host whose clock runs a second ahead of the server mints tokens "from the
future". Verification allows ``leeway`` seconds (default :data:`DEFAULT_LEEWAY`) both ways: on
the signature's timestamp, on ``exp`` and on the maximum age.

Errors::

    TokenError
     ├── MalformedToken    not a token of ours at all, or a claim of the wrong shape
     ├── BadSignature      signed with no current secret of the app (or tampered with)
     ├── TokenExpired      past ``exp`` or older than the server's maximum age
     ├── TokenNotYetValid  signed further in the future than the clock leeway allows
     └── WrongPurpose      a valid token of another kind (e.g. a visitor token used as a user token)
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import itsdangerous

__all__ = [
    "DEFAULT_LEEWAY",
    "MAX_TRAITS",
    "USER_TOKEN_PREFIX",
    "VISITOR_TOKEN_PREFIX",
    "BadSignature",
    "MalformedToken",
    "TokenError",
    "TokenExpired",
    "TokenNotYetValid",
    "UserClaims",
    "VisitorClaims",
    "WrongPurpose",
    "mint_user_token",
    "mint_visitor_token",
    "peek_app_id",
    "verify_user_token",
    "verify_visitor_token",
]

USER_TOKEN_PREFIX = "ut_"  # noqa: S105 - a prefix, not a secret
VISITOR_TOKEN_PREFIX = "vt_"  # noqa: S105 - a prefix, not a secret
_USER_SALT = "support-sdk.user-token.v1"
_VISITOR_SALT = "support-sdk.visitor-token.v1"
MAX_TRAITS = 20
_MAX_TRAIT_VALUE = 200
_MAX_TOKEN_LENGTH = 4096
DEFAULT_LEEWAY = 60  # seconds of clock difference tolerated between minter and verifier


class TokenError(Exception):
    """A token could not be accepted. ``code`` is the machine-readable reason."""

    code = "invalid_token"


class MalformedToken(TokenError):
    code = "invalid_token"


class BadSignature(TokenError):
    code = "invalid_token"


class TokenExpired(TokenError):
    code = "token_expired"


class TokenNotYetValid(TokenError):
    """Signed further in the future than the leeway: the minting host's clock is ahead."""

    code = "token_not_yet_valid"


class WrongPurpose(TokenError):
    code = "invalid_token"


@dataclass(frozen=True)
class UserClaims:
    """The verified claims of an end-user token."""

    app: str
    sub: str
    exp: int
    email: str | None = None
    name: str | None = None
    traits: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class VisitorClaims:
    """The verified claims of a visitor token (an anonymous person who filed a ticket)."""

    app: str
    vid: str
    exp: int
    email: str | None = None
    name: str | None = None


def _signer_at(now: float | None) -> type[itsdangerous.TimestampSigner]:
    """The timestamp signer, its clock pinned to ``now`` when one is given.

    itsdangerous stamps a signature with ``time.time()`` and measures ``max_age`` against it; a
    pinned ``now`` must move that clock too, or a token "minted in the past" would be signed
    as fresh and a verification "at" some moment would measure age from the real clock.
    """
    if now is None:
        return itsdangerous.TimestampSigner
    pinned = int(now)

    class _PinnedSigner(itsdangerous.TimestampSigner):
        def get_timestamp(self) -> int:
            return pinned

    return _PinnedSigner


def _serializer(
    secrets: str | Sequence[str], salt: str, now: float | None = None
) -> itsdangerous.URLSafeTimedSerializer:
    # itsdangerous signs with the last secret of a list and verifies with any of them: this
    # is exactly what secret rotation needs (oldest first, newest last).
    keys: str | list[str] = secrets if isinstance(secrets, str) else list(secrets)
    if not keys:
        raise ValueError("at least one secret is required")
    return itsdangerous.URLSafeTimedSerializer(keys, salt=salt, signer=_signer_at(now))


def _clean_traits(traits: Mapping[str, Any] | None) -> dict[str, Any]:
    if not traits:
        return {}
    if len(traits) > MAX_TRAITS:
        raise ValueError(f"traits may hold at most {MAX_TRAITS} keys")
    clean: dict[str, Any] = {}
    for key, value in traits.items():
        if not isinstance(key, str) or not key:
            raise ValueError("trait names must be non-empty strings")
        if value is not None and not isinstance(value, (str, int, float, bool)):
            raise ValueError(f"trait {key!r} must be a string, number, boolean or None")
        if isinstance(value, str) and len(value) > _MAX_TRAIT_VALUE:
            raise ValueError(f"trait {key!r} is longer than {_MAX_TRAIT_VALUE} characters")
        clean[key] = value
    return clean


def mint_user_token(
    app_id: str,
    secret: str | Sequence[str],
    user_id: str | int,
    email: str | None = None,
    name: str | None = None,
    traits: Mapping[str, Any] | None = None,
    expires_in: int = 3600,
    *,
    now: float | None = None,
) -> str:
    """Mint an end-user token for the widget or the API.

    Call this in your backend, never in the browser: it needs the app secret. ``secret`` may be
    a list (oldest first): the token is signed with the last one. ``now`` (unix seconds) pins
    the moment of minting, for ``exp`` and for the signature's timestamp alike, which is what
    the server's maximum token age is measured from.

    >>> token = mint_user_token("app_123", "s3cret", "42", email="ada@example.com")
    >>> token.startswith("ut_")
    True
    """
    if not app_id:
        raise ValueError("app_id is required")
    if user_id is None or str(user_id) == "":
        raise ValueError("user_id is required")
    if expires_in <= 0:
        raise ValueError("expires_in must be positive")
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {"app": app_id, "sub": str(user_id), "exp": issued + int(expires_in)}
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    clean_traits = _clean_traits(traits)
    if clean_traits:
        claims["traits"] = clean_traits
    token = USER_TOKEN_PREFIX + str(_serializer(secret, _USER_SALT, now).dumps(claims))
    if len(token) > _MAX_TOKEN_LENGTH:
        # The server refuses longer tokens; say so here, where the cause can be fixed.
        raise ValueError(
            f"the token would be {len(token)} characters, over {_MAX_TOKEN_LENGTH}: "
            "send fewer or shorter traits"
        )
    return token


def mint_visitor_token(
    server_secret: str | Sequence[str],
    app_id: str,
    visitor_id: str,
    email: str | None = None,
    name: str | None = None,
    expires_in: int = 90 * 24 * 3600,
    *,
    now: float | None = None,
) -> str:
    """Mint a visitor token. Only the server calls this: it is signed with the server's secret."""
    issued = int(now if now is not None else time.time())
    claims: dict[str, Any] = {"app": app_id, "vid": visitor_id, "exp": issued + int(expires_in)}
    if email:
        claims["email"] = email
    if name:
        claims["name"] = name
    return VISITOR_TOKEN_PREFIX + str(_serializer(server_secret, _VISITOR_SALT, now).dumps(claims))


def _split(token: str, prefix: str) -> str:
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_LENGTH:
        raise MalformedToken("token is not a string of acceptable length")
    if token.startswith(prefix):
        return token[len(prefix) :]
    if token.startswith((USER_TOKEN_PREFIX, VISITOR_TOKEN_PREFIX)):
        raise WrongPurpose("token is of another kind")
    raise MalformedToken("not a Support SDK token")


def peek_app_id(token: str) -> str | None:
    """Return the unverified ``app`` claim of a user or visitor token, or None.

    The server uses this only to find which app's secrets to verify the token with; nothing
    read here is trusted before :func:`verify_user_token` succeeds.
    """
    if not isinstance(token, str) or len(token) > _MAX_TOKEN_LENGTH:
        return None  # and never decompress an unverified, oversized payload
    for prefix, salt in ((USER_TOKEN_PREFIX, _USER_SALT), (VISITOR_TOKEN_PREFIX, _VISITOR_SALT)):
        if token.startswith(prefix):
            try:
                _ok, payload = _serializer("unused", salt).loads_unsafe(token[len(prefix) :])
            except Exception:  # noqa: BLE001 - any garbage simply has no app
                return None
            if isinstance(payload, dict) and isinstance(payload.get("app"), str):
                return str(payload["app"])
            return None
    return None


def _loads(
    raw: str,
    secrets: str | Sequence[str],
    salt: str,
    max_age: int,
    now: float | None,
    leeway: float,
) -> dict[str, Any]:
    if not secrets:
        raise BadSignature("there is no secret to verify the token with")
    try:
        # No max_age here: itsdangerous refuses any timestamp ahead of its clock, and a host
        # whose clock runs 0.2 s fast would see half its fresh tokens refused. Ages are
        # checked below, with the leeway.
        payload, signed_at = _serializer(secrets, salt, now).loads(raw, return_timestamp=True)
    except itsdangerous.BadSignature as exc:
        # BadPayload and BadTimeSignature derive from BadSignature; a body that does not even
        # decode is "malformed", a body whose signature fails is "bad signature": both are 401.
        raise BadSignature("token signature does not verify") from exc
    except (ValueError, json.JSONDecodeError) as exc:
        raise MalformedToken("token does not decode") from exc
    age = (time.time() if now is None else now) - signed_at.timestamp()
    if age < -leeway:
        raise TokenNotYetValid(
            f"token was signed {-age:.0f} s in the future; the minting host's clock is ahead "
            f"of the server's by more than the {leeway:.0f} s leeway"
        )
    if age > max_age + leeway:
        raise TokenExpired("token is older than the maximum age")
    if not isinstance(payload, dict):
        raise MalformedToken("token payload is not an object")
    return payload


def _check_common(payload: Mapping[str, Any], app_id: str, now: float | None, leeway: float) -> int:
    if payload.get("app") != app_id:
        raise BadSignature("token belongs to another app")
    exp = payload.get("exp")
    if not isinstance(exp, int) or isinstance(exp, bool):
        raise MalformedToken("token has no expiry")
    if exp + leeway <= (now if now is not None else time.time()):
        raise TokenExpired("token has expired")
    return exp


def _opt_str(payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise MalformedToken(f"claim {key!r} must be a string")
    return value


def verify_user_token(
    token: str,
    app_id: str,
    secrets: str | Sequence[str],
    max_age: int,
    *,
    now: float | None = None,
    leeway: float = DEFAULT_LEEWAY,
) -> UserClaims:
    """Verify an end-user token for ``app_id`` against the app's current secrets.

    ``max_age`` (seconds) is the server's own cap on a token's lifetime and is always applied,
    whatever ``exp`` the minter chose. ``leeway`` (seconds) tolerates clocks that differ.
    """
    payload = _loads(_split(token, USER_TOKEN_PREFIX), secrets, _USER_SALT, max_age, now, leeway)
    exp = _check_common(payload, app_id, now, leeway)
    sub = payload.get("sub")
    if not isinstance(sub, str) or not sub:
        raise MalformedToken("token has no subject")
    traits = payload.get("traits") or {}
    if not isinstance(traits, dict):
        raise MalformedToken("claim 'traits' must be an object")
    return UserClaims(
        app=app_id,
        sub=sub,
        exp=exp,
        email=_opt_str(payload, "email"),
        name=_opt_str(payload, "name"),
        traits=traits,
    )


def verify_visitor_token(
    token: str,
    app_id: str,
    server_secrets: str | Sequence[str],
    max_age: int,
    *,
    now: float | None = None,
    leeway: float = DEFAULT_LEEWAY,
) -> VisitorClaims:
    """Verify a visitor token minted by :func:`mint_visitor_token`."""
    payload = _loads(
        _split(token, VISITOR_TOKEN_PREFIX), server_secrets, _VISITOR_SALT, max_age, now, leeway
    )
    exp = _check_common(payload, app_id, now, leeway)
    vid = payload.get("vid")
    if not isinstance(vid, str) or not vid:
        raise MalformedToken("token has no visitor id")
    return VisitorClaims(
        app=app_id,
        vid=vid,
        exp=exp,
        email=_opt_str(payload, "email"),
        name=_opt_str(payload, "name"),
    )
