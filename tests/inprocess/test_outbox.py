"""The transactional outbox: an event exists if and only if its change does, and carries the
resource as the API returns it."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

import pytest

from support_server.services import outbox

from .conftest import InProcess


def _events(server: InProcess) -> list[dict[str, Any]]:
    conn = sqlite3.connect(server.data_dir / "support.db")
    try:
        rows = conn.execute("SELECT type, payload FROM outbox_events ORDER BY id").fetchall()
        jobs = conn.execute("SELECT COUNT(*) FROM jobs WHERE kind = 'fanout'").fetchone()[0]
    finally:
        conn.close()
    assert jobs == len(rows)  # every event has its fan-out job
    return [json.loads(payload) for _, payload in rows]


def _file(server: InProcess, body: str, **headers: str) -> Any:
    return server.http.post(
        "/api/v1/tickets",
        json={"body": body, "email": "ana@example.com"},
        headers={**server.staff_headers(), **headers},
    )


def test_filing_a_ticket_writes_one_event_with_the_ticket_as_agents_see_it(
    server: InProcess,
) -> None:
    r = _file(server, "The export fails")
    assert r.status_code == 201
    (event,) = _events(server)
    assert event["type"] == "ticket.created" and event["id"].startswith("evt_")
    assert event["app_id"] == server.app_id
    assert event["data"]["id"] == r.get_json()["id"]
    assert event["data"]["body"] == "The export fails"
    assert "assignee" in event["data"] and "traits" in event["data"]  # the agent's view


def test_a_refused_or_replayed_filing_writes_no_event(server: InProcess) -> None:
    assert (
        server.http.post(
            "/api/v1/tickets", json={"body": "x"}, headers=server.staff_headers()
        ).status_code
        == 422
    )  # a staff key must name the requester
    assert _file(server, "once", **{"Idempotency-Key": "k1"}).status_code == 201
    replay = _file(server, "once", **{"Idempotency-Key": "k1"})
    assert replay.headers.get("Idempotent-Replayed") == "true"
    assert [e["type"] for e in _events(server)] == ["ticket.created"]


def test_an_event_rolls_back_with_its_change(server: InProcess) -> None:
    rt = server.app.extensions["support"]

    class Boom(Exception):
        pass

    with pytest.raises(Boom), rt.db.write() as conn:
        outbox.emit(conn, server.app_id, "ticket.created", {"id": "tkt_x"})
        raise Boom
    assert _events(server) == []
    with pytest.raises(ValueError), rt.db.write() as conn:
        outbox.emit(conn, server.app_id, "ticket.exploded", {})


def test_replies_changes_and_ratings_are_events_with_what_changed(server: InProcess) -> None:
    ticket = _file(server, "Please help").get_json()
    tid = ticket["id"]
    h = server.staff_headers()
    assert (
        server.http.post(
            f"/api/v1/tickets/{tid}/messages", json={"body": "Looking", "internal": True}, headers=h
        ).status_code
        == 201
    )
    assert (
        server.http.patch(
            f"/api/v1/tickets/{tid}", json={"status": "solved", "priority": "high"}, headers=h
        ).status_code
        == 200
    )
    # the same change again changes nothing, and says nothing
    server.http.patch(f"/api/v1/tickets/{tid}", json={"status": "solved"}, headers=h)
    events = _events(server)
    assert [e["type"] for e in events] == ["ticket.created", "message.created", "ticket.updated"]
    note = events[1]["data"]
    assert note["internal"] is True and note["ticket"]["id"] == tid
    assert events[2]["changes"] == {
        "status": {"from": "new", "to": "solved"},
        "priority": {"from": "normal", "to": "high"},
    }
    assert events[2]["data"]["status"] == "solved"


def test_articles_published_updated_and_archived_are_events(server: InProcess) -> None:
    h = server.staff_headers()
    made = server.http.post(
        "/api/v1/articles",
        json={"title": "Refunds", "body": "How to ask for one.", "status": "draft"},
        headers=h,
    ).get_json()
    aid = made["id"]
    assert server.http.post(f"/api/v1/articles/{aid}/publish", headers=h).status_code == 200
    assert (
        server.http.patch(
            f"/api/v1/articles/{aid}", json={"title": "Refunds 💸", "revision": 2}, headers=h
        ).status_code
        == 200
    )
    assert server.http.post(f"/api/v1/articles/{aid}/archive", headers=h).status_code == 200
    events = [e for e in _events(server) if e["type"].startswith("article.")]
    assert [e["type"] for e in events] == [
        "article.published",
        "article.updated",
        "article.archived",
    ]
    assert events[1]["changes"] == {"title": {"from": "Refunds", "to": "Refunds 💸"}}
    assert events[1]["data"]["title"] == "Refunds 💸" and "internal_id" not in events[1]["data"]
