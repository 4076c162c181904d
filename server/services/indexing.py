"""Keeping the search index in step with the database.

An article change commits together with a row in ``search_outbox``. :meth:`Indexer.drain`
then applies the pending rows as idempotent upserts and deletes. Only the process holding the
indexer file lock writes to the index. A writer waits a little for the lock, so that when its
response is sent its own change is searchable (read your writes); if it cannot get the lock in
time, its row stays in the outbox for the holder, which looks at the outbox again after
releasing the lock, so no row is ever stranded.

A damaged or missing index never fails a write that committed: the rows stay in the outbox,
:meth:`Indexer.heal` rebuilds the index from the database in a background thread (one process
at a time, under the indexer lock), and search answers from the database meanwhile.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from .. import clock
from ..search.base import IndexDocument, SearchIndex
from ..store import Database, published_articles, search_outbox
from ..store import articles as article_store
from .rendering import Renderer

log = logging.getLogger(__name__)
BATCH = 500
DRAIN_WAIT = 5.0


def to_document(article: dict[str, Any], renderer: Renderer) -> IndexDocument:
    return IndexDocument(
        article_id=article["id"],
        revision=article["revision"],
        app_id=article["app_id"],
        slug=article["slug"],
        locale=article["locale"],
        title=article["title"],
        summary=article["summary"],
        category=article["category"],
        tags=list(article["tags"]),
        text=renderer.text(renderer.html(article["body"])),
    )


class Indexer:
    def __init__(
        self,
        db: Database,
        index: SearchIndex,
        lock_path: str | os.PathLike[str],
        renderer: Renderer,
    ) -> None:
        self.db = db
        self.index = index
        self.lock_path = Path(lock_path)
        self.renderer = renderer
        self._heal_guard = threading.Lock()
        self._healer: threading.Thread | None = None

    def _lock(self) -> FileLock:
        return FileLock(str(self.lock_path), thread_local=False)

    def drain(self, wait: float = DRAIN_WAIT) -> int:
        """Apply pending outbox rows; returns how many this process applied.

        Waits up to ``wait`` seconds for another process's drain to finish (``0``: give up at
        once and leave the rows to that process).
        """
        applied = 0
        while True:
            lock = self._lock()
            try:
                lock.acquire(timeout=wait)
            except Timeout:
                return applied  # the holder re-checks the outbox after releasing
            try:
                applied += self._drain_locked()
            finally:
                lock.release()
            with self.db.read() as conn:
                if search_outbox.outbox_size(conn) == 0:
                    return applied

    def _drain_locked(self) -> int:
        applied = 0
        while True:
            with self.db.read() as conn:
                batch = search_outbox.outbox_batch(conn, BATCH)
                if not batch:
                    return applied
                ids = {article_id for _, article_id in batch}
                rows = {a["id"]: a for a in article_store.get_by_ids(conn, ids)}
            upserts = [
                to_document(rows[i], self.renderer)
                for i in sorted(ids)
                if i in rows and rows[i]["status"] == "published"
            ]
            deletes = [i for i in sorted(ids) if i not in rows or rows[i]["status"] != "published"]
            try:
                self.index.apply(upserts, deletes)
            except Exception as exc:  # noqa: BLE001 - the write committed; the index is derived
                log.warning("cannot update the search index (%s); rebuilding it", exc)
                self.heal()
                return applied  # the rows stay in the outbox until the rebuild
            with self.db.write() as conn:
                search_outbox.outbox_delete_through(conn, batch[-1][0])
            applied += len(batch)

    @property
    def healing(self) -> bool:
        """Whether this process is rebuilding a damaged index in the background."""
        return self._healer is not None and self._healer.is_alive()

    def heal(self) -> None:
        """Rebuild the index in the background (once per damaged generation), after a read or
        a write found it missing or damaged. Returns at once."""
        failed = self.index.generation_name()
        with self._heal_guard:
            if self.healing:
                return
            self._healer = threading.Thread(
                target=self._heal, args=(failed,), name="search-index-heal", daemon=True
            )
            self._healer.start()

    def _heal(self, failed: str | None) -> None:
        try:
            with self._lock():
                current = self.index.generation_name()
                if current != failed and self.index.check() == "ok":
                    return  # another process rebuilt it meanwhile
                log.warning("rebuilding the search index from the database")
                self._rebuild_locked(None)
            self.drain()
            log.warning("search index rebuilt")
        except Exception:  # a background thread must log, not die silently
            log.exception("could not rebuild the search index; the next failure retries")

    def rebuild(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the whole index from the database; waits for a running drain to finish."""
        with self._lock():
            count = self._rebuild_locked(progress)
        self.drain()  # changes committed while we rebuilt
        return count

    def _rebuild_locked(self, progress: Callable[[int, int], None] | None) -> int:
        with self.db.read() as conn:
            total = published_articles.count_published(conn)
            through = search_outbox.outbox_max_id(conn)
        count = 0

        def documents() -> Iterator[IndexDocument]:
            nonlocal count
            with self.db.read() as conn:
                for article in published_articles.iter_published(conn):
                    count += 1
                    yield to_document(article, self.renderer)

        self.index.rebuild(documents(), (lambda n: progress(n, total)) if progress else None)
        with self.db.write() as conn:
            search_outbox.outbox_delete_through(conn, through)
        return count

    def ensure_ready(self, progress: Callable[[int, int], None] | None = None) -> str:
        """At start: rebuild a missing or corrupt index, queue stale documents, drain.

        Several workers may start at once: the check runs under the indexer lock, so the
        first rebuilds and the others find a good index. Returns what was found: 'ok',
        'stale', 'missing', 'corrupt' or 'outdated'.
        """
        with self._lock():
            found = self.index.check()
            if found in {"missing", "corrupt", "outdated"}:
                log.warning("search index is %s; rebuilding from the database", found)
                self._rebuild_locked(progress)
            else:
                indexed = self.index.stored_versions()
                with self.db.read() as conn:
                    wanted = published_articles.published_versions(conn)
                stale = {i for i, rev in wanted.items() if indexed.get(i) != rev}
                stale |= set(indexed) - set(wanted)
                if stale:
                    log.warning("search index is stale for %d articles; updating", len(stale))
                    with self.db.write() as conn:
                        for article_id in sorted(stale):
                            search_outbox.enqueue_index(conn, article_id, clock.iso())
                    found = "stale"
        self.drain()
        return found
