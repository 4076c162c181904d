"""The small interface a search engine implements (Whoosh today; FTS5 or PostgreSQL later)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class IndexUnavailable(Exception):
    """The index cannot answer now (missing, corrupt or being rebuilt for the first time)."""


@dataclass(frozen=True)
class SearchHit:
    article_id: int
    slug: str
    title: str
    category: str
    snippet: str  # HTML: escaped text with <mark> around matches
    score: float


@dataclass(frozen=True)
class SearchPage:
    hits: list[SearchHit]
    total: int
    page: int
    suggestion: str | None = None
    corrected: bool = False


@dataclass(frozen=True)
class IndexDocument:
    """What the index needs of an article; built by the services from a store row."""

    article_id: int
    revision: int
    app_id: str
    slug: str
    locale: str
    title: str
    summary: str
    category: str
    tags: list[str] = field(default_factory=list)
    text: str = ""


class SearchIndex(Protocol):
    def search(
        self, app_id: str, text: str, *, locale: str, category: str | None, page: int, limit: int
    ) -> SearchPage: ...

    def apply(self, upserts: Iterable[IndexDocument], deletes: Iterable[int]) -> None: ...

    def rebuild(
        self, documents: Iterable[IndexDocument], progress: Callable[[int], None] | None = None
    ) -> None: ...

    def check(self) -> str: ...

    def remove_superseded(self) -> int: ...

    def generation_name(self) -> str | None: ...

    def stored_versions(self) -> dict[int, int]: ...

    def state(self) -> Mapping[str, Any]: ...
