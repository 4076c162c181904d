"""Saved replies ("macros") over the API: agent keys read and search them, admin keys change
them. Automations send them with the ``reply`` action."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import runtime
from ..principal import Principal
from .auth import require_staff
from .handlers import dump, load_args, load_body
from .openapi import documented

bp = Blueprint("macros", __name__)

BODY = (
    "The reply's text; placeholders {{requester.name}}, {{requester.email}}, {{ticket.id}},"
    " {{ticket.subject}}, {{agent.name}}, {{app.name}}"
)


class MacroInSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    body = fields.Str(
        required=True, validate=validate.Length(1, 20_000), metadata={"description": BODY}
    )


class MacroPatchSchema(Schema):
    name = fields.Str(validate=validate.Length(1, 120))
    body = fields.Str(validate=validate.Length(1, 20_000), metadata={"description": BODY})


class MacroOutSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True)
    placeholders = fields.List(fields.Str(), dump_only=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)


class MacroListSchema(Schema):
    items = fields.List(fields.Nested(MacroOutSchema), dump_only=True)


class MacroListArgs(Schema):
    q = fields.Str(
        load_default="",
        validate=validate.Length(0, 100),
        metadata={"description": "Words in the name or text"},
    )


def _staff(admin: bool) -> Principal:
    if admin:
        return require_staff("admin", "changing saved replies needs an admin key")
    return require_staff("agent", "this key's role cannot read saved replies")


@bp.get("/macros")
@documented(
    "The app's saved replies, by name; q= searches names and text",
    auth="agent",
    query=MacroListArgs,
    response=MacroListSchema,
    errors=(403,),
)
def list_macros() -> Response:
    who = _staff(admin=False)
    args = load_args(MacroListArgs)
    return dump(MacroListSchema, {"items": runtime().macros.items(who.app_id, args["q"])})


@bp.post("/macros")
@documented(
    "Add a saved reply (an unknown placeholder is a 422)",
    auth="admin",
    body=MacroInSchema,
    response=MacroOutSchema,
    status=201,
    errors=(403, 409),
)
def create_macro() -> Response:
    who = _staff(admin=True)
    data = load_body(MacroInSchema)
    return dump(MacroOutSchema, runtime().macros.create(who.app_id, data), 201)


@bp.get("/macros/<macro_id>")
@documented("One saved reply", auth="agent", response=MacroOutSchema, errors=(403, 404))
def get_macro(macro_id: str) -> Response:
    who = _staff(admin=False)
    return dump(MacroOutSchema, runtime().macros.get(who.app_id, macro_id))


@bp.patch("/macros/<macro_id>")
@documented(
    "Change a saved reply",
    auth="admin",
    body=MacroPatchSchema,
    response=MacroOutSchema,
    errors=(403, 404, 409),
)
def update_macro(macro_id: str) -> Response:
    who = _staff(admin=True)
    data = load_body(MacroPatchSchema)
    return dump(MacroOutSchema, runtime().macros.update(who.app_id, macro_id, data))


@bp.delete("/macros/<macro_id>")
@documented("Delete a saved reply", auth="admin", status=204, errors=(403, 404))
def delete_macro(macro_id: str) -> Response:
    who = _staff(admin=True)
    runtime().macros.delete(who.app_id, macro_id)
    return Response(status=204)
