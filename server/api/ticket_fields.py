"""Custom ticket fields over the API: anyone of the app reads the fields they may fill in
(requesters: those visible to them; agents: all), admin keys define them."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import runtime
from ..errors import Forbidden, Unauthorized
from ..principal import Principal
from .auth import principal
from .handlers import dump, load_args, load_body
from .openapi import documented
from .schemas import _strict_bool

bp = Blueprint("ticket_fields", __name__)
TYPES = ["text", "number", "select", "checkbox", "date"]


class FieldInSchema(Schema):
    key = fields.Str(
        required=True,
        validate=validate.Length(1, 40),
        metadata={"description": "issue_type: lowercase letters, digits and _; fixed once made"},
    )
    label = fields.Str(required=True, validate=validate.Length(1, 120))
    type = fields.Str(required=True, validate=validate.OneOf(TYPES))
    options = fields.List(fields.Str(), metadata={"description": "select fields only"})
    required = _strict_bool(load_default=False)
    visible_to_requester = _strict_bool(load_default=True)


class FieldPatchSchema(Schema):
    label = fields.Str(validate=validate.Length(1, 120))
    options = fields.List(fields.Str())
    required = _strict_bool()
    visible_to_requester = _strict_bool()
    archived = _strict_bool(metadata={"description": "false restores a deleted field"})


class FieldListArgs(Schema):
    archived = fields.Bool(
        load_default=False,
        truthy={"true", "1"},
        falsy={"false", "0"},
        metadata={"description": "Agents: include deleted (archived) fields, whose values stay"},
    )


class FieldOutSchema(Schema):
    id = fields.Str(dump_only=True)
    key = fields.Str(dump_only=True)
    label = fields.Str(dump_only=True)
    type = fields.Str(dump_only=True)
    options = fields.List(fields.Str(), dump_only=True)
    required = fields.Bool(dump_only=True)
    visible_to_requester = fields.Bool(dump_only=True)
    position = fields.Int(dump_only=True)
    archived = fields.Bool(
        dump_only=True, metadata={"description": "Deleted: tickets keep their values"}
    )


class FieldListSchema(Schema):
    items = fields.List(fields.Nested(FieldOutSchema), dump_only=True)


def _admin() -> Principal:
    who = principal()
    if who.kind != "staff":
        raise Unauthorized("this endpoint needs a staff API key")
    if who.role != "admin":
        raise Forbidden("defining ticket fields needs an admin key")
    return who


@bp.get("/ticket-fields")
@documented(
    "The app's custom ticket fields (requesters: those visible to them)",
    auth="user",
    query=FieldListArgs,
    response=FieldListSchema,
    errors=(403,),
)
def list_fields() -> Response:
    who = principal()
    if who.kind == "staff" and not who.is_agent:
        raise Forbidden("this key's role cannot read ticket fields")
    args = load_args(FieldListArgs)
    items = runtime().tickets.fields.items(
        who.app_id, for_requester=who.kind != "staff", archived=args["archived"]
    )
    return dump(FieldListSchema, {"items": items})


@bp.post("/ticket-fields")
@documented(
    "Define a custom ticket field",
    auth="admin",
    body=FieldInSchema,
    response=FieldOutSchema,
    status=201,
    errors=(403, 409),
)
def create_field() -> Response:
    who = _admin()
    data = load_body(FieldInSchema)
    return dump(FieldOutSchema, runtime().tickets.fields.create(who.app_id, data), 201)


@bp.patch("/ticket-fields/<field_id>")
@documented(
    "Change a field's label, options, whether it is required or visible, or restore it",
    auth="admin",
    body=FieldPatchSchema,
    response=FieldOutSchema,
    errors=(403, 404),
)
def update_field(field_id: str) -> Response:
    who = _admin()
    data = load_body(FieldPatchSchema)
    return dump(FieldOutSchema, runtime().tickets.fields.update(who.app_id, field_id, data))


@bp.delete("/ticket-fields/<field_id>")
@documented(
    "Delete (archive) a field: tickets keep their values, shown to agents as archived",
    auth="admin",
    status=204,
    errors=(403, 404),
)
def delete_field(field_id: str) -> Response:
    who = _admin()
    runtime().tickets.fields.delete(who.app_id, field_id)
    return Response(status=204)
