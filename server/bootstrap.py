"""Opening and setting up a data directory, for every command that works on one (the CLI, the
demo): a small module of its own so that neither reaches into the other.

Failures are :class:`SetupError` with the sentence to show the operator; the CLI turns them
into its own error messages.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import datadir
from .config import ConfigError, load_config
from .errors import ApiError
from .runtime import Runtime
from .services import apps as app_service
from .store import Database, StoreError


class SetupError(Exception):
    """The data directory cannot be opened or set up; the message says why."""


def open_runtime(data_dir: Path) -> Runtime:
    """The runtime of an initialised data directory, its database migrated."""
    try:
        rt = Runtime.build(load_config(data_dir))
        rt.db.migrate()
    except (ConfigError, StoreError) as exc:
        raise SetupError(str(exc)) from None
    except ApiError as exc:
        raise SetupError(exc.message) from None
    return rt


def initialise(
    data_dir: Path, origins: Sequence[str] = (), name: str = "Default app"
) -> dict[str, Any]:
    """Create the data directory, its database and first app; returns the credentials."""
    if (data_dir / datadir.DATABASE).exists():
        raise SetupError(f"{data_dir} is already initialised (remove it to start over)")
    data_dir.mkdir(parents=True, exist_ok=True)
    datadir.write_server_secret(data_dir)
    db = Database(data_dir / datadir.DATABASE)
    db.migrate()
    try:
        app = app_service.create_app(db, name, origins)
    except ApiError as exc:
        raise SetupError(exc.message) from None
    raw_key, _ = app_service.create_key(db, app["id"], "admin", "initial admin key")
    rt = open_runtime(data_dir)
    rt.indexer.rebuild()
    return {
        "app_id": app["id"],
        "app_secret": app["secrets"][-1],
        "admin_api_key": raw_key,
        "origins": app["origins"],
        "data_dir": str(data_dir),
    }
