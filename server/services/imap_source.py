"""Fetching new messages from the mailbox named by ``SUPPORT_IMAP_URL``, with :mod:`imapclient`.

``imaps://user:pass@host:993/INBOX`` (TLS from the first byte),
``imap://user:pass@host:143/INBOX?starttls=1`` (STARTTLS, required when asked for: never a
fall-back to plain text), ``imap://user:pass@127.0.0.1:10143/INBOX`` (plain, for a local test
server). The user and the password are URL-encoded; the folder defaults to INBOX and is the
server's own name for it (``INBOX.Support`` on a server whose separator is ``.``).

This module owns the IMAP side only: connecting, logging in, finding the messages that are new
since the last poll and downloading them. Storing them, with the folder's UIDVALIDITY and the
last UID stored, is the caller's (``last_uid`` and ``deliver``). Its guarantees:

* The mailbox is never changed: the folder is selected read-only (EXAMINE) and bodies are
  fetched with ``BODY.PEEK[]``, so no flag is set (messages stay unseen) and nothing is deleted.
* Messages are handed to ``deliver`` in ascending UID order, in batches of at most ``batch``
  messages whose bodies add up to at most ``max_size`` bytes, so a poll holds no more than
  about ``max_size`` bytes of mail in memory at a time. Nothing is handed
  over twice in a poll, and a UID at or below ``last_uid`` is never handed over (the quirk of
  ``UID n:*``, which always matches the last message, is filtered out here).
* When ``deliver`` commits each batch together with the batch's last UID, a poll that stops
  half-way (``deliver`` raised, the worker was killed, the server went away) loses nothing and
  repeats nothing: the next poll starts after the last UID committed.
* A message larger than ``max_size`` is not downloaded: it is handed over with ``raw=None`` and
  its size, so the caller can record it (and tell someone) and move past it.
* At most ``limit`` messages per poll (the oldest first), so one poll has a bounded length;
  when the count returned equals ``limit`` there may be more waiting.
* Every network wait has a timeout. Whatever goes wrong on the IMAP side (server down,
  refused login, timeout, TLS failure, protocol error, missing folder) is one
  :class:`MailboxError` with a one-line message that never contains the password; errors
  raised by ``last_uid`` or ``deliver`` propagate unchanged. The connection is always closed,
  after a LOGOUT unless the connection itself failed (no second wait for a dead server).
"""

from __future__ import annotations

import logging
import ssl
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from imapclient import IMAPClient  # type: ignore[import-untyped]
from imapclient.exceptions import (  # type: ignore[import-untyped]
    IMAPClientAbortError,
    IMAPClientError,
)

log = logging.getLogger(__name__)

MAX_UID = 2**32 - 1  # RFC 3501: a UID is a 32-bit unsigned number
# At most this many UIDs in one SEARCH answer: imaplib refuses a line over 1 MB (its _MAXLINE),
# and a UID takes up to 11 bytes. More new messages than that are listed by _tail_uids.
SEARCH_AT_MOST = 50_000
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_URL_FORM = (
    "imaps://user:password@host:993/INBOX or imap://user:password@host:143/INBOX"
    " (user and password URL-encoded)"
)


class MailboxError(Exception):
    """The mailbox cannot be read now (down, refused login, timeout, protocol error).

    The message is one line, without the password.
    """


@dataclass(frozen=True)
class Mailbox:
    host: str
    port: int
    tls: bool  # imaps: TLS from the first byte
    starttls: bool
    username: str
    password: str = field(repr=False)
    folder: str

    @classmethod
    def parse(cls, url: str) -> Mailbox:
        """The mailbox of an ``imap://`` or ``imaps://`` URL; :class:`ValueError` if it is not one.

        The messages of the errors never contain the URL (it holds the password).
        """
        parts = urlsplit(url.strip())
        if parts.scheme not in {"imap", "imaps"}:
            raise ValueError(f"an IMAP URL must be {_URL_FORM}")
        if not parts.hostname:
            raise ValueError(f"the IMAP URL has no host; it must be {_URL_FORM}")
        if not parts.username:
            raise ValueError(f"the IMAP URL has no user; it must be {_URL_FORM}")
        if parts.password is None:
            raise ValueError(f"the IMAP URL has no password; it must be {_URL_FORM}")
        try:
            port = parts.port
        except ValueError:
            port = -1
        if port is not None and not 1 <= port <= 65535:
            raise ValueError(f"the IMAP URL's port must be a number from 1 to 65535; {_URL_FORM}")
        tls = parts.scheme == "imaps"
        try:
            query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=bool(parts.query))
        except ValueError:
            raise ValueError("the IMAP URL's query must be ?starttls=1 or nothing") from None
        unknown = sorted(set(query) - {"starttls"})
        if unknown:
            raise ValueError(f"the IMAP URL's query may hold starttls only, not {unknown[0]}")
        value = query.get("starttls", [""])[-1].lower()
        if value not in _TRUE | _FALSE:
            raise ValueError("the IMAP URL's starttls must be 1 or 0")
        starttls = value in _TRUE
        if tls and starttls:
            raise ValueError("starttls=1 is for imap://; imaps:// is TLS from the first byte")
        folder = unquote(parts.path.lstrip("/")) or "INBOX"
        if folder.upper() == "INBOX":  # INBOX is case-insensitive (RFC 3501 5.1)
            folder = "INBOX"
        return cls(
            host=parts.hostname,
            port=port or (993 if tls else 143),
            tls=tls,
            starttls=starttls,
            username=unquote(parts.username),
            password=unquote(parts.password),
            folder=folder,
        )

    def key(self) -> str:
        """A stable identity of the mailbox without the password (the database's key).

        The same for the same server, port, user and folder however the URL was written (the
        host's case, ``INBOX``'s case, how the user was encoded, ``?starttls=1``).
        """
        host = f"[{self.host}]" if ":" in self.host else self.host
        user = quote(self.username, safe="")
        scheme = "imaps" if self.tls else "imap"
        return f"{scheme}://{user}@{host}:{self.port}/{quote(self.folder, safe='/')}"

    def describe(self) -> str:
        """The mailbox without its password, for logs and the admin."""
        return self.key() + ("?starttls=1" if self.starttls else "")


