"""Marshmallow schemas: what the HTTP API accepts and returns, and the OpenAPI document's source.

Input schemas reject unknown fields (a typo is a 422 naming the field, not silently dropped);
output schemas list the contract fields, with everything server-set ``dump_only``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates, validates_schema

from ..edge import base_url
from ..services.article_fields import LOCALE
from ..services.article_fields import ArticleInSchema as ArticleInSchema
from ..services.article_fields import ArticlePatchSchema as ArticlePatchSchema

MAX_CUSTOM_BYTES = 8192


class _StrictBoolean(fields.Boolean):
    """A JSON boolean, not 0, 1, "yes" or "on" (what marshmallow's Boolean also takes)."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


def _strict_bool(**kwargs: Any) -> fields.Boolean:
    return _StrictBoolean(**kwargs)


_locale = fields.Str(validate=validate.Regexp(LOCALE, error="not a locale such as en or fr-CA"))
# What readers ask for: any text, resolved by services.locales (en-US -> en, garbage -> en), so
# a host page's <html lang> can never make help fail.
_reader_locale = fields.Str(
    metadata={
        "description": "A BCP 47 language tag such as en, fr or en-US (then its language, then "
        "English); anything else means English"
    }
)


class ArticleOutSchema(Schema):
    id = fields.Str(dump_only=True)
    slug = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True, metadata={"description": "Markdown"})
    html = fields.Str(dump_only=True, metadata={"description": "Sanitized HTML"})
    summary = fields.Str(dump_only=True)
    category = fields.Str(dump_only=True)
    tags = fields.List(fields.Str(), dump_only=True)
    contexts = fields.List(fields.Str(), dump_only=True)
    locale = fields.Str(dump_only=True)
    status = fields.Str(dump_only=True)
    revision = fields.Int(dump_only=True)
    author = fields.Str(dump_only=True)
    views = fields.Int(dump_only=True)
    helpful_yes = fields.Int(dump_only=True)
    helpful_no = fields.Int(dump_only=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)
    published_at = fields.Str(dump_only=True, allow_none=True)


class PublicArticleSchema(Schema):
    slug = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True)
    summary = fields.Str(dump_only=True)
    category = fields.Str(dump_only=True)
    tags = fields.List(fields.Str(), dump_only=True)
    contexts = fields.List(fields.Str(), dump_only=True)
    locale = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True)
    html = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)
    published_at = fields.Str(dump_only=True, allow_none=True)


class RevisionSchema(Schema):
    revision = fields.Int(dump_only=True)
    title = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True)
    summary = fields.Str(dump_only=True)
    category = fields.Str(dump_only=True)
    tags = fields.List(fields.Str(), dump_only=True)
    contexts = fields.List(fields.Str(), dump_only=True)
    status = fields.Str(dump_only=True)
    author = fields.Str(dump_only=True)
    created_at = fields.Str(dump_only=True)


class ArticleListArgs(Schema):
    status = fields.Str(validate=validate.OneOf(["draft", "published", "archived"]))
    locale = _locale
    category = fields.Str(validate=validate.Length(1, 80))
    cursor = fields.Str(validate=validate.Length(1, 100))
    limit = fields.Int(load_default=50, validate=validate.Range(1, 200))


class PageArgs(Schema):
    cursor = fields.Str(validate=validate.Length(1, 100))
    limit = fields.Int(load_default=50, validate=validate.Range(1, 200))


# -- help center ---------------------------------------------------------------------------
class SearchArgs(Schema):
    q = fields.Str(load_default="", metadata={"description": "What the person typed; any text"})
    locale = _reader_locale
    category = fields.Str(validate=validate.Length(1, 80))
    limit = fields.Int(load_default=10, validate=validate.Range(1, 50))
    page = fields.Int(load_default=1, validate=validate.Range(1, 100))
    app_id = fields.Str(metadata={"description": "The app, when no token or header names it"})


class SearchResultSchema(Schema):
    slug = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True)
    snippet = fields.Str(dump_only=True, metadata={"description": "Escaped HTML with <mark>"})
    category = fields.Str(dump_only=True)
    score = fields.Float(dump_only=True)


