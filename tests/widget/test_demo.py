"""`make run`'s demo: Ledgerly, a sample product embedding the widget under a strict CSP."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from ..servers import free_port
from .conftest import READY

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    port = free_port()
    log = data_dir.parent / "demo.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "support-server"),
                "demo",
                "--data-dir",
                str(data_dir),
                "--port",
                str(port),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "SUPPORT_RATE_LIMITS_ENABLED": "false"},
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                time.sleep(0.1)
        else:
            raise RuntimeError(Path(log).read_text())
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


def test_demo_page_is_a_product_with_the_widget(demo: str) -> None:
    home = requests.get(demo, timeout=10, allow_redirects=False)
    assert home.status_code == 302 and home.headers["Location"].endswith("/invoices/new")
    page = requests.get(f"{demo}/invoices/new", timeout=10)
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in page.headers["Content-Security-Policy"]
    assert "/widget/v1/loader.js" in page.text
    assert page.text.count("data-support-help=") >= 10
    assert requests.get(f"{demo}/nope", timeout=10).status_code == 404
    refused = requests.post(f"{demo}/demo/token", timeout=10)
    assert refused.status_code == 400
    fresh = requests.post(f"{demo}/demo/token", headers={"X-Support-Refresh": "1"}, timeout=10)
    assert fresh.json()["token"].startswith("ut_")


def test_demo_in_a_browser(demo: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(f"{demo}/invoices/new")
        page.wait_for_function(READY)
        assert page.locator("support-help button").count() >= 6
        page.locator("support-help button[aria-label='Help: Tax']").click()
        page.locator("support-widget article h1", has_text="VAT").wait_for()
        page.keyboard.press("Escape")
        page.locator("a[data-nav][href='/settings/security']").click()
        assert page.evaluate("location.pathname") == "/settings/security"
        page.locator("support-widget .launcher").click()
        page.locator(
            "support-widget .item .t", has_text="Enable two-factor authentication"
        ).first.wait_for()
        page.locator("support-widget .link.report").click()
        page.locator("support-widget [name=body]").fill("Demo report")
        page.locator("support-widget button[type=submit]").click()
        page.locator("support-widget .done h3", has_text="Message sent").wait_for()
        assert errors == []
    finally:
        context.close()
