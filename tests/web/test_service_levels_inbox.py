"""Service levels and teams in the agents' inbox and on the ticket page, through Flask's test
client with the server's clock pinned: the Due column ("in 25 min", "3 h overdue", "paused"),
the "Due soonest" order with its pages and neighbours, the Breached and Team filters, the live
inbox's version, the SLA panel, the Team select and what routing and automations did."""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from support_server import bootstrap, clock
from support_server.app import create_app
from support_server.errors import NotFound
from support_server.principal import Principal
from support_server.services import inbox as inbox_service
from support_server.services.inbox import SORTS, due_cell, due_label, span

# Monday 7 December 2026, 08:00 UTC; business hours are 24/7 in UTC until an admin sets them
T0 = datetime(2026, 12, 7, 8, 0, tzinfo=timezone.utc).timestamp()
PASSWORD = "correct horse battery"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'
MIN, HOUR = 60, 3600


class Clock:
    def __init__(self, value: float) -> None:
        self.value = value

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


class Desk:
    """An app in this process, its admin key for the API, and an agent signed in to /admin."""

    def __init__(self, app: Flask, creds: dict[str, Any], pinned: Clock) -> None:
        self.app = app
        self.rt: Any = app.extensions["support"]
        self.creds = creds
        self.clock = pinned
        self.http: FlaskClient = app.test_client()
        self.agent: FlaskClient = app.test_client()
        self.csrf = ""

    @property
    def app_id(self) -> str:
        return str(self.creds["app_id"])

    def api(self, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.creds['admin_api_key']}"}
        r = self.http.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert r.status_code == want, (r.status_code, r.get_json())
        return r.get_json()

    def file(self, subject: str, **data: Any) -> dict[str, Any]:
        body = {"subject": subject, "body": f"{subject}, please help.", "email": "cleo@example.com"}
        return dict(self.api("POST", "/tickets", 201, json={**body, **data}))

    def sign_in(self, username: str = "ana") -> None:
        form = self.agent.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="login_token" value="([^"]+)"', form)
        assert token
        signed = self.agent.post(
            "/admin/login",
            data={"login_token": token.group(1), "username": username, "password": PASSWORD},
            headers={"Origin": "http://localhost"},
        )
        assert signed.status_code == 303, signed.get_data(as_text=True)
        found = re.search(
            r'<meta name="csrf-token" content="([^"]+)"', self.page("/admin/tickets/")
        )
        assert found
        self.csrf = found.group(1)

    def page(self, path: str, **params: Any) -> str:
        r = self.agent.get(path, query_string=params)
        assert r.status_code == 200, (path, r.status_code)
        return r.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.agent.post(
            path, data={"csrf_token": self.csrf, **data}, headers={"Origin": "http://localhost"}
        )


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Desk]:
    pinned = Clock(T0)
    monkeypatch.setattr(clock, "now", pinned.now)
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, ["http://allowed.example"])
    app = create_app(data_dir=data_dir)
    app.config["TESTING"] = True
    rt = app.extensions["support"]
    for name in ("ana", "maya", "sam"):
        rt.staff.create_user(name, PASSWORD, "agent", display_name=f"{name.title()} Agent")
    desk = Desk(app, creds, pinned)
    desk.sign_in()
    yield desk
    rt.index.close()
    rt.db.close()


def urgent_policy(desk: Desk, **targets: int) -> None:
    desk.api(
        "POST",
        "/sla-policies",
        201,
        json={
            "name": "Urgent",
            "if": [{"field": "priority", "op": "is", "value": "urgent"}],
            "targets": targets or {"first_response": 60, "resolution": 480},
        },
    )


