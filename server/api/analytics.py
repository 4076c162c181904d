"""Analytics over the API: help events in (widget, help center), the admins' summary and
service-level figures out (the service levels also as CSV, one report at a time)."""

from __future__ import annotations

from flask import Blueprint, Response, request
from marshmallow import Schema, fields, validate

from ..edge import browser_key, rate_limit, runtime
from ..errors import Forbidden, Unauthorized, ValidationFailed
from ..principal import Principal
from ..services.analytics import (
    SERVICE_LEVEL_CSV,
    DateRange,
    csv_text,
    service_level_csv_rows,
)
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


class ServiceLevelArgs(SummaryArgs):
    report = fields.Str(
        validate=validate.OneOf(list(SERVICE_LEVEL_CSV)),
        metadata={
            "description": "With `Accept: text/csv`, the report to download as CSV: "
            + ", ".join(SERVICE_LEVEL_CSV)
        },
    )


class SummarySchema(Schema):
    range = fields.Dict(dump_only=True)
    searches = fields.Dict(dump_only=True)
    articles = fields.List(fields.Dict(), dump_only=True)
    deflection = fields.Dict(dump_only=True)
    tickets = fields.Dict(dump_only=True)
    csat = fields.Dict(dump_only=True)
    resolving_articles = fields.Dict(
        dump_only=True,
        metadata={
            "description": "Of the tickets solved or closed whose solve is in the range "
            "(solved), those an agent's public reply linked to a help article "
            "(with_article, share), and per article (items: slug, title, article_id, status, "
            "tickets, share; title and article_id null for a deleted article)"
        },
    )


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
    data = load_body(HelpEventInSchema)
    # The person: the user (or visitor) of the token when there is one, else the browser.
    person = browser_key() if who.anonymous else who.key
    runtime().events.event(who.app_id, data["type"], data["session"], person, data.get("slug", ""))
    return dump(schemas.OkSchema, {"ok": True}, 202)


@bp.get("/analytics/summary")
@documented(
    "Searches, zero-result queries, articles, deflection, tickets, CSAT and the articles "
    "that resolved tickets over a date range",
    auth="admin",
    query=SummaryArgs,
    response=SummarySchema,
    errors=(403,),
)
def summary() -> Response:
    who = _admin()
    args = load_args(SummaryArgs)
    span = DateRange.parse(args.get("from_"), args.get("to"))
    return dump(SummarySchema, runtime().analytics.report(who.app_id, span))


class ServiceLevelsSchema(Schema):
    range = fields.Dict(dump_only=True)
    sla_attainment = fields.Dict(
        dump_only=True,
        metadata={
            "description": "Targets met / fell due per metric: overall, by_policy, "
            "by_team, by_agent"
        },
    )
    first_contact_resolution = fields.Dict(dump_only=True)
    first_response_minutes = fields.Dict(
        dump_only=True,
        metadata={"description": "Wall-clock and business minutes: overall, by_team, by_agent"},
    )
    resolution_minutes = fields.Dict(dump_only=True)
    backlog = fields.List(fields.Dict(), dump_only=True)
    tickets = fields.Dict(dump_only=True)
    csat_by_agent = fields.List(fields.Dict(), dump_only=True)


def _admin() -> Principal:
    who = principal()
    if who.kind != "staff":
        raise Unauthorized("this endpoint needs a staff API key")
    if who.role != "admin":
        raise Forbidden("analytics need an admin key")
    return who


@bp.get("/analytics/service-levels")
@documented(
    "SLA attainment, first-contact resolution, response times by team and agent, backlog, "
    "tickets by tag, team and priority, CSAT by agent; send Accept: text/csv and report= for "
    "one report as CSV",
    auth="admin",
    query=ServiceLevelArgs,
    response=ServiceLevelsSchema,
    errors=(403,),
)
def service_levels() -> Response:
    who = _admin()
    args = load_args(ServiceLevelArgs)
    span = DateRange.parse(args.get("from_"), args.get("to"))
    wants = request.accept_mimetypes.best_match(("application/json", "text/csv"))
    if wants != "text/csv":
        answer = dump(ServiceLevelsSchema, runtime().analytics.service_levels(who.app_id, span))
        answer.vary.add("Accept")
        return answer
    name = args.get("report")
    if name is None:
        raise ValidationFailed(
            "name the report to download with report=",
            details={"report": ["one of " + ", ".join(SERVICE_LEVEL_CSV)]},
        )
    header, rows = service_level_csv_rows(
        name, runtime().analytics.service_levels(who.app_id, span)
    )
    filename = f"{name}-{span.first.isoformat()}-to-{span.last.isoformat()}.csv"
    answer = Response(
        csv_text(header, rows),
        content_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
    answer.vary.add("Accept")
    return answer
