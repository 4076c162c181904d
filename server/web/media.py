"""Uploaded images, served publicly (articles embed them, so the widget shows them on host
pages too) under random names, with their sniffed type, ``nosniff`` and a sandbox CSP."""

from __future__ import annotations

from flask import Blueprint, Response, send_file

from ..edge import runtime

bp = Blueprint("media", __name__)
IMMUTABLE = 365 * 24 * 3600


@bp.get("/help/media/<file_name>")
def image(file_name: str) -> Response:
    path, item = runtime().media.find(file_name)
    response = send_file(
        path,
        mimetype=item["content_type"],
        conditional=True,
        etag=item["sha256"][:32],
        max_age=IMMUTABLE,
        download_name=item["file_name"],
        as_attachment=False,
    )
    response.headers["Cache-Control"] = f"public, max-age={IMMUTABLE}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cross-Origin-Resource-Policy"] = "cross-origin"
    return response
