"""The fields of an article and the rules they follow, shared by every way in: the writers' API,
the admin's editor and ``support-server import`` accept exactly the same articles.

Marshmallow, not Flask: the edges load request data with these schemas, and so can the CLI.
"""

from __future__ import annotations

import re
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CONTEXT_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$")
LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")
# What context_entry accepts, for the OpenAPI document (the function gives the clear message).
CONTEXT_ENTRY_PATTERN = r"^(/\S{0,299}|[A-Za-z0-9_-]{1,60}(\.[A-Za-z0-9_-]{1,59}){0,1})$"


def context_entry(value: str) -> None:
    if value.startswith("/"):
        if len(value) > 300 or any(c.isspace() for c in value):
            raise ValidationError("a URL path pattern must be one path without spaces")
    elif not CONTEXT_KEY.match(value) or len(value) > 120:
        raise ValidationError(
            f"{value!r} is neither a context key (billing.invoices) nor a path (/settings)"
        )


class ArticleInSchema(Schema):
    title = fields.Str(required=True, validate=validate.Length(1, 200))
    body = fields.Str(required=True, validate=validate.Length(0, 200_000))
    slug = fields.Str(
        validate=[
            validate.Length(1, 80),
            validate.Regexp(SLUG, error="use a-z, 0-9 and single hyphens"),
        ]
    )
    summary = fields.Str(validate=validate.Length(0, 300))
    category = fields.Str(validate=validate.Length(0, 80))
    tags = fields.List(fields.Str(validate=validate.Length(1, 40)), validate=validate.Length(0, 20))
    contexts = fields.List(
        fields.Str(validate=context_entry, metadata={"pattern": CONTEXT_ENTRY_PATTERN}),
        validate=validate.Length(0, 30),
    )
    locale = fields.Str(validate=validate.Regexp(LOCALE, error="not a locale such as en or fr-CA"))
    status = fields.Str(validate=validate.OneOf(["draft", "published"]))

    @validates("title")
    def _title_not_blank(self, value: str, **_: Any) -> None:
        if not value.strip():
            raise ValidationError("must not be blank")


class ArticlePatchSchema(ArticleInSchema):
    title = fields.Str(validate=validate.Length(1, 200))
    body = fields.Str(validate=validate.Length(0, 200_000))
    revision = fields.Int(
        validate=validate.Range(min=1),
        metadata={"description": "Optimistic lock: 409 if the article moved on"},
    )
