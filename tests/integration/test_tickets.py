"""Tickets against a real server: filing, reading, replies, agent changes, CSAT, visibility
between users, roles and apps, and Idempotency-Key (replay, reuse, in flight, SDK retries)."""

from __future__ import annotations

import threading
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests

from support_sdk import SupportClient
from support_sdk.errors import NotFound, PermissionDenied

from .api import API, Env, call, started_env


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with started_env(tmp_path_factory, "tickets", "http://allowed.example") as started:
        yield started


def error_code(response: requests.Response) -> str:
    code: str = response.json()["error"]["code"]
    return code


def file(env: Env, token: str, body: str = "Something broke", **fields: Any) -> dict[str, Any]:
    response = call(env, "POST", "/tickets", token, body={"body": body, **fields})
    assert response.status_code == 201, response.text
    ticket: dict[str, Any] = response.json()
    return ticket


def all_tickets(url: str, agent: str) -> list[dict[str, Any]]:
    """Every ticket of the agent's app, through the cursor pages."""
    found: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        query = "?limit=200" + (f"&cursor={cursor}" if cursor else "")
        page = call(url, "GET", "/tickets" + query, agent).json()
        found.extend(page["items"])
        cursor = page["next"]
        if cursor is None:
            return found


CONTEXT = {
    "url": "https://app.example.com/settings/billing?tab=invoices",
    "title": "Billing · Invoices",
    "context_key": "billing.invoices",
    "app_version": "2.3.1",
    "locale": "fr-CA",
    "time_zone": "America/Toronto",
    "user_agent": "Mozilla/5.0 (X11; Linux x86_64) Chrome/124",
    "viewport": {"width": 1280, "height": 720},
    "errors": [
        {
            "message": "TypeError: x is undefined",
            "source": "https://app.example.com/app.js",
            "line": 10,
            "column": 4,
            "stack": "at f (app.js:10:4)",
            "at": "2024-05-01T10:00:00Z",
        }
    ],
    "custom": {"plan": "pro", "seats": 12, "flags": ["beta"], "nested": {"a": None}},
    "articles_shown": ["export-invoices", "request-a-refund"],
}


# -- filing --------------------------------------------------------------------------------
def test_requester_comes_from_the_token_never_from_the_body(env: Env) -> None:
    token = env.token("u-ada", email="ada@example.com", name="Ada")
    ticket = file(env, token, email="mallory@evil.example", name="Mallory", subject="Invoice")
    expected = {"id": "u-ada", "kind": "user", "email": "ada@example.com", "name": "Ada"}
    assert ticket["requester"] == expected
    stored = call(env, "GET", f"/tickets/{ticket['id']}", env.agent).json()
    assert stored["requester"] == expected


def test_a_token_without_email_does_not_take_the_bodys(env: Env) -> None:
    token = env.token("u-noemail")
    ticket = file(env, token, email="someone@else.example", name="Someone")
    assert ticket["requester"]["email"] is None
    assert ticket["requester"]["name"] is None


def test_ticket_out_has_the_contract_fields(env: Env) -> None:
    ticket = file(env, env.token("u-fields"), subject="Export broken", priority="high")
    for name in (
        "id",
        "status",
        "subject",
        "body",
        "priority",
        "requester",
        "context",
        "created_at",
        "updated_at",
    ):
        assert name in ticket
    assert ticket["status"] == "new"
    assert ticket["priority"] == "high"
    assert ticket["source"] == "api"
    assert ticket["id"].startswith("tkt_")


def test_context_round_trips(env: Env) -> None:
    ticket = file(env, env.token("u-context"), subject="With context", context=CONTEXT)
    assert ticket["context"] == CONTEXT
    assert call(env, "GET", f"/tickets/{ticket['id']}", env.agent).json()["context"] == CONTEXT


def test_sdk_files_with_context_and_source_sdk(env: Env) -> None:
    token = env.token("u-sdk", email="sdk@example.com")
    with env.server.client() as client:
        ticket = client.create_ticket(
            "From the SDK", subject="SDK", user_token=token, context=CONTEXT
        )
    assert ticket.source == "sdk"
    assert ticket.requester is not None and ticket.requester.email == "sdk@example.com"
    stored = call(env, "GET", f"/tickets/{ticket.id}", env.agent).json()
    assert stored["context"] == CONTEXT


