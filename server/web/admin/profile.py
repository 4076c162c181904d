"""A signed-in user's own profile: where notifications go, which kinds they get, and (for
agents and admins) whether they are available for new tickets or away.

Staff API keys sign in too, but a key has no address and nobody to notify: the page says so
and changes nothing.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ValidationFailed
from ...services.notifications import KINDS
from . import guard

bp = Blueprint("profile", __name__, url_prefix="/profile")
ROUTED = ("agent", "admin")  # the roles routing gives tickets to
KEYS_HAVE_NONE = (
    "Profiles are for users who sign in with a username and password. You signed in with a"
    " staff API key, which has no email address and gets no notifications."
)


def _takes_tickets() -> bool:
    return guard.member().role in ROUTED


def _page(email: str, muted: list[str], error: str = "", status: int = 200) -> tuple[str, int]:
    me = guard.member()
    rt = runtime()
    profile = rt.staff.profile(me.id)
    return render_template(
        "admin/profile.html",
        profile=profile,
        email=email,
        muted=muted,
        kinds=KINDS,
        error=error,
        saved=request.args.get("saved") == "1",
        available=rt.teams.is_available(me.handle) if _takes_tickets() else None,
        availability_saved=request.args.get("saved") in ("available", "away"),
    ), status


@bp.get("/")
@guard.requires("any")
def show() -> tuple[str, int]:
    if guard.member().kind != "user":
        return render_template("admin/profile.html", key_message=KEYS_HAVE_NONE), 200
    profile = runtime().staff.profile(guard.member().id)
    return _page(profile["email"] or "", list(profile["muted"]))


@bp.post("/")
@guard.requires("any")
def save() -> BaseResponse | tuple[str, int]:
    me = guard.member()
    if me.kind != "user":
        abort(403, KEYS_HAVE_NONE)
    email = request.form.get("email", "").strip()
    wanted = set(request.form.getlist("notify"))
    muted = [kind for kind in KINDS if kind not in wanted]
    staff = runtime().staff
    try:
        staff.set_own_email(me.id, email or None)
    except ValidationFailed as exc:
        return _page(email, muted, error=exc.message, status=422)
    staff.set_muted(me.id, muted, list(KINDS))
    return redirect(url_for(".show", saved="1"), code=303)


@bp.post("/availability")
@guard.requires("any")
def availability() -> BaseResponse:
    """Available or away: routing gives new tickets only to available agents; an agent who is
    away keeps the tickets they hold."""
    me = guard.member()
    if me.kind != "user":
        abort(403, KEYS_HAVE_NONE)
    if not _takes_tickets():
        abort(403, "Only agents and admins are given tickets.")
    wanted = request.form.get("available")
    if wanted not in ("1", "0"):
        abort(400, "Say whether you are available or away.")
    runtime().teams.set_available(None, me.handle, wanted == "1")
    return redirect(url_for(".show", saved="available" if wanted == "1" else "away"), code=303)
