"""The SQLite database: connections, transactions and schema migrations.

This class is the store interface the rest of the server uses: ``read()`` for a consistent
snapshot and ``write()`` for a transaction begun with ``BEGIN IMMEDIATE`` (so writers queue on
the busy timeout instead of failing half-way). A PostgreSQL store would implement the same two
context managers; the repository modules beside this one speak plain SQL over DB-API
connections.

Connections are per thread and per process: a connection opened before a fork is never used
after it (gunicorn workers each open their own).

Writers queue on a lock of their own before ``BEGIN IMMEDIATE``: a thread lock within the
process, then ``flock`` on ``<database>.writelock`` across processes. SQLite would serialise
them anyway, but its busy handler sleeps in growing steps (up to 100 ms) and wakes late; a
blocking ``flock`` hands the lock over the moment it is released, which cuts the tail latency
of concurrent ticket filing.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

BUSY_TIMEOUT_MS = 15_000
# Generated columns (migration 0018) came with SQLite 3.31 (January 2020).
MIN_SQLITE = (3, 31, 0)


class StoreError(Exception):
    """The database could not be opened or migrated."""


def _migrations() -> list[tuple[int, str]]:
    found = []
    for entry in resources.files("support_server").joinpath("migrations").iterdir():
        name = entry.name
        if name.endswith(".sql") and name[:4].isdigit():
            found.append((int(name[:4]), entry.read_text(encoding="utf-8")))
    return sorted(found)


class Database:
    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._writer = threading.Lock()
        self._lock_fd: tuple[int, int] | None = None  # (pid, fd)

    # -- connections -----------------------------------------------------------------------
    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=BUSY_TIMEOUT_MS / 1000,
            isolation_level=None,
            check_same_thread=True,
        )
        conn.row_factory = sqlite3.Row
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # FULL: a ticket the user was told about survives a power cut, not only a crash.
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn

    def connection(self) -> sqlite3.Connection:
        local = self._local
        conn = getattr(local, "conn", None)
        if conn is None or getattr(local, "pid", None) != os.getpid():
            conn = self._connect()
            local.conn = conn
            local.pid = os.getpid()
        return conn

    def close(self) -> None:
        conn = getattr(self._local, "conn", None)
        if conn is not None and getattr(self._local, "pid", None) == os.getpid():
            conn.close()
        self._local = threading.local()

    # -- transactions ----------------------------------------------------------------------
    def _writer_fd(self) -> int:
        pid = os.getpid()
        if self._lock_fd is None or self._lock_fd[0] != pid:
            fd = os.open(f"{self.path}.writelock", os.O_RDWR | os.O_CREAT, 0o600)
            self._lock_fd = (pid, fd)
        return self._lock_fd[1]

    @contextmanager
    def write(self) -> Iterator[sqlite3.Connection]:
        """A write transaction, committed (durably) when the block ends without error."""
        conn = self.connection()
        with self._writer:
            fd = self._writer_fd()
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    yield conn
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    @contextmanager
    def read(self) -> Iterator[sqlite3.Connection]:
        """A read transaction: every query in the block sees one snapshot."""
        conn = self.connection()
        if conn.in_transaction:  # nested inside write(): share it
            yield conn
            return
        conn.execute("BEGIN")
        try:
            yield conn
        finally:
            conn.execute("COMMIT")

    # -- schema ----------------------------------------------------------------------------
    def schema_version(self) -> int:
        return int(self.connection().execute("PRAGMA user_version").fetchone()[0])

    def migrate(self) -> int:
        """Bring the schema up to date in place; returns the version reached."""
        if sqlite3.sqlite_version_info < MIN_SQLITE:
            raise StoreError(
                f"SQLite {'.'.join(map(str, MIN_SQLITE))} or newer is needed; this Python has"
                f" {sqlite3.sqlite_version} (a newer Python, or pysqlite3, brings one)"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = self.connection()
            for version, script in _migrations():
                with self.write():
                    current = int(conn.execute("PRAGMA user_version").fetchone()[0])
                    if version <= current:
                        continue
                    for statement in _statements(script):
                        conn.execute(statement)
                    conn.execute(f"PRAGMA user_version = {version}")
            return self.schema_version()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"cannot open or migrate {self.path}: {exc}") from exc


class RelaxedDatabase(Database):
    """The same file for counters and logs on hot paths (searches, article views):
    ``synchronous = NORMAL``. In WAL mode a commit still survives a crash of the process; only
    a power cut can lose the last few rows, the right trade against an fsync per request."""

    def _connect(self) -> sqlite3.Connection:
        conn = super()._connect()
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn


def _statements(script: str) -> list[str]:
    # Migrations hold plain DDL without triggers, so splitting on ';' at line ends is exact
    # and keeps every statement inside the one transaction (executescript would commit).
    parts, current = [], []
    for line in script.splitlines():
        if line.strip().startswith("--"):
            continue
        current.append(line)
        if line.rstrip().endswith(";"):
            parts.append("\n".join(current).strip())
            current = []
    tail = "\n".join(current).strip()
    if tail:
        parts.append(tail)
    return [p for p in parts if p and p != ";"]
