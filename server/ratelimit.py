"""Rate limits shared by every worker process, kept in a small SQLite file.

The well-known limiters (flask-limiter over ``limits``) keep counters in process memory or
in Redis/Memcached; a self-hosted product that starts with one command has neither, and
in-memory counters would let N gunicorn workers allow N times the limit. This is GCRA (the
generic cell rate algorithm): one "theoretical arrival time" per key, updated in one short
``BEGIN IMMEDIATE`` transaction, which gives exact Retry-After values. The file is a cache:
``synchronous=OFF``, and losing it only forgets recent counts.

When the file cannot be written (a full disk, a damaged file), the limits still apply: the
same algorithm runs on counters in this process's memory until the file works again. That is
looser by the number of workers, never unlimited, and never refuses a request because a
counter could not be stored.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sqlite3
import threading
from collections import OrderedDict
from dataclasses import dataclass
from pathlib import Path

from . import clock

log = logging.getLogger("support_server.ratelimit")

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
# Times are floats of ~1.7e9 s, and a burst adds ``interval`` to them ``count`` times: the
# rounding error would refuse the last request of a full burst by a few nanoseconds. A request
# a millisecond early is, for any rate this server has, simply on time.
_TOLERANCE = 1e-3
_MEMORY_KEYS = 10_000  # counters kept in memory while the file is unusable (oldest dropped)
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(second|minute|hour|day)s?\s*$")


@dataclass(frozen=True)
class Rate:
    count: int
    period: int

    @property
    def interval(self) -> float:
        return self.period / self.count


def parse_rate(text: str) -> Rate:
    """'120/minute' -> Rate(120, 60)."""
    match = _RATE.match(text)
    if not match or int(match.group(1)) <= 0:
        raise ValueError(
            "use COUNT/PERIOD with PERIOD second, minute, hour or day, e.g. 120/minute"
        )
    return Rate(int(match.group(1)), _PERIODS[match.group(2)])


class RateLimiter:
    def __init__(self, path: str | os.PathLike[str], enabled: bool = True) -> None:
        self.path = Path(path)
        self.enabled = enabled
        self._local = threading.local()
        self._memory: OrderedDict[str, float] = OrderedDict()
        self._memory_lock = threading.Lock()
        self._degraded = False

    def _conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None or getattr(self._local, "pid", None) != os.getpid():
            conn = sqlite3.connect(self.path, timeout=10, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = OFF")
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS buckets (key TEXT PRIMARY KEY, tat REAL NOT NULL)"
                )
            except sqlite3.Error:
                conn.close()
                raise
            self._local.conn, self._local.pid = conn, os.getpid()
        return conn

    def _drop_conn(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local.conn = None

    def hit(self, key: str, rate: Rate) -> int:
        """Count one request; returns 0 if allowed, else the seconds to wait."""
        if not self.enabled:
            return 0
        try:
            wait = self._hit(key, rate)
        except sqlite3.Error as exc:
            if not self._degraded:
                log.error(
                    "rate limit counters unavailable (%s: %s); counting in memory", self.path, exc
                )
                self._degraded = True
            self._drop_conn()  # reconnect next time
            return self._hit_memory(key, rate)
        if self._degraded:
            log.warning("rate limit counters are back in %s", self.path)
            self._degraded = False
        return wait

    def blocked(self, key: str, rate: Rate) -> int:
        """Seconds until ``key`` may be counted again (0: not over its limit); counts nothing."""
        if not self.enabled:
            return 0
        now = clock.now()
        try:
            row = self._conn().execute("SELECT tat FROM buckets WHERE key = ?", (key,)).fetchone()
            tat = row[0] if row else now
        except sqlite3.Error:
            self._drop_conn()
            with self._memory_lock:
                tat = self._memory.get(key, now)
        allowed_at = max(tat, now) + rate.interval - rate.period
        return (
            max(1, math.ceil(allowed_at - now - _TOLERANCE)) if allowed_at - now > _TOLERANCE else 0
        )

    @property
    def degraded(self) -> bool:
        """Whether the last request was counted in memory (the shared file failed)."""
        return self._degraded

    def _hit_memory(self, key: str, rate: Rate) -> int:
        now = clock.now()
        with self._memory_lock:
            tat = max(self._memory.get(key, now), now)
            allowed_at = tat + rate.interval - rate.period
            if allowed_at - now > _TOLERANCE:
                return max(1, math.ceil(allowed_at - now - _TOLERANCE))
            self._memory[key] = tat + rate.interval
            self._memory.move_to_end(key)
            while len(self._memory) > _MEMORY_KEYS:
                self._memory.popitem(last=False)
            return 0

    def _hit(self, key: str, rate: Rate) -> int:
        now = clock.now()
        burst = rate.period  # the whole allowance may be used at once, then it refills evenly
        conn = self._conn()
        conn.execute("BEGIN IMMEDIATE")
        try:
            row = conn.execute("SELECT tat FROM buckets WHERE key = ?", (key,)).fetchone()
            tat = max(row[0] if row else now, now)
            allowed_at = tat + rate.interval - burst
            if allowed_at - now > _TOLERANCE:
                conn.execute("COMMIT")
                return max(1, math.ceil(allowed_at - now - _TOLERANCE))
            conn.execute(
                "INSERT INTO buckets (key, tat) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET tat = excluded.tat",
                (key, tat + rate.interval),
            )
            conn.execute("COMMIT")
            return 0
        except BaseException:
            conn.execute("ROLLBACK")
            raise
