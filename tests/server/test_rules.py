"""server/services/rules.py: validating rules (every problem named by its path), evaluating
conditions against a ticket view, planning and applying actions, and chains of event rules."""

from __future__ import annotations

import ast
import copy
import itertools
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support_server.errors import ValidationFailed
from support_server.services import rules
from support_server.services.rules import (
    NEGATIVE,
    OPS_BY_KIND,
    Condition,
    Rule,
    Vocabulary,
    apply,
    condition_from_json,
    condition_json,
    matches,
    plan,
    run_chain,
    validate_conditions,
    validate_rule,
    version_key,
)

SERVER = Path(__file__).resolve().parents[2] / "server"
DROP = object()  # a key to remove from the base rule

VOCAB = Vocabulary(
    teams=frozenset({"team_billing", "team_tier2"}),
    agents=frozenset({"maya", "omar"}),
    macros=frozenset({"mac_refund"}),
    fields={
        "order": {"type": "text"},
        "amount": {"type": "number"},
        "size": {"type": "select", "options": ["Small", "Large", {"value": "Medium"}]},
        "urgent": {"type": "checkbox"},
        "due": {"type": "date"},
        "legacy": {"type": "multiselect"},
    },
)


def ticket(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": "tkt_1",
        "status": "open",
        "priority": "normal",
        "subject": "Refund for invoice 42",
        "body": "I was charged twice this month.",
        "source": "widget",
        "assignee": None,
        "tags": ["billing"],
        "requester": {"id": "usr_1", "kind": "user", "email": "Ann@Example.com", "name": "Ann Lee"},
        "context": {
            "url": "https://app.example.com/billing/invoices",
            "title": "Invoices",
            "context_key": "billing.invoices",
            "app_version": "2.10.0",
            "locale": "fr-CA",
        },
        "traits": {"plan": "Pro", "seats": 12, "beta": True, "account_id": "acme-1"},
        "team": "team_billing",
        "fields": {
            "order": "A-1",
            "amount": 120,
            "size": "Large",
            "urgent": True,
            "due": "2024-05-31",
            "legacy": "x",
        },
    }
    base.update(changes)
    return base


def base_rule(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "Billing",
        "when": {"event": "ticket.created"},
        "if": [],
        "then": [{"action": "add_tags", "tags": ["billing"]}],
    }
    for key, value in changes.items():
        if value is DROP:
            data.pop(key, None)
        else:
            data[key] = value
    return data


def problems(data: Any, vocabulary: Vocabulary = VOCAB) -> dict[str, list[str]]:
    with pytest.raises(ValidationFailed) as caught:
        validate_rule(data, vocabulary)
    assert caught.value.status == 422
    return caught.value.details


def cond(field: str, op: str, value: Any = DROP) -> Condition:
    data: dict[str, Any] = {"field": field, "op": op}
    if value is not DROP:
        data["value"] = value
    (condition,) = validate_conditions([data], VOCAB)
    return condition


def holds(field: str, op: str, value: Any = DROP, on: dict[str, Any] | None = None) -> bool:
    return matches([cond(field, op, value)], ticket() if on is None else on)


def event_rule(
    name: str, event: str, if_: list[dict[str, Any]], then: list[dict[str, Any]]
) -> Rule:
    return validate_rule({"name": name, "when": {"event": event}, "if": if_, "then": then}, VOCAB)


def priority_is(value: str) -> dict[str, Any]:
    return {"field": "priority", "op": "is", "value": value}


def set_priority(value: str) -> dict[str, Any]:
    return {"action": "set", "field": "priority", "value": value}


# -- the module stays pure --------------------------------------------------------------------
def test_imports_nothing_but_the_standard_library_and_errors() -> None:
    tree = ast.parse((SERVER / "services" / "rules.py").read_text(encoding="utf-8"))
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            imported.add("." * node.level + (node.module or ""))
    assert imported <= {
        "__future__",
        "copy",
        "dataclasses",
        "datetime",
        "math",
        "re",
        "collections.abc",
        "types",
        "typing",
        "..errors",
    }


def test_statuses_and_priorities_are_the_tickets() -> None:
    """Kept beside the ticket service's (read from its source: importing it would need the
    database layer)."""
    tree = ast.parse((SERVER / "services" / "tickets.py").read_text(encoding="utf-8"))
    found = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign)
        and isinstance(node.targets[0], ast.Name)
        and node.targets[0].id in ("STATUSES", "PRIORITIES")
    }
    assert found == {"STATUSES": rules.STATUSES, "PRIORITIES": rules.PRIORITIES}


# -- validation: what comes out ---------------------------------------------------------------
def test_a_minimal_rule_gets_its_defaults() -> None:
    rule = validate_rule(base_rule(**{"if": DROP}), VOCAB)
    assert rule == Rule(
        name="Billing",
        enabled=True,
        event="ticket.created",
        after=None,
        all=(),
        any=(),
        actions=({"action": "add_tags", "tags": ["billing"]},),
    )
    assert not rule.timed
    assert rule.to_json() == {
        "name": "Billing",
        "enabled": True,
        "when": {"event": "ticket.created"},
        "if": [],
        "any": [],
        "then": [{"action": "add_tags", "tags": ["billing"]}],
    }


def test_values_are_normalised() -> None:
    rule = validate_rule(
        {
            "name": "  VIP escalation  ",
            "enabled": False,
            "when": {"after": {"unanswered": True, "hours": 4}},
            "if": [
                {"field": "status", "op": "in", "value": ["OPEN", "Pending", "open"]},
                {"field": "tags", "op": "contains", "value": " VIP "},
                {"field": "fields.size", "op": "is", "value": "large"},
                {"field": "source", "op": "is", "value": "Email"},
                {"field": "status", "op": "is_set", "value": None},
            ],
            "any": [{"field": "priority", "op": "gte", "value": "HIGH"}],
            "then": [
                {"action": "add_tags", "tags": ["VIP", " Escalated ", "vip"]},
                {"action": "set", "field": "priority", "value": "Urgent"},
                {"action": "notify", "to": "agent:maya", "message": "  Look at this one  "},
                {"action": "remind_customer"},
                {"action": "escalate"},
            ],
        },
        VOCAB,
    )
    assert rule.timed
    assert rule.to_json() == {
        "name": "VIP escalation",
        "enabled": False,
        "when": {"after": {"unanswered": True, "hours": 4, "business": False}},
        "if": [
            {"field": "status", "op": "in", "value": ["open", "pending"]},
            {"field": "tags", "op": "contains", "value": "vip"},
            {"field": "fields.size", "op": "is", "value": "Large"},
            {"field": "source", "op": "is", "value": "email"},
            {"field": "status", "op": "is_set"},
        ],
        "any": [{"field": "priority", "op": "gte", "value": "high"}],
        "then": [
            {"action": "add_tags", "tags": ["vip", "escalated"]},
            {"action": "set", "field": "priority", "value": "urgent"},
            {"action": "notify", "to": "agent:maya", "message": "Look at this one"},
            {"action": "remind_customer"},
            {"action": "escalate"},
        ],
    }


@pytest.mark.parametrize(
    "data",
    [
        base_rule(),
        base_rule(
            when={"after": {"status": "pending", "hours": 72, "business": True}},
            then=[{"action": "remind_customer"}, {"action": "set_status", "value": "solved"}],
        ),
        base_rule(
            **{
                "if": [
                    {"field": "app_version", "op": "lt", "value": "2.10"},
                    {"field": "traits.seats", "op": "gte", "value": 10},
                    {"field": "fields.due", "op": "lt", "value": "2024-06-01"},
                    {"field": "assignee", "op": "is", "value": None},
                    {"field": "subject", "op": "matches", "value": r"invoice\s+\d+"},
                ],
                "any": [{"field": "team", "op": "in", "value": ["team_billing", "team_tier2"]}],
                "then": [
                    {"action": "assign_team", "team": "team_tier2"},
                    {"action": "assign", "agent": "omar"},
                    {"action": "set", "field": "assignee", "value": None},
                    {"action": "reply", "macro": "mac_refund"},
                    {"action": "remove_tags", "tags": ["billing"]},
                    {"action": "escalate", "priority": "urgent"},
                    {"action": "notify", "to": "admins", "message": "Refund asked"},
                ],
            }
        ),
    ],
    ids=["event", "time", "everything"],
)
def test_to_json_validates_back_to_the_same_rule(data: dict[str, Any]) -> None:
    rule = validate_rule(data, VOCAB)
    again = validate_rule(rule.to_json(), VOCAB)
    assert again == rule
    assert again.to_json() == rule.to_json()