def test_subject_defaults_to_the_first_line_of_the_body(env: Env) -> None:
    token = env.token("u-subject")
    assert file(env, token, "  The export is empty\nSteps: ...")["subject"] == (
        "The export is empty"
    )
    assert file(env, token, "x", subject="   ")["subject"] == "x"
    long = file(env, token, "y" * 100)["subject"]
    assert long == "y" * 80 + "…"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "body"),
        ({"body": "   "}, "body"),
        ({"body": "x", "priority": "asap"}, "priority"),
        ({"body": "x", "unknown": 1}, "unknown"),
        ({"body": "x", "context": {"viewport": {"width": "wide"}}}, "context"),
        ({"body": "x", "context": {"custom": {"big": "z" * 9000}}}, "context"),
    ],
)
def test_invalid_tickets_are_422_naming_the_field_and_file_nothing(
    env: Env, body: dict[str, Any], field: str
) -> None:
    token = env.token("u-invalid")
    response = call(env, "POST", "/tickets", token, body=body)
    assert response.status_code == 422
    assert error_code(response) == "validation_error"
    assert field in response.json()["error"]["details"]
    assert call(env, "GET", "/tickets", token).json()["items"] == []


def test_a_body_that_is_not_json_is_415_or_400(env: Env) -> None:
    token = env.token("u-notjson")
    headers = {"Authorization": f"Bearer {token}"}
    as_text = requests.post(
        env.url + API + "/tickets",
        data="body=x",
        timeout=30,
        headers={**headers, "Content-Type": "text/plain"},
    )
    assert as_text.status_code == 415
    broken = requests.post(
        env.url + API + "/tickets",
        data="{nope",
        timeout=30,
        headers={**headers, "Content-Type": "application/json"},
    )
    assert broken.status_code == 400
    assert error_code(broken) == "bad_request"


# -- reading -------------------------------------------------------------------------------
def test_list_own_tickets_with_cursor_paging(env: Env) -> None:
    token = env.token("u-pager")
    filed = [file(env, token, f"ticket {i}")["id"] for i in range(5)]
    file(env, env.token("u-someone-else"), "not mine")
    seen: list[str] = []
    cursor: str | None = None
    sizes = []
    with env.server.client() as client:
        while True:
            page = client.tickets(user_token=token, limit=2, cursor=cursor)
            sizes.append(len(page.items))
            seen.extend(t.id for t in page)
            cursor = page.next_cursor
            if cursor is None:
                break
    assert sizes == [2, 2, 1]
    assert seen == list(reversed(filed))  # newest first, each once, nobody else's


def test_list_filters_by_status_and_rejects_bad_cursors(env: Env) -> None:
    token = env.token("u-filter")
    first, second = file(env, token, "one")["id"], file(env, token, "two")["id"]
    call(env, "PATCH", f"/tickets/{first}", env.agent, body={"status": "pending"})
    pending = call(env, "GET", "/tickets?status=pending", token).json()["items"]
    assert [t["id"] for t in pending] == [first]
    new = call(env, "GET", "/tickets?status=new", token).json()["items"]
    assert [t["id"] for t in new] == [second]
    for bad in ("status=lost", "cursor=%%%", "cursor=djI6MQ", "limit=0", "limit=201"):
        response = call(env, "GET", f"/tickets?{bad}", token)
        assert response.status_code == 422, bad


def test_get_ticket(env: Env) -> None:
    token = env.token("u-get", email="get@example.com")
    ticket = file(env, token, "Please help", subject="Help")
    got = call(env, "GET", f"/tickets/{ticket['id']}", token).json()
    assert got["id"] == ticket["id"]
    assert (got["subject"], got["body"], got["messages"]) == ("Help", "Please help", [])
    with env.server.client() as client:
        assert client.ticket(ticket["id"], user_token=token).subject == "Help"


def test_unknown_ticket_is_404_with_the_envelope(env: Env) -> None:
    response = call(env, "GET", "/tickets/tkt_doesnotexist", env.token("u-404"))
    assert response.status_code == 404
    assert error_code(response) == "not_found"


