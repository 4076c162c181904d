"""A ticket's followers over the API, for agent keys: the agents told of its customer replies
and service levels besides the assignee (see services.followers)."""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import runtime
from ..principal import Principal
from .auth import require_staff
from .handlers import dump, load_body
from .openapi import documented

bp = Blueprint("ticket_followers", __name__)


class FollowerInSchema(Schema):
    username = fields.Str(
        required=True,
        validate=validate.Length(1, 64),
        metadata={"description": "An agent's or admin's username in the ticket's app"},
    )


class FollowersSchema(Schema):
    followers = fields.List(
        fields.Str(),
        dump_only=True,
        metadata={"description": "The usernames following the ticket, in the order they came"},
    )


def _agent() -> Principal:
    """The caller, refused before its body is read unless it holds an agent's key."""
    return require_staff("agent", "only agents can change a ticket's followers")


@bp.post("/tickets/<ticket_id>/followers")
@documented(
    "Make an agent follow the ticket (nothing changes if they do): they are told of customer"
    " replies and service levels as the assignee is; returns the followers",
    auth="agent",
    body=FollowerInSchema,
    response=FollowersSchema,
    errors=(401, 403, 404),
)
def follow(ticket_id: str) -> Response:
    who = _agent()
    username = load_body(FollowerInSchema)["username"]
    followers = runtime().followers.follow(who, ticket_id, username)
    return dump(FollowersSchema, {"followers": followers})


@bp.delete("/tickets/<ticket_id>/followers")
@documented(
    "Stop an agent following the ticket (nothing changes if they do not); returns the followers",
    auth="agent",
    body=FollowerInSchema,
    response=FollowersSchema,
    errors=(401, 403, 404),
)
def unfollow(ticket_id: str) -> Response:
    who = _agent()
    username = load_body(FollowerInSchema)["username"]
    followers = runtime().followers.unfollow(who, ticket_id, username)
    return dump(FollowersSchema, {"followers": followers})
