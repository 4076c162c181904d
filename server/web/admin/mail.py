"""Sent mail: every message the server queued for the current app, and how it went.

A mail is ``sent``, ``queued`` (with the reason it waits: no relay configured, or the relay's
answer before a retry) or ``rejected`` (the relay's answer). The detail page shows the text
part, and the HTML part in a sandboxed frame loaded from a route of its own whose
Content-Security-Policy allows no script at all (inline styles only, which mail needs).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, render_template

from ...edge import runtime
from . import guard

bp = Blueprint("mail", __name__, url_prefix="/mail")
# The HTML part is someone's mail as a mail client would show it: its own inline styles and
# images, never a script, a form or a request to this server; links open outside the frame.
MAIL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-popups "
    "allow-popups-to-escape-sandbox"
)


def _is_admin() -> bool:
    return guard.member().role == "admin"


def _mail(public_id: str) -> dict[str, Any]:
    found = runtime().mailer.get([guard.app_id()], public_id, admin=_is_admin())
    if found is None:
        abort(404)
    return found


@bp.get("/")
@guard.requires("tickets")
def sent() -> str:
    mails = runtime().mailer.sent([guard.app_id()], admin=_is_admin())
    return render_template("admin/mail.html", mails=mails)


@bp.get("/<public_id>")
@guard.requires("tickets")
def detail(public_id: str) -> str:
    return render_template("admin/mail_detail.html", mail=_mail(public_id))


@bp.get("/<public_id>/html")
@guard.requires("tickets")
def html_part(public_id: str) -> Response:
    body = str(_mail(public_id)["html_body"])
    head = body.find("<head>")
    at = head + len("<head>") if head >= 0 else 0
    body = body[:at] + '<base target="_blank">' + body[at:]
    response = Response(body, content_type="text/html; charset=utf-8")
    response.headers["Content-Security-Policy"] = MAIL_CSP
    response.headers["X-Frame-Options"] = "SAMEORIGIN"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
