"""Every API call of the clients, as data: one builder per method of
:class:`~support_sdk.SupportClient` and :class:`~support_sdk.ArticlesService`.

Each builder checks its arguments, picks the credential, adds the idempotency key a create
needs and says how the answer becomes a result, and returns a :class:`~support_sdk._http.Call`.
The sync client sends it with requests, the async client (:mod:`support_sdk.aio`) with httpx:
the two cannot send different requests or build different results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import uuid4

from ._files import UploadSource, file_part
from ._http import UNSET, Call, Unset, api_path, compact, string_list
from .error_reports import exception_context
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
    from_response,
)

__all__ = ["ArticleCalls", "ClientCalls", "Keys"]


def _same(data: Any) -> Any:
    return data


def _nothing(data: Any) -> None:
    return None


def attachment_ids(values: Iterable[str | Upload] | None) -> list[str] | None:
    """The upload ids (``upl_...``) to send as ``attachments``, from ids or :class:`Upload`
    results; None for none given (a lone string is refused rather than split)."""
    if values is None:
        return None
    if isinstance(values, (str, Upload)):
        raise TypeError("attachments must be a list of uploads or upload ids")
    return [value.id if isinstance(value, Upload) else str(value) for value in values]


def field_values(values: Mapping[str, Any]) -> dict[str, Any]:
    """Custom field values as a JSON object (a None value clears a field in an update)."""
    if not isinstance(values, Mapping):
        raise TypeError("fields must be a mapping of field key to value")
    return {str(key): value for key, value in values.items()}


@dataclass(frozen=True)
class Keys:
    """The credentials a client was given."""

    app_id: str | None = None
    app_secret: str | None = None
    api_key: str | None = None

    def credential(self, user_token: str | None) -> str | None:
        """What a call sends: the user's token if any, else the staff key if any."""
        return user_token or self.api_key

    def staff_key(self, what: str) -> str:
        if not self.api_key:
            raise ValueError(f"{what} needs a staff API key: SupportClient(..., api_key='sk_...')")
        return self.api_key

    def writer_key(self) -> str:
        if not self.api_key:
            raise ValueError(
                "the articles API needs a staff API key: SupportClient(..., api_key='sk_...')"
            )
        return self.api_key


