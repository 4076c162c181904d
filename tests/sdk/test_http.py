"""The one request path: URLs, headers, JSON, and what is retried (and what never is)."""

from __future__ import annotations

import email.utils
import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests

from support_sdk import (
    Conflict,
    NetworkError,
    RateLimited,
    ServerError,
    SupportClient,
    SupportError,
    Ticket,
)
from support_sdk._http import MAX_RETRY_AFTER, VERSION, Transport, api_path

from .conftest import APP_ID, ScriptedServer

OK_TICKET = {"id": "tk_1", "status": "new", "body": "help"}
RATE_LIMITED = {"error": {"code": "rate_limited", "message": "slow down"}}


def unavailable() -> dict[str, object]:
    return {"error": {"code": "unavailable", "message": "try later", "details": {}}}


# -- URLs and headers ----------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", ["", "/", "/api/v1", "/api/v1/"])
def test_base_url_is_joined_with_the_api_root(
    suffix: str, server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(200, {"status": "ok"})
    client = make_client(base_url=server.url + suffix)
    assert client.base_url == server.url
    assert client.health() == {"status": "ok"}
    assert server.received[0].path == "/api/v1/health"


def test_default_headers(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(200, {"status": "ok"})
    client.health()
    headers = server.received[0].headers
    assert headers["User-Agent"] == f"support-sdk-python/{VERSION}"
    assert headers["X-Support-App"] == APP_ID
    assert headers["Accept"] == "application/json"
    assert headers["Authorization"] is None
    assert headers["Content-Type"] is None  # no body, no content type


def test_user_agent_is_prepended(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(200, {"status": "ok"})
    make_client(user_agent="acme-app/2.0").health()
    assert server.received[0].headers["User-Agent"] == f"acme-app/2.0 support-sdk-python/{VERSION}"


def test_no_app_header_without_app_id(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(200, {"status": "ok"})
    make_client(app_id=None).health()
    assert server.received[0].headers["X-Support-App"] is None


def test_json_body_and_content_type(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(201, OK_TICKET)
    client.create_ticket("héllo ✓", context={"nested": {"a": [1, 2]}})
    request = server.received[0]
    assert request.headers["Content-Type"] == "application/json"
    assert request.json() == {"body": "héllo ✓", "context": {"nested": {"a": [1, 2]}}}


def test_query_leaves_out_none(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(200, {"results": [], "total": 0, "page": 1, "suggestion": None})
    client.search("a&b=c", category=None)
    assert server.received[0].query == {"q": "a&b=c", "limit": "10", "page": "1"}


def test_ids_cannot_escape_their_path_segment(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(404, {"error": {"code": "not_found", "message": "no"}})
    with pytest.raises(SupportError):
        client.ticket("../../admin?x=1")
    assert server.received[0].path == "/api/v1/tickets/..%2F..%2Fadmin%3Fx%3D1"
    with pytest.raises(ValueError, match="not a valid id"):
        api_path("/tickets/{}", "..")


def test_empty_success_body_is_none(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(204)
    assert client.request("POST", "/anything") is None


def test_every_request_has_a_timeout(server: ScriptedServer) -> None:
    seen: list[object] = []

    class RecordingSession(requests.Session):
        def request(self, *args: Any, **kwargs: Any) -> requests.Response:
            seen.append(kwargs.get("timeout"))
            return super().request(*args, **kwargs)

    server.reply(200, {"status": "ok"})
    with RecordingSession() as session:
        SupportClient(server.url, session=session).health()
    assert seen == [10.0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"base_url": "support.example.com"}, "http:// or https://"),
        ({"base_url": "http://x", "timeout": 0}, "timeout"),
        ({"base_url": "http://x", "max_retries": -1}, "max_retries"),
    ],
)
def test_bad_configuration_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Transport(**kwargs)  # type: ignore[arg-type]


# -- retries -------------------------------------------------------------------------------------


def test_503_503_201_files_one_ticket_under_one_key(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    server.reply(503, unavailable())
    server.reply(503, unavailable())
    server.reply(201, OK_TICKET)
    ticket = client.create_ticket("help")
    assert isinstance(ticket, Ticket) and ticket.id == "tk_1"
    assert [r.method for r in server.received] == ["POST", "POST", "POST"]
    keys = {r.headers["Idempotency-Key"] for r in server.received}
    assert len(keys) == 1
    (key,) = keys
    assert uuid.UUID(key).version == 4
    assert len(sleeps) == 2


def test_each_create_call_has_its_own_key(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(201, OK_TICKET)
    server.reply(201, OK_TICKET)
    client.create_ticket("one")
    client.create_ticket("two")
    first, second = (r.headers["Idempotency-Key"] for r in server.received)
    assert first != second


def test_caller_supplied_idempotency_key_is_used(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(201, OK_TICKET)
    client.create_ticket("help", idempotency_key="queued-ticket-7")
    assert server.received[0].headers["Idempotency-Key"] == "queued-ticket-7"


def test_reply_is_retried_under_one_key(server: ScriptedServer, client: SupportClient) -> None:
    message = {"id": "msg_2", "body": "hi", "author": {"kind": "requester"}}
    server.reply(502, "<html>bad gateway</html>")
    server.reply(201, message)
    assert client.reply("tk_1", "hi").id == "msg_2"
    first, second = server.received
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"] is not None


def test_post_without_idempotency_key_is_not_retried(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    server.reply(503, unavailable())
    with pytest.raises(ServerError):
        client.request("POST", "/tickets", json={"body": "help"})
    assert len(server.received) == 1
    assert server.received[0].headers["Idempotency-Key"] is None
    assert sleeps == []


def test_raw_post_with_idempotency_key_is_retried(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(503, unavailable())
    server.reply(201, OK_TICKET)
    data = client.request("POST", "/tickets", json={"body": "help"}, idempotency_key="k1")
    assert data == OK_TICKET
    assert [r.headers["Idempotency-Key"] for r in server.received] == ["k1", "k1"]


def test_patch_is_not_retried(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(504, unavailable())
    with pytest.raises(ServerError):
        make_client(api_key="sk_agent").update_ticket("tk_1", status="solved")
    assert len(server.received) == 1


@pytest.mark.parametrize("status", [502, 503, 504])
def test_get_is_retried_on_gateway_errors(
    status: int, server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    server.reply(status, unavailable())
    server.reply(200, {"status": "ok"})
    assert client.health() == {"status": "ok"}
    assert len(server.received) == 2
    assert len(sleeps) == 1


def test_500_is_not_retried(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(500, {"error": {"code": "internal_error", "message": "boom"}})
    with pytest.raises(ServerError):
        client.health()
    assert len(server.received) == 1


def test_gives_up_after_max_retries(
    server: ScriptedServer, make_client: Callable[..., SupportClient], sleeps: list[float]
) -> None:
    for _ in range(3):
        server.reply(503, unavailable())
    with pytest.raises(ServerError) as info:
        make_client(max_retries=2).health()
    assert info.value.code == "unavailable"
    assert len(server.received) == 3
    assert len(sleeps) == 2


def test_retry_after_is_honoured(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    server.reply(429, RATE_LIMITED, {"Retry-After": "3"})
    server.reply(429, RATE_LIMITED, {"Retry-After": "0.5"})
    server.reply(200, {"status": "ok"})
    assert client.health() == {"status": "ok"}
    assert sleeps == [3.0, 0.5]


def test_retry_after_on_503_is_honoured(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    server.reply(503, unavailable(), {"Retry-After": "2"})
    server.reply(200, {"status": "ok"})
    client.health()
    assert sleeps == [2.0]


def test_retry_after_as_http_date(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    # Dates far from now, so the test cannot depend on how fast it runs.
    past = email.utils.formatdate(time.time() - 3600, usegmt=True)
    future = email.utils.formatdate(time.time() + 3600, usegmt=True)
    server.reply(429, RATE_LIMITED, {"Retry-After": past})
    server.reply(200, {"status": "ok"})
    server.reply(429, RATE_LIMITED, {"Retry-After": future})
    client.health()
    assert sleeps == [0.0]
    with pytest.raises(RateLimited) as info:
        client.health()
    assert info.value.retry_after is not None
    assert 3000 < info.value.retry_after <= 3600


def test_retry_after_beyond_the_cap_is_raised_not_waited(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    wait = str(int(MAX_RETRY_AFTER) + 1)
    server.reply(429, RATE_LIMITED, {"Retry-After": wait})
    with pytest.raises(RateLimited) as info:
        client.health()
    assert info.value.retry_after == MAX_RETRY_AFTER + 1
    assert sleeps == []
    assert len(server.received) == 1


def test_429_without_retry_after_backs_off(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    server.reply(429, RATE_LIMITED)
    server.reply(200, {"status": "ok"})
    client.health()
    (delay,) = sleeps
    assert 0.0 <= delay <= 0.5


def test_idempotency_key_in_flight_is_retried(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(409, {"error": {"code": "idempotency_key_in_flight", "message": "wait"}})
    server.reply(201, OK_TICKET)
    assert client.create_ticket("help").id == "tk_1"
    assert len(server.received) == 2


def test_in_flight_is_retried_until_the_servers_claim_would_have_expired(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    # A worker died holding the key: the server says "in flight" for up to a minute. The SDK
    # outlasts that (more tries than max_retries), so the user's retry never becomes a new key.
    busy = {"error": {"code": "idempotency_key_in_flight", "message": "wait"}}
    for _ in range(12):
        server.reply(409, busy, headers={"Retry-After": "6"})
    server.reply(201, OK_TICKET)
    assert client.create_ticket("help").id == "tk_1"
    assert sleeps == [6.0] * 12
    assert len({r.headers["Idempotency-Key"] for r in server.received}) == 1


def test_in_flight_patience_is_bounded(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    busy = {"error": {"code": "idempotency_key_in_flight", "message": "wait"}}
    for _ in range(9):  # 7 waits of 10 s, one of 5 s: 75 s in all, then it gives up
        server.reply(409, busy, headers={"Retry-After": "10"})
    with pytest.raises(Conflict):
        client.create_ticket("help")
    assert sleeps == [10.0] * 7 + [5.0]


def test_other_conflicts_are_not_retried(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(409, {"error": {"code": "conflict", "message": "stale revision"}})
    with pytest.raises(Conflict):
        make_client(api_key="sk_writer").articles.create("Title", "Body")
    assert len(server.received) == 1


def test_connection_refused_is_a_network_error_after_retries(
    closed_port: int, open_client: Callable[..., SupportClient], sleeps: list[float]
) -> None:
    with pytest.raises(NetworkError) as info:
        open_client(f"http://127.0.0.1:{closed_port}").health()
    assert info.value.code == "connection_error"
    assert info.value.status is None
    assert isinstance(info.value.__cause__, requests.ConnectionError)
    assert len(sleeps) == 3


def test_connection_refused_post_without_key_is_not_retried(
    closed_port: int, open_client: Callable[..., SupportClient], sleeps: list[float]
) -> None:
    client = open_client(f"http://127.0.0.1:{closed_port}")
    with pytest.raises(NetworkError):
        client.request("POST", "/tickets", json={"body": "x"})
    assert sleeps == []


def test_timeout_is_a_network_error(
    silent_port: int, open_client: Callable[..., SupportClient], sleeps: list[float]
) -> None:
    client = open_client(f"http://127.0.0.1:{silent_port}", timeout=0.05, max_retries=1)
    with pytest.raises(NetworkError) as info:
        client.health()
    assert info.value.code == "timeout"
    assert isinstance(info.value.__cause__, requests.Timeout)
    assert len(sleeps) == 1


def test_backoff_is_exponential_with_full_jitter() -> None:
    transport = Transport("http://127.0.0.1:1")
    try:
        for attempt, ceiling in enumerate([0.5, 1.0, 2.0, 4.0, 8.0, 8.0, 8.0]):
            delays = [transport._backoff(attempt) for _ in range(50)]
            assert all(0.0 <= d <= ceiling for d in delays)
    finally:
        transport.close()


def test_backoff_can_be_pinned(server: ScriptedServer, sleeps: list[float]) -> None:
    class Pinned(Transport):
        def _backoff(self, attempt: int) -> float:
            return float(attempt)

    server.reply(503, unavailable())
    server.reply(503, unavailable())
    server.reply(200, {"status": "ok"})
    transport = Pinned(server.url, sleep=sleeps.append)
    try:
        assert transport.request("GET", "/health") == {"status": "ok"}
    finally:
        transport.close()
    assert sleeps == [0.0, 1.0]
