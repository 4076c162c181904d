"""SQL for article rows by their keys: insert, update, fetch by id, public id or slug, an
article's contexts, its view and helpful counters (and the feedback behind them).

Queries over many articles live beside this module, grouped by who may see what they return:
:mod:`.article_listings` (every status: the writers' lists, facets, translations) and
:mod:`.published_articles` (published only: the help center, suggestions and the search index).
Revisions and the search outbox have their own modules (:mod:`.revisions`, :mod:`.search_outbox`).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

_JSON_FIELDS = ("tags", "contexts")
_COLUMNS = (
    "title",
    "body",
    "summary",
    "category",
    "tags",
    "contexts",
    "status",
    "revision",
    "author",
    "updated_at",
    "published_at",
    "slug",
    "locale",
)


def decode(row: sqlite3.Row) -> dict[str, Any]:
    """An article (or some of its columns) as a dict, its JSON lists decoded."""
    article = dict(row)
    for name in _JSON_FIELDS:
        if name in article:
            article[name] = json.loads(article[name])
    return article


def _article(row: sqlite3.Row | None) -> dict[str, Any] | None:
    return None if row is None else decode(row)


def _encode(name: str, value: Any) -> Any:
    return json.dumps(value) if name in _JSON_FIELDS else value


def insert_article(conn: sqlite3.Connection, article: dict[str, Any]) -> int:
    cur = conn.execute(
        "INSERT INTO articles (public_id, app_id, slug, locale, title, body, summary, category,"
        " tags, contexts, status, revision, author, created_at, updated_at, published_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            article["public_id"],
            article["app_id"],
            article["slug"],
            article["locale"],
            article["title"],
            article["body"],
            article["summary"],
            article["category"],
            json.dumps(article["tags"]),
            json.dumps(article["contexts"]),
            article["status"],
            article["revision"],
            article["author"],
            article["created_at"],
            article["updated_at"],
            article["published_at"],
        ),
    )
    return int(cur.lastrowid or 0)


def update_article(conn: sqlite3.Connection, article_id: int, fields: dict[str, Any]) -> None:
    names = [n for n in fields if n in _COLUMNS]
    if not names:
        return
    assignments = ", ".join(f"{n} = ?" for n in names)
    values = [_encode(n, fields[n]) for n in names]
    conn.execute(f"UPDATE articles SET {assignments} WHERE id = ?", (*values, article_id))


def get_by_public_id(
    conn: sqlite3.Connection, app_id: str, public_id: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM articles WHERE app_id = ? AND public_id = ?", (app_id, public_id)
    ).fetchone()
    return _article(row)


def get_by_slug(
    conn: sqlite3.Connection, app_id: str, slug: str, locale: str
) -> dict[str, Any] | None:
    row = conn.execute(
        "SELECT * FROM articles WHERE app_id = ? AND slug = ? AND locale = ?",
        (app_id, slug, locale),
    ).fetchone()
    return _article(row)


def get_by_ids(conn: sqlite3.Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    wanted = list(ids)
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", chunk).fetchall()
        found.extend(a for a in map(_article, rows) if a is not None)
    return found


def set_contexts(
    conn: sqlite3.Connection, article_id: int, app_id: str, contexts: Sequence[str]
) -> None:
    conn.execute("DELETE FROM article_contexts WHERE article_id = ?", (article_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO article_contexts (article_id, app_id, context) VALUES (?, ?, ?)",
        [(article_id, app_id, c) for c in contexts],
    )


def record_view(conn: sqlite3.Connection, article_id: int) -> None:
    conn.execute("UPDATE articles SET views = views + 1 WHERE id = ?", (article_id,))


def insert_feedback(
    conn: sqlite3.Connection,
    article_id: int,
    helpful: bool,
    comment: str,
    requester: str,
    when: str,
) -> None:
    conn.execute(
        "INSERT INTO article_feedback (article_id, helpful, comment, requester, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (article_id, int(helpful), comment, requester, when),
    )
    column = "helpful_yes" if helpful else "helpful_no"
    conn.execute(f"UPDATE articles SET {column} = {column} + 1 WHERE id = ?", (article_id,))
