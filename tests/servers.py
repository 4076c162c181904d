"""Real servers for tests; the same helpers integrators get from ``support_sdk.testing``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests

from support_sdk.testing import SupportServer as ServerProcess
from support_sdk.testing import create_staff_key, free_port, init_data_dir
from support_sdk.testing import run_cli as cli

__all__ = [
    "ServerProcess",
    "cli",
    "create_staff_key",
    "free_port",
    "init_data_dir",
    "running_demo",
    "uvicorn_serving",
]


@contextmanager
def running_demo(data_dir: Path, port: int, log: Path) -> Iterator[str]:
    """`support-server demo` (what `make run` runs) on ``port``, for real; yields its URL."""
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
        while True:
            try:
                if requests.get(f"{url}/api/v1/health", timeout=1).ok:
                    break
            except requests.ConnectionError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(log.read_text(errors="replace"))
            time.sleep(0.1)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)


@contextmanager
def uvicorn_serving(app: Any, port: int | None = None) -> Iterator[str]:
    """A real uvicorn serving the ASGI ``app`` on 127.0.0.1 (in a thread of this process, its
    lifespan run); yields its URL."""
    import uvicorn

    port = port or free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=20)