class ClientCalls:
    """The calls of the client itself (help center, tickets, raw requests)."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, str | int | None] | None,
        json: object,
        user_token: str | None,
        idempotency_key: str | None,
    ) -> Call[Any]:
        return Call(
            method,
            path,
            _same,
            params=params,
            json_body=json,
            credential=self.keys.credential(user_token),
            idempotency_key=idempotency_key,
        )

    def health(self) -> Call[dict[str, Any]]:
        return Call("GET", "/health", lambda data: from_response(dict, data))

    def suggestions(
        self, context: str | None, url: str | None, locale: str | None, limit: int
    ) -> Call[list[ArticleSummary]]:
        return Call(
            "GET",
            "/help/suggestions",
            lambda data: from_response(
                lambda d: [ArticleSummary.from_dict(item) for item in d["articles"]], data
            ),
            params={"context": context, "url": url, "locale": locale, "limit": limit},
            credential=self.keys.api_key,
        )

    def search(
        self, q: str, locale: str | None, category: str | None, limit: int, page: int
    ) -> Call[SearchResults]:
        return Call(
            "GET",
            "/help/search",
            lambda data: from_response(SearchResults.from_dict, data),
            params={"q": q, "locale": locale, "category": category, "limit": limit, "page": page},
            credential=self.keys.api_key,
        )

    def article(self, slug: str, locale: str | None) -> Call[Article]:
        return Call(
            "GET",
            api_path("/help/articles/{}", slug),
            lambda data: from_response(Article.from_dict, data),
            params={"locale": locale},
            credential=self.keys.api_key,
        )

    def feedback(
        self,
        slug: str,
        helpful: bool,
        comment: str | None,
        user_token: str | None,
        locale: str | None,
    ) -> Call[None]:
        return Call(
            "POST",
            api_path("/help/articles/{}/feedback", slug),
            _nothing,
            params={"locale": locale},
            json_body=compact({"helpful": bool(helpful), "comment": comment}),
            credential=self.keys.credential(user_token),
        )

    def categories(self) -> Call[list[Category]]:
        return Call(
            "GET",
            "/help/categories",
            lambda data: from_response(
                lambda d: [Category.from_dict(item) for item in d["items"]], data
            ),
            credential=self.keys.api_key,
        )

    def create_ticket(
        self,
        body: str,
        subject: str | None,
        user_token: str | None,
        context: Mapping[str, Any] | None,
        priority: str | None,
        email: str | None,
        name: str | None,
        idempotency_key: str | None,
        fields: Mapping[str, Any] | None = None,
        attachments: Iterable[str | Upload] | None = None,
    ) -> Call[Ticket]:
        sent = compact(
            {
                "subject": subject,
                "body": body,
                "email": email,
                "name": name,
                "priority": priority,
                "context": dict(context) if context is not None else None,
                "fields": field_values(fields) if fields is not None else None,
                "attachments": attachment_ids(attachments),
            }
        )
        return Call(
            "POST",
            "/tickets",
            lambda data: from_response(Ticket.from_dict, data),
            json_body=sent,
            credential=self.keys.credential(user_token),
            idempotency_key=idempotency_key or str(uuid4()),
        )

    def report_exception(
        self,
        exc: BaseException,
        user_token: str | None,
        context: Mapping[str, Any] | None,
        email: str | None,
        name: str | None,
        message: str | None,
    ) -> Call[Ticket]:
        details = exception_context(
            exc, secrets=[self.keys.app_secret or "", self.keys.api_key or ""]
        )
        merged = {**dict(context or {}), "exception": details}
        summary = f"{details['type']}: {details['message']}".strip()
        return self.create_ticket(
            message or f"The app hit an error: {summary}",
            subject=f"Error: {details['type']}"[:200],
            user_token=user_token,
            context=merged,
            priority=None,
            email=email,
            name=name,
            idempotency_key=None,
        )

    def tickets(
        self, user_token: str | None, status: str | None, cursor: str | None, limit: int | None
    ) -> Call[Page[Ticket]]:
        return Call(
            "GET",
            "/tickets",
            lambda data: from_response(lambda d: Page.from_dict(d, Ticket.from_dict), data),
            params={"status": status, "cursor": cursor, "limit": limit},
            credential=self.keys.credential(user_token),
        )

    def ticket(self, ticket_id: str | int, user_token: str | None) -> Call[Ticket]:
        return Call(
            "GET",
            api_path("/tickets/{}", ticket_id),
            lambda data: from_response(Ticket.from_dict, data),
            credential=self.keys.credential(user_token),
        )

    def reply(
        self,
        ticket_id: str | int,
        body: str,
        user_token: str | None,
        internal: bool,
        idempotency_key: str | None,
        attachments: Iterable[str | Upload] | None = None,
    ) -> Call[Message]:
        fields: dict[str, object] = {"body": body}
        if internal:
            fields["internal"] = True
        ids = attachment_ids(attachments)
        if ids is not None:
            fields["attachments"] = ids
        return Call(
            "POST",
            api_path("/tickets/{}/messages", ticket_id),
            lambda data: from_response(Message.from_dict, data),
            json_body=fields,
            credential=self.keys.credential(user_token),
            idempotency_key=idempotency_key or str(uuid4()),
        )

    def update_ticket(
        self,
        ticket_id: str | int,
        status: str | Unset,
        priority: str | Unset,
        assignee: str | Unset | None,
        tags: Iterable[str] | Unset,
        fields: Mapping[str, Any] | Unset = UNSET,
    ) -> Call[Ticket]:
        sent = compact(
            {
                "status": status,
                "priority": priority,
                "assignee": assignee,
                "tags": tags if isinstance(tags, Unset) else string_list("tags", tags),
                "fields": fields if isinstance(fields, Unset) else field_values(fields),
            },
            drop=UNSET,
        )
        return Call(
            "PATCH",
            api_path("/tickets/{}", ticket_id),
            lambda data: from_response(Ticket.from_dict, data),
            json_body=sent,
            credential=self.keys.staff_key("update_ticket()"),
        )

    def ticket_fields(self, user_token: str | None) -> Call[list[TicketField]]:
        return Call(
            "GET",
            "/ticket-fields",
            lambda data: from_response(
                lambda d: [TicketField.from_dict(item) for item in d["items"]], data
            ),
            credential=self.keys.credential(user_token),
        )

    def upload(
        self,
        file: UploadSource,
        filename: str | None,
        user_token: str | None,
        content_type: str | None,
    ) -> Call[Upload]:
        # No Idempotency-Key (the server keeps none for uploads), yet safe to retry: a second
        # copy of a file is never attached and the server removes it after a day.
        return Call(
            "POST",
            "/uploads",
            lambda data: from_response(Upload.from_dict, data),
            files={"file": file_part(file, filename, content_type)},
            credential=self.keys.credential(user_token),
            retry_safe=True,
        )

    def rate(
        self, ticket_id: str | int, score: int, comment: str | None, user_token: str | None
    ) -> Call[Rating]:
        return Call(
            "POST",
            api_path("/tickets/{}/rating", ticket_id),
            lambda data: from_response(Rating.from_dict, data),
            json_body=compact({"score": score, "comment": comment}),
            credential=self.keys.credential(user_token),
        )


class ArticleCalls:
    """The calls of the writer API (``client.articles``)."""

    def __init__(self, keys: Keys) -> None:
        self.keys = keys

    def create(
        self,
        title: str,
        body: str,
        *,
        slug: str | None,
        summary: str | None,
        category: str | None,
        tags: Iterable[str],
        contexts: Iterable[str],
        locale: str | None,
        status: str | None,
        idempotency_key: str | None,
    ) -> Call[Article]:
        fields = compact(
            {
                "title": title,
                "body": body,
                "slug": slug,
                "summary": summary,
                "category": category,
                "tags": string_list("tags", tags),
                "contexts": string_list("contexts", contexts),
                "locale": locale,
                "status": status,
            }
        )
        return Call(
            "POST",
            "/articles",
            _article,
            json_body=fields,
            credential=self.keys.writer_key(),
            idempotency_key=idempotency_key or str(uuid4()),
        )

    def get(self, article_id: str | int) -> Call[Article]:
        return Call(
            "GET", api_path("/articles/{}", article_id), _article, credential=self.keys.writer_key()
        )

    def update(
        self,
        article_id: str | int,
        *,
        title: str | Unset,
        body: str | Unset,
        slug: str | Unset,
        summary: str | Unset,
        category: str | Unset,
        tags: Iterable[str] | Unset,
        contexts: Iterable[str] | Unset,
        locale: str | Unset,
        status: str | Unset,
        revision: int | None,
    ) -> Call[Article]:
        fields = compact(
            {
                "title": title,
                "body": body,
                "slug": slug,
                "summary": summary,
                "category": category,
                "tags": tags if isinstance(tags, Unset) else string_list("tags", tags),
                "contexts": (
                    contexts if isinstance(contexts, Unset) else string_list("contexts", contexts)
                ),
                "locale": locale,
                "status": status,
                "revision": UNSET if revision is None else revision,
            },
            drop=UNSET,
        )
        return Call(
            "PATCH",
            api_path("/articles/{}", article_id),
            _article,
            json_body=fields,
            credential=self.keys.writer_key(),
        )

    def transition(self, article_id: str | int, action: str) -> Call[Article]:
        return Call(
            "POST",
            api_path("/articles/{}/" + action, article_id),
            _article,
            credential=self.keys.writer_key(),
        )

    def revisions(
        self, article_id: str | int, *, cursor: str | None, limit: int | None
    ) -> Call[Page[Revision]]:
        return Call(
            "GET",
            api_path("/articles/{}/revisions", article_id),
            lambda data: from_response(lambda d: Page.from_dict(d, Revision.from_dict), data),
            params={"cursor": cursor, "limit": limit},
            credential=self.keys.writer_key(),
        )

    def list(
        self,
        *,
        status: str | None,
        locale: str | None,
        category: str | None,
        cursor: str | None,
        limit: int | None,
    ) -> Call[Page[Article]]:
        return Call(
            "GET",
            "/articles",
            lambda data: from_response(lambda d: Page.from_dict(d, Article.from_dict), data),
            params={
                "status": status,
                "locale": locale,
                "category": category,
                "cursor": cursor,
                "limit": limit,
            },
            credential=self.keys.writer_key(),
        )


def _article(data: Any) -> Article:
    return from_response(Article.from_dict, data)
