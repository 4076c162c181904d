"""The HTTP edge: one error envelope for every failure, body limits, CORS, OpenAPI."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests

from ..conftest import LiveServer
from ..servers import ServerProcess, cli, init_data_dir


def envelope(
    response: requests.Response, status: int, code: str | None = None
) -> dict[str, object]:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    error: dict[str, object] = response.json()["error"]
    assert isinstance(error["message"], str) and error["message"]
    if code:
        assert error["code"] == code
    return error


def test_every_failure_uses_the_envelope(help_center_server: LiveServer) -> None:
    url, app = help_center_server.url + "/api/v1", {"X-Support-App": help_center_server.app_id}
    envelope(requests.get(url + "/no/such/thing", timeout=10), 404, "not_found")
    envelope(
        requests.delete(url + "/help/search", headers=app, timeout=10), 405, "method_not_allowed"
    )
    envelope(
        requests.post(url + "/tickets", data="body=x", headers=app, timeout=10),
        415,
        "unsupported_media_type",
    )
    envelope(
        requests.post(
            url + "/tickets",
            data="{not json",
            timeout=10,
            headers={**app, "Content-Type": "application/json"},
        ),
        400,
        "bad_request",
    )
    envelope(requests.post(url + "/tickets", json=["a", "list"], headers=app, timeout=10), 422)
    error = envelope(
        requests.post(
            url + "/tickets",
            json={"body": "x", "email": "a@b.co", "bogus": 1},
            headers=app,
            timeout=10,
        ),
        422,
        "validation_error",
    )
    assert error["details"] == {"bogus": ["Unknown field."]}


@pytest.mark.parametrize(
    "header",
    [
        "Bearer",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "Bearer ut_",
        "Bearer vt_x.y.z",
        "Bearer sk_",
        "Bearer sk_" + "a" * 500,
        "Bearer " + "ut_" + "A" * 5000,
        "Bearer ut_eyJhcHAiOjF9.x.y",
        "Token abc",
        "bearer\tut_x",
    ],
)
def test_broken_credentials_are_401_never_500(help_center_server: LiveServer, header: str) -> None:
    response = requests.get(
        help_center_server.url + "/api/v1/tickets", timeout=10, headers={"Authorization": header}
    )
    envelope(response, 401)


def test_requests_carry_a_request_id(help_center_server: LiveServer) -> None:
    response = requests.get(help_center_server.url + "/api/v1/health", timeout=10)
    assert len(response.headers["X-Request-Id"]) == 32
    echoed = requests.get(
        help_center_server.url + "/api/v1/health",
        timeout=10,
        headers={"X-Request-Id": "abc123def456"},
    )
    assert echoed.headers["X-Request-Id"] == "abc123def456"


def test_oversized_bodies_get_413_and_nothing_is_filed(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir)
    with ServerProcess(data_dir, env={"SUPPORT_MAX_BODY_BYTES": "2048"}) as server:
        headers = {"X-Support-App": creds["app_id"]}
        response = requests.post(
            server.url + "/api/v1/tickets",
            timeout=10,
            headers=headers,
            json={"body": "x" * 5000, "email": "a@b.co"},
        )
        envelope(response, 413, "payload_too_large")
        agent = {"Authorization": f"Bearer {creds['admin_api_key']}"}
        listed = requests.get(server.url + "/api/v1/tickets", headers=agent, timeout=10).json()
        assert listed["items"] == []


def test_cors_allows_only_each_apps_own_origins(help_center_server: LiveServer) -> None:
    url = help_center_server.url + "/api/v1/help/search?q=refund"
    allowed, other = "http://allowed.example", "http://evil.example"
    preflight = requests.options(
        url,
        timeout=10,
        headers={
            "Origin": allowed,
            "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.status_code == 204
    assert preflight.headers["Access-Control-Allow-Origin"] == allowed
    assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
    refused = requests.options(
        url, timeout=10, headers={"Origin": other, "Access-Control-Request-Method": "GET"}
    )
    assert "Access-Control-Allow-Origin" not in refused.headers
    app = {"X-Support-App": help_center_server.app_id}
    ok = requests.get(url, headers={**app, "Origin": allowed}, timeout=10)
    assert ok.headers["Access-Control-Allow-Origin"] == allowed
    assert "X-Request-Id" in ok.headers["Access-Control-Expose-Headers"]
    denied = requests.get(url, headers={**app, "Origin": other}, timeout=10)
    assert "Access-Control-Allow-Origin" not in denied.headers
    # a 401 for an expired/invalid token still reaches the app's own page (the widget reacts)
    bad = requests.get(
        url, headers={"Origin": allowed, "Authorization": "Bearer ut_x.y.z"}, timeout=10
    )
    assert bad.status_code == 401
    assert "Access-Control-Allow-Origin" not in bad.headers  # unverifiable app: no CORS


def test_cors_follows_app_origin_updates(help_center_server: LiveServer) -> None:
    origin = "https://shop.example:8443"
    cli(
        "apps",
        "update",
        help_center_server.app_id,
        "--origin",
        "http://allowed.example",
        "--origin",
        origin,
        "--data-dir",
        str(help_center_server.data_dir),
    )
    response = requests.get(
        help_center_server.url + "/api/v1/help/categories",
        timeout=10,
        headers={"X-Support-App": help_center_server.app_id, "Origin": origin},
    )
    assert response.headers["Access-Control-Allow-Origin"] == origin


def test_openapi_documents_every_api_route_from_the_schemas(help_center_server: LiveServer) -> None:
    spec = requests.get(help_center_server.url + "/api/v1/openapi.json", timeout=10).json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in [
        ("/api/v1/tickets", "post"),
        ("/api/v1/help/search", "get"),
        ("/api/v1/articles/{article_id}", "patch"),
        ("/api/v1/tickets/{ticket_id}/rating", "post"),
    ]:
        assert method in paths[path], (path, method)
    schemas = spec["components"]["schemas"]
    assert {"title", "body", "contexts", "locale", "status"} <= set(
        schemas["ArticleIn"]["properties"]
    )
    assert "body" in schemas["TicketIn"]["required"]
    assert "Error" in schemas
