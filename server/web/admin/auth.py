"""Signing in and out of the admin interface, and choosing the app to work on.

Sign-in takes a username and password (``support-server users create``) or a staff API key.
Attempts are rate limited per IP address and per username (shared by every worker process).
The sign-in form is protected against login CSRF with a double-submit cookie, since there is
no session yet to hold a token: ``__Host-`` prefixed over HTTPS (so no subdomain can plant
it), and the post must name this site as its Origin (or Referer): every browser sends one.
"""

from __future__ import annotations

import hmac
import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wrappers import Response as BaseResponse

from ...edge import client_address, runtime
from ...errors import RateLimited
from ..security import is_https, safe_next, same_origin_request
from . import guard

bp = Blueprint("auth", __name__)
LOGIN_COOKIE = "support_login_csrf"
SECURE_LOGIN_COOKIE = "__Host-support_login_csrf"  # Secure, Path=/, no Domain


def login_cookie() -> str:
    return SECURE_LOGIN_COOKIE if is_https() else LOGIN_COOKIE


def landing() -> str:
    session = guard.current()
    if session is None:
        return url_for("admin.auth.login")
    for area, endpoint in (
        ("articles", "admin.articles.index"),
        ("tickets", "admin.tickets.inbox"),
        ("analytics", "admin.analytics.dashboard"),
    ):
        if session.member.can(area):
            return url_for(endpoint)
    return url_for("admin.auth.login")


def _set_cookie(response: BaseResponse, name: str, value: str, max_age: int | None) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path="/",
        secure=is_https(),
        httponly=True,
        samesite="Strict" if name in (LOGIN_COOKIE, SECURE_LOGIN_COOKIE) else "Lax",
    )


def _form(error: str | None = None, status: int = 200, username: str = "") -> BaseResponse:
    token = request.cookies.get(login_cookie()) or secrets.token_urlsafe(24)
    html = render_template(
        "admin/login.html",
        login_token=token,
        error=error,
        username=username,
        next=safe_next(request.values.get("next"), ""),
        signed_out=request.args.get("signed_out") == "1",
    )
    response = make_response(html, status)
    _set_cookie(response, login_cookie(), token, 3600)
    return response


@bp.get("/login")
@guard.public
def login() -> BaseResponse:
    if guard.current() is not None:
        return redirect(safe_next(request.args.get("next"), landing()))
    return _form()


@bp.post("/login")
@guard.public
def login_submit() -> BaseResponse:
    sent = request.form.get("login_token", "")
    expected = request.cookies.get(login_cookie(), "")
    named = request.headers.get("Origin") or request.headers.get("Referer")
    if (
        not (sent and expected and hmac.compare_digest(sent, expected))
        or not named
        or not same_origin_request()
    ):
        return _form("Your sign-in form expired. Please try again.", 403)
    rt = runtime()
    username = request.form.get("username", "").strip()[:64]
    api_key = request.form.get("api_key", "").strip()
    subjects = [f"login:ip:{client_address()}"]
    if username and not api_key:
        subjects.append(f"login:user:{username.lower()}")
    for subject in subjects:
        wait = rt.limiter.hit(subject, rt.rates["login"])
        if wait:
            raise RateLimited(wait)
    if api_key:
        member = rt.staff.authenticate_key(api_key)
        failure = "That API key is not valid."
    else:
        member = rt.staff.authenticate_password(username, request.form.get("password", ""))
        failure = "The username or password is incorrect."
    if member is None:
        return _form(failure, 401, username)
    old = guard.current()
    if old is not None:
        rt.sessions.end(old)
    token, session = rt.sessions.start(member)
    g.staff_session = session
    response = redirect(safe_next(request.form.get("next"), landing()), code=303)
    _set_cookie(response, guard.cookie_name(), token, rt.config["SUPPORT_SESSION_AGE"])
    response.delete_cookie(login_cookie(), path="/", secure=is_https())
    return response


@bp.post("/logout")
@guard.requires("any")
def logout() -> BaseResponse:
    session = guard.current()
    if session is not None:
        runtime().sessions.end(session)
    response = redirect(url_for(".login", signed_out=1), code=303)
    for name in (guard.COOKIE, guard.SECURE_COOKIE):
        response.delete_cookie(name, path="/", secure=name == guard.SECURE_COOKIE)
    return response


@bp.post("/app")
@guard.requires("any")
def switch_app() -> BaseResponse:
    session = guard.current()
    assert session is not None
    if not runtime().sessions.switch_app(session, request.form.get("app_id", "")):
        abort(403, "You cannot work in that app.")
    return redirect(landing(), code=303)


@bp.get("/")
@guard.requires("any")
def home() -> Response:
    return redirect(landing())  # type: ignore[return-value]


@bp.route("/<path:rest>", methods=["GET", "POST"])
@guard.requires("any")
def unknown(rest: str) -> Response:
    abort(404)
