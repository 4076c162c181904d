"""SQL for what readers may see: published articles only, for the help center's pages, the
widget's suggestions and categories, and the search index (which holds published articles).

A reader asks in a language; where several translations of a slug are published, the queries
take the first of the caller's ``locales`` (see services/locales.py). Drafts and archived
articles never come out of this module; the writers' lists are in :mod:`.article_listings`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from .articles import decode

_LISTED = (
    "id, public_id, slug, locale, title, summary, category, tags, contexts, views,"
    " helpful_yes, helpful_no, updated_at, published_at"
)


def _listed(row: sqlite3.Row) -> dict[str, Any]:
    item = decode(row)
    item.pop("pick", None)
    return item


# -- one article and the help center's pages -----------------------------------------------
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
            return decode(row)
    return None


def best_translations(
    conn: sqlite3.Connection,
    app_id: str,
    locales: Sequence[str],
    category: str | None = None,
) -> list[dict[str, Any]]:
    """Each published slug once, in the first of ``locales`` it exists in (no bodies)."""
    marks = ",".join("?" * len(locales))
    rank = " ".join(f"WHEN ? THEN {n}" for n in range(len(locales)))
    where, params = "", []
    if category is not None:
        where, params = " WHERE category = ?", [category]
    rows = conn.execute(
        f"SELECT * FROM (SELECT {_LISTED}, row_number() OVER (PARTITION BY slug"
        f" ORDER BY CASE locale {rank} END) AS pick FROM articles"
        f" WHERE app_id = ? AND status = 'published' AND locale IN ({marks}))"
        f" {'WHERE pick = 1' if not where else where + ' AND pick = 1'}"
        " ORDER BY views + 3 * helpful_yes - 2 * helpful_no DESC, title",
        (*locales, app_id, *locales, *params),
    ).fetchall()
    return [_listed(r) for r in rows]


def locales(conn: sqlite3.Connection, app_id: str) -> list[str]:
    rows = conn.execute(
        "SELECT DISTINCT locale FROM articles WHERE app_id = ? AND status = 'published'",
        (app_id,),
    ).fetchall()
    return [str(r[0]) for r in rows]


def sitemap(conn: sqlite3.Connection, app_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT slug, locale, category, updated_at FROM articles WHERE app_id = ?"
        " AND status = 'published' ORDER BY slug, locale",
        (app_id,),
    ).fetchall()
    return [dict(r) for r in rows]


# -- the widget: suggestions for where the user is, categories ----------------------------
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
    return [decode(r) for r in rows]


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
    return [decode(r) for r in rows]


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


# -- the search index: every app's published articles ------------------------------------
def iter_published(conn: sqlite3.Connection, batch: int = 500) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = conn.execute(
            "SELECT * FROM articles WHERE status = 'published' AND id > ? ORDER BY id LIMIT ?",
            (last, batch),
        ).fetchall()
        if not rows:
            return
        yield from map(decode, rows)
        last = rows[-1]["id"]


def count_published(conn: sqlite3.Connection) -> int:
    return int(
        conn.execute("SELECT count(*) FROM articles WHERE status = 'published'").fetchone()[0]
    )


def published_versions(conn: sqlite3.Connection) -> dict[int, int]:
    """article id -> revision, for every published article (to check the index against)."""
    rows = conn.execute("SELECT id, revision FROM articles WHERE status = 'published'")
    return {int(r[0]): int(r[1]) for r in rows}
