"""Shared fixtures: real data directories and real servers on 127.0.0.1."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support_sdk import SupportClient

from .servers import ServerProcess, cli, init_data_dir

ROOT = Path(__file__).resolve().parent.parent
HELP_CENTER = ROOT / "examples" / "help_center"


class LiveServer:
    """A started server with its data dir and the credentials `init` printed."""

    def __init__(self, process: ServerProcess, creds: dict[str, Any]) -> None:
        self.process = process
        self.creds = creds
        self.url = process.url
        self.app_id: str = creds["app_id"]
        self.app_secret: str = creds["app_secret"]
        self.admin_key: str = creds["admin_api_key"]
        self.data_dir = process.data_dir

    def client(self, **kwargs: Any) -> SupportClient:
        kwargs.setdefault("app_id", self.app_id)
        kwargs.setdefault("app_secret", self.app_secret)
        return SupportClient(self.url, **kwargs)

    def writer(self) -> SupportClient:
        return SupportClient(self.url, app_id=self.app_id, api_key=self.admin_key)


@pytest.fixture(scope="module")
def help_center_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server (`support-server run`) with the sample help center imported; shared per module."""
    data_dir = tmp_path_factory.mktemp("hc") / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[LiveServer]:
    """An empty initialised server of its own, for tests that change state."""
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


CHROMIUM = os.environ.get("SUPPORT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Chromium for every browser test of the session (Debian's, via Playwright).

    Playwright's sync API allows one instance per thread, so the widget's and the web UI's
    tests share this one. Playwright never downloads a browser here.
    """
    sync_api = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        # CI installs Chromium (.ci/run), so there a missing browser is a failure, not a skip.
        missing = pytest.fail if os.environ.get("CI") else pytest.skip
        missing(f"no Chromium at {CHROMIUM} (apt-get install chromium chromium-driver)")
    with sync_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
