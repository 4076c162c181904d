"""The webhook endpoints' JSON shapes (admin API)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import PageArgs, _strict_bool


class EndpointInSchema(Schema):
    url = fields.Str(required=True, validate=validate.Length(1, 2000))
    events = fields.List(
        fields.Str(validate=validate.Length(1, 64)),
        required=True,
        validate=validate.Length(1, 50),
        metadata={"description": 'Event types, or ["*"] for every event'},
    )
    description = fields.Str(load_default="", validate=validate.Length(0, 200))
    enabled = _strict_bool(load_default=True)


class EndpointPatchSchema(Schema):
    url = fields.Str(validate=validate.Length(1, 2000))
    events = fields.List(
        fields.Str(validate=validate.Length(1, 64)), validate=validate.Length(1, 50)
    )
    description = fields.Str(validate=validate.Length(0, 200))
    enabled = _strict_bool()


class EndpointOutSchema(Schema):
    id = fields.Str(dump_only=True)
    url = fields.Str(dump_only=True)
    events = fields.List(fields.Str(), dump_only=True)
    description = fields.Str(dump_only=True)
    enabled = fields.Bool(dump_only=True)
    created_at = fields.Str(dump_only=True)
    disabled_reason = fields.Str(dump_only=True, allow_none=True)
    secret = fields.Str(
        dump_only=True, metadata={"description": "Only when created and when rotated"}
    )


class EndpointListSchema(Schema):
    items = fields.List(fields.Nested(EndpointOutSchema), dump_only=True)


class AttemptSchema(Schema):
    at = fields.Str(dump_only=True)
    status_code = fields.Int(dump_only=True, allow_none=True)
    duration_ms = fields.Int(dump_only=True)
    error = fields.Str(dump_only=True, allow_none=True)
    response_excerpt = fields.Str(dump_only=True)


class DeliverySchema(Schema):
    id = fields.Str(dump_only=True)
    event_id = fields.Str(dump_only=True)
    event_type = fields.Str(dump_only=True)
    state = fields.Str(
        dump_only=True,
        metadata={"description": "pending, delivered, failing (will retry) or failed"},
    )
    attempts = fields.List(fields.Nested(AttemptSchema), dump_only=True)
    next_attempt_at = fields.Str(dump_only=True, allow_none=True)
    created_at = fields.Str(dump_only=True)


class DeliveryPageSchema(Schema):
    items = fields.List(fields.Nested(DeliverySchema), dump_only=True)
    next = fields.Str(dump_only=True, allow_none=True)


DeliveryArgs = PageArgs