class SearchOutSchema(Schema):
    results = fields.List(fields.Nested(SearchResultSchema), dump_only=True)
    total = fields.Int(dump_only=True)
    page = fields.Int(dump_only=True)
    suggestion = fields.Str(dump_only=True, allow_none=True)
    locale = fields.Str(dump_only=True, metadata={"description": "The language searched"})
    degraded = _strict_bool(dump_only=True)


class SuggestionArgs(Schema):
    context = fields.Str(validate=validate.Length(0, 200))
    url = fields.Str(validate=validate.Length(0, 2000))
    locale = _reader_locale
    limit = fields.Int(load_default=5, validate=validate.Range(1, 20))
    app_id = fields.Str()


class ArticleSummarySchema(Schema):
    slug = fields.Str(dump_only=True)
    title = fields.Str(dump_only=True)
    summary = fields.Str(dump_only=True)
    category = fields.Str(dump_only=True)
    locale = fields.Str(dump_only=True)


class SuggestionsOutSchema(Schema):
    articles = fields.List(fields.Nested(ArticleSummarySchema), dump_only=True)


class LocaleArgs(Schema):
    locale = _reader_locale
    app_id = fields.Str()


class CategorySchema(Schema):
    name = fields.Str(dump_only=True)
    slug = fields.Str(dump_only=True)
    count = fields.Int(dump_only=True)


class CategoriesOutSchema(Schema):
    items = fields.List(fields.Nested(CategorySchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True)


class FeedbackInSchema(Schema):
    helpful = _strict_bool(required=True)
    comment = fields.Str(validate=validate.Length(0, 2000))


# -- tickets -------------------------------------------------------------------------------
class ClientErrorSchema(Schema):
    message = fields.Str(validate=validate.Length(0, 1000))
    source = fields.Str(validate=validate.Length(0, 500))
    line = fields.Int(allow_none=True, strict=True)
    column = fields.Int(allow_none=True, strict=True)
    stack = fields.Str(validate=validate.Length(0, 4000))
    at = fields.Str(validate=validate.Length(0, 40))


class ViewportSchema(Schema):
    width = fields.Int(validate=validate.Range(0, 100_000), strict=True)
    height = fields.Int(validate=validate.Range(0, 100_000), strict=True)


class TicketContextSchema(Schema):
    """What the widget (or the host app) knew when the ticket was filed."""

    url = fields.Str(validate=validate.Length(0, 2000))
    title = fields.Str(validate=validate.Length(0, 300))
    context_key = fields.Str(validate=validate.Length(0, 200))
    app_version = fields.Str(validate=validate.Length(0, 64))
    locale = fields.Str(validate=validate.Length(0, 35))
    time_zone = fields.Str(validate=validate.Length(0, 64))
    user_agent = fields.Str(validate=validate.Length(0, 500))
    viewport = fields.Nested(ViewportSchema)
    errors = fields.List(fields.Nested(ClientErrorSchema), validate=validate.Length(0, 20))
    custom = fields.Dict(keys=fields.Str(validate=validate.Length(1, 100)))
    articles_shown = fields.List(
        fields.Str(validate=validate.Length(1, 200)), validate=validate.Length(0, 50)
    )
    exception = fields.Dict(keys=fields.Str())

    @validates("custom")
    def _custom_small(self, value: dict[str, Any], **_: Any) -> None:
        if len(json.dumps(value)) > MAX_CUSTOM_BYTES:
            raise ValidationError(f"custom data is limited to {MAX_CUSTOM_BYTES} bytes of JSON")


class TicketInSchema(Schema):
    subject = fields.Str(validate=validate.Length(0, 200))
    body = fields.Str(required=True, validate=validate.Length(1, 20_000))
    email = fields.Email(validate=validate.Length(0, 254))
    name = fields.Str(validate=validate.Length(0, 120))
    priority = fields.Str(validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    context = fields.Nested(TicketContextSchema)
    field_values = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.Str(validate=validate.Length(1, 40)),
        values=fields.Raw(allow_none=True),
        metadata={
            "description": "Custom field values by key (GET /ticket-fields), checked by type"
        },
    )
    attachments = fields.List(
        fields.Str(validate=validate.Length(1, 40)),
        validate=validate.Length(0, 10),
        metadata={"description": "Uploads to attach (ids from POST /uploads, at most 10)"},
    )

    @validates("body")
    def _body_not_blank(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("must not be blank")


class RequesterSchema(Schema):
    id = fields.Str(dump_only=True)
    kind = fields.Str(dump_only=True)
    email = fields.Str(dump_only=True, allow_none=True)
    name = fields.Str(dump_only=True, allow_none=True)


class AuthorSchema(Schema):
    kind = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True, allow_none=True)


class AttachmentOutSchema(Schema):
    id = fields.Str(dump_only=True)
    filename = fields.Str(dump_only=True)
    content_type = fields.Str(
        dump_only=True, metadata={"description": "What the bytes are, not what the sender said"}
    )
    size = fields.Int(dump_only=True)
    inline = fields.Bool(dump_only=True)
    content_id = fields.Str(
        dump_only=True,
        allow_none=True,
        metadata={"description": 'What the mail\'s HTML calls it (src="cid:…"), if anything'},
    )
    note = fields.Str(dump_only=True)
    url = fields.Method(
        "_absolute",
        dump_only=True,
        metadata={
            "description": "A signed link to the file, valid for at least a day: images are"
            " served inline (for <img src>), every other type as a download"
        },
    )

    @staticmethod
    def _absolute(attachment: Mapping[str, Any]) -> str | None:
        path = attachment.get("url")
        return f"{base_url()}{path}" if path else None


class MessageOutSchema(Schema):
    id = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True)
    author = fields.Nested(AuthorSchema, dump_only=True)
    internal = _strict_bool(dump_only=True)
    channel = fields.Str(dump_only=True, metadata={"description": "web (widget, API) or email"})
    created_at = fields.Str(dump_only=True)
    attachments = fields.List(
        fields.Nested(AttachmentOutSchema),
        dump_only=True,
        metadata={"description": "Agents only: files that came with the message"},
    )


