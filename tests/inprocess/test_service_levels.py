"""Service levels and automation through the API, in process (pinned clock, real SQLite, the
worker's jobs and timers run by hand): business hours, SLA due times and breaches, teams and
routing, automations (event and time rules, loops, dry runs, what they record)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any

import pytest
from flask import Flask

from support_server import bootstrap
from support_server.app import create_app

from .conftest import ORIGIN, InProcess, PinnedClock

# Monday 7 December 2026, 08:00 UTC (09:00 in Paris)
MONDAY_0800 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc).timestamp()
PARIS_9_TO_5 = {
    "timezone": "Europe/Paris",
    "weekly": {day: [["09:00", "17:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "holidays": ["2026-12-25"],
}


@pytest.fixture
def server(tmp_path: Any, pinned_clock: PinnedClock) -> Iterator[InProcess]:
    pinned_clock.value = MONDAY_0800
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app: Flask = create_app(
        data_dir=data_dir,
        overrides={"SUPPORT_PUBLIC_URL": "http://support.test", "SUPPORT_SMTP_URL": ""},
    )
    app.config["TESTING"] = True
    rt = app.extensions["support"]
    for name in ("maya", "sam", "lee"):
        rt.staff.create_user(
            name, "pw-" + name + "-long-enough", "agent", display_name=name.title()
        )
        rt.staff.set_email(name, f"{name}@team.example")
    yield InProcess(app, app.test_client(), creds, pinned_clock, data_dir)
    rt.index.close()
    rt.db.close()


@pytest.fixture
def rt(server: InProcess) -> Any:
    return server.app.extensions["support"]


def api(server: InProcess, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
    r = server.http.open(f"/api/v1{path}", method=method, headers=server.staff_headers(), **kwargs)
    assert r.status_code == want, (r.status_code, r.get_json())
    return r.get_json()


def file(server: InProcess, **data: Any) -> dict[str, Any]:
    body = {"subject": "Export is empty", "body": "The CSV is blank.", "email": "cleo@example.com"}
    body.update(data)
    return dict(api(server, "POST", "/tickets", 201, json=body))


def iso(ts: float) -> str:
    return datetime.fromtimestamp(ts, tz=timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def drain(rt: Any) -> None:
    runner = rt.job_runner("w1")
    while runner.run_one():
        pass


def sla_events(rt: Any) -> list[dict[str, Any]]:
    with rt.db.read() as conn:
        return [dict(r) for r in conn.execute("SELECT * FROM sla_events ORDER BY id")]


def outbox_types(rt: Any, prefix: str) -> list[dict[str, Any]]:
    import json

    with rt.db.read() as conn:
        rows = conn.execute(
            "SELECT payload FROM outbox_events WHERE type LIKE ? ORDER BY id", (prefix + "%",)
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


# -- business hours --------------------------------------------------------------------------


def test_business_hours_default_to_always_and_can_be_set(server: InProcess) -> None:
    assert api(server, "GET", "/business-hours")["timezone"] == "UTC"
    stored = api(server, "PUT", "/business-hours", json=PARIS_9_TO_5)
    assert stored["timezone"] == "Europe/Paris"
    assert api(server, "GET", "/business-hours") == stored


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PARIS_9_TO_5, "timezone": "Mars/Olympus"}, "timezone"),
        ({**PARIS_9_TO_5, "weekly": {"funday": [["09:00", "17:00"]]}}, "weekly.funday"),
        ({**PARIS_9_TO_5, "weekly": {"mon": [["17:00", "09:00"]]}}, "weekly.mon"),
        ({**PARIS_9_TO_5, "holidays": ["25/12/2026"]}, "holidays"),
    ],
)
def test_bad_business_hours_are_a_422_naming_the_field(
    server: InProcess, body: dict[str, Any], field: str
) -> None:
    error = api(server, "PUT", "/business-hours", 422, json=body)["error"]
    assert any(key.startswith(field) for key in error["details"]), error
    assert api(server, "GET", "/business-hours")["timezone"] == "UTC"  # nothing half-saved


# -- SLA -------------------------------------------------------------------------------------


def urgent_policy(server: InProcess, **targets: int) -> dict[str, Any]:
    return dict(
        api(
            server,
            "POST",
            "/sla-policies",
            201,
            json={
                "name": "Urgent",
                "if": [{"field": "priority", "op": "is", "value": "urgent"}],
                "targets": targets or {"first_response": 60, "resolution": 480},
            },
        )
    )


def test_due_times_count_business_minutes(server: InProcess) -> None:
    api(server, "PUT", "/business-hours", json=PARIS_9_TO_5)
    urgent_policy(server, first_response=60, resolution=480)
    # Friday 11 December, 15:30 UTC = 16:30 in Paris: 30 minutes left that day
    server.clock.value = datetime(2026, 12, 11, 15, 30, tzinfo=timezone.utc).timestamp()
    filed = file(server, priority="urgent")
    sla = filed["sla"]
    assert sla["policy"] == "Urgent"
    # 30 minutes on Friday, 30 on Monday from 09:00 Paris (08:00 UTC)
    assert sla["first_response_due"] == "2026-12-14T08:30:00.000Z"
    # 480 = 30 on Friday + 450 on Monday: 09:00 + 7:30 = 16:30 Paris
    assert sla["resolution_due"] == "2026-12-14T15:30:00.000Z"
    assert sla["breached"] == [] and sla["paused"] is False
    normal = file(server)  # no policy matches a normal ticket
    assert normal["sla"] is None


def test_a_reply_in_time_meets_the_first_response_and_a_late_one_is_a_breach(
    server: InProcess, rt: Any
) -> None:
    urgent_policy(server, first_response=60)
    on_time = file(server, priority="urgent")
    late = file(server, priority="urgent")
    server.clock.advance(30 * 60)
    api(server, "POST", f"/tickets/{on_time['id']}/messages", 201, json={"body": "On it."})
    server.clock.advance(60 * 60)
    api(server, "POST", f"/tickets/{late['id']}/messages", 201, json={"body": "Sorry."})
    assert api(server, "GET", f"/tickets/{on_time['id']}")["sla"]["breached"] == []
    assert api(server, "GET", f"/tickets/{late['id']}")["sla"]["breached"] == ["first_response"]
    (breach,) = sla_events(rt)
    assert breach["kind"] == "breach" and breach["at"] == iso(MONDAY_0800 + 3600)
    rt.lifecycle.tick()
    assert len(sla_events(rt)) == 1  # the sweep does not record it again


def test_internal_notes_do_not_count_as_a_response(server: InProcess) -> None:
    urgent_policy(server, first_response=60)
    filed = file(server, priority="urgent")
    api(
        server,
        "POST",
        f"/tickets/{filed['id']}/messages",
        201,
        json={"body": "Looking", "internal": True},
    )
    assert api(server, "GET", f"/tickets/{filed['id']}")["sla"]["first_response_at"] is None


def test_a_breach_while_every_worker_was_down_is_recorded_at_its_time_and_told_once(
    server: InProcess, rt: Any
) -> None:
    rt.staff.create_user("ada", "pw-ada-long-enough", "admin", display_name="Ada")
    urgent_policy(server, first_response=60)
    filed = file(server, priority="urgent")
    api(server, "PATCH", f"/tickets/{filed['id']}", json={"assignee": "maya"})
    drain(rt)
    server.clock.advance(50 * 60)  # the warning falls due at 48 minutes
    rt.lifecycle.tick()
    assert [e["kind"] for e in sla_events(rt)] == ["warning"]
    server.clock.advance(5 * 3600)  # every worker down for five hours
    rt.lifecycle.tick()
    rt.lifecycle.tick()
    events = sla_events(rt)
    assert [e["kind"] for e in events] == ["warning", "breach"]
    assert events[1]["at"] == iso(MONDAY_0800 + 3600)  # when it fell due, not when noticed
    breached = outbox_types(rt, "sla.breached")
    assert len(breached) == 1
    assert breached[0]["detail"]["metric"] == "first_response"
    assert breached[0]["data"]["sla"]["breached"] == ["first_response"]
    drain(rt)
    told = [m for m in rt.mailer.sent([server.app_id], 100) if m["kind"] == "sla"]
    assert sorted(m["to_address"] for m in told) == ["maya@team.example", "maya@team.example"]
    assert any("SLA breached" in m["subject"] for m in told)


def test_pending_pauses_the_resolution_clock(server: InProcess) -> None:
    urgent_policy(server, resolution=120)
    filed = file(server, priority="urgent")
    assert filed["sla"]["resolution_due"] == iso(MONDAY_0800 + 7200)
    server.clock.advance(30 * 60)
    api(server, "POST", f"/tickets/{filed['id']}/messages", 201, json={"body": "Which file?"})
    paused = api(server, "PATCH", f"/tickets/{filed['id']}", json={"status": "pending"})["sla"]
    assert paused["paused"] is True and paused["resolution_due"] is None
    server.clock.advance(24 * 3600)  # the customer answers a day later
    resumed = server.clock.value
    api(server, "PATCH", f"/tickets/{filed['id']}", json={"status": "open"})
    sla = api(server, "GET", f"/tickets/{filed['id']}")["sla"]
    assert sla["paused"] is False
    assert sla["resolution_due"] == iso(resumed + 90 * 60)  # 30 of 120 minutes were used
    solved = api(server, "PATCH", f"/tickets/{filed['id']}", json={"status": "solved"})["sla"]
    assert solved["resolution_due"] is None and solved["breached"] == []


def test_the_policy_is_chosen_again_when_the_priority_changes(server: InProcess) -> None:
    urgent_policy(server, first_response=60)
    filed = file(server)
    assert filed["sla"] is None
    changed = api(server, "PATCH", f"/tickets/{filed['id']}", json={"priority": "urgent"})
    assert changed["sla"]["policy"] == "Urgent"
    assert changed["sla"]["first_response_due"] == iso(MONDAY_0800 + 3600)  # from creation


def test_policies_are_ordered_and_first_match_wins(server: InProcess) -> None:
    urgent_policy(server, first_response=60)
    api(
        server,
        "POST",
        "/sla-policies",
        201,
        json={"name": "Everyone", "targets": {"first_response": 480}, "position": 1},
    )
    names = [p["name"] for p in api(server, "GET", "/sla-policies")["items"]]
    assert names == ["Everyone", "Urgent"]
    assert file(server, priority="urgent")["sla"]["policy"] == "Everyone"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "x", "targets": {"first_response": 0}}, "targets.first_response"),
        ({"name": "x", "targets": {"first_reply": 5}}, "targets.first_reply"),
        ({"name": "x", "targets": {}}, "targets"),
        (
            {"name": "x", "targets": {"resolution": 5}, "if": [{"field": "nope", "op": "is"}]},
            "if[0].field",
        ),
        (
            {
                "name": "x",
                "targets": {"resolution": 5},
                "if": [{"field": "team", "op": "is", "value": "team_missing"}],
            },
            "if[0].value",
        ),
    ],
)
def test_bad_policies_are_a_422_naming_the_field(
    server: InProcess, body: dict[str, Any], field: str
) -> None:
    error = api(server, "POST", "/sla-policies", 422, json=body)["error"]
    assert field in error["details"], error
    assert api(server, "GET", "/sla-policies")["items"] == []


# -- teams and routing -----------------------------------------------------------------------


def team(server: InProcess, **data: Any) -> dict[str, Any]:
    return dict(api(server, "POST", "/teams", 201, json=data))


def test_tickets_are_routed_by_context_and_assigned_in_turn(server: InProcess, rt: Any) -> None:
    billing = team(server, name="Billing", members=["maya", "sam"], contexts=["billing."])
    team(server, name="Everyone else", members=["lee"])
    owners = [
        file(server, context={"context_key": "billing.invoices"})["assignee"] for _ in range(3)
    ]
    assert owners == ["maya", "sam", "maya"]
    other = file(server, context={"context_key": "reports.export"})
    assert other["team"]["name"] == "Everyone else" and other["assignee"] == "lee"
    api(server, "PUT", "/agents/sam/availability", json={"available": False})
    assert file(server, context={"context_key": "billing.vat"})["assignee"] == "maya"
    ticket = file(server, context={"context_key": "billing.vat"})
    assert ticket["team"] == {"id": billing["id"], "name": "Billing"}
    with rt.db.read() as conn:
        (row,) = conn.execute(
            "SELECT a.actor_kind, a.actor FROM ticket_activity a JOIN tickets t"
            " ON t.id = a.ticket_id WHERE t.public_id = ?",
            (ticket["id"],),
        ).fetchall()
    assert tuple(row) == ("routing", "Billing")


def test_least_open_assigns_to_whoever_holds_fewest(server: InProcess) -> None:
    team(server, name="Billing", members=["maya", "sam"], assignment="least_open")
    first = file(server)
    assert first["assignee"] == "maya"
    assert file(server)["assignee"] == "sam"
    api(server, "PATCH", f"/tickets/{first['id']}", json={"status": "solved"})
    assert file(server)["assignee"] == "maya"  # maya holds none unsolved now


def test_a_locale_team_takes_its_language(server: InProcess) -> None:
    team(server, name="Francophones", members=["lee"], locales=["fr"])
    team(server, name="Everyone", members=["maya"])
    assert file(server, context={"locale": "fr-CA"})["assignee"] == "lee"
    assert file(server, context={"locale": "en-US"})["assignee"] == "maya"


def test_deleting_a_team_with_tickets_says_where_they_go(server: InProcess) -> None:
    billing = team(server, name="Billing", members=["maya"])
    filed = file(server)
    assert filed["team"]["id"] == billing["id"]
    refused = api(server, "DELETE", f"/teams/{billing['id']}", 409)["error"]
    assert refused["code"] == "team_has_tickets"
    other = team(server, name="Support", members=["sam"])
    done = api(server, "DELETE", f"/teams/{billing['id']}?move_to={other['id']}")
    assert done == {"deleted": billing["id"], "moved": 1, "to": other["id"]}
    assert api(server, "GET", f"/tickets/{filed['id']}")["team"]["id"] == other["id"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": "X", "members": ["nobody"]}, "members"),
        ({"name": "X", "contexts": ["has spaces"]}, "contexts"),
        ({"name": "X", "locales": ["english!"]}, "locales"),
        ({"name": "", "members": []}, "name"),
    ],
)
def test_bad_teams_are_a_422_naming_the_field(
    server: InProcess, body: dict[str, Any], field: str
) -> None:
    error = api(server, "POST", "/teams", 422, json=body)["error"]
    assert field in error["details"], error


def test_a_ticket_can_be_moved_to_a_team(server: InProcess) -> None:
    billing = team(server, name="Billing", members=["maya"], contexts=["billing."])
    filed = file(server)
    assert filed["team"] is None
    moved = api(server, "PATCH", f"/tickets/{filed['id']}", json={"team": billing["id"]})
    assert moved["team"]["name"] == "Billing"
    bad = api(server, "PATCH", f"/tickets/{filed['id']}", 422, json={"team": "team_nope"})
    assert "team" in bad["error"]["details"]


# -- automations -----------------------------------------------------------------------------


def automation(server: InProcess, want: int = 201, **rule: Any) -> Any:
    return api(server, "POST", "/automations", want, json=rule)


def test_an_event_rule_changes_a_new_ticket_and_says_so(server: InProcess, rt: Any) -> None:
    made = automation(
        server,
        name="Billing is urgent",
        when={"event": "ticket.created"},
        **{"if": [{"field": "context_key", "op": "starts_with", "value": "billing."}]},
        then=[
            {"action": "set", "field": "priority", "value": "urgent"},
            {"action": "add_tags", "tags": ["billing"]},
        ],
    )
    assert made["id"].startswith("aut_") and made["enabled"] is True
    hit = file(server, context={"context_key": "billing.invoices"})
    assert hit["priority"] == "urgent" and hit["tags"] == ["billing"]
    miss = file(server, context={"context_key": "reports.export"})
    assert miss["priority"] == "normal" and miss["tags"] == []
    with rt.db.read() as conn:
        rows = conn.execute(
            "SELECT a.actor_kind, a.actor FROM ticket_activity a JOIN tickets t"
            " ON t.id = a.ticket_id WHERE t.public_id = ?",
            (hit["id"],),
        ).fetchall()
    assert [tuple(r) for r in rows] == [("automation", "Billing is urgent")]


def test_an_update_rule_names_itself_as_the_actor(server: InProcess, rt: Any) -> None:
    automation(
        server,
        name="Urgent goes to maya",
        when={"event": "ticket.updated"},
        **{"if": [{"field": "priority", "op": "is", "value": "urgent"}]},
        then=[{"action": "assign", "agent": "maya"}],
    )
    filed = file(server)
    changed = api(server, "PATCH", f"/tickets/{filed['id']}", json={"priority": "urgent"})
    assert changed["assignee"] == "maya"
    updates = outbox_types(rt, "ticket.updated")
    assert updates[-1]["actor"] == {"kind": "automation", "id": "Urgent goes to maya"}
    assert updates[-1]["changes"] == {"assignee": {"from": None, "to": "maya"}}


def test_rules_that_would_loop_are_stopped_and_reported(server: InProcess) -> None:
    automation(
        server,
        name="Up",
        when={"event": "ticket.updated"},
        **{"if": [{"field": "priority", "op": "is", "value": "low"}]},
        then=[{"action": "set", "field": "priority", "value": "high"}],
    )
    automation(
        server,
        name="Down",
        when={"event": "ticket.updated"},
        **{"if": [{"field": "priority", "op": "is", "value": "high"}]},
        then=[{"action": "set", "field": "priority", "value": "low"}],
    )
    filed = file(server)
    changed = api(server, "PATCH", f"/tickets/{filed['id']}", json={"priority": "low"})
    assert changed["priority"] in ("low", "high")  # it stopped, with an answer
    items = api(server, "GET", "/automations")["items"]
    reports = [a["last_error"] for a in items]
    assert any(r and "loop" in r for r in reports), reports
    reported = next(a for a in items if a["last_error"])
    moved = api(server, "PATCH", f"/automations/{reported['id']}", json={"position": 1})
    assert moved["last_error"] == reported["last_error"]  # a move is not a fix


@pytest.mark.parametrize(
    ("rule", "field"),
    [
        (
            {"name": "x", "when": {"event": "ticket.created"}, "then": [{"action": "fly"}]},
            "then[0].action",
        ),
        (
            {
                "name": "x",
                "when": {"event": "ticket.created"},
                "then": [{"action": "assign_team", "team": "team_missing"}],
            },
            "then[0].team",
        ),
        (
            {
                "name": "x",
                "when": {"event": "ticket.created"},
                "then": [{"action": "set", "field": "priority", "value": 3}],
            },
            "then[0].value",
        ),
        (
            {
                "name": "x",
                "when": {"event": "ticket.exploded"},
                "then": [{"action": "add_tags", "tags": ["a"]}],
            },
            "when.event",
        ),
    ],
)
def test_an_invalid_rule_is_a_422_naming_it(
    server: InProcess, rule: dict[str, Any], field: str
) -> None:
    error = automation(server, 422, **rule)["error"]
    assert field in error["details"], error
    assert api(server, "GET", "/automations")["items"] == []


def test_a_time_rule_solves_what_waited_three_days_once(server: InProcess, rt: Any) -> None:
    automation(
        server,
        name="Solve the silent",
        when={"after": {"status": "pending", "hours": 72}},
        then=[{"action": "set_status", "value": "solved"}],
    )
    filed = file(server)
    api(server, "PATCH", f"/tickets/{filed['id']}", json={"status": "pending"})
    server.clock.advance(71 * 3600)
    rt.lifecycle.tick()
    assert api(server, "GET", f"/tickets/{filed['id']}")["status"] == "pending"
    server.clock.advance(2 * 3600)
    rt.lifecycle.tick()
    assert api(server, "GET", f"/tickets/{filed['id']}")["status"] == "solved"
    api(server, "PATCH", f"/tickets/{filed['id']}", json={"status": "open"})
    rt.lifecycle.tick()
    assert api(server, "GET", f"/tickets/{filed['id']}")["status"] == "open"  # fired once


def test_a_dry_run_shows_the_changes_and_makes_none(server: InProcess) -> None:
    made = automation(
        server,
        name="Tag VIPs",
        when={"event": "ticket.updated"},
        then=[
            {"action": "add_tags", "tags": ["vip"]},
            {"action": "set", "field": "priority", "value": "high"},
        ],
    )
    filed = file(server)
    result = api(server, "POST", f"/automations/{made['id']}/dry-run", json={"ticket": filed["id"]})
    assert result["matches"] is True
    fields = {c.get("field") for c in result["changes"]}
    assert {"tags", "priority"} <= fields
    after = api(server, "GET", f"/tickets/{filed['id']}")
    assert after["tags"] == [] and after["priority"] == "normal"
    api(server, "POST", f"/automations/{made['id']}/dry-run", 404, json={"ticket": "tkt_nope"})


def test_writer_and_agent_keys_cannot_change_rules(server: InProcess, rt: Any) -> None:
    from support_server.services import apps as app_service

    raw, _ = app_service.create_key(rt.db, server.app_id, "agent", "an agent")
    r = server.http.post(
        "/api/v1/teams", json={"name": "X"}, headers={"Authorization": f"Bearer {raw}"}
    )
    assert r.status_code == 403
    r = server.http.get("/api/v1/teams", headers={"Authorization": f"Bearer {raw}"})
    assert r.status_code == 200


# -- saved replies and the reply action ------------------------------------------------------


def test_saved_replies_fill_their_placeholders_and_refuse_unknown_ones(server: InProcess) -> None:
    bad = api(
        server,
        "POST",
        "/macros",
        422,
        json={"name": "Oops", "body": "Hi {{requester.nmae}}, see {{ticket.id}}"},
    )["error"]
    assert "requester.nmae" in str(bad["details"]["body"])
    made = api(
        server,
        "POST",
        "/macros",
        201,
        json={"name": "Export fix", "body": "Hi {{requester.name}}, about {{ticket.id}}: fixed."},
    )
    assert made["placeholders"] == ["requester.name", "ticket.id"]
    assert [m["id"] for m in api(server, "GET", "/macros?q=export")["items"]] == [made["id"]]
    assert api(server, "GET", "/macros?q=nothing-like-it")["items"] == []
    api(server, "POST", "/macros", 409, json={"name": "export fix", "body": "x"})


def test_an_automation_replies_with_a_saved_reply_once_and_meets_the_target(
    server: InProcess, rt: Any
) -> None:
    urgent_policy(server, first_response=60)
    macro = api(
        server,
        "POST",
        "/macros",
        201,
        json={"name": "Got it", "body": "Hi {{requester.name}}, we are on {{ticket.id}}."},
    )
    automation(
        server,
        name="Answer urgent at once",
        when={"event": "ticket.created"},
        **{"if": [{"field": "priority", "op": "is", "value": "urgent"}]},
        then=[{"action": "reply", "macro": macro["id"]}],
    )
    automation(  # a message.created rule does not answer the automation's own reply
        server,
        name="Tag answered",
        when={"event": "message.created"},
        then=[{"action": "add_tags", "tags": ["answered"]}],
    )
    filed = file(server, priority="urgent", name="Cleo")
    assert filed["status"] == "open" and len(filed["messages"]) == 1  # answered as filed
    found = api(server, "GET", f"/tickets/{filed['id']}")
    (reply,) = found["messages"]
    assert reply["body"] == f"Hi Cleo, we are on {filed['id']}."
    assert reply["author"] == {"kind": "agent", "name": "Support"}
    assert found["sla"]["first_response_at"] is not None and found["sla"]["breached"] == []
    assert found["tags"] == []  # no message.created rule ran on the automation's reply
    api(server, "DELETE", f"/macros/{macro['id']}", 204)
    file(server, priority="urgent")  # the rule is checked again, and switched off
    items = {a["name"]: a for a in api(server, "GET", "/automations")["items"]}
    assert items["Answer urgent at once"]["enabled"] is False
    assert "macro" in items["Answer urgent at once"]["last_error"]


def test_going_pending_or_solved_after_a_due_time_keeps_its_breach(
    server: InProcess, rt: Any
) -> None:
    urgent_policy(server, first_response=30, resolution=60)
    paused = file(server, priority="urgent")
    solved = file(server, priority="urgent")
    server.clock.advance(2 * 3600)  # both targets passed; the sweep has not run
    api(server, "PATCH", f"/tickets/{paused['id']}", json={"status": "pending"})
    api(server, "PATCH", f"/tickets/{solved['id']}", json={"status": "solved"})
    for ticket in (paused, solved):
        sla = api(server, "GET", f"/tickets/{ticket['id']}")["sla"]
        assert sla["breached"] == ["first_response", "resolution"], (ticket["id"], sla)
    breaches = [e for e in sla_events(rt) if e["kind"] == "breach"]
    assert len(breaches) == 4
    rt.lifecycle.tick()
    assert len([e for e in sla_events(rt) if e["kind"] == "breach"]) == 4


def test_a_failing_rule_is_undone_and_the_ticket_is_still_filed(
    server: InProcess, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from support_server.services import rules

    automation(
        server,
        name="Tag it",
        when={"event": "ticket.created"},
        then=[
            {"action": "add_tags", "tags": ["seen"]},
            {"action": "set", "field": "priority", "value": "high"},
        ],
    )

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("a bug in a rule")

    monkeypatch.setattr(rules, "run_chain", broken)
    filed = file(server)
    assert filed["tags"] == [] and filed["priority"] == "normal"  # nothing half-applied
    assert any("automations failed" in r.getMessage() for r in caplog.records)
    assert api(server, "GET", f"/tickets/{filed['id']}")["id"] == filed["id"]


def test_a_rule_switched_off_by_the_server_stays_off_until_switched_on(
    server: InProcess,
) -> None:
    billing = team(server, name="Billing", members=["maya"])
    support = team(server, name="Support", members=["sam"])
    first = automation(
        server,
        name="To billing",
        when={"event": "ticket.created"},
        then=[{"action": "assign_team", "team": billing["id"]}],
    )
    automation(
        server,
        name="Tag",
        when={"event": "ticket.created"},
        then=[{"action": "add_tags", "tags": ["x"]}],
    )
    api(server, "DELETE", f"/teams/{billing['id']}?move_to={support['id']}")
    off = api(server, "GET", f"/automations/{first['id']}")
    assert off["enabled"] is False and "deleted" in off["last_error"]
    # moving it needs the rule to be valid again: fix it, and the report clears
    moved = api(
        server,
        "PATCH",
        f"/automations/{first['id']}",
        json={"then": [{"action": "assign_team", "team": support["id"]}], "position": 2},
    )
    assert moved["enabled"] is False  # still off until switched on
    assert moved["last_error"] is None and moved["position"] == 2
    on = api(server, "PATCH", f"/automations/{first['id']}", json={"enabled": True})
    assert on["enabled"] is True


# -- custom fields, matched by policies and rules --------------------------------------------


def field(server: InProcess, want: int = 201, **data: Any) -> Any:
    return api(server, "POST", "/ticket-fields", want, json=data)


def test_custom_fields_are_checked_by_type_and_shown_by_visibility(
    server: InProcess, rt: Any
) -> None:
    field(
        server,
        key="issue_type",
        label="Issue type",
        type="select",
        options=["Bug", "Billing", "Question"],
        required=True,
    )
    field(server, key="seats", label="Seats", type="number")
    field(server, key="internal_score", label="Score", type="number", visible_to_requester=False)
    field(server, 409, key="seats", label="Again", type="text")
    assert field(server, 422, key="Bad Key", label="x", type="text")["error"]["details"]["key"]
    assert field(server, 422, key="x", label="x", type="select")["error"]["details"]["options"]
    missing = api(server, "POST", "/tickets", 422, json={"body": "Hi", "email": "a@example.com"})
    assert missing["error"]["details"] == {"fields.issue_type": ["required"]}
    wrong = api(
        server,
        "POST",
        "/tickets",
        422,
        json={
            "body": "Hi",
            "email": "a@example.com",
            "fields": {"issue_type": "Spam", "seats": "ten", "nope": 1},
        },
    )["error"]["details"]
    assert set(wrong) == {"fields.issue_type", "fields.seats", "fields.nope"}
    filed = file(server, fields={"issue_type": "Bug", "seats": 12})
    assert filed["fields"] == {"issue_type": "Bug", "seats": 12}
    changed = api(
        server,
        "PATCH",
        f"/tickets/{filed['id']}",
        json={"fields": {"internal_score": 3, "seats": None}},
    )
    assert changed["fields"] == {"issue_type": "Bug", "internal_score": 3}
    # a requester sees only the fields visible to them
    visible = server.http.get(
        "/api/v1/ticket-fields", headers={"X-Support-App": server.app_id}
    ).get_json()["items"]
    assert [f["key"] for f in visible] == ["issue_type", "seats"]


def test_policies_and_rules_match_on_custom_fields(server: InProcess) -> None:
    field(server, key="issue_type", label="Issue type", type="select", options=["Bug", "Billing"])
    api(
        server,
        "POST",
        "/sla-policies",
        201,
        json={
            "name": "Bugs",
            "if": [{"field": "fields.issue_type", "op": "is", "value": "Bug"}],
            "targets": {"first_response": 30},
        },
    )
    automation(
        server,
        name="Billing to high",
        when={"event": "ticket.created"},
        **{"if": [{"field": "fields.issue_type", "op": "is", "value": "billing"}]},
        then=[{"action": "set", "field": "priority", "value": "high"}],
    )
    bad = automation(
        server,
        422,
        name="Typo",
        when={"event": "ticket.created"},
        **{"if": [{"field": "fields.isue_type", "op": "is", "value": "Bug"}]},
        then=[{"action": "add_tags", "tags": ["x"]}],
    )
    assert "if[0].field" in bad["error"]["details"]
    bug = file(server, fields={"issue_type": "Bug"})
    assert bug["sla"]["policy"] == "Bugs"
    billing = file(server, fields={"issue_type": "Billing"})
    assert billing["sla"] is None and billing["priority"] == "high"
    # changing the field chooses the policy again
    moved = api(
        server, "PATCH", f"/tickets/{billing['id']}", json={"fields": {"issue_type": "Bug"}}
    )
    assert moved["sla"]["policy"] == "Bugs"


def test_analytics_count_tickets_by_custom_field(server: InProcess) -> None:
    field(server, key="issue_type", label="Issue type", type="select", options=["Bug", "Billing"])
    field(server, key="blocking", label="Blocking", type="checkbox")
    field(server, key="notes", label="Notes", type="text")  # free text is not counted
    for values in (
        {"issue_type": "Bug", "blocking": True},
        {"issue_type": "Bug", "blocking": False},
        {"issue_type": "Billing"},
        {"notes": "hi"},
    ):
        file(server, fields=values)
    day = datetime.fromtimestamp(MONDAY_0800, tz=timezone.utc).date().isoformat()
    report = api(server, "GET", f"/analytics/service-levels?from={day}&to={day}")
    counted = {(r["field"], r["value"]): r["tickets"] for r in report["tickets"]["by_field"]}
    assert counted == {
        ("issue_type", "Bug"): 2,
        ("issue_type", "Billing"): 1,
        ("issue_type", None): 1,
        ("blocking", True): 1,
        ("blocking", False): 1,
        ("blocking", None): 2,
    }
    r = server.http.get(
        f"/api/v1/analytics/service-levels?from={day}&to={day}&report=tickets_by_field",
        headers={**server.staff_headers(), "Accept": "text/csv"},
    )
    assert r.status_code == 200 and "issue_type,Bug,2" in r.get_data(as_text=True)


def test_the_widget_must_give_required_fields_it_shows_but_never_hidden_ones(
    server: InProcess,
) -> None:
    field(
        server, key="issue_type", label="Issue type", type="select", options=["Bug"], required=True
    )
    field(
        server, key="triage", label="Triage", type="text", required=True, visible_to_requester=False
    )
    widget = {"X-Support-App": server.app_id, "X-Support-Client": "widget"}
    r = server.http.post(
        "/api/v1/tickets",
        json={"body": "It crashed", "email": "cleo@example.com", "fields": {}},
        headers=widget,
    )
    # the widget's form shows the visible field, so it must be given; the hidden one never is
    assert r.status_code == 422, r.get_json()
    assert set(r.get_json()["error"]["details"]) == {"fields.issue_type"}
    # a widget that sends no "fields" could not show them (the list did not load, an older
    # widget, a report queued before the field existed): it is never refused for them
    r = server.http.post(
        "/api/v1/tickets",
        json={"body": "It crashed, from an old widget", "email": "cleo@example.com"},
        headers=widget,
    )
    assert r.status_code == 201, r.get_json()
    r = server.http.post(
        "/api/v1/tickets",
        json={"body": "It crashed", "email": "cleo@example.com", "fields": {"issue_type": "Bug"}},
        headers=widget,
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["fields"] == {"issue_type": "Bug"}
    r = server.http.post(
        "/api/v1/tickets",
        json={"body": "It crashed", "email": "cleo@example.com"},
        headers={"X-Support-App": server.app_id, "X-Support-Client": "sdk"},
    )
    assert r.status_code == 422 and "fields.issue_type" in r.get_json()["error"]["details"]