@dataclass(frozen=True)
class Fetched:
    uid: int
    raw: bytes | None  # None when the message is larger than max_size (not downloaded)
    size: int  # RFC822.SIZE


def fetch_new(
    mailbox: Mailbox,
    last_uid: Callable[[int], int],
    deliver: Callable[[int, list[Fetched]], None],
    *,
    batch: int = 20,
    max_size: int = 40 * 1024 * 1024,
    timeout: float = 30.0,
    limit: int = 500,
    ssl_context: ssl.SSLContext | None = None,
) -> int:
    """Hand the folder's new messages to ``deliver``; how many were delivered in this poll.

    ``last_uid(uidvalidity)`` gives the last UID already stored for the folder's UIDVALIDITY (0
    when that UIDVALIDITY is new or changed). ``deliver(uidvalidity, batch)`` gets the messages
    in ascending UID order and commits them; if it raises, the poll stops and the exception
    propagates. ``timeout`` bounds, in seconds, the connection and each wait for the server:
    a server that goes silent costs one ``timeout``, not a hung worker. ``ssl_context``
    defaults to :func:`ssl.create_default_context` (certificates and host name checked);
    tests pass one that trusts their own server's certificate.
    """
    if batch < 1 or limit < 1 or max_size < 0:
        raise ValueError("batch and limit must be at least 1, max_size at least 0")
    imap = _Session(mailbox, ssl_context or ssl.create_default_context())
    with imap.step("connecting"):
        client = IMAPClient(
            mailbox.host, mailbox.port, ssl=mailbox.tls, ssl_context=imap.context, timeout=timeout
        )
    try:
        uidvalidity, uids = _select_new(imap, client, last_uid, limit)
        delivered = 0
        for group in _batches(imap, client, uids, batch, max_size):
            if group:  # empty when every message of it was expunged since the search
                deliver(uidvalidity, group)
                delivered += len(group)
        if delivered:
            log.info("fetched %d message(s) from %s", delivered, mailbox.describe())
        return delivered
    finally:
        _close(client, imap.broken)


def _select_new(
    imap: _Session, client: Any, last_uid: Callable[[int], int], limit: int
) -> tuple[int, list[int]]:
    """Log in, examine the folder; its UIDVALIDITY and up to ``limit`` UIDs above the last."""
    mailbox = imap.mailbox
    if mailbox.starttls:
        with imap.step("STARTTLS"):
            client.starttls(imap.context)
    with imap.step("login"):
        client.login(mailbox.username, mailbox.password)
    with imap.step(f"opening {mailbox.folder}"):
        selected = client.select_folder(mailbox.folder, readonly=True)
        uidvalidity = int(selected[b"UIDVALIDITY"])
        exists = int(selected[b"EXISTS"])
        uidnext = int(selected.get(b"UIDNEXT", MAX_UID + 1))
    after = max(0, last_uid(uidvalidity))
    if exists == 0 or after >= MAX_UID:
        return uidvalidity, []
    with imap.step("searching"):
        if min(exists, uidnext - 1 - after) <= SEARCH_AT_MOST:
            found = client.search(["UID", f"{after + 1}:*"])
        else:
            found = _tail_uids(client, after, exists, limit)
    # "UID n:*" always matches the folder's last message, even when its UID is below n.
    return uidvalidity, sorted({int(uid) for uid in found if int(uid) > after})[:limit]