def test_to_json_is_a_copy() -> None:
    rule = validate_rule(base_rule(), VOCAB)
    rule.to_json()["then"][0]["tags"].append("mutated")
    assert rule.actions[0]["tags"] == ["billing"]


def test_validate_conditions_for_sla_policies() -> None:
    assert validate_conditions(None, VOCAB) == ()
    assert validate_conditions([], VOCAB) == ()
    (condition,) = validate_conditions(
        [{"field": "priority", "op": "is", "value": "urgent"}], VOCAB
    )
    assert condition == Condition("priority", "is", "urgent")
    with pytest.raises(ValidationFailed) as caught:
        validate_conditions(
            [{"field": "priority", "op": "is", "value": "urgent"}, {"field": "x", "op": "is"}],
            VOCAB,
            path="conditions",
        )
    assert set(caught.value.details) == {"conditions[1].field"}
    assert caught.value.message.startswith("the conditions are not valid: conditions[1].field")
    with pytest.raises(ValidationFailed) as caught:
        validate_conditions({"field": "status"}, VOCAB)
    assert caught.value.details == {"if": ["must be a list of conditions"]}


def test_conditions_survive_storage_as_json() -> None:
    stored = [
        condition_json(c)
        for c in validate_conditions(
            [
                {"field": "status", "op": "in", "value": ["open", "pending"]},
                {"field": "subject", "op": "matches", "value": "refund"},
                {"field": "tags", "op": "is_set"},
                {"field": "fields.amount", "op": "gt", "value": 100},
                {"field": "fields.due", "op": "gte", "value": "2024-05-01"},
            ],
            VOCAB,
        )
    ]
    assert stored[0] == {"field": "status", "op": "in", "value": ["open", "pending"]}
    assert stored[2] == {"field": "tags", "op": "is_set"}
    loaded = tuple(condition_from_json(c) for c in stored)
    assert loaded == validate_conditions(stored, VOCAB)
    assert matches(loaded, ticket())
    assert not matches(loaded, ticket(fields={"amount": 100, "due": "2024-05-31"}))
    assert not matches(loaded, ticket(fields={"amount": 120, "due": "2024-04-30"}))


def test_a_condition_built_directly_knows_its_kind() -> None:
    assert Condition("subject", "contains", "x").kind == "text"
    assert Condition("traits.plan", "is", "pro").kind == "trait"
    assert Condition("tags", "contains", "vip").kind == "tags"
    compiled = Condition("subject", "matches", "^refund")
    assert compiled.pattern is not None and compiled.pattern.flags & re.IGNORECASE
    assert matches([compiled], ticket())


# -- validation: every problem, named ---------------------------------------------------------
def _cond_case(condition: Any, path: str, fragment: str) -> Any:
    return pytest.param(base_rule(**{"if": [condition]}), path, fragment, id=f"{path}:{fragment}")


def _op_case(field: str, op: str, value: Any = "x") -> Any:
    return _cond_case({"field": field, "op": op, "value": value}, "if[0].op", "does not apply")


def _value_case(field: str, op: str, value: Any, fragment: str, path: str = "if[0].value") -> Any:
    return _cond_case({"field": field, "op": op, "value": value}, path, fragment)


def _action_case(action: Any, path: str, fragment: str, **rule: Any) -> Any:
    return pytest.param(base_rule(then=[action], **rule), path, fragment, id=f"{path}:{fragment}")


def _after_case(after: Any, path: str, fragment: str) -> Any:
    data = base_rule(when={"after": after})
    return pytest.param(data, path, fragment, id=f"{path}:{fragment}:{after!r}"[:80])


STATUS_OPEN = {"field": "status", "op": "is", "value": "open"}
ADD_TAG = {"action": "add_tags", "tags": ["x"]}

