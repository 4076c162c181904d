"""Running the app under gunicorn: several worker processes, each building its own app.

Slow and idle clients are buffered by each worker's event loop, never by a thread
(:mod:`support_server.http_worker`). Nothing is preloaded in the master: every worker opens
its own database connections and search index after the fork, as SQLite and Whoosh require.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(self, data_dir: Path, options: dict[str, Any], max_body: int) -> None:
        self.data_dir = data_dir
        self.options = options
        self.max_body = max_body  # read by http_worker.BufferingWorker
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from .app import create_app

        return create_app(data_dir=self.data_dir)


def serve_gunicorn(
    data_dir: Path, host: str, port: int, workers: int, timeout: int, max_body: int
) -> None:
    _Gunicorn(
        data_dir,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            # gthread, but a thread is given only whole requests (see http_worker).
            "worker_class": "support_server.http_worker.BufferingWorker",
            "threads": 4,
            "worker_connections": 1000,
            "timeout": timeout,
            "preload_app": False,
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
        },
        max_body,
    ).run()
