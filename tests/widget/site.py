"""The host product of the browser tests: a tiny site on its own origin that embeds the widget.

It is not the support server's origin, so every API call the widget makes is cross-origin and
CORS is exercised. Pages are registered by the tests; ``/token`` is a token-refresh route like
the one ``support_sdk.flask`` serves.
"""

from __future__ import annotations

import html
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from ..servers import free_port


@dataclass
class Page:
    body: str
    headers: dict[str, str] = field(default_factory=dict)


class HostSite:
    def __init__(self) -> None:
        self.port = free_port()
        self.origin = f"http://127.0.0.1:{self.port}"
        self.pages: dict[str, Page] = {}
        self.mint: Callable[[], str | None] = lambda: None
        self.refreshes = 0
        self._server = make_server("127.0.0.1", self.port, self._wsgi, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> HostSite:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._thread.join(timeout=10)

    @Request.application  # type: ignore[misc]
    def _wsgi(self, request: Request) -> Response:
        if request.path == "/token":
            if request.method != "POST" or not request.headers.get("X-Support-Refresh"):
                return Response("send POST with X-Support-Refresh", status=400)
            self.refreshes += 1
            token = self.mint()
            if token is None:
                return Response(
                    '{"error": {"code": "unauthorized"}}', 401, mimetype="application/json"
                )
            return Response(f'{{"token": "{token}"}}', mimetype="application/json")
        page = self.pages.get(request.path)
        if page is None:
            return Response("not found", status=404)
        return Response(page.body, mimetype="text/html", headers=page.headers)

    def add(self, path: str, body: str, headers: Mapping[str, str] | None = None) -> str:
        self.pages[path] = Page(body, dict(headers or {}))
        return self.origin + path


def embed(
    server_url: str,
    app_id: str,
    *,
    token: str | None = None,
    context: str | None = None,
    locale: str | None = None,
    app_version: str | None = "2.3.1",
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The one script tag a host product adds."""
    attributes: dict[str, Any] = {
        "src": f"{server_url}/widget/v1/loader.js",
        "data-app-id": app_id,
        "data-user-token": token,
        "data-context": context,
        "data-locale": locale,
        "data-app-version": app_version,
        **(extra or {}),
    }
    rendered = " ".join(
        name if value is True else f'{name}="{html.escape(str(value))}"'
        for name, value in attributes.items()
        if value is not None and value is not False
    )
    return f"<script async {rendered}></script>"


def document(body: str, *, head: str = "", title: str = "Ledgerly", lang: str | None = "en") -> str:
    """A host page; ``lang=None`` leaves out the attribute, as many real pages do."""
    opening = "<html>" if lang is None else f'<html lang="{html.escape(lang)}">'
    return (
        f'<!doctype html>{opening}<head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title>{head}</head><body>{body}</body></html>"
    )
