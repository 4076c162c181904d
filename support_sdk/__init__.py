"""Support SDK: in-product help articles and one-click tickets for Python apps.

>>> from support_sdk import SupportClient
>>> client = SupportClient("https://support.example.com", app_id="app_...", app_secret="...")

See :class:`SupportClient` for the calls, :mod:`support_sdk.errors` for the errors and
:mod:`support_sdk.tokens` for minting user tokens without a client.
"""

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
    Author,
    Category,
    Message,
    Page,
    Rating,
    Requester,
    Revision,
    SearchResult,
    SearchResults,
    Ticket,
)

__all__ = [
    "Article",
    "ArticleSummary",
    "ArticlesService",
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
    "SupportClient",
    "SupportError",
    "Ticket",
    "ValidationError",
    "__version__",
]
