"""A host whose clock runs ahead of (or behind) the server's still gets its fresh tokens
accepted, within SUPPORT_TOKEN_LEEWAY; beyond it, the 401 says what is wrong."""

from __future__ import annotations

import time

import requests

from support_sdk.tokens import mint_user_token

from ..conftest import LiveServer


def tickets(server: LiveServer, token: str) -> requests.Response:
    return requests.get(
        server.url + "/api/v1/tickets", headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


def test_tokens_from_a_host_clock_a_little_ahead_are_accepted(
    help_center_server: LiveServer,
) -> None:
    server = help_center_server
    for ahead in (0.2, 1, 30):
        token = mint_user_token(server.app_id, server.app_secret, "42", now=time.time() + ahead)
        response = tickets(server, token)
        assert response.status_code == 200, (ahead, response.text)


def test_tokens_from_a_clock_far_ahead_are_refused_with_the_reason(
    help_center_server: LiveServer,
) -> None:
    server = help_center_server
    token = mint_user_token(server.app_id, server.app_secret, "42", now=time.time() + 600)
    response = tickets(server, token)
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "token_not_yet_valid"
    assert "clock" in error["message"] and "SUPPORT_TOKEN_LEEWAY" in error["message"]


def test_a_token_just_past_its_expiry_is_within_the_leeway(help_center_server: LiveServer) -> None:
    server = help_center_server
    token = mint_user_token(
        server.app_id, server.app_secret, "42", expires_in=60, now=time.time() - 90
    )
    assert tickets(server, token).status_code == 200
    stale = mint_user_token(
        server.app_id, server.app_secret, "42", expires_in=60, now=time.time() - 200
    )
    assert tickets(server, stale).json()["error"]["code"] == "token_expired"
