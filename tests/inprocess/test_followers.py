"""Ticket followers, in process: added and removed over the API and with the ticket page's
Follow button (a plain form), gained by replying, being assigned or @mentioned, carried over by
a merge, and told of customer replies besides the assignee, once each, through the real mail
queue (the fan-out job run by hand)."""

from __future__ import annotations

from typing import Any

from support_sdk import tokens
from support_server.services import apps as app_service
from support_server.services.notifications import KINDS

from .admin_session import Agent, add_agent
from .conftest import InProcess

API = "/api/v1/tickets"


def rt_of(server: InProcess) -> Any:
    return server.app.extensions["support"]


def file(server: InProcess, email: str = "cleo@example.com") -> str:
    r = server.http.post(
        API,
        json={"subject": "Export is empty", "body": "The CSV is blank.", "email": email},
        headers=server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


def followers(server: InProcess, ticket: str) -> list[str]:
    r = server.http.get(f"{API}/{ticket}", headers=server.staff_headers())
    assert r.status_code == 200
    return list(r.get_json()["followers"])


def change(server: InProcess, method: str, ticket: str, username: str, **kw: Any) -> Any:
    return server.http.open(
        f"{API}/{ticket}/followers",
        method=method,
        json={"username": username},
        headers=kw.get("headers") or server.staff_headers(),
    )


def drain(server: InProcess) -> None:
    runner = rt_of(server).job_runner("test")
    while runner.run_one():
        pass


def told(server: InProcess, kind: str) -> list[str]:
    """Who was mailed notifications of ``kind``, in the order they were queued."""
    found = rt_of(server).mailer.sent([server.app_id], 500)
    return sorted(m["to_address"].split("@")[0] for m in found if m["kind"] == kind)


def test_followers_are_added_and_removed_over_the_api(server: InProcess) -> None:
    add_agent(server, "ben", "Ben Baker")
    add_agent(server, "cid", "Cid Admin", role="admin")
    add_agent(server, "wes", "Wes Writer", role="writer")
    ticket = file(server)
    assert followers(server, ticket) == []

    r = change(server, "POST", ticket, "ben")
    assert (r.status_code, r.get_json()) == (200, {"followers": ["ben"]})
    assert change(server, "POST", ticket, "BEN").get_json() == {"followers": ["ben"]}  # once
    server.clock.advance(1)
    assert change(server, "POST", ticket, "cid").get_json() == {"followers": ["ben", "cid"]}
    assert followers(server, ticket) == ["ben", "cid"]

    for nobody in ("wes", "nobody"):  # a writer cannot answer tickets; no such user
        r = change(server, "POST", ticket, nobody)
        assert r.status_code == 422, r.get_json()
        assert r.get_json()["error"]["details"] == {"username": [nobody]}
    assert change(server, "POST", ticket, "").status_code == 422

    r = change(server, "DELETE", ticket, "ben")
    assert (r.status_code, r.get_json()) == (200, {"followers": ["cid"]})
    assert change(server, "DELETE", ticket, "ben").get_json() == {"followers": ["cid"]}
    assert followers(server, ticket) == ["cid"]

    # requesters never see who follows
    user = tokens.mint_user_token(server.app_id, server.creds["app_secret"], "u1", email="u@x.io")
    mine = server.http.post(
        API, json={"body": "Help"}, headers={"Authorization": f"Bearer {user}"}
    ).get_json()
    assert "followers" not in mine
    assert change(server, "POST", mine["id"], "ben", headers={"Authorization": f"Bearer {user}"})
    got = server.http.get(f"{API}/{mine['id']}", headers={"Authorization": f"Bearer {user}"})
    assert got.status_code == 200 and "followers" not in got.get_json()


def test_another_apps_ticket_or_agent_is_not_found(server: InProcess) -> None:
    rt = rt_of(server)
    other = app_service.create_app(rt.db, "Other app")
    key, _ = app_service.create_key(rt.db, other["id"], "agent")
    theirs = {"Authorization": f"Bearer {key}"}
    add_agent(server, "oto", "Oto Other", app=other["id"])
    add_agent(server, "ben", "Ben Baker")
    ticket = file(server)

    for method in ("POST", "DELETE"):
        r = change(server, method, ticket, "oto", headers=theirs)
        assert r.status_code == 404, r.get_json()
    r = change(server, "POST", ticket, "oto")  # their agent cannot follow our ticket
    assert r.status_code == 422
    assert followers(server, ticket) == []
    user = tokens.mint_user_token(server.app_id, server.creds["app_secret"], "u1", email="u@x.io")
    r = change(server, "POST", ticket, "ben", headers={"Authorization": f"Bearer {user}"})
    assert r.status_code == 401
    writer, _ = app_service.create_key(rt.db, server.app_id, "writer")
    r = change(server, "POST", ticket, "ben", headers={"Authorization": f"Bearer {writer}"})
    assert r.status_code == 403
    assert followers(server, ticket) == []


def test_replying_being_assigned_or_mentioned_makes_an_agent_follow(server: InProcess) -> None:
    for username, name in (("ana", "Ana Agent"), ("ben", "Ben Baker"), ("cid", "Cid Carter")):
        add_agent(server, username, name)
    ticket = file(server)
    ana = Agent(server, "ana")

    r = ana.post(f"/admin/tickets/{ticket}/messages", {"body": "Looking into it.", "internal": "0"})
    assert r.status_code == 303
    assert followers(server, ticket) == ["ana"]
    server.clock.advance(1)
    note = "Ask @ben. and @nobody; @ana knows"
    ana.post(f"/admin/tickets/{ticket}/messages", {"body": note, "internal": "1"})
    assert followers(server, ticket) == ["ana", "ben"]
    server.clock.advance(1)
    r = server.http.patch(
        f"{API}/{ticket}", json={"assignee": "cid"}, headers=server.staff_headers()
    )
    assert r.status_code == 200
    assert r.get_json()["followers"] == ["ana", "ben", "cid"]
    # a staff key's reply makes no one follow
    server.http.post(
        f"{API}/{ticket}/messages", json={"body": "Hi"}, headers=server.staff_headers()
    )
    assert followers(server, ticket) == ["ana", "ben", "cid"]

    page = ana.page(f"/admin/tickets/{ticket}")
    card = page.split("data-followers", 1)[1].split("</section>", 1)[0]
    assert "Ana Agent" in card and "Ben Baker" in card and "Cid Carter" in card
    assert "follow it on their own" in card
    assert 'value="unfollow"' in page  # ana follows: her button says Unfollow

    # routed to someone on filing counts as assigned too
    r = server.http.post(
        "/api/v1/teams",
        json={"name": "Everyone", "members": ["ben"]},
        headers=server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()
    routed = server.http.get(f"{API}/{file(server)}", headers=server.staff_headers()).get_json()
    assert (routed["assignee"], routed["followers"]) == ("ben", ["ben"])


def test_the_follow_button_works_as_a_plain_form(server: InProcess) -> None:
    add_agent(server, "ana", "Ana Agent")
    ticket = file(server)
    ana = Agent(server, "ana")
    page = ana.page(f"/admin/tickets/{ticket}")
    assert 'value="follow"' in page and "No one follows this ticket yet." in page

    r = ana.post(f"/admin/tickets/{ticket}/follow", {"action": "follow"})
    assert r.status_code == 303 and r.headers["Location"].endswith("notice=followed")
    assert followers(server, ticket) == ["ana"]
    page = ana.page(f"/admin/tickets/{ticket}?notice=followed")
    assert "You follow this ticket" in page and 'value="unfollow"' in page

    r = ana.post(f"/admin/tickets/{ticket}/follow", {"action": "unfollow"})
    assert r.headers["Location"].endswith("notice=unfollowed")
    assert followers(server, ticket) == []

    refused = ana.http.post(f"/admin/tickets/{ticket}/follow", data={"action": "follow"})
    assert refused.status_code == 403  # no CSRF token
    assert ana.post("/admin/tickets/tkt_nope/follow", {"action": "follow"}).status_code == 404
    assert followers(server, ticket) == []


def test_merging_carries_the_followers_to_the_surviving_ticket(server: InProcess) -> None:
    add_agent(server, "ben", "Ben Baker")
    add_agent(server, "cid", "Cid Carter")
    duplicate, survivor = file(server), file(server)
    change(server, "POST", duplicate, "ben")
    change(server, "POST", survivor, "cid")
    r = server.http.post(
        f"{API}/{duplicate}/merge", json={"into": survivor}, headers=server.staff_headers()
    )
    assert r.status_code == 200, r.get_json()
    assert sorted(r.get_json()["followers"]) == ["ben", "cid"]
    assert sorted(followers(server, survivor)) == ["ben", "cid"]


def test_followers_are_told_of_customer_replies_once_each(server: InProcess) -> None:
    rt = rt_of(server)
    for username, name in (
        ("ana", "Ana Agent"),
        ("ben", "Ben Baker"),
        ("cid", "Cid Carter"),
        ("dee", "Dee Muted"),
        ("eve", "Eve Elsewhere"),
    ):
        add_agent(server, username, name)
    dee = rt.staff.assignees(server.app_id)
    muted = next(m for m in dee if m.handle == "dee")
    rt.staff.set_muted(muted.id, ["customer_reply"], list(KINDS))
    user = tokens.mint_user_token(server.app_id, server.creds["app_secret"], "u1", email="u@x.io")
    as_user = {"Authorization": f"Bearer {user}"}
    ticket = server.http.post(API, json={"body": "Help"}, headers=as_user).get_json()["id"]
    server.http.patch(f"{API}/{ticket}", json={"assignee": "ana"}, headers=server.staff_headers())
    for username in ("ana", "ben", "dee"):  # ana, the assignee, follows too
        change(server, "POST", ticket, username)
    assert followers(server, ticket) == ["ana", "ben", "dee"]
    drain(server)
    before = len(rt.mailer.sent([server.app_id], 500))

    ben = Agent(server, "ben")
    note = {"body": "@cid can you look?", "internal": "1"}
    assert ben.post(f"/admin/tickets/{ticket}/messages", note).status_code == 303
    drain(server)
    assert told(server, "mention") == ["cid"]  # and now cid follows
    server.http.post(f"{API}/{ticket}/messages", json={"body": "Any news?"}, headers=as_user)
    drain(server)
    # the assignee and each follower once; not dee (muted), not eve (not following)
    assert told(server, "customer_reply") == ["ana", "ben", "cid"]
    assert len(rt.mailer.sent([server.app_id], 500)) == before + 4

    # unassigned, every agent is told, still once each
    server.http.patch(f"{API}/{ticket}", json={"assignee": None}, headers=server.staff_headers())
    server.http.post(f"{API}/{ticket}/messages", json={"body": "Hello?"}, headers=as_user)
    drain(server)
    assert told(server, "customer_reply") == ["ana", "ana", "ben", "ben", "cid", "cid", "eve"]


def test_followers_are_told_of_service_level_warnings_besides_the_assignee(
    server: InProcess,
) -> None:
    rt = rt_of(server)
    for username, name in (("ana", "Ana Agent"), ("ben", "Ben Baker"), ("eve", "Eve Else")):
        add_agent(server, username, name)
    policy = {
        "name": "Urgent",
        "if": [{"field": "priority", "op": "is", "value": "urgent"}],
        "targets": {"first_response": 60},
    }
    r = server.http.post("/api/v1/sla-policies", json=policy, headers=server.staff_headers())
    assert r.status_code == 201, r.get_json()
    r = server.http.post(
        API,
        json={"subject": "Down", "body": "Nothing loads", "email": "c@x.io", "priority": "urgent"},
        headers=server.staff_headers(),
    )
    ticket = r.get_json()["id"]
    server.http.patch(f"{API}/{ticket}", json={"assignee": "ana"}, headers=server.staff_headers())
    change(server, "POST", ticket, "ben")
    drain(server)
    server.clock.advance(50 * 60)  # the warning falls due at 48 minutes
    rt.lifecycle.tick()
    drain(server)
    assert told(server, "sla") == ["ana", "ben"]
