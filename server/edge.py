"""What both HTTP edges (the API and the web pages) share about a request: the runtime, the
transport (HTTPS, the caller's address behind trusted proxies), the request id and rate limits.

``api/`` and ``web/`` import this, never each other, so changing the API's plumbing cannot
break the admin.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import Response, current_app, g, request

from .errors import RateLimited
from .principal import Principal
from .runtime import Runtime

HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts of the domain are not ours


def runtime() -> Runtime:
    """This app's runtime (database, services, config), built once by ``create_app``."""
    rt: Runtime = current_app.extensions["support"]
    return rt


def is_https() -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a trusted proxy)."""
    config = current_app.extensions["support"].config
    if request.is_secure or config["SUPPORT_PUBLIC_URL"].startswith("https://"):
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower()
    return bool(config["SUPPORT_TRUSTED_PROXIES"]) and forwarded == "https"


def client_address() -> str:
    """The caller's address: with ``SUPPORT_TRUSTED_PROXIES`` = n, the n-th address from the
    right of X-Forwarded-For (what werkzeug's ProxyFix(x_for=n) picks); the socket's otherwise,
    and when the header has fewer hops than promised (a client cannot spoof its way in)."""
    hops: int = runtime().config["SUPPORT_TRUSTED_PROXIES"]
    if hops:
        forwarded = [
            a.strip() for a in request.headers.get("X-Forwarded-For", "").split(",") if a.strip()
        ]
        if len(forwarded) >= hops:
            return forwarded[-hops]
    return request.remote_addr or "unknown"


def browser_key() -> str:
    """Who is behind this request, for help analytics: the browser (address and User-Agent).

    The widget sends its help events without the user's token and makes up a new visit id
    on every page load, so the browser is what ties one person's help and tickets together
    (as privacy-first web analytics do). It is only ever stored hashed (EventLog.actor).
    """
    agent = request.headers.get("User-Agent", "")[:300]
    return f"browser:{client_address()}|{agent}"


def assign_request_id() -> None:
    """Keep the caller's X-Request-Id when it is a sane token, else mint one (before_request)."""
    incoming = request.headers.get("X-Request-Id", "")
    g.request_id = incoming if 8 <= len(incoming) <= 64 and incoming.isalnum() else uuid.uuid4().hex


def request_id() -> str:
    """This request's id, to quote in logs and error envelopes."""
    return str(g.get("request_id", ""))


def base_url() -> str:
    """The public base URL, for canonical links, the sitemap, image and file links."""
    configured: str = runtime().config["SUPPORT_PUBLIC_URL"]
    return configured or request.host_url.rstrip("/")


IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def file_response(found: Mapping[str, Any], *, preview: bool) -> Response:
    """An attachment's bytes: with ``preview`` an image (PNG, JPEG, GIF, WebP: nothing that
    can hold script) as what it is, inline; anything else a download of opaque bytes. Never
    rendered as a page: a sandbox CSP and ``nosniff`` whatever the browser thinks."""
    shown = preview and found["content_type"] in IMAGES
    response = Response(
        bytes(found["data"]),
        content_type=found["content_type"] if shown else "application/octet-stream",
    )
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if shown else "attachment", found["filename"]
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"  # the widget's <img>
    return response


def rate_limit(bucket: str, who: Principal) -> None:
    """Count this request against ``bucket``; 429 with Retry-After when over the limit."""
    rt = runtime()
    subject = f"ip:{client_address()}" if who.anonymous else who.key
    wait = rt.limiter.hit(f"{bucket}:{who.app_id}:{subject}", rt.rates[bucket])
    if wait:
        raise RateLimited(wait)


def conditional(response: Response, version: str | None = None) -> Response:
    """Answer 304 when the client already has this version (its If-None-Match): what the
    widget's and the inbox's polling costs when nothing changed. ``version`` names the state
    cheaply; without it the body's hash is the ETag. Never cached by shared caches."""
    if version is not None:
        response.set_etag(hashlib.sha256(version.encode()).hexdigest()[:32])
    else:
        response.add_etag()
    response.headers["Cache-Control"] = "private, no-cache"
    response.make_conditional(request)  # sets 304 and drops the body in place
    return response
