"""Response headers and request checks shared by the help center and the admin pages.

Pages carry a Content-Security-Policy without 'unsafe-inline': every script and style is a
file under /static, so an injected <script> or on*= attribute cannot run even if something
ever slipped past escaping. Article HTML is sanitized by nh3 before it reaches a template.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, request

from ..edge import base_url as base_url  # where the web pages have it from
from ..edge import is_https, runtime

__all__ = ["base_url", "is_https", "page_headers", "same_origin_request"]

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors {frames}"
)


def page_headers(response: Response, *, private: bool) -> Response:
    """Security headers for an HTML page; ``private`` pages (admin) are never cached or framed."""
    response.headers["Content-Security-Policy"] = CSP.format(
        frames="'none'" if private else "'self'"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = (
        "same-origin" if private else "strict-origin-when-cross-origin"
    )
    response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
    if private:
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Cache-Control"] = "no-store"
    return response


def same_origin_request() -> bool:
    """False when the browser says this request came from another site (Fetch metadata, or
    an Origin/Referer naming another host): the second line of defence against CSRF."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in {"same-origin", "none"}:
        return False
    if request.headers.get("Origin") == "null":  # sandboxed or privacy-stripped: not us
        return False
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if source:
        ours = {urlsplit(request.host_url).netloc.lower()}
        public = runtime().config["SUPPORT_PUBLIC_URL"]
        if public:
            ours.add(urlsplit(public).netloc.lower())
        return urlsplit(source).netloc.lower() in ours
    return True


def safe_next(target: str | None, default: str) -> str:
    """A redirect target that stays on this server (no //evil.example or scheme)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return default
    return target
