"""Merging a duplicate ticket into another, and bulk changes, through the API in process:
what moves, the notes, tags, the closed duplicate, events, refusals; bulk all or nothing."""

from __future__ import annotations

import json
from typing import Any

from support_sdk.tokens import mint_user_token
from support_server.ids import new_id
from support_server.principal import Principal
from support_server.services import apps
from support_server.store import tickets as ticket_store

from .conftest import InProcess
from .test_event_catalogue import doc_examples, shape


def user(server: InProcess, user_id: str = "u-1") -> dict[str, str]:
    token = mint_user_token(
        server.app_id, server.creds["app_secret"], user_id, email=f"{user_id}@example.com"
    )
    return {"Authorization": f"Bearer {token}"}


def call(
    server: InProcess,
    method: str,
    path: str,
    want: int = 200,
    headers: dict[str, str] | None = None,
    **kwargs: Any,
) -> Any:
    r = server.http.open(
        f"/api/v1{path}", method=method, headers=headers or server.staff_headers(), **kwargs
    )
    assert r.status_code == want, (r.status_code, r.get_json())
    return r.get_json()


def file(server: InProcess, subject: str, user_id: str = "u-1", **extra: Any) -> dict[str, Any]:
    body = {"subject": subject, "body": f"{subject}: the CSV is blank.", **extra}
    return dict(call(server, "POST", "/tickets", 201, user(server, user_id), json=body))


def events(server: InProcess, type: str) -> list[dict[str, Any]]:
    rt = server.app.extensions["support"]
    with rt.db.read() as conn:
        rows = conn.execute(
            "SELECT payload FROM outbox_events WHERE type = ? ORDER BY id", (type,)
        ).fetchall()
    return [json.loads(r[0]) for r in rows]


def attach(server: InProcess, ticket_id: str, message_id: str | None, name: str) -> None:
    rt = server.app.extensions["support"]
    with rt.db.write() as conn:
        ticket = ticket_store.get_ticket(conn, server.app_id, ticket_id)
        assert ticket is not None
        row = None
        if message_id is not None:
            row = conn.execute(
                "SELECT id FROM ticket_messages WHERE public_id = ?", (message_id,)
            ).fetchone()[0]
        ticket_store.insert_attachment(
            conn,
            {
                "public_id": new_id("att_"),
                "ticket_id": ticket["id"],
                "message_id": row,
                "filename": name,
                "content_type": "text/plain",
                "declared_type": "text/plain",
                "data": b"rows",
                "inline": False,
                "content_id": None,
                "note": "",
                "created_at": "2026-12-01T00:00:00.000Z",
            },
        )


# -- merge -----------------------------------------------------------------------------------


