"""Known issues over the API: agents make, change and resolve them; users read the open ones
that show where they are (``GET /help/notices``, see :mod:`..services.known_issues` for the
matching rule)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema, fields, validate

from ..edge import rate_limit, runtime
from ..principal import Principal
from .auth import principal, require_staff
from .handlers import SchemaLike, dump, load_args, load_body
from .openapi import documented
from .schemas import _strict_bool

bp = Blueprint("known_issues", __name__)
STATUSES = ["open", "resolved"]
_places = {"description": "Context keys (or URL path prefixes starting with /) where it shows"}
_versions = {"description": "App versions it shows for, exactly as the widget reports them"}
_global = {"description": "Admins only: show it everywhere (needed without contexts or versions)"}


class KnownIssuePatchSchema(Schema):
    title = fields.Str(validate=validate.Length(1, 200))
    message = fields.Str(
        validate=validate.Length(1, 2000), metadata={"description": "What users are shown"}
    )
    contexts = fields.List(fields.Str(validate=validate.Length(0, 200)), metadata=_places)
    app_versions = fields.List(fields.Str(validate=validate.Length(0, 64)), metadata=_versions)
    global_ = _strict_bool(data_key="global", metadata=_global)
    status = fields.Str(
        validate=validate.OneOf(STATUSES),
        metadata={"description": "resolved: each linked requester is told, once"},
    )
    resolution = fields.Str(
        validate=validate.Length(0, 2000),
        metadata={"description": "The reply each linked requester gets when it is resolved"},
    )
    ticket_ids = fields.List(
        fields.Str(), metadata={"description": "The linked tickets (replaces the list)"}
    )


class KnownIssueInSchema(KnownIssuePatchSchema):
    title = fields.Str(required=True, validate=validate.Length(1, 200))
    message = fields.Str(
        required=True,
        validate=validate.Length(1, 2000),
        metadata={"description": "What users are shown"},
    )


class KnownIssueOutSchema(Schema):
    id = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True)
    message = fields.Str(dump_only=True)
    contexts = fields.List(fields.Str(), dump_only=True)
    app_versions = fields.List(fields.Str(), dump_only=True)
    global_ = fields.Bool(dump_only=True, data_key="global", attribute="global")
    status = fields.Str(dump_only=True)
    resolution = fields.Str(dump_only=True)
    ticket_ids = fields.List(fields.Str(), dump_only=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)
    resolved_at = fields.Str(dump_only=True, allow_none=True)


class KnownIssueListSchema(Schema):
    items = fields.List(fields.Nested(KnownIssueOutSchema), dump_only=True)


class KnownIssueListArgs(Schema):
    status = fields.Str(validate=validate.OneOf(STATUSES))


class NoticeArgs(Schema):
    context = fields.Str(validate=validate.Length(0, 200))
    url = fields.Str(validate=validate.Length(0, 2000))
    app_version = fields.Str(validate=validate.Length(0, 64))


class NoticeSchema(Schema):
    id = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True)
    message = fields.Str(dump_only=True)


class NoticesOutSchema(Schema):
    items = fields.List(fields.Nested(NoticeSchema), dump_only=True)


def _agent() -> Principal:
    """The caller, refused before its body is read unless it holds an agent's key."""
    return require_staff("agent", "this key's role cannot work on known issues")


def _body(schema: SchemaLike) -> dict[str, Any]:
    data = load_body(schema)
    if "global_" in data:
        data["global"] = data.pop("global_")
    return data


@bp.get("/help/notices")
@documented(
    "The open known issues to show where the user is: context key, URL and app version",
    auth="public",
    query=NoticeArgs,
    response=NoticesOutSchema,
)
def notices() -> Response:
    who = principal()
    rate_limit("search", who)
    args = load_args(NoticeArgs)
    items = runtime().known_issues.notices(
        who.app_id, args.get("context"), args.get("url"), args.get("app_version")
    )
    return dump(NoticesOutSchema, {"items": items})


@bp.get("/known-issues")
@documented(
    "The app's known issues, newest first",
    auth="agent",
    query=KnownIssueListArgs,
    response=KnownIssueListSchema,
    errors=(403,),
)
def list_issues() -> Response:
    who = _agent()
    args = load_args(KnownIssueListArgs)
    items = runtime().known_issues.items(who.app_id, args.get("status"))
    return dump(KnownIssueListSchema, {"items": items})


@bp.post("/known-issues")
@documented(
    "Make a known issue: where it shows, what users read, the tickets it explains",
    auth="agent",
    body=KnownIssueInSchema,
    response=KnownIssueOutSchema,
    status=201,
    errors=(403,),
)
def create_issue() -> Response:
    who = _agent()
    data = _body(KnownIssueInSchema)
    return dump(KnownIssueOutSchema, runtime().known_issues.create(who, data), 201)


@bp.get("/known-issues/<issue_id>")
@documented(
    "One known issue, with its linked tickets",
    auth="agent",
    response=KnownIssueOutSchema,
    errors=(403, 404),
)
def get_issue(issue_id: str) -> Response:
    who = _agent()
    return dump(KnownIssueOutSchema, runtime().known_issues.get(who.app_id, issue_id))


@bp.patch("/known-issues/<issue_id>")
@documented(
    "Change a known issue, link or unlink tickets, resolve it (telling each requester once)",
    auth="agent",
    body=KnownIssuePatchSchema,
    response=KnownIssueOutSchema,
    errors=(403, 404),
)
def update_issue(issue_id: str) -> Response:
    who = _agent()
    data = _body(KnownIssuePatchSchema)
    return dump(KnownIssueOutSchema, runtime().known_issues.update(who, issue_id, data))
