"""Service-level analytics follow their definitions in the README (Analytics, service levels),
checked against figures worked out by hand from rows written straight into the SQLite file of
a real server (tickets, messages, SLA clocks and recorded breaches, as the SLA service and its
sweep leave them), then read back from GET /api/v1/analytics/service-levels, the admin
dashboard and the CSV exports.

The range is Monday 2 to Wednesday 4 March 2026. The app's business hours are the default
(24/7 UTC), so a due time is the start plus the target in minutes; a second app with business
hours checks the business-minute figures; a third app's rows must never be counted.

Every clock is written with ``next_check`` NULL, so the server's own sweep leaves the rows as
they are: a breach "recorded by the sweep" is the sla_events row the sweep writes, and an
overdue target with no such row is one the sweep has not got to yet.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from ..servers import ServerProcess, create_staff_key, init_data_dir
from .conftest import USERS, Staff, create_users
from .conftest import sign_in as sign_in_in_browser

API = "/api/v1"
RANGE = {"from": "2026-03-02", "to": "2026-03-04"}
OTHER_APP, HOURS_APP = "app_elsewhere", "app_officehours"
STANDARD = {"first_response": 60, "next_response": 120, "resolution": 480}


def at(day: int, hour: int, minute: int = 0) -> str:
    return f"2026-03-{day:02d}T{hour:02d}:{minute:02d}:00.000Z"


class Rows:
    """Writes tickets and what hangs off them, as the app stores them."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.count = 0

    def app(self, app_id: str, settings: dict[str, Any] | None = None) -> None:
        self.conn.execute(
            "INSERT INTO apps (id, name, secrets, origins, settings, created_at)"
            " VALUES (?, ?, ?, '[]', ?, '2027-01-01T00:00:00.000Z')",
            (
                app_id,
                app_id,
                json.dumps([app_id + "-secret-" + "x" * 30]),
                json.dumps(settings or {}),
            ),
        )

    def team(self, team_id: int, app_id: str, name: str) -> None:
        self.conn.execute(
            "INSERT INTO teams (id, public_id, app_id, name, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?)",
            (team_id, f"team_{team_id}", app_id, name, at(1, 0), at(1, 0)),
        )

    def ticket(
        self,
        app_id: str,
        created: str,
        *,
        status: str = "open",
        solved: str | None = None,
        priority: str = "normal",
        team: int | None = None,
        agent: str | None = None,
        tags: tuple[str, ...] = (),
    ) -> int:
        self.count += 1
        cur = self.conn.execute(
            "INSERT INTO tickets (public_id, app_id, requester_kind, requester_id, requester_email,"
            " subject, body, status, priority, source, assignee, tags, created_at, updated_at,"
            " solved_at, team_id) VALUES (?, ?, 'visitor', ?, 'cleo@example.com', ?, 'Help',"
            " ?, ?, 'api', ?, ?, ?, ?, ?, ?)",
            (
                f"tkt_hand{self.count}",
                app_id,
                f"visitor-{self.count}",
                f"Ticket {self.count}",
                status,
                priority,
                agent,
                json.dumps(list(tags)),
                created,
                solved or created,
                solved,
                team,
            ),
        )
        return int(cur.lastrowid or 0)

    def message(self, ticket: int, kind: str, when: str, *, internal: bool = False) -> None:
        self.count += 1
        self.conn.execute(
            "INSERT INTO ticket_messages (public_id, ticket_id, author_kind, author_id, body,"
            " internal, created_at) VALUES (?, ?, ?, ?, 'text', ?, ?)",
            (f"msg_hand{self.count}", ticket, kind, kind, int(internal), when),
        )

    def clock(self, ticket: int, policy: str, targets: dict[str, int | None], **state: Any) -> None:
        self.conn.execute(
            "INSERT INTO ticket_sla (ticket_id, policy_name, targets, first_response_due,"
            " first_response_at, next_response_due, resolution_due, resolution_spent,"
            " running_since, resolved_at, next_due, next_check)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)",
            (
                ticket,
                policy,
                json.dumps({m: targets.get(m) for m in STANDARD}),
                state.get("first_response_due"),
                state.get("first_response_at"),
                state.get("next_response_due"),
                state.get("resolution_due"),
                state.get("resolution_spent", 0),
                state.get("running_since"),
                state.get("resolved_at"),
            ),
        )

    def event(self, ticket: int, app_id: str, metric: str, kind: str, due: str) -> None:
        self.conn.execute(
            "INSERT INTO sla_events (ticket_id, app_id, policy_name, metric, kind, due_at, at,"
            " recorded_at) VALUES (?, ?, 'Standard', ?, ?, ?, ?, ?)",
            (ticket, app_id, metric, kind, due, due, due),
        )

    def rating(self, ticket: int, score: int, when: str) -> None:
        self.conn.execute(
            "INSERT INTO ticket_ratings (ticket_id, score, created_at) VALUES (?, ?, ?)",
            (ticket, score, when),
        )


