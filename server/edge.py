"""What both HTTP edges (the API and the web pages) need to know about a request's transport.

The seed of the shared edge: ``api/`` and ``web/`` import this, never each other.
"""

from __future__ import annotations

from flask import current_app, request

HSTS = "max-age=31536000"  # one year; no includeSubDomains: other hosts of the domain are not ours


def is_https() -> bool:
    """Whether the browser reached us over HTTPS (directly, or through a trusted proxy)."""
    config = current_app.extensions["support"].config
    if request.is_secure or config["SUPPORT_PUBLIC_URL"].startswith("https://"):
        return True
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[-1].strip().lower()
    return bool(config["SUPPORT_TRUSTED_PROXIES"]) and forwarded == "https"
