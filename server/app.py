"""The application factory."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from typing import Any

from flask import Flask

from . import api, web, widget
from .config import Config, load_config
from .runtime import Runtime
from .services import idempotency


def create_app(
    config: Config | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    prepare_index: bool = True,
) -> Flask:
    """Build a server for one data directory.

    ``prepare_index`` checks the search index at start and rebuilds a missing, damaged or
    stale one from the database (the CLI turns it off for commands that do not serve).
    """
    config = config or load_config(data_dir, overrides)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config["SUPPORT_MAX_BODY_BYTES"]
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False  # type: ignore[attr-defined]
    logging.getLogger("support_server").setLevel(config["SUPPORT_LOG_LEVEL"])
    rt = Runtime.build(config)
    rt.db.migrate()
    app.extensions["support"] = rt
    api.register(app)
    widget.register(app)
    web.register(app)
    if prepare_index:
        prepare(rt)
    return app


def prepare(rt: Runtime, progress: Callable[[int, int], None] | None = None) -> None:
    """What a server does once before serving: bring the search index up to date (rebuilt
    if missing, damaged or of another format; ``progress(done, total)`` hears of a rebuild)
    and drop expired idempotency keys. ``serve`` does it in the arbiter, before forking its
    web workers, instead of in each of them."""
    rt.indexer.ensure_ready(progress)
    idempotency.purge_expired(rt.db)
