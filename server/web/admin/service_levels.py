"""Service levels and automation in the admin: business hours, SLA policies, teams and
automations. Agents read them (and dry-run automations); only admins change them.

Everything goes through the services the API uses (``rt.sla``, ``rt.teams``,
``rt.automations``, ``rt.lifecycle``), so the rules and the messages are the API's. This module
only turns forms into the services' JSON (intervals typed as ``09:00-12:00, 13:00-17:30``,
targets as ``8 h 30 min``, conditions as rows of field, operator and value, actions as JSON)
and back into words. A refused form is shown again as typed, each message beside the field or
row that the ``ValidationFailed`` details name (``weekly.mon``, ``targets.resolution``,
``if[1].value``, ``then[0].team``).
"""

from __future__ import annotations

import functools
import itertools
import json
import re
import zoneinfo
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Blueprint, abort, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import runtime
from ...errors import ApiError, Conflict, NotFound, ValidationFailed
from ...services import rules
from ...services.business_time import WEEKDAYS, BusinessHours
from ...services.sla import METRICS
from ...services.teams import ASSIGNMENTS
from . import guard

bp = Blueprint("service_levels", __name__, url_prefix="/service-levels")
ADMINS_ONLY = "Only admins change service levels, teams and automations."
NOTICES = {
    "hours": "Business hours saved. New due times count them; running clocks keep theirs.",
    "policy_added": "Policy added.",
    "policy_saved": "Policy saved.",
    "policy_moved": "Order saved. The first policy that matches a ticket applies to it.",
    "policy_deleted": "Policy deleted. Tickets under it keep their due times.",
    "team_added": "Team added. New tickets it covers go to it.",
    "team_saved": "Team saved.",
    "team_deleted": "Team deleted.",
    "automation_added": "Automation added.",
    "automation_saved": "Automation saved.",
    "automation_on": "Automation switched on.",
    "automation_off": "Automation switched off. It runs again once switched on.",
    "automation_moved": "Order saved. Automations run from the top.",
    "automation_deleted": "Automation deleted.",
}
DAY_NAMES = dict(zip(WEEKDAYS, ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"), strict=True))
ASSIGNMENT_WORDS = {
    "round_robin": "In turn (round robin)",
    "least_open": "To whoever holds the fewest unsolved tickets",
    "none": "Not assigned: the team picks",
}
EVENT_WORDS = {
    "ticket.created": "a ticket is filed",
    "ticket.updated": "a ticket changes",
    "message.created": "a message is added",
}
WHEN_CHOICES = {
    **{event: f"When {words}" for event, words in EVENT_WORDS.items()},
    "after_status": "After a ticket has been in a status for some hours",
    "unanswered": "After the customer has waited for an answer for some hours",
}
FIELD_WORDS = {
    "requester.email": "requester email",
    "requester.name": "requester name",
    "context_key": "context key",
    "url": "page URL",
    "app_version": "app version",
    "body": "first message",
}
OP_WORDS = {
    "is": "is",
    "is_not": "is not",
    "in": "is one of",
    "not_in": "is none of",
    "starts_with": "starts with",
    "ends_with": "ends with",
    "contains": "contains",
    "not_contains": "does not contain",
    "matches": "matches the pattern",
    "gt": "is more than",
    "gte": "is at least",
    "lt": "is less than",
    "lte": "is at most",
    "is_set": "is set",
    "is_not_set": "is not set",
}
BLANK_ROWS = 2
DASH = "\u2013"  # between the ends of a range of days or times
_DURATION = re.compile(
    r"(?:(?P<h>\d+(?:[.,]\d+)?)\s*h(?:ours?|rs?)?)?\s*"
    r"(?:(?P<m>\d+)\s*(?:m|mins?|minutes?)?)?",
    re.IGNORECASE,
)
_INTERVAL = re.compile(r"(\d{1,2}):(\d{2})\s*[-\u2013\u2014]\s*(\d{1,2}):(\d{2})")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_TICKET = re.compile(r"tkt_[A-Za-z0-9]+")
_ROW_PATH = re.compile(r"(if|any)\[(\d+)\]")  # if[1].value: row 1 of the "if" editor


# -- shared --------------------------------------------------------------------------------
def _page(template: str, status: int = 200, **values: Any) -> tuple[str, int]:
    notice = NOTICES.get(request.args.get("notice", ""))
    return (
        render_template(
            f"admin/{template}",
            is_admin=guard.is_admin(),
            notice=notice,
            op_words=OP_WORDS,
            **values,
        ),
        status,
    )


def _done(endpoint: str, notice: str, **args: Any) -> BaseResponse:
    return redirect(url_for(endpoint, notice=notice, **args), code=303)


def _messages(exc: ApiError) -> dict[str, list[str]]:
    """The details of a refusal by path (a limit reached says so only in the message)."""
    out: dict[str, list[str]] = {}
    for path, found in exc.details.items():
        items = found if isinstance(found, list) else [found]
        out[path] = [exc.message if m == "limit" else str(m) for m in items]
    return out


def _split(text: str) -> list[str]:
    """``billing., sales.`` or one per line: the entries, in order, without repeats."""
    return list(dict.fromkeys(p for p in re.split(r"[\s,]+", text) if p))


# -- durations -------------------------------------------------------------------------------
def duration(minutes: float | None) -> str:
    """Minutes as people say them: ``1 h``, ``8 h 30 min``, ``45 min``."""
    if minutes is None:
        return ""
    whole = round(minutes)
    hours, rest = divmod(whole, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h {rest} min" if rest else f"{hours} h"


def parse_duration(text: str) -> int | None:
    """``90``, ``1 h 30 min``, ``1h30``, ``1.5 h`` -> minutes; ``""`` -> None; ValueError."""
    text = text.strip()
    if not text:
        return None
    found = _DURATION.fullmatch(text)
    if not found or not (found.group("h") or found.group("m")):
        raise ValueError(text)
    hours = float((found.group("h") or "0").replace(",", "."))
    return round(hours * 60) + int(found.group("m") or 0)


# -- conditions as rows, and in words --------------------------------------------------------
def _field_words(name: str) -> str:
    if name.startswith("traits."):
        return f"trait {name[len('traits.') :]}"
    if name.startswith("fields."):
        return f"field {name[len('fields.') :]}"
    return FIELD_WORDS.get(name, name.replace("_", " "))


def _value_words(value: Any, team_names: Mapping[str, str]) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_value_words(v, team_names) for v in value)
    if value is None:
        return "nobody"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value in team_names:
        return team_names[value]
    return f"“{value}”" if isinstance(value, str) else str(value)


def condition_words(condition: Mapping[str, Any], team_names: Mapping[str, str]) -> str:
    """``context key starts with “billing.”``, ``priority is one of high, urgent``."""
    op = str(condition.get("op"))
    words = f"{_field_words(str(condition.get('field')))} {OP_WORDS.get(op, op)}"
    if op in rules.PRESENCE:
        return words
    value = condition.get("value")
    if condition.get("field") in ("priority", "status") and isinstance(value, str):
        return f"{words} {value}"
    if isinstance(value, list) and condition.get("field") in ("priority", "status"):
        return f"{words} {', '.join(map(str, value))}"
    return f"{words} {_value_words(value, team_names)}"


def conditions_words(conditions: Sequence[Mapping[str, Any]], team_names: Mapping[str, str]) -> str:
    return " and ".join(condition_words(c, team_names) for c in conditions)


def _value_text(value: Any, team_names: Mapping[str, str]) -> str:
    """A condition's value as the row editor shows it."""
    if isinstance(value, list | tuple):
        return ", ".join(_value_text(v, team_names) for v in value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return team_names.get(value, str(value)) if isinstance(value, str) else str(value)


def rows_of(
    conditions: Sequence[Mapping[str, Any]], team_names: Mapping[str, str]
) -> list[dict[str, str]]:
    return [
        {
            "field": str(c.get("field", "")),
            "op": str(c.get("op", "is")),
            "value": _value_text(c.get("value"), team_names),
        }
        for c in conditions
    ]


def _form_rows(prefix: str) -> list[dict[str, str]]:
    """The rows of condition editor ``prefix`` that hold something, as typed."""
    rows = zip(
        request.form.getlist(f"{prefix}_field"),
        request.form.getlist(f"{prefix}_op"),
        request.form.getlist(f"{prefix}_value"),
        strict=False,
    )
    return [{"field": f.strip(), "op": o, "value": v} for f, o, v in rows if f.strip() or v.strip()]


def _scalar(field: str, op: str, text: str, team_ids: Mapping[str, str]) -> Any:
    """One value as the rules module wants it: a team by its name or id, a number for the
    ordered comparisons of traits and custom fields, true/false for custom fields."""
    text = text.strip()
    if field == "team":
        return team_ids.get(text.casefold(), text)
    loose = field.startswith(("traits.", "fields."))
    if loose and _NUMBER.fullmatch(text) and (op in rules.ORDERED or field.startswith("fields.")):
        number = float(text)
        return int(number) if number.is_integer() and "." not in text else number
    if field.startswith("fields.") and text.casefold() in ("true", "false"):
        return text.casefold() == "true"
    return text


def conditions_of(
    rows: Sequence[Mapping[str, str]], team_ids: Mapping[str, str]
) -> list[dict[str, Any]]:
    """Rows of the editor as the JSON conditions the services validate."""
    out = []
    for row in rows:
        field, op, text = row["field"], row["op"], row["value"]
        condition: dict[str, Any] = {"field": field, "op": op}
        if op in ("in", "not_in"):
            condition["value"] = [
                _scalar(field, op, t, team_ids) for t in text.split(",") if t.strip()
            ]
        elif op not in rules.PRESENCE or text.strip():
            condition["value"] = _scalar(field, op, text, team_ids)
        out.append(condition)
    return out


def _with_blanks(rows: list[dict[str, str]]) -> list[dict[str, str]]:
    blanks = max(BLANK_ROWS, 3 - len(rows))
    room = max(0, rules.MAX_CONDITIONS - len(rows))
    return rows + [{"field": "", "op": "is", "value": ""}] * min(blanks, room)


def row_errors(problems: Mapping[str, list[str]], prefix: str) -> dict[Any, list[str]]:
    """The messages of one condition editor: by row number, and under ``"all"`` those about
    the whole list; each message names its path (``if[1].value: not a priority``)."""
    out: dict[Any, list[str]] = {}
    for path, messages in problems.items():
        found = _ROW_PATH.match(path)
        if found and found.group(1) == prefix:
            out.setdefault(int(found.group(2)), []).extend(f"{path}: {m}" for m in messages)
        elif path == prefix:
            out.setdefault("all", []).extend(messages)
    return out


def _teams_by() -> tuple[dict[str, str], dict[str, str]]:
    """(team id -> name, name or id in any case -> team id) of the current app."""
    teams = runtime().teams.items(guard.app_id())
    names = {t["id"]: t["name"] for t in teams}
    ids = {t["name"].casefold(): t["id"] for t in teams}
    ids.update({t["id"].casefold(): t["id"] for t in teams})
    return names, ids


# -- business hours --------------------------------------------------------------------------
@functools.cache
def time_zones() -> tuple[str, ...]:
    """The IANA zones this server knows, sorted (what the time zone field offers)."""
    return tuple(
        sorted(
            z
            for z in zoneinfo.available_timezones()
            if not z.startswith(("posix/", "right/")) and z not in ("localtime", "posixrules")
        )
    )


def _intervals_text(intervals: Sequence[Sequence[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in intervals)


def hours_words(hours: Mapping[str, Any]) -> str:
    """``24/7 (UTC)``, or ``Mon-Fri 09:00-17:00, Sat 10:00-14:00 (Europe/Paris)`` (with en
    dashes)."""
    if hours == BusinessHours.always().to_json():
        return "24/7 (UTC)"
    weekly = hours["weekly"]
    parts = []
    for intervals, days in itertools.groupby(WEEKDAYS, key=lambda d: weekly.get(d, [])):
        run = list(days)
        if not intervals:
            continue
        span = DAY_NAMES[run[0]] + (f"{DASH}{DAY_NAMES[run[-1]]}" if len(run) > 1 else "")
        times = ", ".join(f"{a}{DASH}{b}" for a, b in intervals)
        parts.append(f"{span} {times}")
    words = ", ".join(parts) + f" ({hours['timezone']})"
    if hours.get("holidays"):
        count = len(hours["holidays"])
        words += f", {count} holiday{'s' if count > 1 else ''}"
    return words


def _parse_day(text: str) -> list[list[str]] | None:
    """``09:00-12:00, 13:00-17:30`` -> ``[["09:00", "12:00"], ["13:00", "17:30"]]``; None when
    it is not written that way (the service checks the times themselves)."""
    out = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        found = _INTERVAL.fullmatch(part)
        if not found:
            return None
        h1, m1, h2, m2 = found.groups()
        out.append([f"{int(h1):02d}:{m1}", f"{int(h2):02d}:{m2}"])
    return out


def _hours_form(hours: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "timezone": hours["timezone"],
        "days": {d: _intervals_text(hours["weekly"].get(d, [])) for d in WEEKDAYS},
        "holidays": "\n".join(hours.get("holidays", [])),
    }


def _hours_page(
    values: Mapping[str, Any], errors: Mapping[str, list[str]], status: int = 200
) -> tuple[str, int]:
    current = runtime().sla.business_hours(guard.app_id())
    return _page(
        "business_hours.html",
        status,
        tab="hours",
        values=values,
        errors=errors,
        summary=hours_words(current),
        zones=time_zones(),
        days=DAY_NAMES,
    )


@bp.get("/hours")
@guard.requires("tickets")
def hours() -> tuple[str, int]:
    return _hours_page(_hours_form(runtime().sla.business_hours(guard.app_id())), {})


@bp.post("/hours")
@guard.requires("tickets")
def save_hours() -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    form = request.form
    values: dict[str, Any] = {
        "timezone": form.get("timezone", "").strip(),
        "days": {d: form.get(f"day_{d}", "") for d in WEEKDAYS},
        "holidays": form.get("holidays", ""),
    }
    problems: dict[str, list[str]] = {}
    weekly: dict[str, Any] = {}
    for day, text in values["days"].items():
        parsed = _parse_day(text)
        if parsed is None:  # sent as typed: the service refuses it with everything else
            problems[f"weekly.{day}"] = ["write times like 09:00-12:00, 13:00-17:30"]
        weekly[day] = text if parsed is None else parsed
    data = {
        "timezone": values["timezone"],
        "weekly": weekly,
        "holidays": _split(values["holidays"]),
    }
    try:
        runtime().sla.set_business_hours(app_id, data)
    except ValidationFailed as exc:
        return _hours_page(values, {**_messages(exc), **problems}, 422)
    return _done(".hours", "hours")


# -- SLA policies ----------------------------------------------------------------------------
@bp.get("/")
@guard.requires("tickets")
def policies() -> tuple[str, int]:
    rt = runtime()
    app_id = guard.app_id()
    team_names, _ = _teams_by()
    items = rt.sla.policies(app_id)
    catch_all = ""  # the first policy for every ticket: none after it ever applies
    for policy in items:
        policy["words"] = conditions_words(policy["if"], team_names) or "every ticket"
        policy["shadowed_by"] = catch_all
        catch_all = catch_all or ("" if policy["if"] else policy["name"])
    return _page(
        "service_levels.html",
        tab="policies",
        policies=items,
        metrics=METRICS,
        duration=duration,
        hours=hours_words(rt.sla.business_hours(app_id)),
    )


def _policy_form(
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    policy: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    errors = errors or {}
    return _page(
        "policy_form.html",
        status,
        tab="policies",
        values=values,
        rows=_with_blanks(list(values["rows"])),
        errors=errors,
        row_errors=row_errors(errors, "if"),
        policy=policy,
        metrics=METRICS,
        fields=rules.BUILTIN_FIELDS,
        hours=hours_words(runtime().sla.business_hours(guard.app_id())),
    )


def _policy_input() -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(what was typed, the service's data, problems found here)."""
    form = request.form
    values: dict[str, Any] = {
        "name": form.get("name", ""),
        "targets": {m: form.get(m, "") for m in METRICS},
        "rows": _form_rows("if"),
    }
    problems: dict[str, list[str]] = {}
    targets: dict[str, Any] = {}
    for metric, text in values["targets"].items():
        try:
            targets[metric] = parse_duration(text)
        except ValueError:  # sent as typed: the service refuses it with everything else
            problems[f"targets.{metric}"] = ["minutes (90) or hours and minutes (1 h 30 min)"]
            targets[metric] = text
    _, team_ids = _teams_by()
    data = {
        "name": values["name"],
        "targets": targets,
        "if": conditions_of(values["rows"], team_ids),
    }
    return values, data, problems


@bp.get("/policies/new")
@guard.requires("tickets")
def new_policy() -> tuple[str, int]:
    guard.admin_app(ADMINS_ONLY)
    return _policy_form({"name": "", "targets": dict.fromkeys(METRICS, ""), "rows": []})


@bp.post("/policies")
@guard.requires("tickets")
def create_policy() -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    rt = runtime()
    values, data, problems = _policy_input()
    try:
        rt.sla.create_policy(app_id, data, rt.automations.vocabulary_of(app_id))
    except ValidationFailed as exc:
        return _policy_form(values, {**_messages(exc), **problems}, 422)
    return _done(".policies", "policy_added")


@bp.get("/policies/<policy_id>")
@guard.requires("tickets")
def edit_policy(policy_id: str) -> tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    policy = runtime().sla.policy(app_id, policy_id)
    team_names, _ = _teams_by()
    values = {
        "name": policy["name"],
        "targets": {m: duration(policy["targets"][m]) for m in METRICS},
        "rows": rows_of(policy["if"], team_names),
    }
    return _policy_form(values, policy=policy)


@bp.post("/policies/<policy_id>")
@guard.requires("tickets")
def update_policy(policy_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    rt = runtime()
    policy = rt.sla.policy(app_id, policy_id)
    values, data, problems = _policy_input()
    try:
        rt.sla.update_policy(app_id, policy_id, data, rt.automations.vocabulary_of(app_id))
    except ValidationFailed as exc:
        return _policy_form(values, {**_messages(exc), **problems}, 422, policy=policy)
    return _done(".policies", "policy_saved")


def _moved(position: int) -> int:
    direction = request.form.get("direction")
    if direction not in ("up", "down"):
        abort(400, "Say whether to move it up or down.")
    return max(1, position - 1) if direction == "up" else position + 1


@bp.post("/policies/<policy_id>/move")
@guard.requires("tickets")
def move_policy(policy_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    rt = runtime()
    policy = rt.sla.policy(app_id, policy_id)
    position = _moved(policy["position"])
    try:  # the service checks the whole policy again: one naming a deleted team is refused
        rt.sla.update_policy(
            app_id, policy_id, {"position": position}, rt.automations.vocabulary_of(app_id)
        )
    except ValidationFailed as exc:
        team_names, _ = _teams_by()
        values = {
            "name": policy["name"],
            "targets": {m: duration(policy["targets"][m]) for m in METRICS},
            "rows": rows_of(policy["if"], team_names),
        }
        return _policy_form(values, _messages(exc), 422, policy=policy)
    return _done(".policies", "policy_moved")


@bp.post("/policies/<policy_id>/delete")
@guard.requires("tickets")
def delete_policy(policy_id: str) -> BaseResponse:
    runtime().sla.delete_policy(guard.admin_app(ADMINS_ONLY), policy_id)
    return _done(".policies", "policy_deleted")


# -- teams -----------------------------------------------------------------------------------
@bp.get("/teams")
@guard.requires("tickets")
def teams() -> tuple[str, int]:
    rt = runtime()
    app_id = guard.app_id()
    away = {a["username"].casefold() for a in rt.teams.agents(app_id) if not a["available"]}
    return _page(
        "teams.html",
        tab="teams",
        teams=rt.teams.items(app_id),
        away=away,
        assignments=ASSIGNMENT_WORDS,
    )


def _team_form(
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    team: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    return _page(
        "team_form.html",
        status,
        tab="teams",
        values=values,
        errors=errors or {},
        team=team,
        agents=runtime().teams.agents(guard.app_id()),
        assignments=ASSIGNMENT_WORDS,
    )


def _team_input() -> dict[str, Any]:
    form = request.form
    assignment = form.get("assignment", "")
    return {
        "name": form.get("name", ""),
        "members": form.getlist("members"),
        "contexts": _split(form.get("contexts", "")),
        "locales": _split(form.get("locales", "")),
        "assignment": assignment if assignment in ASSIGNMENTS else "round_robin",
    }


def _team_refused(exc: ApiError) -> dict[str, list[str]]:
    if isinstance(exc, Conflict):  # the name is taken
        return {"name": [exc.message]}
    return _messages(exc) or {"name": [exc.message]}


@bp.get("/teams/new")
@guard.requires("tickets")
def new_team() -> tuple[str, int]:
    guard.admin_app(ADMINS_ONLY)
    empty = {"name": "", "members": [], "contexts": [], "locales": [], "assignment": "round_robin"}
    return _team_form(empty)


@bp.post("/teams")
@guard.requires("tickets")
def create_team() -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    values = _team_input()
    try:
        runtime().teams.create(app_id, values)
    except (ValidationFailed, Conflict) as exc:
        return _team_form(values, _team_refused(exc), exc.status)
    return _done(".teams", "team_added")


@bp.get("/teams/<team_id>")
@guard.requires("tickets")
def edit_team(team_id: str) -> tuple[str, int]:
    team = runtime().teams.get(guard.admin_app(ADMINS_ONLY), team_id)
    return _team_form(team, team=team)


@bp.post("/teams/<team_id>")
@guard.requires("tickets")
def update_team(team_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    team = runtime().teams.get(app_id, team_id)
    values = _team_input()
    try:
        runtime().teams.update(app_id, team_id, values)
    except (ValidationFailed, Conflict) as exc:
        return _team_form(values, _team_refused(exc), exc.status, team=team)
    return _done(".teams", "team_saved")


@bp.post("/teams/<team_id>/delete")
@guard.requires("tickets")
def delete_team(team_id: str) -> BaseResponse | tuple[str, int]:
    """Delete; a team with unsolved tickets first asks where they go (409 until it is said)."""
    app_id = guard.admin_app(ADMINS_ONLY)
    rt = runtime()
    team = rt.teams.get(app_id, team_id)
    move_to = request.form.get("move_to") or None
    try:
        done = rt.teams.delete(app_id, team_id, move_to)
    except (Conflict, ValidationFailed) as exc:
        if isinstance(exc, Conflict) and exc.code != "team_has_tickets":
            raise
        others = [t for t in rt.teams.items(app_id) if t["id"] != team_id]
        return _page(
            "team_delete.html",
            exc.status,
            tab="teams",
            team=team,
            others=others,
            unsolved=exc.details.get("unsolved"),
            error=exc.message if isinstance(exc, ValidationFailed) else "",
        )
    # (tickets of a team with none unsolved go to no team unasked: nothing to tell)
    return _done(".teams", "team_deleted", moved=done["moved"] if move_to else None)


# -- automations -----------------------------------------------------------------------------
def when_words(when: Mapping[str, Any]) -> str:
    """``When a ticket is filed``, ``After 72 h pending``, ``After 4 h unanswered (business
    time)``."""
    if "event" in when:
        return f"When {EVENT_WORDS.get(when['event'], when['event'])}"
    after = when.get("after") or {}
    wait = duration(float(after.get("hours", 0)) * 60)
    what = "unanswered" if after.get("unanswered") else f"{after.get('status')}"
    business = " (business time)" if after.get("business") else ""
    return f"After {wait} {what}{business}"


def _tags_words(tags: Sequence[str]) -> str:
    return f"tag{'s' if len(tags) > 1 else ''} {', '.join(tags)}"


def _target_words(to: str) -> str:
    if to.startswith("agent:"):
        return to[len("agent:") :]
    return {"assignee": "the assignee", "team": "the team", "admins": "the admins"}.get(to, to)


def action_words(action: Mapping[str, Any], team_names: Mapping[str, str]) -> str:
    """One action as a phrase: ``set priority to high``, ``add tag vip``."""
    name = action.get("action")
    if name == "set":
        value = action.get("value")
        return f"set {action.get('field')} to {value if value is not None else 'nobody'}"
    if name == "set_status":
        return f"set status to {action.get('value')}"
    if name in ("add_tags", "remove_tags"):
        verb = "add" if name == "add_tags" else "remove"
        return f"{verb} {_tags_words(list(action.get('tags') or []))}"
    if name == "assign_team":
        team = str(action.get("team"))
        return f"give to team {team_names.get(team, team)}"
    if name == "assign":
        return f"assign to {action.get('agent')}"
    if name == "notify":
        return f"notify {_target_words(str(action.get('to')))}"
    if name == "reply":
        return f"reply with macro {action.get('macro')}"
    if name == "remind_customer":
        return "remind the customer"
    if name == "escalate":
        priority = action.get("priority")
        return f"escalate to {priority}" if priority else "escalate"
    return str(name)


def change_words(change: Mapping[str, Any], team_names: Mapping[str, str]) -> str:
    """One planned change of a dry run: ``change priority normal → high``, ``add tag vip``."""
    field = change.get("field")
    if field == "tags":
        before, after = list(change.get("from") or []), list(change.get("to") or [])
        added = [t for t in after if t not in before]
        removed = [t for t in before if t not in after]
        parts = [f"add {_tags_words(added)}"] if added else []
        parts += [f"remove {_tags_words(removed)}"] if removed else []
        return ", ".join(parts)
    if field is not None:

        def say(value: Any) -> str:
            if value is None:
                return "none"
            return team_names.get(value, str(value)) if field == "team" else str(value)

        return f"change {field} {say(change.get('from'))} → {say(change.get('to'))}"
    if change.get("action") == "notify":
        return f"notify {_target_words(str(change.get('to')))}: “{change.get('message')}”"
    return action_words(change, team_names)


@bp.get("/automations")
@guard.requires("tickets")
def automations() -> tuple[str, int]:
    team_names, _ = _teams_by()
    items = runtime().automations.items(guard.app_id())
    for item in items:
        item["when_words"] = when_words(item["when"])
        item["if_words"] = conditions_words(item["if"], team_names)
        item["any_words"] = " or ".join(condition_words(c, team_names) for c in item["any"])
        item["then_words"] = ", ".join(action_words(a, team_names) for a in item["then"])
    return _page(
        "automations.html",
        tab="automations",
        automations=items,
        troubled=sum(1 for i in items if i["last_error"]),
    )


def _automation_values(rule: Mapping[str, Any], team_names: Mapping[str, str]) -> dict[str, Any]:
    when = rule.get("when") or {}
    after = when.get("after") or {}
    if "event" in when:
        kind = when["event"]
    else:
        kind = "unanswered" if after.get("unanswered") else "after_status"
    hours = after.get("hours")
    return {
        "name": rule.get("name", ""),
        "enabled": rule.get("enabled", True),
        "when": kind,
        "status": after.get("status") or "pending",
        "hours": "" if hours is None else f"{hours:g}",
        "business": bool(after.get("business")),
        "if": rows_of(rule.get("if") or [], team_names),
        "any": rows_of(rule.get("any") or [], team_names),
        "then": actions_text(rule.get("then") or []),
    }


def actions_text(actions: Sequence[Any]) -> str:
    """Actions as JSON for the textarea: one action a line."""
    if not actions:
        return ""
    lines = ",\n  ".join(json.dumps(a, ensure_ascii=False) for a in actions)
    return f"[\n  {lines}\n]"


def _automation_input() -> tuple[dict[str, Any], dict[str, Any], dict[str, list[str]]]:
    """(what was typed, the rule, problems found here: actions that are not JSON)."""
    form = request.form
    values: dict[str, Any] = {
        "name": form.get("name", ""),
        "enabled": form.get("enabled") == "1",
        "when": form.get("when", ""),
        "status": form.get("status", "pending"),
        "hours": form.get("hours", "").strip(),
        "business": form.get("business") == "1",
        "if": _form_rows("if"),
        "any": _form_rows("any"),
        "then": form.get("then", ""),
    }
    problems: dict[str, list[str]] = {}
    _, team_ids = _teams_by()
    when: dict[str, Any]
    if values["when"] in EVENT_WORDS:
        when = {"event": values["when"]}
    elif values["when"] in ("after_status", "unanswered"):
        hours: Any = values["hours"]  # text the rules refuse stays text
        if _NUMBER.fullmatch(hours.replace(",", ".")):
            hours = float(hours.replace(",", "."))
            hours = int(hours) if hours.is_integer() else hours
        after: dict[str, Any] = {"business": values["business"]}
        if hours != "":
            after["hours"] = hours
        if values["when"] == "unanswered":
            after["unanswered"] = True
        else:
            after["status"] = values["status"]
        when = {"after": after}
    else:
        when = {"event": values["when"]}  # the rules name the events there are
    actions: Any = None
    if values["then"].strip():
        try:
            actions = json.loads(values["then"])
        except json.JSONDecodeError as exc:
            problems["then"] = [f"not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"]
            actions = None  # the rules then refuse the rule with everything else
        if isinstance(actions, dict):
            actions = [actions]  # one action, written without its list
    rule = {
        "name": values["name"],
        "enabled": values["enabled"],
        "when": when,
        "if": conditions_of(values["if"], team_ids),
        "any": conditions_of(values["any"], team_ids),
        "then": actions,
    }
    return values, rule, problems


def _refusal(exc: ValidationFailed, ours: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The service's problems by path, ours (JSON that did not parse) in place of its own."""
    found = {**_messages(exc), **ours}
    return found or {"form": [exc.message]}


def _automation_errors(problems: Mapping[str, list[str]]) -> dict[str, list[str]]:
    """The rule module's problems by form field: ``when.after.hours`` beside the hours,
    ``then[1].team`` beside the actions (with its path), rows under their editors."""
    out: dict[str, list[str]] = {}
    for path, messages in problems.items():
        if path.startswith("then"):
            key, shown = "then", [f"{path}: {m}" if path != "then" else m for m in messages]
        elif path in ("when.after.hours", "when.after.status", "when.after.business"):
            key, shown = path.rsplit(".", 1)[1], list(messages)
        elif path.startswith("when"):
            key, shown = "when", list(messages)
        elif _ROW_PATH.match(path) or path in ("if", "any", "name", "enabled"):
            key, shown = path, list(messages)
        else:
            key, shown = "form", [f"{path}: {m}" for m in messages]
        out.setdefault(key, []).extend(shown)
    return out


def _automation_page(
    values: Mapping[str, Any],
    errors: Mapping[str, list[str]] | None = None,
    status: int = 200,
    automation: Mapping[str, Any] | None = None,
    dry: Mapping[str, Any] | None = None,
) -> tuple[str, int]:
    rt = runtime()
    app_id = guard.app_id()
    errors = errors or {}
    team_names, _ = _teams_by()
    return _page(
        "automation_form.html",
        status,
        tab="automations",
        values=values,
        if_rows=_with_blanks(list(values["if"])) if guard.is_admin() else values["if"],
        any_rows=_with_blanks(list(values["any"])) if guard.is_admin() else values["any"],
        errors=_automation_errors(errors),
        if_errors=row_errors(errors, "if"),
        any_errors=row_errors(errors, "any"),
        automation=automation,
        when_choices=WHEN_CHOICES,
        statuses=rules.AFTER_STATUSES,
        fields=rules.BUILTIN_FIELDS,
        teams=team_names,
        agents=[a["username"] for a in rt.teams.agents(app_id)],
        dry=dry,
    )


@bp.get("/automations/new")
@guard.requires("tickets")
def new_automation() -> tuple[str, int]:
    guard.admin_app(ADMINS_ONLY)
    return _automation_page(_automation_values({"when": {"event": "ticket.created"}}, {}))


@bp.post("/automations")
@guard.requires("tickets")
def create_automation() -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    values, rule, problems = _automation_input()
    try:
        runtime().automations.create(app_id, rule)
    except ValidationFailed as exc:
        return _automation_page(values, _refusal(exc, problems), 422)
    return _done(".automations", "automation_added")


def _dry_run(automation: Mapping[str, Any]) -> dict[str, Any] | None:
    """The dry run the page was asked for (``?ticket=``), in words; None when none was."""
    asked = request.args.get("ticket", "").strip()
    if not asked:
        return None
    found = _TICKET.search(asked)
    ticket = found.group(0) if found else asked
    team_names, _ = _teams_by()
    try:
        result = runtime().lifecycle.dry_run(guard.app_id(), automation["id"], ticket)
    except NotFound:
        return {"ticket": asked, "error": f"There is no ticket {ticket} in this app."}
    except ValidationFailed as exc:
        return {"ticket": asked, "error": f"The rule cannot run as it stands: {exc.message}"}
    changes = [w for w in (change_words(c, team_names) for c in result["changes"]) if w]
    return {"ticket": ticket, "matches": result["matches"], "changes": changes, "error": ""}


@bp.get("/automations/<automation_id>")
@guard.requires("tickets")
def automation(automation_id: str) -> tuple[str, int]:
    """The automation's form (read-only for agents) and its dry run."""
    found = runtime().automations.get(guard.app_id(), automation_id)
    team_names, _ = _teams_by()
    return _automation_page(
        _automation_values(found, team_names), automation=found, dry=_dry_run(found)
    )


@bp.post("/automations/<automation_id>")
@guard.requires("tickets")
def update_automation(automation_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    found = runtime().automations.get(app_id, automation_id)
    values, rule, problems = _automation_input()
    try:
        runtime().automations.update(app_id, automation_id, rule)
    except ValidationFailed as exc:
        return _automation_page(values, _refusal(exc, problems), 422, automation=found)
    return _done(".automations", "automation_saved")


@bp.post("/automations/<automation_id>/switch")
@guard.requires("tickets")
def switch_automation(automation_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    wanted = request.form.get("enabled")
    if wanted not in ("on", "off"):
        abort(400, "Say whether to switch the automation on or off.")
    try:
        runtime().automations.update(app_id, automation_id, {"enabled": wanted == "on"})
    except ValidationFailed as exc:
        return _refused_as_it_stands(runtime().automations.get(app_id, automation_id), exc)
    return _done(".automations", "automation_on" if wanted == "on" else "automation_off")


def _refused_as_it_stands(found: Mapping[str, Any], exc: ValidationFailed) -> tuple[str, int]:
    """A rule that no longer holds (its team was deleted, its agent left): its own page, with
    what is wrong beside it, to fix there."""
    team_names, _ = _teams_by()
    values = _automation_values(found, team_names)
    return _automation_page(values, _messages(exc), 422, automation=found)


@bp.post("/automations/<automation_id>/move")
@guard.requires("tickets")
def move_automation(automation_id: str) -> BaseResponse | tuple[str, int]:
    app_id = guard.admin_app(ADMINS_ONLY)
    rt = runtime()
    found = rt.automations.get(app_id, automation_id)
    # enabled as the list shows it: the rule's own copy says on for a rule the server
    # switched off (its team deleted), and an update without it would switch it back on
    changes = {"position": _moved(found["position"]), "enabled": found["enabled"]}
    try:
        rt.automations.update(app_id, automation_id, changes)
    except ValidationFailed as exc:
        return _refused_as_it_stands(found, exc)
    return _done(".automations", "automation_moved")


@bp.post("/automations/<automation_id>/delete")
@guard.requires("tickets")
def delete_automation(automation_id: str) -> BaseResponse:
    runtime().automations.delete(guard.admin_app(ADMINS_ONLY), automation_id)
    return _done(".automations", "automation_deleted")
