"""SQL for the writers' article list and editor: filters, translations, one revision."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

_LISTED = (
    "a.id, a.public_id, a.slug, a.locale, a.title, a.summary, a.category, a.tags, a.contexts,"
    " a.status, a.revision, a.author, a.views, a.helpful_yes, a.helpful_no, a.created_at,"
    " a.updated_at, a.published_at"
)


def _row(row: sqlite3.Row) -> dict[str, Any]:
    item = dict(row)
    for name in ("tags", "contexts"):
        if name in item:
            item[name] = json.loads(item[name])
    return item


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
    return [_row(r) for r in rows], total


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _like_prefix(text: str) -> str:
    return _escape(text) + "%"


def translations(conn: sqlite3.Connection, app_id: str, slug: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT public_id, locale, title, status, revision, updated_at FROM articles"
        " WHERE app_id = ? AND slug = ? ORDER BY locale",
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
