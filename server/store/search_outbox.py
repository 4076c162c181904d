"""SQL for the search outbox: each article change queues a row in the transaction that makes
it, and the indexer drains the rows into the Whoosh index (see services/indexing.py)."""

from __future__ import annotations

import sqlite3


def enqueue_index(conn: sqlite3.Connection, article_id: int, when: str) -> None:
    conn.execute(
        "INSERT INTO search_outbox (article_id, created_at) VALUES (?, ?)", (article_id, when)
    )


def outbox_batch(conn: sqlite3.Connection, limit: int) -> list[tuple[int, int]]:
    rows = conn.execute(
        "SELECT id, article_id FROM search_outbox ORDER BY id LIMIT ?", (limit,)
    ).fetchall()
    return [(int(r[0]), int(r[1])) for r in rows]


def outbox_size(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT count(*) FROM search_outbox").fetchone()[0])


def outbox_max_id(conn: sqlite3.Connection) -> int:
    return int(conn.execute("SELECT coalesce(max(id), 0) FROM search_outbox").fetchone()[0])


def outbox_delete_through(conn: sqlite3.Connection, max_id: int) -> None:
    conn.execute("DELETE FROM search_outbox WHERE id <= ?", (max_id,))
