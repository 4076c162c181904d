"""Re-take the widget screenshots (widget-*.png) from the `make run` demo, in headless Chromium.

    .venv/bin/python docs/screenshots/capture_widget.py

Starts ``support-server demo`` on a free port with a throw-away data directory, files two
tickets for the demo user (one answered and solved), and photographs the panel's main views
at desktop (1280x800) and phone (360x740) sizes. The screenshots were taken with the Roboto
font installed (Debian: fonts-roboto), which is in the widget's font stack.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import requests

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from support_sdk.tokens import mint_user_token  # noqa: E402
from support_server.demo import DEMO_USER  # noqa: E402
from tests.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.servers import free_port  # noqa: E402
from tests.widget.conftest import READY  # noqa: E402

SHADOW = "document.querySelector('support-widget').shadowRoot"


def start_demo(data_dir: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "support-server"),
            "demo",
            "--data-dir",
            str(data_dir),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "SUPPORT_RATE_LIMITS_ENABLED": "false"},
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                return proc, url
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("the demo did not start")


def seed(url: str, creds: dict[str, Any]) -> None:
    token = mint_user_token(creds["app_id"], creds["app_secret"], **DEMO_USER)
    user = {"Authorization": f"Bearer {token}"}
    agent = {"Authorization": f"Bearer {creds['agent_api_key']}"}

    def post(path: str, body: dict[str, Any], headers: dict[str, str]) -> dict[str, Any]:
        response = requests.post(f"{url}/api/v1{path}", json=body, headers=headers, timeout=10)
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result

    first = post(
        "/tickets",
        {"subject": "Can I add a second bank account?", "body": "We opened a savings account."},
        user,
    )
    post(f"/tickets/{first['id']}/messages", {"body": "Yes: Settings, Bank feeds."}, agent)
    requests.patch(
        f"{url}/api/v1/tickets/{first['id']}", json={"status": "pending"}, headers=agent, timeout=10
    )
    ticket = post(
        "/tickets",
        {
            "subject": "VAT on INV-2024-0141 looks wrong",
            "body": "The invoice shows 19% VAT but my customer is in France (20%).",
        },
        user,
    )
    post(
        f"/tickets/{ticket['id']}/messages",
        {
            "body": "Hi Ada, thanks for the details! Globex GmbH still had Germany as its "
            "tax country. I have corrected it; the invoice now shows 20% VAT."
        },
        agent,
    )
    post(f"/tickets/{ticket['id']}/messages", {"body": "Perfect, thank you!"}, user)
    requests.patch(
        f"{url}/api/v1/tickets/{ticket['id']}", json={"status": "solved"}, headers=agent, timeout=10
    )


def shoot(browser: Any, url: str, name: str, steps: Any, **options: Any) -> None:
    context = browser.new_context(**options)
    page = context.new_page()
    page.goto(url)
    page.wait_for_function(READY)
    steps(page)
    page.wait_for_timeout(400)
    page.screenshot(path=str(HERE / f"widget-{name}.png"))
    context.close()
    print("wrote", name)


def open_panel(page: Any) -> None:
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .body .item").first.wait_for()


def search(page: Any) -> None:
    open_panel(page)
    page.locator("support-widget input[type=search]").press_sequentially("refnud", delay=30)
    page.locator("support-widget .dym").wait_for()


def article(page: Any) -> None:
    page.locator("support-help button[aria-label='Help: Currency']").click()
    page.locator("support-widget .prose").wait_for()
    page.wait_for_timeout(300)


def contact(page: Any) -> None:
    open_panel(page)
    page.locator("support-widget .card").click()
    page.locator("support-widget [name=subject]").press_sequentially(
        "Refund for a double charge", delay=20
    )
    page.locator("support-widget form section .item").first.wait_for()
    page.locator("support-widget [name=body]").fill(
        "I was charged twice for March. Could you refund one of the payments?"
    )


def conversation(page: Any) -> None:
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .list .item", has_text="INV-2024-0141").click()  # its own ticket
    page.locator("support-widget .rating").wait_for()
    page.locator("support-widget label.star").nth(4).click()


def tickets(page: Any) -> None:
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .list .item").nth(1).wait_for()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "demo"
        proc, url = start_demo(data_dir)
        try:
            creds = json.loads((data_dir / "demo-credentials.json").read_text())
            seed(url, creds)
            page_url = f"{url}/invoices/new"
            desktop = {"viewport": {"width": 1280, "height": 800}}
            phone = {
                "viewport": {"width": 360, "height": 740},
                "device_scale_factor": 2,
                "is_mobile": True,
                "has_touch": True,
            }
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                shoot(browser, page_url, "desktop-home", open_panel, **desktop)
                shoot(browser, page_url, "desktop-search", search, **desktop)
                shoot(browser, page_url, "desktop-article", article, **desktop)
                shoot(browser, page_url, "desktop-contact", contact, **desktop)
                shoot(browser, page_url, "desktop-tickets", tickets, **desktop)
                shoot(browser, page_url, "desktop-conversation", conversation, **desktop)
                shoot(browser, page_url, "desktop-dark", search, color_scheme="dark", **desktop)
                shoot(browser, page_url, "phone-home", open_panel, **phone)
                shoot(browser, page_url, "phone-article", article, **phone)
                shoot(browser, page_url, "phone-conversation", conversation, **phone)
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
