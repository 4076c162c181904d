"""A pytest plugin for testing your integration against a real Support server, not a mock.

Installed with the SDK and enabled automatically under pytest (it needs the server too:
``pip install 'support-sdk[server]'``). Fixtures:

- ``support_server``: a real server (``support-server run``) on a free port of 127.0.0.1 with a
  temporary data directory, started once per test session. It has ``url``, ``app_id``,
  ``app_secret``, ``admin_api_key``, ``data_dir``, ``client()`` and ``staff_client(role)``.
- ``support_client``: a :class:`~support_sdk.SupportClient` for that server's app.
- ``support_user_token``: a factory, ``support_user_token("42", email="ada@example.com")``.

::

    def test_report_a_problem(client, support_client, support_user_token):
        client.post("/report", data={"text": "broken"})        # your app files a ticket
        token = support_user_token("42")
        assert support_client.tickets(user_token=token).items[0].body == "broken"

The same helpers work outside pytest: ``with SupportServer.start(tmp_dir) as server: ...``.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
import requests

from .client import SupportClient
from .tokens import mint_user_token

__all__ = [
    "SupportServer",
    "create_staff_key",
    "free_port",
    "support_client",
    "support_server",
    "support_user_token",
]


def _command() -> str:
    beside = Path(sys.executable).parent / "support-server"
    found = str(beside) if beside.exists() else shutil.which("support-server")
    if not found:
        raise RuntimeError("the support server is not installed: pip install 'support-sdk[server]'")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run_cli(
    *args: str, env: Mapping[str, str] | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    """Run ``support-server ARGS…`` and return what it printed."""
    return subprocess.run(
        [_command(), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


def init_data_dir(data_dir: Path, *origins: str) -> dict[str, Any]:
    """``support-server init --json``, for real; returns the credentials it printed."""
    args = ["init", "--data-dir", str(data_dir), "--json"]
    for origin in origins:
        args += ["--origin", origin]
    creds: dict[str, Any] = json.loads(run_cli(*args, timeout=60).stdout)
    return creds


def create_staff_key(data_dir: Path, role: str, app: str | None = None) -> str:
    """``support-server keys create``: a new staff key (admin, writer or agent) for ``app``."""
    args = ["keys", "create", "--data-dir", str(data_dir), "--role", role, "--json"]
    if app:
        args += ["--app", app]
    key: str = json.loads(run_cli(*args).stdout)["api_key"]
    return key


class SupportServer:
    """A server process on 127.0.0.1; ``mode`` is 'run' (threads) or 'serve' (gunicorn)."""

    def __init__(
        self,
        data_dir: Path,
        creds: Mapping[str, Any] | None = None,
        *,
        mode: str = "run",
        workers: int = 2,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = Path(data_dir)
        self.creds = dict(creds or {})
        self.mode = mode
        self.workers = workers
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # serve builds public links only from SUPPORT_PUBLIC_URL: here, the test server's own.
        self.env = {
            "SUPPORT_RATE_LIMITS_ENABLED": "false",
            "SUPPORT_PUBLIC_URL": self.url,
            **(env or {}),
        }
        self.log = self.data_dir.parent / f"support-server-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    @classmethod
    def start_new(cls, data_dir: Path, *origins: str, **kwargs: Any) -> SupportServer:
        """Initialise ``data_dir`` and start a server on it."""
        return cls(data_dir, init_data_dir(data_dir, *origins), **kwargs).start()

    @property
    def app_id(self) -> str:
        return str(self.creds["app_id"])

    @property
    def app_secret(self) -> str:
        return str(self.creds["app_secret"])

    @property
    def admin_api_key(self) -> str:
        return str(self.creds["admin_api_key"])

    def start(self, timeout: float = 60) -> SupportServer:
        args = [
            _command(),
            self.mode,
            "--data-dir",
            str(self.data_dir),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
        ]
        if self.mode == "serve":
            args += ["--workers", str(self.workers)]
        with open(self.log, "ab") as log:
            self.proc = subprocess.Popen(
                args,
                stdout=log,
                stderr=subprocess.STDOUT,
                env={**os.environ, **self.env},
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"support server exited: {self._log_tail()}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.RequestException:  # refused, or a busy machine's slow first answer
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"support server did not start: {self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=20)
        self.proc = None

    def crash(self) -> None:
        """SIGKILL the whole process group: nothing gets to shut down cleanly."""
        self.stop(signal.SIGKILL)

    def client(self, **kwargs: Any) -> SupportClient:
        """A client for this server's first app (with its secret, to mint user tokens)."""
        kwargs.setdefault("app_id", self.creds.get("app_id"))
        kwargs.setdefault("app_secret", self.creds.get("app_secret"))
        return SupportClient(self.url, **kwargs)

    def staff_client(self, role: str = "admin") -> SupportClient:
        """A client with a fresh staff key of ``role`` (admin, writer or agent)."""
        if role == "admin":
            key = self.admin_api_key
        else:
            made = run_cli(
                "keys",
                "create",
                "--data-dir",
                str(self.data_dir),
                "--role",
                role,
                "--app",
                self.app_id,
                "--json",
            )
            key = json.loads(made.stdout)["api_key"]
        return SupportClient(self.url, app_id=self.creds.get("app_id"), api_key=key)

    def __enter__(self) -> SupportServer:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@pytest.fixture(scope="session")
def support_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportServer]:
    """A real Support server for the whole test session."""
    data_dir = tmp_path_factory.mktemp("support") / "data"
    server = SupportServer.start_new(data_dir)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def support_client(support_server: SupportServer) -> Iterator[SupportClient]:
    """A client for the session's server."""
    with support_server.client() as client:
        yield client


@pytest.fixture
def support_user_token(support_server: SupportServer) -> Callable[..., str]:
    """Mint end-user tokens for the session server's app: ``support_user_token("42")``."""

    def mint(user_id: str = "test-user", **claims: Any) -> str:
        return mint_user_token(support_server.app_id, support_server.app_secret, user_id, **claims)

    return mint
