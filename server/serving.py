"""Serving the app: in one process with a thread per request (`support-server run`, the demo),
or under gunicorn with several worker processes (`support-server serve`).

The threaded server is werkzeug's, made directly rather than through ``Flask.run``, so it
prints no "development server" banner: the caller prints the one URL that matters. Under
gunicorn, slow and idle clients are buffered by each worker's event loop, never by a thread
(:mod:`support_server.http_worker`), and nothing is preloaded in the master: every worker opens
its own database connections and search index after the fork, as SQLite and Whoosh require.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

from .config import Config


class _ErrorsOnly(WSGIRequestHandler):
    """Logs what goes wrong, not a line per request (the widget alone makes dozens)."""

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


def threaded_server(app: Flask, host: str, port: int, *, log_requests: bool) -> BaseWSGIServer:
    """A bound, not yet serving, server; ``serve_forever()`` returns on Ctrl+C.

    Port 0 picks a free port: read the real one from ``server_port``.
    """
    handler = WSGIRequestHandler if log_requests else _ErrorsOnly
    return make_server(host, port, app, threaded=True, request_handler=handler)


class _Arbiter(Arbiter):  # type: ignore[misc]
    """gunicorn's arbiter, which says when it starts to stop (a SIGTERM, Ctrl+C): the job
    worker beside it then stops with the web workers, instead of being started again."""

    def stop(self, graceful: bool = True) -> None:
        self.app.on_stop()
        super().stop(graceful)


class _Gunicorn(BaseApplication):  # type: ignore[misc]
    def __init__(
        self,
        data_dir: Path,
        options: dict[str, Any],
        max_body: int,
        large_bodies: Mapping[str, int],
        on_stop: Callable[[], None],
    ) -> None:
        self.data_dir = data_dir
        self.options = options
        self.max_body = max_body  # read by http_worker.BufferingWorker
        self.large_bodies = large_bodies  # likewise
        self.on_stop = on_stop  # called by _Arbiter
        super().__init__()

    def run(self) -> None:
        try:
            _Arbiter(self).run()
        except RuntimeError as e:  # as BaseApplication.run: a bad bind address, say
            raise SystemExit(f"\nError: {e}\n") from None

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Flask:
        from .app import create_app

        # The arbiter prepared the index before forking us (cli.serve): not once a worker.
        return create_app(data_dir=self.data_dir, prepare_index=False)


def large_bodies(config: Config) -> dict[str, int]:
    """The paths that take more than ``SUPPORT_MAX_BODY_BYTES``, with their limits (the views
    check the exact limit again; the serving loop must only not refuse them first)."""
    from .services.inbound import MAX_RAW
    from .web.admin.articles import EDITOR_BODY_LIMIT

    room = 64 * 1024  # a form's fields and multipart envelope around the file
    files = int(config["SUPPORT_MAX_ATTACHMENT_BYTES"]) + room
    return {
        "/api/v1/uploads": files,
        "/api/v1/inbound/": MAX_RAW,
        "/admin/tickets/": files,  # an agent's reply with files
        "/admin/media": int(config["SUPPORT_MAX_IMAGE_BYTES"]) + room,
        "/admin/articles": EDITOR_BODY_LIMIT,
    }


def serve_gunicorn(
    data_dir: Path,
    host: str,
    port: int,
    workers: int,
    timeout: int,
    max_body: int,
    large: Mapping[str, int] | None = None,
    on_stop: Callable[[], None] = lambda: None,
) -> None:
    """Serve until stopped; ``on_stop`` is called in this (the arbiter's) process as soon as
    stopping begins. Returns only in this process: the forked web workers exit on their own."""
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
        large or {},
        on_stop,
    ).run()
