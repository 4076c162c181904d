"""Known issues through the API (real SQLite, pinned clock, the worker's jobs run one by one,
mail to a real SMTP server on 127.0.0.1): making them, the global refusal, what the widget's
notices show where, tickets linked at filing, and resolving telling each requester once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from support_sdk import tokens
from support_server import bootstrap
from support_server.app import create_app
from support_server.principal import Principal
from support_server.services import apps as app_service

from ..worker.smtp import SmtpServer, start_smtp
from .conftest import ORIGIN, InProcess, PinnedClock

EXPORT = {"contexts": ["reports.export"], "app_versions": ["2.3.1"]}


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    with start_smtp() as smtp:
        yield smtp


@pytest.fixture
def server(tmp_path: Path, pinned_clock: PinnedClock, relay: SmtpServer) -> Iterator[InProcess]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app: Flask = create_app(
        data_dir=data_dir,
        overrides={"SUPPORT_SMTP_URL": relay.url, "SUPPORT_PUBLIC_URL": "http://support.test"},
    )
    app.config["TESTING"] = True
    app_service.set_mail_settings(app.extensions["support"].db, creds["app_id"], acknowledge=False)
    yield InProcess(app, app.test_client(), creds, pinned_clock, data_dir)
    rt = app.extensions["support"]
    rt.index.close()
    rt.db.close()


def rt_of(server: InProcess) -> Any:
    return server.app.extensions["support"]


def agent_headers(server: InProcess, app_id: str | None = None) -> dict[str, str]:
    key, _ = app_service.create_key(rt_of(server).db, app_id or server.app_id, "agent")
    return {"Authorization": f"Bearer {key}"}


def make(server: InProcess, headers: dict[str, str] | None = None, **data: Any) -> Any:
    body = {"title": "CSV export is empty", "message": "We are fixing the export.", **data}
    return server.http.post(
        "/api/v1/known-issues", json=body, headers=headers or server.staff_headers()
    )


def made(server: InProcess, **data: Any) -> dict[str, Any]:
    r = make(server, **data)
    assert r.status_code == 201, r.get_json()
    return dict(r.get_json())


def notices(server: InProcess, app_id: str | None = None, **query: str) -> list[str]:
    r = server.http.get(
        "/api/v1/help/notices", query_string={"app_id": app_id or server.app_id, **query}
    )
    assert r.status_code == 200, r.get_json()
    return [n["title"] for n in r.get_json()["items"]]


def file(server: InProcess, email: str, **context: str) -> str:
    user = tokens.mint_user_token(
        server.app_id, server.creds["app_secret"], email.split("@")[0], email=email, name="U"
    )
    r = server.http.post(
        "/api/v1/tickets",
        json={"subject": "Export", "body": "The CSV is blank.", "context": context},
        headers={"Authorization": f"Bearer {user}"},
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


def drain(server: InProcess) -> None:
    runner = rt_of(server).job_runner("w1")
    while runner.run_one():
        pass


def replies(server: InProcess, ticket_id: str) -> list[str]:
    r = server.http.get(f"/api/v1/tickets/{ticket_id}", headers=server.staff_headers())
    return [m["body"] for m in r.get_json()["messages"] if m["author"]["kind"] == "agent"]


def test_an_agent_makes_one_and_bad_input_is_refused_field_by_field(server: InProcess) -> None:
    agent = agent_headers(server)
    r = make(server, agent, contexts=[" reports.export ", "reports.export"], app_versions=["2.3.1"])
    assert r.status_code == 201, r.get_json()
    issue = r.get_json()
    assert issue["id"].startswith("kni_")
    assert (issue["contexts"], issue["app_versions"], issue["global"]) == (
        ["reports.export"],
        ["2.3.1"],
        False,
    )
    assert (issue["status"], issue["ticket_ids"], issue["resolved_at"]) == ("open", [], None)
    got = server.http.get(f"/api/v1/known-issues/{issue['id']}", headers=agent)
    assert got.get_json() == issue

    r = make(server, agent, title="", contexts="reports", ticket_ids=["tkt_nope"])
    assert r.status_code == 422
    details = r.get_json()["error"]["details"]
    assert {"title", "contexts"} <= set(details)
    r = make(server, agent, ticket_ids=["tkt_nope"], contexts=["x"])
    assert r.status_code == 422
    assert r.get_json()["error"]["details"] == {"ticket_ids": ["no such ticket: tkt_nope"]}
    r = server.http.patch(
        f"/api/v1/known-issues/{issue['id']}", json={"status": "gone"}, headers=agent
    )
    assert r.status_code == 422 and "status" in r.get_json()["error"]["details"]
    user = tokens.mint_user_token(server.app_id, server.creds["app_secret"], "u1")
    r = server.http.get("/api/v1/known-issues", headers={"Authorization": f"Bearer {user}"})
    assert r.status_code == 401
    writer, _ = app_service.create_key(rt_of(server).db, server.app_id, "writer")
    r = make(server, {"Authorization": f"Bearer {writer}"}, **EXPORT)
    assert r.status_code == 403
    listed = server.http.get("/api/v1/known-issues", headers=agent).get_json()["items"]
    assert [i["id"] for i in listed] == [issue["id"]]  # nothing refused was kept


def test_one_that_would_show_everywhere_needs_an_admin_to_mark_it_global(
    server: InProcess,
) -> None:
    agent = agent_headers(server)
    r = make(server, agent)
    assert r.status_code == 422
    assert "show everywhere" in r.get_json()["error"]["details"]["contexts"][0]
    r = make(server, agent, contexts=[" "], app_versions=[])
    assert r.status_code == 422  # blanks are no place either
    r = make(server, agent, **{"global": True})
    assert r.status_code == 403
    assert "admin" in r.get_json()["error"]["message"]
    everywhere = made(server, **{"global": True})
    assert everywhere["global"] is True
    r = server.http.patch(
        f"/api/v1/known-issues/{everywhere['id']}", json={"global": False}, headers=agent
    )
    assert r.status_code == 403
    r = server.http.patch(
        f"/api/v1/known-issues/{everywhere['id']}",
        json={"global": False},
        headers=server.staff_headers(),
    )
    assert r.status_code == 422  # unmarked, it would have no place left
    assert notices(server) == ["CSV export is empty"]
    assert notices(server, context="anything", app_version="9") == ["CSV export is empty"]


def test_notices_match_context_and_version_and_never_cross_apps(server: InProcess) -> None:
    made(server, title="export on 2.3.1", **EXPORT)
    made(server, title="anywhere on 2.4", app_versions=["2.4.0"])
    made(server, title="billing pages", contexts=["/billing"])
    done = made(server, title="fixed already", contexts=["reports.export"])
    server.http.patch(
        f"/api/v1/known-issues/{done['id']}",
        json={"status": "resolved"},
        headers=server.staff_headers(),
    )
    assert notices(server, context="reports.export", app_version="2.3.1") == ["export on 2.3.1"]
    assert notices(server, context="reports.export", app_version="2.3.2") == []
    assert notices(server, context="reports.export") == []  # a version issue needs the version
    assert notices(server, context="settings", app_version="2.3.1") == []
    assert notices(server, context="settings", app_version="2.4.0") == ["anywhere on 2.4"]
    assert notices(server, url="https://app.example.com/billing/invoices?x=1") == ["billing pages"]
    assert notices(server, url="https://app.example.com/reports") == []
    assert notices(server) == []

    rt = rt_of(server)
    other = app_service.create_app(rt.db, "Other app")
    r = server.http.get(
        "/api/v1/help/notices",
        query_string={"context": "reports.export", "app_version": "2.3.1"},
        headers={"X-Support-App": other["id"]},
    )
    assert r.status_code == 200 and r.get_json() == {"items": []}
    theirs = agent_headers(server, other["id"])
    assert server.http.get("/api/v1/known-issues", headers=theirs).get_json() == {"items": []}
    mine = server.http.get("/api/v1/known-issues", headers=server.staff_headers())
    one = mine.get_json()["items"][0]["id"]
    assert server.http.get(f"/api/v1/known-issues/{one}", headers=theirs).status_code == 404
    r = server.http.patch(
        f"/api/v1/known-issues/{one}", json={"status": "resolved"}, headers=theirs
    )
    assert r.status_code == 404
    # nor can their agent link our tickets
    ours = file(server, "a@example.com", context_key="reports.export", app_version="2.3.1")
    r = make(server, theirs, contexts=["x"], ticket_ids=[ours])
    assert r.status_code == 422


def test_tickets_filed_where_it_shows_are_linked_and_agents_link_others(
    server: InProcess,
) -> None:
    issue = made(server, **EXPORT)
    linked = file(server, "a@example.com", context_key="reports.export", app_version="2.3.1")
    other_version = file(server, "b@example.com", context_key="reports.export", app_version="2.2.0")
    elsewhere = file(server, "c@example.com", context_key="settings", app_version="2.3.1")
    found = server.http.get(f"/api/v1/known-issues/{issue['id']}", headers=server.staff_headers())
    assert found.get_json()["ticket_ids"] == [linked]
    r = server.http.patch(
        f"/api/v1/known-issues/{issue['id']}",
        json={"ticket_ids": [linked, other_version, other_version]},
        headers=server.staff_headers(),
    )
    assert r.status_code == 200 and r.get_json()["ticket_ids"] == [linked, other_version]
    r = server.http.patch(
        f"/api/v1/known-issues/{issue['id']}",
        json={"ticket_ids": [other_version]},
        headers=server.staff_headers(),
    )
    assert r.get_json()["ticket_ids"] == [other_version]
    assert (
        rt_of(server).known_issues.of_ticket(server.app_id, other_version)[0]["id"] == (issue["id"])
    )
    assert rt_of(server).known_issues.of_ticket(server.app_id, elsewhere) == []


def test_resolving_tells_each_linked_requester_once_in_the_widget_and_by_mail(
    server: InProcess, relay: SmtpServer
) -> None:
    issue = made(server, **EXPORT)
    first = file(server, "ana@example.com", context_key="reports.export", app_version="2.3.1")
    second = file(server, "ben@example.com", context_key="reports.export", app_version="2.3.1")
    fix = "Fixed in 2.3.2: exports have their rows again. 🎉"
    path = f"/api/v1/known-issues/{issue['id']}"
    r = server.http.patch(
        path, json={"status": "resolved", "resolution": fix}, headers=server.staff_headers()
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "resolved" and r.get_json()["resolved_at"]
    for again in ({"status": "resolved"}, {"status": "open"}, {"status": "resolved"}):
        assert (
            server.http.patch(path, json=again, headers=server.staff_headers()).status_code == 200
        )
    assert replies(server, first) == [fix]
    assert replies(server, second) == [fix]
    # the requester sees it as an unread reply in the widget
    user = tokens.mint_user_token(
        server.app_id, server.creds["app_secret"], "ana", email="ana@example.com"
    )
    unread = server.http.get("/api/v1/tickets/unread", headers={"Authorization": f"Bearer {user}"})
    assert unread.get_json()["count"] == 1
    drain(server)
    for address in ("ana@example.com", "ben@example.com"):
        (mail,) = relay.to(address)
        assert fix in mail.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    # a ticket linked after the fix is told at once, and still only once
    late = file(server, "cid@example.com", context_key="settings")
    server.http.patch(
        path, json={"ticket_ids": [first, second, late]}, headers=server.staff_headers()
    )
    server.http.patch(path, json={"status": "resolved"}, headers=server.staff_headers())
    drain(server)
    assert replies(server, late) == [fix] and len(relay.to("cid@example.com")) == 1
    assert [len(relay.to(a)) for a in ("ana@example.com", "ben@example.com")] == [1, 1]


def test_two_resolutions_at_once_tell_nobody_twice(server: InProcess) -> None:
    issue = made(server, **EXPORT)
    tickets = [
        file(server, f"u{n}@example.com", context_key="reports.export", app_version="2.3.1")
        for n in range(5)
    ]
    rt = rt_of(server)
    service = rt.known_issues  # what both requests reach, each on its own connection
    who = Principal(server.app_id, "staff", "key", role="agent", via_key=True)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def resolve() -> None:
        try:
            start.wait()
            service.update(who, issue["id"], {"status": "resolved", "resolution": "Fixed."})
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            rt.db.close()  # this thread's connection

    threads = [threading.Thread(target=resolve) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert [replies(server, t) for t in tickets] == [["Fixed."]] * 5