INVALID = [
    # the rule itself
    pytest.param(base_rule(name=DROP), "name", "required", id="name:missing"),
    pytest.param(base_rule(name=""), "name", "1 to 120", id="name:empty"),
    pytest.param(base_rule(name="   "), "name", "1 to 120", id="name:blank"),
    pytest.param(base_rule(name="x" * 121), "name", "1 to 120", id="name:long"),
    pytest.param(base_rule(name=5), "name", "must be text", id="name:number"),
    pytest.param(base_rule(enabled="yes"), "enabled", "true or false", id="enabled"),
    pytest.param(base_rule(enabled=None), "enabled", "true or false", id="enabled:null"),
    pytest.param(base_rule(colour="red"), "colour", "unknown key", id="unknown-key"),
    # when
    pytest.param(base_rule(when=DROP), "when", "required", id="when:missing"),
    pytest.param(base_rule(when="ticket.created"), "when", "must be an object", id="when:text"),
    pytest.param(base_rule(when={}), "when", "give event or after", id="when:empty"),
    pytest.param(
        base_rule(when={"event": "ticket.created", "after": {"status": "open", "hours": 1}}),
        "when",
        "not both",
        id="when:both",
    ),
    pytest.param(
        base_rule(when={"event": "ticket.deleted"}), "when.event", "unknown event", id="event"
    ),
    pytest.param(base_rule(when={"event": 3}), "when.event", "unknown event", id="event:number"),
    pytest.param(
        base_rule(when={"event": "ticket.created", "at": 1}),
        "when.at",
        "unknown key",
        id="when:key",
    ),
    _after_case(72, "when.after", "must be an object"),
    _after_case({"status": "open", "unanswered": True, "hours": 1}, "when.after", "not both"),
    _after_case({"hours": 1}, "when.after", "give status"),
    _after_case({"status": "closed", "hours": 1}, "when.after.status", "counts from"),
    _after_case({"status": 7, "hours": 1}, "when.after.status", "counts from"),
    _after_case({"unanswered": False, "hours": 1}, "when.after.unanswered", "must be true"),
    _after_case({"status": "pending"}, "when.after.hours", "required"),
    _after_case({"status": "pending", "hours": 0}, "when.after.hours", "more than 0"),
    _after_case({"status": "pending", "hours": -1}, "when.after.hours", "more than 0"),
    _after_case({"status": "pending", "hours": 8761}, "when.after.hours", "at most 8760"),
    _after_case({"status": "pending", "hours": "72"}, "when.after.hours", "a number"),
    _after_case({"status": "pending", "hours": True}, "when.after.hours", "a number"),
    _after_case({"status": "pending", "hours": float("nan")}, "when.after.hours", "a number"),
    _after_case({"status": "pending", "hours": float("inf")}, "when.after.hours", "a number"),
    _after_case({"status": "pending", "hours": None}, "when.after.hours", "a number"),
    _after_case(
        {"status": "pending", "hours": 1, "business": "no"}, "when.after.business", "true or false"
    ),
    _after_case({"status": "pending", "hours": 1, "minutes": 5}, "when.after.minutes", "unknown"),
    # if / any: the lists
    pytest.param(base_rule(**{"if": "status is open"}), "if", "must be a list", id="if:text"),
    pytest.param(base_rule(**{"if": [STATUS_OPEN] * 21}), "if", "at most 20", id="if:21"),
    pytest.param(base_rule(any={"field": "status"}), "any", "must be a list", id="any:object"),
    pytest.param(base_rule(any=[STATUS_OPEN] * 21), "any", "at most 20", id="any:21"),
    pytest.param(
        base_rule(any=[STATUS_OPEN, {"field": "status", "op": "is", "value": "nope"}]),
        "any[1].value",
        "not a status",
        id="any[1].value",
    ),
    # a condition's shape
    _cond_case("status is open", "if[0]", "must be an object"),
    _cond_case({"op": "is", "value": "open"}, "if[0].field", "required"),
    _cond_case({"field": 3, "op": "is", "value": "open"}, "if[0].field", "must be text"),
    _cond_case({"field": "colour", "op": "is", "value": "x"}, "if[0].field", "unknown field"),
    _cond_case({"field": "Status", "op": "is", "value": "open"}, "if[0].field", "unknown field"),
    _cond_case({"field": "traits.bad name", "op": "is", "value": "x"}, "if[0].field", "trait"),
    _cond_case({"field": "traits.", "op": "is", "value": "x"}, "if[0].field", "trait name"),
    _cond_case({"field": "traits." + "a" * 65, "op": "is", "value": "x"}, "if[0].field", "trait"),
    _cond_case({"field": "fields.nope", "op": "is", "value": "x"}, "if[0].field", "no such custom"),
    _cond_case({"field": "status", "value": "open"}, "if[0].op", "required"),
    _cond_case(
        {"field": "status", "op": "equals", "value": "open"}, "if[0].op", "unknown operator"
    ),
    _cond_case({"field": "status", "op": 1, "value": "open"}, "if[0].op", "unknown operator"),
    _cond_case({**STATUS_OPEN, "values": ["open"]}, "if[0].values", "unknown key"),
    # operators that make no sense for the field
    _op_case("subject", "gt"),
    _op_case("body", "lte"),
    _op_case("requester.email", "lt"),
    _op_case("url", "gte"),
    _op_case("status", "contains"),
    _op_case("status", "gt", "open"),
    _op_case("priority", "matches"),
    _op_case("priority", "contains"),
    _op_case("source", "starts_with"),
    _op_case("team", "contains"),
    _op_case("team", "gt"),
    _op_case("assignee", "gt"),
    _op_case("tags", "is", "vip"),
    _op_case("tags", "is_not", "vip"),
    _op_case("tags", "matches", "vip"),
    _op_case("tags", "starts_with", "vip"),
    _op_case("fields.urgent", "contains"),
    _op_case("fields.urgent", "in", [True]),
    _op_case("fields.amount", "contains"),
    _op_case("fields.amount", "matches"),
    _op_case("fields.due", "matches"),
    _op_case("fields.size", "starts_with"),
    _op_case("fields.size", "gt"),
    # values
    _cond_case({"field": "status", "op": "is"}, "if[0].value", "required"),
    _value_case("status", "is", "archived", "not a status"),
    _value_case("status", "is", None, "not a status"),
    _value_case("status", "is", 3, "not a status"),
    _value_case("priority", "gt", "extreme", "not a priority"),
    _value_case("priority", "is", "Extreme", "not a priority"),
    _value_case("status", "is_set", "open", "takes no value"),
    _value_case("tags", "is_not_set", [], "takes no value"),
    _value_case("status", "in", "open", "must be a list"),
    _value_case("status", "in", [], "must be a list"),
    _value_case("status", "not_in", ["open"] * 101, "1 to 100"),
    _value_case("status", "in", ["open", "nope"], "not a status", path="if[0].value[1]"),
    _value_case("source", "is", "", "a source"),
    _value_case("source", "is", "x" * 65, "a source"),
    _value_case("source", "in", [5], "a source", path="if[0].value[0]"),
    _value_case("team", "is", "team_nope", "no such team: 'team_nope'"),
    _value_case("team", "in", ["team_billing", "team_x"], "no such team", path="if[0].value[1]"),
    _value_case("tags", "contains", "bad tag", "not a tag"),
    _value_case("tags", "contains", "x" * 51, "not a tag"),
    _value_case("tags", "in", ["ok", "no way"], "not a tag", path="if[0].value[1]"),
    _value_case("subject", "is", 5, "must be text"),
    _value_case("subject", "is", "", "must be text"),
    _value_case("subject", "is", None, "must be text"),
    _value_case("subject", "contains", "", "must be text"),
    _value_case("subject", "contains", ["refund"], "must be text"),
    _value_case("subject", "contains", "x" * 501, "at most 500"),
    _value_case("subject", "in", ["ok", ""], "must be text", path="if[0].value[1]"),
    _value_case("assignee", "is", 5, "must be text"),
    _value_case("assignee", "starts_with", None, "must be text"),
    _value_case("fields.amount", "gt", "10", "must be a number"),
    _value_case("fields.amount", "is", True, "must be a number"),
    _value_case("fields.amount", "gt", float("nan"), "must be a number"),
    _value_case("fields.urgent", "is", "yes", "true or false"),
    _value_case("fields.due", "gt", "31/05/2024", "a date"),
    _value_case("fields.due", "is", "2024-02-30", "a date"),
    _value_case("fields.due", "lt", 20240530, "a date"),
    _value_case("fields.size", "is", "Huge", "not an option of fields.size"),
    _value_case("fields.size", "in", ["Small", "Tiny"], "not an option", path="if[0].value[1]"),
    _value_case("fields.order", "starts_with", 1, "must be text"),
    _value_case("app_version", "gt", "latest", "a version"),
    _value_case("app_version", "lt", 2, "a version"),
    _value_case("app_version", "lt", "1." * 40, "a version"),
    _value_case("subject", "matches", "", "a regular expression"),
    _value_case("subject", "matches", 5, "a regular expression"),
    _value_case("subject", "matches", "a" * 201, "at most 200"),
    _value_case("subject", "matches", "(", "not a regular expression"),
    _value_case("subject", "matches", "a**", "not a regular expression"),
    _value_case("subject", "matches", "a{99999999999}", "not a regular expression"),
    _value_case("subject", "matches", "(a+)+$", "exponential"),
    _value_case("traits.plan", "starts_with", 5, "must be text"),
    _value_case("traits.seats", "gt", "ten", "must be a number"),
    _value_case("traits.seats", "gt", True, "must be a number"),
    _value_case("traits.plan", "is", ["pro"], "must be text, a number or true/false"),
    _value_case("traits.plan", "is", None, "must be text, a number or true/false"),
    _value_case("traits.plan", "is", float("inf"), "must be text, a number or true/false"),
    # then: the list
    pytest.param(base_rule(then=DROP), "then", "required", id="then:missing"),
    pytest.param(base_rule(then=None), "then", "required", id="then:null"),
    pytest.param(base_rule(then="tag it"), "then", "must be a list", id="then:text"),
    pytest.param(base_rule(then=[]), "then", "1 to 10", id="then:empty"),
    pytest.param(base_rule(then=[ADD_TAG] * 11), "then", "1 to 10", id="then:11"),
    # an action
    _action_case("add_tags", "then[0]", "must be an object"),
    _action_case({"tags": ["x"]}, "then[0].action", "required"),
    _action_case({"action": "delete"}, "then[0].action", "unknown action 'delete'"),
    _action_case({**set_priority("high"), "colour": 1}, "then[0].colour", "unknown key for set"),
    _action_case({"action": "remind_customer", "when": 1}, "then[0].when", "unknown key"),
    _action_case({"action": "set", "field": "priority"}, "then[0].value", "required"),
    _action_case({"action": "set", "value": "high"}, "then[0].field", "required"),
    _action_case({"action": "set", "field": "team", "value": "x"}, "then[0].field", "assign_team"),
    _action_case(
        {"action": "set", "field": "subject", "value": "x"}, "then[0].field", "set changes"
    ),
    _action_case(set_priority("extreme"), "then[0].value", "not a priority"),
    _action_case(
        {"action": "set", "field": "status", "value": "archived"}, "then[0].value", "status"
    ),
    _action_case({"action": "set", "field": "assignee", "value": "bob"}, "then[0].value", "agent"),
    _action_case({"action": "set", "field": "assignee", "value": 3}, "then[0].value", "agent"),
    _action_case({"action": "set_status", "value": "done"}, "then[0].value", "not a status"),
    _action_case({"action": "set_status"}, "then[0].value", "required"),
    _action_case({"action": "add_tags", "tags": "vip"}, "then[0].tags", "must be a list"),
    _action_case({"action": "add_tags", "tags": []}, "then[0].tags", "1 to 20"),
    _action_case(
        {"action": "add_tags", "tags": [f"t{i}" for i in range(21)]}, "then[0].tags", "1 to 20"
    ),
    _action_case({"action": "add_tags"}, "then[0].tags", "required"),
    _action_case({"action": "add_tags", "tags": ["ok", "no spaces"]}, "then[0].tags[1]", "a tag"),
    _action_case({"action": "remove_tags", "tags": ["x" * 51]}, "then[0].tags[0]", "not a tag"),
    _action_case({"action": "remove_tags", "tags": ["ünï"]}, "then[0].tags[0]", "not a tag"),
    _action_case({"action": "add_tags", "tags": [5]}, "then[0].tags[0]", "not a tag"),
    _action_case({"action": "assign_team", "team": "billing"}, "then[0].team", "no such team"),
    _action_case({"action": "assign_team", "team": None}, "then[0].team", "no such team"),
    _action_case({"action": "assign", "agent": "bob"}, "then[0].agent", "no such agent: 'bob'"),
    _action_case({"action": "assign", "agent": None}, "then[0].agent", "no such agent"),
    _action_case({"action": "notify", "to": "everyone", "message": "x"}, "then[0].to", "notify"),
    _action_case({"action": "notify", "to": "agent:bob", "message": "x"}, "then[0].to", "bob"),
    _action_case({"action": "notify", "to": 5, "message": "x"}, "then[0].to", "notify"),
    _action_case({"action": "notify", "to": "team"}, "then[0].message", "required"),
    _action_case({"action": "notify", "to": "team", "message": ""}, "then[0].message", "1 to 500"),
    _action_case({"action": "notify", "to": "team", "message": "  "}, "then[0].message", "1 to"),
    _action_case(
        {"action": "notify", "to": "team", "message": "x" * 501}, "then[0].message", "1 to 500"
    ),
    _action_case({"action": "notify", "to": "team", "message": 5}, "then[0].message", "1 to 500"),
    _action_case({"action": "reply", "macro": "mac_nope"}, "then[0].macro", "no such macro"),
    _action_case({"action": "remind_customer"}, "then[0].action", "time rules"),
    _action_case({"action": "escalate", "priority": "extreme"}, "then[0].priority", "priority"),
    _action_case({"action": "escalate", "priority": "low"}, "then[0].priority", "raises"),
]


