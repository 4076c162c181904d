"""The writer API: ``client.articles``, for creating, editing and publishing help articles.

Every call needs a staff API key with the ``writer`` or ``admin`` role::

    client = SupportClient("https://support.example.com", api_key="sk_...")
    draft = client.articles.create("Request a refund", "# Refunds\\n...", category="billing",
                                   contexts=["billing.invoices", "/settings/billing"])
    client.articles.publish(draft.id)
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ._calls import ArticleCalls, Keys
from ._http import UNSET, Transport, Unset
from .models import Article, Page, Revision

__all__ = ["ArticlesService"]


class ArticlesService:
    """Articles of any status, by id. Reach it as ``client.articles``.

    The public, published-only view of the help center is on the client itself
    (:meth:`SupportClient.article <support_sdk.SupportClient.article>`, ``search``, ...).
    """

    def __init__(self, transport: Transport, api_key: str | None) -> None:
        self._http = transport
        self._calls = ArticleCalls(Keys(api_key=api_key))

    def create(
        self,
        title: str,
        body: str,
        *,
        slug: str | None = None,
        summary: str | None = None,
        category: str | None = None,
        tags: Iterable[str] = (),
        contexts: Iterable[str] = (),
        locale: str | None = None,
        status: str | None = None,
        idempotency_key: str | None = None,
    ) -> Article:
        """Create an article (a draft unless ``status="published"``).

        ``body`` is Markdown. ``contexts`` lists the product context keys (``"billing.invoices"``)
        and URL path patterns (``"/settings/billing"``) the article explains. The slug is derived
        from the title when not given. A fresh idempotency key makes the call safe to retry; pass
        your own to make a retry of the whole call safe too.

        >>> article = client.articles.create(                       # doctest: +SKIP
        ...     "Export invoices", "Open **Billing**...", tags=["billing"], status="published")
        """
        return self._http.call(
            self._calls.create(
                title,
                body,
                slug=slug,
                summary=summary,
                category=category,
                tags=tags,
                contexts=contexts,
                locale=locale,
                status=status,
                idempotency_key=idempotency_key,
            )
        )

    def get(self, article_id: str | int) -> Article:
        """One article by id, whatever its status."""
        return self._http.call(self._calls.get(article_id))

    def update(
        self,
        article_id: str | int,
        *,
        title: str | Unset = UNSET,
        body: str | Unset = UNSET,
        slug: str | Unset = UNSET,
        summary: str | Unset = UNSET,
        category: str | Unset = UNSET,
        tags: Iterable[str] | Unset = UNSET,
        contexts: Iterable[str] | Unset = UNSET,
        locale: str | Unset = UNSET,
        status: str | Unset = UNSET,
        revision: int | None = None,
    ) -> Article:
        """Change the given fields only; the others keep their values.

        Pass the ``revision`` you last read to refuse to overwrite someone else's edit: if the
        article changed since, :class:`~support_sdk.Conflict` is raised and nothing is saved.

        >>> a = client.articles.get(article_id)                     # doctest: +SKIP
        >>> client.articles.update(a.id, title="Export invoices as CSV",
        ...                        revision=a.revision)             # doctest: +SKIP
        """
        return self._http.call(
            self._calls.update(
                article_id,
                title=title,
                body=body,
                slug=slug,
                summary=summary,
                category=category,
                tags=tags,
                contexts=contexts,
                locale=locale,
                status=status,
                revision=revision,
            )
        )

    def publish(self, article_id: str | int) -> Article:
        """Publish the article: it becomes visible in the help center and in search."""
        return self._transition(article_id, "publish")

    def unpublish(self, article_id: str | int) -> Article:
        """Take the article back to draft: it disappears from the help center."""
        return self._transition(article_id, "unpublish")

    def archive(self, article_id: str | int) -> Article:
        """Archive the article: hidden everywhere but kept with its revisions."""
        return self._transition(article_id, "archive")

    def _transition(self, article_id: str | int, action: str) -> Article:
        return self._http.call(self._calls.transition(article_id, action))

    def revisions(
        self, article_id: str | int, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[Revision]:
        """One page of the article's saved revisions."""
        return self._http.call(self._calls.revisions(article_id, cursor=cursor, limit=limit))

    def iter_all(
        self,
        *,
        status: str | None = None,
        locale: str | None = None,
        category: str | None = None,
        page_size: int | None = None,
    ) -> Iterator[Article]:
        """Every matching article, fetching page after page as you iterate.

        >>> drafts = [a.slug for a in client.articles.iter_all(status="draft")]  # doctest: +SKIP
        """
        cursor: str | None = None
        while True:
            page = self.list(
                status=status, locale=locale, category=category, cursor=cursor, limit=page_size
            )
            yield from page.items
            # A cursor that does not move would loop forever: treat it as the end.
            if page.next_cursor is None or page.next_cursor == cursor:
                return
            cursor = page.next_cursor

    def list(
        self,
        *,
        status: str | None = None,
        locale: str | None = None,
        category: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[Article]:
        """One page of articles of any status (``draft``, ``published``, ``archived``).

        Pass ``page.next_cursor`` back as ``cursor`` for the next page, or use :meth:`iter_all`.
        """
        return self._http.call(
            self._calls.list(
                status=status, locale=locale, category=category, cursor=cursor, limit=limit
            )
        )
