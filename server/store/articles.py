"""SQL for articles, their revisions, contexts, feedback and the search outbox."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
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


def _article(row: sqlite3.Row | None) -> dict[str, Any] | None:
    if row is None:
        return None
    article = dict(row)
    for name in _JSON_FIELDS:
        article[name] = json.loads(article[name])
    return article


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


def get_published(
    conn: sqlite3.Connection, app_id: str, slug: str, locales: Sequence[str]
) -> dict[str, Any] | None:
    """The published article for the first of ``locales`` that has a translation."""
    for locale in locales:
        row = conn.execute(
            "SELECT * FROM articles WHERE app_id = ? AND slug = ? AND locale = ?"
            " AND status = 'published'",
            (app_id, slug, locale),
        ).fetchone()
        if row is not None:
            return _article(row)
    return None


def get_by_ids(conn: sqlite3.Connection, ids: Iterable[int]) -> list[dict[str, Any]]:
    wanted = list(ids)
    found: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"SELECT * FROM articles WHERE id IN ({marks})", chunk).fetchall()
        found.extend(a for a in map(_article, rows) if a is not None)
    return found


def list_articles(
    conn: sqlite3.Connection,
    app_id: str,
    *,
    status: str | None = None,
    locale: str | None = None,
    category: str | None = None,
    after_id: int | None = None,
    limit: int = 50,
) -> list[dict[str, Any]]:
    clauses, params = ["app_id = ?"], [app_id]
    for column, value in (("status", status), ("locale", locale), ("category", category)):
        if value is not None:
            clauses.append(f"{column} = ?")
            params.append(value)
    if after_id is not None:
        clauses.append("id > ?")
        params.append(str(after_id))
    rows = conn.execute(
        f"SELECT * FROM articles WHERE {' AND '.join(clauses)} ORDER BY id LIMIT ?",
        (*params, limit),
    ).fetchall()
    return [a for a in map(_article, rows) if a is not None]


def iter_published(conn: sqlite3.Connection, batch: int = 500) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = conn.execute(
            "SELECT * FROM articles WHERE status = 'published' AND id > ? ORDER BY id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return
        for row in rows:
            article = _article(row)
            assert article is not None
            yield article
        last = rows[-1]["id"]


def count_published(conn: sqlite3.Connection) -> int:
    return int(
        conn.execute("SELECT count(*) FROM articles WHERE status = 'published'").fetchone()[0]
    )


def published_versions(conn: sqlite3.Connection) -> dict[int, int]:
    """article id -> revision, for every published article (to check the index against)."""
    rows = conn.execute("SELECT id, revision FROM articles WHERE status = 'published'")
    return {int(r[0]): int(r[1]) for r in rows}


def set_contexts(
    conn: sqlite3.Connection, article_id: int, app_id: str, contexts: Sequence[str]
) -> None:
    conn.execute("DELETE FROM article_contexts WHERE article_id = ?", (article_id,))
    conn.executemany(
        "INSERT OR IGNORE INTO article_contexts (article_id, app_id, context) VALUES (?, ?, ?)",
        [(article_id, app_id, c) for c in contexts],
    )


# -- help-center reads ---------------------------------------------------------------------
def published_with_contexts(
    conn: sqlite3.Connection, app_id: str, contexts: Sequence[str], locales: Sequence[str]
) -> list[dict[str, Any]]:
    """Published articles tagged with any of ``contexts``, each with the context it matched."""
    if not contexts or not locales:
        return []
    cmarks, lmarks = ",".join("?" * len(contexts)), ",".join("?" * len(locales))
    rows = conn.execute(
        "SELECT a.*, c.context AS matched FROM articles a"
        " JOIN article_contexts c ON c.article_id = a.id"
        f" WHERE c.app_id = ? AND c.context IN ({cmarks}) AND a.status = 'published'"
        f" AND a.locale IN ({lmarks})",
        (app_id, *contexts, *locales),
    ).fetchall()
    found = []
    for row in rows:
        article = _article(row)
        assert article is not None
        found.append(article)
    return found


def path_patterns(conn: sqlite3.Connection, app_id: str) -> list[tuple[int, str]]:
    rows = conn.execute(
        "SELECT c.article_id, c.context FROM article_contexts c JOIN articles a"
        " ON a.id = c.article_id WHERE c.app_id = ? AND c.context LIKE '/%'"
        " AND a.status = 'published'",
        (app_id,),
    ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows]


def popular(
    conn: sqlite3.Connection, app_id: str, locales: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    lmarks = ",".join("?" * len(locales))
    rows = conn.execute(
        f"SELECT * FROM articles WHERE app_id = ? AND status = 'published' AND locale IN ({lmarks})"
        " ORDER BY views + 3 * helpful_yes - 2 * helpful_no DESC, id LIMIT ?",
        (app_id, *locales, limit),
    ).fetchall()
    return [a for a in map(_article, rows) if a is not None]


def has_published(conn: sqlite3.Connection, app_id: str, locale: str) -> bool:
    """Whether the app has a published article in ``locale`` (one index seek)."""
    row = conn.execute(
        "SELECT 1 FROM articles WHERE app_id = ? AND status = 'published' AND locale = ? LIMIT 1",
        (app_id, locale),
    ).fetchone()
    return row is not None


def categories(conn: sqlite3.Connection, app_id: str, locale: str) -> list[tuple[str, int]]:
    rows = conn.execute(
        "SELECT category, count(*) FROM articles WHERE app_id = ? AND status = 'published'"
        " AND locale = ? AND category != '' GROUP BY category ORDER BY category",
        (app_id, locale),
    ).fetchall()
    return [(str(r[0]), int(r[1])) for r in rows]


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
