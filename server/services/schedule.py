"""Scheduled publishing: a draft goes live at a chosen time.

There is no scheduler process to keep alive. Every server process checks for due articles at
most every :data:`CHECK_EVERY` seconds, on the back of a request (one indexed query), and at
once when a time it knows of has passed. Publishing is idempotent (publishing a published
article changes nothing), so two processes finding the same due row do no harm; the row is
removed only after the article is published, so a crash in between publishes it next time.

Booking and cancelling a publication run inside the caller's transaction (the editor's save,
:meth:`~.writing.WritingDesk.save`), so a schedule is committed with the text it will publish.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..store import Database
from ..store import schedule as store
from .articles import ArticleService

log = logging.getLogger(__name__)
CHECK_EVERY = 15.0


def check_future(when: float) -> None:
    """Refuse a publication time that is not in the future."""
    if when <= clock.now():
        raise ValidationFailed(
            "pick a publication time in the future", details={"publish_at": ["in the past"]}
        )


class ScheduleService:
    def __init__(self, db: Database, articles: ArticleService) -> None:
        self.db = db
        self.articles = articles
        self._lock = threading.Lock()
        self._next_check = 0.0

    @staticmethod
    def book(conn: Any, article_id: int, status: str, when: float, by: str) -> str:
        """Record that article ``article_id`` (now in ``status``) goes live at ``when``,
        inside the caller's transaction; call :meth:`expect` after the commit."""
        check_future(when)
        if status == "published":
            raise Conflict("the article is already published", code="already_published")
        at = clock.iso(when)
        store.upsert(conn, article_id, at, by, clock.iso())
        return at

    def expect(self, when: float) -> None:
        """Look for due articles no later than ``when`` (a publication just booked)."""
        with self._lock:
            self._next_check = min(self._next_check, when)

    @staticmethod
    def unbook(conn: Any, article_id: int) -> None:
        """Cancel the article's pending publication inside the caller's transaction."""
        store.delete(conn, article_id)

    def pending(self, article_ids: list[int]) -> dict[int, str]:
        """article id -> when it will be published, for those scheduled."""
        with self.db.read() as conn:
            return store.for_articles(conn, article_ids)

    def tick(self) -> int:
        """Publish what is due if this process has not looked lately; cheap when not."""
        now = clock.now()
        if now < self._next_check:
            return 0
        with self._lock:
            if now < self._next_check:
                return 0
            self._next_check = now + CHECK_EVERY
        published = self.publish_due()
        with self.db.read() as conn:
            upcoming = store.next_due(conn)
        if upcoming is not None:
            with self._lock:
                self._next_check = min(self._next_check, clock.parse_iso(upcoming))
        return published

    def publish_due(self) -> int:
        with self.db.read() as conn:
            due = store.due(conn, clock.iso())
        done = 0
        for row in due:
            try:
                article = self.articles.get(row["app_id"], row["public_id"])
                if article["status"] == "draft":
                    self.articles.set_status(
                        row["app_id"],
                        row["public_id"],
                        "published",
                        f"{row['scheduled_by']} (scheduled)",
                    )
                    done += 1
            except NotFound:
                pass
            except Exception:  # one bad row must not stop the others
                log.exception("scheduled publication of article %s failed", row["article_id"])
                continue
            with self.db.write() as conn:
                store.delete(conn, row["article_id"], row["publish_at"])
        return done
