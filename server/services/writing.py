"""What the writers' editor needs beyond :class:`ArticleService`: the filtered article list,
translations of one article, and revision history (compare and restore).

Restoring a revision is an ordinary update checked against the revision the writer was
looking at, so it cannot silently overwrite someone's newer edit either.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import NotFound
from ..store import Database, revisions
from ..store import article_queries as store
from ..store import articles as article_store
from . import diffs
from .articles import ArticleService
from .schedule import ScheduleService

PER_PAGE = 25
RESTORED_FIELDS = ("title", "body", "summary", "category", "tags", "contexts")


class WritingDesk:
    def __init__(self, db: Database, articles: ArticleService, schedule: ScheduleService) -> None:
        self.db = db
        self.articles = articles
        self.schedule = schedule

    def page(self, app_id: str, filters: Mapping[str, str | None], page: int = 1) -> dict[str, Any]:
        page = max(1, page)
        with self.db.read() as conn:
            items, total = store.filtered(
                conn,
                app_id,
                status=filters.get("status"),
                locale=filters.get("locale"),
                category=filters.get("category"),
                context=filters.get("context"),
                text=filters.get("q"),
                offset=(page - 1) * PER_PAGE,
                limit=PER_PAGE,
            )
        scheduled = self.schedule.pending([a["id"] for a in items])
        for item in items:
            item["scheduled_at"] = scheduled.get(item["id"])
        return {
            "items": items,
            "total": total,
            "page": page,
            "pages": max(1, -(-total // PER_PAGE)),
        }

    def facets(self, app_id: str) -> dict[str, list[str]]:
        with self.db.read() as conn:
            return store.facets(conn, app_id)

    def translations(self, app_id: str, slug: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return store.translations(conn, app_id, slug)

    def scheduled_at(self, article: Mapping[str, Any]) -> str | None:
        return self.schedule.pending([article["internal_id"]]).get(article["internal_id"])

    def _revision(self, conn: Any, article_id: int, number: int) -> dict[str, Any]:
        found = revisions.revision(conn, article_id, number)
        if found is None:
            raise NotFound(f"no revision {number}")
        return found

    def compare(
        self, app_id: str, public_id: str, number: int, against: int | None = None
    ) -> dict[str, Any]:
        """What revision ``number`` changed (against the one before it, or ``against``)."""
        with self.db.read() as conn:
            article = article_store.get_by_public_id(conn, app_id, public_id)
            if article is None:
                raise NotFound("no such article")
            new = self._revision(conn, article["id"], number)
            base_number = against if against is not None else number - 1
            old = self._revision(conn, article["id"], base_number) if base_number >= 1 else None
        before = old or {"title": "", "body": "", "tags": [], "contexts": []}
        rows = diffs.line_diff(before["body"], new["body"])
        return {
            "article": self.articles.present(article),
            "revision": new,
            "base": old,
            "rows": rows,
            "fields": diffs.field_changes(before, new),
            "counts": diffs.summary(rows),
        }

    def restore(
        self, app_id: str, public_id: str, number: int, author: str, expected_revision: int
    ) -> dict[str, Any]:
        """Make revision ``number``'s content current again, as a new revision."""
        with self.db.read() as conn:
            article = article_store.get_by_public_id(conn, app_id, public_id)
            if article is None:
                raise NotFound("no such article")
            old = self._revision(conn, article["id"], number)
        changes = {name: old[name] for name in RESTORED_FIELDS}
        return self.articles.update(app_id, public_id, changes, author, expected_revision)
