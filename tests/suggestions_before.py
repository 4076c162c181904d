"""Suggestions as they were answered before issue 18 ("Fast at any size"): the code of
``ArticleService.suggestions`` and of the store functions it called then, queries included.

It reads every published article it ranks, bodies included, and every URL-path context of
the app on each request. Kept as the reference the new code must agree with, answer for
answer (``tests/inprocess/test_suggestions_ranking.py``), and as the baseline it is timed
against (``benchmarks/suggestions_bench.py``).
"""

from __future__ import annotations

import fnmatch
import sqlite3
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from support_server.services.articles import context_chain
from support_server.services.locales import locale_chain
from support_server.store.articles import decode


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path or "/"
    return "/" + path.strip("/") if path != "/" else "/"


def _path_matches(pattern: str, path: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    pattern = "/" + pattern.strip("/") if pattern != "/" else "/"
    return path == pattern or (pattern != "/" and path.startswith(pattern + "/"))


def _popularity(article: dict[str, Any]) -> tuple[float]:
    return (-(article["views"] + 3 * article["helpful_yes"] - 2 * article["helpful_no"]),)


def _rows(conn: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[dict[str, Any]]:
    return [decode(r) for r in conn.execute(sql, params).fetchall()]


def popular(
    conn: sqlite3.Connection, app_id: str, locales: Sequence[str], limit: int
) -> list[dict[str, Any]]:
    """The most popular published articles, sorted whole by SQLite on each call."""
    lmarks = ",".join("?" * len(locales))
    return _rows(
        conn,
        f"SELECT * FROM articles WHERE app_id = ? AND status = 'published' AND locale IN ({lmarks})"
        " ORDER BY views + 3 * helpful_yes - 2 * helpful_no DESC, id LIMIT ?",
        (app_id, *locales, limit),
    )


def suggestions(
    conn: sqlite3.Connection,
    app_id: str,
    *,
    context: str | None,
    url: str | None,
    locale: str | None,
    limit: int,
) -> list[dict[str, Any]]:
    """Context key first (exact, then its parents), then URL path patterns, then popular."""
    locales = locale_chain(locale)
    ranked: list[tuple[tuple[float, ...], dict[str, Any]]] = []
    if context:
        chain = context_chain(context)
        if chain and locales:
            cmarks, lmarks = ",".join("?" * len(chain)), ",".join("?" * len(locales))
            for article in _rows(
                conn,
                "SELECT a.*, c.context AS matched FROM articles a"
                " JOIN article_contexts c ON c.article_id = a.id"
                f" WHERE c.app_id = ? AND c.context IN ({cmarks}) AND a.status = 'published'"
                f" AND a.locale IN ({lmarks})",
                (app_id, *chain, *locales),
            ):
                depth = chain.index(article["matched"])
                ranked.append(((0, depth, *_popularity(article)), article))
    path = _path_of(url)
    if path:
        patterns = conn.execute(
            "SELECT c.article_id, c.context FROM article_contexts c JOIN articles a"
            " ON a.id = c.article_id WHERE c.app_id = ? AND c.context LIKE '/%'"
            " AND a.status = 'published'",
            (app_id,),
        ).fetchall()
        ids = {(int(r[0]), len(str(r[1]))) for r in patterns if _path_matches(str(r[1]), path)}
        wanted = sorted({i for i, _ in ids})
        by_id: dict[int, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):  # under SQLite's limit of variables
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            for a in _rows(conn, f"SELECT * FROM articles WHERE id IN ({marks})", chunk):
                by_id[a["id"]] = a
        for article_id, length in ids:
            found = by_id.get(article_id)
            if found and found["locale"] in locales:
                ranked.append(((1, -length, *_popularity(found)), found))
    for article in popular(conn, app_id, locales, limit * 3):
        ranked.append(((2, 0, *_popularity(article)), article))
    ranked.sort(key=lambda pair: (pair[0], pair[1]["id"]))
    chosen: dict[str, dict[str, Any]] = {}
    for _, article in ranked:
        slug = article["slug"]
        current = chosen.get(slug)
        if current is None:
            if len(chosen) < limit:
                chosen[slug] = article
        elif locales.index(article["locale"]) < locales.index(current["locale"]):
            chosen[slug] = article  # the same article, better translated
    return [
        {k: a[k] for k in ("slug", "title", "summary", "category", "locale")}
        for a in chosen.values()
    ]
