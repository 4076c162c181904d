"""Rate limits shared by every worker process, kept in a small SQLite file.

The well-known limiters (flask-limiter over ``limits``) keep counters in process memory or
in Redis/Memcached; a self-hosted product that starts with one command has neither, and
in-memory counters would let N gunicorn workers allow N times the limit. This is GCRA (the
generic cell rate algorithm): one "theoretical arrival time" per key, updated in one short
``BEGIN IMMEDIATE`` transaction, which gives exact Retry-After values. The file is a cache:
``synchronous=OFF``, and losing it only forgets recent counts.
"""

from __future__ import annotations

import logging
import math
import os
import re
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from . import clock

log = logging.getLogger("support_server.ratelimit")

_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}
# Times are floats of ~1.7e9 s, and a burst adds ``interval`` to them ``count`` times: the
# rounding error would refuse the last request of a full burst by a few nanoseconds. A request
# a millisecond early is, for any rate this server has, simply on time.
_TOLERANCE = 1e-3
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
        """Count one request; returns 0 if allowed, else the seconds to wait.

        The counters are a cache: if their file cannot be used (locked for longer than the
        timeout, damaged), the request is allowed and the failure logged, so that filing a
        ticket never fails because of a rate-limit counter.
        """
        if not self.enabled:
            return 0
        try:
            return self._hit(key, rate)
        except sqlite3.Error as exc:
            log.error("rate limits unavailable (%s: %s); request allowed", self.path, exc)
            self._drop_conn()  # reconnect next time
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
