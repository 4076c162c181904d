"""The JSON shapes of business hours, SLA policies, teams and automations (staff API).

Rules and conditions are checked by :mod:`..services.rules`, which names each problem by its
path (``then[1].team``); these schemas hold the outer shape and document it."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from .schemas import _strict_bool

CONDITIONS = (
    'Conditions, all of which must match: [{"field": "context_key", "op": "starts_with",'
    ' "value": "billing."}]; fields: status, priority, source, subject, body, requester.email,'
    " requester.name, context_key, url, app_version, locale, assignee, team, tags,"
    " traits.<name>, fields.<key>"
)


class BusinessHoursSchema(Schema):
    timezone = fields.Str(required=True, metadata={"description": "IANA name: Europe/Paris"})
    weekly = fields.Dict(
        keys=fields.Str(),
        values=fields.List(fields.List(fields.Str())),
        required=True,
        metadata={"description": '{"mon": [["09:00", "17:30"]], …}; a missing day is closed'},
    )
    holidays = fields.List(fields.Str(), load_default=list, metadata={"description": "dates"})


class TargetsSchema(Schema):
    first_response = fields.Int(allow_none=True, strict=True)
    next_response = fields.Int(allow_none=True, strict=True)
    resolution = fields.Int(allow_none=True, strict=True)


class PolicyInSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    targets = fields.Dict(
        required=True,
        metadata={"description": "Business minutes: first_response, next_response, resolution"},
    )
    position = fields.Int(strict=True, validate=validate.Range(1, 1000))

    class Meta:
        include = {
            "if": fields.List(
                fields.Dict(), load_default=list, metadata={"description": CONDITIONS}
            )
        }


class PolicyPatchSchema(Schema):
    name = fields.Str(validate=validate.Length(1, 120))
    targets = fields.Dict()
    position = fields.Int(strict=True, validate=validate.Range(1, 1000))

    class Meta:
        include = {"if": fields.List(fields.Dict(), metadata={"description": CONDITIONS})}


class PolicyOutSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)
    position = fields.Int(dump_only=True)
    targets = fields.Nested(TargetsSchema, dump_only=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)

    class Meta:
        include = {"if": fields.List(fields.Dict(), dump_only=True)}


class PolicyListSchema(Schema):
    items = fields.List(fields.Nested(PolicyOutSchema), dump_only=True)


class TeamInSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(1, 80))
    members = fields.List(fields.Str(), load_default=list)
    contexts = fields.List(fields.Str(), load_default=list)
    locales = fields.List(fields.Str(), load_default=list)
    assignment = fields.Str(
        load_default="round_robin", validate=validate.OneOf(["round_robin", "least_open", "none"])
    )


class TeamPatchSchema(Schema):
    name = fields.Str(validate=validate.Length(1, 80))
    members = fields.List(fields.Str())
    contexts = fields.List(fields.Str())
    locales = fields.List(fields.Str())
    assignment = fields.Str(validate=validate.OneOf(["round_robin", "least_open", "none"]))


class TeamOutSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)
    members = fields.List(fields.Str(), dump_only=True)
    contexts = fields.List(fields.Str(), dump_only=True)
    locales = fields.List(fields.Str(), dump_only=True)
    assignment = fields.Str(dump_only=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)


class TeamListSchema(Schema):
    items = fields.List(fields.Nested(TeamOutSchema), dump_only=True)


class TeamDeleteArgs(Schema):
    move_to = fields.Str(
        metadata={"description": "Where the team's unsolved tickets go: a team id, or none"}
    )


class TeamDeletedSchema(Schema):
    deleted = fields.Str(dump_only=True)
    moved = fields.Int(dump_only=True)
    to = fields.Str(dump_only=True, allow_none=True)


class AvailabilitySchema(Schema):
    available = _strict_bool(required=True)


class AutomationInSchema(Schema):
    name = fields.Str(required=True, validate=validate.Length(1, 120))
    enabled = _strict_bool(load_default=True)
    when = fields.Dict(
        required=True,
        metadata={
            "description": '{"event": "ticket.created"} or {"after": {"status": "pending",'
            ' "hours": 72, "business": false}} or {"after": {"unanswered": true, "hours": 4}}'
        },
    )
    then = fields.List(fields.Dict(), required=True, metadata={"description": "Actions"})
    any = fields.List(
        fields.Dict(), metadata={"description": "Conditions, one of which must match"}
    )
    position = fields.Int(strict=True, validate=validate.Range(1, 1000))

    class Meta:
        include = {"if": fields.List(fields.Dict(), metadata={"description": CONDITIONS})}


class AutomationPatchSchema(Schema):
    name = fields.Str(validate=validate.Length(1, 120))
    enabled = _strict_bool()
    when = fields.Dict()
    then = fields.List(fields.Dict())
    any = fields.List(fields.Dict())
    position = fields.Int(strict=True, validate=validate.Range(1, 1000))

    class Meta:
        include = {"if": fields.List(fields.Dict())}


class AutomationOutSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)
    enabled = fields.Bool(dump_only=True)
    position = fields.Int(dump_only=True)
    when = fields.Dict(dump_only=True)
    any = fields.List(fields.Dict(), dump_only=True)
    then = fields.List(fields.Dict(), dump_only=True)
    last_error = fields.Str(dump_only=True, allow_none=True)
    created_at = fields.Str(dump_only=True)
    updated_at = fields.Str(dump_only=True)

    class Meta:
        include = {"if": fields.List(fields.Dict(), dump_only=True)}


class AutomationListSchema(Schema):
    items = fields.List(fields.Nested(AutomationOutSchema), dump_only=True)


class DryRunInSchema(Schema):
    ticket = fields.Str(required=True, validate=validate.Length(1, 64))


class DryRunOutSchema(Schema):
    automation = fields.Str(dump_only=True)
    ticket = fields.Str(dump_only=True)
    matches = fields.Bool(dump_only=True)
    changes = fields.List(fields.Dict(), dump_only=True)
