"""SQL for the public help center's pages: published articles only, best translation first."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from typing import Any

_LISTED = (
    "id, public_id, slug, locale, title, summary, category, tags, contexts, views,"
    " helpful_yes, helpful_no, updated_at, published_at"
)


def _row(row: sqlite3.Row) -> dict[str, Any]:
    item = dict(row)
    item.pop("pick", None)
    item["tags"] = json.loads(item["tags"])
    item["contexts"] = json.loads(item["contexts"])
    return item


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
    return [_row(r) for r in rows]


def translations(conn: sqlite3.Connection, app_id: str, slug: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT locale, title, updated_at FROM articles WHERE app_id = ? AND slug = ?"
        " AND status = 'published' ORDER BY locale",
        (app_id, slug),
    ).fetchall()
    return [dict(r) for r in rows]


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
