"""What people do with help, recorded for analytics: searches and help events.

Searches are logged by the search API and the help center (query, locale, result count).
Search-as-you-type sends a request per keystroke, so a query that extends or trims the same
person's previous one within :data:`TYPING_WINDOW` seconds replaces it: "ref", "refu", "refund"
count once, as "refund". People are told apart by a salted hash of who they are (token subject,
or IP address for anonymous visitors); no address is stored.

Help events (``POST /api/v1/help/events``, sent by the widget and the help center's pages)
measure deflection: a *help session* (an id the client makes up per visit) that opened help or
viewed an article and was not followed by a ticket was deflected.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence

from .. import clock
from ..store import events as store
from ..store.events import RelaxedDatabase

log = logging.getLogger(__name__)

EVENT_TYPES = ("help_opened", "article_viewed", "contact_opened", "ticket_created")
TYPING_WINDOW = 10
MAX_QUERY = 200


class EventLog:
    def __init__(self, db: RelaxedDatabase, salts: Sequence[str]) -> None:
        self.db = db
        self._salt = (salts[0] if salts else "").encode()

    def actor(self, who: str) -> str:
        """A stable pseudonym for ``who`` (never stored in the clear)."""
        if not who:
            return ""
        return hashlib.sha256(self._salt + b"\0" + who.encode()).hexdigest()[:20]

    def search(self, app_id: str, query: str, locale: str, results: int, who: str) -> None:
        """Log one search; a failure is logged and swallowed (search must answer anyway)."""
        text = " ".join(query.split())[:MAX_QUERY]
        if not text:
            return
        now = clock.now()
        try:
            with self.db.write() as conn:
                store.log_search(
                    conn,
                    app_id=app_id,
                    actor=self.actor(who),
                    query=text,
                    locale=locale,
                    results=results,
                    now=clock.iso(now),
                    since=clock.iso(now - TYPING_WINDOW),
                )
        except sqlite3.Error as exc:
            log.warning("could not log a search: %s", exc)

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