@pytest.mark.parametrize(("data", "path", "fragment"), INVALID)
def test_each_problem_is_named_by_its_path(data: Any, path: str, fragment: str) -> None:
    details = problems(data)
    assert set(details) == {path}, details
    assert any(fragment in message for message in details[path]), details


def test_a_rule_that_is_not_an_object() -> None:
    assert problems(["name"]) == {"rule": ["must be an object"]}
    assert problems(None) == {"rule": ["must be an object"]}


def test_the_exact_detail_of_a_missing_team() -> None:
    data = base_rule(then=[ADD_TAG, {"action": "assign_team", "team": "billing"}])
    assert problems(data) == {"then[1].team": ["no such team: 'billing'"]}


def test_all_problems_come_in_one_error() -> None:
    data = {
        "name": "",
        "when": {"after": {"status": "closed", "hours": 0}},
        "if": [
            STATUS_OPEN,
            {"field": "nope", "op": "is", "value": 1},
            {"field": "subject", "op": "gt", "value": 1},
        ],
        "any": [{"field": "team", "op": "is", "value": "team_nope"}],
        "then": [
            ADD_TAG,
            {"action": "assign_team", "team": "billing"},
            {"action": "notify", "to": "agent:bob", "message": ""},
        ],
    }
    with pytest.raises(ValidationFailed) as caught:
        validate_rule(data, VOCAB)
    assert set(caught.value.details) == {
        "name",
        "when.after.status",
        "when.after.hours",
        "if[1].field",
        "if[2].op",
        "any[0].value",
        "then[1].team",
        "then[2].to",
        "then[2].message",
    }
    assert caught.value.message == (
        "the rule is not valid: name: 1 to 120 characters (and 8 more problems)"
    )
    assert caught.value.envelope()["error"]["code"] == "validation_error"


def test_an_unknown_field_and_operator_are_both_reported() -> None:
    details = problems(base_rule(**{"if": [{"field": "nope", "op": "equals", "value": 1}]}))
    assert set(details) == {"if[0].field", "if[0].op"}


def test_the_vocabulary_decides_what_exists() -> None:
    data = base_rule(
        **{
            "if": [{"field": "fields.amount", "op": "gt", "value": 1}],
            "then": [{"action": "assign", "agent": "maya"}, {"action": "reply", "macro": "mac_1"}],
        }
    )
    assert set(problems(data, Vocabulary())) == {"if[0].field", "then[0].agent", "then[1].macro"}
    validate_rule(
        data,
        Vocabulary(
            agents=frozenset({"maya"}),
            macros=frozenset({"mac_1"}),
            fields={"amount": {"type": "number"}},
        ),
    )


def test_a_select_field_without_options_takes_any_text() -> None:
    vocabulary = Vocabulary(fields={"colour": {"type": "select"}})
    (condition,) = validate_conditions(
        [{"field": "fields.colour", "op": "is", "value": "Teal"}], vocabulary
    )
    assert matches([condition], {"fields": {"colour": "teal"}})


def test_time_rules_may_remind_the_customer() -> None:
    remind = [{"action": "remind_customer"}]
    rule = validate_rule(
        base_rule(when={"after": {"status": "pending", "hours": 48}}, then=remind), VOCAB
    )
    assert rule.actions == ({"action": "remind_customer"},)
    # a broken time rule is still a time rule: only its when is reported
    assert set(problems(base_rule(when={"after": 5}, then=remind))) == {"when.after"}
    assert set(problems(base_rule(when={"event": "nope"}, then=remind))) == {
        "when.event",
        "then[0].action",
    }


@pytest.mark.parametrize("hours", [0.5, 1, 72, 8760, 8759.99])
def test_hours_in_range(hours: float) -> None:
    rule = validate_rule(base_rule(when={"after": {"status": "solved", "hours": hours}}), VOCAB)
    assert rule.after == {"status": "solved", "hours": hours, "business": False}
    assert rule.event is None


@pytest.mark.parametrize("status", rules.AFTER_STATUSES)
def test_time_rules_count_from_each_open_status(status: str) -> None:
    data = base_rule(when={"after": {"status": status.upper(), "hours": 1, "business": True}})
    assert validate_rule(data, VOCAB).after == {"status": status, "hours": 1, "business": True}


@pytest.mark.parametrize("event", rules.EVENTS)
def test_each_event(event: str) -> None:
    assert validate_rule(base_rule(when={"event": event}), VOCAB).event == event


@pytest.mark.parametrize(
    ("field", "kind"),
    [
        *rules.BUILTIN_FIELDS.items(),
        ("traits.plan", "trait"),
        ("traits.a.b-c_D9", "trait"),
        ("fields.order", "text"),
        ("fields.amount", "number"),
        ("fields.size", "select"),
        ("fields.urgent", "checkbox"),
        ("fields.due", "date"),
        ("fields.legacy", "any"),
    ],
)
def test_every_operator_of_every_field_validates_and_no_other(field: str, kind: str) -> None:
    for op in rules.OPERATORS:
        data = {"field": field, "op": op}
        if op not in rules.PRESENCE:
            data["value"] = _sample(field, op)
        if op in OPS_BY_KIND[kind]:
            (condition,) = validate_conditions([data], VOCAB)
            assert condition.kind == kind
        else:
            with pytest.raises(ValidationFailed) as caught:
                validate_conditions([data], VOCAB)
            assert list(caught.value.details) == ["if[0].op"], (field, op)


# -- evaluation -------------------------------------------------------------------------------
# A valid value of each field for each sort of operator: eq (is, in), text, ordered.
SAMPLES: dict[str, dict[str, Any]] = {
    "status": {"eq": "open"},
    "priority": {"eq": "normal", "ordered": "low"},
    "source": {"eq": "widget"},
    "subject": {"eq": "Refund", "text": "ref"},
    "body": {"eq": "x", "text": "charged"},
    "requester.email": {"eq": "ann@example.com", "text": "ann"},
    "requester.name": {"eq": "Ann Lee", "text": "ann"},
    "context_key": {"eq": "billing.invoices", "text": "billing"},
    "url": {"eq": "https://x", "text": "billing"},
    "app_version": {"eq": "2.10.0", "text": "2", "ordered": "1.0"},
    "locale": {"eq": "fr-CA", "text": "fr"},
    "assignee": {"eq": "maya", "text": "ma"},
    "team": {"eq": "team_billing"},
    "tags": {"eq": "billing", "text": "billing"},
    "traits.plan": {"eq": "pro", "text": "p", "ordered": 1},
    "traits.a.b-c_D9": {"eq": "x", "text": "x", "ordered": 1},
    "fields.order": {"eq": "A-1", "text": "a"},
    "fields.amount": {"eq": 1, "ordered": 1},
    "fields.size": {"eq": "Large"},
    "fields.urgent": {"eq": False},
    "fields.due": {"eq": "2024-05-31", "ordered": "2024-01-01"},
    "fields.legacy": {"eq": "x", "text": "x", "ordered": 1},
}


def _sample(field: str, op: str) -> Any:
    sample = SAMPLES[field]
    if op in ("in", "not_in"):
        return [sample["eq"]]
    if op in ("is", "is_not"):
        return sample["eq"]
    if op == "matches":
        return "."
    if op in rules.ORDERED:
        return sample.get("ordered", sample["eq"])
    return sample.get("text", sample["eq"])


def _without(field: str) -> dict[str, Any]:
    """The sample ticket lacking ``field``."""
    view = ticket()
    for outer in ("requester", "traits", "fields"):
        if field.startswith(outer + "."):
            view[outer].pop(field[len(outer) + 1 :], None)
            return view
    if field in rules.CONTEXT_FIELDS:
        view["context"].pop(field)
    else:
        view.pop(field)
    return view