def test_a_merge_moves_the_conversation_notes_both_and_closes_the_duplicate(
    server: InProcess,
) -> None:
    target = file(server, "Export is empty")
    source = file(server, "CSV blank again")
    server.clock.advance(30)
    call(server, "PATCH", f"/tickets/{target['id']}", json={"tags": ["export"]})
    call(server, "PATCH", f"/tickets/{source['id']}", json={"tags": ["csv", "export"]})
    answer = call(server, "POST", f"/tickets/{source['id']}/messages", 201, json={"body": "On it"})
    server.clock.advance(60)
    call(
        server, "POST", f"/tickets/{source['id']}/messages", 201, user(server), json={"body": "Ok"}
    )
    attach(server, source["id"], answer["id"], "answer.txt")
    attach(server, source["id"], None, "opening.txt")
    mails_before = len(events(server, "message.created"))
    server.clock.advance(60)

    merged = call(server, "POST", f"/tickets/{source['id']}/merge", json={"into": target["id"]})

    assert merged["id"] == target["id"] and merged["merged_into"] is None
    assert merged["tags"] == ["export", "csv"]
    bodies = [m["body"] for m in merged["messages"]]
    # in the order written: the duplicate's opening message (the customer's own words and
    # files, as they wrote them), then its conversation, then the note
    assert bodies[:3] == ["CSV blank again: the CSV is blank.", "On it", "Ok"]
    opening = merged["messages"][0]
    assert opening["author"]["kind"] == "requester" and not opening["internal"]
    assert opening["created_at"] == source["created_at"]
    assert [a["filename"] for a in opening["attachments"]] == ["opening.txt"]
    moved = merged["messages"][1]
    assert moved["id"] == answer["id"] and moved["created_at"] == answer["created_at"]
    assert [a["filename"] for a in moved["attachments"]] == ["answer.txt"]
    note = merged["messages"][-1]
    assert note["internal"] is True
    assert note["body"] == f"Merged from {source['id']} (CSV blank again)"
    assert note["attachments"] == []
    assert merged["attachments"] == []

    duplicate = call(server, "GET", f"/tickets/{source['id']}")
    assert duplicate["status"] == "closed"
    assert [m["body"] for m in duplicate["messages"]] == [
        f"Merged into {target['id']} (Export is empty)"
    ]
    assert all(m["internal"] for m in duplicate["messages"])

    # the customer is told nothing: only the two internal notes were added
    added = events(server, "message.created")[mails_before:]
    assert [e["data"]["internal"] for e in added] == [True, True]
    # the requester: the duplicate closed, naming the target; the conversation on the target
    mine = call(server, "GET", f"/tickets/{source['id']}", headers=user(server))
    assert mine["status"] == "closed" and mine["messages"] == []
    rt = server.app.extensions["support"]
    requester = Principal(server.app_id, "user", "u-1")
    assert rt.tickets.get(requester, source["id"])["merged_into"] == target["id"]
    theirs = call(server, "GET", f"/tickets/{target['id']}", headers=user(server))
    assert [m["body"] for m in theirs["messages"]] == [
        "CSV blank again: the CSV is blank.",
        "On it",
        "Ok",
    ]
    assert [a["filename"] for a in theirs["messages"][0]["attachments"]] == ["opening.txt"]
    # nobody answered the duplicate: it is not rated, the ticket it went into is
    refused = call(
        server, "POST", f"/tickets/{source['id']}/rating", 409, user(server), json={"score": 1}
    )
    assert (
        refused["error"]["code"] == "ticket_merged" and target["id"] in refused["error"]["message"]
    )


def test_a_merge_sends_ticket_merged_as_documented(server: InProcess) -> None:
    context = {"url": "https://app.example.com/reports", "app_version": "2.3.1"}
    target = file(server, "Export is empty", context=context)
    source = file(server, "Again", context=context)
    call(server, "POST", f"/tickets/{source['id']}/merge", json={"into": target["id"]})

    (merged,) = events(server, "ticket.merged")
    assert merged["data"]["id"] == target["id"]
    assert merged["detail"] == {"from": source["id"]}
    assert merged["actor"]["kind"] == "staff"
    assert "changes" not in merged
    closed = [e for e in events(server, "ticket.updated") if e["data"]["id"] == source["id"]][-1]
    assert closed["changes"]["status"]["to"] == "closed"
    assert closed["data"]["merged_into"] == target["id"]
    assert shape(doc_examples()["ticket.merged"]) == shape(merged)


def test_merges_that_make_no_sense_are_refused_with_a_code(server: InProcess) -> None:
    a, b, c, d = (file(server, s) for s in ("A", "B", "C", "D"))

    def refused(source: str, into: str, code: str, **extra: Any) -> None:
        body = {"into": into, **extra}
        error = call(server, "POST", f"/tickets/{source}/merge", 409, json=body)["error"]
        assert error["code"] == code, error

    refused(a["id"], a["id"], "merge_into_self")
    call(server, "POST", f"/tickets/{b['id']}/merge", json={"into": a["id"]})
    refused(b["id"], c["id"], "ticket_already_merged")
    refused(c["id"], b["id"], "target_merged")
    call(server, "PATCH", f"/tickets/{d['id']}", json={"status": "closed"})
    refused(c["id"], d["id"], "target_closed")
    other = file(server, "Someone else", user_id="u-2")
    refused(c["id"], other["id"], "different_requesters")
    call(
        server,
        "POST",
        f"/tickets/{c['id']}/merge",
        json={"into": other["id"], "different_requesters": True},
    )
    assert call(server, "GET", f"/tickets/{c['id']}")["status"] == "closed"
    # another person's words are quoted for the agents only, never shown to this requester
    into = call(server, "GET", f"/tickets/{other['id']}")["messages"]
    assert [m["internal"] for m in into] == [True] and c["body"] in into[0]["body"]
    assert (
        call(server, "GET", f"/tickets/{other['id']}", headers=user(server, "u-2"))["messages"]
        == []
    )
    # nothing half-done by a refusal
    assert call(server, "GET", f"/tickets/{a['id']}")["status"] == "new"
    assert len(events(server, "ticket.merged")) == 2


