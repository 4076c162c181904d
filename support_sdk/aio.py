"""``AsyncSupportClient``: :class:`~support_sdk.SupportClient` for asyncio code, on httpx.

>>> from support_sdk import AsyncSupportClient
>>> async def file_it(token: str) -> None:
...     async with AsyncSupportClient("https://support.example.com", app_id="app_1") as client:
...         await client.create_ticket("The export button does nothing", user_token=token)

The same methods with the same arguments, the same results and errors, the same retries and
idempotency keys: both clients build their requests with :mod:`support_sdk._calls` and follow
one :class:`~support_sdk._http.RequestPolicy`; only the sending differs (httpx here, requests
there). :meth:`AsyncSupportClient.user_token` mints locally and is not awaited.

Needs the ``async`` extra: ``pip install 'support-sdk[async]'``.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping
from types import TracebackType
from typing import Any, TypeVar

try:
    import httpx
except ImportError as e:  # pragma: no cover - depends on what is installed
    raise ImportError("AsyncSupportClient needs httpx: pip install 'support-sdk[async]'") from e

from ._calls import ArticleCalls, ClientCalls, Keys
from ._files import UploadSource
from ._http import UNSET, Answer, Call, FilePart, RequestPolicy, Unset
from .errors import SupportError
from .models import (
    Article,
    ArticleSummary,
    Category,
    Message,
    Page,
    Rating,
    Revision,
    SearchResults,
    Ticket,
    TicketField,
    Upload,
)
from .tokens import mint_user_token

__all__ = ["AsyncArticlesService", "AsyncSupportClient", "AsyncTransport"]

T = TypeVar("T")
Sleep = Callable[[float], "Awaitable[None] | None"]


class AsyncTransport(RequestPolicy):
    """:class:`~support_sdk._http.Transport`'s twin on ``httpx.AsyncClient``.

    ``client`` is used as given and left open on :meth:`close`; without one the transport
    makes its own. ``sleep`` waits between retries: ``asyncio.sleep`` unless given (a plain
    function is called, a coroutine function awaited).
    """

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        client: httpx.AsyncClient | None = None,
        user_agent: str | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        super().__init__(
            base_url,
            app_id=app_id,
            timeout=timeout,
            max_retries=max_retries,
            user_agent=user_agent,
        )
        self._owns_client = client is None
        self._client = client if client is not None else httpx.AsyncClient()
        self._sleep: Sleep = sleep if sleep is not None else asyncio.sleep

    async def close(self) -> None:
        """Close the httpx client if this transport made it."""
        if self._owns_client:
            await self._client.aclose()

    async def call(self, call: Call[T]) -> T:
        """Send ``call`` and return its result."""
        return call.decode(
            await self.request(
                call.method,
                call.path,
                params=call.params,
                json_body=call.json_body,
                credential=call.credential,
                idempotency_key=call.idempotency_key,
                files=call.files,
                retry_safe=call.retry_safe,
            )
        )

    async def request(
        self,
        method: str,
        url_path: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json_body: object = None,
        credential: str | None = None,
        idempotency_key: str | None = None,
        files: Mapping[str, FilePart] | None = None,
        retry_safe: bool = False,
    ) -> Any:
        """Send one API call and return its decoded JSON, retrying as the sync one does."""
        request = self.prepare(
            method,
            url_path,
            params=params,
            json_body=json_body,
            credential=credential,
            idempotency_key=idempotency_key,
            files=files,
            retry_safe=retry_safe,
        )
        retries = self.retries(request)
        while True:
            cause: httpx.HTTPError | None = None
            retry_after: float | None = None
            error: SupportError
            try:
                response = await self._client.request(
                    request.method,
                    request.url,
                    params=request.params,
                    content=request.data,
                    files=request.files,
                    headers=request.headers,
                    timeout=self.timeout,
                )
            except httpx.TimeoutException as e:
                cause, error = e, self.timed_out(request)
            except httpx.HTTPError as e:
                cause, error = e, self.unreachable(request, e)
            else:
                answer = Answer(
                    status=response.status_code,
                    reason=response.reason_phrase,
                    headers=response.headers,
                    content=response.content,
                    encoding=response.encoding,
                )
                failed = self.failure(answer)
                if failed is None:
                    return self.decode(answer)
                error, retry_after = failed
            delay = retries.delay(error, retry_after)
            if delay is None:
                raise error from cause
            waiting = self._sleep(delay)
            if inspect.isawaitable(waiting):
                await waiting


class AsyncArticlesService:
    """:class:`~support_sdk.ArticlesService`, awaited. Reach it as ``client.articles``."""

    def __init__(self, transport: AsyncTransport, api_key: str | None) -> None:
        self._http = transport
        self._calls = ArticleCalls(Keys(api_key=api_key))

    async def create(
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
        """See :meth:`support_sdk.ArticlesService.create`."""
        return await self._http.call(
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

    async def get(self, article_id: str | int) -> Article:
        """See :meth:`support_sdk.ArticlesService.get`."""
        return await self._http.call(self._calls.get(article_id))

    async def update(
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
        """See :meth:`support_sdk.ArticlesService.update`."""
        return await self._http.call(
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

    async def publish(self, article_id: str | int) -> Article:
        """See :meth:`support_sdk.ArticlesService.publish`."""
        return await self._http.call(self._calls.transition(article_id, "publish"))

    async def unpublish(self, article_id: str | int) -> Article:
        """See :meth:`support_sdk.ArticlesService.unpublish`."""
        return await self._http.call(self._calls.transition(article_id, "unpublish"))

    async def archive(self, article_id: str | int) -> Article:
        """See :meth:`support_sdk.ArticlesService.archive`."""
        return await self._http.call(self._calls.transition(article_id, "archive"))

    async def revisions(
        self, article_id: str | int, *, cursor: str | None = None, limit: int | None = None
    ) -> Page[Revision]:
        """See :meth:`support_sdk.ArticlesService.revisions`."""
        return await self._http.call(self._calls.revisions(article_id, cursor=cursor, limit=limit))

    async def iter_all(
        self,
        *,
        status: str | None = None,
        locale: str | None = None,
        category: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[Article]:
        """Every matching article, page after page (``async for``); see
        :meth:`support_sdk.ArticlesService.iter_all`."""
        cursor: str | None = None
        while True:
            page = await self.list(
                status=status, locale=locale, category=category, cursor=cursor, limit=page_size
            )
            for article in page.items:
                yield article
            # A cursor that does not move would loop forever: treat it as the end.
            if page.next_cursor is None or page.next_cursor == cursor:
                return
            cursor = page.next_cursor

    async def list(
        self,
        *,
        status: str | None = None,
        locale: str | None = None,
        category: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[Article]:
        """See :meth:`support_sdk.ArticlesService.list`."""
        return await self._http.call(
            self._calls.list(
                status=status, locale=locale, category=category, cursor=cursor, limit=limit
            )
        )


class AsyncSupportClient:
    """:class:`~support_sdk.SupportClient` for asyncio code: the same arguments, with an
    ``httpx.AsyncClient`` as ``client`` where the sync one takes a ``requests.Session``, and
    ``sleep`` may be a coroutine function. Use ``async with``, or ``await client.close()``.
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
        client: httpx.AsyncClient | None = None,
        user_agent: str | None = None,
        sleep: Sleep | None = None,
    ) -> None:
        self._http = AsyncTransport(
            base_url,
            app_id=app_id,
            timeout=timeout,
            max_retries=max_retries,
            client=client,
            user_agent=user_agent,
            sleep=sleep,
        )
        self.app_id = app_id
        self._app_secret = app_secret
        self._api_key = api_key
        self._calls = ClientCalls(Keys(app_id, app_secret, api_key))
        self.articles = AsyncArticlesService(self._http, api_key)

    @property
    def base_url(self) -> str:
        """The server's root URL, without a trailing slash."""
        return self._http.base_url

    def __repr__(self) -> str:
        # Never show the secret or the key: reprs end up in logs.
        return f"AsyncSupportClient({self.base_url!r}, app_id={self.app_id!r})"

    async def __aenter__(self) -> AsyncSupportClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    async def close(self) -> None:
        """Release the client's connections (a ``client`` you passed in is left open)."""
        await self._http.close()

    def user_token(
        self,
        user_id: str | int,
        email: str | None = None,
        name: str | None = None,
        traits: Mapping[str, Any] | None = None,
        expires_in: int = 3600,
    ) -> str:
        """Mint a signed end-user token locally (not awaited); see
        :meth:`support_sdk.SupportClient.user_token`."""
        if not self.app_id or not self._app_secret:
            raise ValueError(
                "user_token() needs app_id and app_secret: "
                "AsyncSupportClient(base_url, app_id='app_...', app_secret='...')"
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

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | None] | None = None,
        json: object = None,
        user_token: str | None = None,
        idempotency_key: str | None = None,
    ) -> Any:
        """See :meth:`support_sdk.SupportClient.request`."""
        return await self._http.call(
            self._calls.request(
                method,
                path,
                params=params,
                json=json,
                user_token=user_token,
                idempotency_key=idempotency_key,
            )
        )

    async def health(self) -> dict[str, Any]:
        """See :meth:`support_sdk.SupportClient.health`."""
        return await self._http.call(self._calls.health())

    async def suggestions(
        self,
        context: str | None = None,
        url: str | None = None,
        locale: str | None = None,
        limit: int = 5,
    ) -> list[ArticleSummary]:
        """See :meth:`support_sdk.SupportClient.suggestions`."""
        return await self._http.call(self._calls.suggestions(context, url, locale, limit))

    async def search(
        self,
        q: str,
        locale: str | None = None,
        category: str | None = None,
        limit: int = 10,
        page: int = 1,
    ) -> SearchResults:
        """See :meth:`support_sdk.SupportClient.search`."""
        return await self._http.call(self._calls.search(q, locale, category, limit, page))

    async def article(self, slug: str, locale: str | None = None) -> Article:
        """See :meth:`support_sdk.SupportClient.article`."""
        return await self._http.call(self._calls.article(slug, locale))

    async def feedback(
        self,
        slug: str,
        helpful: bool,
        comment: str | None = None,
        user_token: str | None = None,
        locale: str | None = None,
    ) -> None:
        """See :meth:`support_sdk.SupportClient.feedback`."""
        await self._http.call(self._calls.feedback(slug, helpful, comment, user_token, locale))

    async def categories(self) -> list[Category]:
        """See :meth:`support_sdk.SupportClient.categories`."""
        return await self._http.call(self._calls.categories())

    async def create_ticket(
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
        """See :meth:`support_sdk.SupportClient.create_ticket`."""
        return await self._http.call(
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

    async def report_exception(
        self,
        exc: BaseException,
        *,
        user_token: str | None = None,
        context: Mapping[str, Any] | None = None,
        email: str | None = None,
        name: str | None = None,
        message: str | None = None,
    ) -> Ticket:
        """See :meth:`support_sdk.SupportClient.report_exception`."""
        return await self._http.call(
            self._calls.report_exception(exc, user_token, context, email, name, message)
        )

    async def tickets(
        self,
        user_token: str | None = None,
        status: str | None = None,
        cursor: str | None = None,
        limit: int | None = None,
    ) -> Page[Ticket]:
        """See :meth:`support_sdk.SupportClient.tickets`."""
        return await self._http.call(self._calls.tickets(user_token, status, cursor, limit))

    async def ticket(self, ticket_id: str | int, user_token: str | None = None) -> Ticket:
        """See :meth:`support_sdk.SupportClient.ticket`."""
        return await self._http.call(self._calls.ticket(ticket_id, user_token))

    async def reply(
        self,
        ticket_id: str | int,
        body: str,
        user_token: str | None = None,
        internal: bool = False,
        idempotency_key: str | None = None,
        *,
        attachments: Iterable[str | Upload] | None = None,
    ) -> Message:
        """See :meth:`support_sdk.SupportClient.reply`."""
        return await self._http.call(
            self._calls.reply(
                ticket_id, body, user_token, internal, idempotency_key, attachments=attachments
            )
        )

    async def update_ticket(
        self,
        ticket_id: str | int,
        *,
        status: str | Unset = UNSET,
        priority: str | Unset = UNSET,
        assignee: str | Unset | None = UNSET,
        tags: Iterable[str] | Unset = UNSET,
        fields: Mapping[str, Any] | Unset = UNSET,
    ) -> Ticket:
        """See :meth:`support_sdk.SupportClient.update_ticket`."""
        return await self._http.call(
            self._calls.update_ticket(ticket_id, status, priority, assignee, tags, fields)
        )

    async def ticket_fields(self, user_token: str | None = None) -> list[TicketField]:
        """See :meth:`support_sdk.SupportClient.ticket_fields`."""
        return await self._http.call(self._calls.ticket_fields(user_token))

    async def upload(
        self,
        file: UploadSource,
        filename: str | None = None,
        *,
        user_token: str | None = None,
        content_type: str | None = None,
    ) -> Upload:
        """See :meth:`support_sdk.SupportClient.upload` (the file is read in a worker thread,
        not on the event loop)."""
        call = await asyncio.to_thread(self._calls.upload, file, filename, user_token, content_type)
        return await self._http.call(call)

    async def rate(
        self,
        ticket_id: str | int,
        score: int,
        comment: str | None = None,
        user_token: str | None = None,
    ) -> Rating:
        """See :meth:`support_sdk.SupportClient.rate`."""
        return await self._http.call(self._calls.rate(ticket_id, score, comment, user_token))