class InboundOutSchema(Schema):
    id = fields.Str(dump_only=True, metadata={"description": "The kept message (inm_…)"})
    state = fields.Str(dump_only=True)
    new = fields.Bool(
        dump_only=True, metadata={"description": "False: these bytes had already arrived"}
    )


class RatingSchema(Schema):
    score = fields.Int(required=True, validate=validate.Range(1, 5))
    comment = fields.Str(validate=validate.Length(0, 2000))


class TeamRefSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)


class TicketSlaSchema(Schema):
    policy = fields.Str(dump_only=True)
    first_response_due = fields.Str(dump_only=True, allow_none=True)
    first_response_at = fields.Str(dump_only=True, allow_none=True)
    next_response_due = fields.Str(dump_only=True, allow_none=True)
    resolution_due = fields.Str(dump_only=True, allow_none=True)
    next_due = fields.Str(
        dump_only=True, allow_none=True, metadata={"description": "The earliest unmet due time"}
    )
    paused = fields.Bool(dump_only=True, metadata={"description": "Pending: the clock waits"})
    breached = fields.List(
        fields.Str(),
        dump_only=True,
        metadata={"description": "first_response, next_response, resolution: targets missed"},
    )


class TicketOutSchema(Schema):
    id = fields.Str(dump_only=True)
    status = fields.Str(dump_only=True)
    subject = fields.Str(dump_only=True)
    body = fields.Str(dump_only=True)
    priority = fields.Str(dump_only=True)
    source = fields.Str(dump_only=True)
    requester = fields.Nested(RequesterSchema, dump_only=True)
    context = fields.Dict(dump_only=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)
    messages = fields.List(fields.Nested(MessageOutSchema), dump_only=True)
    rating = fields.Nested(RatingSchema, dump_only=True, allow_none=True)
    unread = fields.Bool(
        dump_only=True,
        metadata={"description": "Requesters only: an agent replied since they last read it"},
    )
    assignee = fields.Str(dump_only=True, allow_none=True)
    tags = fields.List(fields.Str(), dump_only=True)
    attachments = fields.List(
        fields.Nested(AttachmentOutSchema),
        dump_only=True,
        metadata={"description": "Agents only: files that came with the opening message"},
    )
    traits = fields.Dict(
        keys=fields.Str(),
        dump_only=True,
        metadata={
            "description": "Agents only: the traits of the requester's user token when the"
            " ticket was filed, signed by the app's backend (unlike context, which the browser"
            " sends unverified); {} for visitors and staff"
        },
    )
    visitor_token = fields.Str(
        dump_only=True,
        metadata={"description": "Anonymous filers only: lets them read the tickets they filed"},
    )
    field_values = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.Str(),
        dump_only=True,
        metadata={"description": "Custom field values (requesters: the fields visible to them)"},
    )
    merged_into = fields.Str(
        dump_only=True,
        allow_none=True,
        metadata={"description": "Closed as a duplicate of this ticket (POST …/merge)"},
    )
    team = fields.Nested(
        TeamRefSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "Agents only: the team the ticket is routed to"},
    )
    sla = fields.Nested(
        TicketSlaSchema,
        dump_only=True,
        allow_none=True,
        metadata={"description": "Agents only: the SLA policy's due times; null without one"},
    )
    followers = fields.List(
        fields.Str(),
        dump_only=True,
        metadata={
            "description": "Agents only: the usernames told of customer replies and service"
            " levels besides the assignee (POST/DELETE …/followers); agents who reply, are"
            " assigned or are @mentioned in a note follow on their own"
        },
    )


