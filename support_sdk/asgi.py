"""ASGI middleware that adds the support widget to the HTML pages of any ASGI app (Starlette,
FastAPI, Django's ASGI handler), and FastAPI dependencies for the client and the user's token.

::

    from typing import Annotated
    from fastapi import Depends, FastAPI
    from support_sdk import SupportClient
    from support_sdk.asgi import SupportMiddleware, support_client, support_user_token

    app = FastAPI()
    app.add_middleware(
        SupportMiddleware,
        url="https://support.example.com", app_id="app_…", app_secret="…",
        user=lambda scope: {"id": "42", "email": "ada@example.com"},   # or None; may be async
    )

    @app.get("/api/my-tickets")
    def my_tickets(client: Annotated[SupportClient, Depends(support_client)],
                   token: Annotated[str | None, Depends(support_user_token)]):
        return [t.subject for t in client.tickets(user_token=token).items] if token else []

The options and the rules are those of :class:`support_sdk.wsgi.SupportMiddleware` (see
:mod:`support_sdk._inject`): the tag goes before the last ``</body>`` of complete HTML responses
only, and ``Content-Length`` is fixed. The middleware decides from ``http.response.start``:

- a response that is not an uncompressed HTML 200 page (JSON, gzip, a download, HEAD, opted out
  with ``X-Support-Widget: off``) is passed on message by message, never held;
- a page is held only until it is known whole: it has a ``Content-Length``, or its first body
  message is its last. A page streamed without a length (``more_body`` with no length, e.g. a
  ``StreamingResponse``) goes on as it comes; so does one over
  :data:`~support_sdk._inject.MAX_BUFFER`;
- websocket and lifespan scopes go straight to the app.

It never breaks the host: a failure inside the middleware is logged and the page goes out as
the app sent it; an exception the app raises propagates unchanged, after what the middleware
held of the response has been handed to the server (so the server sees what it would have seen
without the middleware).
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any

try:
    from starlette.requests import Request
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("support_sdk.asgi needs Starlette: pip install 'support-sdk[asgi]'") from e

from ._inject import (
    MAX_BUFFER,
    OPT_OUT_HEADER,
    html_page,
    insert_tag,
    opted_out,
    widget_tag,
    with_length,
    without_opt_out,
)
from .client import SupportClient
from .tokens import mint_user_token

__all__ = ["OPT_OUT_HEADER", "SupportMiddleware", "support_client", "support_user_token"]

log = logging.getLogger("support_sdk.asgi")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Person = Mapping[str, Any] | None
UserCallback = Callable[[Mapping[str, Any]], "Person | Awaitable[Person]"]
ContextCallback = Callable[[Mapping[str, Any]], "str | None"]

_SCOPE_KEY = "support_sdk.middleware"
_PERSON_KEY = "support_sdk.person"


class SupportMiddleware:
    """Wrap the ASGI ``app``; see the module docstring for what is injected where.

    ``user(scope)`` returns the signed-in user (``{"id", "email", "name", "traits"}``) or None;
    it may be a coroutine function. ``starlette.requests.Request(scope)`` gives it the cookies
    and the session. ``context(scope)`` returns the page's help context key. ``api_key`` (a
    staff key) is only for the client that :func:`support_client` gives routes.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        url: str,
        app_id: str,
        app_secret: str,
        user: UserCallback | None = None,
        context: ContextCallback | None = None,
        anonymous: bool = False,
        token_ttl: int = 3600,
        api_key: str | None = None,
    ) -> None:
        if not url or not app_id or not app_secret:
            raise ValueError("SupportMiddleware needs url, app_id and app_secret")
        self.app = app
        self.url = url.rstrip("/")
        self.app_id = app_id
        self.app_secret = app_secret
        self.user = user
        self.context = context
        self.anonymous = anonymous
        self.token_ttl = token_ttl
        self.api_key = api_key
        self._client: SupportClient | None = None

    @property
    def client(self) -> SupportClient:
        """The :class:`~support_sdk.SupportClient` for this server and app, made once."""
        if self._client is None:
            self._client = SupportClient(
                self.url, app_id=self.app_id, app_secret=self.app_secret, api_key=self.api_key
            )
        return self._client

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        scope[_SCOPE_KEY] = self
        response = _Response(self, scope, send)
        try:
            await self.app(scope, receive, response.send)
        except BaseException:
            await response.release()  # what the server would have had without us
            raise
        await response.release()  # a host that returned without finishing its page

    async def person(self, scope: Scope) -> Person:
        """The user ``user(scope)`` names for this request, asked once per request."""
        if _PERSON_KEY not in scope:
            found = self.user(scope) if self.user else None
            if inspect.isawaitable(found):
                found = await found
            scope[_PERSON_KEY] = found
        person: Person = scope[_PERSON_KEY]
        return person

    async def _tag(self, scope: Scope) -> bytes | None:
        context = self.context
        return widget_tag(
            url=self.url,
            app_id=self.app_id,
            app_secret=self.app_secret,
            person=await self.person(scope),
            context=(lambda: context(scope)) if context else None,
            anonymous=self.anonymous,
            token_ttl=self.token_ttl,
        )


