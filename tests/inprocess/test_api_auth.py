"""Guard rail: every /api/v1 route declares who may call it, and the staff-only ones refuse
anyone else, found by walking the URL map (no hand-kept list of endpoints to forget)."""

from __future__ import annotations

import re
from typing import Any

from flask import Flask

from support_sdk.tokens import mint_user_token
from support_server.api.openapi import declared_auth

from .conftest import InProcess

# Routes of the API that are not operations of it (the document describing them).
NOT_OPERATIONS = {"/api/v1/openapi.json"}
_PARAM = re.compile(r"<(?:[a-z]+:)?([a-z_]+)>")


def _operations(app: Flask) -> list[tuple[str, str, Any]]:
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1") or rule.rule in NOT_OPERATIONS:
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, rule.rule, app.view_functions[rule.endpoint]))
    return found


def undeclared(app: Flask) -> list[str]:
    return [
        f"{method} {path}" for method, path, view in _operations(app) if not declared_auth(view)
    ]


def test_every_api_route_declares_its_auth(server: InProcess) -> None:
    assert len(_operations(server.app)) > 15  # the walk really found the API
    assert undeclared(server.app) == []


def test_a_route_without_a_declaration_is_reported(server: InProcess) -> None:
    def sneaky() -> str:
        return "no auth declared"

    server.app.add_url_rule("/api/v1/sneaky", view_func=sneaky)
    assert undeclared(server.app) == ["GET /api/v1/sneaky"]


def test_staff_routes_refuse_anonymous_callers_and_end_users(server: InProcess) -> None:
    """Each route declared writer, agent or admin answers 401 or 403 to an anonymous visitor
    and to a signed-in end user, before it looks at ids or bodies."""
    user = mint_user_token(server.app_id, server.creds["app_secret"], "u-1", email="u@example.com")
    staff_only = [
        (method, _PARAM.sub("x", path))
        for method, path, view in _operations(server.app)
        if declared_auth(view) in {"writer", "agent", "admin"}
    ]
    assert len(staff_only) >= 8
    for method, path in staff_only:
        for headers in ({"X-Support-App": server.app_id}, {"Authorization": f"Bearer {user}"}):
            response = server.http.open(path, method=method, headers=headers, json={})
            assert response.status_code in {401, 403}, (method, path, headers, response.json)