@pytest.mark.parametrize("field", sorted(SAMPLES))
def test_a_missing_value_matches_only_the_negative_operators(field: str) -> None:
    view = _without(field)
    for op in OPS_BY_KIND[validate_conditions([{"field": field, "op": "is_set"}], VOCAB)[0].kind]:
        value = DROP if op in rules.PRESENCE else _sample(field, op)
        assert holds(field, op, value, on=view) is (op in NEGATIVE), (field, op)


@pytest.mark.parametrize(
    "view",
    [
        {},
        {"context": None, "traits": None, "fields": None, "requester": None, "tags": None},
        {"context": {}, "traits": {}, "fields": {}, "requester": {}, "tags": "billing"},
        {"subject": "", "body": "", "context": {"app_version": "", "url": ""}, "assignee": ""},
    ],
    ids=["nothing", "nulls", "empty", "empty-text"],
)
def test_missing_in_every_shape(view: dict[str, Any]) -> None:
    for field in ("subject", "body", "app_version", "url", "assignee", "tags", "traits.plan"):
        assert holds(field, "is_not_set", on=view), field
        assert not holds(field, "is_set", on=view), field


EVALUATIONS = [
    # enums
    ("status", "is", "open", True),
    ("status", "is", "OPEN", True),
    ("status", "is_not", "open", False),
    ("status", "in", ["new", "open"], True),
    ("status", "not_in", ["new"], True),
    ("status", "is_set", DROP, True),
    ("status", "is_not_set", DROP, False),
    ("priority", "is", "normal", True),
    ("priority", "gt", "low", True),
    ("priority", "gt", "normal", False),
    ("priority", "gte", "normal", True),
    ("priority", "lt", "high", True),
    ("priority", "lt", "normal", False),
    ("priority", "lte", "normal", True),
    ("priority", "gte", "urgent", False),
    ("source", "is", "widget", True),
    ("source", "is", "WIDGET", True),
    ("source", "in", ["email", "api"], False),
    ("source", "not_in", ["email"], True),
    # text, case-insensitive
    ("subject", "is", "refund for INVOICE 42", True),
    ("subject", "is", "refund", False),
    ("subject", "is_not", "REFUND FOR INVOICE 42", False),
    ("subject", "in", ["x", "Refund For Invoice 42"], True),
    ("subject", "not_in", ["refund for invoice 42"], False),
    ("subject", "starts_with", "REFUND", True),
    ("subject", "starts_with", "invoice", False),
    ("subject", "ends_with", "invoice 42", True),
    ("subject", "ends_with", "refund", False),
    ("subject", "contains", "INVOICE", True),
    ("subject", "contains", "receipt", False),
    ("subject", "not_contains", "invoice", False),
    ("subject", "not_contains", "receipt", True),
    ("subject", "matches", r"invoice \d+", True),
    ("subject", "matches", r"^INVOICE", False),
    ("subject", "matches", r"^refund.*\d$", True),
    ("body", "contains", "Charged Twice", True),
    ("requester.email", "ends_with", "@example.COM", True),
    ("requester.email", "is", "ann@example.com", True),
    ("requester.name", "starts_with", "ann", True),
    ("requester.name", "matches", r"\blee$", True),
    ("context_key", "starts_with", "billing.", True),
    ("context_key", "is", "Billing.Invoices", True),
    ("context_key", "starts_with", "account.", False),
    ("url", "contains", "/billing/", True),
    ("url", "matches", r"^https://app\.example\.com/", True),
    ("locale", "is", "FR-ca", True),
    ("locale", "starts_with", "fr", True),
    ("locale", "in", ["de", "fr-ca"], True),
    # versions
    ("app_version", "gt", "2.9.1", True),
    ("app_version", "gt", "2.10.0", False),
    ("app_version", "gte", "2.10", True),
    ("app_version", "gte", "2.10.0", True),
    ("app_version", "lt", "2.10.1", True),
    ("app_version", "lt", "10.0", True),
    ("app_version", "lte", "2.10.0", True),
    ("app_version", "lte", "2.9", False),
    ("app_version", "is", "2.10.0", True),
    ("app_version", "is", "2.10", False),  # is compares text
    ("app_version", "starts_with", "2.", True),
    # assignee (nullable)
    ("assignee", "is", None, True),
    ("assignee", "is_not", None, False),
    ("assignee", "is_not_set", DROP, True),
    ("assignee", "is", "maya", False),
    ("assignee", "is_not", "maya", True),
    # team
    ("team", "is", "team_billing", True),
    ("team", "is_not", "team_billing", False),
    ("team", "in", ["team_tier2", "team_billing"], True),
    ("team", "not_in", ["team_tier2"], True),
    ("team", "is", None, False),
    ("team", "is_not", None, True),
    # tags
    ("tags", "contains", "BILLING", True),
    ("tags", "contains", "vip", False),
    ("tags", "not_contains", "vip", True),
    ("tags", "not_contains", "billing", False),
    ("tags", "in", ["vip", "billing"], True),
    ("tags", "in", ["vip"], False),
    ("tags", "not_in", ["vip"], True),
    ("tags", "not_in", ["vip", "billing"], False),
    ("tags", "is_set", DROP, True),
    ("tags", "is_not_set", DROP, False),
    # traits: any scalar
    ("traits.plan", "is", "pro", True),
    ("traits.plan", "is_not", "PRO", False),
    ("traits.plan", "in", ["free", "Pro"], True),
    ("traits.plan", "starts_with", "p", True),
    ("traits.plan", "gt", 1, False),  # text does not compare with a number
    ("traits.seats", "is", 12, True),
    ("traits.seats", "is", 12.0, True),
    ("traits.seats", "is", "12", True),
    ("traits.seats", "is", "twelve", False),
    ("traits.seats", "in", [5, 12], True),
    ("traits.seats", "gt", 10, True),
    ("traits.seats", "gte", 12, True),
    ("traits.seats", "lt", 12, False),
    ("traits.seats", "lte", 12.5, True),
    ("traits.seats", "starts_with", "1", True),
    ("traits.beta", "is", True, True),
    ("traits.beta", "is", "true", True),
    ("traits.beta", "is", False, False),
    ("traits.beta", "is", 1, False),  # a flag is not a number
    ("traits.beta", "gt", 0, False),
    ("traits.account_id", "starts_with", "ACME-", True),
    ("traits.account_id", "matches", r"^acme-\d+$", True),
    ("traits.nope", "is_not_set", DROP, True),
    # custom fields, by type
    ("fields.order", "is", "a-1", True),
    ("fields.order", "contains", "-", True),
    ("fields.amount", "is", 120, True),
    ("fields.amount", "is", 120.0, True),
    ("fields.amount", "is_not", 121, True),
    ("fields.amount", "in", [100, 120], True),
    ("fields.amount", "gt", 100, True),
    ("fields.amount", "gt", 120, False),
    ("fields.amount", "gte", 120, True),
    ("fields.amount", "lt", 120.5, True),
    ("fields.amount", "lte", 119, False),
    ("fields.size", "is", "large", True),
    ("fields.size", "is", "Medium", False),
    ("fields.size", "in", ["Small"], False),
    ("fields.size", "not_in", ["small", "medium"], True),
    ("fields.urgent", "is", True, True),
    ("fields.urgent", "is", False, False),
    ("fields.urgent", "is_not", False, True),
    ("fields.due", "is", "2024-05-31", True),
    ("fields.due", "gt", "2024-05-01", True),
    ("fields.due", "gte", "2024-05-31", True),
    ("fields.due", "lt", "2024-05-31", False),
    ("fields.due", "lte", "2024-12-31", True),
    ("fields.due", "in", ["2024-05-30", "2024-05-31"], True),
    ("fields.legacy", "is", "X", True),
    ("fields.legacy", "contains", "x", True),
]


@pytest.mark.parametrize(("field", "op", "value", "expected"), EVALUATIONS)
def test_operators(field: str, op: str, value: Any, expected: bool) -> None:
    assert holds(field, op, value) is expected


