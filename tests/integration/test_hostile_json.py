"""JSON that parses but cannot be stored or shown: lone surrogates and deep nesting.

Real browsers produce the first (a widget cutting a string in the middle of an emoji leaves
half of a surrogate pair); the second is an attack on the parser. Both are clear 4xx answers
naming the problem, on every JSON endpoint, and nothing is half-stored.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from ..conftest import LiveServer

LONE = '"abc\\ud800def"'  # JSON text for a string holding a lone high surrogate


def post(server: LiveServer, path: str, raw: str, **headers: str) -> requests.Response:
    return requests.post(
        server.url + "/api/v1" + path,
        data=raw.encode("ascii"),
        headers={"Content-Type": "application/json", **headers},
        timeout=10,
    )


def envelope(response: requests.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error: dict[str, Any] = response.json()["error"]
    assert error["code"] == code
    return error


@pytest.mark.parametrize(
    ("raw", "field"),
    [
        ('{"subject": $S, "body": "x", "email": "a@b.co"}'.replace("$S", LONE), "subject"),
        ('{"body": "x", "email": "a@b.co", "name": $S}'.replace("$S", LONE), "name"),
        ('{"body": $S, "email": "a@b.co"}'.replace("$S", LONE), "body"),
        (
            '{"body": "x", "email": "a@b.co", "context": {"title": $S}}'.replace("$S", LONE),
            "context.title",
        ),
        (
            '{"body": "x", "email": "a@b.co", "context": {"custom": {"plan": $S}}}'.replace(
                "$S", LONE
            ),
            "context.custom.plan",
        ),
        (
            '{"body": "x", "email": "a@b.co", "context": {"errors": [{"message": $S}]}}'.replace(
                "$S", LONE
            ),
            "context.errors.0.message",
        ),
    ],
)
def test_a_lone_surrogate_in_a_ticket_is_a_422_naming_the_field(
    fresh_server: LiveServer, raw: str, field: str
) -> None:
    response = post(fresh_server, "/tickets", raw, **{"X-Support-App": fresh_server.app_id})
    error = envelope(response, 422, "validation_error")
    assert field in error["details"], error
    tickets = fresh_server.writer().tickets().items
    assert list(tickets) == []  # nothing half-stored


def test_lone_surrogates_are_refused_on_every_kind_of_write(fresh_server: LiveServer) -> None:
    staff = {"Authorization": f"Bearer {fresh_server.admin_key}"}
    ticket = fresh_server.writer().create_ticket("fine", email="ada@example.com")
    cases = [
        (f"/tickets/{ticket.id}/messages", '{"body": $S}'.replace("$S", LONE), "body"),
        ("/articles", '{"title": $S, "body": "x"}'.replace("$S", LONE), "title"),
    ]
    for path, raw, field in cases:
        error = envelope(post(fresh_server, path, raw, **staff), 422, "validation_error")
        assert field in error["details"]
    patch = requests.patch(
        f"{fresh_server.url}/api/v1/tickets/{ticket.id}",
        data=('{"tags": ["ok", $S]}'.replace("$S", LONE)).encode(),
        headers={**staff, "Content-Type": "application/json"},
        timeout=10,
    )
    assert "tags.1" in envelope(patch, 422, "validation_error")["details"]
    assert list(fresh_server.writer().ticket(ticket.id).messages) == []


def test_a_surrogate_pair_escape_is_a_real_emoji_and_is_kept(fresh_server: LiveServer) -> None:
    raw = '{"subject": "Invoice \\ud83e\\uddfe", "body": "x", "email": "a@b.co"}'
    response = post(fresh_server, "/tickets", raw, **{"X-Support-App": fresh_server.app_id})
    assert response.status_code == 201, response.text
    assert response.json()["subject"] == "Invoice \U0001f9fe"


@pytest.mark.parametrize("path", ["/tickets", "/help/events", "/articles"])
def test_deeply_nested_json_is_a_400_not_a_crash(fresh_server: LiveServer, path: str) -> None:
    raw = '{"body": ' + "[" * 1000 + "]" * 1000 + "}"
    headers = {"X-Support-App": fresh_server.app_id}
    if path == "/articles":
        headers = {"Authorization": f"Bearer {fresh_server.admin_key}"}
    response = post(fresh_server, path, raw, **headers)
    error = envelope(response, 400, "json_too_deep")
    assert "32" in error["message"]
    log = fresh_server.process.log.read_text(errors="replace")
    assert "RecursionError" not in log and "Traceback" not in log


def test_brackets_inside_strings_do_not_count_as_depth(fresh_server: LiveServer) -> None:
    body = "[" * 500 + "{" * 500
    raw = json.dumps({"body": body, "email": "a@b.co"})
    response = post(fresh_server, "/tickets", raw, **{"X-Support-App": fresh_server.app_id})
    assert response.status_code == 201, response.text
