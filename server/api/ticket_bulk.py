"""Merging a duplicate ticket into another, and changing many tickets at once (agents)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..edge import runtime
from ..principal import Principal
from ..services.ticket_merge import MAX_BULK
from . import schemas
from .auth import require_staff
from .handlers import dump, load_body
from .openapi import documented

bp = Blueprint("ticket_bulk", __name__)


class MergeInSchema(Schema):
    into = fields.Str(
        required=True,
        validate=validate.Length(1, 64),
        metadata={"description": "The ticket to merge this one into (tkt_…)"},
    )
    different_requesters = schemas._strict_bool(
        load_default=False,
        metadata={"description": "Merge even though the two tickets' requesters differ"},
    )


class BulkChangesSchema(Schema):
    status = fields.Str(validate=validate.OneOf(["new", "open", "pending", "solved", "closed"]))
    priority = fields.Str(validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    assignee = fields.Str(allow_none=True, validate=validate.Length(0, 120))
    tags = fields.List(
        fields.Str(validate=validate.Length(1, 40)),
        validate=validate.Length(0, 20),
        metadata={"description": "Replaces each ticket's tags"},
    )
    add_tags = fields.List(
        fields.Str(validate=validate.Length(1, 40)), validate=validate.Length(1, 20)
    )
    remove_tags = fields.List(
        fields.Str(validate=validate.Length(1, 40)), validate=validate.Length(1, 20)
    )
    team = fields.Str(
        allow_none=True,
        validate=validate.Length(1, 64),
        metadata={"description": "A team id (team_…), or null for none"},
    )

    @validates_schema
    def _something(self, data: dict[str, Any], **kwargs: Any) -> None:
        if not data:
            raise ValidationError("name at least one change", "_schema")


class BulkInSchema(Schema):
    ids = fields.List(
        fields.Str(validate=validate.Length(1, 64)),
        required=True,
        validate=validate.Length(1, MAX_BULK),
        metadata={"description": f"The tickets to change (tkt_…), at most {MAX_BULK}"},
    )
    changes = fields.Nested(BulkChangesSchema, required=True)


class BulkOutSchema(Schema):
    items = fields.List(fields.Nested(schemas.TicketOutSchema), dump_only=True)


def _agent() -> Principal:
    """The caller, refused before its body is read unless it holds an agent's key."""
    return require_staff("agent", "only agents can change tickets")


@bp.post("/tickets/<ticket_id>/merge")
@documented(
    "Merge this (duplicate) ticket into another: its messages move there, it is closed with"
    " merged_into; only internal notes are added (the customer is sent nothing); returns the"
    " target",
    auth="agent",
    body=MergeInSchema,
    response=schemas.TicketOutSchema,
    errors=(401, 403, 404, 409),
)
def merge(ticket_id: str) -> Response:
    who = _agent()
    data = load_body(MergeInSchema)
    merged = runtime().merge.merge(
        who, ticket_id, data["into"], different_requesters=data["different_requesters"]
    )
    return dump(schemas.TicketOutSchema, merged)


@bp.post("/tickets/bulk")
@documented(
    f"Change up to {MAX_BULK} tickets at once (status, priority, assignee, tags, add_tags,"
    " remove_tags, team), each as PATCH would, all or nothing",
    auth="agent",
    body=BulkInSchema,
    response=BulkOutSchema,
    errors=(401, 403, 404),
)
def bulk() -> Response:
    who = _agent()
    data = load_body(BulkInSchema)
    items = runtime().merge.bulk(who, data["ids"], data["changes"])
    return dump(BulkOutSchema, {"items": items})
