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
# Suggestions rank candidates by what these return (id, slug, locale, popularity: never a
# body, nor even a title), then read what they show for the few they chose (``summaries``).
def context_candidates(
    conn: sqlite3.Connection, app_id: str, contexts: Sequence[str], locales: Sequence[str]
) -> list[sqlite3.Row]:
    """Published articles in one of ``locales`` tagged with any of ``contexts``: id, slug,
    locale, popularity and the context they matched (``matched``), once per context."""
    if not contexts or not locales:
        return []
    cmarks, lmarks = ",".join("?" * len(contexts)), ",".join("?" * len(locales))
    return conn.execute(
        "SELECT a.id, a.slug, a.locale, a.popularity, c.context AS matched"
        " FROM article_contexts c CROSS JOIN articles a ON a.id = c.article_id"
        f" WHERE c.app_id = ? AND c.context IN ({cmarks}) AND a.status = 'published'"
        f" AND a.locale IN ({lmarks})",
        (app_id, *contexts, *locales),
    ).fetchall()


def path_candidates(
    conn: sqlite3.Connection, app_id: str, keys: Sequence[str], locales: Sequence[str]
) -> list[sqlite3.Row]:
    """Published articles in one of ``locales`` with a URL-path context under one of ``keys``
    (migration 0018: ``/invoices/`` is under ``/invoices``, ``/invoices/*/edit`` under
    ``*/invoices/``): id, slug, locale, popularity and that context (``pattern``), once per
    context. The patterns that may match a path, for the caller to match one by one: one
    index seek a key, however many patterns the app has."""
    wanted = list(dict.fromkeys(keys))
    found: list[sqlite3.Row] = []
    lmarks = ",".join("?" * len(locales))
    for start in range(0, len(wanted) if locales else 0, _KEYS_A_QUERY):
        chunk = wanted[start : start + _KEYS_A_QUERY]
        found += conn.execute(
            "SELECT a.id, a.slug, a.locale, a.popularity, c.context AS pattern"
            " FROM article_contexts c CROSS JOIN articles a ON a.id = c.article_id"
            f" WHERE c.app_id = ? AND c.path_key IN ({','.join('?' * len(chunk))})"
            f" AND a.status = 'published' AND a.locale IN ({lmarks})",
            (app_id, *chunk, *locales),
        ).fetchall()
    return found


# A long URL has many parents: their keys go in chunks, under the 999 variables a statement
# that SQLite allowed before 3.32.
_KEYS_A_QUERY = 400


def popular(
    conn: sqlite3.Connection, app_id: str, locales: Sequence[str], limit: int
) -> list[sqlite3.Row]:
    """The ``limit`` most popular published articles in any of ``locales``, most popular first
    (then by id): id, slug, locale and popularity, from the first ``limit`` entries of the
    popularity index for each locale."""
    found: list[sqlite3.Row] = []
    for locale in dict.fromkeys(locales):
        found += conn.execute(
            "SELECT id, slug, locale, popularity FROM articles WHERE app_id = ?"
            " AND status = 'published' AND locale = ? ORDER BY popularity DESC, id LIMIT ?",
            (app_id, locale, limit),
        ).fetchall()
    if len(locales) > 1:
        found.sort(key=lambda row: (-row["popularity"], row["id"]))
    return found[:limit]


def translations(
    conn: sqlite3.Connection, app_id: str, slugs: Sequence[str], locales: Sequence[str]
) -> list[sqlite3.Row]:
    """The published translations of ``slugs`` in any of ``locales``: id, slug, locale (by
    the (app, slug, locale) key: the unary ``+`` keeps SQLite from reading the status and
    popularity index instead, every published article in those locales)."""
    if not slugs or not locales:
        return []
    smarks, lmarks = ",".join("?" * len(slugs)), ",".join("?" * len(locales))
    return conn.execute(
        f"SELECT id, slug, locale FROM articles WHERE app_id = ? AND slug IN ({smarks})"
        f" AND locale IN ({lmarks}) AND +status = 'published'",
        (app_id, *slugs, *locales),
    ).fetchall()


def contexts_of(
    conn: sqlite3.Connection,
    article_ids: Sequence[int],
    *,
    contexts: Sequence[str] = (),
    path_keys: Sequence[str] = (),
) -> list[tuple[int, str]]:
    """(article id, context) for the given articles' contexts among ``contexts`` and their
    URL-path contexts under ``path_keys`` (see :func:`path_candidates`): for a few articles,
    whose contexts are read whole."""
    if not article_ids or not (contexts or path_keys):
        return []
    tags, keys = set(contexts), set(path_keys)
    rows = conn.execute(
        "SELECT article_id, context, path_key FROM article_contexts"
        f" WHERE article_id IN ({','.join('?' * len(article_ids))})",
        tuple(article_ids),
    ).fetchall()
    return [(int(r[0]), str(r[1])) for r in rows if r[1] in tags or r[2] in keys]


def summaries(conn: sqlite3.Connection, ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    """What a suggestion shows of each of the articles ``ids``, by id: slug, title, summary,
    category, locale."""
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT id, slug, title, summary, category, locale FROM articles WHERE id IN ({marks})",
        tuple(ids),
    ).fetchall()
    return {int(r["id"]): {k: r[k] for k in _SUMMARY} for r in rows}


_SUMMARY = ("slug", "title", "summary", "category", "locale")


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