def rows(page: str) -> list[dict[str, str]]:
    """The inbox's rows: subject, the Due cell's text, its markup, and the Assignee cell."""
    out = []
    for row in re.findall(r'<tr class="inbox-row.*?</tr>', page, re.S):
        subject = re.search(r'class="subject"[^>]*>([^<]*)</a>', row)
        due = re.search(r"<td class=\"nowrap\" data-due>(.*?)</td>", row, re.S)
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        assert subject and due
        out.append(
            {
                "subject": html.unescape(subject.group(1)),
                "due": " ".join(html.unescape(re.sub(r"<[^>]+>", " ", due.group(1))).split()),
                "due_html": due.group(1),
                "assignee": " ".join(html.unescape(re.sub(r"<[^>]+>", " ", cells[3])).split()),
            }
        )
    return out


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def section(page: str, marker: str) -> str:
    """The <section> of the page holding ``marker``."""
    start = page.rindex("<section", 0, page.index(marker))
    return page[start : page.index("</section>", start)]


# -- relative times ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seconds", "said"),
    [
        (30, "1 min"),
        (25 * MIN, "25 min"),
        (25 * MIN - 0.4, "25 min"),  # due times are kept to the millisecond
        (59 * MIN + 40, "1 h"),
        (3 * HOUR + 59 * MIN, "3 h"),
        (47 * HOUR, "47 h"),
        (50 * HOUR, "2 d"),
        (-3 * HOUR - 10 * MIN, "3 h"),
    ],
)
def test_spans_are_said_in_minutes_hours_then_days(seconds: float, said: str) -> None:
    assert span(seconds) == said


def test_a_due_time_is_said_relative_to_the_servers_now() -> None:
    due = clock.iso(T0)
    assert due_label(due, T0 - 25 * MIN) == {"at": due, "text": "in 25 min", "state": "soon"}
    assert due_label(due, T0 - 2 * HOUR)["state"] == "due"
    assert due_label(due, T0 + 3 * HOUR + 5 * MIN) == {
        "at": due,
        "text": "3 h overdue",
        "state": "overdue",
    }
    assert due_label(due, T0 + 10)["text"] == "due now"
    assert due_label(due, T0 + 10)["state"] == "overdue"  # a second past is past
    assert due_cell({"sla_clock": False}, T0) is None  # no policy: nothing
    assert due_cell({"sla_clock": True, "sla_next_due": None, "sla_paused": True}, T0) == {
        "at": None,
        "text": "paused",
        "state": "paused",
        "breached": False,
    }
    met = {"sla_clock": True, "sla_next_due": None, "sla_paused": False}
    assert due_cell(met, T0) is None
    assert due_cell({**met, "sla_breach_recorded": True}, T0)["text"] == "breached"  # type: ignore[index]


# -- the inbox ---------------------------------------------------------------------------------


def overdue_and_due_soon(desk: Desk) -> dict[str, dict[str, Any]]:
    """Tickets at T0 + 4 h 10 min: one 3 h 10 min past its first response, one due in 25 min,
    one pending (its resolution clock paused), one no policy applies to."""
    urgent_policy(desk)
    late = desk.file("Refund never arrived", priority="urgent")
    desk.clock.advance(3 * HOUR + 30 * MIN)
    waiting = desk.file("Invoice address", priority="urgent")
    desk.api("POST", f"/tickets/{waiting['id']}/messages", 201, json={"body": "Which one?"})
    desk.api("PATCH", f"/tickets/{waiting['id']}", json={"status": "pending"})
    desk.clock.advance(5 * MIN)
    soon = desk.file("Card declined", priority="urgent")
    plain = desk.file("How do I export?")
    desk.clock.advance(35 * MIN)
    return {"late": late, "soon": soon, "waiting": waiting, "plain": plain}


