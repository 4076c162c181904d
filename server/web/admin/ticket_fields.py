"""Custom ticket fields in the admin: agents read the list, admins define, change, archive and
restore fields.

Everything goes through ``rt.tickets.fields``, the service the API uses, so the rules and the
messages are the API's. This module only turns the form into the service's JSON (options one
a line, checkboxes as true or false) and shows a refused form again as typed, each
``ValidationFailed`` message beside the field it names. A field's key and type are fixed once
it exists; deleting archives it (tickets keep their values).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ApiError, Conflict, ValidationFailed
from ...services.ticket_fields import TYPES
from . import guard

bp = Blueprint("ticket_fields", __name__, url_prefix="/ticket-fields")
ADMINS_ONLY = "Only admins change ticket fields."
NOTICES = {
    "added": "Field added. New tickets can carry it.",
    "saved": "Field saved.",
    "archived": "Field archived. Tickets keep their values; agents see them marked archived.",
    "restored": "Field restored. Forms, filters and rules can use it again.",
}
TYPE_WORDS = {
    "text": "Text",
    "number": "Number",
    "select": "Choice from a list (select)",
    "checkbox": "Checkbox (yes or no)",
    "date": "Date",
}


def _field(app_id: str, field_id: str) -> dict[str, Any]:
    """One field of the app, archived or not (404 when it has none by that id)."""
    found = next(
        (f for f in runtime().tickets.fields.items(app_id, archived=True) if f["id"] == field_id),
        None,
    )
    if found is None:
        abort(404)
    return found


def _page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return (
        render_template(
            f"admin/{template}",
            is_admin=guard.is_admin(),
            notice=NOTICES.get(request.args.get("notice", "")),
            tab="ticket_fields",
            type_words=TYPE_WORDS,
            **values,
        ),
        status,
    )


def _form(
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    field: Mapping[str, Any] | None = None,
    archived: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    return _page(
        "ticket_field_form.html",
        status,
        values=values,
        errors=errors or {},
        field=field,
        archived=archived,
        types=TYPES,
    )


def _values(field: Mapping[str, Any]) -> dict[str, Any]:
    return {**field, "options": "\n".join(field["options"])}


def _input(kind: str | None) -> tuple[dict[str, Any], dict[str, Any]]:
    """(what was typed, the service's data); ``kind`` is a made field's type, None on create."""
    form = request.form
    values: dict[str, Any] = {
        "key": form.get("key", "").strip(),
        "label": form.get("label", ""),
        "type": form.get("type", "") if kind is None else kind,
        "options": form.get("options", ""),
        "required": form.get("required") == "1",
        "visible_to_requester": form.get("visible_to_requester") == "1",
    }
    options = [line for line in values["options"].splitlines() if line.strip()]
    data: dict[str, Any] = {
        "label": values["label"],
        "required": values["required"],
        "visible_to_requester": values["visible_to_requester"],
    }
    if kind is None:
        data.update(key=values["key"], type=values["type"])
    if values["type"] == "select" or options:  # options of another type: the service says no
        data["options"] = options
    return values, data


def _refused(exc: ApiError) -> dict[str, list[str]]:
    if isinstance(exc, Conflict):  # the key is taken, or was a deleted field's
        return {"key": [exc.message]}
    found = {
        k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in exc.details.items()
    }
    return found or {"form": [exc.message]}


@bp.get("/")
@guard.requires("tickets")
def index() -> tuple[str, int]:
    fields = runtime().tickets.fields.items(guard.app_id(), archived=True)
    return _page(
        "ticket_fields.html",
        fields=[f for f in fields if not f["archived"]],
        archived=[f for f in fields if f["archived"]],
    )


@bp.get("/new")
@guard.requires("tickets")
def new() -> tuple[str, int]:
    guard.admin_app(ADMINS_ONLY)
    blank = {"key": "", "label": "", "type": "text", "options": "", "required": False}
    return _form({**blank, "visible_to_requester": True})


@bp.post("/")
@guard.requires("tickets")
def create() -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    values, data = _input(None)
    try:
        runtime().tickets.fields.create(app_id, data)
    except (ValidationFailed, Conflict) as exc:
        archived = None
        if isinstance(exc, Conflict) and exc.code == "field_archived":
            fields = runtime().tickets.fields.items(app_id, archived=True)
            archived = next((f for f in fields if f["key"] == values["key"]), None)
        return _form(values, _refused(exc), exc.status, archived=archived)
    return redirect(url_for(".index", notice="added"), code=303)


@bp.get("/<field_id>")
@guard.requires("tickets")
def edit(field_id: str) -> tuple[str, int]:
    field = _field(guard.admin_app(ADMINS_ONLY), field_id)
    return _form(_values(field), field=field)


@bp.post("/<field_id>")
@guard.requires("tickets")
def update(field_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    field = _field(app_id, field_id)
    values, data = _input(field["type"])
    values["key"] = field["key"]
    try:
        runtime().tickets.fields.update(app_id, field_id, data)
    except ValidationFailed as exc:
        return _form(values, _refused(exc), exc.status, field=field)
    return redirect(url_for(".index", notice="saved"), code=303)


@bp.post("/<field_id>/delete")
@guard.requires("tickets")
def delete(field_id: str) -> BaseResponse:
    """Archive: the values tickets hold stay."""
    runtime().tickets.fields.delete(guard.admin_app(ADMINS_ONLY), field_id)
    return redirect(url_for(".index", notice="archived"), code=303)


@bp.post("/<field_id>/restore")
@guard.requires("tickets")
def restore(field_id: str) -> BaseResponse:
    runtime().tickets.fields.update(guard.admin_app(ADMINS_ONLY), field_id, {"archived": False})
    return redirect(url_for(".index", notice="restored"), code=303)
