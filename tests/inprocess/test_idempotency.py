"""The in-process app and its pinned clock, on the Idempotency-Key seam every resource shares."""

from __future__ import annotations

from support_server import clock

from .conftest import ORIGIN, InProcess


def test_a_retried_ticket_is_replayed_at_the_pinned_time(server: InProcess) -> None:
    headers = {"X-Support-App": server.app_id, "Origin": ORIGIN, "Idempotency-Key": "k-1"}
    body = {"subject": "Export fails 🙁", "body": "The CSV export stops at 99%.", "email": "v@x.io"}
    first = server.http.post("/api/v1/tickets", json=body, headers=headers)
    assert first.status_code == 201, first.json
    assert "Idempotent-Replayed" not in first.headers
    assert first.json["created_at"] == clock.iso(server.clock.value)

    server.clock.advance(30)
    again = server.http.post("/api/v1/tickets", json=body, headers=headers)
    assert again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json == first.json  # the visitor token included: the same response, replayed


def test_a_retried_article_is_replayed_and_indexed_once(server: InProcess) -> None:
    headers = {**server.staff_headers(), "Idempotency-Key": "a-1"}
    body = {"title": "Exporting to CSV", "body": "Use **Export**.", "status": "published"}
    first = server.http.post("/api/v1/articles", json=body, headers=headers)
    again = server.http.post("/api/v1/articles", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json["id"] == first.json["id"]
    listed = server.http.get("/api/v1/articles", headers=server.staff_headers()).json["items"]
    assert [a["id"] for a in listed] == [first.json["id"]]
    found = server.http.get(
        "/api/v1/help/search", query_string={"q": "csv"}, headers={"X-Support-App": server.app_id}
    ).json
    assert [r["slug"] for r in found["results"]] == [first.json["slug"]]
