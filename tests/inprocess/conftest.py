"""The in-process app: ``create_app`` on a fresh data directory in tmp_path, driven through
Flask's test client, with the server's clock pinned. No process to start, no port, no browser:
these tests are the fast loop (``make test-fast``).

The clock is pinned at the real time the test starts (tokens minted by the SDK use the real
clock too) and moves only when the test says ``clock.advance(seconds)``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from support_server import bootstrap, clock
from support_server.app import create_app

ORIGIN = "http://allowed.example"


class PinnedClock:
    """The server's ``clock.now()`` while a test runs: still unless advanced."""

    def __init__(self, start: float) -> None:
        self.value = start

    def now(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@pytest.fixture
def pinned_clock(monkeypatch: pytest.MonkeyPatch) -> PinnedClock:
    pinned = PinnedClock(time.time())
    monkeypatch.setattr(clock, "now", pinned.now)
    return pinned


@dataclass
class InProcess:
    """An app built in this process: its Flask app, a test client and the `init` credentials."""

    app: Flask
    http: FlaskClient
    creds: dict[str, Any]
    clock: PinnedClock
    data_dir: Path

    @property
    def app_id(self) -> str:
        return str(self.creds["app_id"])

    def staff_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.creds['admin_api_key']}"}


@pytest.fixture
def server(tmp_path: Path, pinned_clock: PinnedClock) -> Iterator[InProcess]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app = create_app(data_dir=data_dir)
    app.config["TESTING"] = True
    yield InProcess(app, app.test_client(), creds, pinned_clock, data_dir)
    rt = app.extensions["support"]
    rt.index.close()  # the searcher holds the index's segment files open
    rt.db.close()
