"""The service-level admin pages through Flask's test client, in process: who may read and who
may change business hours, SLA policies, teams and automations; CSRF; refused forms shown
again as typed with each message beside the field or row it names; the team that still holds
tickets; dry runs; an agent's availability on their profile."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from support_server import bootstrap
from support_server.app import create_app
from support_server.services import apps as app_service
from support_server.web.admin.service_levels import duration, parse_duration

from .conftest import PASSWORD
from .conftest import text_of as _text

ORIGIN = "http://localhost"
_CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
_LOGIN = re.compile(r'name="login_token" value="([^"]+)"')
PREFIX = "/admin/service-levels"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    data_dir: Path = tmp_path_factory.mktemp("levels") / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    made = create_app(
        data_dir=data_dir,
        overrides={"SUPPORT_RATE_LOGIN": "1000/minute", "SUPPORT_SMTP_URL": ""},
    )
    made.config["TESTING"] = True
    made.config["ADMIN_KEY"] = creds["admin_api_key"]
    made.config["APP_ID"] = creds["app_id"]
    rt = made.extensions["support"]
    for username, role in (("ada", "admin"), ("ana", "agent"), ("sam", "agent"), ("wes", "writer")):
        rt.staff.create_user(username, PASSWORD, role, display_name=username.title())
    yield made
    rt.index.close()
    rt.db.close()


class Person:
    """Someone signed in through the real sign-in form, posting as their browser would."""

    def __init__(self, app: Flask, username: str) -> None:
        self.http: FlaskClient = app.test_client()
        token = _LOGIN.search(self.http.get("/admin/login").get_data(as_text=True))
        assert token
        signed_in = self.http.post(
            "/admin/login",
            data={"login_token": token.group(1), "username": username, "password": PASSWORD},
            headers={"Origin": ORIGIN},
        )
        assert signed_in.status_code == 303, signed_in.get_data(as_text=True)
        found = _CSRF.search(self.get("/admin/profile/").text)
        assert found
        self.csrf = found.group(1)

    def get(self, path: str) -> Any:
        return self.http.get(path)

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True) -> Any:
        form = dict(data or {})
        if csrf:
            form.setdefault("csrf_token", self.csrf)
        return self.http.post(path, data=form, headers={"Origin": ORIGIN})


@pytest.fixture(scope="module")
def people(app: Flask) -> dict[str, Person]:
    return {name: Person(app, name) for name in ("ada", "ana", "wes")}


@pytest.fixture
def rt(app: Flask) -> Any:
    return app.extensions["support"]


@pytest.fixture
def app_id(app: Flask) -> str:
    return str(app.config["APP_ID"])


@pytest.fixture(autouse=True)
def clean(rt: Any, app_id: str) -> Iterator[None]:
    """Each test starts with no policies, teams or automations, and open 24/7."""
    yield
    for automation in rt.automations.items(app_id):
        rt.automations.delete(app_id, automation["id"])
    for policy in rt.sla.policies(app_id):
        rt.sla.delete_policy(app_id, policy["id"])
    for team in rt.teams.items(app_id):
        rt.teams.delete(app_id, team["id"], "none")
    always = {"timezone": "UTC", "weekly": {d: [["00:00", "24:00"]] for d in _DAYS}}
    rt.sla.set_business_hours(app_id, always)
    for name in ("ana", "sam", "ada"):
        rt.teams.set_available(None, name, True)


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def text_of(page: str) -> str:
    """The page's text, its runs of white space (markup's among them) as one space."""
    return " ".join(_text(page).split())


def _error(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}">(.*?)</div>', page, re.S)
    assert found, f"no #{element_id} on the page"
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1))).strip()


def _value(page: str, element_id: str) -> str:
    found = re.search(rf'<input id="{element_id}"[^>]*value="([^"]*)"', page)
    assert found, f"no input #{element_id}"
    return html.unescape(found.group(1))


def _file(app: Flask, **data: Any) -> dict[str, Any]:
    body = {"subject": "Export is empty", "body": "The CSV is blank.", "email": "cleo@example.com"}
    body.update(data)
    r = app.test_client().post(
        "/api/v1/tickets",
        json=body,
        headers={"Authorization": f"Bearer {app.config['ADMIN_KEY']}"},
    )
    assert r.status_code == 201, r.get_json()
    found: dict[str, Any] = r.get_json()
    return found


# -- who may do what ---------------------------------------------------------------------------
PAGES = ("/", "/hours", "/teams", "/automations")


def test_writers_are_kept_out_and_agents_read_without_changing(people: dict[str, Person]) -> None:
    writer, agent, admin = people["wes"], people["ana"], people["ada"]
    for path in PAGES:
        assert writer.get(PREFIX + path).status_code == 403
    assert "Service levels" not in text_of(writer.get("/admin/profile/").text)

    for path in PAGES:
        page = agent.get(PREFIX + path)
        assert page.status_code == 200, path
        assert 'aria-current="page">' in page.text and "Service levels" in text_of(page.text)
    assert "Add policy" not in agent.get(PREFIX + "/").text
    assert "Add team" not in agent.get(PREFIX + "/teams").text
    assert "Only admins change business hours." in text_of(agent.get(PREFIX + "/hours").text)
    for path in ("/policies/new", "/teams/new", "/automations/new"):
        assert agent.get(PREFIX + path).status_code == 403, path
    for path, data in (
        ("/policies", {"name": "Sneaky", "first_response": "60"}),
        ("/teams", {"name": "Sneaky"}),
        ("/automations", {"name": "Sneaky", "when": "ticket.created"}),
        ("/hours", {"timezone": "UTC", "day_mon": "09:00-17:00"}),
    ):
        refused = agent.post(PREFIX + path, data)
        assert refused.status_code == 403, path
        assert "Only admins change" in text_of(refused.text)

    for path in (*PAGES, "/policies/new", "/teams/new", "/automations/new"):
        assert admin.get(PREFIX + path).status_code == 200, path


def test_a_form_without_its_csrf_token_is_refused(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    for path in ("/teams", "/policies", "/automations", "/hours"):
        forged = admin.post(PREFIX + path, {"name": "Forged", "timezone": "UTC"}, csrf=False)
        assert forged.status_code == 403, path
        assert "The form expired" in forged.text
    assert rt.teams.items(app_id) == [] and rt.sla.policies(app_id) == []


def test_what_another_app_holds_is_not_found_here(people: dict[str, Person], rt: Any) -> None:
    other = app_service.create_app(rt.db, "Other app")["id"]
    team = rt.teams.create(other, {"name": "Theirs"})
    policy = rt.sla.create_policy(
        other,
        {"name": "Theirs", "targets": {"resolution": 60}},
        rt.automations.vocabulary_of(other),
    )
    rule = rt.automations.create(
        other,
        {"name": "Theirs", "when": {"event": "ticket.created"}, "then": [{"action": "escalate"}]},
    )
    admin = people["ada"]
    assert "Theirs" not in admin.get(PREFIX + "/teams").text
    for path in (
        f"/teams/{team['id']}",
        f"/policies/{policy['id']}",
        f"/automations/{rule['id']}",
        "/automations/aut_nope",
    ):
        assert admin.get(PREFIX + path).status_code == 404, path
        assert admin.post(PREFIX + path + "/delete").status_code == 404, path
    assert rt.teams.get(other, team["id"])["name"] == "Theirs"  # untouched


# -- business hours ----------------------------------------------------------------------------
def test_business_hours_are_refused_beside_each_field_and_kept_as_typed(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    page = admin.get(PREFIX + "/hours").text
    assert "24/7 (UTC)" in text_of(page)
    assert _value(page, "f-day_mon") == "00:00-24:00"
    form = {
        "timezone": "Mars/Olympus_Mons",
        "day_mon": "9am-5pm",
        "day_tue": "17:00-09:00",
        "day_wed": "09:00-12:00, 11:00-17:00",
        "holidays": "2026-12-25\n2026-13-01",
    }
    refused = admin.post(PREFIX + "/hours", form)
    assert refused.status_code == 422
    page = refused.text
    assert "unknown time zone 'Mars/Olympus_Mons'" in _error(page, "e-timezone")
    assert "write times like 09:00-12:00" in _error(page, "e-day_mon")
    assert "must be before end" in _error(page, "e-day_tue")
    assert "overlap" in _error(page, "e-day_wed")
    assert "'2026-13-01' is not a date" in _error(page, "e-holidays")
    assert _value(page, "f-timezone") == "Mars/Olympus_Mons"
    assert _value(page, "f-day_mon") == "9am-5pm"
    assert "2026-12-25\n2026-13-01</textarea>" in page
    assert rt.sla.business_hours(app_id)["timezone"] == "UTC"  # nothing saved

    week = {f"day_{d}": "9:00-12:00, 13:00 - 17:30" for d in _DAYS[:5]}
    saved = admin.post(
        PREFIX + "/hours", {"timezone": "Europe/Paris", "holidays": "2026-12-25", **week}
    )
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("/hours?notice=hours")
    hours = rt.sla.business_hours(app_id)
    assert hours["weekly"]["mon"] == [["09:00", "12:00"], ["13:00", "17:30"]]
    assert hours["weekly"]["sat"] == [] and hours["holidays"] == ["2026-12-25"]
    page = admin.get(PREFIX + "/hours?notice=hours").text
    shown = text_of(page)
    assert "Business hours saved." in shown
    assert "Mon\u2013Fri 09:00\u201312:00, 13:00\u201317:30 (Europe/Paris), 1 holiday" in shown
    assert _value(page, "f-day_fri") == "09:00-12:00, 13:00-17:30"
    assert _value(page, "f-day_sun") == ""


# -- SLA policies ------------------------------------------------------------------------------
def test_durations_read_and_write_as_people_say_them() -> None:
    assert [duration(m) for m in (45, 60, 510, 1440)] == ["45 min", "1 h", "8 h 30 min", "24 h"]
    for text, minutes in (("90", 90), ("1 h 30 min", 90), ("1h30", 90), ("1.5 h", 90)):
        assert parse_duration(text) == minutes, text
    assert parse_duration("8 hours 30 minutes") == 510
    assert parse_duration(" ") is None
    for text in ("soon", "h", "1 d"):
        with pytest.raises(ValueError):
            parse_duration(text)


def test_a_policy_is_refused_by_field_and_row_then_added_edited_moved_and_deleted(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    billing = rt.teams.create(app_id, {"name": "Billing", "members": ["sam"]})
    refused = admin.post(
        PREFIX + "/policies",
        {
            "name": "<b>Pro</b> customers",
            "first_response": "soon",
            "resolution": "8 h",
            "if_field": ["priority", "", "nonsense"],
            "if_op": ["is", "is", "is"],
            "if_value": ["hi", "", "x"],
        },
    )
    assert refused.status_code == 422
    page = refused.text
    assert "minutes (90) or hours and minutes" in _error(page, "e-first_response")
    assert "if[0].value: not a priority: 'hi'" in _error(page, "if-0-error")
    assert "if[1].field: unknown field 'nonsense'" in _error(page, "if-1-error")  # row 2 was empty
    assert _value(page, "f-name") == "<b>Pro</b> customers"
    assert "<b>Pro</b>" not in page  # escaped, never markup
    assert _value(page, "f-first_response") == "soon" and _value(page, "if-1-value") == "x"
    assert rt.sla.policies(app_id) == []

    made = admin.post(
        PREFIX + "/policies",
        {
            "name": "Billing, fast",
            "first_response": "1 h",
            "resolution": "8 h 30 min",
            "if_field": ["team", "priority"],
            "if_op": ["is", "in"],
            "if_value": ["billing", "high, urgent"],
        },
    )
    assert made.status_code == 303 and made.headers["Location"].endswith("notice=policy_added")
    (policy,) = rt.sla.policies(app_id)
    assert policy["targets"] == {"first_response": 60, "next_response": None, "resolution": 510}
    assert policy["if"] == [
        {"field": "team", "op": "is", "value": billing["id"]},  # named, stored by id
        {"field": "priority", "op": "in", "value": ["high", "urgent"]},
    ]
    listed = text_of(admin.get(PREFIX + "/").text)
    assert "Applies to team is Billing and priority is one of high, urgent" in listed
    assert "1 h" in listed and "8 h 30 min" in listed

    page = admin.get(f"{PREFIX}/policies/{policy['id']}").text
    assert _value(page, "f-resolution") == "8 h 30 min"
    assert _value(page, "if-0-value") == "Billing" and _value(page, "if-1-value") == "high, urgent"
    second = rt.sla.create_policy(
        app_id,
        {"name": "Everyone", "targets": {"first_response": 480}},
        rt.automations.vocabulary_of(app_id),
    )
    moved = admin.post(f"{PREFIX}/policies/{second['id']}/move", {"direction": "up"})
    assert moved.status_code == 303
    assert [p["name"] for p in rt.sla.policies(app_id)] == ["Everyone", "Billing, fast"]
    assert (
        admin.post(f"{PREFIX}/policies/{second['id']}/move", {"direction": "sideways"}).status_code
        == 400
    )
    edited = admin.post(
        f"{PREFIX}/policies/{policy['id']}",
        {
            "name": "Billing",
            "first_response": "30",
            "if_field": [""],
            "if_op": ["is"],
            "if_value": [""],
        },
    )
    assert edited.status_code == 303
    assert rt.sla.policy(app_id, policy["id"])["if"] == []  # no rows left: every ticket
    assert "Applies to every ticket" in text_of(admin.get(PREFIX + "/").text)
    deleted = admin.post(f"{PREFIX}/policies/{policy['id']}/delete")
    assert deleted.status_code == 303
    assert [p["name"] for p in rt.sla.policies(app_id)] == ["Everyone"]
    assert admin.get(f"{PREFIX}/policies/{policy['id']}").status_code == 404


# -- teams -------------------------------------------------------------------------------------
def test_a_team_is_refused_by_field_and_a_taken_name_is_said_beside_it(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    page = admin.get(PREFIX + "/teams/new").text
    assert re.findall(r'name="members" value="([^"]+)"', page) == ["ada", "ana", "sam"]  # no writer
    refused = admin.post(
        PREFIX + "/teams",
        {
            "name": "Billing",
            "members": ["ana"],
            "contexts": "billing., has space",
            "locales": "fr, english!",
        },
    )
    assert refused.status_code == 422
    page = refused.text
    assert "not a valid entry: 'english!'" in _error(page, "e-locales")
    assert re.findall(r'name="members" value="([^"]+)" checked', page) == ["ana"]
    assert _value(page, "f-contexts") == "billing., has, space"  # split where it was typed
    made = admin.post(
        PREFIX + "/teams",
        {
            "name": "Billing",
            "members": ["ana", "sam"],
            "contexts": "billing.",
            "locales": "fr, pt-BR",
            "assignment": "least_open",
        },
    )
    assert made.status_code == 303
    (team,) = rt.teams.items(app_id)
    assert (team["members"], team["contexts"], team["locales"], team["assignment"]) == (
        ["ana", "sam"],
        ["billing."],
        ["fr", "pt-BR"],
        "least_open",
    )
    taken = admin.post(PREFIX + "/teams", {"name": "billing"})
    assert taken.status_code == 409
    assert "there is already a team named billing" in _error(taken.text, "e-name")
    rt.teams.set_available(None, "sam", False)
    listed = text_of(admin.get(PREFIX + "/teams").text)
    assert "sam · away" in listed and "To whoever holds the fewest unsolved tickets" in listed


def test_deleting_a_team_that_holds_tickets_asks_where_they_go(
    app: Flask, people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    billing = rt.teams.create(app_id, {"name": "Billing", "members": ["ana"]})
    support = rt.teams.create(app_id, {"name": "Support", "members": ["sam"], "contexts": ["x."]})
    filed = _file(app)
    assert filed["team"]["id"] == billing["id"]
    asked = admin.post(f"{PREFIX}/teams/{billing['id']}/delete")
    assert asked.status_code == 409
    shown = text_of(asked.text)
    assert "Billing still holds 1 unsolved ticket." in shown
    select = re.search(r'<select id="f-move_to".*?</select>', asked.text, re.S)
    assert select
    options = re.findall(r'<option value="([^"]+)"', select.group(0))
    assert options == [support["id"], "none"]
    assert len(rt.teams.items(app_id)) == 2  # nothing deleted yet
    done = admin.post(f"{PREFIX}/teams/{billing['id']}/delete", {"move_to": support["id"]})
    assert done.status_code == 303 and "moved=1" in done.headers["Location"]
    assert [t["name"] for t in rt.teams.items(app_id)] == ["Support"]
    with rt.db.read() as conn:
        (team_id,) = conn.execute(
            "SELECT t.public_id FROM tickets k JOIN teams t ON t.id = k.team_id"
            " WHERE k.public_id = ?",
            (filed["id"],),
        ).fetchone()
    assert team_id == support["id"]


# -- automations -------------------------------------------------------------------------------
def _rule(**fields: Any) -> dict[str, Any]:
    form = {"name": "VIPs first", "enabled": "1", "when": "ticket.created", "then": ""}
    form.update(fields)
    return form


def test_an_automation_is_refused_by_path_and_kept_as_typed(
    people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin = people["ada"]
    bad_json = admin.post(PREFIX + "/automations", _rule(then='[{"action": "set",}]'))
    assert bad_json.status_code == 422
    assert "not JSON: Expecting property name" in _error(bad_json.text, "e-then")
    assert "[{&#34;action&#34;: &#34;set&#34;,}]</textarea>" in bad_json.text
    refused = admin.post(
        PREFIX + "/automations",
        _rule(
            when="after_status",
            status="pending",
            hours="three",
            then='[{"action": "add_tags", "tags": ["vip"]},'
            ' {"action": "assign_team", "team": "team_gone"}]',
            if_field=["priority"],
            if_op=["gt"],
            if_value=["mega"],
        ),
    )
    assert refused.status_code == 422
    page = refused.text
    assert "must be a number of hours" in _error(page, "e-hours")
    assert "then[1].team: no such team: 'team_gone'" in _error(page, "e-then")
    assert "if[0].value: not a priority: 'mega'" in _error(page, "if-0-error")
    assert _value(page, "f-hours") == "three"
    assert re.search(r'<option value="after_status" selected>', page)
    assert rt.automations.items(app_id) == []


def test_an_automation_is_added_switched_moved_dry_run_and_deleted(
    app: Flask, people: dict[str, Person], rt: Any, app_id: str
) -> None:
    admin, agent = people["ada"], people["ana"]
    made = admin.post(
        PREFIX + "/automations",
        _rule(
            name="Tag VIPs",
            when="ticket.updated",
            if_field=["traits.plan"],
            if_op=["is"],
            if_value=["pro"],
            then='{"action": "add_tags", "tags": ["vip"]}',  # one action, without its list
        ),
    )
    assert made.status_code == 303
    (tag,) = rt.automations.items(app_id)
    assert tag["then"] == [{"action": "add_tags", "tags": ["vip"]}]
    second = rt.automations.create(
        app_id,
        {
            "name": "Solve the silent",
            "when": {"after": {"status": "pending", "hours": 72, "business": True}},
            "then": [{"action": "set_status", "value": "solved"}],
        },
    )
    listed = text_of(admin.get(PREFIX + "/automations").text)
    assert "When a ticket changes, if trait plan is “pro”: add tag vip" in listed
    assert "After 72 h pending (business time): set status to solved" in listed

    assert (
        admin.post(f"{PREFIX}/automations/{tag['id']}/switch", {"enabled": "off"}).status_code
        == 303
    )
    assert rt.automations.get(app_id, tag["id"])["enabled"] is False
    assert (
        admin.post(f"{PREFIX}/automations/{second['id']}/move", {"direction": "up"}).status_code
        == 303
    )
    assert [a["name"] for a in rt.automations.items(app_id)] == ["Solve the silent", "Tag VIPs"]
    assert rt.automations.get(app_id, tag["id"])["enabled"] is False  # moving kept it off

    filed = _file(app)
    page = agent.get(f"{PREFIX}/automations/{tag['id']}?ticket={filed['id']}").text  # agents may
    assert "Only admins change automations." in text_of(page) and "Save automation" not in page
    assert "The conditions do not match" in text_of(page)
    rt.automations.update(
        app_id,
        tag["id"],
        {
            "if": [],
            "then": [
                {"action": "add_tags", "tags": ["vip"]},
                {"action": "set", "field": "priority", "value": "high"},
                {"action": "notify", "to": "team", "message": "VIP <waiting>"},
            ],
        },
    )
    url = f"/admin/tickets/{filed['id']}"
    page = agent.get(f"{PREFIX}/automations/{tag['id']}?ticket=http://x{url}").text
    shown = text_of(page)
    assert (
        f"On {filed['id']} it would add tag vip, change priority normal → high,"
        " notify the team: “VIP <waiting>”" in shown
    )
    assert "VIP <waiting>" not in page
    with rt.db.read() as conn:
        priority, tags = conn.execute(
            "SELECT priority, tags FROM tickets WHERE public_id = ?", (filed["id"],)
        ).fetchone()
    assert priority == "normal" and "vip" not in tags  # nothing changed
    missing = agent.get(f"{PREFIX}/automations/{tag['id']}?ticket=tkt_nope").text
    assert "There is no ticket tkt_nope in this app." in text_of(missing)

    assert admin.post(f"{PREFIX}/automations/{tag['id']}/delete").status_code == 303
    assert [a["name"] for a in rt.automations.items(app_id)] == ["Solve the silent"]


def test_a_loop_is_shown_on_the_list(
    app: Flask, people: dict[str, Person], rt: Any, app_id: str
) -> None:
    for name, before, after in (("Up", "low", "high"), ("Down", "high", "low")):
        rt.automations.create(
            app_id,
            {
                "name": name,
                "when": {"event": "ticket.updated"},
                "if": [{"field": "priority", "op": "is", "value": before}],
                "then": [{"action": "set", "field": "priority", "value": after}],
            },
        )
    filed = _file(app)
    app.test_client().patch(
        f"/api/v1/tickets/{filed['id']}",
        json={"priority": "low"},
        headers={"Authorization": f"Bearer {app.config['ADMIN_KEY']}"},
    )
    page = text_of(people["ana"].get(PREFIX + "/automations").text)
    assert "reported a problem" in page
    assert re.search(r"Problem: loop: \w+ → \w+ → \w+ on priority", page), page


# -- availability ------------------------------------------------------------------------------
def test_an_agent_sets_themselves_away_and_back(people: dict[str, Person], rt: Any) -> None:
    agent, writer = people["ana"], people["wes"]
    assert "You are available" in text_of(agent.get("/admin/profile/").text)
    away = agent.post("/admin/profile/availability", {"available": "0"})
    assert away.status_code == 303 and away.headers["Location"].endswith("saved=away")
    assert rt.teams.is_available("ana") is False
    page = text_of(agent.get("/admin/profile/?saved=away").text)
    assert "You are away" in page and "Saved." in page
    assert agent.post("/admin/profile/availability", {"available": "maybe"}).status_code == 400
    assert (
        agent.post("/admin/profile/availability", {"available": "1"}, csrf=False).status_code == 403
    )
    assert agent.post("/admin/profile/availability", {"available": "1"}).status_code == 303
    assert rt.teams.is_available("ana") is True
    assert "You are available" not in text_of(writer.get("/admin/profile/").text)
    assert writer.post("/admin/profile/availability", {"available": "0"}).status_code == 403
