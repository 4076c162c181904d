"""Guard rail: every /api/v1 route declares who may call it, the staff-only ones refuse anyone
else, and only the routes meant for them take anonymous callers, found by walking the URL map
(tests/api_auth.py; tests/integration/test_auth.py runs the full walk on a real server). The
walker is also fed an app with wrong routes, to show it fails."""

from __future__ import annotations

from flask import Flask, jsonify, request
from flask.typing import ResponseReturnValue

from support_sdk.tokens import mint_user_token
from support_server.api.openapi import documented

from ..api_auth import API, INBOUND, STAFF, Callers, misanswers, operations, undeclared
from .conftest import InProcess

# The operations anonymous callers may use (auth "public" or "user"). A route joins this list
# on purpose: one declared open by mistake would otherwise pass every other check, since a view
# that checks nothing behaves exactly as "public" says.
OPEN_TO_ANONYMOUS = {
    f"GET {API}/health",
    f"GET {API}/help/articles/<slug>",
    f"POST {API}/help/articles/<slug>/feedback",
    f"GET {API}/help/categories",
    f"POST {API}/help/events",
    f"GET {API}/help/search",
    f"GET {API}/help/suggestions",
    f"GET {API}/help/notices",  # the widget's banner: open known issues where the user is
    f"GET {API}/tickets",
    f"POST {API}/tickets",
    f"GET {API}/tickets/<ticket_id>",
    f"GET {API}/tickets/unread",
    f"POST {API}/tickets/<ticket_id>/read",
    f"POST {API}/tickets/<ticket_id>/messages",
    f"POST {API}/tickets/<ticket_id>/rating",
    f"GET {API}/widget/config",
    # the contact form asks for the custom fields visible to requesters
    f"GET {API}/ticket-fields",
    # files: attach one (like filing), read a ticket's (its requester), or by a signed link
    f"POST {API}/uploads",
    f"GET {API}/tickets/<ticket_id>/attachments/<attachment_id>",
    f"GET {API}/files/<token>",
}


def test_every_api_route_declares_its_auth(server: InProcess) -> None:
    assert len(operations(server.app)) > 15  # the walk really found the API
    assert undeclared(server.app) == []


def test_a_route_without_a_declaration_is_reported(server: InProcess) -> None:
    def sneaky() -> str:
        return "no auth declared"

    server.app.add_url_rule("/api/v1/sneaky", view_func=sneaky)
    assert undeclared(server.app) == ["GET /api/v1/sneaky"]


def test_only_the_listed_routes_take_anonymous_callers(server: InProcess) -> None:
    declared_open = {str(op) for op in operations(server.app) if op.auth not in STAFF | INBOUND}
    assert declared_open == OPEN_TO_ANONYMOUS


def test_staff_routes_refuse_anonymous_callers_and_end_users(server: InProcess) -> None:
    """Each route declared writer, agent or admin answers 401 or 403 to an anonymous visitor
    and to a signed-in end user, before it looks at ids or bodies."""
    user = mint_user_token(server.app_id, server.creds["app_secret"], "u-1", email="u@example.com")
    staff_only = [op for op in operations(server.app) if op.auth in STAFF]
    assert len(staff_only) >= 8
    for op in staff_only:
        for headers in ({"X-Support-App": server.app_id}, {"Authorization": f"Bearer {user}"}):
            response = server.http.open(API + op.path, method=op.method, headers=headers, json={})
            assert response.status_code in {401, 403}, (str(op), headers, response.json)


# -- the walker fails on routes that do not answer as declared ------------------------------
def _refuse(code: str, status: int = 401) -> ResponseReturnValue:
    return jsonify(error={"code": code, "message": "refused"}), status


def _wrong_app() -> Flask:
    """An app whose routes each break the rules once, beside one route that keeps them."""
    app = Flask(__name__)

    @app.get(f"{API}/keeps-the-rules")
    @documented("Staff only, and says so", auth="agent")
    def keeps_the_rules() -> ResponseReturnValue:
        credential = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if credential.startswith("ut_"):
            expired = credential == CALLERS.expired
            return _refuse("token_expired" if expired else "invalid_token")
        return _refuse("invalid_api_key" if credential else "unauthorized")

    @app.get(f"{API}/open-door")
    @documented("Declared agent-only, serves anyone", auth="agent")
    def open_door() -> ResponseReturnValue:
        return jsonify(items=[])

    @app.get(f"{API}/locked")
    @documented("Declared public, refuses everyone", auth="public")
    def locked() -> ResponseReturnValue:
        return _refuse("unauthorized")

    @app.get(f"{API}/unsure")
    @documented("Declares a role that does not exist", auth="staff")
    def unsure() -> ResponseReturnValue:
        return _refuse("unauthorized")

    @app.get(f"{API}/forgotten")
    def forgotten() -> ResponseReturnValue:
        return _refuse("unauthorized")

    return app


# Stand-ins: the wrong app compares them, it verifies nothing.
CALLERS = Callers(
    app_id="app_a",
    user="ut_good",
    expired="ut_expired",
    tampered="ut_tampered",
    other_app_key="sk_of_app_b",
)


def test_the_walker_reports_each_route_that_breaks_its_declaration() -> None:
    app = _wrong_app()
    http = app.test_client()

    def send(
        method: str, path: str, credential: str | None, app_id: str | None
    ) -> tuple[int, str | None]:
        headers = {"Authorization": f"Bearer {credential}"} if credential else {}
        if app_id:
            headers["X-Support-App"] = app_id
        response = http.open(API + path, method=method, headers=headers)
        error = (response.json or {}).get("error")
        return response.status_code, error["code"] if error else None

    problems = misanswers(operations(app), send, CALLERS)
    assert {problem.split(":")[0] for problem in problems} == {
        f"GET {API}/open-door",
        f"GET {API}/locked",
        f"GET {API}/unsure",
        f"GET {API}/forgotten",
    }
    assert f"GET {API}/open-door: an end user got 200 None, expected 401/403" in problems
    assert f"GET {API}/locked: declared 'public' but an anonymous caller got 401 unauthorized" in (
        problems
    )
    assert f"GET {API}/forgotten: declares no auth (@documented(auth=...))" in problems
    # The open door lets through every bad credential, not just the good ones.
    assert len([p for p in problems if p.startswith(f"GET {API}/open-door")]) == 7
