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
from ._files import UploadSource
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
    TicketField,
    Upload,
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
        *,
        fields: Mapping[str, Any] | None = None,
        attachments: Iterable[str | Upload] | None = None,
    ) -> Ticket:
        """File a ticket, once, even if the request has to be retried.

        With a ``user_token`` the requester is that user; without one (and without an API key)
        the ticket is anonymous and needs ``email``: the returned ticket then carries a
        ``visitor_token`` that lets the visitor read it later. ``context`` is anything that
        helps the agent (page URL, app version, ...). A fresh idempotency key is generated per
        call; pass your own (e.g. stored with a queued ticket) to make re-sending safe too.

        ``fields`` sets custom field values by key (:meth:`ticket_fields` lists them; a wrong
        value or a missing required field is a :class:`~support_sdk.ValidationError` whose
        ``details`` name ``fields.<key>``). ``attachments`` are up to 10 files uploaded with
        :meth:`upload` by the same credential, as :class:`Upload` results or their ids.

        >>> ticket = client.create_ticket(                           # doctest: +SKIP
        ...     "The CSV export is empty", subject="Export broken", user_token=token,
        ...     context={"url": "/reports", "app_version": "2.3.1"})
        >>> shot = client.upload("screenshot.png", user_token=token)  # doctest: +SKIP
        >>> client.create_ticket("Wrong total", user_token=token,     # doctest: +SKIP
        ...                      fields={"plan": "pro"}, attachments=[shot])
        """
        return self._http.call(
            self._calls.create_ticket(
                body,
                subject,
                user_token,
                context,
                priority,
                email,
                name,
                idempotency_key,
                fields=fields,
                attachments=attachments,
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
        *,
        attachments: Iterable[str | Upload] | None = None,
    ) -> Message:
        """Add a message to a ticket; safe to retry, it is posted once.

        ``internal=True`` (agents only) adds a note the requester never sees. ``attachments``
        are up to 10 files uploaded with :meth:`upload`; with some, ``body`` may be empty.

        >>> log = client.upload("export.log", user_token=token)     # doctest: +SKIP
        >>> client.reply(ticket.id, "", user_token=token, attachments=[log])  # doctest: +SKIP
        """
        return self._http.call(
            self._calls.reply(
                ticket_id, body, user_token, internal, idempotency_key, attachments=attachments
            )
        )

    def update_ticket(
        self,
        ticket_id: str | int,
        *,
        status: str | Unset = UNSET,
        priority: str | Unset = UNSET,
        assignee: str | Unset | None = UNSET,
        tags: Iterable[str] | Unset = UNSET,
        fields: Mapping[str, Any] | Unset = UNSET,
    ) -> Ticket:
        """Change a ticket's status, priority, assignee (None unassigns), tags or custom
        field values (agent key).

        Only the arguments you pass are sent. Statuses: ``new``, ``open``, ``pending``,
        ``solved``, ``closed``. ``fields`` changes only the keys it names, and a None value
        clears that field.

        >>> client.update_ticket(ticket.id, status="solved")        # doctest: +SKIP
        >>> client.update_ticket(ticket.id, fields={"plan": "pro", "seats": None})  # doctest: +SKIP
        """
        return self._http.call(
            self._calls.update_ticket(ticket_id, status, priority, assignee, tags, fields)
        )

    def ticket_fields(self, user_token: str | None = None) -> list[TicketField]:
        """The app's custom ticket fields, in order: with a ``user_token`` those visible to
        that user, with an agent key all of them.

        >>> [(f.key, f.type, f.options) for f in client.ticket_fields()]  # doctest: +SKIP
        [('plan', 'select', ('free', 'pro')), ('seats', 'number', ())]
        """
        return self._http.call(self._calls.ticket_fields(user_token))

    def upload(
        self,
        file: UploadSource,
        filename: str | None = None,
        *,
        user_token: str | None = None,
        content_type: str | None = None,
    ) -> Upload:
        """Upload one file to attach to a ticket or a reply (``attachments=[upload]``).

        ``file`` is the content (bytes, which need a ``filename``), a path, or a file object
        opened in binary mode; it is read once, whole. The name defaults to the path's last
        part, the type to what the name suggests, but the server decides what a file is from
        its bytes: an HTML page named ``.png`` is refused. Upload with the credential that will
        file the ticket or reply (the same ``user_token``, or the client's key): an upload is
        attachable only by whoever made it, within a day (``Upload.expires_at``).

        A refused file raises :class:`~support_sdk.ValidationError` with the server's reason:
        status 413 (``payload_too_large``: over the server's limit, 10 MB by default), 415
        (``unsupported_media_type``) or 422 (empty); these are never retried. An upload has no
        idempotency key, yet connection errors, 429 and 502/503/504 are retried like a GET: a
        retry may leave a second, unattached copy on the server, which removes it after a day.

        >>> shot = client.upload("screenshot.png", user_token=token)  # doctest: +SKIP
        >>> shot.id, shot.content_type                                # doctest: +SKIP
        ('upl_3kq...', 'image/png')
        >>> client.upload(csv_bytes, "export.csv", user_token=token)  # doctest: +SKIP
        """
        return self._http.call(self._calls.upload(file, filename, user_token, content_type))

    def rate(
        self,
        ticket_id: str | int,
        score: int,
        comment: str | None = None,
        user_token: str | None = None,
    ) -> Rating:
        """Rate a solved ticket from 1 (bad) to 5 (great), as its requester."""
        return self._http.call(self._calls.rate(ticket_id, score, comment, user_token))
