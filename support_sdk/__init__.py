"""Support SDK: in-product help articles and one-click tickets for Python apps.

>>> from support_sdk import SupportClient
>>> client = SupportClient("https://support.example.com", app_id="app_...", app_secret="...")

See :class:`SupportClient` for the calls, :mod:`support_sdk.errors` for the errors and
:mod:`support_sdk.tokens` for minting user tokens without a client. ``AsyncSupportClient``, the
same for asyncio code, needs the ``async`` extra: it is imported only when asked for.
"""

import typing as _typing

from ._http import VERSION as __version__
from .articles import ArticlesService
from .client import SupportClient
from .errors import (
    AuthenticationError,
    Conflict,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    ServerError,
    SupportError,
    ValidationError,
)
from .models import (
    Article,
    ArticleSummary,
    Attachment,
    Author,
    Category,
    Message,
    Page,
    Rating,
    Requester,
    Revision,
    SearchResult,
    SearchResults,
    Sla,
    Team,
    Ticket,
    TicketField,
    Upload,
)

if _typing.TYPE_CHECKING:
    from .aio import AsyncSupportClient as AsyncSupportClient

__all__ = [
    "Article",
    "ArticleSummary",
    "ArticlesService",
    "Attachment",
    "AuthenticationError",
    "Author",
    "Category",
    "Conflict",
    "Message",
    "NetworkError",
    "NotFound",
    "Page",
    "PermissionDenied",
    "RateLimited",
    "Rating",
    "Requester",
    "Revision",
    "SearchResult",
    "SearchResults",
    "ServerError",
    "Sla",
    "SupportClient",
    "SupportError",
    "Team",
    "Ticket",
    "TicketField",
    "Upload",
    "ValidationError",
    "__version__",
]


def __getattr__(name: str) -> _typing.Any:
    # AsyncSupportClient needs httpx (the "async" extra): imported on first use only, so the
    # core imports nothing but requests and itsdangerous (and `import *` never needs httpx).
    if name == "AsyncSupportClient":
        from .aio import AsyncSupportClient

        return AsyncSupportClient
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
