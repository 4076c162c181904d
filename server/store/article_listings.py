"""SQL for lists of articles in any status, which only writers see: the API's cursor list,
the editor's filtered pages and facets, and the translations of one slug (the help center
asks for the published ones only). What readers see is in :mod:`.published_articles`."""

from __future__ import annotations

import sqlite3
from typing import Any

from .articles import decode

_LISTED = (
    "a.id, a.public_id, a.slug, a.locale, a.title, a.summary, a.category, a.tags, a.contexts,"
    " a.status, a.revision, a.author, a.views, a.helpful_yes, a.helpful_no, a.created_at,"
    " a.updated_at, a.published_at"
)


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
    return [decode(r) for r in rows]


def filtered(
    conn: sqlite3.Connection,
    app_id: str,
    *,
    status: str | None,
    locale: str | None,
    category: str | None,
    context: str | None,
    text: str | None,
    offset: int,
    limit: int,
) -> tuple[list[dict[str, Any]], int]:
    """A page of articles (any status) matching every given filter, newest change first."""
    clauses, params = ["a.app_id = ?"], [app_id]
    for column, value in (("status", status), ("locale", locale), ("category", category)):
        if value:
            clauses.append(f"a.{column} = ?")
            params.append(value)
    if context:
        # the context itself or anything below it: billing matches billing.invoices
        clauses.append(
            "EXISTS (SELECT 1 FROM article_contexts c WHERE c.article_id = a.id"
            " AND (c.context = ? OR c.context LIKE ? ESCAPE '\\'))"
        )
        params += [context, _like_prefix(context + ".")]
    if text:
        clauses.append("(a.title LIKE ? ESCAPE '\\' OR a.slug LIKE ? ESCAPE '\\')")
        pattern = "%" + _escape(text) + "%"
        params += [pattern, pattern]
    where = " AND ".join(clauses)
    total = int(
        conn.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]
    )
    rows = conn.execute(
        f"SELECT {_LISTED} FROM articles a WHERE {where}"
        " ORDER BY a.updated_at DESC, a.id DESC LIMIT ? OFFSET ?",
        (*params, limit, offset),
    ).fetchall()
    return [decode(r) for r in rows], total


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _escape(text) + "%"


def translations(
    conn: sqlite3.Connection, app_id: str, slug: str, *, published_only: bool = False
) -> list[dict[str, Any]]:
    """Every locale ``slug`` is written in (or only the published ones), by locale."""
    published = " AND status = 'published'" if published_only else ""
    rows = conn.execute(
        "SELECT public_id, locale, title, status, revision, updated_at FROM articles"
        f" WHERE app_id = ? AND slug = ?{published} ORDER BY locale",
        (app_id, slug),
    ).fetchall()
    return [dict(r) for r in rows]


def facets(conn: sqlite3.Connection, app_id: str) -> dict[str, list[str]]:
    """The categories, locales and contexts in use, for filters and the editor's suggestions."""
    categories = [
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT category FROM articles WHERE app_id = ? AND category != ''"
            " ORDER BY category",
            (app_id,),
        )
    ]
    locales = [
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT locale FROM articles WHERE app_id = ? ORDER BY locale", (app_id,)
        )
    ]
    contexts = [
        str(r[0])
        for r in conn.execute(
            "SELECT DISTINCT context FROM article_contexts WHERE app_id = ? ORDER BY context",
            (app_id,),
        )
    ]
    return {"categories": categories, "locales": locales, "contexts": contexts}