def _tail_uids(client: Any, after: int, exists: int, limit: int) -> list[int]:
    """The UIDs of the first ``limit`` messages whose UID is above ``after``, without a SEARCH
    answer too long for imaplib (a big folder's first poll, or after a new UIDVALIDITY).

    Sequence numbers follow UIDs, so those messages are the folder's last ones: bisect for the
    first of them (about log2(exists) one-message FETCHes), then FETCH the UIDs of ``limit``.
    The server sends no EXPUNGE during (non-UID) FETCH, so sequence numbers hold meanwhile.
    """
    client.use_uid = False
    try:
        low, high = 1, exists + 1  # the first sequence number with a UID above `after`
        while low < high:
            middle = (low + high) // 2
            if int(client.fetch([middle], ["UID"])[middle][b"UID"]) > after:
                high = middle
            else:
                low = middle + 1
        if low > exists:
            return []
        answer = client.fetch(list(range(low, min(exists, low + limit - 1) + 1)), ["UID"])
        return [int(item[b"UID"]) for item in answer.values()]
    finally:
        client.use_uid = True


def _batches(
    imap: _Session, client: Any, uids: list[int], batch: int, max_size: int
) -> Iterator[list[Fetched]]:
    """The messages of ``uids`` in ascending order, at most ``batch`` and about ``max_size``
    bytes of bodies at a time; messages expunged since the search are left out."""
    for start in range(0, len(uids), batch):
        chunk = uids[start : start + batch]
        with imap.step("fetching sizes"):
            answer = client.fetch(chunk, ["RFC822.SIZE"])
            sizes = {uid: int(answer[uid][b"RFC822.SIZE"]) for uid in chunk if uid in answer}
        group: list[int] = []
        held = 0
        for uid in (uid for uid in chunk if uid in sizes):
            size = sizes[uid] if sizes[uid] <= max_size else 0
            if group and held + size > max_size:
                yield _download(imap, client, group, sizes, max_size)
                group, held = [], 0
            group.append(uid)
            held += size
        if group:
            yield _download(imap, client, group, sizes, max_size)


def _download(
    imap: _Session, client: Any, uids: list[int], sizes: dict[int, int], max_size: int
) -> list[Fetched]:
    wanted = [uid for uid in uids if sizes[uid] <= max_size]
    bodies: dict[int, bytes] = {}
    if wanted:
        with imap.step("fetching messages"):
            answer = client.fetch(wanted, ["BODY.PEEK[]"])
            for uid in wanted:
                body = answer.get(uid, {}).get(b"BODY[]")
                if isinstance(body, bytes):
                    bodies[uid] = body
    return [
        Fetched(uid=uid, raw=bodies.get(uid), size=sizes[uid])
        for uid in uids
        if uid in bodies or sizes[uid] > max_size  # no body: expunged since the search
    ]


class _Session:
    """One poll's mailbox and TLS context; turns what goes wrong on the IMAP side into a
    :class:`MailboxError`."""

    def __init__(self, mailbox: Mailbox, context: ssl.SSLContext) -> None:
        self.mailbox = mailbox
        self.context = context
        self.broken = False  # the connection failed: it is in no state for a LOGOUT

    @contextmanager
    def step(self, what: str) -> Iterator[None]:
        try:
            yield
        except (IMAPClientError, OSError, KeyError, ValueError, TypeError) as exc:
            # KeyError…TypeError: an answer without what the protocol promises (no UIDVALIDITY,
            # no RFC822.SIZE): the server is not one this module can read.
            # A NO or BAD answer leaves the connection usable; anything else does not.
            refused = isinstance(exc, IMAPClientError) and not isinstance(exc, IMAPClientAbortError)
            self.broken = self.broken or not refused
            raise self.error(what, exc) from None

    def error(self, what: str, exc: BaseException) -> MailboxError:
        detail = str(exc)
        if len(detail) > 2 and detail[:2] in {"b'", 'b"'} and detail[-1] == detail[1]:
            detail = detail[2:-1]  # imaplib puts the server's bytes in its messages as repr()
        detail = f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__
        password = self.mailbox.password
        for secret in sorted(
            {password, quote(password, safe=""), repr(password)[1:-1]}, key=len, reverse=True
        ):
            if secret:
                detail = detail.replace(secret, "***")
        detail = " ".join(detail.split())[:300]
        return MailboxError(f"{self.mailbox.describe()}: {what} failed: {detail}")


def _close(client: Any, broken: bool) -> None:
    """LOGOUT (unless the connection failed: then no second wait for the server), and close the
    socket; never raises for a connection already gone."""
    if not broken:
        try:
            client.logout()  # closes the socket too
            return
        except (IMAPClientError, OSError) as exc:
            log.debug("IMAP LOGOUT: %s", exc)
    try:
        client.shutdown()
    except (IMAPClientError, OSError) as exc:
        log.debug("closing the IMAP connection: %s", exc)