# -- conversation --------------------------------------------------------------------------
def test_replies_and_internal_notes(env: Env) -> None:
    token = env.token("u-conv", name="Conv")
    ticket_id = file(env, token, "It broke")["id"]
    with env.server.client() as client:
        mine = client.reply(ticket_id, "More details", user_token=token)
    assert mine.author.kind == "requester"
    agent_reply = call(
        env, "POST", f"/tickets/{ticket_id}/messages", env.agent, body={"body": "We are on it"}
    )
    assert agent_reply.status_code == 201
    assert agent_reply.json()["author"]["kind"] == "agent"
    note = call(
        env,
        "POST",
        f"/tickets/{ticket_id}/messages",
        env.agent,
        body={"body": "SECRET: customer is on the legacy plan", "internal": True},
    )
    assert note.status_code == 201 and note.json()["internal"] is True

    as_agent = call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()
    assert [(m["author"]["kind"], m["internal"]) for m in as_agent["messages"]] == [
        ("requester", False),
        ("agent", False),
        ("agent", True),
    ]
    assert as_agent["status"] == "open"  # the agent's public answer opened it

    as_requester = call(env, "GET", f"/tickets/{ticket_id}", token)
    listed = call(env, "GET", "/tickets", token).json()["items"]
    for seen in (as_requester.json(), next(t for t in listed if t["id"] == ticket_id)):
        assert [m["body"] for m in seen["messages"]] == ["More details", "We are on it"]
    assert "SECRET" not in as_requester.text
    assert "SECRET" not in call(env, "GET", "/tickets", token).text


def test_requester_cannot_add_internal_notes(env: Env) -> None:
    token = env.token("u-nonote")
    ticket_id = file(env, token, "x")["id"]
    response = call(
        env,
        "POST",
        f"/tickets/{ticket_id}/messages",
        token,
        body={"body": "hidden?", "internal": True},
    )
    assert response.status_code == 403
    assert call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()["messages"] == []


def test_requester_reply_reopens_a_solved_ticket(env: Env) -> None:
    token = env.token("u-reopen")
    ticket_id = file(env, token, "x")["id"]
    call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body={"status": "solved"})
    call(env, "POST", f"/tickets/{ticket_id}/messages", token, body={"body": "still broken"})
    assert call(env, "GET", f"/tickets/{ticket_id}", token).json()["status"] == "open"


def test_closed_ticket_takes_no_reply(env: Env) -> None:
    token = env.token("u-closed")
    ticket_id = file(env, token, "x")["id"]
    call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body={"status": "closed"})
    for who in (token, env.agent):
        response = call(env, "POST", f"/tickets/{ticket_id}/messages", who, body={"body": "hi"})
        assert response.status_code == 409
        assert error_code(response) == "ticket_closed"
    assert call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()["messages"] == []


def test_reply_with_an_idempotency_key_posts_once(env: Env) -> None:
    token = env.token("u-reply-idem")
    ticket_id = file(env, token, "x")["id"]
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = call(
        env, "POST", f"/tickets/{ticket_id}/messages", token, body={"body": "once"}, headers=key
    )
    again = call(
        env, "POST", f"/tickets/{ticket_id}/messages", token, body={"body": "once"}, headers=key
    )
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json()["id"] == first.json()["id"]
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert len(call(env, "GET", f"/tickets/{ticket_id}", token).json()["messages"]) == 1


# -- agent changes -------------------------------------------------------------------------
def test_agent_patches_status_priority_assignee_tags(env: Env) -> None:
    token = env.token("u-patch")
    ticket_id = file(env, token, "x")["id"]
    changes = {
        "status": "pending",
        "priority": "urgent",
        "assignee": "sam",
        "tags": ["billing", "vip"],
    }
    response = call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body=changes)
    assert response.status_code == 200
    patched = response.json()
    assert {k: patched[k] for k in changes} == changes
    stored = call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()
    assert {k: stored[k] for k in changes} == changes
    assert call(env, "GET", f"/tickets/{ticket_id}", token).json()["status"] == "pending"
    with env.server.client(api_key=env.agent) as client:
        updated = client.update_ticket(ticket_id, assignee=None, tags=[])
    assert (updated.assignee, updated.tags, updated.status) == (None, (), "pending")


