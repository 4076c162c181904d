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
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Mapping
from html import escape
from typing import Any

from .tokens import mint_user_token

__all__ = ["OPT_OUT_HEADER", "SupportMiddleware"]

log = logging.getLogger("support_sdk.wsgi")
OPT_OUT_HEADER = "X-Support-Widget"
MAX_BUFFER = 5 * 1024 * 1024
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)

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
        captured: dict[str, Any] = {}

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            if exc_info is not None or captured.get("passed"):
                captured["passed"] = True
                return start_response(status, headers, exc_info)
            captured.update(status=status, headers=headers)
            return self._late_write(captured, start_response)

        body = self.app(environ, capture)
        if captured.get("passed"):
            return body
        status, headers = captured["status"], captured["headers"]
        opted_out = any(
            k.lower() == OPT_OUT_HEADER.lower() and v.lower() in {"off", "0", "false"}
            for k, v in headers
        )
        headers = [(k, v) for k, v in headers if k.lower() != OPT_OUT_HEADER.lower()]
        if opted_out or not self._injectable(environ, status, headers, body):
            start_response(status, headers)
            return body
        try:
            content = _collect(body)
        except _TooLarge as too_large:
            start_response(status, headers)
            return too_large.chunks
        try:
            tag = self._tag(environ)
            content = _inject(content, tag) if tag else content
        except Exception:  # the host's page matters more than the widget
            log.exception("SupportMiddleware could not add the widget; page left as it was")
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        headers.append(("Content-Length", str(len(content))))
        start_response(status, headers)
        return [content]

    @staticmethod
    def _late_write(captured: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        def write(data: bytes) -> None:
            # The legacy write() callable streams: stop buffering and pass everything through.
            if not captured.get("passed"):
                captured["passed"] = True
                captured["write"] = start_response(captured["status"], captured["headers"])
            captured["write"](data)

        return write

    @staticmethod
    def _injectable(
        environ: Mapping[str, Any], status: str, headers: list[tuple[str, str]], body: Any
    ) -> bool:
        if environ.get("REQUEST_METHOD") == "HEAD" or not status.startswith("200"):
            return False
        values = {k.lower(): v for k, v in headers}
        if not values.get("content-type", "").lower().startswith("text/html"):
            return False
        if (
            values.get("content-encoding")
            or "attachment" in values.get("content-disposition", "").lower()
        ):
            return False
        file_wrapper = environ.get("wsgi.file_wrapper")
        if isinstance(file_wrapper, type) and isinstance(body, file_wrapper):
            return False
        # Streamed: neither a length nor a materialised list of chunks.
        return "content-length" in values or isinstance(body, (list, tuple))

    def _tag(self, environ: Mapping[str, Any]) -> bytes | None:
        person = self.user(environ) if self.user else None
        if not person and not self.anonymous:
            return None
        attributes = {
            "src": f"{self.url}/widget/v1/loader.js",
            "data-app-id": self.app_id,
            "data-context": self.context(environ) if self.context else None,
        }
        if person:
            attributes["data-user-token"] = mint_user_token(
                self.app_id,
                self.app_secret,
                str(person["id"]),
                email=person.get("email"),
                name=person.get("name"),
                traits=person.get("traits"),
                expires_in=self.token_ttl,
            )
        rendered = " ".join(f'{k}="{escape(str(v))}"' for k, v in attributes.items() if v)
        return f"<script async {rendered}></script>".encode()


class _TooLarge(Exception):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks


def _collect(body: Iterable[bytes]) -> bytes:
    chunks: list[bytes] = []
    size = 0
    iterator = iter(body)
    try:
        for chunk in iterator:
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BUFFER:
                chunks.extend(iterator)  # give up on injecting; send it all unchanged
                raise _TooLarge(chunks)
    finally:
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return b"".join(chunks)


def _inject(content: bytes, tag: bytes) -> bytes:
    matches = list(_BODY_END.finditer(content))
    if not matches:
        return content
    at = matches[-1].start()
    return content[:at] + tag + content[at:]
