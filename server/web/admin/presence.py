"""The ticket page's heartbeat: ``POST /admin/tickets/<id>/presence`` records that the signed-in
agent is viewing the ticket, typing on it, or has left it, and answers with the others there
and the newest message's id (see :mod:`...services.presence`). Called by presence.js with the
session's CSRF token, like every unsafe admin request (see :mod:`.guard`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ValidationFailed
from . import guard

bp = Blueprint("presence", __name__, url_prefix="/tickets")


def _sent() -> dict[str, Any]:
    """The beat's fields, from a JSON object or a form (a beacon)."""
    if request.is_json:
        data = request.get_json(silent=True)
        if not isinstance(data, dict):
            raise ValidationFailed("send a JSON object", details={})
        return data
    return dict(request.form)


@bp.post("/<ticket_id>/presence")
@guard.requires("tickets")
def heartbeat(ticket_id: str) -> BaseResponse:
    rt = runtime()
    me = guard.member()
    app_id = rt.inbox.locate(ticket_id, [a["id"] for a in rt.staff.apps_of(me)])
    sent = _sent()
    state, composing = sent.get("state", "viewing"), sent.get("composing") or None
    if not isinstance(state, str) or not isinstance(composing, str | None):
        raise ValidationFailed("state and composing are text", details={})
    found = rt.presence.beat(app_id, ticket_id, me.handle, me.name, state, composing)
    response = jsonify(found)
    response.headers["Cache-Control"] = "no-store"
    return response
