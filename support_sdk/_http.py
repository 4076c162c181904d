"""The SDK's one request path: every call to the server goes through :class:`RequestPolicy`,
sent by :meth:`Transport.request` (requests) or ``AsyncTransport.request`` (httpx, in
:mod:`support_sdk.aio`): the policy is the whole of what they do but the I/O.

It joins the URL, always sets a timeout, adds the headers (User-Agent, ``X-Support-App``,
``Authorization``, ``Idempotency-Key``), encodes JSON (or hands a file to the HTTP library to
send as multipart/form-data) and decodes it, turns every failure into a
:class:`~support_sdk.errors.SupportError` and retries what is safe to retry:

- connection errors and timeouts, 429 (honouring ``Retry-After``), 502, 503 and 504, and a 409
  ``idempotency_key_in_flight`` (the first attempt of this very request is still running: retried
  for up to :data:`IN_FLIGHT_PATIENCE` seconds, whatever ``max_retries`` says);
- only for requests that acting twice cannot harm: GET (and the other safe methods), a
  POST/PATCH that carries an ``Idempotency-Key``, which the server uses to replay the first
  response, or one marked :attr:`Call.retry_safe`: an upload, which has no key, but whose spare
  copy is never attached and is removed by the server after a day;
- at most ``max_retries`` times, waiting :meth:`RequestPolicy._backoff` (exponential, full
  jitter), or the server's ``Retry-After`` when it sent one. A ``Retry-After`` longer than
  :data:`MAX_RETRY_AFTER` is not waited for: the error is raised at once with ``retry_after`` set,
  so a web request of the host app is never held for minutes.
"""

from __future__ import annotations

import email.utils
import json
import random
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import requests

from .errors import NetworkError, RateLimited, SupportError, error_for_status

__all__ = [
    "MAX_RETRY_AFTER",
    "UNSET",
    "VERSION",
    "Answer",
    "Call",
    "FilePart",
    "Prepared",
    "RequestPolicy",
    "Retries",
    "Transport",
    "Unset",
    "api_path",
    "compact",
    "string_list",
]

#: The SDK's version; tests/sdk/test_package.py keeps it equal to setup.cfg's.
VERSION = "0.1.0"

#: Longest ``Retry-After`` (seconds) the SDK waits for before retrying by itself.
MAX_RETRY_AFTER = 30.0

#: How long (seconds of waiting, in all) the SDK keeps retrying a 409
#: ``idempotency_key_in_flight``: longer than a server holds a claim whose worker died (60 s),
#: so a retry with the same key ends in the first attempt's response, never in a duplicate.
IN_FLIGHT_PATIENCE = 75.0

T = TypeVar("T")

_API_PREFIX = "/api/v1"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_RETRY_STATUSES = frozenset({429, 502, 503, 504})
_BACKOFF_BASE = 0.5
_BACKOFF_CAP = 8.0
_MAX_ERROR_BODY = 2000

_DEFAULT_CODES: Mapping[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
    500: "internal_error",
    502: "bad_gateway",
    503: "unavailable",
    504: "gateway_timeout",
}


class Unset(Enum):
    """Type of :data:`UNSET`: "leave this field as it is" in a partial update, where None
    means "clear it"."""

    UNSET = "UNSET"

    def __repr__(self) -> str:
        return "UNSET"


UNSET = Unset.UNSET


def compact(fields: Mapping[str, object], *, drop: object = None) -> dict[str, object]:
    """``fields`` without those whose value is ``drop``: None for a create (absent means the
    server's default), :data:`UNSET` for a partial update (None there means "clear it")."""
    return {name: value for name, value in fields.items() if value is not drop}


def string_list(name: str, values: Iterable[str]) -> list[str]:
    """``values`` as a JSON list of strings; a lone string is refused rather than split into
    its characters."""
    if isinstance(values, str):
        raise TypeError(f"{name} must be a list of strings, not a string")
    return [str(value) for value in values]


def api_path(template: str, *values: str | int) -> str:
    """Fill the ``{}`` placeholders of a path with URL-quoted values, so an id or a slug can
    never step out of its own segment.

    >>> api_path("/tickets/{}/messages", "../admin")
    '/tickets/..%2Fadmin/messages'
    """
    segments = [str(value) for value in values]
    for segment in segments:
        if segment in ("", ".", ".."):
            raise ValueError(f"{segment!r} is not a valid id or slug")
    return template.format(*(quote(segment, safe="") for segment in segments))


#: One part of a multipart/form-data body: (filename, content, content type), the form that
#: both requests' and httpx's ``files=`` take. The content is bytes, read once, so a retry
#: sends exactly what the first attempt did.
FilePart = tuple[str, bytes, str]


