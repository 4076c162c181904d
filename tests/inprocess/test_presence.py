"""Presence on the ticket page, in process with the clock pinned: the heartbeat records who has
a ticket open and who is typing, answers with the others (never oneself), forgets a beat 30 s
old, keeps apps apart, and is refused without the session's CSRF token."""

from __future__ import annotations

from typing import Any

from support_server.services import apps as app_service
from support_server.services.presence import STALE_AFTER

from .admin_session import Agent, add_agent
from .conftest import InProcess


def file(server: InProcess, headers: dict[str, str] | None = None) -> str:
    r = server.http.post(
        "/api/v1/tickets",
        json={"subject": "Export is empty", "body": "The CSV is blank.", "email": "c@x.io"},
        headers=headers or server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


def beat(agent: Agent, ticket_id: str, **sent: Any) -> Any:
    r = agent.http.post(
        f"/admin/tickets/{ticket_id}/presence",
        json={"state": "viewing", **sent},
        headers={"X-CSRF-Token": agent.csrf, "Accept": "application/json"},
    )
    assert r.status_code == 200, (r.status_code, r.get_data(as_text=True))
    assert r.headers["Cache-Control"] == "no-store"
    return r.get_json()


def rows(server: InProcess) -> int:
    with server.app.extensions["support"].db.read() as conn:
        return int(conn.execute("SELECT count(*) FROM ticket_presence").fetchone()[0])


def test_two_agents_see_each_other_viewing_and_typing(server: InProcess) -> None:
    add_agent(server, "ana", "Ana Agent")
    add_agent(server, "ben", "Ben Baker")
    ticket = file(server)
    ana, ben = Agent(server, "ana"), Agent(server, "ben")

    assert beat(ana, ticket)["others"] == []  # alone, and never told of oneself
    assert beat(ben, ticket)["others"] == [
        {"who": "ana", "name": "Ana Agent", "state": "viewing", "composing": None}
    ]
    assert beat(ana, ticket, state="typing", composing="note")["others"] == [
        {"who": "ben", "name": "Ben Baker", "state": "viewing", "composing": None}
    ]
    assert beat(ben, ticket)["others"] == [
        {"who": "ana", "name": "Ana Agent", "state": "typing", "composing": "note"}
    ]
    beat(ana, ticket, state="typing")  # a reply, when it does not say
    assert beat(ben, ticket)["others"][0]["composing"] == "reply"
    beat(ana, ticket)  # stopped typing: viewing again
    assert beat(ben, ticket)["others"][0]["state"] == "viewing"

    # a page that is left says so, and is gone at once
    assert beat(ana, ticket, state="left")["others"][0]["who"] == "ben"
    assert beat(ben, ticket)["others"] == []
    assert rows(server) == 1


def test_a_beat_30_seconds_old_is_gone_and_pruned(server: InProcess) -> None:
    add_agent(server, "ana", "Ana Agent")
    add_agent(server, "ben", "Ben Baker")
    first, second = file(server), file(server)
    ana, ben = Agent(server, "ana"), Agent(server, "ben")
    beat(ana, first, state="typing")
    server.clock.advance(STALE_AFTER - 1)
    assert [o["who"] for o in beat(ben, first)["others"]] == ["ana"]  # still here
    server.clock.advance(2)  # ana's tab went 31 s ago without a word
    assert beat(ben, first)["others"] == []
    assert rows(server) == 1  # ana's row deleted by ben's beat
    server.clock.advance(STALE_AFTER + 1)
    beat(ana, second)  # a beat on any ticket prunes every old row
    assert rows(server) == 1


def test_the_beat_answers_the_newest_message(server: InProcess) -> None:
    add_agent(server, "ana", "Ana Agent")
    ticket = file(server)
    ana = Agent(server, "ana")
    assert beat(ana, ticket)["latest"] == ""
    r = server.http.post(
        f"/api/v1/tickets/{ticket}/messages",
        json={"body": "Internal: looking", "internal": True},
        headers=server.staff_headers(),
    )
    assert beat(ana, ticket)["latest"] == r.get_json()["id"]


def test_another_apps_agents_never_see_presence(server: InProcess) -> None:
    rt = server.app.extensions["support"]
    other = app_service.create_app(rt.db, "Other app")
    add_agent(server, "ana", "Ana Agent")
    add_agent(server, "oto", "Oto Other", app=other["id"])
    ticket = file(server)
    ana, oto = Agent(server, "ana"), Agent(server, "oto")
    beat(ana, ticket, state="typing")

    r = oto.http.post(
        f"/admin/tickets/{ticket}/presence",
        json={"state": "viewing"},
        headers={"X-CSRF-Token": oto.csrf, "Accept": "application/json"},
    )
    assert r.status_code == 404
    assert "Ana" not in r.get_data(as_text=True)
    assert rows(server) == 1  # and nothing of oto's was written

    key, _ = app_service.create_key(rt.db, other["id"], "agent")
    theirs = file(server, {"Authorization": f"Bearer {key}"})
    assert beat(oto, theirs)["others"] == []
    assert beat(ana, ticket)["others"] == []  # and oto, on their own app's ticket, is not here


def test_a_beat_without_the_csrf_token_or_from_another_site_is_refused(
    server: InProcess,
) -> None:
    add_agent(server, "ana", "Ana Agent")
    ticket = file(server)
    ana = Agent(server, "ana")
    url = f"/admin/tickets/{ticket}/presence"
    accept = {"Accept": "application/json"}
    assert ana.http.post(url, json={"state": "viewing"}, headers=accept).status_code == 403
    wrong = {**accept, "X-CSRF-Token": ana.csrf[:-2] + "xx"}
    assert ana.http.post(url, json={"state": "viewing"}, headers=wrong).status_code == 403
    cross = {**accept, "X-CSRF-Token": ana.csrf, "Sec-Fetch-Site": "cross-site"}
    assert ana.http.post(url, json={"state": "viewing"}, headers=cross).status_code == 403
    signed_out = server.app.test_client()
    assert signed_out.post(url, json={"state": "viewing"}, headers=accept).status_code == 401
    assert rows(server) == 0
    # the same beat with the token is taken; a state that does not exist is not
    good = {**accept, "X-CSRF-Token": ana.csrf}
    assert ana.http.post(url, json={"state": "viewing"}, headers=good).status_code == 200
    assert ana.http.post(url, json={"state": "asleep"}, headers=good).status_code == 422
    assert ana.http.post(url, json=["viewing"], headers=good).status_code == 422
    assert rows(server) == 1
