"""A plain WSGI app (no framework) whose HTML pages get the widget from SupportMiddleware.

The same middleware wraps a Django project's ``application`` in ``wsgi.py``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from http.cookies import SimpleCookie
from typing import Any

from support_sdk.wsgi import SupportMiddleware

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>"""


def _user(environ: Mapping[str, Any]) -> dict[str, str] | None:
    """Who is signed in: here, whoever the `user` cookie names (a real app checks a session)."""
    cookie = SimpleCookie(environ.get("HTTP_COOKIE", ""))
    if "user" not in cookie:
        return None
    name = cookie["user"].value
    return {"id": name, "email": f"{name}@example.com", "name": name.title()}


def _context(environ: Mapping[str, Any]) -> str | None:
    return {"/": "dashboard", "/billing": "billing.invoices"}.get(environ.get("PATH_INFO", ""))


def _stream() -> Iterator[bytes]:
    yield b"<html><body>streamed "
    yield b"export</body></html>"


def host_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    path = environ.get("PATH_INFO", "/")
    if path in ("/", "/billing"):
        title = "Dashboard" if path == "/" else "Billing"
        body = PAGE.format(
            title=title, body='<p data-support-help="billing.invoices">Invoices and receipts</p>'
        ).encode()
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))]
        start_response("200 OK", headers)
        return [body]
    if path == "/plain":  # a page that opts out of the widget
        body = PAGE.format(title="Print view", body="").encode()
        start_response(
            "200 OK",
            [
                ("Content-Type", "text/html"),
                ("X-Support-Widget", "off"),
                ("Content-Length", str(len(body))),
            ],
        )
        return [body]
    if path == "/stream":
        start_response("200 OK", [("Content-Type", "text/html")])
        return _stream()
    if path == "/api/status":
        body = json.dumps({"ok": True, "html": "</body>"}).encode()
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]
    start_response("404 Not Found", [("Content-Type", "text/plain")])
    return [b"not found"]


def make_app(settings: Mapping[str, str]) -> SupportMiddleware:
    return SupportMiddleware(
        host_app,
        url=settings["SUPPORT_URL"],
        app_id=settings["SUPPORT_APP_ID"],
        app_secret=settings["SUPPORT_APP_SECRET"],
        user=_user,
        context=_context,
    )