def test_the_due_column_and_the_due_soonest_order(desk: Desk) -> None:
    filed = overdue_and_due_soon(desk)
    page = desk.page("/admin/tickets/")
    assert '<option value="due" selected>Due soonest</option>' in page  # the natural choice
    listed = rows(page)
    assert [(r["subject"], r["due"]) for r in listed] == [
        ("Refund never arrived", "3 h overdue"),
        ("Card declined", "in 25 min"),
        ("How do I export?", ""),  # no policy: nothing, and by update time after the timed
        ("Invoice address", "paused"),
    ]
    late, soon = listed[0]["due_html"], listed[1]["due_html"]
    due_at = clock.iso(T0 + HOUR)
    assert f'<time class="due due-overdue" datetime="{due_at}"' in late
    assert 'title="Due 7 Dec 2026, 09:00 UTC"' in late
    assert 'class="due due-soon"' in soon and 'title="Due 7 Dec 2026, 12:35 UTC"' in soon

    # the other orders still work, and "due" says so explicitly too
    assert rows(desk.page("/admin/tickets/", sort="due")) == listed
    by_update = [r["subject"] for r in rows(desk.page("/admin/tickets/", sort="updated"))]
    assert by_update == [
        "How do I export?",
        "Card declined",
        "Invoice address",
        "Refund never arrived",
    ]
    oldest = [r["subject"] for r in rows(desk.page("/admin/tickets/", sort="oldest"))]
    assert oldest[0] == "Refund never arrived"
    nonsense = desk.page("/admin/tickets/", sort="'; DROP TABLE tickets; --")
    assert [r["subject"] for r in rows(nonsense)] == [r["subject"] for r in listed]

    # solved: the clock stops and the column empties (a breach stays on record for the filter)
    desk.api("PATCH", f"/tickets/{filed['soon']['id']}", json={"status": "solved"})
    solved = rows(desk.page("/admin/tickets/", view="solved"))
    assert [(r["subject"], r["due"]) for r in solved] == [("Card declined", "")]


def test_breached_and_team_filters(desk: Desk) -> None:
    billing = desk.api(
        "POST",
        "/teams",
        201,
        json={"name": "Billing", "members": ["maya"], "contexts": ["billing."]},
    )
    desk.api(
        "POST",
        "/teams",
        201,
        json={"name": "Reports", "members": ["sam"], "contexts": ["reports."]},
    )
    urgent_policy(desk, first_response=60)
    desk.file("Overdue", priority="urgent", context={"context_key": "billing.refunds"})
    met_late = desk.file("Answered late", priority="urgent")
    on_time = desk.file("Answered in time", priority="urgent")
    desk.clock.advance(30 * MIN)
    desk.api("POST", f"/tickets/{on_time['id']}/messages", 201, json={"body": "On it."})
    desk.clock.advance(HOUR)
    desk.api("POST", f"/tickets/{met_late['id']}/messages", 201, json={"body": "Sorry."})
    routed = desk.file("Routed", context={"context_key": "billing.vat"})
    assert routed["team"]["name"] == "Billing"

    page = desk.page("/admin/tickets/")
    assert '<option value="none">No team</option>' in page
    assert f'<option value="{billing["id"]}">Billing</option>' in page
    assert '<option value="1">Breached</option>' in page
    breached = rows(desk.page("/admin/tickets/", breached="1"))
    assert [(r["subject"], r["due"]) for r in breached] == [  # overdue, and breached on record
        ("Overdue", "30 min overdue"),
        ("Answered late", "breached"),
    ]
    assert '<option value="1" selected>Breached</option>' in desk.page(
        "/admin/tickets/", breached="1"
    )
    teamed = rows(desk.page("/admin/tickets/", team=billing["id"]))
    assert [r["subject"] for r in teamed] == ["Overdue", "Routed"]
    assert teamed[0]["assignee"] == "Maya Agent Billing"  # the team under the assignee
    none = [r["subject"] for r in rows(desk.page("/admin/tickets/", team="none"))]
    assert sorted(none) == ["Answered in time", "Answered late"]
    both = rows(desk.page("/admin/tickets/", team=billing["id"], breached="1"))
    assert [r["subject"] for r in both] == ["Overdue"]
    # an unknown team filters nothing rather than hiding everything
    assert len(rows(desk.page("/admin/tickets/", team="team_nope"))) == 4
    # the filters are kept by the view tabs and by the search form
    page = desk.page("/admin/tickets/", team=billing["id"], breached="1")
    assert f'href="/admin/tickets/?view=all&amp;team={billing["id"]}&amp;breached=1"' in page
    assert '<input type="hidden" name="breached" value="1">' in page


