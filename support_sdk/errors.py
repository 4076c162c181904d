"""Errors raised by the SDK: one tree, rooted in :class:`SupportError`.

::

    SupportError                 any failure; also a 2xx whose body is not what the API promises
     ├── AuthenticationError     401  missing, invalid or expired credential
     ├── PermissionDenied        403  valid credential, not allowed to do this
     ├── NotFound                404  no such article, ticket, ... (or not yours to see)
     ├── ValidationError         400, 413, 415, 422  the request was refused as sent; see .details
     ├── Conflict                409  a stale article ``revision``; an idempotency key in flight
     ├── RateLimited             429  see .retry_after (seconds, or None)
     ├── ServerError             5xx  the server (or a proxy in front of it) failed
     └── NetworkError            no HTTP response at all: connection refused, DNS, timeout

Every error carries ``message``, ``status`` (None for :class:`NetworkError`), ``code`` (the
envelope's machine-readable code, e.g. ``"validation_error"``), ``request_id`` (the server's
``X-Request-Id``, to quote in a bug report), ``details`` (a mapping, e.g. ``{field: [messages]}``)
and ``body`` (the raw response text, or None). No exception of ``requests`` ever reaches the caller:
it is the ``__cause__`` of a :class:`NetworkError` instead.

>>> try:
...     client.article("no-such-article")                       # doctest: +SKIP
... except NotFound as e:
...     print(e.status, e.code, e.request_id)                   # doctest: +SKIP
404 not_found req_8f14e45f
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = [
    "AuthenticationError",
    "Conflict",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "ServerError",
    "SupportError",
    "ValidationError",
    "error_for_status",
]

_EMPTY: Mapping[str, Any] = MappingProxyType({})


class SupportError(Exception):
    """Base class of every error the SDK raises on purpose."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        details: Mapping[str, Any] | None = None,
        body: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.details: Mapping[str, Any] = details if details is not None else _EMPTY
        self.body = body

    def __str__(self) -> str:
        facts = [
            f"{name} {value}"
            for name, value in (
                ("status", self.status),
                ("code", self.code),
                ("request_id", self.request_id),
            )
            if value is not None
        ]
        return f"{self.message} ({', '.join(facts)})" if facts else self.message

    def __reduce__(self) -> tuple[Any, ...]:
        # Keyword-only arguments defeat Exception's default pickling; errors cross process
        # boundaries (task queues, multiprocessing), so rebuild them from their attributes.
        state = dict(self.__dict__)
        state["details"] = dict(self.details)
        message = state.pop("message")
        return (functools.partial(type(self), **state), (message,))

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.message!r}, status={self.status!r}, "
            f"code={self.code!r}, request_id={self.request_id!r})"
        )


class AuthenticationError(SupportError):
    """401: the credential is missing, malformed, for another app, or expired.

    ``code`` tells which: ``unauthorized``, ``invalid_token`` or ``token_expired`` (mint a
    fresh user token and try again).
    """


class PermissionDenied(SupportError):
    """403: the credential is valid but may not do this (e.g. an agent key writing articles)."""


class NotFound(SupportError):
    """404: no such resource, or one the credential may not see."""


class ValidationError(SupportError):
    """400, 413, 415 or 422: the server refused the request as sent.

    ``details`` maps each offending field to its messages, e.g.
    ``{"email": ["Not a valid email address."]}``.
    """


class Conflict(SupportError):
    """409: the resource changed under you (a stale ``revision``), or the same idempotency
    key is still being processed."""


class RateLimited(SupportError):
    """429: too many requests. ``retry_after`` is the server's wait in seconds, or None."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServerError(SupportError):
    """5xx: the server, or a proxy in front of it, failed. Safe requests were already retried."""


class NetworkError(SupportError):
    """No HTTP response: connection refused or reset, DNS failure, TLS failure or timeout.

    ``status`` is None; ``code`` is ``"timeout"`` or ``"connection_error"``; the underlying
    ``requests`` exception is the ``__cause__``.
    """


_BY_STATUS: Mapping[int, type[SupportError]] = MappingProxyType(
    {
        400: ValidationError,
        401: AuthenticationError,
        403: PermissionDenied,
        404: NotFound,
        409: Conflict,
        413: ValidationError,
        415: ValidationError,
        422: ValidationError,
        429: RateLimited,
    }
)


def error_for_status(status: int) -> type[SupportError]:
    """The exception class for an HTTP error status (:class:`SupportError` when none fits).

    >>> error_for_status(422).__name__
    'ValidationError'
    """
    if status >= 500:
        return ServerError
    return _BY_STATUS.get(status, SupportError)
