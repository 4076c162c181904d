"""Outbound HTTP that cannot be pointed at our own network (SSRF-safe), for webhooks.

A receiver's URL is checked twice: when it is saved (https, a host name or public address
that resolves only to public addresses) and at every delivery, where the host is resolved
once, every address it resolves to is checked, and the connection is made to the checked
address (pinned): a DNS answer that changes between the check and the connection (DNS
rebinding) cannot send the request elsewhere. TLS still verifies the certificate against the
host name (SNI and hostname check use the name, not the address). Redirects are never
followed, and every request has a connect and read timeout and reads at most
:data:`EXCERPT_BYTES` of the answer.

``allow_private`` (``SUPPORT_WEBHOOK_ALLOW_PRIVATE``, for tests and the demo) admits
private, loopback and link-local addresses and plain http.

Hand-written on top of requests because the libraries made for this (advocate) are no longer
maintained for requests 2.32+/urllib3 2; the pinning is one adapter method that requests
documents as the one to override (``build_connection_pool_key_attributes``).
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from requests.adapters import HTTPAdapter

EXCERPT_BYTES = 1024
TIMEOUT = 10.0
MAX_URL = 2000


class UnsafeURL(ValueError):
    """A URL we will not send to; the message says why, for the person who entered it."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    excerpt: str
    duration_ms: int
    error: str | None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def parse(url: str, allow_private: bool) -> Target:
    """The URL's scheme, host and port, or :class:`UnsafeURL` for one we never send to."""
    if len(url) > MAX_URL:
        raise UnsafeURL(f"a URL is at most {MAX_URL} characters")
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise UnsafeURL(f"not a valid URL: {exc}") from None
    schemes = {"https", "http"} if allow_private else {"https"}
    if parts.scheme not in schemes:
        raise UnsafeURL("the URL must start with https://")
    if not parts.hostname:
        raise UnsafeURL("the URL has no host")
    if parts.username or parts.password:
        raise UnsafeURL("put credentials in a header or the path, not in the URL")
    default = 443 if parts.scheme == "https" else 80
    return Target(parts.scheme, parts.hostname.rstrip("."), port or default)


_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_COMPAT = ipaddress.ip_network("::/96")  # IPv4-compatible (::a.b.c.d), deprecated


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one leads to: mapped, compatible, SIIT, 6to4, Teredo, NAT64
    (behind a NAT64 gateway, 64:ff9b::a00:1 reaches 10.0.0.1)."""
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    packed = address.packed
    if packed[:8] == bytes(8) and packed[8:12] == b"\xff\xff\x00\x00":  # SIIT ::ffff:0:a.b.c.d
        return ipaddress.IPv4Address(packed[12:])
    if address in _COMPAT and int(address) > 1:
        return ipaddress.IPv4Address(packed[12:])
    if any(address in net for net in _NAT64):
        return ipaddress.IPv4Address(packed[12:])
    return None


def _refused(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    if isinstance(address, ipaddress.IPv6Address):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return _refused(inner)
        if address.is_site_local:
            return "a site-local address"
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_private or address.is_reserved or not address.is_global:
        return "a private or reserved address"
    return None


def resolve(target: Target, allow_private: bool) -> str:
    """One checked address of ``target.host``; every address it resolves to must be allowed
    (a name with one public and one private address is refused, not half-trusted)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(f"cannot resolve {target.host}: {exc}") from None
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise UnsafeURL(f"{target.host} has no address")
    if not allow_private:
        for raw in addresses:
            why = _refused(ipaddress.ip_address(raw.split("%")[0]))
            if why:
                raise UnsafeURL(f"{target.host} resolves to {why} ({raw}), which is not allowed")
    return addresses[0]


class _PinnedAdapter(HTTPAdapter):
    """Connects to one checked address while TLS and the Host header keep the name."""

    def __init__(self, host: str) -> None:
        self._host = host
        super().__init__(max_retries=0)

    def build_connection_pool_key_attributes(  # type: ignore[override]
        self, request: requests.PreparedRequest, verify: bool | str, cert: Any = None
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(
            request, verify, cert
        )
        extra: dict[str, Any] = dict(pool_kwargs)
        if host_params["scheme"] == "https":
            # TLS checks the certificate against the name, while the socket goes to the
            # pinned address (urllib3 pool keys: server_hostname, assert_hostname)
            extra.update(server_hostname=self._host, assert_hostname=self._host)
        return dict(host_params), extra


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    timeout: float = TIMEOUT,
    verify: bool | str = True,
) -> Answer:
    """POST ``body`` to ``url``; never raises for the receiver's faults, which come back as
    an :class:`Answer` with ``error`` set (the delivery log shows it).

    Bounded as a whole, not only per read: a receiver that drips its answer a byte at a time
    (each read within the timeout) is abandoned after twice the timeout; the thread left
    behind ends at its next read timeout."""
    started = time.monotonic()
    outcome: list[Answer] = []
    attempt = threading.Thread(
        target=lambda: outcome.append(
            _post(url, body, headers, allow_private=allow_private, timeout=timeout, verify=verify)
        ),
        name="webhook-attempt",
        daemon=True,
    )
    attempt.start()
    attempt.join(2 * timeout)
    if outcome:
        return outcome[0]
    return Answer(
        None,
        "",
        int((time.monotonic() - started) * 1000),
        f"no complete answer within {2 * timeout:g} s",
    )


def _post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    timeout: float = TIMEOUT,
    verify: bool | str = True,
) -> Answer:
    started = time.monotonic()

    def answer(status: int | None, excerpt: str = "", error: str | None = None) -> Answer:
        return Answer(status, excerpt, int((time.monotonic() - started) * 1000), error)

    try:
        target = parse(url, allow_private)
        address = resolve(target, allow_private)
    except UnsafeURL as exc:
        return answer(None, error=str(exc))
    netloc = f"[{address}]" if ":" in address else address
    parts = urlsplit(url.strip())
    pinned = urlunsplit(
        (parts.scheme, f"{netloc}:{target.port}", parts.path or "/", parts.query, "")
    )
    host_header = target.host if target.port in (80, 443) else f"{target.host}:{target.port}"
    session = requests.Session()
    session.trust_env = False  # no proxy from the environment, no .netrc credentials
    session.mount(f"{parts.scheme}://", _PinnedAdapter(target.host))
    try:
        with session.post(
            pinned,
            data=body,
            headers={**headers, "Host": host_header},
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
            verify=verify,
        ) as response:
            raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
            excerpt = raw.decode("utf-8", "replace")
            status = response.status_code
            if 300 <= status < 400:
                where = response.headers.get("Location", "")
                return answer(status, excerpt, f"redirect to {where[:200]} not followed")
            return answer(status, excerpt, None if 200 <= status < 300 else f"HTTP {status}")
    except requests.Timeout:
        return answer(None, error=f"no answer within {timeout:g} s")
    except requests.ConnectionError as exc:
        return answer(None, error=f"could not connect: {_short(exc)}")
    except requests.RequestException as exc:
        return answer(None, error=_short(exc))
    finally:
        session.close()


def _short(exc: BaseException) -> str:
    text = str(exc)
    return text if len(text) <= 300 else text[:297] + "..."
