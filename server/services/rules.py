"""Automation rules and SLA conditions: what an admin may write, whether it fits a ticket, and
what it would change. Pure: no database, no Flask; the rule service stores rules and runs them.

A rule says *when* it runs, *if* what holds, and *then* what to do::

    {"name": "Billing to the billing team",
     "when": {"event": "ticket.created"},
     "if": [{"field": "context_key", "op": "starts_with", "value": "billing."},
            {"field": "traits.plan", "op": "in", "value": ["pro", "enterprise"]}],
     "then": [{"action": "assign_team", "team": "team_billing"},
              {"action": "set", "field": "priority", "value": "high"}]}

reads "when a ticket is filed from a billing page of the app by a pro or enterprise customer,
give it to the billing team at high priority".

*When* is an event (``ticket.created``, ``ticket.updated``, ``message.created``) or a time
(``{"after": {"status": "pending", "hours": 72}}``: the ticket has been pending for 72 hours;
``{"after": {"unanswered": true, "hours": 4, "business": true}}``: no agent has answered the
customer's last message for 4 business hours). *If* is a list of conditions that must all hold,
and ``any`` an optional list of which at least one must. A condition names a field of the
ticket (``status``, ``subject``, ``url``, ``traits.plan``, ``fields.order_id``, ...), an
operator and a value; text compares without regard to case, ``app_version`` compares as a
version ("2.10.0" is after "2.9.1"), and a field the ticket lacks matches only the negative
operators (``is_not``, ``not_in``, ``not_contains``, ``is_not_set``). *Then* is 1 to 10 actions,
run in order, each seeing what the ones before it did.

:func:`validate_rule` turns what an admin sent into a :class:`Rule`, or raises
:class:`~support_server.errors.ValidationFailed` naming every problem by its path
(``if[0].op``, ``then[2].team``); :func:`validate_conditions` does the same for the conditions
of an SLA policy. :func:`matches` evaluates, :func:`plan` lists the changes a rule's actions
would make (what a dry run shows and what running applies), :func:`apply` makes them on a
ticket view, and :func:`run_chain` runs the event rules for one event, letting the changes of one
rule trigger the ``ticket.updated`` rules, each rule at most once, and reporting rules that undo
each other ("loop: A → B → A on priority").
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from ..errors import ValidationFailed

# The same as services.tickets (a test holds them equal); not imported, to keep this module pure.
STATUSES = ("new", "open", "pending", "solved", "closed")
PRIORITIES = ("low", "normal", "high", "urgent")

EVENTS = ("ticket.created", "ticket.updated", "message.created")
UPDATED = "ticket.updated"
AFTER_STATUSES = ("new", "open", "pending", "solved")
NOTIFY_TARGETS = ("assignee", "team", "admins")
SETTABLE = ("priority", "status", "assignee")

MAX_NAME = 120
MAX_CONDITIONS = 20
MAX_ACTIONS = 10
MAX_TAGS = 20
MAX_LIST = 100
MAX_TEXT = 500
MAX_MESSAGE = 500
MAX_PATTERN = 200
MAX_VERSION = 64
MAX_SOURCE = 64
MAX_HOURS = 8760

TAG = re.compile(r"^[a-z0-9_.:-]{1,50}$")
TRAIT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")
_NUMBER = re.compile(r"^\s*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\s*$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_VERSION_PART = re.compile(r"[0-9]+|[A-Za-z]+")

EQUALITY = ("is", "is_not", "in", "not_in")
TEXTUAL = ("starts_with", "ends_with", "contains", "not_contains", "matches")
ORDERED = ("gt", "gte", "lt", "lte")
PRESENCE = ("is_set", "is_not_set")
OPERATORS = (*EQUALITY, *TEXTUAL, *ORDERED, *PRESENCE)
# What a missing value matches (and nothing else).
NEGATIVE = frozenset({"is_not", "not_in", "not_contains", "is_not_set"})

# Condition fields of the ticket itself -> their kind (traits.<name> and fields.<key> aside).
BUILTIN_FIELDS: Mapping[str, str] = MappingProxyType(
    {
        "status": "status",
        "priority": "priority",
        "source": "source",
        "subject": "text",
        "body": "text",
        "requester.email": "text",
        "requester.name": "text",
        "context_key": "text",
        "url": "text",
        "app_version": "version",
        "locale": "text",
        "assignee": "assignee",
        "team": "team",
        "tags": "tags",
    }
)
CONTEXT_FIELDS = frozenset({"context_key", "url", "app_version", "locale"})
# A custom field's type -> its kind; a type not listed here compares like a trait ("any").
CUSTOM_KINDS: Mapping[str, str] = MappingProxyType(
    {"text": "text", "number": "number", "select": "select", "checkbox": "checkbox", "date": "date"}
)

OPS_BY_KIND: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "status": (*EQUALITY, *PRESENCE),
        "priority": (*EQUALITY, *ORDERED, *PRESENCE),  # ordered low < normal < high < urgent
        "source": (*EQUALITY, *PRESENCE),
        "text": (*EQUALITY, *TEXTUAL, *PRESENCE),
        "version": (*EQUALITY, *TEXTUAL, *ORDERED, *PRESENCE),
        "assignee": (*EQUALITY, *TEXTUAL, *PRESENCE),
        "team": (*EQUALITY, *PRESENCE),
        "tags": ("contains", "not_contains", "in", "not_in", *PRESENCE),
        "trait": (*EQUALITY, *TEXTUAL, *ORDERED, *PRESENCE),
        "any": (*EQUALITY, *TEXTUAL, *ORDERED, *PRESENCE),
        "number": (*EQUALITY, *ORDERED, *PRESENCE),
        "select": (*EQUALITY, *PRESENCE),
        "checkbox": ("is", "is_not", *PRESENCE),
        "date": (*EQUALITY, *ORDERED, *PRESENCE),
    }
)
KIND_LABELS: Mapping[str, str] = MappingProxyType(
    {
        "status": "a status",
        "priority": "a priority",
        "source": "a source",
        "text": "text",
        "version": "a version",
        "assignee": "an agent's username",
        "team": "a team",
        "tags": "a list of tags",
        "trait": "a trait",
        "any": "a custom field",
        "number": "a number field",
        "select": "a select field",
        "checkbox": "a checkbox field",
        "date": "a date field",
    }
)
# Kinds whose values are text once read (compared case-insensitively).
_TEXT_KINDS = frozenset(
    {"status", "priority", "source", "text", "version", "assignee", "team", "select"}
)
_NULLABLE = frozenset({"assignee", "team"})  # `is null` / `is_not null` allowed

RULE_KEYS = ("name", "enabled", "when", "if", "any", "then")
AFTER_KEYS = ("status", "unanswered", "hours", "business")
# action -> (required keys, optional keys)
ACTIONS: Mapping[str, tuple[tuple[str, ...], tuple[str, ...]]] = MappingProxyType(
    {
        "set": (("field", "value"), ()),
        "add_tags": (("tags",), ()),
        "remove_tags": (("tags",), ()),
        "assign_team": (("team",), ()),
        "assign": (("agent",), ()),
        "notify": (("to", "message"), ()),
        "reply": (("macro",), ()),
        "remind_customer": ((), ()),
        "set_status": (("value",), ()),
        "escalate": ((), ("priority",)),
    }
)
# The ticket fields plan() may change.
CHANGEABLE = ("status", "priority", "assignee", "team", "tags")


# -- the model -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Condition:
    """``field op value``. ``kind`` (how the field's values compare) follows from the field,
    except for ``fields.<key>``, whose type the validator knows; a regular expression is
    compiled once, here."""

    field: str
    op: str
    value: Any = None
    kind: str = dataclasses.field(default="", compare=False, repr=False)
    pattern: re.Pattern[str] | None = dataclasses.field(
        default=None, init=False, compare=False, repr=False
    )

    def __post_init__(self) -> None:
        if not self.kind:
            object.__setattr__(self, "kind", _kind_of(self.field))
        if self.op == "matches" and isinstance(self.value, str):
            object.__setattr__(self, "pattern", re.compile(self.value, re.IGNORECASE))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"field": self.field, "op": self.op}
        if self.op not in PRESENCE:
            out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        return out


def condition_json(condition: Condition) -> dict[str, Any]:
    """A condition as :func:`validate_conditions` takes it (what an SLA policy stores)."""
    return condition.to_json()


def condition_from_json(data: Mapping[str, Any]) -> Condition:
    """A condition stored by :func:`condition_json`, trusted (validated when it was saved).

    Without the vocabulary the type of a ``fields.<key>`` field is unknown, so such a condition
    compares like a trait (numbers as numbers, ISO dates as dates, text without case);
    :func:`validate_conditions` gives the exact comparison."""
    value = data.get("value")
    return Condition(
        str(data["field"]), str(data["op"]), tuple(value) if isinstance(value, list) else value
    )


@dataclass(frozen=True)
class Rule:
    name: str
    enabled: bool
    event: str | None
    after: dict[str, Any] | None
    all: tuple[Condition, ...]
    any: tuple[Condition, ...]
    actions: tuple[dict[str, Any], ...]

    @property
    def timed(self) -> bool:
        """A time rule (``when.after``), run by the scheduler rather than by an event."""
        return self.after is not None

    def to_json(self) -> dict[str, Any]:
        """The shape :func:`validate_rule` takes, normalised: ``validate_rule(r.to_json())``
        gives ``r`` again."""
        when: dict[str, Any] = (
            {"event": self.event} if self.event is not None else {"after": dict(self.after or {})}
        )
        return {
            "name": self.name,
            "enabled": self.enabled,
            "when": when,
            "if": [c.to_json() for c in self.all],
            "any": [c.to_json() for c in self.any],
            "then": [copy.deepcopy(a) for a in self.actions],
        }


@dataclass(frozen=True)
class Vocabulary:
    """What exists in the app, for validation: team public ids, staff usernames, macro public
    ids, and the custom fields (key -> ``{"type": ..., "options": [...]}``; options are strings
    or ``{"value": ...}`` objects)."""

    teams: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    macros: frozenset[str] = frozenset()
    fields: Mapping[str, Mapping[str, Any]] = dataclasses.field(default_factory=dict)


# -- validation ------------------------------------------------------------------------------
class _Problems:
    """Every problem found, by path, for one ValidationFailed."""

    def __init__(self) -> None:
        self.details: dict[str, list[str]] = {}

    def add(self, path: str, message: str) -> None:
        self.details.setdefault(path, []).append(message)

    def count(self) -> int:
        return sum(len(messages) for messages in self.details.values())

    def raise_if_any(self, what: str) -> None:
        if not self.details:
            return
        path, messages = next(iter(self.details.items()))
        more = self.count() - 1
        tail = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        raise ValidationFailed(f"{what}: {path}: {messages[0]}{tail}", details=self.details)


def validate_rule(data: Any, vocabulary: Vocabulary) -> Rule:
    """The rule ``data`` describes, normalised, or ValidationFailed naming every problem."""
    if not isinstance(data, Mapping):
        raise ValidationFailed("a rule is an object", details={"rule": ["must be an object"]})
    problems = _Problems()
    for key in data:
        if key not in RULE_KEYS:
            problems.add(str(key), f"unknown key (a rule has {', '.join(RULE_KEYS)})")
    name = _rule_name(data.get("name"), problems)
    enabled = data.get("enabled", True)
    if not isinstance(enabled, bool):
        problems.add("enabled", "must be true or false")
        enabled = True
    when = data.get("when")
    event, after = _when(when, problems)
    timed = isinstance(when, Mapping) and "after" in when
    all_ = _conditions(data.get("if"), vocabulary, "if", problems)
    any_ = _conditions(data.get("any"), vocabulary, "any", problems)
    actions = _actions(data.get("then"), vocabulary, timed, problems)
    problems.raise_if_any("the rule is not valid")
    return Rule(name, enabled, event, after, all_, any_, actions)


def validate_conditions(
    data: Any, vocabulary: Vocabulary, path: str = "if"
) -> tuple[Condition, ...]:
    """A list of conditions (as in a rule's ``if``; SLA policies reuse them), problems named
    under ``path`` (``if[0].op``). ``None`` is no conditions."""
    problems = _Problems()
    conditions = _conditions(data, vocabulary, path, problems)
    problems.raise_if_any("the conditions are not valid")
    return conditions


def _rule_name(raw: Any, problems: _Problems) -> str:
    if raw is None:
        problems.add("name", "required")
        return ""
    if not isinstance(raw, str):
        problems.add("name", "must be text")
        return ""
    name = raw.strip()
    if not 1 <= len(name) <= MAX_NAME:
        problems.add("name", f"1 to {MAX_NAME} characters")
    return name


def _when(raw: Any, problems: _Problems) -> tuple[str | None, dict[str, Any] | None]:
    if raw is None:
        problems.add("when", 'required: {"event": ...} or {"after": {...}}')
        return None, None
    if not isinstance(raw, Mapping):
        problems.add("when", 'must be an object: {"event": ...} or {"after": {...}}')
        return None, None
    for key in raw:
        if key not in ("event", "after"):
            problems.add(f"when.{key}", "unknown key (event or after)")
    if "event" in raw and "after" in raw:
        problems.add("when", "give either event or after, not both")
        return None, None
    if "event" in raw:
        event = raw["event"]
        if not isinstance(event, str) or event not in EVENTS:
            problems.add("when.event", f"unknown event {event!r} ({', '.join(EVENTS)})")
            return None, None
        return event, None
    if "after" in raw:
        return None, _after(raw["after"], problems)
    problems.add("when", "give event or after")
    return None, None


def _after(raw: Any, problems: _Problems) -> dict[str, Any] | None:
    path = "when.after"
    if not isinstance(raw, Mapping):
        problems.add(path, 'must be an object: {"status": "pending", "hours": 72}')
        return None
    before = problems.count()
    for key in raw:
        if key not in AFTER_KEYS:
            problems.add(f"{path}.{key}", f"unknown key ({', '.join(AFTER_KEYS)})")
    after: dict[str, Any] = {}
    if "status" in raw and "unanswered" in raw:
        problems.add(path, "give status or unanswered, not both")
    elif "status" in raw:
        status = raw["status"]
        status = status.strip().lower() if isinstance(status, str) else status
        if status not in AFTER_STATUSES:
            problems.add(
                f"{path}.status",
                f"a time rule counts from {', '.join(AFTER_STATUSES)}, not {raw['status']!r}",
            )
        after["status"] = status
    elif "unanswered" in raw:
        if raw["unanswered"] is not True:
            problems.add(f"{path}.unanswered", "must be true")
        after["unanswered"] = True
    else:
        problems.add(path, "give status (time in that status) or unanswered: true")
    hours: Any = raw.get("hours")
    if "hours" not in raw:
        problems.add(f"{path}.hours", "required")
    elif not _is_number(hours):
        problems.add(f"{path}.hours", "must be a number of hours")
    elif not 0 < hours <= MAX_HOURS:
        problems.add(f"{path}.hours", f"more than 0 and at most {MAX_HOURS} (a year)")
    after["hours"] = hours
    business = raw.get("business", False)
    if not isinstance(business, bool):
        problems.add(f"{path}.business", "must be true or false")
    after["business"] = business
    return after if problems.count() == before else None


def _conditions(
    raw: Any, vocabulary: Vocabulary, path: str, problems: _Problems
) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        problems.add(path, "must be a list of conditions")
        return ()
    if len(raw) > MAX_CONDITIONS:
        problems.add(path, f"at most {MAX_CONDITIONS} conditions")
    out = []
    for i, item in enumerate(raw):
        condition = _condition(item, vocabulary, f"{path}[{i}]", problems)
        if condition is not None:
            out.append(condition)
    return tuple(out)


def _resolve(name: str, vocabulary: Vocabulary) -> tuple[str, tuple[str, ...] | None] | str:
    """(kind, select options or None) of a condition field, or what is wrong with it."""
    if name in BUILTIN_FIELDS:
        return BUILTIN_FIELDS[name], None
    if name.startswith("traits."):
        trait = name[len("traits.") :]
        if not TRAIT_NAME.match(trait):
            return "a trait name is 1 to 64 characters of A-Z, a-z, 0-9, _ . -"
        return "trait", None
    if name.startswith("fields."):
        key = name[len("fields.") :]
        spec = vocabulary.fields.get(key)
        if spec is None:
            return f"no such custom field: {key!r}"
        kind = CUSTOM_KINDS.get(str(spec.get("type")), "any")
        return kind, _options(spec) if kind == "select" else None
    return f"unknown field {name!r} ({', '.join(BUILTIN_FIELDS)}, traits.<name> or fields.<key>)"


def _options(spec: Mapping[str, Any]) -> tuple[str, ...] | None:
    raw = spec.get("options")
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return None
    out = []
    for option in raw:
        if isinstance(option, str):
            out.append(option)
        elif isinstance(option, Mapping) and isinstance(option.get("value"), str):
            out.append(option["value"])
    return tuple(out) or None


def _condition(
    item: Any, vocabulary: Vocabulary, path: str, problems: _Problems
) -> Condition | None:
    if not isinstance(item, Mapping):
        problems.add(path, "must be an object with field, op and value")
        return None
    before = problems.count()
    for key in item:
        if key not in ("field", "op", "value"):
            problems.add(f"{path}.{key}", "unknown key (field, op, value)")
    name, op = item.get("field"), item.get("op")
    resolved: tuple[str, tuple[str, ...] | None] | None = None
    if name is None:
        problems.add(f"{path}.field", "required")
    elif not isinstance(name, str):
        problems.add(f"{path}.field", "must be text")
    else:
        found = _resolve(name, vocabulary)
        if isinstance(found, str):
            problems.add(f"{path}.field", found)
        else:
            resolved = found
    if op is None:
        problems.add(f"{path}.op", "required")
        return None
    if not isinstance(op, str) or op not in OPERATORS:
        problems.add(f"{path}.op", f"unknown operator {op!r} ({', '.join(OPERATORS)})")
        return None
    if resolved is None or not isinstance(name, str):
        return None
    kind, options = resolved
    if op not in OPS_BY_KIND[kind]:
        problems.add(
            f"{path}.op",
            f"{op} does not apply to {name} ({KIND_LABELS[kind]}); use one of "
            + ", ".join(OPS_BY_KIND[kind]),
        )
        return None
    checker = _ValueChecker(kind, name, options, vocabulary, problems)
    value = checker.value(op, item, f"{path}.value")
    if problems.count() != before:
        return None
    return Condition(name, op, value, kind)


class _ValueChecker:
    """A condition's value, checked for its field and operator, and normalised."""

    def __init__(
        self,
        kind: str,
        name: str,
        options: tuple[str, ...] | None,
        vocabulary: Vocabulary,
        problems: _Problems,
    ) -> None:
        self.kind, self.name, self.options = kind, name, options
        self.vocabulary, self.problems = vocabulary, problems

    def bad(self, path: str, message: str) -> None:
        self.problems.add(path, message)

    def value(self, op: str, item: Mapping[str, Any], path: str) -> Any:
        raw = item.get("value")
        if op in PRESENCE:
            if raw is not None:
                self.bad(path, f"{op} takes no value")
            return None
        if "value" not in item:
            self.bad(path, "required")
            return None
        if op in ("in", "not_in"):
            if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_LIST:
                self.bad(path, f"must be a list of 1 to {MAX_LIST} values")
                return None
            values = [self.scalar(v, f"{path}[{i}]") for i, v in enumerate(raw)]
            return tuple(dict.fromkeys(values))
        if op in ("is", "is_not"):
            if raw is None and self.kind in _NULLABLE:
                return None
            return self.scalar(raw, path)
        if op in ORDERED:
            return self.ordered(raw, path)
        if op == "matches":
            return self.pattern(raw, path)
        if self.kind == "tags":
            return self.scalar(raw, path)
        if not isinstance(raw, str) or not raw:
            self.bad(path, "must be text")
            return None
        if len(raw) > MAX_TEXT:
            self.bad(path, f"at most {MAX_TEXT} characters")
        return raw

    def scalar(self, raw: Any, path: str) -> Any:
        kind = self.kind
        if kind in ("status", "priority"):
            allowed = STATUSES if kind == "status" else PRIORITIES
            value = raw.strip().lower() if isinstance(raw, str) else raw
            if value not in allowed:
                self.bad(path, f"not a {kind}: {raw!r} ({', '.join(allowed)})")
            return value
        if kind == "source":
            if not isinstance(raw, str) or not 1 <= len(raw.strip()) <= MAX_SOURCE:
                self.bad(path, f"a source is 1 to {MAX_SOURCE} characters of text")
                return raw
            return raw.strip().lower()
        if kind == "team":
            if not isinstance(raw, str) or raw not in self.vocabulary.teams:
                self.bad(path, f"no such team: {raw!r}")
            return raw
        if kind == "tags":
            return _tag(raw, path, self.problems)
        if kind == "number":
            if not _is_number(raw):
                self.bad(path, "must be a number")
            return raw
        if kind == "checkbox":
            if not isinstance(raw, bool):
                self.bad(path, "must be true or false")
            return raw
        if kind == "date":
            return self.date(raw, path)
        if kind == "select":
            return self.option(raw, path)
        if kind in ("trait", "any") and (isinstance(raw, bool) or _is_number(raw)):
            return raw
        if not isinstance(raw, str) or not raw:
            loose = kind in ("trait", "any")
            self.bad(path, "must be text, a number or true/false" if loose else "must be text")
            return raw
        if len(raw) > MAX_TEXT:
            self.bad(path, f"at most {MAX_TEXT} characters")
        return raw

    def option(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, str) or not raw:
            self.bad(path, "must be text")
            return raw
        if self.options is None:
            return raw
        for option in self.options:
            if option.casefold() == raw.casefold():
                return option
        self.bad(path, f"not an option of {self.name}: {raw!r} ({', '.join(self.options)})")
        return raw

    def date(self, raw: Any, path: str) -> Any:
        if isinstance(raw, str) and _ISO_DATE.match(raw):
            try:
                dt.date.fromisoformat(raw)
            except ValueError:
                pass
            else:
                return raw
        self.bad(path, "must be a date such as 2024-05-31")
        return raw

    def ordered(self, raw: Any, path: str) -> Any:
        kind = self.kind
        if kind == "priority":
            return self.scalar(raw, path)
        if kind == "date":
            return self.date(raw, path)
        if kind == "version":
            if (
                not isinstance(raw, str)
                or not 1 <= len(raw) <= MAX_VERSION
                or not any(c.isascii() and c.isdigit() for c in raw)
            ):
                self.bad(path, "must be a version such as 2.10.1")
            return raw
        if not _is_number(raw):
            self.bad(path, "must be a number")
        return raw

    def pattern(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, str) or not raw:
            self.bad(path, "must be a regular expression")
            return raw
        if len(raw) > MAX_PATTERN:
            self.bad(path, f"a pattern is at most {MAX_PATTERN} characters")
            return raw
        try:
            re.compile(raw, re.IGNORECASE)
        except (re.error, OverflowError, RecursionError, ValueError) as exc:
            self.bad(path, f"not a regular expression: {exc}")
            return raw
        if _catastrophic(raw):
            self.bad(
                path,
                "a repeated group that is itself only repetition, such as (a+)+ or (\\w+\\s*)*,"
                " can take exponential time; anchor it with something fixed",
            )
        return raw


def _actions(
    raw: Any, vocabulary: Vocabulary, timed: bool, problems: _Problems
) -> tuple[dict[str, Any], ...]:
    if raw is None:
        problems.add("then", f"required: 1 to {MAX_ACTIONS} actions")
        return ()
    if not isinstance(raw, list):
        problems.add("then", "must be a list of actions")
        return ()
    if not 1 <= len(raw) <= MAX_ACTIONS:
        problems.add("then", f"give 1 to {MAX_ACTIONS} actions")
    out = []
    for i, item in enumerate(raw):
        action = _action(item, vocabulary, timed, f"then[{i}]", problems)
        if action is not None:
            out.append(action)
    return tuple(out)


def _action(
    item: Any, vocabulary: Vocabulary, timed: bool, path: str, problems: _Problems
) -> dict[str, Any] | None:
    if not isinstance(item, Mapping):
        problems.add(path, "must be an object with an action")
        return None
    name = item.get("action")
    if name is None:
        problems.add(f"{path}.action", "required")
        return None
    if not isinstance(name, str) or name not in ACTIONS:
        problems.add(f"{path}.action", f"unknown action {name!r} ({', '.join(ACTIONS)})")
        return None
    before = problems.count()
    required, optional = ACTIONS[name]
    for key in item:
        if key != "action" and key not in required and key not in optional:
            expected = ", ".join(("action", *required, *optional))
            problems.add(f"{path}.{key}", f"unknown key for {name} (it takes {expected})")
    for key in required:
        if key not in item:
            problems.add(f"{path}.{key}", "required")
    if problems.count() != before:
        return None
    out: dict[str, Any] = {"action": name}
    if name == "set":
        field, value = item["field"], item["value"]
        if field not in SETTABLE:
            problems.add(
                f"{path}.field",
                f"set changes {', '.join(SETTABLE)} (assign_team sets the team,"
                " add_tags and remove_tags the tags)",
            )
        elif field == "assignee":
            if value is not None and not _agent(value, vocabulary):
                problems.add(f"{path}.value", f"no such agent: {value!r} (or null to unassign)")
        else:
            value = _enum(
                value,
                STATUSES if field == "status" else PRIORITIES,
                field,
                f"{path}.value",
                problems,
            )
        out.update(field=field, value=value)
    elif name == "set_status":
        out["value"] = _enum(item["value"], STATUSES, "status", f"{path}.value", problems)
    elif name in ("add_tags", "remove_tags"):
        out["tags"] = _tags(item["tags"], f"{path}.tags", problems)
    elif name == "assign_team":
        team = item["team"]
        if not isinstance(team, str) or team not in vocabulary.teams:
            problems.add(f"{path}.team", f"no such team: {team!r}")
        out["team"] = team
    elif name == "assign":
        agent = item["agent"]
        if not _agent(agent, vocabulary):
            problems.add(f"{path}.agent", f"no such agent: {agent!r}")
        out["agent"] = agent
    elif name == "notify":
        out["to"] = _notify_target(item["to"], vocabulary, f"{path}.to", problems)
        message = item["message"]
        if not isinstance(message, str) or not 1 <= len(message.strip()) <= MAX_MESSAGE:
            problems.add(f"{path}.message", f"1 to {MAX_MESSAGE} characters of text")
        else:
            message = message.strip()
        out["message"] = message
    elif name == "reply":
        macro = item["macro"]
        if not isinstance(macro, str) or macro not in vocabulary.macros:
            problems.add(f"{path}.macro", f"no such macro: {macro!r}")
        out["macro"] = macro
    elif name == "remind_customer":
        if not timed:
            problems.add(f"{path}.action", "remind_customer runs only in time rules (when.after)")
    elif name == "escalate" and "priority" in item:
        priority = _enum(item["priority"], PRIORITIES, "priority", f"{path}.priority", problems)
        if priority == PRIORITIES[0]:
            problems.add(
                f"{path}.priority", "escalating raises the priority: normal, high or urgent"
            )
        out["priority"] = priority
    return out if problems.count() == before else None


def _enum(raw: Any, allowed: tuple[str, ...], what: str, path: str, problems: _Problems) -> Any:
    value = raw.strip().lower() if isinstance(raw, str) else raw
    if value not in allowed:
        problems.add(path, f"not a {what}: {raw!r} ({', '.join(allowed)})")
    return value


def _agent(raw: Any, vocabulary: Vocabulary) -> bool:
    return isinstance(raw, str) and raw in vocabulary.agents


def _notify_target(raw: Any, vocabulary: Vocabulary, path: str, problems: _Problems) -> Any:
    if isinstance(raw, str) and raw in NOTIFY_TARGETS:
        return raw
    if isinstance(raw, str) and raw.startswith("agent:"):
        if not _agent(raw[len("agent:") :], vocabulary):
            problems.add(path, f"no such agent: {raw[len('agent:') :]!r}")
        return raw
    problems.add(path, f"notify {', '.join(NOTIFY_TARGETS)} or agent:<username>, not {raw!r}")
    return raw


def _tag(raw: Any, path: str, problems: _Problems) -> Any:
    tag = raw.strip().lower() if isinstance(raw, str) else raw
    if not isinstance(tag, str) or not TAG.match(tag):
        problems.add(path, f"not a tag: {raw!r} (1 to 50 characters of a-z, 0-9, _ . : -)")
        return raw
    return tag


def _tags(raw: Any, path: str, problems: _Problems) -> list[Any]:
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_TAGS:
        problems.add(path, f"must be a list of 1 to {MAX_TAGS} tags")
        return []
    return list(dict.fromkeys(_tag(t, f"{path}[{i}]", problems) for i, t in enumerate(raw)))


def _is_number(raw: Any) -> bool:
    return isinstance(raw, (int, float)) and not isinstance(raw, bool) and math.isfinite(raw)


# -- regular expressions that backtrack exponentially ----------------------------------------
@dataclass
class _Group:
    """One group being scanned: whether its current branch repeats something and whether it
    holds anything fixed; ``risky`` once some branch repeated with nothing fixed."""

    zero_width: bool = False
    rep: bool = False
    fixed: bool = False
    risky: bool = False
    all_fixed: bool = True

    def end_branch(self) -> None:
        if self.rep and not self.fixed:
            self.risky = True
        if not self.fixed:
            self.all_fixed = False
        self.rep = self.fixed = False


_BRACE = re.compile(r"\{(\d*)(,?)(\d*)\}")


def _catastrophic(pattern: str) -> bool:
    """Whether a (compilable) pattern repeats a group whose body is only repetition, as in
    ``(a+)+``, ``(\\w+\\s*)*`` or ``(x|a*)+``: the shape that backtracks exponentially on a near
    miss. ``(\\d+\\.)+`` is fine (each round must match a dot). A heuristic, not a proof."""
    stack = [_Group()]
    i, n = 0, len(pattern)
    while i < n:
        ch = pattern[i]
        atom = "fixed"
        closed: _Group | None = None
        if ch == "\\":
            atom = "zero" if pattern[i + 1 : i + 2] in ("b", "B", "A", "Z") else "fixed"
            i += 2
        elif ch == "[":
            i = _class_end(pattern, i)
        elif ch == "(":
            i, opened = _open_group(pattern, i)
            if isinstance(opened, _Group):
                stack.append(opened)
                continue
            atom = opened
        elif ch == ")":
            if len(stack) == 1:
                return False
            closed = stack.pop()
            closed.end_branch()
            i += 1
        elif ch == "|":
            stack[-1].end_branch()
            i += 1
            continue
        else:
            atom = "zero" if ch in "^$" else "fixed"
            i += 1
        quantifier, i = _quantifier(pattern, i)
        top = stack[-1]
        if closed is not None:
            if closed.zero_width:
                continue
            if quantifier == "rep":
                if closed.risky:
                    return True
                top.rep = True
            elif quantifier == "":
                if closed.risky:
                    top.rep = True
                elif closed.all_fixed:
                    top.fixed = True
        elif atom == "fixed":
            if quantifier == "rep":
                top.rep = True
            elif quantifier == "":
                top.fixed = True
    return False


def _class_end(pattern: str, i: int) -> int:
    j = i + 1
    if pattern[j : j + 1] == "^":
        j += 1
    if pattern[j : j + 1] == "]":
        j += 1
    while j < len(pattern) and pattern[j] != "]":
        j += 2 if pattern[j] == "\\" else 1
    return j + 1


def _open_group(pattern: str, i: int) -> tuple[int, _Group | str]:
    """Past the opening of a group: a new group, or "fixed"/"zero" for a construct that is a
    whole atom (a named backreference, a comment, inline flags)."""
    if not pattern.startswith("(?", i):
        return i + 1, _Group()
    j = i + 2
    c = pattern[j : j + 1]
    if c in ("=", "!"):
        return j + 1, _Group(zero_width=True)
    if c == "<" and pattern[j + 1 : j + 2] in ("=", "!"):
        return j + 2, _Group(zero_width=True)
    if (c == "P" and pattern[j + 1 : j + 2] == "=") or c == "#":
        end = pattern.find(")", j)
        return (end + 1 if end >= 0 else len(pattern)), "fixed" if c == "P" else "zero"
    if c in ("<", "P"):
        end = pattern.find(">", j)
        return (end + 1 if end >= 0 else len(pattern)), _Group()
    if c == "(":
        end = pattern.find(")", j)
        return (end + 1 if end >= 0 else len(pattern)), _Group()
    if c in (":", ">"):
        return j + 1, _Group()
    k = j
    while k < len(pattern) and (pattern[k].isalpha() or pattern[k] == "-"):
        k += 1
    if pattern[k : k + 1] == ")":
        return k + 1, "zero"
    return k + 1, _Group()


def _quantifier(pattern: str, i: int) -> tuple[str, int]:
    """("rep" for repetition, "opt" for at most once, "" for none) and the index past it."""
    c = pattern[i : i + 1]
    if c in ("*", "+"):
        kind, i = "rep", i + 1
    elif c == "?":
        kind, i = "opt", i + 1
    elif c == "{" and (m := _BRACE.match(pattern, i)) and (m.group(1) or m.group(2)):
        low, comma, high = m.groups()
        if comma:
            kind = "rep" if not high or int(high) >= 2 else "opt"
        else:
            kind = "opt" if int(low) == 0 else ""
        i = m.end()
    else:
        return "", i
    if pattern[i : i + 1] in ("?", "+"):  # lazy or possessive
        i += 1
    return kind, i


# -- evaluation ------------------------------------------------------------------------------
def _kind_of(name: str) -> str:
    if name in BUILTIN_FIELDS:
        return BUILTIN_FIELDS[name]
    return "trait" if name.startswith("traits.") else "any"


def matches(rule_or_conditions: Rule | Sequence[Condition], ticket: Mapping[str, Any]) -> bool:
    """Whether a rule's conditions hold for ``ticket``: all of ``all`` and, if ``any`` is not
    empty, at least one of it. A sequence of conditions must all hold. ``enabled`` is not
    looked at (the caller chooses which rules to try)."""
    if isinstance(rule_or_conditions, Rule):
        rule = rule_or_conditions
        return all(_holds(c, ticket) for c in rule.all) and (
            not rule.any or any(_holds(c, ticket) for c in rule.any)
        )
    return all(_holds(c, ticket) for c in rule_or_conditions)


def _read(name: str, ticket: Mapping[str, Any]) -> Any:
    if name.startswith("requester."):
        return _inner(ticket, "requester", name[len("requester.") :])
    if name in CONTEXT_FIELDS:
        return _inner(ticket, "context", name)
    if name.startswith("traits."):
        return _inner(ticket, "traits", name[len("traits.") :])
    if name.startswith("fields."):
        return _inner(ticket, "fields", name[len("fields.") :])
    return ticket.get(name)


def _inner(ticket: Mapping[str, Any], outer: str, key: str) -> Any:
    found = ticket.get(outer)
    return found.get(key) if isinstance(found, Mapping) else None


def _text(raw: Any) -> str | None:
    if isinstance(raw, str):
        return raw
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if _is_number(raw):
        return str(raw)
    return None


def _number(raw: Any) -> int | float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw
    if isinstance(raw, float):
        return raw if math.isfinite(raw) else None
    if isinstance(raw, str) and _NUMBER.match(raw):
        try:
            return int(raw)
        except ValueError:
            number = float(raw)
            return number if math.isfinite(number) else None
    return None


def _boolish(raw: Any) -> bool | None:
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, str) and raw.strip().casefold() in ("true", "false"):
        return raw.strip().casefold() == "true"
    return None


def _date(raw: Any) -> dt.date | None:
    if isinstance(raw, dt.datetime):
        return raw.date()
    if isinstance(raw, dt.date):
        return raw
    if isinstance(raw, str) and _ISO_DATE.match(raw[:10]):
        try:
            return dt.date.fromisoformat(raw[:10])
        except ValueError:
            return None
    return None


def _present(kind: str, raw: Any) -> Any:
    """The ticket's value as ``kind`` compares it, or None when it is missing (absent, empty
    text, or not of the kind)."""
    if kind in _TEXT_KINDS:
        return _text(raw) or None
    if kind == "number":
        return _number(raw)
    if kind == "checkbox":
        return _boolish(raw)
    if kind == "date":
        return _date(raw)
    if raw == "" or not (isinstance(raw, (str, bool)) or _is_number(raw)):
        return None
    return raw


def version_key(text: str) -> tuple[tuple[int, int, str], ...]:
    """A version as something to compare: runs of digits compare as numbers, runs of letters
    as (case-insensitive) text after any number, other characters separate; trailing zeros are
    dropped, so "2.10" equals "2.10.0" and "2.10.0" is after "2.9.1"; a leading "v" ("v2.1")
    is not part of the version."""
    text = text.strip()
    if text[:1] in ("v", "V") and text[1:2].isdigit():
        text = text[1:]
    key = [
        (0, int(part), "") if part.isdigit() else (1, 0, part.casefold())
        for part in _VERSION_PART.findall(text)
    ]
    while key and key[-1] == (0, 0, ""):
        key.pop()
    return tuple(key)


def _loose_equal(actual: Any, value: Any) -> bool:
    """Equality of trait values, whose types the app's backend chose: true equals "true", 42
    equals "42", text equals text whatever its case."""
    if isinstance(actual, bool) or isinstance(value, bool):
        left = _boolish(actual)
        return left is not None and left == _boolish(value)
    if _is_number(actual) or _is_number(value):
        left_n, right_n = _number(actual), _number(value)
        return left_n is not None and left_n == right_n
    return str(actual).casefold() == str(value).casefold()


def _equal(kind: str, actual: Any, value: Any) -> bool:
    if kind == "number":
        return bool(actual == _number(value))
    if kind == "checkbox":
        return actual is _boolish(value)
    if kind == "date":
        return bool(actual == _date(value))
    if kind in ("trait", "any"):
        return _loose_equal(actual, value)
    text = _text(value)
    return text is not None and str(actual).casefold() == text.casefold()


def _order(kind: str, actual: Any, value: Any) -> tuple[Any, Any] | None:
    """The two sides of an ordered comparison, or None when they do not compare."""
    if kind == "priority":
        left, right = str(actual).casefold(), str(value).casefold()
        if left in PRIORITIES and right in PRIORITIES:
            return PRIORITIES.index(left), PRIORITIES.index(right)
        return None
    if kind == "version":
        if not any(c.isascii() and c.isdigit() for c in str(actual)):
            return None
        return version_key(str(actual)), version_key(str(value))
    if kind == "date":
        left_d, right_d = _date(actual), _date(value)
        return (left_d, right_d) if left_d is not None and right_d is not None else None
    left_n, right_n = _number(actual), _number(value)
    if not isinstance(actual, bool) and left_n is not None and right_n is not None:
        return left_n, right_n
    if kind == "any":  # a custom field whose type is unknown here: a date compares as one
        left_d, right_d = _date(actual), _date(value)
        if left_d is not None and right_d is not None:
            return left_d, right_d
    return None


def _holds(condition: Condition, ticket: Mapping[str, Any]) -> bool:
    op, value, kind = condition.op, condition.value, condition.kind
    raw = _read(condition.field, ticket)
    if kind == "tags":
        return _tags_hold(op, value, raw)
    actual = _present(kind, raw)
    if op == "is_set":
        return actual is not None
    if op == "is_not_set":
        return actual is None
    if value is None and op in ("is", "is_not"):
        return (actual is None) == (op == "is")
    if actual is None:
        return op in NEGATIVE
    if op in ("is", "is_not"):
        return _equal(kind, actual, value) == (op == "is")
    if op in ("in", "not_in"):
        return any(_equal(kind, actual, v) for v in value) == (op == "in")
    if op in ORDERED:
        sides = _order(kind, actual, value)
        if sides is None:
            return False
        left, right = sides
        return bool(
            left > right
            if op == "gt"
            else left >= right
            if op == "gte"
            else left < right
            if op == "lt"
            else left <= right
        )
    text = _text(actual)
    if text is None or not isinstance(value, str):
        return op in NEGATIVE
    if op == "matches":
        pattern = condition.pattern or re.compile(value, re.IGNORECASE)
        return pattern.search(text) is not None
    hay, needle = text.casefold(), value.casefold()
    if op == "starts_with":
        return hay.startswith(needle)
    if op == "ends_with":
        return hay.endswith(needle)
    if op == "contains":
        return needle in hay
    if op == "not_contains":
        return needle not in hay
    return False


def _tags_hold(op: str, value: Any, raw: Any) -> bool:
    tags = {t.casefold() for t in raw if isinstance(t, str)} if isinstance(raw, list) else set()
    if op == "is_set":
        return bool(tags)
    if op == "is_not_set":
        return not tags
    if op in ("contains", "not_contains"):
        return (isinstance(value, str) and value.casefold() in tags) == (op == "contains")
    if op in ("in", "not_in"):
        found = any(isinstance(v, str) and v.casefold() in tags for v in value)
        return found == (op == "in")
    return False


# -- planning and applying -------------------------------------------------------------------
def plan(rule: Rule, ticket: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The changes the actions would make to this ticket, in order, each
    ``{"action": ..., "field": ..., "from": ..., "to": ...}`` for field changes (status,
    priority, assignee, team, tags: the whole list before and after), or
    ``{"action": "notify", "to": ..., "message": ...}``, ``{"action": "reply", "macro": ...}``,
    ``{"action": "remind_customer"}``. Field changes that change nothing are left out (setting
    priority high on a high ticket plans nothing); later actions see earlier ones (add_tags
    then remove_tags). ``escalate`` raises the priority (to the one given, else one step; it
    never lowers it) and always notifies the team."""
    tags = ticket.get("tags")
    state: dict[str, Any] = {name: ticket.get(name) for name in CHANGEABLE}
    state["tags"] = [t for t in tags if isinstance(t, str)] if isinstance(tags, list) else []
    out: list[dict[str, Any]] = []

    def change(action: str, field: str, to: Any) -> None:
        if state[field] == to:
            return
        out.append(
            {"action": action, "field": field, "from": copy.copy(state[field]), "to": copy.copy(to)}
        )
        state[field] = to

    for action in rule.actions:
        name = action["action"]
        if name == "set":
            change(name, action["field"], action["value"])
        elif name == "set_status":
            change(name, "status", action["value"])
        elif name == "add_tags":
            have = {t.casefold() for t in state["tags"]}
            change(name, "tags", state["tags"] + [t for t in action["tags"] if t not in have])
        elif name == "remove_tags":
            drop = set(action["tags"])
            change(name, "tags", [t for t in state["tags"] if t.casefold() not in drop])
        elif name == "assign_team":
            change(name, "team", action["team"])
        elif name == "assign":
            change(name, "assignee", action["agent"])
        elif name == "notify":
            out.append({"action": "notify", "to": action["to"], "message": action["message"]})
        elif name == "reply":
            out.append({"action": "reply", "macro": action["macro"]})
        elif name == "remind_customer":
            out.append({"action": "remind_customer"})
        elif name == "escalate":
            current = state["priority"]
            rank = PRIORITIES.index(current) if current in PRIORITIES else -1
            step = (rank if rank >= 0 else PRIORITIES.index("normal")) + 1
            target = action.get("priority") or PRIORITIES[min(step, len(PRIORITIES) - 1)]
            if PRIORITIES.index(target) > rank:
                change(name, "priority", target)
            message = f'Escalated by the rule "{rule.name}" (priority {state["priority"]}).'
            out.append({"action": "notify", "to": "team", "message": message})
    return out


def field_changes(changes: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """The changes of a plan that change a field (not notifications, replies, reminders)."""
    return [c for c in changes if "field" in c]


def apply(ticket: Mapping[str, Any], changes: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """A new ticket view (a deep copy) with the field changes of ``changes`` applied."""
    out = copy.deepcopy(dict(ticket))
    for change in field_changes(changes):
        out[change["field"]] = copy.deepcopy(change["to"])
    return out


# -- chains ----------------------------------------------------------------------------------
def run_chain(
    rules: Sequence[Rule], ticket: Mapping[str, Any], event: str, *, max_rounds: int = 10
) -> tuple[list[tuple[Rule, list[dict[str, Any]]]], str | None]:
    """The event rules for ``event``, in order, then the ``ticket.updated`` rules their changes
    trigger, and so on. Returns (the rules that fired with their planned changes, in firing
    order, a report or None).

    Each round tries, in order, the enabled rules of its event (the first round ``event``, later
    rounds ``ticket.updated``) that have not fired yet; a rule that matches the ticket as the
    rules before it left it fires, and its field changes are applied for the rules after it.
    A round that changed a field is an update: another round follows. A rule never fires twice.

    A loop is a ``ticket.updated`` rule that has fired, whose field another rule changed since,
    matching again and wanting to change that field back: without the at-most-once rule the
    chain would never end. The chain stops there, reporting ``"loop: A → B → A on priority"``
    (the rules that changed the field, in order). After ``max_rounds`` rounds with rules still to
    fire it stops with ``"stopped after 10 rounds: ..."``. Either way what fired so far is
    returned, and applying it in order gives the ticket the chain left.
    """
    if max_rounds < 1:
        raise ValueError("max_rounds must be at least 1")
    fired: list[tuple[Rule, list[dict[str, Any]]]] = []
    done: set[int] = set()
    # field -> [(firing position, rule name)] of every change made to it
    history: dict[str, list[tuple[int, str]]] = {}
    fired_at: dict[int, int] = {}  # rule index -> firing position
    current: dict[str, Any] = dict(ticket)
    trigger = event
    rounds = 0
    while True:
        rounds += 1
        changed = False
        for index, rule in enumerate(rules):
            if index in done or not rule.enabled or rule.event != trigger:
                continue
            if not matches(rule, current):
                continue
            changes = plan(rule, current)
            done.add(index)
            fired_at[index] = len(fired)
            for change in field_changes(changes):
                history.setdefault(change["field"], []).append((len(fired), rule.name))
            fired.append((rule, changes))
            if field_changes(changes):
                current = apply(current, changes)
                changed = True
        if not changed:
            return fired, None
        loop = _loop(rules, current, done, fired_at, history)
        if loop is not None:
            return fired, loop
        trigger = UPDATED
        if rounds >= max_rounds:
            waiting = [
                rule.name
                for index, rule in enumerate(rules)
                if index not in done
                and rule.enabled
                and rule.event == UPDATED
                and matches(rule, current)
            ]
            if waiting:
                return fired, (
                    f"stopped after {max_rounds} rounds: {', '.join(waiting)} still to run"
                )
            return fired, None


def _loop(
    rules: Sequence[Rule],
    current: Mapping[str, Any],
    done: set[int],
    fired_at: Mapping[int, int],
    history: Mapping[str, list[tuple[int, str]]],
) -> str | None:
    for index in sorted(done):
        rule = rules[index]
        if rule.event != UPDATED or not rule.enabled or not matches(rule, current):
            continue
        for change in field_changes(plan(rule, current)):
            field = change["field"]
            since = [name for at, name in history.get(field, []) if at > fired_at[index]]
            if not since:
                continue
            names = [rule.name]
            for name in since:
                if name != names[-1]:
                    names.append(name)
            return f"loop: {' → '.join([*names, rule.name])} on {field}"
    return None
