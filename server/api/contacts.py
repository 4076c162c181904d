"""Contacts over the API, for agent keys: one per app and person (a signed-in user by user id,
everyone else by email), with their tickets, ratings and the pages they asked from."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import runtime
from ..principal import Principal
from .auth import require_staff
from .handlers import dump, load_args
from .openapi import documented

bp = Blueprint("contacts", __name__)


class ContactRatingSchema(Schema):
    score = fields.Int(dump_only=True)
    comment = fields.Str(dump_only=True)


class ContactTicketContextSchema(Schema):
    url = fields.Str(dump_only=True, allow_none=True)
    title = fields.Str(dump_only=True, allow_none=True)
    context_key = fields.Str(dump_only=True, allow_none=True)


class ContactTicketSchema(Schema):
    id = fields.Str(dump_only=True)
    status = fields.Str(dump_only=True)
    subject = fields.Str(dump_only=True)
    signed_in = fields.Bool(
        dump_only=True, metadata={"description": "Filed by the user signed in, not by email"}
    )
    rating = fields.Nested(ContactRatingSchema, dump_only=True, allow_none=True)
    created_at = fields.Str(dump_only=True)
    context = fields.Nested(
        ContactTicketContextSchema,
        dump_only=True,
        metadata={"description": "Where they were, as the browser said (unverified)"},
    )


class ContactPageSchema(Schema):
    url = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True, allow_none=True)


class ContactSchema(Schema):
    id = fields.Str(dump_only=True)
    kind = fields.Str(
        dump_only=True,
        metadata={"description": "user (signed in: by user id) or email (by email only)"},
    )
    external_id = fields.Str(
        dump_only=True, allow_none=True, metadata={"description": "The app's user id"}
    )
    name = fields.Str(dump_only=True, allow_none=True)
    email = fields.Str(dump_only=True, allow_none=True)
    traits = fields.Dict(
        dump_only=True,
        metadata={"description": "The latest token's traits, signed by the app's backend"},
    )
    first_seen = fields.Str(dump_only=True)
    last_seen = fields.Str(dump_only=True)
    ticket_count = fields.Int(dump_only=True)
    tickets = fields.List(
        fields.Nested(ContactTicketSchema),
        dump_only=True,
        metadata={"description": "Their tickets, newest first (up to 100)"},
    )
    pages = fields.List(
        fields.Nested(ContactPageSchema),
        dump_only=True,
        metadata={"description": "The pages they filed from, latest first (up to 10)"},
    )


class ContactListSchema(Schema):
    items = fields.List(fields.Nested(ContactSchema), dump_only=True)


class ContactListArgs(Schema):
    email = fields.Str(
        required=True,
        validate=validate.Length(1, 320),
        metadata={"description": "The email address (any case)"},
    )


def _agent() -> Principal:
    """The caller, refused before its body is read unless it holds an agent's key."""
    return require_staff("agent", "this key's role cannot read contacts")


@bp.get("/contacts")
@documented(
    "The app's contacts with an email address (users signed in with it first)",
    auth="agent",
    query=ContactListArgs,
    response=ContactListSchema,
    errors=(403,),
)
def find() -> Response:
    who = _agent()
    args = load_args(ContactListArgs)
    return dump(ContactListSchema, {"items": runtime().contacts.find(who.app_id, args["email"])})


@bp.get("/contacts/<contact_id>")
@documented(
    "One contact: name, email, signed traits, their tickets with ratings",
    auth="agent",
    response=ContactSchema,
    errors=(403, 404),
)
def get(contact_id: str) -> Response:
    who = _agent()
    return dump(ContactSchema, runtime().contacts.get(who.app_id, contact_id))