def build(conn: sqlite3.Connection, app: str) -> None:
    """The scenario; each ticket's comment says what it is for."""
    rows = Rows(conn)
    rows.app(OTHER_APP)
    weekdays = {d: [["09:00", "17:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    rows.app(HOURS_APP, {"business_hours": {"timezone": "UTC", "weekly": weekdays}})
    rows.team(1, app, "Billing")
    rows.team(2, app, "Tech")
    rows.team(3, OTHER_APP, "Billing")

    # t0: filed long before, still open: in the backlog every day, in nothing else.
    rows.ticket(app, "2026-02-20T10:00:00.000Z")

    # t1: first reply exactly at its due time (met); a next response in time; solved within
    # the resolution target (300 of 480 minutes used: due 14:00 + 180 = 17:00). Two replies.
    t1 = rows.ticket(
        app, at(2, 9), status="solved", solved=at(2, 14), priority="high", team=1,
        agent="maya", tags=("billing", "refund"),
    )  # fmt: skip
    rows.message(t1, "agent", at(2, 10))
    rows.message(t1, "requester", at(2, 11))
    rows.message(t1, "agent", at(2, 12))
    rows.clock(
        t1, "Standard", STANDARD, first_response_due=at(2, 10), first_response_at=at(2, 10),
        resolution_spent=300, resolved_at=at(2, 14),
    )  # fmt: skip
    rows.rating(t1, 5, at(2, 15))

    # t2: first response breached (recorded by the sweep at 11:00, answered 12:30), resolution
    # breached (recorded at 18:00); solved next day with one public reply (a note is not one).
    t2 = rows.ticket(
        app, at(2, 10), status="solved", solved=at(3, 10), team=1, agent="sam",
        tags=("billing",),
    )  # fmt: skip
    rows.message(t2, "agent", at(2, 11, 30), internal=True)
    rows.message(t2, "agent", at(2, 12, 30))
    rows.clock(
        t2, "Standard", STANDARD, first_response_due=at(2, 11), first_response_at=at(2, 12, 30),
        resolution_spent=1440, resolved_at=at(3, 10),
    )  # fmt: skip
    rows.event(t2, app, "first_response", "warning", at(2, 11))  # a warning is no miss
    rows.event(t2, app, "first_response", "breach", at(2, 11))
    rows.event(t2, app, "resolution", "breach", at(2, 18))
    rows.rating(t2, 2, at(3, 11))

    # t3: urgent, never answered: its first response fell due at 08:30 and the sweep has not
    # recorded the breach yet (missed all the same); pending, so its resolution clock stopped.
    t3 = rows.ticket(app, at(3, 8), status="pending", priority="urgent", team=2, agent="maya")
    rows.clock(
        t3, "Urgent", {"first_response": 30, "resolution": 240},
        first_response_due=at(3, 8, 30), resolution_spent=60,
    )  # fmt: skip

    # t4: answered in time; the customer's next message is owed a reply by 23:00, which the
    # sweep recorded as breached; resolution due 5 March 04:00, after the range.
    t4 = rows.ticket(app, at(4, 20), tags=("refund",))
    rows.message(t4, "agent", at(4, 20, 30))
    rows.message(t4, "requester", at(4, 21))
    rows.clock(
        t4, "Standard", STANDARD, first_response_due=at(4, 21), first_response_at=at(4, 20, 30),
        next_response_due=at(4, 23), resolution_due=at(5, 4), running_since=at(4, 20),
    )  # fmt: skip
    rows.event(t4, app, "next_response", "breach", at(4, 23))

    # t5: filed the day before, solved in the range with one reply; rated in the range.
    t5 = rows.ticket(
        app, at(1, 12), status="solved", solved=at(2, 9), team=2, agent="sam", tags=("refund",)
    )
    rows.message(t5, "agent", at(1, 13))
    rows.rating(t5, 4, at(2, 10))

    # t6: closed without a reply (spam); a tag that would run in a spreadsheet.
    rows.ticket(
        app, at(3, 9), status="closed", solved=at(3, 9, 30), priority="low", team=2,
        agent="maya", tags=("spam", "@SUM(1+1)"),
    )  # fmt: skip

    # t7: three next responses: met exactly at 09:00, late at 12:30 (breach recorded at 12:00),
    # met at 14:00 (due 15:00). No resolution target.
    t7 = rows.ticket(app, at(2, 6), team=2, agent="maya", tags=("billing",))
    for kind, when in (
        ("agent", at(2, 6, 40)),
        ("requester", at(2, 7)),
        ("agent", at(2, 9)),
        ("requester", at(2, 10)),
        ("agent", at(2, 12, 30)),
        ("requester", at(2, 13)),
        ("agent", at(2, 14)),
    ):
        rows.message(t7, kind, when)
    rows.clock(
        t7, "Standard", {"first_response": 60, "next_response": 120},
        first_response_due=at(2, 7), first_response_at=at(2, 6, 40),
    )  # fmt: skip
    rows.event(t7, app, "next_response", "breach", at(2, 12))

    # t8: solved exactly at midnight after the range: still open at the end of 4 March.
    t8 = rows.ticket(app, at(4, 12), status="solved", solved=at(5, 0), agent="sam")
    rows.message(t8, "agent", at(4, 13))

    # t9: filed the evening before: its first response fell due before the range; solved at
    # 05:00 with 420 of 480 minutes used, so its resolution target fell due at 06:00, in it.
    t9 = rows.ticket(app, at(1, 22), status="solved", solved=at(2, 5), agent="sam")
    rows.message(t9, "agent", at(1, 22, 30))
    rows.clock(
        t9, "Standard", STANDARD, first_response_due=at(1, 23), first_response_at=at(1, 22, 30),
        resolution_spent=420, resolved_at=at(2, 5),
    )  # fmt: skip

    # Another app's ticket, alike in every way: never counted.
    tx = rows.ticket(
        OTHER_APP, at(2, 9), status="solved", solved=at(2, 10), priority="high", team=3,
        agent="maya", tags=("billing",),
    )  # fmt: skip
    rows.message(tx, "agent", at(2, 9, 30))
    rows.clock(
        tx, "Standard", STANDARD, first_response_due=at(2, 10), first_response_at=at(2, 9, 30),
        resolution_spent=60, resolved_at=at(2, 10),
    )  # fmt: skip
    rows.event(tx, OTHER_APP, "resolution", "breach", at(2, 9, 30))
    rows.event(tx, OTHER_APP, "next_response", "breach", at(2, 9, 45))
    rows.rating(tx, 1, at(2, 11))

    # Business hours 09:00-17:00 on weekdays. Filed Friday 16:00, answered Monday 10:00:
    # 66 hours, 120 business minutes (the target: met exactly). The customer writes Monday
    # 16:30: 60 business minutes later is Tuesday 09:30, when the agent answers (met).
    tc = rows.ticket(HOURS_APP, at(6, 16), agent="lee")
    rows.message(tc, "agent", at(9, 10))
    rows.message(tc, "requester", at(9, 16, 30))
    rows.message(tc, "agent", at(10, 9, 30))
    rows.clock(
        tc, "Office", {"first_response": 120, "next_response": 60},
        first_response_due=at(9, 10), first_response_at=at(9, 10),
    )  # fmt: skip


class Levels:
    def __init__(self, server: LiveServer, hours_key: str) -> None:
        self.server = server
        self.hours_key = hours_key

    def get(self, key: str | None = None, **params: str) -> requests.Response:
        return requests.get(
            self.server.url + API + "/analytics/service-levels",
            params=params,
            headers={"Authorization": f"Bearer {key or self.server.admin_key}"},
            timeout=10,
        )

    def json(self, key: str | None = None, **params: str) -> dict[str, Any]:
        response = self.get(key, **params)
        assert response.status_code == 200, response.text
        data: dict[str, Any] = response.json()
        return data


@pytest.fixture(scope="module")
def levels(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Levels]:
    data_dir = tmp_path_factory.mktemp("levels") / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    create_users(data_dir)
    conn = sqlite3.connect(data_dir / "support.db")
    with conn:
        build(conn, creds["app_id"])
    conn.close()
    hours_key = create_staff_key(data_dir, "admin", HOURS_APP)
    with ServerProcess(data_dir) as process:
        yield Levels(LiveServer(process, creds), hours_key)


def share(met: int, missed: int) -> dict[str, Any]:
    due = met + missed
    return {
        "met": met,
        "missed": missed,
        "fell_due": due,
        "rate": round(met / due, 4) if due else None,
    }


def tally(fr: tuple[int, int], nr: tuple[int, int], res: tuple[int, int]) -> dict[str, Any]:
    return {
        "first_response": share(*fr),
        "next_response": share(*nr),
        "resolution": share(*res),
        "all": share(fr[0] + nr[0] + res[0], fr[1] + nr[1] + res[1]),
    }


def test_sla_attainment_per_policy_team_and_agent(levels: Levels) -> None:
    sla = levels.json(**RANGE)["sla_attainment"]
    # first response: t1 (at its due time), t4, t7 met; t2 (recorded), t3 (not yet) missed
    # next response: t1, t7 twice met; t4, t7 (both recorded) missed
    # resolution: t1, t9 met; t2 missed (t4 falls due after the range, t3 is stopped)
    assert sla["overall"] == tally((3, 2), (3, 2), (2, 1))
    assert sla["overall"]["all"]["rate"] == 0.6154  # 8 of 13
    assert sla["by_policy"] == [
        {"policy": "Standard", **tally((3, 1), (3, 2), (2, 1))},
        {"policy": "Urgent", **tally((0, 1), (0, 0), (0, 0))},
    ]
    assert sla["by_policy"][1]["next_response"]["rate"] is None  # nothing due: no rate
    assert sla["by_team"] == [
        {"team": "Billing", **tally((1, 1), (1, 0), (1, 1))},
        {"team": "Tech", **tally((1, 1), (2, 1), (0, 0))},
        {"team": None, **tally((1, 0), (0, 1), (1, 0))},
    ]
    assert sla["by_agent"] == [
        {"agent": "maya", **tally((2, 1), (3, 1), (1, 0))},
        {"agent": "sam", **tally((0, 1), (0, 0), (1, 1))},
        {"agent": None, **tally((1, 0), (0, 1), (0, 0))},
    ]


def test_attainment_counts_each_target_in_the_range_its_due_time_is_in(levels: Levels) -> None:
    def overall(day: str) -> dict[str, Any]:
        data: dict[str, Any] = levels.json(**{"from": day, "to": day})["sla_attainment"]
        return data["overall"]

    # 1 March: only t9's first response (due 23:00, answered 22:30)
    assert overall("2026-03-01") == tally((1, 0), (0, 0), (0, 0))
    # 4 March: t4's first response met, its next response missed; nothing else
    assert overall("2026-03-04") == tally((1, 0), (0, 1), (0, 0))
    # 5 March: t4's resolution fell due at 04:00 unsolved (the sweep has not recorded it)
    assert overall("2026-03-05") == tally((0, 0), (0, 0), (0, 1))


def test_first_contact_resolution(levels: Levels) -> None:
    fcr = levels.json(**RANGE)["first_contact_resolution"]
    # solved in the range: t1 (2 replies), t2 (1: the note does not count), t5 (1), t6 (0),
    # t9 (1); t8 was solved at midnight after the range
    assert fcr == {
        "solved": 5,
        "one_reply": 3,
        "rate": 0.6,
        "by_replies": [
            {"replies": "0", "tickets": 1},
            {"replies": "1", "tickets": 3},
            {"replies": "2", "tickets": 1},
            {"replies": "3+", "tickets": 0},
        ],
    }


def minutes(count: int, median: float, p90: float) -> dict[str, Any]:
    """24/7 business hours: business minutes are wall-clock minutes."""
    return {
        "tickets": count,
        "median": median,
        "p90": p90,
        "business_median": median,
        "business_p90": p90,
    }


def test_first_response_and_resolution_times_by_team_and_agent(levels: Levels) -> None:
    data = levels.json(**RANGE)
    # filed in the range and answered: t1 60, t2 150, t4 30, t7 40, t8 60 minutes
    assert data["first_response_minutes"] == {
        "overall": minutes(5, 60, 150),
        "by_team": [
            {"team": "Billing", **minutes(2, 105, 150)},
            {"team": "Tech", **minutes(1, 40, 40)},
            {"team": None, **minutes(2, 45, 60)},
        ],
        "by_agent": [
            {"agent": "maya", **minutes(2, 50, 60)},
            {"agent": "sam", **minutes(2, 105, 150)},
            {"agent": None, **minutes(1, 30, 30)},
        ],
    }
    # filed in the range and solved now: t1 300, t2 1440, t6 30, t8 720 minutes
    assert data["resolution_minutes"] == {
        "overall": minutes(4, 510, 1440),
        "by_team": [
            {"team": "Billing", **minutes(2, 870, 1440)},
            {"team": "Tech", **minutes(1, 30, 30)},
            {"team": None, **minutes(1, 720, 720)},
        ],
        "by_agent": [
            {"agent": "maya", **minutes(2, 165, 300)},
            {"agent": "sam", **minutes(2, 1080, 1440)},
        ],
    }


def test_business_minutes_follow_the_apps_business_hours(levels: Levels) -> None:
    data = levels.json(levels.hours_key, **{"from": "2026-03-06", "to": "2026-03-10"})
    assert data["first_response_minutes"]["overall"] == {
        "tickets": 1,
        "median": 3960,  # Friday 16:00 to Monday 10:00
        "p90": 3960,
        "business_median": 120,
        "business_p90": 120,
    }
    # both met exactly at their due times: Monday 10:00, and Tuesday 09:30 (30 minutes on
    # Monday after 16:30, 30 on Tuesday from 09:00)
    assert data["sla_attainment"]["overall"] == tally((1, 0), (1, 0), (0, 0))
    tuesday = levels.json(levels.hours_key, **{"from": "2026-03-10", "to": "2026-03-10"})
    assert tuesday["sla_attainment"]["overall"]["next_response"] == share(1, 0)


def test_backlog_tickets_by_tag_team_priority_and_csat_by_agent(levels: Levels) -> None:
    data = levels.json(**RANGE)
    # end of 2 March: t0, t2, t7; of 3 March: t0, t3, t7; of 4 March: t0, t3, t4, t7, t8
    assert data["backlog"] == [
        {"day": "2026-03-02", "open": 3},
        {"day": "2026-03-03", "open": 3},
        {"day": "2026-03-04", "open": 5},
    ]
    tickets = data["tickets"]  # filed in the range: t1, t2, t3, t4, t6, t7, t8
    assert tickets["total"] == 7
    assert tickets["by_tag"] == [
        {"tag": "billing", "tickets": 3},
        {"tag": "refund", "tickets": 2},
        {"tag": None, "tickets": 2},
        {"tag": "@SUM(1+1)", "tickets": 1},
        {"tag": "spam", "tickets": 1},
    ]
    assert tickets["by_team"] == [
        {"team": "Tech", "tickets": 3},
        {"team": "Billing", "tickets": 2},
        {"team": None, "tickets": 2},
    ]
    assert tickets["by_priority"] == [
        {"priority": "low", "tickets": 1},
        {"priority": "normal", "tickets": 4},
        {"priority": "high", "tickets": 1},
        {"priority": "urgent", "tickets": 1},
    ]
    assert data["csat_by_agent"] == [
        {"agent": "maya", "ratings": 1, "average": 5.0, "score": 1.0},
        {"agent": "sam", "ratings": 2, "average": 3.0, "score": 0.5},
    ]


def test_a_range_with_no_data_has_no_rates_and_no_division_by_zero(levels: Levels) -> None:
    data = levels.json(**{"from": "2020-01-01", "to": "2020-01-07"})
    assert data["sla_attainment"] == {
        "overall": tally((0, 0), (0, 0), (0, 0)),
        "by_policy": [],
        "by_team": [],
        "by_agent": [],
    }
    assert data["first_contact_resolution"]["rate"] is None
    assert data["first_contact_resolution"]["solved"] == 0
    empty = {
        "tickets": 0,
        "median": None,
        "p90": None,
        "business_median": None,
        "business_p90": None,
    }
    assert data["first_response_minutes"] == {"overall": empty, "by_team": [], "by_agent": []}
    assert data["resolution_minutes"]["overall"] == empty
    assert [d["open"] for d in data["backlog"]] == [0] * 7
    assert data["tickets"]["total"] == 0 and data["tickets"]["by_tag"] == []
    assert data["csat_by_agent"] == []


def test_the_api_is_for_admin_keys_and_serves_each_report_as_csv(levels: Levels) -> None:
    server = levels.server
    agent_key = create_staff_key(server.data_dir, "agent", server.app_id)
    assert levels.get(agent_key, **RANGE).status_code == 403
    anonymous = requests.get(
        server.url + API + "/analytics/service-levels",
        headers={"X-Support-App": server.app_id},
        timeout=10,
    )
    assert anonymous.status_code == 401
    assert levels.get(**{"from": "2026-03-05", "to": "2026-03-01"}).status_code == 422
    assert levels.get(report="nope", **RANGE).status_code == 422
    for edge in (
        {"from": "0001-01-01", "to": "0001-01-05"},
        {"from": "9999-12-25", "to": "9999-12-31"},
    ):
        assert levels.get(**edge).status_code == 422  # no day after 9999-12-31 to end on
    other = levels.json(levels.hours_key, **RANGE)  # another app sees only its own
    assert other["tickets"]["total"] == 0 and other["csat_by_agent"] == []

    def as_csv(**params: str) -> requests.Response:
        return requests.get(
            server.url + API + "/analytics/service-levels",
            params={**RANGE, **params},
            headers={"Authorization": f"Bearer {server.admin_key}", "Accept": "text/csv"},
            timeout=10,
        )

    missing = as_csv()
    assert missing.status_code == 422 and "report" in missing.json()["error"]["details"]
    backlog = as_csv(report="backlog")
    assert backlog.status_code == 200
    assert backlog.headers["Content-Type"].startswith("text/csv")
    assert backlog.headers["Content-Disposition"] == (
        'attachment; filename="backlog-2026-03-02-to-2026-03-04.csv"'
    )
    assert list(csv.reader(io.StringIO(backlog.text))) == [
        ["day", "open"],
        ["2026-03-02", "3"],
        ["2026-03-03", "3"],
        ["2026-03-04", "5"],
    ]
    spec = requests.get(server.url + API + "/openapi.json", timeout=10).json()
    operation = spec["paths"]["/api/v1/analytics/service-levels"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"from", "to", "report"}


def sign_in(server: LiveServer) -> Staff:
    admin = Staff(server)
    assert admin.sign_in(USERS["admin"]).status_code == 303
    return admin


def rows_of(response: requests.Response) -> list[list[str]]:
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    return list(csv.reader(io.StringIO(response.text)))


def test_each_figure_downloads_as_csv_from_the_dashboard(levels: Levels) -> None:
    admin = sign_in(levels.server)

    def download(name: str, **params: str) -> list[list[str]]:
        return rows_of(admin.get(f"/admin/analytics/{name}.csv", params=params or RANGE))

    attainment = download("sla_attainment")
    assert attainment[0] == [
        "breakdown", "name", "metric", "met", "missed", "fell_due", "attainment",
    ]  # fmt: skip
    assert ["all", "", "all", "8", "5", "13", "0.6154"] in attainment
    assert ["policy", "Urgent", "first_response", "0", "1", "1", "0.0"] in attainment
    assert ["policy", "Urgent", "resolution", "0", "0", "0", ""] in attainment
    assert ["team", "", "next_response", "0", "1", "1", "0.0"] in attainment  # no team
    assert ["agent", "maya", "next_response", "3", "1", "4", "0.75"] in attainment
    assert len(attainment) == 1 + 4 * (1 + 2 + 3 + 3)
    assert download("first_contact_resolution") == [
        ["public_agent_replies", "solved_tickets"],
        ["0", "1"],
        ["1", "3"],
        ["2", "1"],
        ["3+", "0"],
    ]
    times = download("first_response_times")
    assert times[0][:5] == ["breakdown", "name", "tickets", "median_minutes", "p90_minutes"]
    assert ["all", "", "5", "60.0", "150.0", "60.0", "150.0"] in times
    assert ["team", "Billing", "2", "105.0", "150.0", "105.0", "150.0"] in times
    resolution = download("resolution_times")
    assert ["agent", "sam", "2", "1080.0", "1440.0", "1080.0", "1440.0"] in resolution
    assert download("backlog")[1:] == [
        ["2026-03-02", "3"],
        ["2026-03-03", "3"],
        ["2026-03-04", "5"],
    ]
    tags = download("tickets_by_tag")
    assert ["'@SUM(1+1)", "1"] in tags  # a formula stays text
    assert ["", "2"] in tags  # no tag
    assert download("tickets_by_team")[1:] == [["Tech", "3"], ["Billing", "2"], ["", "2"]]
    assert download("tickets_by_priority")[1] == ["low", "1"]
    assert download("csat_by_agent") == [
        ["agent", "ratings", "average", "csat"],
        ["maya", "1", "5.0", "1.0"],
        ["sam", "2", "3.0", "0.5"],
    ]
    empty = download("backlog", **{"from": "2020-01-01", "to": "2020-01-02"})
    assert empty == [["day", "open"], ["2020-01-01", "0"], ["2020-01-02", "0"]]
    assert download("sla_attainment", **{"from": "2020-01-01", "to": "2020-01-01"})[1] == [
        "all", "", "first_response", "0", "0", "0", "",
    ]  # fmt: skip
    assert admin.get("/admin/analytics/nope.csv").status_code == 404
    assert rows_of(admin.get("/admin/analytics/tickets.csv", params=RANGE))[0] == ["day", "total"]
    admin.close()


def flat(page: str) -> str:
    return re.sub(r"\s+", " ", page)


def kpi(page: str, name: str) -> str:
    found = re.search(
        rf'<div class="k">{name}</div><div class="v">([^<]*)</div><div class="d">([^<]*)</div>',
        page,
    )
    assert found, name
    return f"{found.group(1)} | {found.group(2)}"


def section(page: str) -> str:
    start = page.index('<section id="service-levels"')
    return page[start:]


def test_the_dashboard_shows_each_figure_as_a_chart(levels: Levels) -> None:
    admin = sign_in(levels.server)
    page = flat(admin.get("/admin/analytics/", params=RANGE).text)
    levels_part = section(page)
    assert kpi(page, "SLA attainment") == "62% | 8 of 13 targets met"
    assert kpi(page, "First-contact resolution") == "60% | 3 of 5 solved with one reply"
    assert kpi(page, "Open backlog") == "5 | unsolved at the end of 2026-03-04"
    assert kpi(page, "First response p90") == "2h 30m | median 1h · 5 answered"
    assert kpi(page, "Resolution p90") == "24h | median 8h 30m · 4 solved"
    assert levels_part.count("<svg") == 11 and "No data yet" not in levels_part
    assert "60% · 3 of 5" in levels_part  # first response, and next response
    assert "67% · 2 of 3" in levels_part  # resolution
    by_policy = re.search(r'<tbody id="sla-by-policy">(.*?)</tbody>', page)
    assert by_policy, page
    cells = re.findall(r'<td class="num">(.*?)</td>', by_policy.group(1))
    assert [re.sub(r"<[^>]+>", "", c) for c in cells[:4]] == [
        "75% 3/4", "60% 3/5", "67% 2/3", "67% 8/12",
    ]  # fmt: skip
    assert "(no team)" in levels_part and "(unassigned)" in levels_part
    assert "@SUM(1+1)" in levels_part  # escaped text in the chart, like any other
    assert "1h 45m · p90 2h 30m" in levels_part  # Billing's first response
    assert "3.0 / 5 · 2 ratings" in levels_part
    for name in ("sla_attainment", "backlog", "csat_by_agent", "tickets_by_priority"):
        assert f"/admin/analytics/{name}.csv?from=2026-03-02&amp;to=2026-03-04" in levels_part

    empty = section(
        flat(admin.get("/admin/analytics/", params={"from": "2020-01-01", "to": "2020-01-07"}).text)
    )
    # no data: every chart of the section says so (the KPIs show dashes, not errors)
    assert empty.count("No data yet") == 11 and "<svg" not in empty
    assert kpi(empty, "SLA attainment") == "— | no target fell due"
    assert kpi(empty, "First-contact resolution") == "— | no ticket solved"
    assert kpi(empty, "First response p90") == "— | median — · 0 answered"
    admin.close()


@pytest.mark.browser
def test_the_section_in_chromium(levels: Levels, browser_page: Any, tmp_path: Path) -> None:
    """The section as a browser draws it: every chart laid out with room for its labels, the
    CSV links downloading, no script errors. SUPPORT_SCREENSHOTS=docs/screenshots keeps the
    picture for the README."""
    page = browser_page
    sign_in_in_browser(page, levels.server, "admin")
    page.goto(levels.server.url + "/admin/analytics/?from=2026-03-02&to=2026-03-04")
    part = page.locator("#service-levels")
    assert part.locator("svg.chart").count() == 11
    assert part.locator("text=No data yet").count() == 0
    for svg in part.locator("svg.chart").all():
        box = svg.bounding_box()
        assert box and box["width"] > 200 and box["height"] > 20, box
    # every label and value text lies inside its chart: nothing cut off at the right
    clipped = page.evaluate(
        """() => [...document.querySelectorAll('#service-levels svg.chart')].flatMap(svg => {
            const outer = svg.getBoundingClientRect();
            return [...svg.querySelectorAll('text')].filter(t => {
                const r = t.getBoundingClientRect();
                return r.width && (r.left < outer.left - 1 || r.right > outer.right + 1);
            }).map(t => t.textContent);
        })"""
    )
    assert clipped == [], clipped
    with page.expect_download() as download:
        part.locator("a.btn", has_text="CSV").first.click()
    assert download.value.suggested_filename == "sla_attainment-2026-03-02-to-2026-03-04.csv"
    assert page.errors == []
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    part.screenshot(path=str(folder / "analytics-sla.png"))
