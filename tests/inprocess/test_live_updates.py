"""Live updates without holding a worker per viewer: the requester's unread replies (the
launcher badge), read markers, and conditional requests that answer 304 while nothing
changed."""

from __future__ import annotations

from support_sdk import tokens

from .conftest import ORIGIN, InProcess


def _user(server: InProcess, user_id: str = "u1") -> dict[str, str]:
    token = tokens.mint_user_token(
        server.app_id, server.creds["app_secret"], user_id, email=f"{user_id}@example.com"
    )
    return {"Authorization": f"Bearer {token}", "Origin": ORIGIN}


def _reply(server: InProcess, ticket_id: str, body: str, internal: bool = False) -> None:
    r = server.http.post(
        f"/api/v1/tickets/{ticket_id}/messages",
        json={"body": body, "internal": internal},
        headers=server.staff_headers(),
    )
    assert r.status_code == 201


def test_an_agent_reply_is_unread_until_the_requester_reads_it(server: InProcess) -> None:
    me = _user(server)
    ticket = server.http.post("/api/v1/tickets", json={"body": "Help"}, headers=me).get_json()
    tid = ticket["id"]
    assert ticket["unread"] is False
    badge = server.http.get("/api/v1/tickets/unread", headers=me)
    assert badge.get_json() == {"count": 0, "tickets": []}
    _reply(server, tid, "A note for colleagues", internal=True)  # never shown: never unread
    assert server.http.get("/api/v1/tickets/unread", headers=me).get_json()["count"] == 0
    server.clock.advance(1)
    _reply(server, tid, "Try again now")
    assert server.http.get("/api/v1/tickets/unread", headers=me).get_json() == {
        "count": 1,
        "tickets": [tid],
    }
    listed = server.http.get("/api/v1/tickets", headers=me).get_json()["items"]
    assert [t["unread"] for t in listed] == [True]
    assert server.http.post(f"/api/v1/tickets/{tid}/read", headers=me).status_code == 204
    assert server.http.get("/api/v1/tickets/unread", headers=me).get_json()["count"] == 0
    assert server.http.get(f"/api/v1/tickets/{tid}", headers=me).get_json()["unread"] is False


def test_polling_costs_a_304_while_nothing_changes(server: InProcess) -> None:
    me = _user(server)
    tid = server.http.post("/api/v1/tickets", json={"body": "Help"}, headers=me).get_json()["id"]
    for path in ("/api/v1/tickets/unread", f"/api/v1/tickets/{tid}"):
        first = server.http.get(path, headers=me)
        etag = first.headers["ETag"]
        assert first.headers["Cache-Control"] == "private, no-cache"
        again = server.http.get(path, headers={**me, "If-None-Match": etag})
        assert again.status_code == 304 and again.data == b""
    server.clock.advance(1)
    _reply(server, tid, "Here is the answer")
    for path in ("/api/v1/tickets/unread", f"/api/v1/tickets/{tid}"):
        changed = server.http.get(path, headers={**me, "If-None-Match": '"stale"'})
        assert changed.status_code == 200
    conv = server.http.get(f"/api/v1/tickets/{tid}", headers=me)
    assert conv.get_json()["messages"][-1]["body"] == "Here is the answer"
    # the widget reads the ETag across origins, and may send If-None-Match
    assert "ETag" in conv.headers.get("Access-Control-Expose-Headers", "")
    pre = server.http.options(
        "/api/v1/tickets/unread",
        headers={
            "Origin": ORIGIN,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization, if-none-match",
        },
    )
    assert "If-None-Match" in pre.headers.get("Access-Control-Allow-Headers", "")


def test_one_requester_never_reads_or_marks_anothers(server: InProcess) -> None:
    ana, bob = _user(server, "ana"), _user(server, "bob")
    tid = server.http.post("/api/v1/tickets", json={"body": "Ana's"}, headers=ana).get_json()["id"]
    _reply(server, tid, "For Ana")
    assert server.http.get("/api/v1/tickets/unread", headers=bob).get_json()["count"] == 0
    assert server.http.post(f"/api/v1/tickets/{tid}/read", headers=bob).status_code == 404
    assert server.http.get("/api/v1/tickets/unread", headers=ana).get_json()["count"] == 1
    assert (
        server.http.get("/api/v1/tickets/unread", headers=server.staff_headers()).status_code == 403
    )


def test_an_anonymous_visitor_has_no_unread_replies(server: InProcess) -> None:
    r = server.http.get("/api/v1/tickets/unread", headers={"X-Support-App": server.app_id})
    assert r.status_code == 200 and r.get_json() == {"count": 0, "tickets": []}
