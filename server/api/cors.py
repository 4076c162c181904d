"""CORS limited to each app's allowed origins.

A preflight carries no credentials, so it is answered for any origin that some app allows;
the actual response then carries ``Access-Control-Allow-Origin`` only if the origin is one of
the calling app's own, so the browser shows app A's data to app A's pages only.

A page on another origin gets nothing it can read, and the browser tells its developer only
"failed to fetch". So the server logs one warning per app and origin (per process) naming the
origin, the app and the command that allows it, and the widget's config (readable from any
origin) says whether the page's origin is allowed, so that the widget can say it too.
"""

from __future__ import annotations

import logging
import re
import shlex
import threading
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response, g, request

from ..edge import runtime
from ..services import apps

log = logging.getLogger(__name__)

ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, X-Support-App, X-Support-Client,"
    " X-Request-Id, If-None-Match"
)
EXPOSED_HEADERS = "Retry-After, X-Request-Id, ETag"
# Only origins that `apps update --origin` would accept are named in the log (the header is
# the client's to write), and only so many distinct ones per process.
_LOGGABLE_ORIGIN = re.compile(r"^https?://[a-z0-9.\-]{1,253}(:[0-9]{1,5})?$")
MAX_WARNINGS = 100


def origin_allowed(app_row: Mapping[str, Any], origin: str | None) -> bool:
    """Whether a browser page on ``origin`` may read this app's answers.

    True for one of the app's origins, for the server's own pages, and when the request names
    no origin (not a cross-origin browser request: a server, a script, a same-origin GET).
    """
    if not origin:
        return True
    origin = origin.lower()
    return origin in app_row["origins"] or origin == _own_origin()


def _own_origin() -> str:
    return request.host_url.rstrip("/").lower()


def allow_command(app_row: Mapping[str, Any], origin: str) -> str:
    """The command that adds ``origin`` to the app's origins (``--origin`` replaces the list,
    so the ones already allowed are repeated)."""
    origins = [*app_row["origins"], origin.lower()]
    data_dir = shlex.quote(str(runtime().config.data_dir))
    return f"support-server apps update {app_row['id']} --data-dir {data_dir} " + " ".join(
        f"--origin {shlex.quote(o)}" for o in origins
    )


def register(app: Flask) -> None:
    warned: set[tuple[str, str]] = set()  # this app's (app id, origin) pairs already logged
    lock = threading.Lock()

    def warn_once(app_row: Mapping[str, Any], origin: str) -> None:
        key = (app_row["id"], origin.lower())
        with lock:
            if key in warned or len(warned) >= MAX_WARNINGS:
                return
            warned.add(key)
        log.warning(
            "A page on %s tried to use app %s (%s), but that origin is not one of the app's "
            "allowed origins, so browsers refuse the answers (CORS) and its widget cannot "
            "reach support. To allow it, run: %s",
            key[1],
            app_row["id"],
            app_row["name"],
            allow_command(app_row, origin),
        )

    @app.before_request
    def _preflight() -> Response | None:
        if request.method != "OPTIONS" or not request.path.startswith("/api/"):
            return None
        response = Response(status=204)
        origin = request.headers.get("Origin")
        if origin and origin.lower() in apps.all_origins(runtime().db):
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Methods"] = "GET, POST, PATCH, DELETE, OPTIONS"
            response.headers["Access-Control-Allow-Headers"] = ALLOWED_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
        response.headers["Vary"] = "Origin"
        return response

    @app.after_request
    def _allow_origin(response: Response) -> Response:
        origin = request.headers.get("Origin")
        if not origin or not request.path.startswith("/api/") or request.method == "OPTIONS":
            return response
        response.vary.add("Origin")
        app_row = g.get("app")
        if app_row is None:
            return response
        if origin.lower() in app_row["origins"]:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        elif not origin_allowed(app_row, origin) and _LOGGABLE_ORIGIN.match(origin.lower()):
            warn_once(app_row, origin)
        return response
