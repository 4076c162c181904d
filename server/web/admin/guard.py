"""Who is signed in to the admin interface, and what they may do: checked before every view.

The admin blueprint runs :func:`check` before each request. It fails closed: a view must
declare what it needs with :func:`requires` (an area such as "articles", or "any" for every
signed-in person) or :func:`public`; an undeclared view answers 403. Every unsafe method must
carry the session's CSRF token (form field ``csrf_token`` or header ``X-CSRF-Token``) and must
not come from another site (Fetch metadata / Origin).
"""

from __future__ import annotations

import hmac
from collections.abc import Callable
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...services.staff import AREAS, StaffMember
from ...services.staff_sessions import StaffSession
from ..security import is_https, same_origin_request

F = TypeVar("F", bound=Callable[..., Any])
COOKIE = "support_staff"
SECURE_COOKIE = "__Host-support_staff"  # the __Host- prefix: Secure, Path=/, no Domain
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


def requires(area: str) -> Callable[[F], F]:
    """Declare the area a view belongs to: 'articles', 'tickets', 'analytics', 'webhooks' or
    'any'."""
    if area != "any" and area not in AREAS:
        raise ValueError(area)

    def mark(view: F) -> F:
        view.__dict__["_requires"] = area
        return view

    return mark


def public(view: F) -> F:
    """A view anyone may reach (the sign-in page); it does its own CSRF checks."""
    view.__dict__["_requires"] = "public"
    return view


def body_limit(size: int | Callable[[], int]) -> Callable[[F], F]:
    """Allow a larger request body for this view (image uploads, long articles)."""

    def mark(view: F) -> F:
        view.__dict__["_body_limit"] = size
        return view

    return mark


def cookie_name() -> str:
    return SECURE_COOKIE if is_https() else COOKIE


def current() -> StaffSession | None:
    found: StaffSession | None = g.get("staff_session")
    return found


def member() -> StaffMember:
    session = current()
    if session is None:
        abort(401)
    return session.member


def app_id() -> str:
    """The app the signed-in staff member is working in (403 if none)."""
    session = current()
    if session is None or not session.current_app:
        abort(403, "You have no app to work in.")
    return session.current_app


def is_admin() -> bool:
    """Whether the signed-in staff member is an admin (401 when nobody is signed in)."""
    return member().role == "admin"


def admin_app(refusal: str) -> str:
    """The app an admin changes; everyone else gets a 403 that says why (``refusal``)."""
    if not is_admin():
        abort(403, refusal)
    return app_id()


def author() -> str:
    """How the signed-in staff member is named on revisions and uploads."""
    return member().name


def _resume() -> StaffSession | None:
    token = request.cookies.get(SECURE_COOKIE) or request.cookies.get(COOKIE) or ""
    return runtime().sessions.resume(token) if token else None


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json" or request.is_json


def check() -> BaseResponse | None:
    """The admin blueprint's before_request: session, CSRF, role."""
    view = current_app.view_functions.get(request.endpoint or "")
    need = getattr(view, "_requires", None)
    limit = getattr(view, "_body_limit", None)
    if limit is not None:
        request.max_content_length = limit() if callable(limit) else limit
        request.max_form_memory_size = request.max_content_length
    g.staff_session = _resume()
    if need == "public":
        return None
    session = current()
    if session is None:
        if request.method in UNSAFE or _wants_json():
            abort(401)
        return redirect(url_for("admin.auth.login", next=request.full_path.rstrip("?")))
    if request.method in UNSAFE:
        sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token", "")
        if (
            not (sent and hmac.compare_digest(sent, session.csrf_token))
            or not same_origin_request()
        ):
            abort(403, "The form expired or came from another site. Reload the page and try again.")
    if need is None:
        abort(403)  # fail closed: a view that did not say who may use it is for no one
    if need != "any" and not session.member.can(need):
        abort(403, "Your role does not give access to this page.")
    return None
