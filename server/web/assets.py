"""Static files under /static with a content hash in the URL, so browsers revalidate them only
when they change (Flask serves them with an ETag)."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, url_for


@cache
def _digest(path: Path, mtime: float) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:10]


def asset_url(name: str) -> str:
    folder = Path(current_app.static_folder or "")
    path = folder / name
    version = _digest(path, path.stat().st_mtime) if path.is_file() else "missing"
    return url_for("static", filename=name, v=version)
