"""Service levels and automation over the API: business hours, SLA policies, teams, agents'
availability and automations (admin keys change them; agent keys read them)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response
from marshmallow import Schema

from ..edge import runtime
from ..principal import Principal
from . import level_schemas as schemas
from .auth import require_staff
from .handlers import dump, load_args, load_body
from .openapi import documented

bp = Blueprint("service_levels", __name__)


def _staff(role: str) -> Principal:
    if role == "admin":
        return require_staff("admin", "changing service levels and automations needs an admin key")
    return require_staff("agent", "this key's role cannot read service levels")


def _body(schema: type[Schema]) -> dict[str, Any]:
    return load_body(schema)


# -- business hours ----------------------------------------------------------------------------
@bp.get("/business-hours")
@documented(
    "The app's business hours (24/7 in UTC until set)",
    auth="agent",
    response=schemas.BusinessHoursSchema,
    errors=(403,),
)
def get_hours() -> Response:
    who = _staff("agent")
    return dump(schemas.BusinessHoursSchema, runtime().sla.business_hours(who.app_id))


@bp.put("/business-hours")
@documented(
    "Set the app's time zone, weekly hours and holidays (SLA targets count these minutes)",
    auth="admin",
    body=schemas.BusinessHoursSchema,
    response=schemas.BusinessHoursSchema,
    errors=(403,),
)
def put_hours() -> Response:
    who = _staff("admin")
    data = _body(schemas.BusinessHoursSchema)
    return dump(schemas.BusinessHoursSchema, runtime().sla.set_business_hours(who.app_id, data))


# -- SLA policies ------------------------------------------------------------------------------
@bp.get("/sla-policies")
@documented(
    "The app's SLA policies in order (the first that matches a ticket applies)",
    auth="agent",
    response=schemas.PolicyListSchema,
    errors=(403,),
)
def list_policies() -> Response:
    who = _staff("agent")
    return dump(schemas.PolicyListSchema, {"items": runtime().sla.policies(who.app_id)})


@bp.post("/sla-policies")
@documented(
    "Add an SLA policy: conditions and targets in business minutes",
    auth="admin",
    body=schemas.PolicyInSchema,
    response=schemas.PolicyOutSchema,
    status=201,
    errors=(403,),
)
def create_policy() -> Response:
    who = _staff("admin")
    rt = runtime()
    data = _body(schemas.PolicyInSchema)
    policy = rt.sla.create_policy(who.app_id, data, rt.automations.vocabulary_of(who.app_id))
    return dump(schemas.PolicyOutSchema, policy, 201)


@bp.get("/sla-policies/<policy_id>")
@documented("One SLA policy", auth="agent", response=schemas.PolicyOutSchema, errors=(403, 404))
def get_policy(policy_id: str) -> Response:
    who = _staff("agent")
    return dump(schemas.PolicyOutSchema, runtime().sla.policy(who.app_id, policy_id))


@bp.patch("/sla-policies/<policy_id>")
@documented(
    "Change a policy's name, conditions, targets or position",
    auth="admin",
    body=schemas.PolicyPatchSchema,
    response=schemas.PolicyOutSchema,
    errors=(403, 404),
)
def update_policy(policy_id: str) -> Response:
    who = _staff("admin")
    rt = runtime()
    data = _body(schemas.PolicyPatchSchema)
    vocabulary = rt.automations.vocabulary_of(who.app_id)
    policy = rt.sla.update_policy(who.app_id, policy_id, data, vocabulary)
    return dump(schemas.PolicyOutSchema, policy)


@bp.delete("/sla-policies/<policy_id>")
@documented(
    "Delete a policy (tickets under it keep their due times)",
    auth="admin",
    status=204,
    errors=(403, 404),
)
def delete_policy(policy_id: str) -> Response:
    who = _staff("admin")
    runtime().sla.delete_policy(who.app_id, policy_id)
    return Response(status=204)


# -- teams -------------------------------------------------------------------------------------
@bp.get("/teams")
@documented("The app's teams", auth="agent", response=schemas.TeamListSchema, errors=(403,))
def list_teams() -> Response:
    who = _staff("agent")
    return dump(schemas.TeamListSchema, {"items": runtime().teams.items(who.app_id)})


@bp.post("/teams")
@documented(
    "Add a team: members, the contexts and locales it covers, how it assigns",
    auth="admin",
    body=schemas.TeamInSchema,
    response=schemas.TeamOutSchema,
    status=201,
    errors=(403, 409),
)
def create_team() -> Response:
    who = _staff("admin")
    data = _body(schemas.TeamInSchema)
    return dump(schemas.TeamOutSchema, runtime().teams.create(who.app_id, data), 201)


@bp.get("/teams/<team_id>")
@documented("One team", auth="agent", response=schemas.TeamOutSchema, errors=(403, 404))
def get_team(team_id: str) -> Response:
    who = _staff("agent")
    return dump(schemas.TeamOutSchema, runtime().teams.get(who.app_id, team_id))


@bp.patch("/teams/<team_id>")
@documented(
    "Change a team",
    auth="admin",
    body=schemas.TeamPatchSchema,
    response=schemas.TeamOutSchema,
    errors=(403, 404, 409),
)
def update_team(team_id: str) -> Response:
    who = _staff("admin")
    data = _body(schemas.TeamPatchSchema)
    return dump(schemas.TeamOutSchema, runtime().teams.update(who.app_id, team_id, data))


@bp.delete("/teams/<team_id>")
@documented(
    "Delete a team; with unsolved tickets, say where they go (move_to), else 409",
    auth="admin",
    query=schemas.TeamDeleteArgs,
    response=schemas.TeamDeletedSchema,
    errors=(403, 404, 409),
)
def delete_team(team_id: str) -> Response:
    who = _staff("admin")
    args = load_args(schemas.TeamDeleteArgs)
    done = runtime().teams.delete(who.app_id, team_id, args.get("move_to"))
    return dump(schemas.TeamDeletedSchema, done)


@bp.put("/agents/<username>/availability")
@documented(
    "Set an agent available or away (routing skips agents who are away)",
    auth="admin",
    body=schemas.AvailabilitySchema,
    response=schemas.AvailabilitySchema,
    errors=(403, 404),
)
def availability(username: str) -> Response:
    who = _staff("admin")
    data = _body(schemas.AvailabilitySchema)
    runtime().teams.set_available(who.app_id, username, data["available"])
    return dump(schemas.AvailabilitySchema, {"available": data["available"]})


# -- automations -------------------------------------------------------------------------------
@bp.get("/automations")
@documented(
    "The app's automations in order",
    auth="agent",
    response=schemas.AutomationListSchema,
    errors=(403,),
)
def list_automations() -> Response:
    who = _staff("agent")
    return dump(schemas.AutomationListSchema, {"items": runtime().automations.items(who.app_id)})


@bp.post("/automations")
@documented(
    "Add an automation: when (an event, or a time after a status), if (conditions), then"
    " (actions); a 422 names each problem by its path",
    auth="admin",
    body=schemas.AutomationInSchema,
    response=schemas.AutomationOutSchema,
    status=201,
    errors=(403,),
)
def create_automation() -> Response:
    who = _staff("admin")
    data = _body(schemas.AutomationInSchema)
    data.pop("position", None)
    made = runtime().automations.create(who.app_id, data)
    return dump(schemas.AutomationOutSchema, made, 201)


@bp.get("/automations/<automation_id>")
@documented("One automation", auth="agent", response=schemas.AutomationOutSchema, errors=(403, 404))
def get_automation(automation_id: str) -> Response:
    who = _staff("agent")
    return dump(schemas.AutomationOutSchema, runtime().automations.get(who.app_id, automation_id))


@bp.patch("/automations/<automation_id>")
@documented(
    "Change an automation, switch it on or off, or move it",
    auth="admin",
    body=schemas.AutomationPatchSchema,
    response=schemas.AutomationOutSchema,
    errors=(403, 404),
)
def update_automation(automation_id: str) -> Response:
    who = _staff("admin")
    data = _body(schemas.AutomationPatchSchema)
    changed = runtime().automations.update(who.app_id, automation_id, data)
    return dump(schemas.AutomationOutSchema, changed)


@bp.delete("/automations/<automation_id>")
@documented("Delete an automation", auth="admin", status=204, errors=(403, 404))
def delete_automation(automation_id: str) -> Response:
    who = _staff("admin")
    runtime().automations.delete(who.app_id, automation_id)
    return Response(status=204)


@bp.post("/automations/<automation_id>/dry-run")
@documented(
    "What the automation would change on a ticket now, changing nothing",
    auth="agent",
    body=schemas.DryRunInSchema,
    response=schemas.DryRunOutSchema,
    errors=(403, 404),
)
def dry_run(automation_id: str) -> Response:
    who = _staff("agent")
    data = _body(schemas.DryRunInSchema)
    result = runtime().lifecycle.dry_run(who.app_id, automation_id, data["ticket"])
    return dump(schemas.DryRunOutSchema, result)
