"""Webhook endpoints for the app's admins: list, add, change, switch off, delete, send a test
event, rotate the secret, and read each delivery's attempts with a "Retry" button.

Everything goes through :class:`WebhookService` (``rt.webhooks``), the same rules as the API.
A signing secret is shown once, on the page that answers the form that made it (creation or
rotation); that page is never cached and no other page shows it again.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ValidationFailed
from ...services.outbox import EVENT_TYPES
from ...services.webhooks import MAX_DESCRIPTION, ROTATION_GRACE
from . import guard

bp = Blueprint("webhooks", __name__, url_prefix="/webhooks")
DELIVERIES_PER_PAGE = 25
ALL = "*"
NOTICES = {
    "updated": "Endpoint saved.",
    "enabled": "Endpoint switched on. New events are sent to it again.",
    "disabled": "Endpoint switched off. Nothing is sent to it until it is switched on.",
    "deleted": "Endpoint deleted. Nothing more is sent to it.",
    "tested": "Test event queued. It appears in the delivery log below within seconds.",
    "retried": "Delivery queued again. Reload in a moment to see the new attempt.",
}


def _form_input() -> dict[str, Any]:
    """What the person typed, kept as typed so a refused form shows it again."""
    events = request.form.getlist("events")
    return {
        "url": request.form.get("url", "").strip(),
        "events": [ALL] if ALL in events else [e for e in events if e in EVENT_TYPES],
        "description": request.form.get("description", ""),
    }


def _errors(exc: ValidationFailed) -> dict[str, str]:
    """One message per form field (the service's details name the field)."""
    found = {name: exc.message for name in exc.details if name in ("url", "events", "description")}
    return found or {"url": exc.message}


def _form(template_values: dict[str, Any], status: int = 200, **extra: Any) -> tuple[str, int]:
    return (
        render_template(
            "admin/webhook_form.html",
            values=template_values,
            event_types=EVENT_TYPES,
            max_description=MAX_DESCRIPTION,
            errors=extra.pop("errors", {}),
            **extra,
        ),
        status,
    )


@bp.get("/")
@guard.requires("webhooks")
def index() -> str:
    rt = runtime()
    app_id = guard.app_id()
    endpoints = rt.webhooks.endpoints(app_id)
    last: dict[str, dict[str, Any] | None] = {}
    for endpoint in endpoints:
        items, _ = rt.webhooks.deliveries(app_id, endpoint["id"], cursor=None, limit=1)
        last[endpoint["id"]] = items[0] if items else None
    return render_template(
        "admin/webhooks.html",
        endpoints=endpoints,
        last=last,
        notice=NOTICES.get(request.args.get("notice", "")),
    )


@bp.get("/new")
@guard.requires("webhooks")
def new() -> tuple[str, int]:
    return _form({"url": "", "events": [], "description": ""})


@bp.post("/")
@guard.requires("webhooks")
def create() -> tuple[str, int]:
    values = _form_input()
    try:
        if not values["events"]:
            raise ValidationFailed(
                "choose at least one event, or all events", details={"events": ["required"]}
            )
        endpoint = runtime().webhooks.create(guard.app_id(), values)
    except ValidationFailed as exc:
        return _form(values, 422, errors=_errors(exc))
    return (
        render_template("admin/webhook_secret.html", endpoint=endpoint, rotated=False, grace=0),
        201,
    )


def _endpoint(endpoint_id: str) -> dict[str, Any]:
    found: dict[str, Any] = runtime().webhooks.get(guard.app_id(), endpoint_id)
    return found


@bp.get("/<endpoint_id>")
@guard.requires("webhooks")
def show(endpoint_id: str) -> str:
    rt = runtime()
    endpoint = _endpoint(endpoint_id)
    before = request.args.get("before", "")
    cursor = int(before) if before.isdigit() else None
    deliveries, more = rt.webhooks.deliveries(
        guard.app_id(), endpoint_id, cursor=cursor, limit=DELIVERIES_PER_PAGE
    )
    return render_template(
        "admin/webhook.html",
        endpoint=endpoint,
        deliveries=deliveries,
        more=more,
        notice=NOTICES.get(request.args.get("notice", "")),
    )


@bp.get("/<endpoint_id>/edit")
@guard.requires("webhooks")
def edit(endpoint_id: str) -> tuple[str, int]:
    endpoint = _endpoint(endpoint_id)
    return _form(endpoint, endpoint=endpoint)


@bp.post("/<endpoint_id>")
@guard.requires("webhooks")
def update(endpoint_id: str) -> BaseResponse | tuple[str, int]:
    endpoint = _endpoint(endpoint_id)
    values = _form_input()
    try:
        if not values["events"]:
            raise ValidationFailed(
                "choose at least one event, or all events", details={"events": ["required"]}
            )
        runtime().webhooks.update(guard.app_id(), endpoint_id, values)
    except ValidationFailed as exc:
        return _form(values, 422, errors=_errors(exc), endpoint=endpoint)
    return redirect(url_for(".show", endpoint_id=endpoint_id, notice="updated"), code=303)


@bp.post("/<endpoint_id>/switch")
@guard.requires("webhooks")
def switch(endpoint_id: str) -> BaseResponse:
    wanted = request.form.get("enabled")
    if wanted not in ("on", "off"):
        abort(400, "Say whether to switch the endpoint on or off.")
    runtime().webhooks.update(guard.app_id(), endpoint_id, {"enabled": wanted == "on"})
    notice = "enabled" if wanted == "on" else "disabled"
    return redirect(url_for(".show", endpoint_id=endpoint_id, notice=notice), code=303)


@bp.post("/<endpoint_id>/delete")
@guard.requires("webhooks")
def delete(endpoint_id: str) -> BaseResponse:
    runtime().webhooks.delete(guard.app_id(), endpoint_id)
    return redirect(url_for(".index", notice="deleted"), code=303)


@bp.post("/<endpoint_id>/test")
@guard.requires("webhooks")
def send_test(endpoint_id: str) -> BaseResponse:
    runtime().webhooks.send_test(guard.app_id(), endpoint_id)
    return redirect(url_for(".show", endpoint_id=endpoint_id, notice="tested"), code=303)


@bp.post("/<endpoint_id>/rotate-secret")
@guard.requires("webhooks")
def rotate(endpoint_id: str) -> str:
    endpoint = runtime().webhooks.rotate_secret(guard.app_id(), endpoint_id)
    return render_template(
        "admin/webhook_secret.html", endpoint=endpoint, rotated=True, grace=ROTATION_GRACE // 3600
    )


@bp.post("/<endpoint_id>/deliveries/<delivery_id>/retry")
@guard.requires("webhooks")
def retry(endpoint_id: str, delivery_id: str) -> BaseResponse:
    runtime().webhooks.retry(guard.app_id(), endpoint_id, delivery_id)
    return redirect(url_for(".show", endpoint_id=endpoint_id, notice="retried"), code=303)
