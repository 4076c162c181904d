"""Articles: writing (with revisions and optimistic locking) and the public help-center reads.

Every change bumps the revision, stores a revision row and queues the article for the search
index in the same transaction (the outbox), then drains the outbox after the commit.
:meth:`ArticleService.insert` and :meth:`ArticleService.revise` do the writing inside a
transaction their caller holds (an idempotent create, or the editor's whole save in
:class:`~.writing.WritingDesk`); that caller drains the outbox once it has committed.
"""

from __future__ import annotations

import builtins  # the method ArticleService.list shadows the type inside the class
import fnmatch
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database, article_listings, revisions, search_outbox
from ..store import articles as store
from ..store import events as event_store
from ..store import published_articles as published_store
from . import idempotency, outbox
from .events import ARTICLE_SERVED
from .indexing import Indexer
from .locales import DEFAULT_LOCALE, locale_chain, normalise_locale, resolve_locale
from .rendering import Renderer

STATUSES = ("draft", "published", "archived")
_EDITABLE = ("title", "body", "summary", "category", "tags", "contexts", "slug", "locale")


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:80].strip("-") or "article"


class PublishedLocales:
    """The locales an app has published articles in, as a container asked one code at a time
    (a language tag's chain is two or three codes long: no need to list them all)."""

    def __init__(self, conn: Any, app_id: str) -> None:
        self.conn = conn
        self.app_id = app_id

    def __contains__(self, locale: object) -> bool:
        return isinstance(locale, str) and published_store.has_published(
            self.conn, self.app_id, locale
        )


def published_locale(conn: Any, app_id: str, requested: str | None) -> str:
    """The language to answer ``requested`` in: see :mod:`.locales`."""
    return resolve_locale(requested, PublishedLocales(conn, app_id))


def context_chain(key: str) -> list[str]:
    """'billing.invoices.overdue' -> itself, then 'billing.invoices', then 'billing'."""
    parts = [p for p in key.strip().split(".") if p]
    return [".".join(parts[:n]) for n in range(len(parts), 0, -1)]


# What the writers' API returns of an article (api/schemas.ArticleOutSchema), and so what
# article events carry: the same keys whether the article was just created or changed.
EVENT_FIELDS = (
    "id",
    "slug",
    "title",
    "body",
    "html",
    "summary",
    "category",
    "tags",
    "contexts",
    "locale",
    "status",
    "revision",
    "author",
    "views",
    "helpful_yes",
    "helpful_no",
    "created_at",
    "updated_at",
    "published_at",
)
_COUNTERS = ("views", "helpful_yes", "helpful_no")


def _event_data(presented: Mapping[str, Any]) -> dict[str, Any]:
    """An article as events carry it: as the API returns it (no row ids, no app id)."""
    return {name: presented.get(name, 0 if name in _COUNTERS else None) for name in EVENT_FIELDS}


