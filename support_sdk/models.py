"""Typed results: frozen dataclasses built from the API's JSON.

Each class has ``from_dict(data)``, which reads the fields it knows and ignores any others, so a
newer server that adds fields never breaks an older SDK. Fields the server may leave out or send
as null get a default.

Conventions:

- **Ids** are opaque strings (e.g. ``"tk_4f9x..."``); methods that take an id also accept an int.
- **Timestamps** are kept exactly as the server sends them: ISO 8601 strings in UTC, such as
  ``"2024-05-01T12:30:00.000Z"``, which sort correctly as text. Parse one with
  ``datetime.fromisoformat(ts.replace("Z", "+00:00"))`` when you need a ``datetime``.
- **Collections** inside a result are tuples, so results stay immutable; free-form objects (a
  ticket's ``context``) are mappings.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Generic, TypeVar

from .errors import SupportError

__all__ = [
    "Article",
    "ArticleSummary",
    "Attachment",
    "Author",
    "Category",
    "Message",
    "Page",
    "Rating",
    "Requester",
    "Revision",
    "SearchResult",
    "SearchResults",
    "Sla",
    "Team",
    "Ticket",
    "TicketField",
    "Upload",
    "from_response",
]

T = TypeVar("T")
_I = TypeVar("_I")


def _mapping(value: object, what: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise TypeError(f"{what} is not a JSON object")
    return value


def _req_str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if value is None or isinstance(value, (bool, dict, list)):
        raise ValueError(f"field {key!r} is missing or not a string")
    return str(value)


def _opt_str(data: Mapping[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, (bool, dict, list)):
        raise ValueError(f"field {key!r} is not a string")
    return str(value)


def _str(data: Mapping[str, Any], key: str) -> str:
    return _opt_str(data, key) or ""


def _int(data: Mapping[str, Any], key: str, default: int = 0) -> int:
    value = data.get(key)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ValueError(f"field {key!r} is not a number")
    return int(value)


def _bool(data: Mapping[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key)
    return default if value is None else bool(value)


def _opt_int(data: Mapping[str, Any], key: str) -> int | None:
    return None if data.get(key) is None else _int(data, key)


def _strs(data: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"field {key!r} is not a list")
    return tuple(str(item) for item in value)


def _objects(
    data: Mapping[str, Any], key: str, build: Callable[[Mapping[str, Any]], T]
) -> tuple[T, ...]:
    value = data.get(key)
    if value is None:
        return ()
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"field {key!r} is not a list")
    return tuple(build(_mapping(item, f"an item of {key!r}")) for item in value)


def _frozen_mapping(data: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = data.get(key)
    if value is None:
        return MappingProxyType({})
    return MappingProxyType(dict(_mapping(value, f"field {key!r}")))


def _opt_object(
    data: Mapping[str, Any], key: str, build: Callable[[Mapping[str, Any]], T]
) -> T | None:
    value = data.get(key)
    return None if value is None else build(_mapping(value, f"field {key!r}"))


def from_response(build: Callable[[Mapping[str, Any]], T], data: object) -> T:
    """Build a result from a decoded response body, turning a malformed body into an error.

    A body that lacks a required field or has one of the wrong type raises
    :class:`~support_sdk.errors.SupportError` with code ``"invalid_response"`` rather than a
    ``KeyError`` from deep inside the SDK.
    """
    try:
        return build(_mapping(data, "the response body"))
    except (AttributeError, KeyError, TypeError, ValueError) as e:
        raise SupportError(
            f"unexpected response from the server: {e}", code="invalid_response"
        ) from e


@dataclass(frozen=True)
class ArticleSummary:
    """A published article as listed by suggestions."""

    slug: str
    title: str
    summary: str = ""
    category: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ArticleSummary:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            slug=_req_str(data, "slug"),
            title=_str(data, "title"),
            summary=_str(data, "summary"),
            category=_str(data, "category"),
        )


@dataclass(frozen=True)
class Article:
    """An article: a published one from the help API, or any status from the writer API.

    ``body`` is the Markdown source and ``html`` its sanitized rendering. The writer-only fields
    (``id``, ``status``, ``revision``, ``created_at``, ``published_at``) are None when the
    article comes from the public help API.
    """

    slug: str
    title: str
    body: str = ""
    html: str = ""
    summary: str = ""
    category: str = ""
    tags: tuple[str, ...] = ()
    contexts: tuple[str, ...] = ()
    locale: str = "en"
    updated_at: str | None = None
    id: str | None = None
    status: str | None = None
    revision: int | None = None
    created_at: str | None = None
    published_at: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Article:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            slug=_req_str(data, "slug"),
            title=_str(data, "title"),
            body=_str(data, "body"),
            html=_str(data, "html"),
            summary=_str(data, "summary"),
            category=_str(data, "category"),
            tags=_strs(data, "tags"),
            contexts=_strs(data, "contexts"),
            locale=_opt_str(data, "locale") or "en",
            updated_at=_opt_str(data, "updated_at"),
            id=_opt_str(data, "id"),
            status=_opt_str(data, "status"),
            revision=_opt_int(data, "revision"),
            created_at=_opt_str(data, "created_at"),
            published_at=_opt_str(data, "published_at"),
        )


@dataclass(frozen=True)
class Revision:
    """One saved revision of an article (writer API)."""

    revision: int
    title: str
    body: str = ""
    created_at: str | None = None
    author: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Revision:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            revision=_int(data, "revision"),
            title=_str(data, "title"),
            body=_str(data, "body"),
            created_at=_opt_str(data, "created_at"),
            author=_str(data, "author"),
        )


@dataclass(frozen=True)
class SearchResult:
    """One search hit. ``snippet`` is HTML in which the matched words are wrapped in ``<mark>``."""

    slug: str
    title: str
    snippet: str = ""
    category: str = ""
    score: float = 0.0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchResult:
        """Build from the API's JSON, ignoring unknown fields."""
        score = data.get("score")
        return cls(
            slug=_req_str(data, "slug"),
            title=_str(data, "title"),
            snippet=_str(data, "snippet"),
            category=_str(data, "category"),
            score=float(score) if score is not None else 0.0,
        )


