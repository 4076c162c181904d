"""Help-center search: the index when it can answer, a plain database scan when it cannot.

While the index is missing or damaged (say, between a crash and the rebuild) readers still get
results, marked ``degraded``, from a LIKE scan of published articles; tickets are unaffected.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Callable
from typing import Any

from ..errors import ValidationFailed
from ..search import IndexUnavailable, SearchIndex
from ..search.query import QueryTooLong, parse
from ..store import Database
from .articles import published_locale

log = logging.getLogger(__name__)


class SearchService:
    def __init__(
        self, db: Database, index: SearchIndex, on_unavailable: Callable[[], None] | None = None
    ) -> None:
        self.db = db
        self.index = index
        # Called when the index cannot serve (the indexer's heal: a rebuild in the background).
        self.on_unavailable = on_unavailable or (lambda: None)

    def search(
        self,
        app_id: str,
        text: str,
        *,
        locale: str | None,
        category: str | None,
        page: int,
        limit: int,
    ) -> dict[str, Any]:
        with self.db.read() as conn:
            chosen = published_locale(conn, app_id, locale)
        try:
            result = self.index.search(
                app_id, text, locale=chosen, category=category, page=page, limit=limit
            )
        except QueryTooLong as exc:
            raise ValidationFailed(
                str(exc), code="query_too_long", details={"q": [str(exc)]}
            ) from None
        except IndexUnavailable as exc:
            log.warning("search index unavailable, using the database: %s", exc)
            self.on_unavailable()
            return self._fallback(app_id, text, chosen, category, page, limit)
        return {
            "locale": chosen,
            "results": [
                {
                    "slug": h.slug,
                    "title": h.title,
                    "snippet": h.snippet,
                    "category": h.category,
                    "score": h.score,
                }
                for h in result.hits
            ],
            "total": result.total,
            "page": result.page,
            "suggestion": result.suggestion,
            "degraded": False,
        }

    def _fallback(
        self, app_id: str, text: str, locale: str, category: str | None, page: int, limit: int
    ) -> dict[str, Any]:
        words = parse(text).words[:5]
        results: list[dict[str, Any]] = []
        total = 0
        if words:
            clauses = " AND ".join(
                "(title LIKE ? ESCAPE '\\' OR body LIKE ? ESCAPE '\\')" for _ in words
            )
            params: list[Any] = []
            for word in words:
                pattern = (
                    "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
                )
                params += [pattern, pattern]
            where = f"app_id = ? AND locale = ? AND status = 'published' AND {clauses}"
            base = [app_id, locale, *params]
            if category:
                where += " AND lower(category) = lower(?)"
                base.append(category)
            with self.db.read() as conn:
                total = int(
                    conn.execute(f"SELECT count(*) FROM articles WHERE {where}", base).fetchone()[0]
                )
                rows = conn.execute(
                    f"SELECT slug, title, summary, category FROM articles WHERE {where}"
                    " ORDER BY views DESC, id LIMIT ? OFFSET ?",
                    (*base, limit, (page - 1) * limit),
                ).fetchall()
            results = [
                {
                    "slug": r["slug"],
                    "title": r["title"],
                    "snippet": html.escape(r["summary"]),
                    "category": r["category"],
                    "score": 0.0,
                }
                for r in rows
            ]
        return {
            "locale": locale,
            "results": results,
            "total": total,
            "page": page,
            "suggestion": None,
            "degraded": True,
        }
