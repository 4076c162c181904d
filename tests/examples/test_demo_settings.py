"""The examples talk to the demo wherever `make run` serves it (here not on port 8000), and say
so at start when there is no server to talk to."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

from examples.demo_credentials import support_settings
from examples.flask_shop import create_app
from examples.static_page.__main__ import render
from examples.wsgi_app.app import make_app

from ..servers import free_port, running_demo


@dataclass
class Demo:
    url: str
    data_dir: Path

    def creds(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads((self.data_dir / "demo-credentials.json").read_text())
        return found


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    port = free_port()
    assert port != 8000
    with running_demo(data_dir, port, data_dir.parent / "demo.log") as url:
        yield Demo(url, data_dir)


@pytest.fixture
def settings(demo: Demo, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """What the examples' `__main__` reads: the demo's folder, as `make run DEMO_DIR=…` sets."""
    for name in ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEMO_DIR", str(demo.data_dir))
    return support_settings()


def shop_client(settings: dict[str, str], **extra: Any) -> Any:
    app = create_app({**settings, "SECRET_KEY": "test", **extra})
    client = app.test_client()
    client.post("/login", data={"email": "ada@example.com"})
    return client


def test_the_examples_use_the_demos_url(demo: Demo, settings: dict[str, str]) -> None:
    assert settings["SUPPORT_URL"] == demo.url
    assert settings["SUPPORT_APP_ID"] == demo.creds()["app_id"]
    page = shop_client(settings, TESTING=True).get("/invoices/new").get_data(as_text=True)
    assert f'src="{demo.url}/widget/v1/loader.js"' in page
    assert f'src="{demo.url}/widget/v1/loader.js"' in render(settings).decode()
    body = b"".join(
        make_app(settings)(
            {"PATH_INFO": "/", "REQUEST_METHOD": "GET", "HTTP_COOKIE": "user=ada"},
            lambda status, headers: None,
        )
    ).decode()
    assert f'src="{demo.url}/widget/v1/loader.js"' in body
    assert requests.get(f"{demo.url}/widget/v1/loader.js", timeout=10).ok


def test_report_a_problem_reaches_the_demo(demo: Demo, settings: dict[str, str]) -> None:
    shop = shop_client(settings, TESTING=True)
    answer = shop.post(
        "/report",
        data={"text": "The PDF has the wrong logo"},
        headers={"Referer": "http://localhost/invoices/new"},
        follow_redirects=True,
    )
    filed = re.search(r"Thanks! Ticket (tkt_\w+) is on its way", answer.get_data(as_text=True))
    assert filed, answer.get_data(as_text=True)
    agent = {"Authorization": f"Bearer {demo.creds()['agent_api_key']}"}
    ticket = requests.get(f"{demo.url}/api/v1/tickets/{filed.group(1)}", headers=agent, timeout=10)
    assert ticket.json()["body"] == "The PDF has the wrong logo"


def test_the_error_page_names_the_report_it_sent(
    demo: Demo, settings: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    shop = shop_client(settings, PROPAGATE_EXCEPTIONS=False)
    with caplog.at_level(logging.CRITICAL):
        page = shop.get("/reports/export").get_data(as_text=True)
    sent = re.search(r"We have been told about it \(report (tkt_\w+)\)", page)
    assert sent, page
    agent = {"Authorization": f"Bearer {demo.creds()['agent_api_key']}"}
    ticket = requests.get(f"{demo.url}/api/v1/tickets/{sent.group(1)}", headers=agent, timeout=10)
    assert ticket.json()["subject"] == "Error: RuntimeError"


def test_an_example_with_no_server_to_talk_to_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEMO_DIR", str(tmp_path))
    with pytest.raises(SystemExit, match="run `make run` first"):
        support_settings()
    nobody = f"http://127.0.0.1:{free_port()}"
    (tmp_path / "demo-credentials.json").write_text(
        json.dumps({"url": nobody, "app_id": "app_x", "app_secret": "s"}), encoding="utf-8"
    )
    with pytest.raises(SystemExit, match=f"No Support server answers at {nobody}"):
        support_settings()