@dataclass(frozen=True)
class Call(Generic[T]):
    """One call of a client's method, as data: what to send, and how to turn the decoded
    JSON answer into the method's result. Both clients' methods build the same calls
    (:mod:`support_sdk._calls`); only the transport that sends them differs."""

    method: str
    path: str
    decode: Callable[[Any], T]
    params: Mapping[str, str | int | None] | None = None
    json_body: object = None
    credential: str | None = None
    idempotency_key: str | None = None
    #: Sent as multipart/form-data (part name to file) instead of a JSON body.
    files: Mapping[str, FilePart] | None = None
    #: Retry it as if it were idempotent: sending it twice does no harm (an upload).
    retry_safe: bool = False


@dataclass(frozen=True)
class Prepared:
    """One API call, ready for a transport to send (and to send again when it is retried)."""

    method: str
    url_path: str
    url: str
    params: dict[str, str]
    data: bytes | None
    headers: dict[str, str]
    #: Whether acting twice does no harm (a safe method, an idempotency key, or retry_safe).
    retryable: bool
    #: A multipart body for the HTTP library to encode (it sets the Content-Type boundary).
    files: dict[str, FilePart] | None = None


@dataclass(frozen=True)
class Answer:
    """A server's response, as much of it as the policy reads, whatever library fetched it."""

    status: int
    reason: str
    headers: Mapping[str, str]  # case-insensitive, as both requests and httpx give them
    content: bytes
    encoding: str | None = None

    @property
    def text(self) -> str:
        return self.content.decode(self.encoding or "utf-8", errors="replace")


class RequestPolicy:
    """Everything about a request but its I/O, shared by :class:`Transport` (requests) and
    :class:`support_sdk.aio.AsyncTransport` (httpx) so the two clients cannot drift: the URL,
    the headers, the JSON, which failures are retried and after how long, and the decoding of
    answers and errors. A transport only sends :class:`Prepared` requests and turns what it
    received into an :class:`Answer` (or its library's exception into :meth:`timed_out` /
    :meth:`unreachable`).
    """

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        user_agent: str | None = None,
    ) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}")
        if timeout <= 0:
            raise ValueError("timeout must be positive")
        if max_retries < 0:
            raise ValueError("max_retries must be zero or more")
        root = base_url.rstrip("/")
        if root.endswith(_API_PREFIX):  # a common slip: accept the API root as the base URL
            root = root[: -len(_API_PREFIX)]
        self.base_url = root
        self.app_id = app_id
        self.timeout = timeout
        self.max_retries = max_retries
        ours = f"support-sdk-python/{VERSION}"
        self.user_agent = f"{user_agent} {ours}" if user_agent else ours

    def prepare(
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
    ) -> Prepared:
        """The request for one API call (``url_path`` relative to ``/api/v1``): a JSON body,
        or ``files`` as multipart/form-data (not both)."""
        method = method.upper()
        if files is not None and json_body is not None:
            raise ValueError("a request has a JSON body or files, not both")
        # allow_nan=False: NaN and Infinity are not JSON; refuse them here, not at the server.
        data = None if json_body is None else json.dumps(json_body, allow_nan=False).encode()
        return Prepared(
            method=method,
            url_path=url_path,
            url=self.base_url + _API_PREFIX + url_path,
            params={k: str(v) for k, v in (params or {}).items() if v is not None},
            data=data,
            headers=self._headers(credential, idempotency_key, has_body=data is not None),
            retryable=method in _SAFE_METHODS or idempotency_key is not None or retry_safe,
            files=dict(files) if files is not None else None,
        )

    def retries(self, request: Prepared) -> Retries:
        """A fresh count of the retries of ``request``."""
        return Retries(self, request)

    def timed_out(self, request: Prepared) -> NetworkError:
        """The error for a request that got no answer within :attr:`timeout`."""
        return NetworkError(
            f"{request.method} {request.url_path} timed out after {self.timeout} s",
            code="timeout",
        )

    def unreachable(self, request: Prepared, cause: Exception) -> NetworkError:
        """The error for a request that could not reach the server (``cause`` says why)."""
        return NetworkError(
            f"{request.method} {request.url_path} failed: cannot reach {self.base_url} ({cause})",
            code="connection_error",
        )

    def failure(self, answer: Answer) -> tuple[SupportError, float | None] | None:
        """For an error answer, its typed error and its ``Retry-After`` (seconds, if any);
        None for a success."""
        if answer.status < 400:
            return None
        return _error_from(answer), _retry_after(answer.headers.get("Retry-After"))

    def decode(self, answer: Answer) -> Any:
        """A success's decoded JSON body (None for an empty one)."""
        return _decode(answer)

    def _headers(
        self, credential: str | None, idempotency_key: str | None, *, has_body: bool
    ) -> dict[str, str]:
        # X-Support-Client lets the server record where a ticket came from (source "sdk").
        headers = {
            "User-Agent": self.user_agent,
            "Accept": "application/json",
            "X-Support-Client": "sdk",
        }
        if has_body:
            headers["Content-Type"] = "application/json"
        if self.app_id:
            headers["X-Support-App"] = self.app_id
        if credential:
            headers["Authorization"] = f"Bearer {credential}"
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return headers

    def _retry_delay(
        self, error: SupportError, retry_after: float | None, attempt: int, waited: float = 0.0
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to give up now."""
        in_flight = error.status == 409 and error.code == "idempotency_key_in_flight"
        if in_flight and self.max_retries:
            # Bounded by time, not attempts: the first attempt may hold the key for a minute.
            delay = retry_after if retry_after is not None else self._backoff(attempt)
            delay = min(delay, IN_FLIGHT_PATIENCE - waited)
            return delay if delay > 0 else None
        if attempt >= self.max_retries:
            return None
        if isinstance(error, NetworkError):
            return self._backoff(attempt)
        if error.status not in _RETRY_STATUSES:
            return None
        if retry_after is None:
            return self._backoff(attempt)
        if retry_after > MAX_RETRY_AFTER:
            return None
        return retry_after

    def _backoff(self, attempt: int) -> float:
        """Exponential backoff with full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0.0, min(_BACKOFF_CAP, _BACKOFF_BASE * 2**attempt))


