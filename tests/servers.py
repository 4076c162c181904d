"""Real servers for tests: `support-server run` or `serve` in a subprocess on 127.0.0.1."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import requests

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def init_data_dir(data_dir: Path, *origins: str) -> dict[str, Any]:
    """`support-server init --json`, for real; returns the credentials it printed."""
    args = [str(BIN / "support-server"), "init", "--data-dir", str(data_dir), "--json"]
    for origin in origins:
        args += ["--origin", origin]
    done = subprocess.run(args, capture_output=True, text=True, check=True, timeout=60)
    creds: dict[str, Any] = json.loads(done.stdout)
    return creds


def cli(
    *args: str, env: Mapping[str, str] | None = None, check: bool = True, timeout: float = 120
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "support-server"), *args],
        capture_output=True,
        text=True,
        check=check,
        timeout=timeout,
        env={**os.environ, **(env or {})},
    )


class ServerProcess:
    """A running server; ``mode`` is 'run' (threads) or 'serve' (gunicorn workers)."""

    def __init__(
        self,
        data_dir: Path,
        *,
        mode: str = "run",
        workers: int = 2,
        env: Mapping[str, str] | None = None,
    ) -> None:
        self.data_dir = data_dir
        self.mode = mode
        self.workers = workers
        self.env = {"SUPPORT_RATE_LIMITS_ENABLED": "false", **(env or {})}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir.parent / f"server-{self.port}.log"

    def start(self, timeout: float = 60) -> ServerProcess:
        args = [
            str(BIN / "support-server"),
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
                raise RuntimeError(f"server exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).status_code == 200:
                    return self
            except requests.ConnectionError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"server did not start: {self.log.read_text()[-3000:]}")

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
        """SIGKILL the whole process group: no clean shutdown of anything."""
        self.stop(signal.SIGKILL)

    def __enter__(self) -> ServerProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
