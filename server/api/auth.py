"""Who is calling: every API request is authenticated here, on every endpoint.

``Authorization: Bearer`` carries an end-user token (``ut_``), a visitor token (``vt_``) or a
staff API key (``sk_``). With no credential the request is an anonymous visitor of the app
named by ``X-Support-App`` (or ``?app_id=``), who may read published help and file a ticket.
A credential for one app is refused when the request names another. Failures are 401s that say
what is wrong with the credential, never whether another app or user exists.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import g, request

from support_sdk import tokens

from ..edge import client_address, runtime
from ..errors import Forbidden, RateLimited, Unauthorized
from ..principal import Principal
from ..services import apps

log = logging.getLogger("support_server.auth")
_INVALID = "the credential is not valid for this server"


def _app(app_id: str) -> dict[str, Any] | None:
    return apps.app_by_id(runtime().db, app_id)


def _named_app() -> str | None:
    return request.headers.get("X-Support-App") or request.args.get("app_id") or None


def principal() -> Principal:
    """The authenticated caller of this request (resolved once, then cached on ``g``)."""
    cached: Principal | None = g.get("principal")
    if cached is not None:
        return cached
    resolved = _resolve()
    named = _named_app()
    if named is not None and named != resolved.app_id:
        raise Unauthorized("the credential belongs to another app", code="invalid_token")
    g.principal = resolved
    return resolved


def _resolve() -> Principal:
    rt = runtime()
    header = request.headers.get("Authorization", "")
    if not header:
        app_id = _named_app()
        if not app_id:
            raise Unauthorized("name the app with the X-Support-App header, or send a token")
        g.app = _app(app_id)
        if g.app is None:
            raise Unauthorized("unknown app", code="invalid_app")
        return Principal(app_id=app_id, kind="visitor", id="")
    scheme, _, credential = header.partition(" ")
    credential = credential.strip()
    if scheme.lower() != "bearer" or not credential:
        raise Unauthorized("use the header Authorization: Bearer <token>")
    if credential.startswith(apps.KEY_PREFIX):
        # Wrong keys are counted per address: past the limit, every key from it is refused
        # for a while, so keys cannot be guessed at request speed.
        bucket, rate = f"failed_keys:ip:{client_address()}", rt.rates["failed_keys"]
        wait = rt.limiter.blocked(bucket, rate)
        if wait:
            raise RateLimited(wait)
        key = apps.authenticate_key(rt.db, credential)
        if key is None:
            wait = rt.limiter.hit(bucket, rate)
            log.warning("wrong API key from %s", client_address())
            if wait:
                raise RateLimited(wait)
            raise Unauthorized("the API key is not valid", code="invalid_api_key")
        g.app = _app(key.app_id)
        return Principal(
            app_id=key.app_id,
            kind="staff",
            id=key.id,
            name=key.name or None,
            role=key.role,
            via_key=True,
        )
    app_id = tokens.peek_app_id(credential)
    app = _app(app_id) if app_id else None
    g.app = app  # lets a 401 (e.g. token_expired) reach the app's own pages through CORS
    try:
        if app is None:
            raise tokens.BadSignature(_INVALID)
        if credential.startswith(tokens.USER_TOKEN_PREFIX):
            claims = tokens.verify_user_token(
                credential,
                app["id"],
                app["secrets"],
                rt.config["SUPPORT_MAX_TOKEN_AGE"],
                leeway=rt.config["SUPPORT_TOKEN_LEEWAY"],
            )
            return Principal(
                app_id=claims.app,
                kind="user",
                id=claims.sub,
                email=claims.email,
                name=claims.name,
                traits=claims.traits,
            )
        visitor = tokens.verify_visitor_token(
            credential,
            app["id"],
            rt.server_secrets,
            rt.config["SUPPORT_VISITOR_TOKEN_AGE"],
            leeway=rt.config["SUPPORT_TOKEN_LEEWAY"],
        )
        return Principal(
            app_id=visitor.app,
            kind="visitor",
            id=visitor.vid,
            email=visitor.email,
            name=visitor.name,
        )
    except tokens.TokenNotYetValid as exc:
        raise Unauthorized(
            f"{exc}; fix the clock (NTP) or raise SUPPORT_TOKEN_LEEWAY", code=exc.code
        ) from None
    except tokens.TokenExpired:
        raise Unauthorized(
            "the token has expired; mint a fresh one", code="token_expired"
        ) from None
    except tokens.TokenError:
        raise Unauthorized("the token is not valid", code="invalid_token") from None


def require_staff(role: str, refusal: str) -> Principal:
    """The caller, refused (before its body is read) unless it holds a staff key of ``role``:
    ``"writer"`` (a writer's or an admin's), ``"agent"`` (an agent's or an admin's) or
    ``"admin"``. ``refusal`` is the 403's message, in the endpoint's words."""
    who = principal()
    if who.kind != "staff":
        raise Unauthorized("this endpoint needs a staff API key")
    allowed = {"writer": who.is_writer, "agent": who.is_agent, "admin": who.role == "admin"}
    if not allowed[role]:
        raise Forbidden(refusal)
    return who


def require_writer() -> Principal:
    return require_staff("writer", "this key's role cannot manage articles")
