"""WSGI middleware that adds the support widget to the HTML pages of any WSGI app (Django too).

::

    from support_sdk.wsgi import SupportMiddleware

    application = SupportMiddleware(
        application,
        url="https://support.example.com", app_id="app_…", app_secret="…",
        user=lambda environ: {"id": "42", "email": "ada@example.com"},   # or None
    )

The widget tag is inserted before the last ``</body>`` of complete HTML responses only, in the
way django-debug-toolbar does it: not JSON or other types, not streamed responses (no
Content-Length and a lazy iterable), not compressed ones (Content-Encoding), not downloads
(Content-Disposition: attachment), not HEAD requests, not 204/304, and not a response that
opts out with the header ``X-Support-Widget: off`` (which is removed). ``Content-Length`` is
fixed. Anything going wrong inside the middleware leaves the response untouched.

It never breaks the host, however the host is written (PEP 3333):

- a generator that calls ``start_response`` on its first iteration is read up to that call
  before anything is decided;
- exceptions the host raises, before or while its body is read, propagate untouched;
- ``start_response(..., exc_info)`` replaces a response the middleware still holds, and is
  forwarded as it is once the headers went out (so the server re-raises);
- the host's iterable is closed exactly once, whatever happened;
- streamed and other untouched responses reach the server chunk by chunk, as the host
  yields them (the same iterable when the host started its response eagerly).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

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

__all__ = ["OPT_OUT_HEADER", "SupportMiddleware"]

log = logging.getLogger("support_sdk.wsgi")

WSGIApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
UserCallback = Callable[[Mapping[str, Any]], "Mapping[str, Any] | None"]
ContextCallback = Callable[[Mapping[str, Any]], "str | None"]


class SupportMiddleware:
    """Wrap ``app``; see the module docstring for what is injected where."""

    def __init__(
        self,
        app: WSGIApp,
        *,
        url: str,
        app_id: str,
        app_secret: str,
        user: UserCallback | None = None,
        context: ContextCallback | None = None,
        anonymous: bool = False,
        token_ttl: int = 3600,
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

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        # What the host raises, here or while its body is read, is the host's: it propagates
        # untouched (never wrapped, never swallowed).
        response = _Response(start_response)
        body = self.app(environ, response.start_response)
        if response.status is None:
            # PEP 3333 lets a generator call start_response on its first iteration: decide
            # then, when the server asks for the first chunk.
            return _Deferred(self, environ, body, response)
        return self._respond(environ, body, response)

    def _respond(
        self, environ: Mapping[str, Any], body: Iterable[bytes], response: _Response
    ) -> Iterable[bytes]:
        """What to give the server once the host has started its response."""
        if response.passed:  # the host used write(), or sent an error page with exc_info
            return body
        try:
            inject = self._wants_widget(environ, response, body)
        except Exception:  # the host's page matters more than the widget
            log.exception("SupportMiddleware failed; the response is passed through")
            inject = False
        if not inject:
            response.send()
            return body
        chunks, rest = _collect(body, response)  # the host's errors propagate, after close()
        if rest is not None:  # too large to rewrite, or an error page: passed on as it is
            response.send()
            return rest
        content = b"".join(chunks)
        if response.passed:  # an error page with no body replaced the page
            return []
        try:
            tag = self._tag(environ)
            if tag:
                content = insert_tag(content, tag)
                response.headers = with_length(response.headers, len(content))
        except Exception:  # the host's page matters more than the widget
            log.exception("SupportMiddleware could not add the widget; page left as it was")
            content = b"".join(chunks)
        response.send()
        return [content]

    def _wants_widget(
        self, environ: Mapping[str, Any], response: _Response, body: Iterable[bytes]
    ) -> bool:
        assert response.status is not None
        refused = opted_out(response.headers)
        response.headers = without_opt_out(response.headers)
        return not refused and self._injectable(environ, response.status, response.headers, body)

    @staticmethod
    def _injectable(
        environ: Mapping[str, Any], status: str, headers: list[tuple[str, str]], body: Any
    ) -> bool:
        code = int(status[:3]) if status[:3].isdigit() else 0
        if not html_page(str(environ.get("REQUEST_METHOD", "")), code, headers):
            return False
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            return False
        # Streamed: neither a length nor a materialised list of chunks.
        has_length = any(k.lower() == "content-length" for k, _ in headers)
        return has_length or isinstance(body, (list, tuple))

    def _tag(self, environ: Mapping[str, Any]) -> bytes | None:
        context = self.context
        return widget_tag(
            url=self.url,
            app_id=self.app_id,
            app_secret=self.app_secret,
            person=self.user(environ) if self.user else None,
            context=(lambda: context(environ)) if context else None,
            anonymous=self.anonymous,
            token_ttl=self.token_ttl,
        )


class _Response:
    """The host's response, held by the middleware until it is handed to the server.

    The host calls :meth:`start_response`; the middleware forwards the call (:meth:`send`)
    once it knows whether it adds the widget. A call with ``exc_info`` (an error page)
    replaces a response not yet sent and is forwarded at once; after the headers went out it
    is forwarded as it is, so the server re-raises, as PEP 3333 says. The legacy ``write()``
    callable streams: it sends the response at once, and the widget is not added.
    """

    def __init__(self, start_response: Callable[..., Any]) -> None:
        self.server_start_response = start_response
        self.status: str | None = None
        self.headers: list[tuple[str, str]] = []
        self.exc_info: Any = None
        self.sent = False
        self.passed = False  # forwarded as the host gave it: the body is never rewritten
        self._write: Callable[[bytes], Any] | None = None

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], Any]:
        if exc_info is not None:
            if self.sent:  # the server re-raises exc_info; the middleware does not
                return self.server_start_response(status, headers, exc_info)  # type: ignore[no-any-return]
            self.passed = True
        self.status, self.headers, self.exc_info = status, list(headers), exc_info
        if self.passed:
            self.send()
        return self.write

    def send(self) -> None:
        if self.sent:
            return
        self.sent = True
        if self.exc_info is not None:
            self._write = self.server_start_response(self.status, self.headers, self.exc_info)
        else:
            self._write = self.server_start_response(self.status, self.headers)
        self.exc_info = None  # PEP 3333: keep no traceback alive

    def write(self, data: bytes) -> Any:
        self.passed = True
        self.send()
        return self._write(data) if self._write is not None else None


class _Deferred:
    """The body of a host that starts its response lazily (on its first iteration).

    The first ``next()`` pulls from the host until it has called ``start_response``, then
    hands over to :meth:`SupportMiddleware._respond`: a page to rewrite is read whole; any
    other body is passed on chunk by chunk, as the host yields it. ``close()`` closes the
    host's iterable once, whatever happened before.
    """

    def __init__(
        self,
        middleware: SupportMiddleware,
        environ: Mapping[str, Any],
        body: Iterable[bytes],
        response: _Response,
    ) -> None:
        self.middleware = middleware
        self.environ = environ
        self.body = body
        self.response = response
        self.output: Iterator[bytes] | None = None
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        if self.output is None:
            self.output = self._start()
        return next(self.output)

    def _start(self) -> Iterator[bytes]:
        source = iter(self.body)
        early: list[bytes] = []
        while self.response.status is None:
            early.append(next(source))  # StopIteration: the host never started (its bug)
        rest = _Chained(early, source, self.close)
        return iter(self.middleware._respond(self.environ, rest, self.response))

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            _close(self.body)


class _Chained:
    """Chunks already read, then the rest of the host's iterator; a lazy iterable (so it
    counts as streamed) whose ``close()`` closes the host's body."""

    def __init__(
        self, early: list[bytes], rest: Iterator[bytes], close: Callable[[], None]
    ) -> None:
        self.early = early
        self.rest = rest
        self.close = close

    def __iter__(self) -> Iterator[bytes]:
        yield from self.early
        yield from self.rest


def _close(body: object) -> None:
    close = getattr(body, "close", None)
    if close is not None:
        close()


def _collect(
    body: Iterable[bytes], response: _Response
) -> tuple[list[bytes], Iterable[bytes] | None]:
    """Read a page whole, then close it: ``(chunks, None)``. Otherwise ``(chunks, rest)``, an
    iterable of everything still to send that closes the body when the server closes it:
    when the page is over :data:`MAX_BUFFER` (not rewritten), or when the host replaced it
    by an error page (``start_response`` with ``exc_info``), which then streams on as is."""
    chunks: list[bytes] = []
    size = 0
    iterator = iter(body)
    try:
        for chunk in iterator:
            if response.passed:  # what came before belonged to the page it replaced
                return [], _Chained([chunk], iterator, lambda: _close(body))
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BUFFER:
                return chunks, _Chained(chunks, iterator, lambda: _close(body))
    except BaseException:
        _close(body)
        raise
    _close(body)
    return chunks, None
