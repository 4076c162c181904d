"""support_client and support_user_token: what a FastAPI route gets from the middleware."""

from __future__ import annotations

from typing import Annotated, Any

import httpx
import pytest
from fastapi import Depends, FastAPI, Request

from support_sdk import SupportClient
from support_sdk.asgi import SupportMiddleware, support_client, support_user_token
from support_sdk.tokens import verify_user_token

from .blocking import run

APP_ID, SECRET = "app_test", "s3cret-s3cret"


def make_app(with_middleware: bool = True) -> FastAPI:
    app = FastAPI()
    if with_middleware:

        async def user(scope: Any) -> dict[str, str] | None:
            name = Request(scope).cookies.get("user")
            return {"id": name, "email": f"{name}@example.com"} if name else None

        app.add_middleware(
            SupportMiddleware,
            url="https://support.example.com",
            app_id=APP_ID,
            app_secret=SECRET,
            api_key="sk_agent",
            user=user,
        )

    @app.get("/whoami")
    def whoami(
        client: Annotated[SupportClient, Depends(support_client)],
        token: Annotated[str | None, Depends(support_user_token)],
    ) -> dict[str, Any]:
        subject = verify_user_token(token, APP_ID, SECRET, max_age=60).sub if token else None
        return {"server": client.base_url, "key": client._api_key, "user": subject}

    return app


def get(app: FastAPI, path: str, cookies: dict[str, str] | None = None) -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=True)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", cookies=cookies
        ) as client:
            return await client.get(path)

    return run(go())


def test_a_route_gets_the_client_and_the_signed_in_users_token() -> None:
    app = make_app()
    response = get(app, "/whoami", cookies={"user": "ada"})
    assert response.json() == {
        "server": "https://support.example.com",
        "key": "sk_agent",
        "user": "ada",
    }


def test_a_visitor_gets_no_token() -> None:
    assert get(make_app(), "/whoami").json()["user"] is None


def test_the_client_is_made_once_per_middleware() -> None:
    middleware = SupportMiddleware(
        make_app(False), url="https://s.example.com", app_id=APP_ID, app_secret=SECRET
    )
    assert middleware.client is middleware.client
    assert middleware.client.app_id == APP_ID


def test_without_the_middleware_the_dependency_says_what_to_add() -> None:
    with pytest.raises(RuntimeError, match="need SupportMiddleware"):
        get(make_app(with_middleware=False), "/whoami")
