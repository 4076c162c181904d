"""The admin interface under /admin: writers' editor, agents' inbox, analytics for admins."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ...edge import runtime
from ...errors import ApiError
from ..security import page_headers
from . import (
    analytics,
    articles,
    auth,
    followers,
    guard,
    history,
    insights,
    known_issues,
    mail,
    media,
    presence,
    profile,
    saved_replies,
    service_levels,
    ticket_fields,
    tickets,
    webhooks,
)

MESSAGES = {
    401: "Please sign in.",
    403: "You cannot do that here.",
    404: "There is nothing at this address.",
    413: "That is too large to upload.",
}


def _context() -> dict[str, Any]:
    session = guard.current()
    if session is None:
        return {"staff": None}
    rt = runtime()
    apps = rt.staff.apps_of(session.member)
    current = next((a for a in apps if a["id"] == session.current_app), None)
    return {
        "staff": session.member,
        "csrf_token": session.csrf_token,
        "apps": apps,
        "current_app_row": current,
        "section": (request.blueprint or "").rsplit(".", 1)[-1],
    }


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    if request.accept_mimetypes.best == "application/json" or request.is_json:
        response = jsonify({"error": {"code": str(status), "message": message}})
        response.status_code = status
    else:
        response = Response(
            render_template("admin/error.html", status=status, message=message, **_context()),
            status=status,
            content_type="text/html; charset=utf-8",
        )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return page_headers(response, private=True)


def register(app: Flask) -> None:
    admin = Blueprint("admin", __name__, url_prefix="/admin")
    for module in (
        auth,
        articles,
        history,
        media,
        tickets,
        presence,
        followers,
        analytics,
        insights,
        mail,
        profile,
        webhooks,
        service_levels,
        saved_replies,
        ticket_fields,
        known_issues,
    ):
        admin.register_blueprint(module.bp)
    admin.before_request(guard.check)
    admin.context_processor(_context)

    @admin.after_request
    def _headers(response: Response) -> Response:
        page = response.mimetype == "text/html"
        if page and "Content-Security-Policy" in response.headers:
            pass  # a view with a policy of its own: a mail's HTML part (see mail.py)
        elif page or response.status_code in (301, 302, 303):
            page_headers(response, private=True)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    @admin.errorhandler(ApiError)
    def _api_error(error: ApiError) -> Response:
        return _error(error.status, error.message, error.headers)

    @admin.errorhandler(HTTPException)
    def _http_error(error: HTTPException) -> Response:
        status = error.code or 500
        custom = error.description if error.description != type(error).description else None
        return _error(status, custom or MESSAGES.get(status, error.name))

    app.register_blueprint(admin)
