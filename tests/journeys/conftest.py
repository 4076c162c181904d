"""One real deployment for the people's journeys: a server with the sample help center imported
(existing articles, as a team has after `support-server import`), staff users of every role,
and a host product on another origin that embeds the widget the way the README says."""

from __future__ import annotations

import html
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from support_sdk import SupportClient
from support_sdk.tokens import mint_user_token

from ..conftest import HELP_CENTER, LiveServer
from ..servers import ServerProcess, cli, init_data_dir
from ..web.conftest import create_users, sign_in
from ..widget.site import HostSite, embed

pytest.importorskip("playwright.sync_api")
READY = "() => performance.getEntriesByName('support-widget:ready').length > 0"


@pytest.fixture(scope="package")
def host() -> Iterator[HostSite]:
    with HostSite() as site:
        yield site


@pytest.fixture(scope="package")
def deployment(tmp_path_factory: pytest.TempPathFactory, host: HostSite) -> Iterator[LiveServer]:
    data_dir = tmp_path_factory.mktemp("journeys") / "data"
    creds = init_data_dir(data_dir, host.origin)
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    create_users(data_dir)
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


class People:
    """The browsers, pages and API clients a journey needs."""

    def __init__(self, server: LiveServer, host: HostSite, browser: Any) -> None:
        self.server = server
        self.host = host
        self.browser = browser
        self.contexts: list[Any] = []

    # -- end users on the host product -------------------------------------------------------
    def user(self, name: str = "Ada Lovelace", **traits: Any) -> tuple[dict[str, Any], str]:
        sub = f"user-{uuid.uuid4().hex[:10]}"
        person = {"user_id": sub, "name": name, "email": f"{sub}@example.com"}
        token = mint_user_token(
            self.server.app_id, self.server.app_secret, **person, traits=traits or None
        )
        return person, token

    def host_page(self, *, lang: str | None, title: str, **embed_args: Any) -> str:
        """A page of the host product, as real sites write them (``lang=None``: no attribute)."""
        tag = embed(self.server.url, self.server.app_id, **embed_args)
        lang_attr = f' lang="{lang}"' if lang is not None else ""
        body = (
            f'<!doctype html><html{lang_attr}><head><meta charset="utf-8">'
            f"<title>{html.escape(title)}</title></head>"
            f"<body><h1>{html.escape(title)}</h1>{tag}</body></html>"
        )
        return self.host.add(f"/app/{uuid.uuid4().hex[:10]}", body)

    def page(self, url: str | None = None, **options: Any) -> Any:
        options.setdefault("viewport", {"width": 1280, "height": 900})
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        page.errors = []
        page.dialogs = []
        page.on("pageerror", lambda error: page.errors.append(str(error)))

        def on_dialog(dialog: Any) -> None:
            page.dialogs.append((dialog.type, dialog.message))
            dialog.accept()

        page.on("dialog", on_dialog)
        if url:
            page.goto(url)
            page.wait_for_function(READY)
        return page

    # -- staff in /admin ---------------------------------------------------------------------
    def staff_page(self, role: str) -> Any:
        page = self.page()
        sign_in(page, self.server, role)
        return page

    # -- the API, to check outcomes --------------------------------------------------------
    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method,
            f"{self.server.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {self.server.admin_key}"},
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def client(self) -> SupportClient:
        return self.server.client()

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(deployment: LiveServer, host: HostSite, browser: Any) -> Iterator[People]:
    crew = People(deployment, host, browser)
    yield crew
    crew.close()


def shot(page: Any, name: str) -> None:
    """The end state of a journey, for a person to look at (kept with pytest's tmp files)."""
    page.screenshot(path=f"/tmp/journey-{name}.png", full_page=False)
