"""The data directory: database, search index, server secret and config, in one folder."""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .errors import ApiError

DATABASE = "support.db"
INDEX = "index"
INDEX_LOCK = "index.lock"
RATE_LIMITS = "ratelimit.db"
SERVER_SECRET = "server-secret.json"  # noqa: S105 - a file name


class NotInitialised(ApiError):
    status, code = 503, "not_initialised"


def paths(data_dir: Path) -> dict[str, Path]:
    return {
        "database": data_dir / DATABASE,
        "index": data_dir / INDEX,
        "index_lock": data_dir / INDEX_LOCK,
        "rate_limits": data_dir / RATE_LIMITS,
        "server_secret": data_dir / SERVER_SECRET,
    }


def write_server_secret(data_dir: Path) -> None:
    path = paths(data_dir)["server_secret"]
    if path.exists():
        return
    data_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump({"secrets": [secrets.token_urlsafe(32)]}, handle)


def read_server_secrets(data_dir: Path) -> Sequence[str]:
    path = paths(data_dir)["server_secret"]
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8"))
        values = data["secrets"]
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise ValueError("secrets must be a non-empty list of strings")
        return [str(v) for v in values]
    except FileNotFoundError:
        raise NotInitialised(
            f"{data_dir} is not initialised; run: support-server init --data-dir {data_dir}"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise NotInitialised(f"{path} is damaged: {exc}") from None