@pytest.mark.parametrize(
    ("field", "op", "value", "changes", "expected"),
    [
        ("assignee", "is", "maya", {"assignee": "Maya"}, True),
        ("assignee", "starts_with", "MA", {"assignee": "maya"}, True),
        ("assignee", "is", None, {"assignee": "maya"}, False),
        ("assignee", "is_not", None, {"assignee": "maya"}, True),
        ("team", "is", None, {"team": None}, True),
        ("team", "is_not", None, {"team": None}, False),
        ("tags", "contains", "vip", {"tags": ["VIP"]}, True),
        ("tags", "is_not_set", DROP, {"tags": []}, True),
        ("tags", "contains", "vip", {"tags": []}, False),
        ("tags", "not_contains", "vip", {"tags": []}, True),
        ("app_version", "gt", "1.0", {"context": {"app_version": "unknown"}}, False),
        ("app_version", "lt", "99", {"context": {"app_version": "unknown"}}, False),
        ("app_version", "gt", "2.0", {"context": {"app_version": "v2.1"}}, True),
        ("app_version", "lt", "3", {"context": {"app_version": "v2.1"}}, True),
        ("app_version", "gt", "1.9", {"context": {"app_version": "1.10-beta"}}, True),
        ("fields.amount", "gt", 100, {"fields": {"amount": "120"}}, True),
        ("fields.amount", "gt", 100, {"fields": {"amount": "lots"}}, False),
        ("fields.amount", "is_set", DROP, {"fields": {"amount": "lots"}}, False),
        ("fields.amount", "is", 0, {"fields": {"amount": 0}}, True),
        ("fields.amount", "is_set", DROP, {"fields": {"amount": 0}}, True),
        ("fields.urgent", "is", False, {"fields": {"urgent": False}}, True),
        ("fields.urgent", "is_set", DROP, {"fields": {"urgent": False}}, True),
        ("fields.urgent", "is", True, {"fields": {"urgent": "true"}}, True),
        ("fields.due", "is", "2024-05-31", {"fields": {"due": "2024-05-31T10:00:00Z"}}, True),
        ("fields.due", "gt", "2024-05-01", {"fields": {"due": "soon"}}, False),
        ("fields.due", "is_not_set", DROP, {"fields": {"due": "soon"}}, True),
        ("traits.seats", "gt", 10, {"traits": {"seats": "12"}}, True),
        ("traits.seats", "gt", 10, {"traits": {"seats": True}}, False),
        ("traits.plan", "is_set", DROP, {"traits": {"plan": None}}, False),
        ("traits.plan", "is_set", DROP, {"traits": {"plan": {"nested": 1}}}, False),
        ("subject", "is_set", DROP, {"subject": ""}, False),
        ("subject", "is_not", "x", {"subject": None}, True),
        ("subject", "not_in", ["x"], {"subject": None}, True),
        ("subject", "matches", ".", {"subject": None}, False),
        # case folding, not just lowering: ß is ss
        ("subject", "contains", "ß", {"subject": "STRASSE"}, True),
        ("subject", "contains", "strasse", {"subject": "Straße"}, True),
        ("subject", "is", "STRASSE", {"subject": "Straße"}, True),
    ],
)
def test_operators_on_other_tickets(
    field: str, op: str, value: Any, changes: dict[str, Any], expected: bool
) -> None:
    assert holds(field, op, value, on=ticket(**changes)) is expected


@pytest.mark.parametrize(
    ("left", "right", "order"),
    [
        ("2.10.0", "2.9.1", 1),
        ("2.9.1", "2.10.0", -1),
        ("2.10", "2.10.0", 0),
        ("2.10.0.0", "2.10", 0),
        ("10.0", "9.99.99", 1),
        ("1.0.0", "1.0.1", -1),
        ("2.0.0-rc1", "2.0.0-rc2", -1),
        ("2.0.0-RC2", "2.0.0-rc2", 0),
        ("1.2.a", "1.2.b", -1),
        ("1.2.10", "1.2.9b", 1),
        ("v2.1", "2.1", 0),
        ("V3", "2.99", 1),
        ("2024.05.31", "2024.5.30", 1),
        ("1.010", "1.9", 1),  # numbers, not decimals
    ],
)
def test_version_comparison(left: str, right: str, order: int) -> None:
    a, b = version_key(left), version_key(right)
    assert (a > b) - (a < b) == order


@settings(database=None, max_examples=200)
@given(
    st.lists(st.integers(0, 40), min_size=1, max_size=5),
    st.lists(st.integers(0, 40), min_size=1, max_size=5),
)
def test_numeric_versions_compare_as_padded_numbers(a: list[int], b: list[int]) -> None:
    width = max(len(a), len(b))
    pad_a, pad_b = a + [0] * (width - len(a)), b + [0] * (width - len(b))
    expected = (pad_a > pad_b) - (pad_a < pad_b)
    key_a, key_b = version_key(".".join(map(str, a))), version_key(".".join(map(str, b)))
    assert (key_a > key_b) - (key_a < key_b) == expected
    for op, holds_if in (("gt", 1), ("lt", -1)):
        view = {"context": {"app_version": ".".join(map(str, a))}}
        condition = cond("app_version", op, ".".join(map(str, b)))
        assert matches([condition], view) is (expected == holds_if)


PAIRS = [("is", "is_not"), ("in", "not_in"), ("contains", "not_contains"), ("is_set", "is_not_set")]


@settings(database=None, max_examples=300)
@given(
    subject=st.one_of(st.none(), st.text(max_size=12)),
    needle=st.text(min_size=1, max_size=4),
    pair=st.sampled_from(PAIRS),
)
def test_an_operator_and_its_negation_never_agree(
    subject: str | None, needle: str, pair: tuple[str, str]
) -> None:
    view = ticket(subject=subject)
    positive, negative = pair
    value = [needle] if positive == "in" else DROP if positive == "is_set" else needle
    assert holds("subject", positive, value, on=view) is not holds(
        "subject", negative, value, on=view
    )


LETTERS = string.ascii_letters + string.digits + " .-"


@settings(database=None, max_examples=200)
@given(subject=st.text(LETTERS, max_size=20), needle=st.text(LETTERS, min_size=1, max_size=5))
def test_text_operators_ignore_case(subject: str, needle: str) -> None:
    for op in ("is", "starts_with", "ends_with", "contains", "not_contains", "matches"):
        value = re.escape(needle) if op == "matches" else needle
        expected = holds("subject", op, value, on=ticket(subject=subject))
        for s, n in ((subject.upper(), needle.lower()), (subject.lower(), needle.upper())):
            value = re.escape(n) if op == "matches" else n
            assert holds("subject", op, value, on=ticket(subject=s)) is expected, (op, s, n)


def test_matches_searches_without_regard_to_case() -> None:
    assert holds("body", "matches", "TWICE")
    assert holds("body", "matches", r"charged\s+twice")
    assert not holds("body", "matches", r"^twice")


def test_a_pattern_of_200_characters_is_the_limit() -> None:
    assert cond("subject", "matches", "a" * 200).value == "a" * 200
    details = problems(
        base_rule(**{"if": [{"field": "subject", "op": "matches", "value": "a" * 201}]})
    )
    assert details == {"if[0].value": ["a pattern is at most 200 characters"]}


def test_a_broken_pattern_says_why() -> None:
    (message,) = problems(base_rule(**{"if": [{"field": "url", "op": "matches", "value": "[a-"}]}))[
        "if[0].value"
    ]
    assert message.startswith("not a regular expression: unterminated character set")


@pytest.mark.parametrize(
    "pattern",
    [
        "(a+)+",
        r"^(\w+\s*)*$",
        r"(\s*\w+)*x",
        "(x|a*)+",
        "((a+))+",
        "(?:a*)*",
        "(?P<word>a+)+",
        "(a{2,})*",
        "(a{1,5})+",
        r"(?i)(\d+)*z",
        r"([a-z]+)+$",
    ],
)
def test_patterns_that_backtrack_exponentially_are_refused(pattern: str) -> None:
    details = problems(base_rule(**{"if": [{"field": "body", "op": "matches", "value": pattern}]}))
    assert list(details) == ["if[0].value"]
    assert "exponential" in details["if[0].value"][0]


@pytest.mark.parametrize(
    "pattern",
    [
        r"(\d+\.)+\d+",
        "(?:a|b)+",
        "[(]+a+",
        r"\(a+\)+",
        "(a{2})+",
        "(a?)b",
        "^[a-z]+$",
        "(?i)refund",
        r"(?=\d)+x",
        r"(?<!no )refund",
        r"(\w+)@(\w+)\.com",
        r"(?P<n>a)(?P=n)+",
        "(?#a comment)x+",
        r"[\]+]+",
        "a{,3}b",
        "x{}",
    ],
)
def test_ordinary_patterns_are_accepted(pattern: str) -> None:
    condition = cond("body", "matches", pattern)
    assert condition.pattern is not None