class UnreadSchema(Schema):
    count = fields.Int(dump_only=True)
    tickets = fields.List(fields.Str(), dump_only=True)


class TicketListArgs(PageArgs):
    status = fields.Str(validate=validate.OneOf(["new", "open", "pending", "solved", "closed"]))


class MessageInSchema(Schema):
    body = fields.Str(
        required=True,
        validate=validate.Length(0, 20_000),
        metadata={"description": "The text; may be empty when the message attaches files"},
    )
    internal = _strict_bool(load_default=False)
    attachments = fields.List(
        fields.Str(validate=validate.Length(1, 40)),
        validate=validate.Length(0, 10),
        metadata={"description": "Uploads to attach (ids from POST /uploads, at most 10)"},
    )

    @validates_schema
    def _says_something(self, data: Mapping[str, Any], **_: Any) -> None:
        if not str(data.get("body", "")).strip() and not data.get("attachments"):
            raise ValidationError("must not be blank", "body")


class TicketPatchSchema(Schema):
    status = fields.Str(validate=validate.OneOf(["new", "open", "pending", "solved", "closed"]))
    priority = fields.Str(validate=validate.OneOf(["low", "normal", "high", "urgent"]))
    assignee = fields.Str(allow_none=True, validate=validate.Length(0, 120))
    tags = fields.List(fields.Str(validate=validate.Length(1, 40)), validate=validate.Length(0, 20))
    team = fields.Str(
        allow_none=True,
        validate=validate.Length(1, 64),
        metadata={"description": "A team id (team_…), or null for none"},
    )
    field_values = fields.Dict(
        data_key="fields",
        attribute="fields",
        keys=fields.Str(validate=validate.Length(1, 40)),
        values=fields.Raw(allow_none=True),
        metadata={"description": "Custom field values by key, checked by type; null clears one"},
    )


# -- meta ----------------------------------------------------------------------------------
class ErrorBodySchema(Schema):
    code = fields.Str(dump_only=True)
    message = fields.Str(dump_only=True)
    details = fields.Dict(dump_only=True)


class ErrorSchema(Schema):
    error = fields.Nested(ErrorBodySchema, dump_only=True)


class HealthSchema(Schema):
    status = fields.Str(dump_only=True)
    version = fields.Str(dump_only=True)
    database = fields.Dict(dump_only=True)
    index = fields.Dict(dump_only=True)
    storage = fields.Dict(dump_only=True)


class OkSchema(Schema):
    ok = _strict_bool(dump_only=True)


# -- pages ---------------------------------------------------------------------------------
class TicketPageSchema(Schema):
    items = fields.List(fields.Nested(TicketOutSchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True)


class ArticlePageSchema(Schema):
    items = fields.List(fields.Nested(ArticleOutSchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True)


class RevisionPageSchema(Schema):
    items = fields.List(fields.Nested(RevisionSchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True)