def test_pages_and_neighbours_follow_the_due_order(
    desk: Desk, monkeypatch: pytest.MonkeyPatch
) -> None:
    urgent_policy(desk, first_response=60)
    made = []
    for n in range(3):  # filed 10 minutes apart: due 10 minutes apart, the oldest first
        made.append(desk.file(f"Timed {n}", priority="urgent"))
        desk.clock.advance(10 * MIN)
    made.append(desk.file("Untimed"))
    desk.clock.advance(MIN)
    desk.api("PATCH", f"/tickets/{made[0]['id']}", json={"tags": ["vip"]})  # updated last
    monkeypatch.setattr(inbox_service, "PER_PAGE", 2)

    first = desk.page("/admin/tickets/")
    assert [r["subject"] for r in rows(first)] == ["Timed 0", "Timed 1"]
    assert "Page 1 of 2" in text(first)
    assert 'href="/admin/tickets/?page=2&amp;view=unsolved"' in first
    second = desk.page("/admin/tickets/", page="2")
    assert [r["subject"] for r in rows(second)] == ["Timed 2", "Untimed"]
    updated = desk.page("/admin/tickets/", sort="updated", page="2")
    assert 'href="/admin/tickets/?page=1&amp;sort=updated&amp;view=unsolved"' in updated

    ids = [t["id"] for t in made]
    ticket = desk.page(f"/admin/tickets/{ids[1]}")
    assert f'href="/admin/tickets/{ids[0]}" data-shortcut="k" rel="prev"' in ticket
    assert f'href="/admin/tickets/{ids[2]}" data-shortcut="j" rel="next"' in ticket
    last = desk.page(f"/admin/tickets/{ids[3]}")
    assert f'href="/admin/tickets/{ids[2]}" data-shortcut="k"' in last and 'rel="next"' not in last


def test_neighbours_walk_every_order_as_the_inbox_lists_it(desk: Desk) -> None:
    """Under each sort, following "next" from the first ticket visits the inbox's rows in
    order, and "previous" walks them back, ties (the same update time) included."""
    urgent_policy(desk, first_response=60)
    for n, priority in enumerate(["urgent", "normal", "urgent", "high", "urgent", "normal"]):
        desk.file(f"Ticket {n}", priority=priority)
        if n % 2:
            desk.clock.advance(5 * MIN)  # pairs filed at the same moment
    solved = desk.file("Solved, never a neighbour")
    desk.api("PATCH", f"/tickets/{solved['id']}", json={"status": "solved"})
    rt, app_ids = desk.rt, [desk.app_id]
    for sort in SORTS:
        listed = [t["public_id"] for t in rt.inbox.page(app_ids, sort=sort)["items"]]
        assert len(listed) == 6 and solved["id"] not in listed
        walked, at = [listed[0]], listed[0]
        while (at := rt.inbox.neighbours(app_ids, desk.app_id, at, sort)["next"]) is not None:
            walked.append(at)
        assert walked == listed, sort
        back, at = [listed[-1]], listed[-1]
        while (at := rt.inbox.neighbours(app_ids, desk.app_id, at, sort)["previous"]) is not None:
            back.append(at)
        assert back == listed[::-1], sort


def test_the_live_inbox_redraws_when_a_ticket_falls_overdue(desk: Desk) -> None:
    urgent_policy(desk, first_response=60)
    desk.file("Timed", priority="urgent")
    first = desk.agent.get("/admin/tickets/changes")
    etag = first.headers["ETag"]
    page = desk.page("/admin/tickets/")
    assert f'data-live-version="{html.escape(first.get_json()["version"])}"' in page
    desk.clock.advance(10)
    same = desk.agent.get("/admin/tickets/changes", headers={"If-None-Match": etag})
    assert same.status_code == 304  # nothing changed: the poll costs a 304
    desk.clock.advance(HOUR + 60)  # past its due time: no ticket changed, the page did
    late = desk.agent.get("/admin/tickets/changes", headers={"If-None-Match": etag})
    assert late.status_code == 200 and late.get_json()["version"] != first.get_json()["version"]
    assert rows(desk.page("/admin/tickets/"))[0]["due"] == "1 min overdue"
    # and while anything has a due time, at least every five minutes ("in 25 min" moves on)
    etag = late.headers["ETag"]
    desk.clock.advance(inbox_service.REFRESH)
    assert (
        desk.agent.get("/admin/tickets/changes", headers={"If-None-Match": etag}).status_code == 200
    )