def test_another_apps_ticket_is_not_found_and_requesters_cannot_merge(
    server: InProcess,
) -> None:
    rt = server.app.extensions["support"]
    mine = file(server, "Mine")
    elsewhere = apps.create_app(rt.db, "Elsewhere")
    raw, _ = apps.create_key(rt.db, elsewhere["id"], "admin")
    theirs = call(
        server,
        "POST",
        "/tickets",
        201,
        {"Authorization": f"Bearer {raw}"},
        json={"body": "Theirs", "email": "x@example.com"},
    )
    call(server, "POST", f"/tickets/{mine['id']}/merge", 404, json={"into": theirs["id"]})
    call(server, "POST", f"/tickets/{mine['id']}/merge", 404, json={"into": "tkt_nope"})
    other = file(server, "Other")
    call(
        server,
        "POST",
        f"/tickets/{other['id']}/merge",
        401,
        user(server),
        json={"into": mine["id"]},
    )
    assert call(server, "GET", f"/tickets/{mine['id']}")["status"] == "new"


# -- bulk ------------------------------------------------------------------------------------


def test_bulk_changes_each_ticket_with_an_event_each(server: InProcess) -> None:
    tickets = [file(server, s) for s in ("A", "B", "C")]
    call(server, "PATCH", f"/tickets/{tickets[0]['id']}", json={"tags": ["old", "keep"]})
    before = len(events(server, "ticket.updated"))
    ids = [t["id"] for t in tickets]

    out = call(
        server,
        "POST",
        "/tickets/bulk",
        json={
            "ids": ids,
            "changes": {"status": "pending", "priority": "high", "add_tags": ["vip"]},
        },
    )["items"]

    assert [t["id"] for t in out] == ids
    assert {(t["status"], t["priority"]) for t in out} == {("pending", "high")}
    assert [t["tags"] for t in out] == [["old", "keep", "vip"], ["vip"], ["vip"]]
    assert out[0]["merged_into"] is None
    updated = events(server, "ticket.updated")[before:]
    assert [e["data"]["id"] for e in updated] == ids
    assert updated[0]["changes"]["status"] == {"from": "new", "to": "pending"}

    out = call(
        server,
        "POST",
        "/tickets/bulk",
        json={"ids": ids[:1], "changes": {"remove_tags": ["old"], "assignee": "maya"}},
    )["items"]
    assert out[0]["tags"] == ["keep", "vip"] and out[0]["assignee"] == "maya"
    out = call(server, "POST", "/tickets/bulk", json={"ids": ids, "changes": {"tags": ["x"]}})[
        "items"
    ]
    assert [t["tags"] for t in out] == [["x"]] * 3


def test_bulk_is_all_or_nothing_on_an_unknown_id(server: InProcess) -> None:
    a = file(server, "A")
    before = len(events(server, "ticket.updated"))
    body = {"ids": [a["id"], "tkt_missing"], "changes": {"status": "solved"}}
    error = call(server, "POST", "/tickets/bulk", 404, json=body)["error"]
    assert "tkt_missing" in error["message"]
    assert call(server, "GET", f"/tickets/{a['id']}")["status"] == "new"
    assert len(events(server, "ticket.updated")) == before


def test_bulk_takes_at_most_100_tickets_and_known_changes(server: InProcess) -> None:
    a = file(server, "A")
    too_many = {"ids": [a["id"]] * 101, "changes": {"status": "open"}}
    assert "ids" in call(server, "POST", "/tickets/bulk", 422, json=too_many)["error"]["details"]
    merge = {"ids": [a["id"]], "changes": {"merge_into": a["id"]}}
    call(server, "POST", "/tickets/bulk", 422, json=merge)
    call(server, "POST", "/tickets/bulk", 422, json={"ids": [a["id"]], "changes": {}})
    call(server, "POST", "/tickets/bulk", 422, json={"ids": [], "changes": {"status": "open"}})
    assert call(server, "GET", f"/tickets/{a['id']}")["status"] == "new"
