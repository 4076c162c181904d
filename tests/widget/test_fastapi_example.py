"""The FastAPI example in Chromium: under uvicorn, its pages get the widget from the ASGI
middleware, and the widget loads and works for a signed-in user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from examples.fastapi_app import create_app

from ..conftest import HELP_CENTER, LiveServer
from ..servers import ServerProcess, cli, free_port, init_data_dir, uvicorn_serving
from .conftest import READY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, LiveServer]]:
    """The example on its own origin and a support server (sample help center) allowing it."""
    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    data_dir = tmp_path_factory.mktemp("fastapi") / "data"
    creds = init_data_dir(data_dir, origin)
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    with ServerProcess(data_dir) as process:
        support = LiveServer(process, creds)
        app = create_app(
            {
                "SUPPORT_URL": support.url,
                "SUPPORT_APP_ID": support.app_id,
                "SUPPORT_APP_SECRET": support.app_secret,
            }
        )
        with uvicorn_serving(app, port) as url:
            yield url, support


def test_the_widget_is_injected_and_loads_for_a_signed_in_user(
    served: tuple[str, LiveServer], browser: Any
) -> None:
    url, support = served
    context = browser.new_context()
    try:
        context.add_cookies([{"name": "user", "value": "ada", "url": url}])
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{url}/billing")
        script = page.locator(f"script[src='{support.url}/widget/v1/loader.js']")
        assert script.get_attribute("data-user-token", timeout=5000) is not None
        page.wait_for_function(READY)
        page.locator("button[data-support-help='billing.invoices']").click()
        page.locator("support-widget [role=dialog]").wait_for(state="visible")
        page.locator("support-widget .body .item .t").first.wait_for()
        assert errors == []
    finally:
        context.close()


def test_visitors_get_no_widget(served: tuple[str, LiveServer], browser: Any) -> None:
    url, _support = served
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{url}/billing")
        assert page.locator("script[src$='/widget/v1/loader.js']").count() == 0
    finally:
        context.close()
