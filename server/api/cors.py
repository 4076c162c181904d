"""CORS limited to each app's allowed origins.

A preflight carries no credentials, so it is answered for any origin that some app allows;
the actual response then carries ``Access-Control-Allow-Origin`` only if the origin is one of
the calling app's own, so the browser shows app A's data to app A's pages only.
"""

from __future__ import annotations

from flask import Flask, Response, g, request

from ..edge import runtime
from ..services import apps

ALLOWED_HEADERS = (
    "Authorization, Content-Type, Idempotency-Key, X-Support-App, X-Support-Client, X-Request-Id"
)
EXPOSED_HEADERS = "Retry-After, X-Request-Id"


def register(app: Flask) -> None:
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
        response.headers.add("Vary", "Origin")
        app_row = g.get("app")
        if app_row is not None and origin.lower() in app_row["origins"]:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
        return response