class _Response:
    """The app's side of one response: its messages, held while the page may still be
    rewritten, then handed to the server's ``send``."""

    def __init__(self, middleware: SupportMiddleware, scope: Scope, send: Send) -> None:
        self.middleware = middleware
        self.scope = scope
        self.server_send = send
        self.start: Message | None = None  # held until the page is known whole
        self.chunks: list[bytes] = []
        self.size = 0
        self.passing = False  # everything from now on goes straight to the server

    async def send(self, message: Message) -> None:
        if self.passing:
            await self.server_send(message)
        elif message["type"] == "http.response.start":
            await self._started(message)
        elif message["type"] == "http.response.body" and self.start is not None:
            await self._body(message)
        else:  # trailers, pathsend, a body before any start: not ours to hold
            await self._pass(message)

    async def _started(self, message: Message) -> None:
        try:
            headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]]
            refused = opted_out(headers)
            headers = without_opt_out(headers)
            kept: Message = {**message, "headers": _encode(headers)}
            wanted = (
                not refused
                and not message.get("trailers")
                and html_page(self.scope.get("method", ""), int(message["status"]), headers)
            )
        except Exception:  # the host's page matters more than the widget
            log.exception("SupportMiddleware failed; the response is passed through")
            await self._pass(message)
            return
        if wanted:
            self.start = kept
        else:
            await self._pass(kept)

    async def _body(self, message: Message) -> None:
        assert self.start is not None
        chunk = bytes(message.get("body", b""))
        more = bool(message.get("more_body", False))
        if more and not self.chunks and not _has_length(self.start):
            await self._pass(message)  # streamed: no length and more to come
            return
        self.chunks.append(chunk)
        self.size += len(chunk)
        if more:
            if self.size > MAX_BUFFER:  # too large to rewrite: sent as it is
                await self._pass(None)
            return
        start, content = self.start, b"".join(self.chunks)
        self.start, self.chunks = None, []
        self.passing = True
        try:
            tag = await self.middleware._tag(self.scope)
            if tag:
                changed = insert_tag(content, tag)
                start = {**start, "headers": _with_length(start["headers"], len(changed))}
                content = changed
        except Exception:  # the host's page matters more than the widget
            log.exception("SupportMiddleware could not add the widget; page left as it was")
        await self.server_send(start)
        await self.server_send({"type": "http.response.body", "body": content})

    async def _pass(self, message: Message | None) -> None:
        """Hand over what is held, then ``message``; pass everything after it."""
        self.passing = True
        start, chunks = self.start, self.chunks
        self.start, self.chunks = None, []
        if start is not None:
            await self.server_send(start)
            if chunks:
                await self.server_send(
                    {"type": "http.response.body", "body": b"".join(chunks), "more_body": True}
                )
        if message is not None:
            await self.server_send(message)

    async def release(self) -> None:
        """Give the server what is still held (the app stopped before its page was whole)."""
        if self.start is None:
            return
        try:
            await self._pass(None)
        except Exception:  # the server's trouble; the app's own outcome is what matters
            log.debug("SupportMiddleware could not hand over a held response", exc_info=True)


def _has_length(start: Message) -> bool:
    return any(k.lower() == b"content-length" for k, _ in start["headers"])


def _encode(headers: list[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.encode("latin-1"), v.encode("latin-1")) for k, v in headers]


def _with_length(headers: list[tuple[bytes, bytes]], length: int) -> list[tuple[bytes, bytes]]:
    decoded = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in headers]
    return _encode(with_length(decoded, length))


# -- FastAPI / Starlette dependencies ------------------------------------------------------------


def _middleware(request: Request) -> SupportMiddleware:
    middleware = request.scope.get(_SCOPE_KEY)
    if not isinstance(middleware, SupportMiddleware):
        raise RuntimeError(
            "support_client and support_user_token need SupportMiddleware: "
            "app.add_middleware(SupportMiddleware, url=..., app_id=..., app_secret=...)"
        )
    return middleware


def support_client(request: Request) -> SupportClient:
    """FastAPI dependency: the :class:`~support_sdk.SupportClient` of the app's
    :class:`SupportMiddleware` (``client: Annotated[SupportClient, Depends(support_client)]``)."""
    return _middleware(request).client


async def support_user_token(request: Request) -> str | None:
    """FastAPI dependency: a user token (``ut_…``) for the request's signed-in user, as the
    middleware's ``user`` callback names them; None for a visitor."""
    middleware = _middleware(request)
    person = await middleware.person(request.scope)
    if not person:
        return None
    return mint_user_token(
        middleware.app_id,
        middleware.app_secret,
        str(person["id"]),
        email=person.get("email"),
        name=person.get("name"),
        traits=person.get("traits"),
        expires_in=middleware.token_ttl,
    )