# -- matches() --------------------------------------------------------------------------------
def test_a_rule_matches_all_of_if_and_one_of_any() -> None:
    def rule_with(if_: list[dict[str, Any]], any_: list[dict[str, Any]]) -> Rule:
        return validate_rule(base_rule(**{"if": if_, "any": any_}), VOCAB)

    billing = {"field": "context_key", "op": "starts_with", "value": "billing."}
    pro = {"field": "traits.plan", "op": "is", "value": "pro"}
    free = {"field": "traits.plan", "op": "is", "value": "free"}
    urgent = priority_is("urgent")
    assert matches(rule_with([], []), ticket())
    assert matches(rule_with([billing, pro], []), ticket())
    assert not matches(rule_with([billing, free], []), ticket())
    assert matches(rule_with([billing], [free, pro]), ticket())
    assert not matches(rule_with([billing], [free, urgent]), ticket())
    assert matches(rule_with([], [urgent, pro]), ticket())
    assert matches([], ticket())
    assert not matches([cond("status", "is", "new")], ticket())


def test_matches_ignores_enabled() -> None:
    rule = validate_rule(base_rule(enabled=False), VOCAB)
    assert matches(rule, ticket())


# -- plan() and apply() -----------------------------------------------------------------------
def plan_of(actions: list[dict[str, Any]], view: dict[str, Any] | None = None, **rule: Any) -> Any:
    return plan(
        validate_rule(base_rule(then=actions, **rule), VOCAB), ticket() if view is None else view
    )


def test_plan_lists_changes_in_order_and_later_actions_see_earlier_ones() -> None:
    changes = plan_of(
        [
            {"action": "set_status", "value": "pending"},
            {"action": "add_tags", "tags": ["vip", "refund"]},
            {"action": "remove_tags", "tags": ["vip", "billing"]},
            {"action": "notify", "to": "assignee", "message": "A refund"},
            {"action": "assign", "agent": "maya"},
            {"action": "assign_team", "team": "team_tier2"},
            {"action": "reply", "macro": "mac_refund"},
            {"action": "set", "field": "assignee", "value": "omar"},
        ]
    )
    assert changes == [
        {"action": "set_status", "field": "status", "from": "open", "to": "pending"},
        {
            "action": "add_tags",
            "field": "tags",
            "from": ["billing"],
            "to": ["billing", "vip", "refund"],
        },
        {
            "action": "remove_tags",
            "field": "tags",
            "from": ["billing", "vip", "refund"],
            "to": ["refund"],
        },
        {"action": "notify", "to": "assignee", "message": "A refund"},
        {"action": "assign", "field": "assignee", "from": None, "to": "maya"},
        {"action": "assign_team", "field": "team", "from": "team_billing", "to": "team_tier2"},
        {"action": "reply", "macro": "mac_refund"},
        {"action": "set", "field": "assignee", "from": "maya", "to": "omar"},
    ]


@pytest.mark.parametrize(
    "action",
    [
        set_priority("normal"),
        {"action": "set", "field": "status", "value": "open"},
        {"action": "set_status", "value": "open"},
        {"action": "set", "field": "assignee", "value": None},
        {"action": "assign_team", "team": "team_billing"},
        {"action": "add_tags", "tags": ["billing"]},
        {"action": "remove_tags", "tags": ["vip"]},
    ],
)
def test_a_change_that_changes_nothing_is_left_out(action: dict[str, Any]) -> None:
    assert plan_of([action]) == []


def test_setting_high_on_a_high_ticket_plans_nothing() -> None:
    assert plan_of([set_priority("high")], ticket(priority="high")) == []
    assert plan_of([set_priority("high"), set_priority("high")]) == [
        {"action": "set", "field": "priority", "from": "normal", "to": "high"}
    ]


def test_a_change_undone_later_still_shows_both() -> None:
    assert plan_of([set_priority("high"), set_priority("normal")]) == [
        {"action": "set", "field": "priority", "from": "normal", "to": "high"},
        {"action": "set", "field": "priority", "from": "high", "to": "normal"},
    ]


def test_tags_compare_without_case() -> None:
    assert plan_of([{"action": "add_tags", "tags": ["vip"]}], ticket(tags=["VIP"])) == []
    assert plan_of([{"action": "remove_tags", "tags": ["vip"]}], ticket(tags=["VIP", "x"])) == [
        {"action": "remove_tags", "field": "tags", "from": ["VIP", "x"], "to": ["x"]}
    ]
    assert plan_of([{"action": "add_tags", "tags": ["vip"]}], ticket(tags=None)) == [
        {"action": "add_tags", "field": "tags", "from": [], "to": ["vip"]}
    ]


@pytest.mark.parametrize(
    ("given", "current", "to"),
    [
        (None, "low", "normal"),
        (None, "normal", "high"),
        (None, "high", "urgent"),
        (None, "urgent", None),
        (None, None, "high"),
        ("urgent", "normal", "urgent"),
        ("high", "urgent", None),  # escalating never lowers
        ("normal", "normal", None),
    ],
)
def test_escalate_raises_the_priority_and_notifies_the_team(
    given: str | None, current: str | None, to: str | None
) -> None:
    action: dict[str, Any] = {"action": "escalate"}
    if given:
        action["priority"] = given
    changes = plan_of([action], ticket(priority=current), name="Stale VIP")
    final = to or current
    notify = {
        "action": "notify",
        "to": "team",
        "message": f'Escalated by the rule "Stale VIP" (priority {final}).',
    }
    if to is None:
        assert changes == [notify]
    else:
        assert changes == [
            {"action": "escalate", "field": "priority", "from": current, "to": to},
            notify,
        ]


def test_time_rule_actions_plan_as_themselves() -> None:
    changes = plan_of(
        [{"action": "remind_customer"}, {"action": "set_status", "value": "solved"}],
        ticket(status="pending"),
        when={"after": {"status": "pending", "hours": 72}},
    )
    assert changes == [
        {"action": "remind_customer"},
        {"action": "set_status", "field": "status", "from": "pending", "to": "solved"},
    ]


def test_plan_changes_nothing_and_apply_makes_a_new_ticket() -> None:
    view = ticket()
    before = copy.deepcopy(view)
    changes = plan_of(
        [
            {"action": "add_tags", "tags": ["vip"]},
            set_priority("urgent"),
            {"action": "assign", "agent": "maya"},
            {"action": "notify", "to": "admins", "message": "hi"},
        ],
        view,
    )
    assert view == before
    applied = apply(view, changes)
    assert view == before
    assert applied == {
        **before,
        "tags": ["billing", "vip"],
        "priority": "urgent",
        "assignee": "maya",
    }
    applied["tags"].append("more")
    applied["context"]["url"] = "elsewhere"
    assert changes[0]["to"] == ["billing", "vip"]
    assert view == before
    assert apply(view, []) == view
    assert "message" not in apply(view, [{"action": "notify", "to": "team", "message": "x"}])


ACTIONS = st.sampled_from(
    [
        set_priority("low"),
        set_priority("urgent"),
        {"action": "set_status", "value": "solved"},
        {"action": "set", "field": "status", "value": "pending"},
        {"action": "set", "field": "assignee", "value": None},
        {"action": "assign", "agent": "maya"},
        {"action": "assign_team", "team": "team_tier2"},
        {"action": "add_tags", "tags": ["vip", "billing"]},
        {"action": "remove_tags", "tags": ["billing"]},
        {"action": "escalate", "priority": "high"},
        {"action": "notify", "to": "team", "message": "x"},
    ]
)


@settings(database=None, max_examples=200)
@given(st.lists(ACTIONS, min_size=1, max_size=10), st.sampled_from(rules.PRIORITIES))
def test_planned_changes_chain_and_applying_them_leaves_nothing_to_redo(
    actions: list[dict[str, Any]], priority: str
) -> None:
    """Each field change starts where the previous one left the field, none is a no-op, and
    the ticket after applying is what the last action asked for."""
    view = ticket(priority=priority)
    changes = plan_of(actions, view)
    last: dict[str, Any] = {}
    for change in changes:
        if "field" in change:
            field = change["field"]
            assert change["from"] == last.get(field, view[field])
            assert change["from"] != change["to"]
            last[field] = change["to"]
    applied = apply(view, changes)
    for field, value in last.items():
        assert applied[field] == value
    again = [c for c in plan_of(actions[-1:], applied) if "field" in c]
    assert again == []


# -- run_chain() ------------------------------------------------------------------------------
BILLING = {"field": "context_key", "op": "starts_with", "value": "billing."}


