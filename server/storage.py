"""The data directory's disk: telling "the disk is full" apart from other failures, and how
much room is left, for /health.

A full disk shows up as SQLite's SQLITE_FULL (or SQLITE_IOERR when a WAL write fails) or an
OSError ENOSPC/EDQUOT from a file write. Every such failure, however deep it was raised,
becomes one :class:`StorageFull` answer: 503 ``storage_full`` with Retry-After, which the
SDK and the widget retry later, never a generic 500 that they give up on.
"""

from __future__ import annotations

import errno
import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .errors import ApiError

RETRY_AFTER = 60
LOW_BYTES = 64 * 1024 * 1024  # "low" below this and below 10% of the filesystem
FULL_BYTES = 1024 * 1024
RECENT = 60.0  # a failed write keeps the storage "full" this long, unless room was freed since
_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
# SQLITE_FULL and SQLITE_IOERR (sqlite3 names these constants only from Python 3.11)
_FULL_SQLITE = {13, 10}


class StorageFull(ApiError):
    status, code = 503, "storage_full"

    def __init__(self) -> None:
        super().__init__(
            "the server's disk is full; nothing was saved, retry later",
            headers={"Retry-After": str(RETRY_AFTER)},
        )


def is_full(error: BaseException | None) -> bool:
    """Whether ``error``, or anything it was raised from, means the disk is full."""
    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, sqlite3.Error):
            code = getattr(error, "sqlite_errorcode", None)
            if code in _FULL_SQLITE or "disk is full" in str(error):
                return True
        if isinstance(error, OSError) and error.errno in _FULL_ERRNOS:
            return True
        error = error.__cause__ or error.__context__
        seen += 1
    return False


class StorageMonitor:
    """Room left where the data directory lives, and whether a write failed on it lately."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self._failed_at = 0.0
        self._free_then = 0
        self._lock = threading.Lock()

    def failed(self) -> None:
        """A write just failed for want of room."""
        free = shutil.disk_usage(self.data_dir).free
        with self._lock:
            self._failed_at, self._free_then = time.monotonic(), free

    def state(self) -> dict[str, Any]:
        usage = shutil.disk_usage(self.data_dir)
        with self._lock:
            recent = bool(self._failed_at) and time.monotonic() - self._failed_at < RECENT
            recent = recent and usage.free < self._free_then + FULL_BYTES
        if usage.free < FULL_BYTES or recent:
            status = "full"
        elif usage.free < LOW_BYTES and usage.free < usage.total / 10:
            status = "low"
        else:
            status = "ok"
        return {"status": status, "free_bytes": usage.free, "total_bytes": usage.total}