class Retries:
    """The attempts at one request so far: :meth:`delay` says how long to wait before the
    next, or None to raise the error now."""

    def __init__(self, policy: RequestPolicy, request: Prepared) -> None:
        self.policy = policy
        self.request = request
        self.attempt = 0
        self.waited = 0.0

    def delay(self, error: SupportError, retry_after: float | None) -> float | None:
        if not self.request.retryable:
            return None
        delay = self.policy._retry_delay(error, retry_after, self.attempt, self.waited)
        if delay is not None:
            self.waited += delay
            self.attempt += 1
        return delay


class Transport(RequestPolicy):
    """Sends requests to one Support server with requests and returns decoded JSON.

    ``session`` is used as given and left open on :meth:`close`; without one the transport
    creates its own and closes it. ``sleep`` is the function that waits between retries (tests
    pass one that records the delays).
    """

    def __init__(
        self,
        base_url: str,
        *,
        app_id: str | None = None,
        timeout: float = 10.0,
        max_retries: int = 3,
        session: requests.Session | None = None,
        user_agent: str | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(
            base_url,
            app_id=app_id,
            timeout=timeout,
            max_retries=max_retries,
            user_agent=user_agent,
        )
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._sleep = sleep if sleep is not None else time.sleep

    def close(self) -> None:
        """Close the session if this transport created it."""
        if self._owns_session:
            self._session.close()

    def call(self, call: Call[T]) -> T:
        """Send ``call`` and return its result."""
        return call.decode(
            self.request(
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

    def request(
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
        """Send one API call (``url_path`` relative to ``/api/v1``) and return its decoded JSON
        (None for an empty body), retrying as the module docstring describes."""
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
            cause: requests.RequestException | None = None
            retry_after: float | None = None
            error: SupportError
            try:
                response = self._session.request(
                    request.method,
                    request.url,
                    params=request.params,
                    data=request.data,
                    files=request.files,
                    headers=request.headers,
                    timeout=self.timeout,
                )
            except requests.Timeout as e:
                cause, error = e, self.timed_out(request)
            except requests.RequestException as e:
                cause, error = e, self.unreachable(request, e)
            else:
                answer = Answer(
                    status=response.status_code,
                    reason=response.reason or "",
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
            self._sleep(delay)


def _decode(response: Answer) -> Any:
    if response.status == 204 or not response.content:
        return None
    try:
        return json.loads(response.content)
    except ValueError as e:
        raise SupportError(
            f"the server answered {response.status} with a body that is not JSON",
            status=response.status,
            code="invalid_response",
            request_id=response.headers.get("X-Request-Id"),
            body=response.text[:_MAX_ERROR_BODY],
        ) from e


def _error_from(response: Answer) -> SupportError:
    """The typed error for an error response, whether or not it carries our JSON envelope
    (a proxy's HTML 502 does not)."""
    status = response.status
    envelope: Mapping[str, Any] = {}
    try:
        decoded = json.loads(response.content)
    except ValueError:
        decoded = None
    if isinstance(decoded, Mapping) and isinstance(decoded.get("error"), Mapping):
        envelope = decoded["error"]
    code = envelope.get("code")
    message = envelope.get("message")
    details = envelope.get("details")
    kwargs: dict[str, Any] = {
        "status": status,
        "code": code if isinstance(code, str) else _DEFAULT_CODES.get(status, f"http_{status}"),
        "request_id": response.headers.get("X-Request-Id"),
        "details": details if isinstance(details, Mapping) else None,
        "body": response.text[:_MAX_ERROR_BODY],
    }
    text = message if isinstance(message, str) and message else f"HTTP {status} {response.reason}"
    cls = error_for_status(status)
    if cls is RateLimited:
        retry_after = _retry_after(response.headers.get("Retry-After"))
        return RateLimited(text, retry_after=retry_after, **kwargs)
    return cls(text, **kwargs)


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header: delta-seconds or an HTTP date; None if absent."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        moment = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - time.time())
