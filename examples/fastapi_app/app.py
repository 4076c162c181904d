"""A small FastAPI app: HTML pages that get the widget from the ASGI middleware, a JSON route
that lists the signed-in user's tickets through the FastAPI dependencies, and one that searches
the help center with the async client.

Who is signed in: whoever the ``user`` cookie names (a real app checks its session).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from support_sdk import AsyncSupportClient, SupportClient
from support_sdk.asgi import SupportMiddleware, support_client, support_user_token

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title></head>
<body><h1>{title}</h1>{body}</body></html>"""

HELP_LINK = '<p><button type="button" data-support-help="billing.invoices">Invoices?</button></p>'


def _user(scope: Mapping[str, Any]) -> dict[str, str] | None:
    name = Request(scope).cookies.get("user")
    if not name:
        return None
    return {"id": name, "email": f"{name}@example.com", "name": name.title()}


def _context(scope: Mapping[str, Any]) -> str | None:
    return {"/": "dashboard", "/billing": "billing.invoices"}.get(scope.get("path", ""))


async def _export() -> AsyncIterator[bytes]:
    yield b"<html><body>streamed "
    yield b"export</body></html>"


def create_app(settings: Mapping[str, str]) -> FastAPI:
    """The app for the Support server ``settings`` names (SUPPORT_URL, SUPPORT_APP_ID,
    SUPPORT_APP_SECRET)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # One async client for the app's life: its connections are reused across requests.
        async with AsyncSupportClient(
            settings["SUPPORT_URL"], settings["SUPPORT_APP_ID"]
        ) as help_client:
            app.state.help = help_client
            yield

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(
        SupportMiddleware,
        url=settings["SUPPORT_URL"],
        app_id=settings["SUPPORT_APP_ID"],
        app_secret=settings["SUPPORT_APP_SECRET"],
        user=_user,
        context=_context,
    )

    @app.get("/", response_class=HTMLResponse)
    def dashboard() -> str:
        return PAGE.format(title="Dashboard", body=HELP_LINK)

    @app.get("/billing", response_class=HTMLResponse)
    def billing() -> str:
        return PAGE.format(title="Billing", body=HELP_LINK)

    @app.get("/plain")
    def print_view() -> HTMLResponse:  # a page that opts out of the widget
        return HTMLResponse(
            PAGE.format(title="Print view", body=""), headers={"X-Support-Widget": "off"}
        )

    @app.get("/stream")
    def export() -> StreamingResponse:  # streamed: never held, never rewritten
        return StreamingResponse(_export(), media_type="text/html")

    @app.get("/api/status")
    def status() -> dict[str, Any]:
        return {"ok": True, "html": "</body>"}

    @app.get("/api/my-tickets")
    def my_tickets(
        client: Annotated[SupportClient, Depends(support_client)],
        token: Annotated[str | None, Depends(support_user_token)],
    ) -> list[str]:
        """The signed-in user's ticket subjects (a sync route: FastAPI runs it in a thread)."""
        return [t.subject for t in client.tickets(user_token=token).items] if token else []

    @app.get("/api/help")
    async def search_help(request: Request, q: str) -> list[str]:
        """Help article titles for ``q``, from the async client (an async route)."""
        found = await request.app.state.help.search(q)
        return [result.title for result in found.results]

    return app
