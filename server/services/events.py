"""What people do with help, recorded for analytics: searches and help events.

Searches are logged by the search API and the help center (query, locale, result count).
Search-as-you-type sends a request per keystroke, so a query that extends or trims the same
person's previous one within :data:`TYPING_WINDOW` seconds replaces it: "ref", "refu", "refund"
count once, as "refund". People are told apart by a salted hash of who they are (token subject,
or IP address for anonymous visitors); no address is stored.

Help events (``POST /api/v1/help/events``, sent by the widget and the help center's pages)
measure deflection; the server adds a ``ticket_created`` event itself for every ticket a user
or visitor files through the API, so a ticket counts even when no client reported it. Events
are told apart by person, stored as a salted hash: the user (or visitor) of the token the
client sent, else the browser the request came from (address and User-Agent), which is how
the widget's events, sent without a token, meet the tickets its user files. The server also
keeps a dated ``article_served`` row for every published article it serves (beside the
article's view counter, in the same transaction), which is what "views in a date range"
count. See :mod:`.analytics` for how these become the dashboard's figures.

Searches are written in batches: each is kept in memory and written with the others of the
last :data:`FLUSH_AFTER` seconds in one transaction (or as soon as :data:`FLUSH_AT` are
waiting), instead of a write transaction of its own on every keystroke, which halved the
searches a server answered. A reader of the figures in the same process (the dashboard, the
insights) writes what is waiting first (:meth:`EventLog.flush`); one in another process may
see a search that much later; a process that exits writes what it holds, and one killed
loses at most those seconds of search analytics (never anything else).
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import sqlite3
import threading
import weakref
from collections.abc import Sequence

from .. import clock
from ..store import events as store
from ..store.events import RelaxedDatabase

log = logging.getLogger(__name__)

EVENT_TYPES = ("help_opened", "article_viewed", "contact_opened", "ticket_created")
ARTICLE_SERVED = "article_served"  # written by the server (ArticleService), never posted
TYPING_WINDOW = 10
MAX_QUERY = 200
FLUSH_AFTER = 0.5  # seconds a search waits, at most, to be written with others
FLUSH_AT = 256  # searches waiting that are written at once


class EventLog:
    def __init__(self, db: RelaxedDatabase, salts: Sequence[str]) -> None:
        self.db = db
        self._salt = (salts[0] if salts else "").encode()
        self._pending: list[tuple[str, str, str, str, int, str, str]] = []
        self._pending_lock = threading.Lock()
        # One flush at a time: two could otherwise write their batches out of order (the
        # later one first), and a reader's typing would no longer merge into one row.
        self._flush_lock = threading.Lock()
        self._timer: threading.Timer | None = None
        # What a process holds when it exits normally (a weak reference: a runtime that is
        # gone, as tests make many, is not kept alive for it).
        atexit.register(_flush_at_exit, weakref.ref(self))

    def actor(self, who: str) -> str:
        """A stable pseudonym for ``who`` (never stored in the clear)."""
        if not who:
            return ""
        return hashlib.sha256(self._salt + b"\0" + who.encode()).hexdigest()[:20]

    def search(self, app_id: str, query: str, locale: str, results: int, who: str) -> None:
        """Log one search (written within ``FLUSH_AFTER`` seconds, with the others)."""
        text = " ".join(query.split())[:MAX_QUERY]
        if not text:
            return
        now = clock.now()
        row = (app_id, self.actor(who), text, locale, results, clock.iso(now),
               clock.iso(now - TYPING_WINDOW))  # fmt: skip
        with self._pending_lock:
            self._pending.append(row)
            full = len(self._pending) >= FLUSH_AT
            if not full and self._timer is None:
                self._timer = threading.Timer(FLUSH_AFTER, self.flush)
                self._timer.daemon = True
                self._timer.start()
        if full:
            self.flush()

    def flush(self) -> None:
        """Write the searches waiting, in one transaction, in the order they came; a failure
        is logged and swallowed (they are analytics: search answered anyway)."""
        with self._flush_lock:
            with self._pending_lock:
                rows, self._pending = self._pending, []
                timer, self._timer = self._timer, None
            if timer is not None:
                timer.cancel()
            if not rows:
                return
            try:
                with self.db.write() as conn:
                    for app_id, actor, text, locale, results, now, since in rows:
                        store.log_search(
                            conn, app_id=app_id, actor=actor, query=text, locale=locale,
                            results=results, now=now, since=since,
                        )  # fmt: skip
            except Exception as exc:  # noqa: BLE001 - a closed or full database, a test's teardown
                log.warning("could not log %d search(es): %s", len(rows), exc)

    def ticket_filed(self, app_id: str, people: Sequence[str]) -> None:
        """Record that a ticket was filed, once for each name of the person who filed it (the
        browser, the user); a failure is logged and swallowed: the ticket is already filed,
        and analytics must never fail it."""
        try:
            with self.db.write() as conn:
                for who in dict.fromkeys(people):
                    store.insert_event(
                        conn,
                        app_id=app_id,
                        type="ticket_created",
                        session="",
                        actor=self.actor(who),
                        slug="",
                        now=clock.iso(),
                    )
        except sqlite3.Error as exc:
            log.warning("could not record a filed ticket for analytics: %s", exc)

    def event(self, app_id: str, type: str, session: str, who: str, slug: str = "") -> None:
        if type not in EVENT_TYPES:
            raise ValueError(type)
        with self.db.write() as conn:
            store.insert_event(
                conn,
                app_id=app_id,
                type=type,
                session=session,
                actor=self.actor(who),
                slug=slug,
                now=clock.iso(),
            )


def _flush_at_exit(log_ref: weakref.ReferenceType[EventLog]) -> None:
    found = log_ref()
    if found is not None:
        found.flush()
