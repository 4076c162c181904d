"""What the writers' editor needs beyond :class:`ArticleService`: the editor's save, the
filtered article list, translations of one article, and revision history (compare and restore).

One press of an editor button is one transaction: :meth:`WritingDesk.save` writes the text,
the status change (publish, unpublish, archive) or the schedule in the same commit, so a
refused publication or schedule leaves the article as it was, and a save that publishes makes
one revision, not two. The search index is fed after the commit, from the outbox.

Restoring a revision is an ordinary update checked against the revision the writer was
looking at, so it cannot silently overwrite someone's newer edit either.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ..errors import NotFound, ValidationFailed
from ..store import Database, revisions
from ..store import article_listings as store
from ..store import articles as article_store
from . import diffs
from .articles import ArticleService
from .schedule import ScheduleService, check_future

PER_PAGE = 25
RESTORED_FIELDS = ("title", "body", "summary", "category", "tags", "contexts")
STATUS_OF_ACTION = {"publish": "published", "unpublish": "draft", "archive": "archived"}
OUTCOME_OF_ACTION = {"publish": "published", "unpublish": "unpublished", "archive": "archived"}


@dataclass(frozen=True)
class Saved:
    """What an editor save did: the article as it now is, and the outcome to tell the writer
    (created, saved, unchanged, published, unpublished, archived, scheduled, unscheduled)."""

    article: dict[str, Any]
    outcome: str


def publication_time(when: float | None) -> float:
    """The time a writer asked to publish at, refused unless it is a time in the future."""
    if when is None:
        raise ValidationFailed(
            "choose a date and time to publish", details={"publish_at": ["choose a date and time"]}
        )
    check_future(when)
    return when


class WritingDesk:
    def __init__(self, db: Database, articles: ArticleService, schedule: ScheduleService) -> None:
        self.db = db
        self.articles = articles
        self.schedule = schedule

    # -- the editor's buttons ------------------------------------------------------------------
    def create(
        self,
        app_id: str,
        data: Mapping[str, Any],
        author: str,
        action: str = "save",
        publish_at: float | None = None,
    ) -> Saved:
        """A new article from the editor: a draft (``save``), published (``publish``), or a
        draft to publish at ``publish_at`` (``schedule``), in one transaction."""
        when = publication_time(publish_at) if action == "schedule" else None
        status = "published" if action == "publish" else "draft"
        with self.db.write() as conn:
            article = self.articles.insert(conn, app_id, dict(data, status=status), author)
            if when is not None:
                self.schedule.book(conn, article["internal_id"], article["status"], when, author)
        self.articles.indexer.drain()
        if when is not None:
            self.schedule.expect(when)
        return Saved(
            article, {"publish": "published", "schedule": "scheduled"}.get(action, "created")
        )

    def save(
        self,
        app_id: str,
        public_id: str,
        data: Mapping[str, Any],
        author: str,
        expected_revision: int,
        action: str = "save",
        publish_at: float | None = None,
    ) -> Saved:
        """Save the editor's ``data`` over revision ``expected_revision`` and do ``action``
        (save, publish, unpublish, archive, schedule at ``publish_at``, unschedule), all in
        one transaction: if any part is refused, nothing is written. Raises Conflict
        ``revision_conflict`` when someone saved since ``expected_revision``."""
        when = publication_time(publish_at) if action == "schedule" else None
        changes = dict(data)
        if action in STATUS_OF_ACTION:
            changes["status"] = STATUS_OF_ACTION[action]
        with self.db.write() as conn:
            article, changed = self.articles.revise(
                conn, app_id, public_id, changes, author, expected_revision
            )
            outcome = "saved" if changed else "unchanged"
            if action in STATUS_OF_ACTION or action == "unschedule":
                self.schedule.unbook(conn, article["internal_id"])
                outcome = OUTCOME_OF_ACTION.get(action, "unscheduled")
            elif when is not None:
                self.schedule.book(conn, article["internal_id"], article["status"], when, author)
                outcome = "scheduled"
        if changed:
            self.articles.indexer.drain()
        if when is not None:
            self.schedule.expect(when)
        return Saved(article, outcome)

    # -- the editor's pages ----------------------------------------------------------------------
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
