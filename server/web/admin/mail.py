"""Sent mail: every message the server queued for the current app, and how it went.

A mail is ``sent``, ``queued`` (with the reason it waits: no relay configured, or the relay's
answer before a retry) or ``rejected`` (the relay's answer). The detail page shows the text
part, and the HTML part in a sandboxed frame loaded from a route of its own whose
Content-Security-Policy allows no script at all (inline styles only, which mail needs).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ...edge import runtime
from ...errors import ApiError
from ...services import apps as app_service
from ..security import base_url
from . import guard

bp = Blueprint("mail", __name__, url_prefix="/mail")
# The HTML part is someone's mail as a mail client would show it: its own inline styles and
# images, never a script, a form or a request to this server; links open outside the frame.
MAIL_CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src https: data:; "
    "frame-ancestors 'self'; form-action 'none'; base-uri 'none'; sandbox allow-popups "
    "allow-popups-to-escape-sandbox"
)


def _mail(public_id: str) -> dict[str, Any]:
    found = runtime().mailer.get([guard.app_id()], public_id, admin=guard.is_admin())
    if found is None:
        abort(404)
    return found


@bp.get("/")
@guard.requires("tickets")
def sent() -> str:
    mails = runtime().mailer.sent([guard.app_id()], admin=guard.is_admin())
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


# -- received mail ---------------------------------------------------------------------------
@bp.get("/received")
@guard.requires("tickets")
def received() -> str:
    """What arrived by IMAP or the inbound route, and what became of each message."""
    found = runtime().inbound.listing([guard.app_id()], unrouted=guard.is_admin())
    return render_template("admin/received.html", mails=found)


def _received(public_id: str) -> dict[str, Any]:
    found = runtime().inbound.get([guard.app_id()], public_id, unrouted=guard.is_admin())
    if found is None:
        abort(404)
    return found


@bp.get("/received/<public_id>")
@guard.requires("tickets")
def received_detail(public_id: str) -> str:
    found = _received(public_id)
    raw = bytes(found["raw"]) if found["raw"] is not None else None
    head = raw[:20000].decode("utf-8", "replace") if raw is not None else ""
    return render_template("admin/received_detail.html", mail=found, head=head)


@bp.get("/received/<public_id>/raw")
@guard.requires("tickets")
def received_raw(public_id: str) -> Response:
    found = _received(public_id)
    if found["raw"] is None:
        abort(404)
    response = Response(bytes(found["raw"]), content_type="message/rfc822")
    response.headers["Content-Disposition"] = f'attachment; filename="{public_id}.eml"'
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- the app's email channel (admins) -----------------------------------------------------------
_FIELDS = ("mail_from_name", "mail_from_address", "reply_domain", "support_address")


def _settings_page(errors: dict[str, str] | None = None, key: str = "", status: int = 200) -> Any:
    rt = runtime()
    app = app_service.get_app(rt.db, guard.app_id())
    settings = app_service.mail_settings(app)
    if errors:
        settings.update({k: v for k, v in request.form.items() if k in _FIELDS})
    mailbox = rt.inbound.mailbox
    page = render_template(
        "admin/mail_settings.html",
        settings=settings,
        errors=errors or {},
        new_key=key,
        mailbox=mailbox.describe() if mailbox else "",
        inbound_url=base_url() + url_for("api.inbound.receive_email"),
        server_sender=rt.mailer.sender,
    )
    return page, status


@bp.get("/settings")
@guard.requires("webhooks")
def settings() -> Any:
    return _settings_page()


@bp.post("/settings")
@guard.requires("webhooks")
def save_settings() -> Any:
    form = request.form
    if form.get("action") == "inbound_key":
        return _settings_page(key=app_service.create_inbound_key(runtime().db, guard.app_id()))
    changes: dict[str, Any] = {name: form.get(name, "") for name in _FIELDS}
    changes["acknowledge"] = form.get("acknowledge") == "1"
    changes["survey"] = form.get("survey") == "1"
    try:
        changes["email_tickets_per_hour"] = int(form.get("email_tickets_per_hour", ""))
    except ValueError:
        return _settings_page({"email_tickets_per_hour": "A whole number, such as 10."}, status=422)
    try:
        app_service.set_mail_settings(runtime().db, guard.app_id(), **changes)
    except ApiError as exc:
        errors = {name: exc.message for name in exc.details} or {"form": exc.message}
        return _settings_page(errors, status=422)
    return redirect(url_for(".settings", saved=1), code=303)