@pytest.mark.parametrize(
    "changes", [{"status": "done"}, {"priority": "asap"}, {"tags": "billing"}, {"id": "x"}]
)
def test_bad_patches_are_422(env: Env, changes: dict[str, Any]) -> None:
    ticket_id = file(env, env.token("u-badpatch"), "x")["id"]
    response = call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body=changes)
    assert response.status_code == 422
    assert call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()["status"] == "new"


def test_requester_cannot_patch(env: Env) -> None:
    token = env.token("u-nopatch")
    ticket_id = file(env, token, "x")["id"]
    response = call(env, "PATCH", f"/tickets/{ticket_id}", token, body={"status": "solved"})
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert call(env, "GET", f"/tickets/{ticket_id}", token).json()["status"] == "new"


# -- CSAT ----------------------------------------------------------------------------------
def test_rating_only_once_solved(env: Env) -> None:
    token = env.token("u-rate")
    ticket_id = file(env, token, "x")["id"]
    early = call(env, "POST", f"/tickets/{ticket_id}/rating", token, body={"score": 5})
    assert early.status_code == 409
    assert error_code(early) == "ticket_not_solved"
    call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body={"status": "solved"})
    for score in (0, 6, -1, "five", None):
        bad = call(env, "POST", f"/tickets/{ticket_id}/rating", token, body={"score": score})
        assert bad.status_code == 422, score
        assert "score" in bad.json()["error"]["details"]
    assert call(env, "GET", f"/tickets/{ticket_id}", token).json()["rating"] is None
    with env.server.client() as client:
        rating = client.rate(ticket_id, 4, "Quick answer", user_token=token)
    assert (rating.score, rating.comment) == (4, "Quick answer")
    seen = call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()["rating"]
    assert seen == {"score": 4, "comment": "Quick answer"}


def test_staff_cannot_rate(env: Env) -> None:
    token = env.token("u-staffrate")
    ticket_id = file(env, token, "x")["id"]
    call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body={"status": "solved"})
    response = call(env, "POST", f"/tickets/{ticket_id}/rating", env.agent, body={"score": 1})
    assert response.status_code == 403
    assert call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()["rating"] is None


# -- who sees what -------------------------------------------------------------------------
def test_user_b_can_never_touch_user_a_ticket(env: Env) -> None:
    alice, bob = env.token("u-alice"), env.token("u-bob")
    ticket_id = file(env, alice, "Alice's private problem")["id"]
    call(env, "PATCH", f"/tickets/{ticket_id}", env.agent, body={"status": "solved"})
    attempts = [
        call(env, "GET", f"/tickets/{ticket_id}", bob),
        call(env, "POST", f"/tickets/{ticket_id}/messages", bob, body={"body": "hi"}),
        call(env, "POST", f"/tickets/{ticket_id}/rating", bob, body={"score": 1}),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]
    assert all(error_code(r) == "not_found" for r in attempts)
    # The same answer as for an id that does not exist: ids reveal nothing.
    missing = call(env, "GET", "/tickets/tkt_nope", bob)
    assert missing.json()["error"]["message"] == attempts[0].json()["error"]["message"]
    assert call(env, "GET", "/tickets", bob).json()["items"] == []
    with env.server.client() as client, pytest.raises(NotFound):
        client.ticket(ticket_id, user_token=bob)
    alices = call(env, "GET", f"/tickets/{ticket_id}", alice).json()
    assert alices["messages"] == [] and alices["rating"] is None


def test_same_user_id_in_another_app_is_another_person(env: Env) -> None:
    ticket_id = file(env, env.token("u-shared-id"), "app A")["id"]
    with SupportClient(env.url, app_id=env.app_b, app_secret=env.secret_b) as client_b:
        token_b = client_b.user_token("u-shared-id")
    assert call(env, "GET", f"/tickets/{ticket_id}", token_b).status_code == 404
    assert call(env, "GET", "/tickets", token_b).json()["items"] == []