def test_event_rules_run_in_order_and_see_each_other() -> None:
    first = event_rule("High for billing", "ticket.created", [BILLING], [set_priority("high")])
    second = event_rule(
        "Tag high ones",
        "ticket.created",
        [priority_is("high")],
        [{"action": "add_tags", "tags": ["hot"]}],
    )
    other_event = event_rule("On replies", "message.created", [], [set_priority("low")])
    fired, report = run_chain([first, second, other_event], ticket(), "ticket.created")
    assert report is None
    assert [rule for rule, _ in fired] == [first, second]
    assert fired[0][0] is first  # the very objects given, for the caller's bookkeeping
    assert fired[1][1] == [
        {"action": "add_tags", "field": "tags", "from": ["billing"], "to": ["billing", "hot"]}
    ]


def test_disabled_time_and_unmatched_rules_do_not_fire() -> None:
    disabled = validate_rule(
        {**base_rule(name="Off"), "enabled": False, "then": [set_priority("high")]}, VOCAB
    )
    timed = validate_rule(
        base_rule(name="Later", when={"after": {"status": "open", "hours": 1}}), VOCAB
    )
    unmatched = event_rule("New only", "ticket.created", [priority_is("urgent")], [ADD_TAG])
    assert run_chain([disabled, timed, unmatched], ticket(), "ticket.created") == ([], None)


def test_a_change_triggers_the_updated_rules_once() -> None:
    route = event_rule(
        "Billing to billing",
        "ticket.created",
        [BILLING],
        [{"action": "assign_team", "team": "team_tier2"}],
    )
    tier2 = event_rule(
        "Tier 2 is urgent",
        "ticket.updated",
        [{"field": "team", "op": "is", "value": "team_tier2"}],
        [set_priority("urgent"), {"action": "notify", "to": "team", "message": "New one"}],
    )
    untouched = event_rule(
        "VIPs", "ticket.updated", [{"field": "tags", "op": "contains", "value": "vip"}], [ADD_TAG]
    )
    fired, report = run_chain([tier2, untouched, route], ticket(), "ticket.created")
    assert report is None
    assert [(rule.name, changes) for rule, changes in fired] == [
        (
            "Billing to billing",
            [
                {
                    "action": "assign_team",
                    "field": "team",
                    "from": "team_billing",
                    "to": "team_tier2",
                }
            ],
        ),
        (
            "Tier 2 is urgent",
            [
                {"action": "set", "field": "priority", "from": "normal", "to": "urgent"},
                {"action": "notify", "to": "team", "message": "New one"},
            ],
        ),
    ]


def test_updated_rules_need_a_change_to_run() -> None:
    notify = event_rule(
        "Tell admins", "ticket.created", [], [{"action": "notify", "to": "admins", "message": "x"}]
    )
    updated = event_rule("Any update", "ticket.updated", [], [ADD_TAG])
    fired, report = run_chain([notify, updated], ticket(), "ticket.created")
    assert [rule.name for rule, _ in fired] == ["Tell admins"]
    assert report is None
    fired, report = run_chain([notify, updated], ticket(), "ticket.updated")
    assert [rule.name for rule, _ in fired] == ["Any update"]


def test_a_rule_that_matches_but_changes_nothing_still_fired() -> None:
    rule = event_rule("Keep high", "ticket.created", [], [set_priority("normal")])
    assert run_chain([rule], ticket(), "ticket.created") == ([(rule, [])], None)


def test_two_rules_undoing_each_other_are_reported_by_name() -> None:
    up = event_rule("A", "ticket.updated", [priority_is("low")], [set_priority("high")])
    down = event_rule("B", "ticket.updated", [priority_is("high")], [set_priority("low")])
    fired, report = run_chain([up, down], ticket(priority="low"), "ticket.updated")
    assert report == "loop: A → B → A on priority"
    assert [(rule.name, changes) for rule, changes in fired] == [
        ("A", [{"action": "set", "field": "priority", "from": "low", "to": "high"}]),
        ("B", [{"action": "set", "field": "priority", "from": "high", "to": "low"}]),
    ]


def test_ping_pong_across_rounds_from_a_created_rule() -> None:
    start = event_rule("Start high", "ticket.created", [], [set_priority("high")])
    down = event_rule("Calm", "ticket.updated", [priority_is("high")], [set_priority("low")])
    up = event_rule("Panic", "ticket.updated", [priority_is("low")], [set_priority("high")])
    fired, report = run_chain([start, down, up], ticket(), "ticket.created")
    assert [rule.name for rule, _ in fired] == ["Start high", "Calm", "Panic"]
    assert report == "loop: Calm → Panic → Calm on priority"


def test_an_updated_rule_overriding_a_created_rule_is_no_loop() -> None:
    start = event_rule("Start high", "ticket.created", [], [set_priority("high")])
    down = event_rule("Calm", "ticket.updated", [priority_is("high")], [set_priority("low")])
    fired, report = run_chain([start, down], ticket(), "ticket.created")
    assert [rule.name for rule, _ in fired] == ["Start high", "Calm"]
    assert report is None


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_a_three_rule_cycle_is_reported(order: tuple[int, ...]) -> None:
    cycle = [
        event_rule("A", "ticket.updated", [priority_is("low")], [set_priority("normal")]),
        event_rule("B", "ticket.updated", [priority_is("normal")], [set_priority("high")]),
        event_rule("C", "ticket.updated", [priority_is("high")], [set_priority("low")]),
    ]
    fired, report = run_chain([cycle[i] for i in order], ticket(priority="low"), "ticket.updated")
    assert [rule.name for rule, _ in fired] == ["A", "B", "C"]
    assert report == "loop: A → B → C → A on priority"


def test_tags_added_and_removed_by_two_rules_loop_on_tags() -> None:
    add = event_rule(
        "Tag VIPs",
        "ticket.updated",
        [{"field": "traits.plan", "op": "is", "value": "pro"}],
        [{"action": "add_tags", "tags": ["vip"]}],
    )
    remove = event_rule(
        "Untag VIPs",
        "ticket.updated",
        [{"field": "tags", "op": "contains", "value": "vip"}],
        [{"action": "remove_tags", "tags": ["vip"]}],
    )
    fired, report = run_chain([add, remove], ticket(), "ticket.updated")
    assert report == "loop: Tag VIPs → Untag VIPs → Tag VIPs on tags"
    assert apply(apply(ticket(), fired[0][1]), fired[1][1])["tags"] == ["billing"]


def test_a_rule_that_would_go_further_by_itself_is_no_loop() -> None:
    escalate = event_rule(
        "Escalate open",
        "ticket.updated",
        [{"field": "status", "op": "is", "value": "open"}],
        [{"action": "escalate"}],
    )
    fired, report = run_chain([escalate], ticket(), "ticket.updated")
    assert report is None
    assert [rule.name for rule, _ in fired] == ["Escalate open"]


def test_a_chain_stops_after_max_rounds() -> None:
    def step(name: str, have: str | None, add: str) -> Rule:
        if_ = [] if have is None else [{"field": "tags", "op": "contains", "value": have}]
        event = "ticket.created" if have is None else "ticket.updated"
        return event_rule(name, event, if_, [{"action": "add_tags", "tags": [add]}])

    # listed last-first, so each round fires one
    chain = [step("D", "c", "d"), step("C", "b", "c"), step("B", "a", "b"), step("A", None, "a")]
    fired, report = run_chain(chain, ticket(), "ticket.created", max_rounds=2)
    assert [rule.name for rule, _ in fired] == ["A", "B"]
    assert report == "stopped after 2 rounds: C still to run"
    fired, report = run_chain(chain, ticket(), "ticket.created", max_rounds=4)
    assert [rule.name for rule, _ in fired] == ["A", "B", "C", "D"]
    assert report is None
    fired, report = run_chain(chain, ticket(), "ticket.created")
    assert len(fired) == 4 and report is None
    with pytest.raises(ValueError, match="max_rounds"):
        run_chain(chain, ticket(), "ticket.created", max_rounds=0)


def test_applying_what_fired_gives_the_chain_s_ticket() -> None:
    route = event_rule(
        "Route", "ticket.created", [BILLING], [{"action": "assign_team", "team": "team_tier2"}]
    )
    assign = event_rule(
        "Assign",
        "ticket.updated",
        [{"field": "team", "op": "is", "value": "team_tier2"}],
        [{"action": "assign", "agent": "omar"}],
    )
    fired, _ = run_chain([assign, route], ticket(), "ticket.created")
    final: dict[str, Any] = ticket()
    for _, changes in fired:
        final = apply(final, changes)
    assert (final["team"], final["assignee"]) == ("team_tier2", "omar")


def test_no_rules_no_chain() -> None:
    assert run_chain([], ticket(), "ticket.created") == ([], None)
