"""The server's notion of now, in one place so tests can pin it."""

from __future__ import annotations

import time
from datetime import datetime, timezone


def now() -> float:
    return time.time()


def iso(ts: float | None = None) -> str:
    """UTC ISO 8601 with milliseconds and a Z, sortable as text."""
    moment = datetime.fromtimestamp(now() if ts is None else ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    """The UNIX time of an :func:`iso` string."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return moment.timestamp()