def test_writer_key_cannot_read_or_touch_tickets(env: Env) -> None:
    ticket_id = file(env, env.token("u-writer-target"), "x")["id"]
    attempts = {
        "list": call(env, "GET", "/tickets", env.writer),
        "get": call(env, "GET", f"/tickets/{ticket_id}", env.writer),
        "get missing": call(env, "GET", "/tickets/tkt_nope", env.writer),
        "reply": call(
            env, "POST", f"/tickets/{ticket_id}/messages", env.writer, body={"body": "x"}
        ),
        "patch": call(env, "PATCH", f"/tickets/{ticket_id}", env.writer, body={"status": "closed"}),
        "file": call(env, "POST", "/tickets", env.writer, body={"body": "x"}),
    }
    assert {name: r.status_code for name, r in attempts.items()} == dict.fromkeys(attempts, 403)
    assert all(error_code(r) == "forbidden" for r in attempts.values())
    with (
        SupportClient(env.url, app_id=env.server.app_id, api_key=env.writer) as client,
        pytest.raises(PermissionDenied),
    ):
        client.tickets()
    stored = call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()
    assert (stored["status"], stored["messages"]) == ("new", [])


def test_agent_of_app_b_cannot_see_app_a_tickets(env: Env) -> None:
    ticket_id = file(env, env.token("u-cross-app"), "app A only")["id"]
    attempts = [
        call(env, "GET", f"/tickets/{ticket_id}", env.agent_b),
        call(env, "POST", f"/tickets/{ticket_id}/messages", env.agent_b, body={"body": "x"}),
        call(env, "PATCH", f"/tickets/{ticket_id}", env.agent_b, body={"status": "closed"}),
    ]
    assert [r.status_code for r in attempts] == [404, 404, 404]
    assert ticket_id not in {t["id"] for t in all_tickets(env.url, env.agent_b)}
    # Naming app A does not help: the key belongs to app B.
    named = call(env, "GET", f"/tickets/{ticket_id}", env.agent_b, app=env.server.app_id)
    assert named.status_code == 401
    assert call(env, "GET", f"/tickets/{ticket_id}", env.agent).json()["status"] == "new"


def test_agent_lists_every_ticket_of_the_app(env: Env) -> None:
    ids = {file(env, env.token(f"u-agentlist-{i}"), "x")["id"] for i in range(3)}
    assert ids <= {t["id"] for t in all_tickets(env.url, env.agent)}


def test_staff_filing_needs_the_requesters_email(env: Env) -> None:
    missing = call(env, "POST", "/tickets", env.agent, body={"body": "by phone"})
    assert missing.status_code == 422
    assert "email" in missing.json()["error"]["details"]
    ticket = file(env, env.agent, "by phone", email="caller@example.com", name="Caller")
    assert ticket["requester"]["email"] == "caller@example.com"


# -- Idempotency-Key -----------------------------------------------------------------------
def test_same_key_same_body_replays_the_first_response(env: Env) -> None:
    token = env.token("u-idem")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"subject": "Once", "body": "File me once", "context": {"url": "/x"}}
    first = call(env, "POST", "/tickets", token, body=body, headers=headers)
    # The same JSON with its keys in another order is the same request.
    reordered = {"context": {"url": "/x"}, "body": "File me once", "subject": "Once"}
    again = call(env, "POST", "/tickets", token, body=reordered, headers=headers)
    assert (first.status_code, again.status_code) == (201, 201)
    assert "Idempotent-Replayed" not in first.headers
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert len(call(env, "GET", "/tickets", token).json()["items"]) == 1


def test_same_key_other_body_is_422_reused(env: Env) -> None:
    token = env.token("u-idem-reuse")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    call(env, "POST", "/tickets", token, body={"body": "first"}, headers=headers)
    reused = call(env, "POST", "/tickets", token, body={"body": "second"}, headers=headers)
    assert reused.status_code == 422
    assert error_code(reused) == "idempotency_key_reused"
    assert [t["body"] for t in call(env, "GET", "/tickets", token).json()["items"]] == ["first"]


def test_idempotency_keys_belong_to_their_caller(env: Env) -> None:
    # Another user sending the same key and body files their own ticket, never sees the first.
    headers = {"Idempotency-Key": "shared-key-" + uuid.uuid4().hex}
    one = call(env, "POST", "/tickets", env.token("u-key-1"), body={"body": "x"}, headers=headers)
    two = call(env, "POST", "/tickets", env.token("u-key-2"), body={"body": "x"}, headers=headers)
    assert (one.status_code, two.status_code) == (201, 201)
    assert one.json()["id"] != two.json()["id"]
    assert two.json()["requester"]["id"] == "u-key-2"
    assert "Idempotent-Replayed" not in two.headers


