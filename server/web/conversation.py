"""The page a customer's mail links to: one conversation, opened by a signed link.

``/conversation/<token>`` shows the ticket the token names (and nothing else) to its
requester: the public messages, a reply form, and once solved the rating. The token is the
credential (signed, single-ticket, expiring; see services.mail_links), so the page is never
cached, never indexed and never sends its address on as a Referer. ``/rate/<score>`` is the
one-click rating of the "solved" mail: it records the score and offers a comment.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from ..edge import rate_limit, runtime
from ..errors import ApiError
from ..principal import Principal
from ..services import apps
from ..services.mail_links import Conversation, Tampered
from .security import page_headers, same_origin_request

bp = Blueprint("conversation", __name__, url_prefix="/conversation")
MAX_REPLY = 20_000
RATING_LABELS = {1: "Very poor", 2: "Poor", 3: "OK", 4: "Good", 5: "Excellent"}


@bp.after_request
def _headers(response: Response) -> Response:
    page_headers(response, private=True)
    # the address is the credential: it never goes to another site (same-origin, not
    # no-referrer, which would make the page's own forms arrive with Origin: null)
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _open(token: str) -> tuple[Conversation, Principal, dict[str, Any]]:
    rt = runtime()
    try:
        who = rt.links.conversation(token)
    except Tampered as exc:
        raise _LinkRefused(str(exc)) from None
    app = apps.app_by_id(rt.db, who.app_id)
    if app is None:
        raise _LinkRefused("this link is not valid")
    # a visitor as far as the rules go (it reads, replies and rates as the requester), but
    # of this one ticket only
    viewer = Principal(who.app_id, "visitor", who.requester_id, ticket=who.ticket_id)
    return who, viewer, app


class _LinkRefused(Exception):
    pass


@bp.errorhandler(_LinkRefused)
def _refused(error: _LinkRefused) -> tuple[str, int]:
    return render_template("conversation.html", refused=str(error), app=None), 403


def _page(token: str, *, notice: str = "", error: str = "", status: int = 200) -> Response:
    who, viewer, app = _open(token)
    rt = runtime()
    try:
        ticket = rt.tickets.get(viewer, who.ticket_id)
    except ApiError:
        raise _LinkRefused("this conversation is no longer available") from None
    if ticket.get("unread"):
        rt.tickets.mark_read(viewer, who.ticket_id)
    html = render_template(
        "conversation.html",
        app=app,
        ticket=ticket,
        token=token,
        notice=notice,
        error=error,
        labels=RATING_LABELS,
        accent=app["settings"].get("theme_color") or "",
    )
    return Response(html, status=status, content_type="text/html; charset=utf-8")


@bp.get("/<token>")
def show(token: str) -> Response:
    notice = {"sent": "Your reply was sent.", "rated": "Thank you for rating us."}.get(
        request.args.get("done", ""), ""
    )
    return _page(token, notice=notice)


@bp.post("/<token>")
def reply(token: str) -> Response:
    if not same_origin_request():
        abort(403)
    who, viewer, _ = _open(token)
    body = (request.form.get("body") or "").strip()
    if not body:
        return _page(token, error="Write your reply first.", status=422)
    if len(body) > MAX_REPLY:
        return _page(token, error=f"A reply can be at most {MAX_REPLY} characters.", status=422)
    try:
        rate_limit("tickets", viewer)  # as for replies in the widget
        runtime().tickets.reply(viewer, who.ticket_id, body, False)
    except ApiError as exc:
        return _page(token, error=exc.message, status=exc.status)
    return redirect(url_for(".show", token=token, done="sent") + "#latest", code=303)  # type: ignore[return-value]


@bp.get("/<token>/rate/<int:score>")
def rate(token: str, score: int) -> Response:
    """One click from the "solved" mail: the score counts at once; a comment may follow."""
    who, viewer, _ = _open(token)
    if score not in RATING_LABELS:
        return _page(token, error="A rating is 1 to 5.", status=422)
    try:
        runtime().tickets.rate(viewer, who.ticket_id, score, "")
    except ApiError as exc:
        return _page(token, error=exc.message, status=exc.status)
    return _page(token, notice=f"Thank you: you rated this {score} of 5 ({RATING_LABELS[score]}).")


@bp.post("/<token>/rate")
def rate_with_comment(token: str) -> Response:
    if not same_origin_request():
        abort(403)
    who, viewer, _ = _open(token)
    try:
        score = int(request.form.get("score", ""))
    except ValueError:
        return _page(token, error="Choose a rating from 1 to 5.", status=422)
    comment = (request.form.get("comment") or "").strip()[:2000]
    try:
        runtime().tickets.rate(viewer, who.ticket_id, score, comment)
    except ApiError as exc:
        return _page(token, error=exc.message, status=exc.status)
    return redirect(url_for(".show", token=token, done="rated"), code=303)  # type: ignore[return-value]
