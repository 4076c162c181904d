"""Follow and Unfollow on the ticket page: a plain form (it works without JavaScript) for the
signed-in agent; back to the ticket with a notice. Followers are people: a staff key's session
cannot follow (see :mod:`...services.followers`)."""

from __future__ import annotations

from flask import Blueprint, redirect, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import Forbidden
from . import guard

bp = Blueprint("followers", __name__, url_prefix="/tickets")


@bp.post("/<ticket_id>/follow")
@guard.requires("tickets")
def follow(ticket_id: str) -> BaseResponse:
    rt = runtime()
    me = guard.member()
    if me.kind != "user":
        raise Forbidden("followers are people: sign in with your username to follow tickets")
    app_id = rt.inbox.locate(ticket_id, [a["id"] for a in rt.staff.apps_of(me)])
    if request.form.get("action") == "unfollow":
        rt.followers.unfollow(me.principal(app_id), ticket_id, me.handle)
        notice = "unfollowed"
    else:
        rt.followers.follow(me.principal(app_id), ticket_id, me.handle, reason="followed")
        notice = "followed"
    return redirect(url_for("admin.tickets.ticket", ticket_id=ticket_id, notice=notice), code=303)
