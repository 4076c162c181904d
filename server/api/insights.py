"""Insights over the API: repeated issues (with an article linked to a group) and spikes."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import runtime
from ..principal import Principal
from ..services.insights import MAX_DAYS, Window
from .auth import require_staff
from .handlers import dump, load_args, load_body
from .openapi import documented

bp = Blueprint("insights", __name__)


class RepeatedArgs(Schema):
    days = fields.Int(
        strict=False,
        validate=validate.Range(1, MAX_DAYS),
        metadata={"description": f"How many days back to look (default 90, at most {MAX_DAYS})"},
    )


class RepeatedSchema(Schema):
    range = fields.Dict(dump_only=True)
    items = fields.List(
        fields.Dict(),
        dump_only=True,
        metadata={
            "description": "Groups, most tickets first: id, label, terms, tickets, "
            "failed_searches, sample_queries, sample_subjects, ticket_ids, contexts, "
            "app_versions, resolving_replies, first_seen, last_seen, article (null, or the "
            "linked article with tickets_before, tickets_since, per_week_before, "
            "per_week_since)"
        },
    )


class GroupSchema(Schema):
    id = fields.Str(dump_only=True)
    label = fields.Str(dump_only=True)
    terms = fields.List(fields.Str(), dump_only=True)
    tickets = fields.Int(dump_only=True)
    failed_searches = fields.Int(dump_only=True)
    sample_queries = fields.List(fields.Str(), dump_only=True)
    sample_subjects = fields.List(fields.Str(), dump_only=True)
    ticket_ids = fields.List(fields.Str(), dump_only=True)
    contexts = fields.List(fields.Dict(), dump_only=True)
    app_versions = fields.List(fields.Dict(), dump_only=True)
    resolving_replies = fields.List(fields.Dict(), dump_only=True)
    first_seen = fields.Str(dump_only=True, allow_none=True)
    last_seen = fields.Str(dump_only=True, allow_none=True)
    article = fields.Dict(dump_only=True, allow_none=True)


class LinkInSchema(Schema):
    article = fields.Str(
        required=True,
        validate=validate.Length(1, 80),
        metadata={"description": "The slug of a published article that answers this group"},
    )


class SpikesSchema(Schema):
    window = fields.Dict(dump_only=True)
    baseline = fields.Dict(dump_only=True)
    items = fields.List(
        fields.Dict(),
        dump_only=True,
        metadata={
            "description": "Spikes, steepest first: id, kind (context, app_version or pair), "
            "context, app_version, label, tickets, expected, ratio, chance, new_version, "
            "ticket_ids, subjects"
        },
    )


def _agent() -> Principal:
    """The caller, refused before its body is read unless it holds an agent's key."""
    return require_staff("agent", "this key's role cannot read tickets")


@bp.get("/insights/repeated")
@documented(
    "Tickets and failed searches grouped by what they are about, most tickets first",
    auth="agent",
    query=RepeatedArgs,
    response=RepeatedSchema,
    errors=(403,),
)
def repeated() -> Response:
    who = _agent()
    window = Window.parse(load_args(RepeatedArgs).get("days"))
    return dump(RepeatedSchema, runtime().repeated.groups(who.app_id, window))


@bp.get("/insights/repeated/<group_id>")
@documented("One group of repeated issues", auth="agent", response=GroupSchema, errors=(403, 404))
def one_group(group_id: str) -> Response:
    who = _agent()
    return dump(GroupSchema, runtime().repeated.group(who.app_id, group_id))


@bp.post("/insights/repeated/<group_id>/article")
@documented(
    "Link a published article to a group, to follow the group's ticket rate since",
    auth="agent",
    body=LinkInSchema,
    response=GroupSchema,
    errors=(403, 404, 422),
)
def link_article(group_id: str) -> Response:
    who = _agent()
    data = load_body(LinkInSchema)
    found = runtime().repeated.link_article(
        who.app_id, group_id, data["article"], who.name or who.id
    )
    return dump(GroupSchema, found)


@bp.delete("/insights/repeated/<group_id>/article")
@documented("Unlink a group's article", auth="agent", status=204, errors=(403, 404))
def unlink_article(group_id: str) -> Response:
    who = _agent()
    runtime().repeated.unlink_article(who.app_id, group_id)
    return Response(status=204)


@bp.get("/insights/spikes")
@documented(
    "Contexts and app versions whose ticket rate in the last day is far above their baseline",
    auth="agent",
    response=SpikesSchema,
    errors=(403,),
)
def spikes() -> Response:
    who = _agent()
    return dump(SpikesSchema, runtime().spikes.find(who.app_id))
