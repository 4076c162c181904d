"""``SupportClient``: the help center, tickets and user tokens of one Support server.

>>> from support_sdk import SupportClient
>>> with SupportClient("https://support.example.com", app_id="app_1", app_secret="...") as client:
...     token = client.user_token("42", email="ada@example.com")            # doctest: +SKIP
...     client.create_ticket("The export button does nothing", user_token=token)  # doctest: +SKIP

Which credential a call sends: the ``user_token`` passed to it if any (an end-user ``ut_`` token
or a visitor ``vt_`` token), else the client's staff ``api_key`` if any, else none. The
``X-Support-App`` header (the app id) is sent on every call when the client knows it, which is
all the public help endpoints need.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from types import TracebackType
from typing import Any

import requests

from ._calls import ClientCalls, Keys
from ._http import UNSET, Transport, Unset
from .articles import ArticlesService
from .models import (
    Article,
    ArticleSummary,
    Category,
    Message,
    Page,
    Rating,
    SearchResults,
    Ticket,
)
from .tokens import mint_user_token

__all__ = ["SupportClient"]


class SupportClient:
    """A client for one Support server and one app.

    ``base_url`` is the server's root (``https://support.example.com``). ``app_id`` and
    ``app_secret`` let the client mint end-user tokens (keep the secret on your backend);
    ``api_key`` is a staff key (``sk_...``) for the agent and writer APIs.

    Every request has a ``timeout`` (seconds). Connection errors, timeouts, 429 and 502/503/504
    are retried up to ``max_retries`` times with exponential backoff and jitter; a request that
    creates something is retried only under an idempotency key, so it never happens twice.
    ``session`` lets you bring a configured ``requests.Session`` (it is then yours to close);
    ``user_agent`` is prepended to the SDK's own User-Agent. ``sleep`` is the function that waits
    between retries (``time.sleep``; tests pass a recorder).

    Use it as a context manager, or call :meth:`close`, to release its connections.
    """

    def __init__(
        self,
        base_url: str,
        app_id: str | None = None,
        app_secret: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float = 10.0,
        max_retries: int = 3,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self._http = Transport(
            base_url,
            app_id=app_id,
            timeout=timeout,
            max_retries=max_retries,
            session=session,
            user_agent=user_agent,
            sleep=sleep,
        )
        self.app_id = app_id
        self._app_secret = app_secret
        self._api_key = api_key
        self._calls = ClientCalls(Keys(app_id, app_secret, api_key))
        self.articles = ArticlesService(self._http, api_key)

    @property
    def base_url(self) -> str:
        """The server's root URL, without a trailing slash."""
        return self._http.base_url

    def __repr__(self) -> str:
        # Never show the secret or the key: reprs end up in logs.
        return f"SupportClient({self.base_url!r}, app_id={self.app_id!r})"

    def __enter__(self) -> SupportClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Release the client's connections (a ``session`` you passed in is left open)."""
        self._http.close()

    # -- tokens ------------------------------------------------------------------------------

    def user_token(
        self,
        user_id: str | int,
        email: str | None = None,
        name: str | None = None,
        traits: Mapping[str, Any] | None = None,
        expires_in: int = 3600,
    ) -> str:
        """Mint a signed end-user token (``ut_...``) for the widget or for ``user_token=``.

        Made locally with the app secret, no request is sent. Call it on your backend when the
        user is logged in; ``traits`` is a small flat mapping (plan, role, ...) shown to agents.

        >>> client = SupportClient("https://support.example.com", app_id="app_1",
        ...                        app_secret="s3cret")
        >>> client.user_token("42", email="ada@example.com").startswith("ut_")
        True
        """
        if not self.app_id or not self._app_secret:
            raise ValueError(
                "user_token() needs app_id and app_secret: "
                "SupportClient(base_url, app_id='app_...', app_secret='...')"
            )
        return mint_user_token(
            self.app_id,
            self._app_secret,
            user_id,
            email=email,
            name=name,
            traits=traits,
            expires_in=expires_in,
        )

    # -- raw access ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json: object = None,
        user_token: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """Call any API endpoint (``path`` relative to ``/api/v1``) and return its decoded JSON.

        For endpoints this SDK has no method for yet. Errors and retries are as for every other
        call: a POST or PATCH is retried only when you pass an ``idempotency_key``.

        >>> client.request("GET", "/analytics/summary")             # doctest: +SKIP
        """
        return self._http.call(
            self._calls.request(
                method,
                path,
                params=params,
                json=json,
                user_token=user_token,
                idempotency_key=idempotency_key,
            )
        )

    def health(self) -> dict[str, Any]:
        """The server's health report, e.g. ``{"status": "ok", ...}``."""
        return self._http.call(self._calls.health())

    # -- help center (published articles) -----------------------------------------------------

    def suggestions(
        self,
        context: str | None = None,
        url: str | None = None,
        locale: str | None = None,
        limit: int = 5,
    ) -> list[ArticleSummary]:
        """Articles for where the user is: context key first, then URL patterns, then popular.

        >>> client.suggestions(context="billing.invoices")  # doctest: +SKIP
        [ArticleSummary(slug='export-invoices', title='Export invoices', ...)]
        """
        return self._http.call(self._calls.suggestions(context, url, locale, limit))

    def search(
        self,
        q: str,
        locale: str | None = None,
        category: str | None = None,
        limit: int = 10,
        page: int = 1,
    ) -> SearchResults:
        """Search published articles. Snippets are HTML with the matches in ``<mark>``.

        >>> found = client.search("refund")                         # doctest: +SKIP
        >>> found.suggestion or [r.title for r in found.results]    # doctest: +SKIP
        """
        return self._http.call(self._calls.search(q, locale, category, limit, page))

    def article(self, slug: str, locale: str | None = None) -> Article:
        """One published article by slug, as Markdown (``body``) and sanitized HTML (``html``)."""
        return self._http.call(self._calls.article(slug, locale))

    def feedback(
        self,
        slug: str,
        helpful: bool,
        comment: str | None = None,
        user_token: str | None = None,
        locale: str | None = None,
    ) -> None:
        """Record whether an article (in ``locale``, default English) helped the reader."""
        self._http.call(self._calls.feedback(slug, helpful, comment, user_token, locale))

    def categories(self) -> list[Category]:
        """The help center's categories with their article counts."""
        return self._http.call(self._calls.categories())

    # -- tickets -------------------------------------------------------------------------------

    def create_ticket(
        self,
        body: str,
        subject: str | None = None,
        user_token: str | None = None,
        context: Mapping[str, Any] | None = None,
        priority: str | None = None,
        email: str | None = None,
        name: str | None = None,
        idempotency_key: str | None = None,
    ) -> Ticket:
        """File a ticket, once, even if the request has to be retried.

        With a ``user_token`` the requester is that user; without one (and without an API key)
        the ticket is anonymous and needs ``email``: the returned ticket then carries a
        ``visitor_token`` that lets the visitor read it later. ``context`` is anything that
        helps the agent (page URL, app version, ...). A fresh idempotency key is generated per
        call; pass your own (e.g. stored with a queued ticket) to make re-sending safe too.

        >>> ticket = client.create_ticket(                           # doctest: +SKIP
        ...     "The CSV export is empty", subject="Export broken", user_token=token,
        ...     context={"url": "/reports", "app_version": "2.3.1"})
        """
        return self._http.call(
            self._calls.create_ticket(
                body, subject, user_token, context, priority, email, name, idempotency_key
            )
        )

    def report_exception(
        self,
        exc: BaseException,
        *,
        user_token: str | None = None,
        context: Mapping[str, Any] | None = None,
        email: str | None = None,
        name: str | None = None,
        message: str | None = None,
    ) -> Ticket:
        """File a ticket about an exception your app caught, e.g. in an error handler.

        The ticket's context carries the exception's type, message and a trimmed traceback
        (no local variables; the client's own secrets and anything that looks like a Support
        key or token are redacted), next to the ``context`` you pass.

        >>> try:
        ...     export_invoices()
        ... except Exception as exc:                                 # doctest: +SKIP
        ...     client.report_exception(exc, user_token=token, context={"url": "/exports"})
        """
        return self._http.call(
            self._calls.report_exception(exc, user_token, context, email, name, message)
        )

    def tickets(
        self,
        user_token: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[Ticket]:
        """One page of tickets: the user's own with a ``user_token``, all of them for an agent.

        Pass ``page.next_cursor`` back as ``cursor`` for the next page.
        """
        return self._http.call(self._calls.tickets(user_token, status, cursor, limit))

    def ticket(self, ticket_id: str | int, user_token: str | None = None) -> Ticket:
        """One ticket with its messages (internal notes only for agents)."""
        return self._http.call(self._calls.ticket(ticket_id, user_token))

    def reply(
        self,
        ticket_id: str | int,
        body: str,
        user_token: str | None = None,
        internal: bool = False,
        idempotency_key: str | None = None,
    ) -> Message:
        """Add a message to a ticket; safe to retry, it is posted once.

        ``internal=True`` (agents only) adds a note the requester never sees.
        """
        return self._http.call(
            self._calls.reply(ticket_id, body, user_token, internal, idempotency_key)
        )

    def update_ticket(
        self,
        ticket_id: str | int,
        *,
        status: str | Unset = UNSET,
        priority: str | Unset = UNSET,
        assignee: str | Unset | None = UNSET,
        tags: Iterable[str] | Unset = UNSET,
    ) -> Ticket:
        """Change a ticket's status, priority, assignee (None unassigns) or tags (agent key).

        Only the fields you pass are sent. Statuses: ``new``, ``open``, ``pending``,
        ``solved``, ``closed``.

        >>> client.update_ticket(ticket.id, status="solved")        # doctest: +SKIP
        """
        return self._http.call(
            self._calls.update_ticket(ticket_id, status, priority, assignee, tags)
        )

    def rate(
        self,
        ticket_id: str | int,
        score: int,
        comment: str | None = None,
        user_token: str | None = None,
    ) -> Rating:
        """Rate a solved ticket from 1 (bad) to 5 (great), as its requester."""
        return self._http.call(self._calls.rate(ticket_id, score, comment, user_token))
