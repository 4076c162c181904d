"""Analytics over the API: help events in (widget, help center), the admins' summary out."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import browser_key, rate_limit, runtime
from ..errors import Forbidden, Unauthorized
from ..services.analytics import DateRange
from ..services.events import EVENT_TYPES
from . import schemas
from .auth import principal
from .handlers import dump, load_args, load_body
from .openapi import documented

bp = Blueprint("analytics", __name__)


class HelpEventInSchema(Schema):
    type = fields.Str(
        required=True,
        validate=validate.OneOf(EVENT_TYPES),
        metadata={"description": "help_opened, article_viewed, contact_opened or ticket_created"},
    )
    session = fields.Str(
        required=True,
        validate=[validate.Length(8, 64), validate.Regexp(r"^[A-Za-z0-9_-]+$")],
        metadata={"description": "An id the client makes up per visit (help session)"},
    )
    slug = fields.Str(validate=validate.Length(0, 80), metadata={"description": "The article"})


_DAY = r"^\d{4}-\d{2}-\d{2}$"


class SummaryArgs(Schema):
    # Strings checked by DateRange.parse (its errors name both ends); "format: date" tells
    # OpenAPI clients what is accepted.
    from_ = fields.Str(
        data_key="from",
        validate=validate.Regexp(_DAY, error="dates look like 2025-01-31"),
        metadata={"description": "First day, YYYY-MM-DD (UTC)", "format": "date"},
    )
    to = fields.Str(
        validate=validate.Regexp(_DAY, error="dates look like 2025-01-31"),
        metadata={"description": "Last day, YYYY-MM-DD (UTC); default today", "format": "date"},
    )


class SummarySchema(Schema):
    range = fields.Dict(dump_only=True)
    searches = fields.Dict(dump_only=True)
    articles = fields.List(fields.Dict(), dump_only=True)
    deflection = fields.Dict(dump_only=True)
    tickets = fields.Dict(dump_only=True)
    csat = fields.Dict(dump_only=True)


@bp.post("/help/events")
@documented(
    "Record a help event (help opened, article viewed, ticket filed) for deflection analytics",
    auth="public",
    body=HelpEventInSchema,
    response=schemas.OkSchema,
    status=202,
)
def help_event() -> Response:
    who = principal()
    rate_limit("search", who)
    data = load_body(HelpEventInSchema())
    # The person: the user (or visitor) of the token when there is one, else the browser.
    person = browser_key() if who.anonymous else who.key
    runtime().events.event(who.app_id, data["type"], data["session"], person, data.get("slug", ""))
    return dump(schemas.OkSchema(), {"ok": True}, 202)


@bp.get("/analytics/summary")
@documented(
    "Searches, zero-result queries, articles, deflection, tickets and CSAT over a date range",
    auth="admin",
    query=SummaryArgs,
    response=SummarySchema,
    errors=(403,),
)
def summary() -> Response:
    who = principal()
    if who.kind != "staff":
        raise Unauthorized("this endpoint needs a staff API key")
    if who.role != "admin":
        raise Forbidden("analytics need an admin key")
    args = load_args(SummaryArgs())
    span = DateRange.parse(args.get("from_"), args.get("to"))
    return dump(SummarySchema(), runtime().analytics.report(who.app_id, span))
