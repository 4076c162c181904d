"""Authentication against a real server: anonymous visitors and their tokens, end-user tokens
(tampered, expired, too old, wrong app, wrong purpose, garbage), staff keys (unknown, revoked)
and secret rotation. Every failure is a 401 or 403 with the error envelope, never a 500, and
never tells whether another app exists."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from support_sdk import SupportClient
from support_sdk.errors import AuthenticationError
from support_sdk.tokens import USER_TOKEN_PREFIX, VISITOR_TOKEN_PREFIX, mint_user_token
from support_server.app import create_app as create_server_app

from ..api_auth import Callers, Operation, misanswers, operations
from ..servers import cli
from .api import API, Env, call, started_env

MAX_TOKEN_AGE = 600


def make_key(data_dir: Path, app_id: str, role: str) -> dict[str, Any]:
    out = cli(
        "keys", "create", "--data-dir", str(data_dir), "--app", app_id, "--role", role, "--json"
    )
    key: dict[str, Any] = json.loads(out.stdout)
    return key


def create_app(data_dir: Path, name: str) -> dict[str, Any]:
    out = cli("apps", "create", name, "--data-dir", str(data_dir), "--json")
    app: dict[str, Any] = json.loads(out.stdout)
    return app


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Env]:
    settings = {"SUPPORT_MAX_TOKEN_AGE": str(MAX_TOKEN_AGE)}
    with started_env(tmp_path_factory, "auth", env=settings) as started:
        yield started


def assert_refused(
    response: requests.Response, code: str | None = None, status: int = 401
) -> dict[str, Any]:
    """A refusal with the error envelope; returns its ``error`` object."""
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error: dict[str, Any] = response.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error


def count_tickets(env: Env, agent: str) -> int:
    return len(call(env, "GET", "/tickets?limit=200", agent).json()["items"])


# -- anonymous visitors --------------------------------------------------------------------
@pytest.mark.parametrize("email", [None, "", "not-an-email"])
def test_anonymous_ticket_needs_a_valid_email(env: Env, email: str | None) -> None:
    before = count_tickets(env, env.agent)
    body: dict[str, Any] = {"body": "Help, I cannot log in"}
    if email is not None:
        body["email"] = email
    response = call(env, "POST", "/tickets", app=env.app_a, body=body)
    assert response.status_code == 422
    assert "email" in response.json()["error"]["details"]
    assert count_tickets(env, env.agent) == before


def test_visitor_token_shows_only_that_visitors_tickets(env: Env) -> None:
    first = call(
        env,
        "POST",
        "/tickets",
        app=env.app_a,
        body={"body": "Cannot log in", "email": "v1@example.com", "name": "Vee"},
    )
    assert first.status_code == 201
    ticket = first.json()
    token = ticket["visitor_token"]
    assert token.startswith(VISITOR_TOKEN_PREFIX)
    assert ticket["requester"]["email"] == "v1@example.com"
    assert ticket["requester"]["kind"] == "visitor"

    # Filing again with the token: the same visitor, whatever the body says now.
    second = call(
        env,
        "POST",
        "/tickets",
        token,
        body={"body": "Still cannot", "email": "other@example.com", "name": "X"},
    )
    assert second.status_code == 201
    assert "visitor_token" not in second.json()
    assert second.json()["requester"] == ticket["requester"]

    other = call(
        env,
        "POST",
        "/tickets",
        app=env.app_a,
        body={"body": "Another person", "email": "v2@example.com"},
    ).json()
    other_token = other["visitor_token"]

    mine = call(env, "GET", "/tickets", token).json()["items"]
    assert [t["id"] for t in mine] == [second.json()["id"], ticket["id"]]
    theirs = call(env, "GET", "/tickets", other_token).json()["items"]
    assert [t["id"] for t in theirs] == [other["id"]]
    assert call(env, "GET", f"/tickets/{ticket['id']}", token).status_code == 200
    for attempt in (
        call(env, "GET", f"/tickets/{ticket['id']}", other_token),
        call(env, "POST", f"/tickets/{ticket['id']}/messages", other_token, body={"body": "x"}),
    ):
        assert_refused(attempt, "not_found", 404)
    # No token at all: nothing to list, nothing to read.
    anonymous = call(env, "GET", "/tickets", app=env.app_a)
    assert anonymous.status_code == 200
    assert anonymous.json()["items"] == []
    assert_refused(call(env, "GET", f"/tickets/{ticket['id']}", app=env.app_a), "not_found", 404)


def test_visitor_replies_and_rates_own_ticket(env: Env) -> None:
    ticket = call(
        env, "POST", "/tickets", app=env.app_a, body={"body": "x", "email": "rater@example.com"}
    ).json()
    token = ticket["visitor_token"]
    reply = call(env, "POST", f"/tickets/{ticket['id']}/messages", token, body={"body": "more"})
    assert reply.status_code == 201
    call(env, "PATCH", f"/tickets/{ticket['id']}", env.agent, body={"status": "solved"})
    rating = call(env, "POST", f"/tickets/{ticket['id']}/rating", token, body={"score": 5})
    assert rating.status_code == 201
    assert_refused(
        call(env, "PATCH", f"/tickets/{ticket['id']}", token, body={"status": "open"}),
        "forbidden",
        403,
    )


def test_sdk_anonymous_ticket_and_visitor_token(env: Env) -> None:
    with SupportClient(env.url, app_id=env.app_a) as client:
        ticket = client.create_ticket("From a visitor", email="sdkvisitor@example.com")
        assert ticket.visitor_token is not None
        page = client.tickets(user_token=ticket.visitor_token)
    assert [t.id for t in page] == [ticket.id]


def test_anonymous_idempotent_replay_returns_the_same_visitor_token(env: Env) -> None:
    body = {"body": "once", "email": "idem-visitor@example.com"}
    key = {"Idempotency-Key": "visitor-key-1"}
    first = call(env, "POST", "/tickets", app=env.app_a, body=body, headers=key)
    again = call(env, "POST", "/tickets", app=env.app_a, body=body, headers=key)
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.json()["visitor_token"] == first.json()["visitor_token"]
    assert again.json()["id"] == first.json()["id"]


def test_anonymous_calls_must_name_an_app(env: Env) -> None:
    assert_refused(call(env, "GET", "/help/search?q=x"))
    assert_refused(call(env, "GET", "/help/search?q=x", app="app_nonexistent"))
    assert call(env, "GET", f"/help/search?q=x&app_id={env.app_a}").status_code == 200


# -- end-user tokens -----------------------------------------------------------------------
def test_a_good_token_works_and_lowercase_bearer_too(env: Env) -> None:
    token = env.token()
    assert call(env, "GET", "/tickets", token).status_code == 200
    response = requests.get(
        env.url + API + "/tickets", timeout=30, headers={"Authorization": f"bearer {token}"}
    )
    assert response.status_code == 200


def test_tampered_tokens_are_invalid(env: Env) -> None:
    token = env.token(email="ada@example.com")
    body, _, signature = token.rpartition(".")
    # The first character: every one of its bits is signature (the last one's low bits are
    # base64 padding, so flipping "B" to "A" there could leave the signature unchanged).
    flipped = ("A" if signature[0] != "A" else "B") + signature[1:]
    forged = mint_user_token(env.app_a, "guessed-secret", "42", email="ada@example.com")
    # another user's payload under this token's timestamp and signature (split from the right:
    # a compressed payload starts with "." itself, and splitting from the left would give the
    # token back unchanged)
    payload_of_admin = env.token("admin").rsplit(".", 2)[0]
    swapped = payload_of_admin + "." + ".".join(token.rsplit(".", 2)[1:])
    assert swapped != token
    for bad in (body + "." + flipped, forged, swapped, token + "x"):
        assert_refused(call(env, "GET", "/tickets", bad), "invalid_token")


def test_expired_token_is_token_expired(env: Env) -> None:
    expired = env.token(expires_in=60, now=time.time() - 120)
    error = assert_refused(call(env, "GET", "/tickets", expired), "token_expired")
    assert "expired" in error["message"]
    with (
        SupportClient(env.url, app_id=env.app_a) as client,
        pytest.raises(AuthenticationError) as caught,
    ):
        client.tickets(user_token=expired)
    assert caught.value.code == "token_expired"


def test_token_older_than_the_servers_max_age_is_expired(env: Env) -> None:
    # exp is a day away, but the token was signed longer ago than SUPPORT_MAX_TOKEN_AGE.
    too_old = env.token(expires_in=86400, now=time.time() - 2 * MAX_TOKEN_AGE)
    assert_refused(call(env, "GET", "/tickets", too_old), "token_expired")
    young_enough = env.token(expires_in=86400, now=time.time() - MAX_TOKEN_AGE // 2)
    assert call(env, "GET", "/tickets", young_enough).status_code == 200


def test_an_expired_token_with_a_bad_signature_is_invalid_not_expired(env: Env) -> None:
    forged_and_old = mint_user_token(
        env.app_a, "guessed", "42", expires_in=1, now=time.time() - 86400
    )
    assert_refused(call(env, "GET", "/tickets", forged_and_old), "invalid_token")


@pytest.fixture(scope="module")
def routes(env: Env) -> list[Operation]:
    """The API's operations, read from the URL map of the app the server runs (built here on
    the same data directory, as the CLI does, without preparing the index)."""
    app = create_server_app(data_dir=env.data_dir, prepare_index=False)
    app.extensions["support"].close()
    return operations(app)


def test_every_route_answers_each_caller_as_its_declared_auth_says(
    env: Env, routes: list[Operation]
) -> None:
    """Walks every /api/v1 route (a route added later is covered without a new test): bad
    tokens and keys are refused everywhere, staff routes refuse visitors and end users."""

    def send(
        method: str, path: str, credential: str | None, app: str | None
    ) -> tuple[int, str | None]:
        body: dict[str, Any] | None = None if method == "GET" else {}
        response = call(env, method, path, credential, app=app, body=body)
        is_json = response.headers.get("Content-Type", "").startswith("application/json")
        error = response.json().get("error") if is_json else None
        if not isinstance(error, dict) or not error.get("message"):
            return response.status_code, None  # no error envelope
        return response.status_code, str(error["code"])

    callers = Callers(
        app_id=env.app_a,
        user=env.token(),
        expired=env.token(expires_in=60, now=time.time() - 120),
        tampered=env.token()[:-3] + "abc",
        other_app_key=env.agent_b,
    )
    assert len(routes) > 15  # the walk really found the API
    assert misanswers(routes, send, callers) == []


def test_token_of_app_a_naming_app_b_is_refused(env: Env) -> None:
    token = env.token()
    assert_refused(call(env, "GET", "/tickets", token, app=env.app_b), "invalid_token")
    assert_refused(
        call(env, "POST", "/tickets", token, app=env.app_b, body={"body": "x"}), "invalid_token"
    )
    assert count_tickets(env, env.agent_b) == 0
    assert call(env, "GET", "/tickets", token, app=env.app_a).status_code == 200


def test_token_of_app_a_never_reaches_app_b_data(env: Env) -> None:
    token_b = mint_user_token(env.app_b, env.secret_b, "same-user")
    ticket_b = call(env, "POST", "/tickets", token_b, body={"body": "B's"}).json()
    token_a = env.token("same-user")
    assert call(env, "GET", "/tickets", token_a).json()["items"] == []
    assert_refused(call(env, "GET", f"/tickets/{ticket_b['id']}", token_a), "not_found", 404)
    # A token claiming app B but signed with app A's secret does not verify at all.
    claiming_b = mint_user_token(env.app_b, env.secret_a, "same-user")
    assert_refused(call(env, "GET", "/tickets", claiming_b), "invalid_token")


def test_visitor_and_user_tokens_cannot_be_swapped(env: Env) -> None:
    visitor = call(
        env, "POST", "/tickets", app=env.app_a, body={"body": "x", "email": "swap@example.com"}
    ).json()["visitor_token"]
    user = env.token()
    as_user = USER_TOKEN_PREFIX + visitor[len(VISITOR_TOKEN_PREFIX) :]
    as_visitor = VISITOR_TOKEN_PREFIX + user[len(USER_TOKEN_PREFIX) :]
    for bad in (as_user, as_visitor):
        assert_refused(call(env, "GET", "/tickets", bad), "invalid_token")
    # A visitor token minted with the app secret (not the server's) is no visitor token.
    assert_refused(call(env, "GET", "/tickets", as_visitor, app=env.app_a), "invalid_token")


@pytest.mark.parametrize(
    "garbage",
    [
        "x",
        "ut_",
        "vt_",
        "sk_",
        "ut_abc",
        "ut_a.b.c",
        "ut_....",
        "vt_%%%",
        "ut_.eJzLSM3JyQcABiwCFQ.x.y",
        "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln",  # a JWT
        "null",
        "ut_" + "A" * 5000,
        "vt_" + "A" * 20000,
        "ut_é",
    ],
)
def test_garbage_credentials_are_401_never_500(env: Env, garbage: str) -> None:
    response = requests.get(
        env.url + API + "/tickets",
        timeout=30,
        headers={"Authorization": "Bearer " + garbage, "X-Support-App": env.app_a},
    )
    assert_refused(response)


@pytest.mark.parametrize(
    "header",
    [
        "Basic dXNlcjpwYXNz",
        "Token {token}",
        "{token}",
        "Bearer",
        "Bearer ",
        "Bearer  ",
        "Bearer {token} extra",
        "Digest username=x",
        "Bearer{token}",
    ],
)
def test_other_authorization_schemes_are_refused(env: Env, header: str) -> None:
    value = header.format(token=env.token())
    response = requests.get(
        env.url + API + "/tickets",
        timeout=30,
        headers={"Authorization": value, "X-Support-App": env.app_a},
    )
    assert_refused(response)


# -- staff keys ----------------------------------------------------------------------------
def test_unknown_and_altered_api_keys_are_refused(env: Env) -> None:
    real = env.agent
    for bad in ("sk_unknown_xyz", real[:-2] + "zz", real + "0", "sk_" + "a" * 300):
        assert_refused(call(env, "GET", "/tickets", bad), "invalid_api_key")


def test_revoked_key_is_refused(env: Env) -> None:
    key = make_key(env.data_dir, env.app_a, "agent")
    assert call(env, "GET", "/tickets", key["api_key"]).status_code == 200
    cli("keys", "revoke", key["key_id"], "--data-dir", str(env.data_dir))
    assert_refused(call(env, "GET", "/tickets", key["api_key"]), "invalid_api_key")
    assert call(env, "GET", "/tickets", env.agent).status_code == 200


def test_api_key_of_app_a_naming_app_b_is_refused(env: Env) -> None:
    assert_refused(call(env, "GET", "/tickets", env.agent, app=env.app_b))


# -- no existence leaks --------------------------------------------------------------------
def test_refusals_do_not_tell_whether_another_app_exists(env: Env) -> None:
    pairs = [
        # A token claiming an app, signed with a wrong secret: existing app vs no such app.
        (
            mint_user_token(env.app_b, "wrong", "1"),
            None,
            mint_user_token("app_doesnotexist", "wrong", "1"),
            None,
        ),
        # A valid token of app A sent to another app: existing vs not.
        (env.token(), env.app_b, env.token(), "app_doesnotexist"),
        # A valid key of app A sent to another app: existing vs not.
        (env.agent, env.app_b, env.agent, "app_doesnotexist"),
        # Expired, claiming another app: existing vs not.
        (
            mint_user_token(env.app_b, "wrong", "1", expires_in=1, now=time.time() - 99),
            None,
            mint_user_token("app_nope", "wrong", "1", expires_in=1, now=time.time() - 99),
            None,
        ),
    ]
    for token_1, app_1, token_2, app_2 in pairs:
        one = call(env, "GET", "/tickets", token_1, app=app_1)
        two = call(env, "GET", "/tickets", token_2, app=app_2)
        assert one.status_code == two.status_code == 401
        assert one.json() == two.json()


# -- secret rotation -----------------------------------------------------------------------
def test_secret_rotation_without_downtime(env: Env) -> None:
    app = create_app(env.data_dir, "Rotating product")
    app_id, old_secret = app["app_id"], app["app_secret"]
    old_token = mint_user_token(app_id, old_secret, "rot")
    assert call(env, "GET", "/tickets", old_token).status_code == 200

    rotated = cli("apps", "rotate-secret", app_id, "--data-dir", str(env.data_dir), "--json")
    new_secret = json.loads(rotated.stdout)["app_secret"]
    assert new_secret != old_secret
    new_token = mint_user_token(app_id, new_secret, "rot")
    minted_after = mint_user_token(app_id, old_secret, "rot")  # a host not yet redeployed
    for token in (old_token, new_token, minted_after):
        assert call(env, "GET", "/tickets", token).status_code == 200

    cli("apps", "rotate-secret", app_id, "--retire-old", "--data-dir", str(env.data_dir))
    for token in (old_token, minted_after):
        assert_refused(call(env, "GET", "/tickets", token), "invalid_token")
    assert call(env, "GET", "/tickets", new_token).status_code == 200
    with SupportClient(env.url, app_id=app_id, app_secret=new_secret) as client:
        filed = client.create_ticket("after rotation", user_token=client.user_token("rot"))
    assert filed.requester is not None and filed.requester.id == "rot"
