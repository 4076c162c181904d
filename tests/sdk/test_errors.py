"""Every error response becomes the right typed error, carrying what the server said."""

from __future__ import annotations

import pickle
from collections.abc import Callable

import pytest
import requests

from support_sdk import (
    AuthenticationError,
    Conflict,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    SupportClient,
    SupportError,
    ValidationError,
)
from support_sdk.errors import error_for_status

from .conftest import ScriptedServer


def envelope(code: str, message: str = "it went wrong", **details: list[str]) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "details": details}}


@pytest.mark.parametrize(
    ("status", "code", "exc_type"),
    [
        (400, "bad_request", ValidationError),
        (401, "unauthorized", AuthenticationError),
        (401, "invalid_token", AuthenticationError),
        (401, "token_expired", AuthenticationError),
        (403, "forbidden", PermissionDenied),
        (404, "not_found", NotFound),
        (405, "method_not_allowed", SupportError),
        (409, "conflict", Conflict),
        (413, "payload_too_large", ValidationError),
        (415, "unsupported_media_type", ValidationError),
        (422, "validation_error", ValidationError),
        (422, "idempotency_key_reused", ValidationError),
        (429, "rate_limited", RateLimited),
        (500, "internal_error", ServerError),
        (501, "not_implemented", ServerError),
    ],
)
def test_error_status_maps_to_typed_error(
    server: ScriptedServer,
    make_client: Callable[..., SupportClient],
    status: int,
    code: str,
    exc_type: type[SupportError],
) -> None:
    # max_retries=0 keeps 429 from being retried; retries have their own tests.
    server.reply(status, envelope(code, "nope"), {"X-Request-Id": "req_abc"})
    with pytest.raises(exc_type) as info:
        make_client(max_retries=0).article("some-slug")
    error = info.value
    assert type(error) is exc_type
    assert error.status == status
    assert error.code == code
    assert error.message == "nope"
    assert error.request_id == "req_abc"
    assert '"code": "' + code + '"' in (error.body or "")
    assert "req_abc" in str(error) and str(status) in str(error)


def test_validation_error_carries_field_details(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(422, envelope("validation_error", "invalid", email=["Not a valid email."]))
    with pytest.raises(ValidationError) as info:
        client.create_ticket("help", email="nope")
    assert info.value.details == {"email": ["Not a valid email."]}


@pytest.mark.parametrize(("status", "code"), [(502, "bad_gateway"), (503, "unavailable")])
def test_non_json_error_body_still_maps(
    status: int, code: str, server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    html = "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>"
    server.reply(status, html, {"X-Request-Id": None})
    with pytest.raises(ServerError) as info:
        make_client(max_retries=0).health()
    error = info.value
    assert error.status == status
    assert error.code == code
    assert error.request_id is None
    assert error.body == html
    assert error.details == {}


def test_json_error_without_envelope_gets_a_default_code(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(404, {"detail": "Not Found"})
    with pytest.raises(NotFound) as info:
        client.ticket("tk_missing")
    assert info.value.code == "not_found"
    assert info.value.message.startswith("HTTP 404")


def test_rate_limited_has_retry_after(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(429, envelope("rate_limited"), {"Retry-After": "7"})
    with pytest.raises(RateLimited) as info:
        make_client(max_retries=0).search("refund")
    assert info.value.retry_after == 7.0


def test_rate_limited_without_header_has_no_retry_after(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(429, envelope("rate_limited"))
    with pytest.raises(RateLimited) as info:
        make_client(max_retries=0).search("refund")
    assert info.value.retry_after is None


def test_network_errors_hide_requests_exceptions(
    closed_port: int, open_client: Callable[..., SupportClient]
) -> None:
    with pytest.raises(NetworkError) as info:
        open_client(f"http://127.0.0.1:{closed_port}", max_retries=0).health()
    error = info.value
    assert not isinstance(error, requests.RequestException)
    assert isinstance(error.__cause__, requests.ConnectionError)
    assert error.status is None
    assert error.code == "connection_error"


def test_non_json_success_body_is_an_sdk_error(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(200, "<html>captive portal</html>")
    with pytest.raises(SupportError) as info:
        client.health()
    assert info.value.code == "invalid_response"
    assert info.value.status == 200


def test_malformed_success_body_is_an_sdk_error(
    server: ScriptedServer, client: SupportClient
) -> None:
    server.reply(200, {"unexpected": True})
    with pytest.raises(SupportError) as info:
        client.ticket("tk_1")
    assert info.value.code == "invalid_response"


def test_error_tree() -> None:
    for exc_type in (
        AuthenticationError,
        PermissionDenied,
        NotFound,
        ValidationError,
        Conflict,
        RateLimited,
        ServerError,
        NetworkError,
    ):
        assert issubclass(exc_type, SupportError)
    assert error_for_status(418) is SupportError
    assert error_for_status(599) is ServerError


def test_error_defaults_and_repr() -> None:
    error = NotFound("gone", status=404, code="not_found", request_id="req_1")
    assert error.details == {}
    assert error.body is None
    assert repr(error) == "NotFound('gone', status=404, code='not_found', request_id='req_1')"
    assert str(SupportError("plain")) == "plain"


def test_errors_survive_pickling() -> None:
    limited = RateLimited("slow down", status=429, code="rate_limited", retry_after=2.5)
    copy = pickle.loads(pickle.dumps(limited))  # noqa: S301 - our own bytes
    assert type(copy) is RateLimited
    assert (copy.message, copy.status, copy.code) == ("slow down", 429, "rate_limited")
    assert copy.retry_after == 2.5
    invalid = ValidationError("bad", status=422, details={"email": ["required"]})
    copy = pickle.loads(pickle.dumps(invalid))  # noqa: S301 - our own bytes
    assert copy.details == {"email": ["required"]}
