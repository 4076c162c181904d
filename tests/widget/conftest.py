"""Browser fixtures: one headless Chromium (Debian's, driven by Playwright) for the session, a
real support server with the sample help center, and a host site on another origin.

Playwright never downloads a browser here: it drives /usr/bin/chromium (``SUPPORT_CHROMIUM``
to use another). Without Chromium the browser tests are skipped with the reason.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from support_sdk.tokens import mint_user_token

from ..conftest import HELP_CENTER, LiveServer
from ..servers import ServerProcess, cli, init_data_dir
from .site import HostSite, document, embed

sync_api = pytest.importorskip("playwright.sync_api")

READY = "() => performance.getEntriesByName('support-widget:ready').length > 0"


@pytest.fixture(scope="session")
def site() -> Iterator[HostSite]:
    with HostSite() as host:
        yield host


@pytest.fixture(scope="session")
def support(tmp_path_factory: pytest.TempPathFactory, site: HostSite) -> Iterator[LiveServer]:
    """The support server, with the sample help center, allowing the host site's origin."""
    data_dir = tmp_path_factory.mktemp("widget") / "data"
    creds = init_data_dir(data_dir, site.origin)
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


class Harness:
    """What a test needs: pages on the host site, users, tokens, and the agent's view."""

    def __init__(self, support: LiveServer, site: HostSite, browser: Any) -> None:
        self.support = support
        self.site = site
        self.browser = browser
        self.contexts: list[Any] = []

    def user(self, name: str = "Ada Lovelace", email: str | None = None) -> dict[str, str]:
        sub = f"user-{uuid.uuid4().hex[:10]}"
        return {"user_id": sub, "name": name, "email": email or f"{sub}@example.com"}

    def token(self, user: dict[str, str], **kwargs: Any) -> str:
        return mint_user_token(self.support.app_id, self.support.app_secret, **user, **kwargs)

    def expired_token(self, user: dict[str, str]) -> str:
        return self.token(user, expires_in=60, now=time.time() - 3600)

    def page_url(
        self,
        body: str = "",
        *,
        path: str | None = None,
        head: str = "",
        headers: dict[str, str] | None = None,
        title: str = "Ledgerly",
        lang: str | None = "en",
        **embed_args: Any,
    ) -> str:
        path = path or f"/p/{uuid.uuid4().hex[:12]}"
        tag = embed(self.support.url, self.support.app_id, **embed_args)
        return self.site.add(
            path, document(body + tag, head=head, title=title, lang=lang), headers=headers
        )

    def new_page(self, url: str | None = None, *, wait_ready: bool = True, **options: Any) -> Any:
        context = self.browser.new_context(**options)
        self.contexts.append(context)
        page = context.new_page()
        page.errors = []  # uncaught errors: a test fails if any happened
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        if url:
            page.goto(url)
            if wait_ready:
                page.wait_for_function(READY)
        return page

    def agent(self, method: str, path: str, **kwargs: Any) -> Any:
        response = requests.request(
            method,
            f"{self.support.url}/api/v1{path}",
            headers={"Authorization": f"Bearer {self.support.admin_key}"},
            timeout=10,
            **kwargs,
        )
        response.raise_for_status()
        return response.json()

    def tickets_of(self, token: str) -> list[dict[str, Any]]:
        response = requests.get(
            f"{self.support.url}/api/v1/tickets",
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        response.raise_for_status()
        items: list[dict[str, Any]] = response.json()["items"]
        return items

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def harness(support: LiveServer, site: HostSite, browser: Any) -> Iterator[Harness]:
    h = Harness(support, site, browser)
    yield h
    h.close()


def outbox(page: Any, app_id: str) -> list[dict[str, Any]]:
    raw = page.evaluate(f"localStorage.getItem('support-widget:{app_id}:outbox')")
    return json.loads(raw or "[]")