# -- the ticket page ---------------------------------------------------------------------------


def test_the_ticket_page_shows_its_service_level_team_and_history(desk: Desk) -> None:
    desk.api(
        "POST",
        "/teams",
        201,
        json={"name": "Billing", "members": ["maya"], "contexts": ["billing."]},
    )
    desk.api(
        "POST",
        "/automations",
        201,
        json={
            "name": "Billing is urgent",
            "when": {"event": "ticket.created"},
            "if": [{"field": "context_key", "op": "starts_with", "value": "billing."}],
            "then": [
                {"action": "set", "field": "priority", "value": "urgent"},
                {"action": "add_tags", "tags": ["billing"]},
            ],
        },
    )
    urgent_policy(desk, first_response=60, next_response=120, resolution=480)
    filed = desk.file("Refund never arrived", context={"context_key": "billing.refunds"})
    path = f"/admin/tickets/{filed['id']}"
    desk.clock.advance(35 * MIN)

    page = desk.page(path)
    panel = text(section(page, "data-sla"))
    assert panel.startswith("Service level Policy Urgent")
    assert "First response · 1 h in 25 min Due 7 Dec 2026, 09:00 UTC" in panel
    assert "Next response · 2 h None owed until the customer writes again" in panel
    assert "Resolution · 8 h in 7 h Due 7 Dec 2026, 16:00 UTC" in panel
    assert "Breached" not in panel
    assert "data-due>Due in 25 min</time>" in page  # beside the status in the head
    history = [
        " ".join(html.unescape(re.sub(r"<[^>]+>", "", a)).split())  # inline markup: no spaces
        for a in re.findall(r'<div class="activity.*?</div>', page, re.S)
    ]
    assert history == [
        "Routed to Billing, assigned to Maya Agent 7 Dec 2026, 08:00 UTC",
        "Automation Billing is urgent: priority normal → urgent, tag +billing"
        " 7 Dec 2026, 08:00 UTC",
    ]
    assert "<em>Billing is urgent</em>" in page
    # dated, between the messages: the request, then routing and rules, then the replies
    assert page.index("please help.") < page.index("Routed to") < page.index('id="reply-body"')

    desk.clock.advance(HOUR)  # answered 35 minutes late, then waiting on the customer
    replied = desk.post(f"{path}/messages", {"body": "Refunded today.", "then_status": "pending"})
    assert replied.status_code == 303
    page = desk.page(path)
    panel = text(section(page, "data-sla"))
    assert panel.startswith("Service level Breached Policy Urgent")
    assert "First response · 1 h Breached Met 7 Dec 2026, 09:35 UTC" in panel
    assert "Breached 7 Dec 2026, 09:00 UTC" in panel  # when it fell due, not when noticed
    assert "Resolution · 8 h Paused while pending" in panel
    assert "data-due>SLA paused</span>" in page
    (row,) = rows(desk.page("/admin/tickets/"))
    assert row["due"] == "paused breached before"  # in the inbox, the breach is not forgotten
    assert page.index("Routed to") < page.index("Refunded today.")

    desk.clock.advance(HOUR)
    desk.api("PATCH", f"/tickets/{filed['id']}", json={"status": "solved"})
    panel = text(section(desk.page(path), "data-sla"))
    assert "Resolution · 8 h Met 7 Dec 2026, 10:35 UTC" in panel  # solved: resolved
    assert "Next response · 2 h No reply owed" in panel

    unanswered = desk.file("Never mind", priority="urgent")  # solved before any reply
    desk.api("PATCH", f"/tickets/{unanswered['id']}", json={"status": "solved"})
    panel = text(section(desk.page(f"/admin/tickets/{unanswered['id']}"), "data-sla"))
    assert "First response · 1 h Stopped: solved before it was met" in panel
    assert "Breached" not in panel


