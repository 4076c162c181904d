"""The server's notion of now, in one place so tests can pin it.

:func:`pinned` sets now for the code it wraps, in this thread only: the demo uses it to file
its sample tickets and searches through the ordinary services, back-dated over two weeks.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone

# A context variable, not a module global: a pinned clock never leaks to other threads.
_pinned: ContextVar[float | None] = ContextVar("support_server_pinned_now", default=None)


def now() -> float:
    pinned = _pinned.get()
    return time.time() if pinned is None else pinned


@contextmanager
def pinned(ts: float) -> Iterator[None]:
    """Within the block, :func:`now` answers ``ts``."""
    token = _pinned.set(ts)
    try:
        yield
    finally:
        _pinned.reset(token)


def iso(ts: float | None = None) -> str:
    """UTC ISO 8601 with milliseconds and a Z, sortable as text."""
    moment = datetime.fromtimestamp(now() if ts is None else ts, tz=timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def parse_iso(value: str) -> float:
    """The UNIX time of an :func:`iso` string."""
    moment = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return moment.timestamp()
