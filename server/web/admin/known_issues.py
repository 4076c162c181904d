"""Known issues in the admin: the open and resolved ones, a form to make one (prefilled from
the query string, so the "Repeated issues" and "Spikes" views can link to
``/admin/known-issues/new?title=…&contexts=a,b&app_versions=2.3.1&ticket_ids=…&message=…``),
to edit one, and Resolve.

Everything goes through ``rt.known_issues``, the service the API uses, so the rules (a place
to show it, or global for admins only) and the messages are the API's; a refused form is shown
again as typed with each message beside its field.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ValidationFailed
from . import guard

bp = Blueprint("known_issues", __name__, url_prefix="/known-issues")
NOTICES = {
    "added": "Known issue saved. Users see it where it happens; new tickets from there link to it.",
    "saved": "Known issue saved.",
    "resolved": "Resolved. Each linked requester was told, once, in the widget and by email.",
    "reopened": "Reopened: users see it again.",
}
LISTS = ("contexts", "app_versions", "ticket_ids")


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("\n", ",").split(",") if part.strip()]


def _page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    return (
        render_template(
            f"admin/{template}",
            is_admin=guard.is_admin(),
            notice=NOTICES.get(request.args.get("notice", "")),
            **values,
        ),
        status,
    )


def _form(
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    issue: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    return _page("known_issue_form.html", status, values=values, errors=errors or {}, issue=issue)


def _values(source: Mapping[str, Any]) -> dict[str, Any]:
    """What the form shows: lists as comma-separated text."""
    return {
        "title": source.get("title", ""),
        "message": source.get("message", ""),
        "resolution": source.get("resolution", ""),
        "global": source.get("global") in (True, "1"),
        **{name: ", ".join(source.get(name) or []) for name in LISTS},
    }


def _input() -> tuple[dict[str, Any], dict[str, Any]]:
    form = request.form
    values: dict[str, Any] = {
        "title": form.get("title", ""),
        "message": form.get("message", ""),
        "resolution": form.get("resolution", ""),
        "global": form.get("global") == "1",
        **{name: form.get(name, "") for name in LISTS},
    }
    data: dict[str, Any] = {
        "title": values["title"],
        "message": values["message"],
        "resolution": values["resolution"],
        **{name: _split(values[name]) for name in LISTS},
    }
    if guard.is_admin():  # agents leave the flag as it is (only admins may change it)
        data["global"] = values["global"]
    return values, data


def _refused(exc: ValidationFailed) -> dict[str, list[str]]:
    found = {
        k: [str(m) for m in v] if isinstance(v, list) else [str(v)] for k, v in exc.details.items()
    }
    return found or {"form": [exc.message]}


def _who() -> Any:
    return guard.member().principal(guard.app_id())


@bp.get("/")
@guard.requires("tickets")
def index() -> tuple[str, int]:
    items = runtime().known_issues.items(guard.app_id())
    return _page(
        "known_issues.html",
        open_issues=[i for i in items if i["status"] == "open"],
        resolved=[i for i in items if i["status"] == "resolved"],
    )


@bp.get("/new")
@guard.requires("tickets")
def new() -> tuple[str, int]:
    """Prefilled from the query: ``title``, ``message``, and comma-separated ``contexts``,
    ``app_versions`` and ``ticket_ids``."""
    args = request.args
    prefilled = {
        "title": args.get("title", ""),
        "message": args.get("message", ""),
        **{name: _split(args.get(name, "")) for name in LISTS},
    }
    return _form(_values(prefilled))


@bp.post("/")
@guard.requires("tickets")
def create() -> BaseResponse | tuple[str, int]:
    values, data = _input()
    try:
        runtime().known_issues.create(_who(), data)
    except ValidationFailed as exc:
        return _form(values, _refused(exc), exc.status)
    return redirect(url_for(".index", notice="added"), code=303)


@bp.get("/<issue_id>")
@guard.requires("tickets")
def edit(issue_id: str) -> tuple[str, int]:
    issue = runtime().known_issues.get(guard.app_id(), issue_id)
    return _form(_values(issue), issue=issue)


@bp.post("/<issue_id>")
@guard.requires("tickets")
def update(issue_id: str) -> BaseResponse | tuple[str, int]:
    issue = runtime().known_issues.get(guard.app_id(), issue_id)
    values, data = _input()
    try:
        runtime().known_issues.update(_who(), issue_id, data)
    except ValidationFailed as exc:
        return _form(values, _refused(exc), exc.status, issue=issue)
    return redirect(url_for(".index", notice="saved"), code=303)


@bp.post("/<issue_id>/resolve")
@guard.requires("tickets")
def resolve(issue_id: str) -> BaseResponse | tuple[str, int]:
    """Resolve. From the edit form ("Save and resolve") everything typed there is saved with
    it, the resolution included, or the form comes back with its problems and nothing changes;
    from the list, the resolution kept is each linked requester's reply."""
    data: dict[str, Any] = {}
    values: dict[str, Any] | None = None
    if "title" in request.form:
        values, data = _input()
    data["status"] = "resolved"
    try:
        runtime().known_issues.update(_who(), issue_id, data)
    except ValidationFailed as exc:
        if values is None:
            raise
        issue = runtime().known_issues.get(guard.app_id(), issue_id)
        return _form(values, _refused(exc), exc.status, issue=issue)
    return redirect(url_for(".index", notice="resolved"), code=303)


@bp.post("/<issue_id>/reopen")
@guard.requires("tickets")
def reopen(issue_id: str) -> BaseResponse:
    runtime().known_issues.update(_who(), issue_id, {"status": "open"})
    return redirect(url_for(".index", notice="reopened"), code=303)
