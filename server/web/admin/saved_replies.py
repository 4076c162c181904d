"""Saved replies ("macros") in the admin: agents read them, admins add, change and delete them.

Everything goes through ``rt.macros``, the service the API uses, so the rules and the messages
are the API's: a refused form is shown again as typed, each ``ValidationFailed`` message beside
the field it names, a taken name beside the name.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ApiError, Conflict, ValidationFailed
from ...services.macros import FALLBACK, KNOWN, PLACEHOLDER
from . import guard

bp = Blueprint("saved_replies", __name__, url_prefix="/saved-replies")
ADMINS_ONLY = "Only admins change saved replies."
NOTICES = {
    "added": "Saved reply added. Agents find it in the reply box.",
    "saved": "Saved reply saved.",
    "deleted": "Saved reply deleted.",
}
# What each placeholder becomes (macros.KNOWN is the list; a test keeps the two together).
PLACEHOLDER_WORDS = {
    "requester.name": "the customer's name",
    "requester.email": "the customer's email address",
    "ticket.id": "the ticket's number",
    "ticket.subject": "the ticket's subject",
    "agent.name": "the name of the agent who sends it",
    "app.name": "the app's name",
}
PREVIEW = 160  # characters of a reply's text on the list


def preview(body: str) -> list[tuple[str, bool]]:
    """The start of a reply on one line, as (text, is a placeholder) parts."""
    flat = " ".join(body.split())
    if len(flat) > PREVIEW:
        cut = flat[:PREVIEW]
        flat = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + "…"
    parts: list[tuple[str, bool]] = []
    at = 0
    for found in PLACEHOLDER.finditer(flat):
        parts += [(flat[at : found.start()], False), (found.group(0), True)]
        at = found.end()
    parts.append((flat[at:], False))
    return [p for p in parts if p[0]]


def _senders(app_id: str) -> dict[str, list[str]]:
    """Saved reply id -> the names of the automations that send it."""
    out: dict[str, list[str]] = {}
    for rule in runtime().automations.items(app_id):
        for action in rule["then"]:
            if action.get("action") == "reply":
                out.setdefault(str(action.get("macro")), []).append(rule["name"])
    return out


def _page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return (
        render_template(
            f"admin/{template}",
            is_admin=guard.is_admin(),
            notice=NOTICES.get(request.args.get("notice", "")),
            tab="saved_replies",
            **values,
        ),
        status,
    )


def _form(
    values: Mapping[str, str],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    reply: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    senders = _senders(guard.app_id()).get(reply["id"], []) if reply else []
    placeholders = [(p, PLACEHOLDER_WORDS[p], FALLBACK.get(p)) for p in KNOWN]
    return _page(
        "saved_reply_form.html",
        status,
        values=values,
        errors=errors or {},
        reply=reply,
        senders=senders,
        placeholders=placeholders,
    )


def _input() -> dict[str, str]:
    return {"name": request.form.get("name", ""), "body": request.form.get("body", "")}


def _refused(exc: ApiError) -> dict[str, list[str]]:
    if isinstance(exc, Conflict):  # the name is taken
        return {"name": [exc.message]}
    found = {
        k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in exc.details.items()
    }
    return found or {"form": [exc.message]}


@bp.get("/")
@guard.requires("tickets")
def index() -> tuple[str, int]:
    app_id = guard.app_id()
    replies = runtime().macros.items(app_id)
    senders = _senders(app_id)
    for reply in replies:
        reply["preview"] = preview(reply["body"])
        reply["senders"] = senders.get(reply["id"], [])
    return _page("saved_replies.html", replies=replies)


@bp.get("/new")
@guard.requires("tickets")
def new() -> tuple[str, int]:
    guard.admin_app(ADMINS_ONLY)
    return _form({"name": "", "body": ""})


@bp.post("/")
@guard.requires("tickets")
def create() -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    values = _input()
    try:
        runtime().macros.create(app_id, values)
    except (ValidationFailed, Conflict) as exc:
        return _form(values, _refused(exc), exc.status)
    return redirect(url_for(".index", notice="added"), code=303)


@bp.get("/<reply_id>")
@guard.requires("tickets")
def edit(reply_id: str) -> tuple[str, int]:
    """The reply's form (read-only for agents)."""
    reply = runtime().macros.get(guard.app_id(), reply_id)
    return _form(reply, reply=reply)


@bp.post("/<reply_id>")
@guard.requires("tickets")
def update(reply_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    reply = runtime().macros.get(app_id, reply_id)
    values = _input()
    try:
        runtime().macros.update(app_id, reply_id, values)
    except (ValidationFailed, Conflict) as exc:
        return _form(values, _refused(exc), exc.status, reply=reply)
    return redirect(url_for(".index", notice="saved"), code=303)


@bp.post("/<reply_id>/delete")
@guard.requires("tickets")
def delete(reply_id: str) -> BaseResponse:
    runtime().macros.delete(guard.admin_app(ADMINS_ONLY), reply_id)
    return redirect(url_for(".index", notice="deleted"), code=303)