def test_no_policy_no_panel(desk: Desk) -> None:
    filed = desk.file("Just a question")
    page = desk.page(f"/admin/tickets/{filed['id']}")
    assert "data-sla" not in page and "data-due" not in page and "data-activity" not in page
    assert '<option value="">No team</option>' in page


def test_the_team_select_moves_the_ticket_through_the_service(desk: Desk) -> None:
    billing = desk.api("POST", "/teams", 201, json={"name": "Billing", "members": ["maya"]})
    filed = desk.file("Move me")  # a team without contexts takes every ticket
    path = f"/admin/tickets/{filed['id']}"
    assert filed["team"]["name"] == "Billing"
    reports = desk.api("POST", "/teams", 201, json={"name": "Reports", "members": ["sam"]})
    page = desk.page(path)
    assert f'<option value="{billing["id"]}" selected>Billing</option>' in page
    assert page.index('id="p-assignee"') < page.index('id="p-team"') < page.index('id="p-tags"')

    moved = desk.post(path, {"team": reports["id"], "status": "new", "action": "save"})
    assert moved.status_code == 303 and moved.headers["Location"].endswith("notice=updated")
    assert desk.api("GET", f"/tickets/{filed['id']}")["team"]["name"] == "Reports"
    with desk.rt.db.read() as conn:  # the ordinary change: an event naming the agent
        (payload,) = conn.execute(
            "SELECT payload FROM outbox_events WHERE type = 'ticket.updated' ORDER BY id DESC"
        ).fetchone()
    event = json.loads(payload)
    assert event["changes"] == {"team": {"from": billing["id"], "to": reports["id"]}}
    assert event["actor"]["kind"] == "staff"
    assert f'<option value="{reports["id"]}" selected>Reports</option>' in desk.page(path)

    assert desk.post(path, {"priority": "high"}).status_code == 303  # no team field: kept
    assert desk.api("GET", f"/tickets/{filed['id']}")["team"]["name"] == "Reports"
    assert desk.post(path, {"team": ""}).status_code == 303  # "No team"
    assert desk.api("GET", f"/tickets/{filed['id']}")["team"] is None
    refused = desk.post(path, {"team": "team_nope", "priority": "low"})
    assert refused.status_code == 422 and "no such team" in text(refused.get_data(as_text=True))
    after = desk.api("GET", f"/tickets/{filed['id']}")
    assert after["team"] is None and after["priority"] == "high"  # nothing half-saved


def test_activity_is_for_agents_only(desk: Desk) -> None:
    filed = desk.file("Mine")
    tickets = desk.rt.tickets
    agent = Principal(desk.app_id, "staff", "ana", role="agent")
    assert tickets.activity(agent, filed["id"]) == []
    for who in (
        Principal(desk.app_id, "staff", "wes", role="writer"),
        Principal(desk.app_id, "visitor", filed["requester"]["id"]),
    ):
        with pytest.raises(NotFound):
            tickets.activity(who, filed["id"])
    with pytest.raises(NotFound):
        tickets.activity(agent, "tkt_nope")


def test_names_from_users_and_admins_are_never_html(desk: Desk) -> None:
    team = desk.api("POST", "/teams", 201, json={"name": f"Team {XSS}", "members": ["maya"]})
    desk.api(
        "POST",
        "/automations",
        201,
        json={
            "name": f"Rule {XSS}",
            "when": {"event": "ticket.created"},
            "then": [{"action": "add_tags", "tags": ["vip"]}],
        },
    )
    desk.api(
        "POST",
        "/sla-policies",
        201,
        json={"name": f"Policy {XSS}", "targets": {"first_response": 60}},
    )
    filed = desk.file(f"Subject {XSS}")
    for page in (
        desk.page("/admin/tickets/"),
        desk.page("/admin/tickets/", team=team["id"]),
        desk.page(f"/admin/tickets/{filed['id']}"),
    ):
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;" in page
    page = desk.page(f"/admin/tickets/{filed['id']}")
    assert "Automation <em>Rule &lt;script&gt;" in page and "tag +vip" in page
    assert "<strong>Policy &lt;script&gt;" in page