@dataclass(frozen=True)
class SearchResults:
    """A page of search hits. ``suggestion`` is the "did you mean" text, or None."""

    results: tuple[SearchResult, ...]
    total: int = 0
    page: int = 1
    suggestion: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SearchResults:
        """Build from the API's JSON, ignoring unknown fields."""
        results = _objects(data, "results", SearchResult.from_dict)
        return cls(
            results=results,
            total=_int(data, "total", len(results)),
            page=_int(data, "page", 1),
            suggestion=_opt_str(data, "suggestion"),
        )


@dataclass(frozen=True)
class Category:
    """A help-center category and how many published articles it holds."""

    name: str
    slug: str
    count: int = 0

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Category:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(name=_str(data, "name"), slug=_req_str(data, "slug"), count=_int(data, "count"))


@dataclass(frozen=True)
class Requester:
    """Who filed a ticket: an end user of the host app, a visitor, or staff (``kind``:
    ``"user"``, ``"visitor"`` or ``"staff"``, when the server says)."""

    id: str | None = None
    email: str | None = None
    name: str | None = None
    kind: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Requester:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            id=_opt_str(data, "id"),
            email=_opt_str(data, "email"),
            name=_opt_str(data, "name"),
            kind=_opt_str(data, "kind"),
        )


@dataclass(frozen=True)
class Upload:
    """A file uploaded with :meth:`~support_sdk.SupportClient.upload`, not attached yet.

    Pass it (or its ``id``, ``"upl_..."``) in ``attachments=`` of ``create_ticket`` or ``reply``
    before ``expires_at``; the server removes an upload nobody attached after a day.
    ``content_type`` is what the server found the bytes to be, whatever the name says.
    """

    id: str
    filename: str
    content_type: str = ""
    size: int = 0
    expires_at: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Upload:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            id=_req_str(data, "id"),
            filename=_str(data, "filename"),
            content_type=_str(data, "content_type"),
            size=_int(data, "size"),
            expires_at=_opt_str(data, "expires_at"),
        )


