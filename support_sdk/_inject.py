"""When and how the widget tag goes into a response: the rules both middlewares apply.

Framework-free: :mod:`support_sdk.wsgi` and :mod:`support_sdk.asgi` read their server's
response into a status, a list of ``(name, value)`` headers and (when the page is kept) its
bytes, and ask this module. A response gets the widget only when it is a complete HTML page,
the way django-debug-toolbar decides it:

- a 200 to anything but a HEAD request;
- ``Content-Type: text/html``;
- not compressed (``Content-Encoding``) and not a download (``Content-Disposition: attachment``);
- not opted out by the header ``X-Support-Widget: off`` (``0``/``false``), which is removed;
- not streamed: each middleware checks this its own way (a length, or a body known whole).

The tag goes before the last ``</body>`` (a page without one is left as it is), and
``Content-Length`` is set to the new length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from ._embed import as_user, mint_for
from ._embed import widget_tag as embed_tag

__all__ = [
    "MAX_BUFFER",
    "OPT_OUT_HEADER",
    "html_page",
    "insert_tag",
    "opted_out",
    "widget_tag",
    "with_length",
    "without_opt_out",
]

#: The header a host sets to keep the widget off one response (removed on the way out).
OPT_OUT_HEADER = "X-Support-Widget"

#: Largest page (bytes) a middleware holds to rewrite; a larger one goes out as it is.
MAX_BUFFER = 5 * 1024 * 1024

_OFF = frozenset({"off", "0", "false"})
_BODY_END = re.compile(rb"</body\s*>", re.IGNORECASE)
_TAIL = 4096

Headers = list[tuple[str, str]]


def opted_out(headers: Headers) -> bool:
    """Whether the host asked for no widget on this response."""
    return any(k.lower() == OPT_OUT_HEADER.lower() and v.lower() in _OFF for k, v in headers)


def without_opt_out(headers: Headers) -> Headers:
    """``headers`` without the opt-out header, which is for the middleware, not the browser."""
    return [(k, v) for k, v in headers if k.lower() != OPT_OUT_HEADER.lower()]


def html_page(method: str, status: int, headers: Headers) -> bool:
    """Whether a response with this status and these headers is an uncompressed HTML page
    (whether it is complete is the caller's to check: a length, or a body known whole)."""
    if method.upper() == "HEAD" or status != 200:
        return False
    values = {k.lower(): v for k, v in headers}
    if not values.get("content-type", "").lower().startswith("text/html"):
        return False
    return not (
        values.get("content-encoding")
        or "attachment" in values.get("content-disposition", "").lower()
    )


def with_length(headers: Headers, length: int) -> Headers:
    """``headers`` with ``Content-Length`` set to ``length`` (any earlier one removed)."""
    kept = [(k, v) for k, v in headers if k.lower() != "content-length"]
    return [*kept, ("Content-Length", str(length))]


def insert_tag(content: bytes, tag: bytes) -> bytes:
    """``content`` with ``tag`` before its last ``</body>`` (any case, spaces allowed before
    the ``>``); unchanged without one.

    >>> insert_tag(b"<body>Hi</body></html>", b"<script></script>")
    b'<body>Hi<script></script></body></html>'
    """
    at = _last_body_end(content)
    return content if at < 0 else content[:at] + tag + content[at:]


def _last_body_end(content: bytes) -> int:
    # Searched from the end, in the page's last few KB first: a page's </body> is near its
    # end, and scanning (or lowercasing) the whole page cost more than the rest of the
    # middleware's work. A match in the tail is the last one; without one, the whole page.
    for start in (max(0, len(content) - _TAIL), 0):
        lowered = content[start:].lower()
        end = len(lowered)
        while (at := lowered.rfind(b"</body", 0, end)) >= 0:
            if _BODY_END.match(lowered, at):
                return start + at
            end = at
        if start == 0:
            break
    return -1


def widget_tag(
    *,
    url: str,
    app_id: str,
    app_secret: str,
    person: Mapping[str, Any] | None,
    context: Callable[[], str | None] | None,
    anonymous: bool,
    token_ttl: int,
) -> bytes | None:
    """The loader's ``<script>`` tag for ``person`` (a user token minted for them), or for an
    anonymous visitor when ``anonymous``; None when there is no one to show the widget to.
    ``context`` (the help context's key) is asked only when there is."""
    if not person and not anonymous:
        return None
    user = as_user(person)
    token = mint_for(app_id, app_secret, user, token_ttl) if user else None
    # the same markup as the Flask and Django tags (support_sdk._embed)
    return embed_tag(
        url=url, app_id=app_id, user_token=token, context=context() if context else None
    ).encode()
