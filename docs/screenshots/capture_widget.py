"""Re-take the widget screenshots (widget-*.png) from the `make run` demo, in headless Chromium.

    .venv/bin/python docs/screenshots/capture_widget.py [NAME…]

Starts ``support-server demo`` on a free port with a throw-away data directory, files three
tickets for the demo user (one answered and solved, one with a screenshot attached), defines a
custom field, and photographs the panel's main views at desktop (1280x800) and phone (360x740)
sizes: every one, or only those NAMEd (``custom-fields attachments``). The screenshots were
taken with the Roboto font installed (Debian: fonts-roboto), which is in the widget's font
stack.
"""

from __future__ import annotations

import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
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


def picture(width: int = 360, height: int = 220) -> bytes:
    """A PNG that looks like a screenshot of the demo app: a bar, a sidebar, rows, an error."""
    boxes = [
        ((0, 0, width, height), (246, 247, 249)),
        ((0, 0, width, 28), (79, 70, 229)),
        ((0, 28, 78, height), (230, 232, 237)),
        ((96, 48, width - 18, 70), (255, 255, 255)),
        ((96, 80, width - 18, 102), (255, 255, 255)),
        ((96, 112, width - 18, 134), (255, 255, 255)),
        ((96, 150, width - 18, 196), (253, 228, 222)),
        ((106, 162, 220, 170), (196, 50, 10)),
        ((106, 176, 290, 182), (232, 140, 120)),
    ]
    rows = bytearray()
    for y in range(height):
        rows.append(0)
        for x in range(width):
            colour = next(
                c for (x0, y0, x1, y1), c in reversed(boxes) if x0 <= x < x1 and y0 <= y < y1
            )
            rows.extend(colour)

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"".join(
        [
            b"\x89PNG\r\n\x1a\n",
            chunk(b"IHDR", header),
            chunk(b"IDAT", zlib.compress(bytes(rows))),
            chunk(b"IEND", b""),
        ]
    )


def seed_files(url: str, creds: dict[str, Any]) -> None:
    """A custom field for the contact form, and a ticket with a screenshot, answered."""
    token = mint_user_token(creds["app_id"], creds["app_secret"], **DEMO_USER)
    user = {"Authorization": f"Bearer {token}"}
    agent = {"Authorization": f"Bearer {creds['agent_api_key']}"}
    admin = {"Authorization": f"Bearer {creds['admin_api_key']}"}
    requests.post(
        f"{url}/api/v1/ticket-fields",
        json={
            "key": "issue_type",
            "label": "What is it about?",
            "type": "select",
            "options": ["Something is broken", "Billing", "A question", "An idea"],
            "required": True,
        },
        headers=admin,
        timeout=10,
    ).raise_for_status()
    upload = requests.post(
        f"{url}/api/v1/uploads",
        files={"file": ("bank-feed-error.png", picture(), "image/png")},
        headers=user,
        timeout=10,
    )
    upload.raise_for_status()
    ticket = requests.post(
        f"{url}/api/v1/tickets",
        json={
            "subject": "Bank feed stopped syncing",
            "body": "Since this morning the bank feed shows this error.",
            "fields": {"issue_type": "Something is broken"},
            "attachments": [upload.json()["id"]],
        },
        headers=user,
        timeout=10,
    )
    ticket.raise_for_status()
    requests.post(
        f"{url}/api/v1/tickets/{ticket.json()['id']}/messages",
        json={
            "body": "Thanks for the screenshot! The bank renewed its certificate: "
            "reconnect the feed in Settings, Bank feeds, and it syncs again."
        },
        headers=agent,
        timeout=10,
    ).raise_for_status()


def known_issue(url: str, creds: dict[str, Any]) -> None:
    """A known issue on the demo page's context (shot last: its banner would be in the rest)."""
    response = requests.post(
        f"{url}/api/v1/known-issues",
        json={
            "title": "PDF invoices show the wrong VAT rate",
            "message": "We are fixing it: the rate on screen is right, the PDF is wrong.",
            "contexts": ["invoices.create"],
        },
        headers={"Authorization": f"Bearer {creds['agent_api_key']}"},
        timeout=10,
    )
    response.raise_for_status()


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


def custom_fields(page: Any) -> None:
    """The contact form with the custom field chosen and a screenshot attached."""
    open_panel(page)
    page.locator("support-widget .card").click()
    page.locator("support-widget [name=subject]").fill("Invoice PDF is blank")
    page.locator("support-widget [name=body]").fill(
        "When I download INV-2024-0141 as a PDF, the pages are empty."
    )
    page.locator("support-widget [name='fields.issue_type']").select_option("Something is broken")
    page.locator("support-widget form input[type=file]").set_input_files(
        [{"name": "blank-invoice.png", "mimeType": "image/png", "buffer": picture()}]
    )
    page.wait_for_function(
        f"() => [...{SHADOW}.querySelectorAll('.chip progress')].every((p) => p.hidden)"
    )
    page.locator("support-widget form section .item").first.wait_for()  # the articles above
    page.wait_for_timeout(300)
    page.evaluate(f"{SHADOW}.querySelector('.body').scrollTop = 1000")


def attachments(page: Any) -> None:
    """A conversation whose opening message has a screenshot, shown as a preview."""
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .list .item", has_text="Bank feed stopped").click()
    page.wait_for_function(f"() => {SHADOW}.querySelector('.thread img')?.naturalWidth > 0")
    page.locator("support-widget .reply .attach").wait_for()
    page.evaluate(f"{SHADOW}.querySelector('.thread li').scrollIntoView()")  # the reply's too


def tickets(page: Any) -> None:
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .list .item").nth(1).wait_for()


def main() -> None:
    only = set(sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = Path(tmp) / "demo"
        proc, url = start_demo(data_dir)
        try:
            creds = json.loads((data_dir / "demo-credentials.json").read_text())
            seed(url, creds)
            seed_files(url, creds)
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
                shots: list[tuple[str, Any, dict[str, Any]]] = [
                    ("desktop-home", open_panel, desktop),
                    ("desktop-search", search, desktop),
                    ("desktop-article", article, desktop),
                    ("desktop-contact", contact, desktop),
                    ("desktop-tickets", tickets, desktop),
                    ("desktop-conversation", conversation, desktop),
                    ("desktop-dark", search, {"color_scheme": "dark", **desktop}),
                    ("custom-fields", custom_fields, desktop),
                    ("attachments", attachments, desktop),
                    ("phone-home", open_panel, phone),
                    ("phone-article", article, phone),
                    ("phone-conversation", conversation, phone),
                ]
                for name, steps, options in shots:
                    if not only or name in only:
                        shoot(browser, page_url, name, steps, **options)
                if not only or "known-issue" in only:
                    known_issue(url, creds)
                    shoot(browser, page_url, "known-issue", open_panel, **desktop)
                browser.close()
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)


if __name__ == "__main__":
    main()