@dataclass(frozen=True)
class Attachment:
    """A file of a ticket or of one of its messages.

    ``url`` is an absolute, signed link valid for at least a day, with no credential needed:
    images (``image/png``, ``jpeg``, ``gif``, ``webp``) are served inline, fit for
    ``<img src>``, every other type as a download. Fetch the ticket again for a fresh link.
    ``inline`` and ``content_id`` are set for images a mail embedded (``src="cid:..."``);
    ``note`` says, when they disagree, how the name or the declared type differ from the bytes.
    """

    id: str
    filename: str
    content_type: str = ""
    size: int = 0
    url: str | None = None
    inline: bool = False
    content_id: str | None = None
    note: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Attachment:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            id=_req_str(data, "id"),
            filename=_str(data, "filename"),
            content_type=_str(data, "content_type"),
            size=_int(data, "size"),
            url=_opt_str(data, "url"),
            inline=_bool(data, "inline"),
            content_id=_opt_str(data, "content_id"),
            note=_str(data, "note"),
        )


@dataclass(frozen=True)
class TicketField:
    """A custom ticket field the app defined, as :meth:`~support_sdk.SupportClient.ticket_fields`
    lists them: set its value with ``fields={key: value}``.

    ``type`` says what a value must be: ``"text"`` (a string), ``"number"``, ``"checkbox"``
    (True or False), ``"date"`` (``"YYYY-MM-DD"``) or ``"select"`` (one of ``options``). A
    ``required`` field must be given when filing a ticket through the API. ``archived`` fields
    (listed for agents only) take no new values; tickets keep theirs.
    """

    id: str
    key: str
    label: str = ""
    type: str = "text"
    options: tuple[str, ...] = ()
    required: bool = False
    visible_to_requester: bool = True
    position: int = 0
    archived: bool = False

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TicketField:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            id=_req_str(data, "id"),
            key=_req_str(data, "key"),
            label=_str(data, "label"),
            type=_opt_str(data, "type") or "text",
            options=_strs(data, "options"),
            required=_bool(data, "required"),
            visible_to_requester=_bool(data, "visible_to_requester", True),
            position=_int(data, "position"),
            archived=_bool(data, "archived"),
        )


@dataclass(frozen=True)
class Team:
    """The team a ticket is routed to (agents only)."""

    id: str
    name: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Team:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(id=_req_str(data, "id"), name=_str(data, "name"))


@dataclass(frozen=True)
class Sla:
    """A ticket's service-level targets (agents only): the policy's due times, ``next_due``
    the earliest one not met yet, ``breached`` the targets missed (``"first_response"``,
    ``"next_response"``, ``"resolution"``). ``paused`` while the ticket is pending."""

    policy: str = ""
    first_response_due: str | None = None
    first_response_at: str | None = None
    next_response_due: str | None = None
    resolution_due: str | None = None
    next_due: str | None = None
    paused: bool = False
    breached: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Sla:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            policy=_str(data, "policy"),
            first_response_due=_opt_str(data, "first_response_due"),
            first_response_at=_opt_str(data, "first_response_at"),
            next_response_due=_opt_str(data, "next_response_due"),
            resolution_due=_opt_str(data, "resolution_due"),
            next_due=_opt_str(data, "next_due"),
            paused=_bool(data, "paused"),
            breached=_strs(data, "breached"),
        )


@dataclass(frozen=True)
class Author:
    """Who wrote a ticket message. ``kind`` is ``"requester"`` or ``"agent"``."""

    kind: str
    id: str | None = None
    name: str | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Author:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            kind=_req_str(data, "kind"), id=_opt_str(data, "id"), name=_opt_str(data, "name")
        )


@dataclass(frozen=True)
class Message:
    """A message in a ticket's conversation. ``internal`` notes are visible to agents only."""

    id: str
    body: str
    author: Author
    internal: bool = False
    created_at: str | None = None
    #: ``web`` (the widget, the API) or ``email`` (the requester answered by mail)
    channel: str = "web"
    #: the files that came with the message
    attachments: tuple[Attachment, ...] = ()

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Message:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(
            id=_req_str(data, "id"),
            body=_str(data, "body"),
            author=Author.from_dict(_mapping(data.get("author"), "field 'author'")),
            internal=bool(data.get("internal", False)),
            created_at=_opt_str(data, "created_at"),
            channel=_opt_str(data, "channel") or "web",
            attachments=_objects(data, "attachments", Attachment.from_dict),
        )