class ArticleService:
    def __init__(
        self, db: Database, renderer: Renderer, indexer: Indexer, counters: Database | None = None
    ) -> None:
        self.db = db
        self.renderer = renderer
        self.indexer = indexer
        # View counts are written on every read: no fsync for them (a RelaxedDatabase).
        self.counters = counters or db

    # -- presentation -------------------------------------------------------------------------
    def present(self, article: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(article)
        out["html"] = self.renderer.html(article["body"])
        out["internal_id"] = article["id"]
        out["id"] = article["public_id"]
        return out

    # -- writers ------------------------------------------------------------------------------
    def create(
        self, app_id: str, data: Mapping[str, Any], author: str, *, index_now: bool = True
    ) -> dict[str, Any]:
        """Create an article; ``index_now=False`` leaves the outbox for a later drain (bulk)."""
        with self.db.write() as conn:
            article = self.insert(conn, app_id, data, author)
        if index_now:
            self.indexer.drain()
        return article

    def create_once(
        self,
        app_id: str,
        data: Mapping[str, Any],
        author: str,
        *,
        idempotency_key: str | None,
        fingerprint: str,
        scope: str,
    ) -> tuple[int, dict[str, Any], bool]:
        """Create an article once per Idempotency-Key (``scope`` names whose keys these are);
        returns (status, body, replayed) like every idempotent resource."""
        result = idempotency.once(
            self.db,
            app_id,
            scope,
            idempotency_key,
            fingerprint,
            lambda conn: (201, self.insert(conn, app_id, data, author)),
        )
        self.indexer.drain()
        return result

    def insert(
        self, conn: Any, app_id: str, data: Mapping[str, Any], author: str
    ) -> dict[str, Any]:
        """Create an article inside the caller's transaction (then call ``indexer.drain``)."""
        now = clock.iso()
        locale = normalise_locale(data.get("locale")) or DEFAULT_LOCALE
        status = data.get("status") or "draft"
        article: dict[str, Any] = {
            "public_id": new_id("art_"),
            "app_id": app_id,
            "locale": locale,
            "title": data["title"],
            "body": data["body"],
            "summary": data.get("summary") or "",
            "category": data.get("category") or "",
            "tags": _unique(data.get("tags") or []),
            "contexts": _unique(data.get("contexts") or []),
            "status": status,
            "revision": 1,
            "author": author,
            "created_at": now,
            "updated_at": now,
            "published_at": now if status == "published" else None,
        }
        if data.get("slug"):
            article["slug"] = data["slug"]
            if store.get_by_slug(conn, app_id, article["slug"], locale):
                raise Conflict(
                    f"an article with slug {article['slug']!r} already exists in {locale!r}",
                    code="slug_taken",
                    details={"slug": ["already in use"]},
                )
        else:
            article["slug"] = self._free_slug(conn, app_id, slugify(data["title"]), locale)
        article["id"] = store.insert_article(conn, article)
        store.set_contexts(conn, article["id"], app_id, article["contexts"])
        revisions.insert_revision(conn, article)
        search_outbox.enqueue_index(conn, article["id"], now)
        presented = self.present(article)
        if status == "published":
            outbox.emit(conn, app_id, "article.published", _event_data(presented))
        return presented

    @staticmethod
    def _free_slug(conn: Any, app_id: str, base: str, locale: str) -> str:
        slug, n = base, 1
        while store.get_by_slug(conn, app_id, slug, locale):
            n += 1
            slug = f"{base}-{n}"
        return slug

    def get(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            article = store.get_by_public_id(conn, app_id, public_id)
        if article is None:
            raise NotFound("no such article")
        return self.present(article)

    def list(
        self,
        app_id: str,
        *,
        status: str | None,
        locale: str | None,
        category: str | None,
        cursor: int | None,
        limit: int,
    ) -> tuple[list[dict[str, Any]], int | None]:
        with self.db.read() as conn:
            rows = article_listings.list_articles(
                conn,
                app_id,
                status=status,
                locale=locale,
                category=category,
                after_id=cursor,
                limit=limit + 1,
            )
        more = len(rows) > limit
        rows = rows[:limit]
        return [self.present(r) for r in rows], (rows[-1]["id"] if more else None)

    def update(
        self,
        app_id: str,
        public_id: str,
        changes: Mapping[str, Any],
        author: str,
        expected_revision: int | None = None,
        *,
        index_now: bool = True,
    ) -> dict[str, Any]:
        return self._change(app_id, public_id, author, expected_revision, dict(changes), index_now)

    def set_status(self, app_id: str, public_id: str, status: str, author: str) -> dict[str, Any]:
        if status not in STATUSES:
            raise ValidationFailed("unknown status", details={"status": [status]})
        return self._change(app_id, public_id, author, None, {"status": status})

    def _change(
        self,
        app_id: str,
        public_id: str,
        author: str,
        expected_revision: int | None,
        changes: dict[str, Any],
        index_now: bool = True,
    ) -> dict[str, Any]:
        with self.db.write() as conn:
            article, changed = self.revise(
                conn, app_id, public_id, changes, author, expected_revision
            )
        if changed and index_now:
            self.indexer.drain()
        return article

    def revise(
        self,
        conn: Any,
        app_id: str,
        public_id: str,
        changes: Mapping[str, Any],
        author: str,
        expected_revision: int | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """Apply ``changes`` as one new revision inside the caller's transaction; returns
        (article, changed). When something changed, call ``indexer.drain`` after the commit."""
        now = clock.iso()
        article = store.get_by_public_id(conn, app_id, public_id)
        if article is None:
            raise NotFound("no such article")
        if expected_revision is not None and expected_revision != article["revision"]:
            raise Conflict(
                f"the article changed since revision {expected_revision} "
                f"(now {article['revision']}); reload and merge",
                code="revision_conflict",
                details={"revision": [f"current revision is {article['revision']}"]},
            )
        updated = dict(article)
        for name in (*_EDITABLE, "status"):
            if name in changes and changes[name] is not None:
                value = changes[name]
                if name in ("tags", "contexts"):
                    value = _unique(value)
                if name == "locale":
                    value = normalise_locale(value) or DEFAULT_LOCALE
                updated[name] = value
        if updated == article:
            return self.present(article), False  # nothing changed: no new revision
        if (updated["slug"], updated["locale"]) != (article["slug"], article["locale"]):
            clash = store.get_by_slug(conn, app_id, updated["slug"], updated["locale"])
            if clash is not None and clash["id"] != article["id"]:
                raise Conflict(
                    "slug already in use for that locale",
                    code="slug_taken",
                    details={"slug": ["already in use"]},
                )
        if updated["status"] == "published" and article["status"] != "published":
            updated["published_at"] = now
        updated.update(revision=article["revision"] + 1, updated_at=now, author=author)
        store.update_article(conn, article["id"], updated)
        if updated["contexts"] != article["contexts"]:
            store.set_contexts(conn, article["id"], app_id, updated["contexts"])
        revisions.insert_revision(conn, updated)
        search_outbox.enqueue_index(conn, article["id"], now)
        presented = self.present(updated)
        self._emit_revision(conn, app_id, article, updated, presented)
        return presented, True

    @staticmethod
    def _emit_revision(
        conn: Any,
        app_id: str,
        before: Mapping[str, Any],
        after: Mapping[str, Any],
        presented: dict[str, Any],
    ) -> None:
        changes = {
            name: {"from": before[name], "to": after[name]}
            for name in (*_EDITABLE, "status")
            if before.get(name) != after.get(name)
        }
        if after["status"] != before["status"] and after["status"] == "published":
            kind = "article.published"
        elif after["status"] != before["status"] and after["status"] == "archived":
            kind = "article.archived"
        else:
            kind = "article.updated"
        outbox.emit(conn, app_id, kind, _event_data(presented), changes=changes)

    def revisions(
        self, app_id: str, public_id: str, cursor: int | None, limit: int
    ) -> tuple[builtins.list[dict[str, Any]], int | None]:
        with self.db.read() as conn:
            article = store.get_by_public_id(conn, app_id, public_id)
            if article is None:
                raise NotFound("no such article")
            rows = revisions.list_revisions(conn, article["id"], cursor, limit + 1)
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (rows[-1]["revision"] if more else None)

    # -- public reads -------------------------------------------------------------------------
    def published(self, app_id: str, slug: str, locale: str | None) -> dict[str, Any]:
        with self.db.read() as conn:
            article = published_store.get_published(conn, app_id, slug, locale_chain(locale))
        if article is None:
            raise NotFound("no published article with that slug")
        with self.counters.write() as conn:  # the counter and its dated row, together
            store.record_view(conn, article["id"])
            event_store.insert_event(
                conn,
                app_id=app_id,
                type=ARTICLE_SERVED,
                session="",
                actor="",
                slug=article["slug"],
                now=clock.iso(),
            )
        return self.present(article)

    def feedback(
        self,
        app_id: str,
        slug: str,
        locale: str | None,
        helpful: bool,
        comment: str,
        requester: str,
    ) -> None:
        with self.db.write() as conn:
            article = published_store.get_published(conn, app_id, slug, locale_chain(locale))
            if article is None:
                raise NotFound("no published article with that slug")
            now = clock.iso()
            store.insert_feedback(conn, article["id"], helpful, comment, requester, now)
            outbox.emit(
                conn,
                app_id,
                "feedback.created",
                {
                    "article": {
                        "id": article["public_id"],
                        "slug": article["slug"],
                        "locale": article["locale"],
                        "title": article["title"],
                    },
                    "helpful": helpful,
                    "comment": comment,
                    "created_at": now,
                },
            )

    def categories(self, app_id: str, locale: str | None) -> builtins.list[dict[str, Any]]:
        with self.db.read() as conn:
            rows = published_store.categories(conn, app_id, published_locale(conn, app_id, locale))
        return [{"name": name, "slug": slugify(name), "count": count} for name, count in rows]

    def suggestions(
        self,
        app_id: str,
        *,
        context: str | None,
        url: str | None,
        locale: str | None,
        limit: int,
    ) -> builtins.list[dict[str, Any]]:
        """Context key first (exact, then its parents), then URL path patterns, then popular.

        The sources are asked in that order, each with an index lookup (migration 0018) that
        returns ids, slugs, locales and popularity, never a body: the articles tagged with the
        context key, then with each of its parents; those with a path pattern that matches
        the URL, looked up under the URL's path and its parents; the first entries of the
        popularity index. Once ``limit`` articles are chosen, the sources not asked yet could
        only offer a better translation of one of them, so they are asked about those alone
        (:meth:`_better_translations`). Then the chosen articles are read for what a
        suggestion shows.
        """
        locales = locale_chain(locale)
        preference = {code: n for n, code in enumerate(locales)}
        path = _path_of(url)
        sources = [("context", key) for key in context_chain(context or "")]
        if path:
            sources.append(("path", path))
        sources.append(("popular", ""))
        chosen: dict[str, tuple[int, str]] = {}  # slug -> (article id, locale), in rank order
        with self.db.read() as conn:
            for asked, (kind, what) in enumerate(sources):
                if len(chosen) >= limit:
                    self._better_translations(conn, app_id, chosen, sources[asked:], locales, limit)
                    break
                for _, article_id, slug, code in _candidates(
                    conn, app_id, kind, what, locales, limit
                ):
                    current = chosen.get(slug)
                    if current is None:
                        if len(chosen) < limit:
                            chosen[slug] = (article_id, code)
                    elif preference[code] < preference[current[1]]:
                        chosen[slug] = (article_id, code)  # the same article, better translated
            shown = published_store.summaries(conn, [i for i, _ in chosen.values()])
        return [shown[article_id] for article_id, _ in chosen.values()]

    @staticmethod
    def _better_translations(
        conn: Any,
        app_id: str,
        chosen: dict[str, tuple[int, str]],
        sources: Sequence[tuple[str, str]],
        locales: Sequence[str],
        limit: int,
    ) -> None:
        """Swap each chosen article for its translation in a better locale where one of the
        sources not asked yet (``sources``) offers it, as asking them would have: the chosen
        articles stay the same, and none of these sources can add another."""
        preference = {code: n for n, code in enumerate(locales)}
        worst = max(preference[code] for _, code in chosen.values())
        if worst == 0:
            return  # all in the reader's first language already
        found = [
            (preference[r["locale"]], int(r["id"]), str(r["slug"]), str(r["locale"]))
            for r in published_store.translations(conn, app_id, list(chosen), locales[:worst])
        ]
        found = [t for t in found if t[0] < preference[chosen[t[2]][1]]]
        if not found:
            return
        ids = [article_id for _, article_id, _, _ in found]
        keys = [what for kind, what in sources if kind == "context"]
        path = next((what for kind, what in sources if kind == "path"), None)
        offered = {
            article_id
            for article_id, tag in published_store.contexts_of(
                conn, ids, contexts=keys, path_keys=_path_keys(path) if path else ()
            )
            if tag in keys or (path is not None and _path_matches(tag, path))
        }
        if any(kind == "popular" for kind, _ in sources):
            top = published_store.popular(conn, app_id, locales, limit * 3)
            offered |= {int(r["id"]) for r in top}
        for rank, article_id, slug, code in sorted(found):  # the best translation first
            if article_id in offered and rank < preference[chosen[slug][1]]:
                chosen[slug] = (article_id, code)


Candidate = tuple[tuple[int, ...], int, str, str]  # (rank in its source, id, slug, locale)


def _candidates(
    conn: Any, app_id: str, kind: str, what: str, locales: Sequence[str], limit: int
) -> list[Candidate]:
    """The candidates of one source of suggestions, best first: by popularity (then id) for
    a context key and the popular articles; for a path, by the length of the pattern that
    matched (the longest first: an article once per length), then so."""
    found: list[Candidate]
    if kind == "context":
        rows = published_store.context_candidates(conn, app_id, [what], locales)
        found = [((-r["popularity"],), r["id"], r["slug"], r["locale"]) for r in rows]
    elif kind == "path":
        rows = published_store.path_candidates(conn, app_id, _path_keys(what), locales)
        found = list(
            {
                ((-len(r["pattern"]), -r["popularity"]), r["id"], r["slug"], r["locale"])
                for r in rows
                if _path_matches(r["pattern"], what)
            }
        )
    else:
        rows = published_store.popular(conn, app_id, locales, limit * 3)
        found = [((-r["popularity"],), r["id"], r["slug"], r["locale"]) for r in rows]
    return sorted(found)


def _path_of(url: str | None) -> str | None:
    if not url:
        return None
    path = urlsplit(url).path or "/"
    return "/" + path.strip("/") if path != "/" else "/"


def _path_keys(path: str) -> list[str]:
    """The keys (migration 0018) of every pattern that can match ``path``, a path as
    :func:`_path_of` gives it: without a wildcard, the path and each of its parents
    ('/a/b' -> '/a/b', '/a'; '/' matches only itself); with one, '*' and each directory of
    the path ('/a/b' -> '*/', '*/a/'). The patterns under these keys are matched one by one."""
    parents = [path[:end] for end in range(1, len(path)) if path[end] == "/"]
    directories = [f"*{path[: end + 1]}" for end in range(len(path)) if path[end] == "/"]
    return [path, *parents, *directories]


def _path_matches(pattern: str, path: str) -> bool:
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatchcase(path, pattern)
    pattern = "/" + pattern.strip("/") if pattern != "/" else "/"
    return path == pattern or (pattern != "/" and path.startswith(pattern + "/"))


def _unique(values: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(v for v in (s.strip() for s in values) if v))  # first, in order
