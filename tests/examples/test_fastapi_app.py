"""The FastAPI example under a real uvicorn on 127.0.0.1, against a real Support server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import requests

from examples.fastapi_app import create_app
from support_sdk.testing import SupportServer
from support_sdk.tokens import verify_user_token

from ..servers import uvicorn_serving


@pytest.fixture(scope="module")
def site(support_server: SupportServer) -> Iterator[str]:
    app = create_app(
        {
            "SUPPORT_URL": support_server.url,
            "SUPPORT_APP_ID": support_server.app_id,
            "SUPPORT_APP_SECRET": support_server.app_secret,
        }
    )
    with uvicorn_serving(app) as url:
        yield url


def widget_tag(html: str) -> dict[str, str] | None:
    tag = re.search(r"<script async ([^>]*)></script></body>", html)
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(1))) if tag else None


def test_signed_in_pages_get_the_widget_with_a_token(
    site: str, support_server: SupportServer
) -> None:
    response = requests.get(f"{site}/billing", cookies={"user": "ada"}, timeout=10)
    assert int(response.headers["content-length"]) == len(response.content)
    tag = widget_tag(response.text)
    assert tag is not None
    assert tag["src"] == f"{support_server.url}/widget/v1/loader.js"
    assert tag["data-app-id"] == support_server.app_id
    assert tag["data-context"] == "billing.invoices"
    claims = verify_user_token(
        tag["data-user-token"], support_server.app_id, support_server.app_secret, max_age=60
    )
    assert (claims.sub, claims.email) == ("ada", "ada@example.com")


def test_visitors_get_no_widget(site: str) -> None:
    assert widget_tag(requests.get(f"{site}/", timeout=10).text) is None


@pytest.mark.parametrize("path", ["/plain", "/stream", "/api/status"])
def test_other_responses_are_as_the_app_sent_them(site: str, path: str) -> None:
    response = requests.get(f"{site}{path}", cookies={"user": "ada"}, timeout=10)
    assert response.status_code == 200
    assert "loader.js" not in response.text
    assert "x-support-widget" not in response.headers
    if path == "/stream":
        assert response.headers.get("transfer-encoding") == "chunked"
        assert response.text == "<html><body>streamed export</body></html>"


def test_the_dependencies_give_the_route_the_users_tickets(
    site: str, support_server: SupportServer
) -> None:
    with support_server.client() as client:
        token = client.user_token("grace", email="grace@example.com")
        client.create_ticket("The export is empty", subject="Export from FastAPI", user_token=token)
    mine = requests.get(f"{site}/api/my-tickets", cookies={"user": "grace"}, timeout=10)
    assert "Export from FastAPI" in mine.json()
    assert requests.get(f"{site}/api/my-tickets", timeout=10).json() == []


def test_the_async_client_searches_the_help_center(
    site: str, support_server: SupportServer
) -> None:
    with support_server.staff_client("admin") as writer:
        writer.articles.create(
            "Wombat refunds",
            "How refunds work for wombats.",
            slug="wombat-refunds",
            status="published",
        )
    found = requests.get(f"{site}/api/help", params={"q": "wombat"}, timeout=10)
    assert found.json() == ["Wombat refunds"]