@dataclass(frozen=True)
class Rating:
    """A requester's satisfaction rating (CSAT) of a solved ticket: ``score`` 1 to 5."""

    score: int
    comment: str = ""

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Rating:
        """Build from the API's JSON, ignoring unknown fields."""
        return cls(score=_int(data, "score"), comment=_str(data, "comment"))


@dataclass(frozen=True)
class Ticket:
    """A support ticket with the context it was filed from and, when fetched, its messages.

    ``visitor_token`` is set only on the response to an anonymous :meth:`create_ticket
    <support_sdk.SupportClient.create_ticket>`: keep it, it is the visitor's only way to see
    this ticket again (pass it as ``user_token``). ``traits`` (agents only) are those of the
    requester's user token when the ticket was filed, signed by your backend; ``context`` is
    what the browser sent, unverified.

    ``fields`` are the custom field values by key (see :class:`TicketField`; a requester sees
    those of the fields visible to them) and ``attachments`` the files of the opening message
    (each message has its own). ``merged_into`` is the id of the ticket this one was closed
    as a duplicate of. ``team``, ``sla`` and ``followers`` (usernames of the agents told of
    replies besides the assignee) are shown to agents only; ``unread`` to requesters only
    (an agent replied since they last read it), else None.
    """

    id: str
    status: str
    body: str = ""
    subject: str = ""
    priority: str | None = None
    source: str | None = None
    requester: Requester | None = None
    context: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    created_at: str | None = None
    updated_at: str | None = None
    messages: tuple[Message, ...] = ()
    assignee: str | None = None
    tags: tuple[str, ...] = ()
    rating: Rating | None = None
    visitor_token: str | None = None
    traits: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    fields: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    attachments: tuple[Attachment, ...] = ()
    merged_into: str | None = None
    team: Team | None = None
    sla: Sla | None = None
    followers: tuple[str, ...] = ()
    unread: bool | None = None

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Ticket:
        """Build from the API's JSON, ignoring unknown fields."""
        requester = data.get("requester")
        rating = data.get("rating")
        return cls(
            id=_req_str(data, "id"),
            status=_req_str(data, "status"),
            body=_str(data, "body"),
            subject=_str(data, "subject"),
            priority=_opt_str(data, "priority"),
            source=_opt_str(data, "source"),
            requester=(
                Requester.from_dict(_mapping(requester, "field 'requester'"))
                if requester is not None
                else None
            ),
            context=_frozen_mapping(data, "context"),
            created_at=_opt_str(data, "created_at"),
            updated_at=_opt_str(data, "updated_at"),
            messages=_objects(data, "messages", Message.from_dict),
            assignee=_opt_str(data, "assignee"),
            tags=_strs(data, "tags"),
            rating=(
                Rating.from_dict(_mapping(rating, "field 'rating'")) if rating is not None else None
            ),
            visitor_token=_opt_str(data, "visitor_token"),
            traits=_frozen_mapping(data, "traits"),
            fields=_frozen_mapping(data, "fields"),
            attachments=_objects(data, "attachments", Attachment.from_dict),
            merged_into=_opt_str(data, "merged_into"),
            team=_opt_object(data, "team", Team.from_dict),
            sla=_opt_object(data, "sla", Sla.from_dict),
            followers=_strs(data, "followers"),
            unread=None if data.get("unread") is None else bool(data["unread"]),
        )


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page of a cursor-paged list. Iterate it for its items.

    ``next_cursor`` (the wire's ``"next"``) is None on the last page; otherwise pass it back as
    ``cursor=`` to get the next page.

    >>> page = client.tickets(user_token=token)                 # doctest: +SKIP
    >>> for ticket in page: print(ticket.subject)               # doctest: +SKIP
    """

    items: tuple[T, ...]
    next_cursor: str | None = None

    @property
    def has_more(self) -> bool:
        """True when another page follows this one."""
        return self.next_cursor is not None

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    @classmethod
    def from_dict(
        cls, data: Mapping[str, Any], item: Callable[[Mapping[str, Any]], _I]
    ) -> Page[_I]:
        """Build from ``{"items": [...], "next": cursor-or-null}``, building each item with
        ``item`` (e.g. ``Ticket.from_dict``)."""
        return Page(items=_objects(data, "items", item), next_cursor=_opt_str(data, "next"))
