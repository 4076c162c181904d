"""Schema migrations upgrade an existing database in place and keep its data."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path

from support_server.store import Database


def test_an_old_database_is_upgraded_in_place(tmp_path: Path) -> None:
    path = tmp_path / "support.db"
    first = resources.files("support_server").joinpath("migrations/0001_initial.sql").read_text()
    conn = sqlite3.connect(path)
    conn.executescript(first)
    conn.execute("PRAGMA user_version = 1")
    conn.execute(
        "INSERT INTO apps (id, name, secrets, created_at) VALUES ('app_1', 'Old', "
        "'[\"s\"]', '2026-01-01T00:00:00.000Z')"
    )
    conn.commit()
    conn.close()

    db = Database(path)
    version = db.migrate()
    assert version >= 2
    with db.read() as read:
        assert read.execute("SELECT name FROM apps").fetchone()[0] == "Old"
        indexes = {r[0] for r in read.execute("SELECT name FROM sqlite_master WHERE type='index'")}
    assert "articles_by_app_status" in indexes
    assert db.migrate() == version  # running again changes nothing


def test_a_fresh_database_gets_wal_and_foreign_keys(tmp_path: Path) -> None:
    db = Database(tmp_path / "support.db")
    db.migrate()
    conn = db.connection()
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert conn.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_a_write_that_fails_leaves_nothing_behind(tmp_path: Path) -> None:
    db = Database(tmp_path / "support.db")
    db.migrate()
    try:
        with db.write() as conn:
            conn.execute(
                "INSERT INTO apps (id, name, secrets, created_at) VALUES "
                "('app_1', 'x', '[]', 'now')"
            )
            raise RuntimeError("crash mid-transaction")
    except RuntimeError:
        pass
    with db.read() as conn:
        assert conn.execute("SELECT count(*) FROM apps").fetchone()[0] == 0


def test_idempotency_keys_are_forgotten_after_a_day(tmp_path: Path, monkeypatch: object) -> None:
    from support_server import clock
    from support_server.services import idempotency

    db = Database(tmp_path / "support.db")
    db.migrate()
    status, _, replayed = idempotency.run_once(db, "app", "user:1", "k1", "f", lambda c: (201, {}))
    assert (status, replayed) == (201, False)
    assert idempotency.purge_expired(db) == 0
    later = clock.now() + idempotency.KEEP_FOR + 1
    monkeypatch.setattr(clock, "now", lambda: later)  # type: ignore[attr-defined]
    assert idempotency.purge_expired(db) == 1