def test_a_failed_request_does_not_burn_its_key(env: Env) -> None:
    token = env.token("u-idem-fail")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    bad = call(env, "POST", "/tickets", token, body={"body": ""}, headers=headers)
    assert bad.status_code == 422
    good = call(env, "POST", "/tickets", token, body={"body": "fixed"}, headers=headers)
    assert good.status_code == 201


def test_overlong_idempotency_key_is_422(env: Env) -> None:
    token = env.token("u-idem-long")
    response = call(
        env, "POST", "/tickets", token, body={"body": "x"}, headers={"Idempotency-Key": "k" * 256}
    )
    assert response.status_code == 422
    assert call(env, "GET", "/tickets", token).json()["items"] == []


class DroppingProxy:
    """An HTTP proxy in front of the server that drops the connection after the server has
    answered the first POST: the work is done, the client never hears of it."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.seen: list[tuple[str, str | None, int, str | None]] = []
        self.drop_next_post = True
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def _forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                data = self.rfile.read(length) if length else None
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in {"host", "connection", "content-length"}
                }
                upstream = requests.request(
                    self.command, proxy.upstream + self.path, data=data, headers=headers, timeout=30
                )
                proxy.seen.append(
                    (
                        self.command,
                        self.headers.get("Idempotency-Key"),
                        upstream.status_code,
                        upstream.headers.get("Idempotent-Replayed"),
                    )
                )
                if self.command == "POST" and proxy.drop_next_post:
                    proxy.drop_next_post = False
                    self.close_connection = True
                    return  # no status line, no body: the client sees the connection drop
                self.send_response(upstream.status_code)
                for name in ("Content-Type", "Idempotent-Replayed", "Retry-After"):
                    if name in upstream.headers:
                        self.send_header(name, upstream.headers[name])
                self.send_header("Content-Length", str(len(upstream.content)))
                self.end_headers()
                self.wfile.write(upstream.content)

            do_GET = do_POST = do_PATCH = _forward

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> DroppingProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()


def test_sdk_retry_after_a_dropped_connection_files_once(env: Env) -> None:
    token = env.token("u-dropped", email="dropped@example.com")
    waits: list[float] = []
    with (
        DroppingProxy(env.url) as proxy,
        SupportClient(proxy.url, app_id=env.server.app_id, sleep=waits.append) as client,
    ):
        ticket = client.create_ticket("Filed through a flaky network", user_token=token)
    posts = [entry for entry in proxy.seen if entry[0] == "POST"]
    assert len(posts) == 2, proxy.seen  # the lost answer, then the SDK's one retry
    (_, key1, status1, replayed1), (_, key2, status2, replayed2) = posts
    assert key1 and key1 == key2
    assert (status1, replayed1, status2, replayed2) == (201, None, 201, "true")
    assert len(waits) == 1
    mine = call(env, "GET", "/tickets", token).json()["items"]
    assert [t["id"] for t in mine] == [ticket.id]


# -- concurrency: one key, many workers ----------------------------------------------------
@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    with started_env(tmp_path_factory, "tickets-serve", mode="serve", workers=3) as started:
        yield started


def test_fifty_concurrent_requests_with_one_key_file_one_ticket(gunicorn: Env) -> None:
    url, agent = gunicorn.url, gunicorn.agent
    token = gunicorn.token("u-storm", email="storm@example.com")
    headers = {"Idempotency-Key": str(uuid.uuid4())}
    body = {"subject": "Storm", "body": "Sent fifty times at once"}
    barrier = threading.Barrier(50)
    responses: list[requests.Response] = []
    lock = threading.Lock()

    def send() -> None:
        barrier.wait()
        response = call(url, "POST", "/tickets", token, body=body, headers=headers)
        with lock:
            responses.append(response)

    threads = [threading.Thread(target=send) for _ in range(50)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    tickets = all_tickets(url, agent)
    assert len(tickets) == 1
    ticket_id = tickets[0]["id"]
    assert len(responses) == 50
    # One transaction looks the key up, files the ticket and stores the response: the other 49
    # wait on the write lock and replay it (no 409 "in flight" to retry).
    assert [r.status_code for r in responses] == [201] * 50
    assert {r.json()["id"] for r in responses} == {ticket_id}
    assert sum("Idempotent-Replayed" not in r.headers for r in responses) == 1
