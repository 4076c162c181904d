"""The JSON API under /api/v1: blueprints, schemas at the edge, one error envelope."""

from __future__ import annotations

from flask import Blueprint, Flask

from . import (
    analytics,
    articles,
    contacts,
    cors,
    handlers,
    help,
    inbound,
    insights,
    known_issues,
    macros,
    meta,
    service_levels,
    ticket_bulk,
    ticket_fields,
    ticket_followers,
    tickets,
    uploads,
    webhooks,
    widget,
)

PREFIX = "/api/v1"


def register(app: Flask) -> None:
    api = Blueprint("api", __name__, url_prefix=PREFIX)
    for module in (
        meta,
        help,
        articles,
        tickets,
        widget,
        analytics,
        webhooks,
        inbound,
        service_levels,
        macros,
        ticket_fields,
        ticket_bulk,
        ticket_followers,
        contacts,
        uploads,
        insights,
        known_issues,
    ):
        api.register_blueprint(module.bp)
    app.register_blueprint(api)
    handlers.register(app)
    cors.register(app)
