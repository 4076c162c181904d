"""The gunicorn worker ``serve`` runs: gthread, but a thread only ever sees a whole request.

gunicorn's gthread worker hands a connection to one of its few threads as soon as the first
byte arrives; the thread then blocks reading the rest of the head and the body, with no
deadline. Eight clients that send half a request and wait take every thread of a two-worker
server. This worker reads in its event loop instead, without blocking, until the buffered bytes
hold a complete request (head, then a Content-Length or chunked body), and only then gives the
connection to a thread, with the bytes put back in front of gunicorn's own parser. Hundreds of
idle or slow clients cost a few KiB each and no thread.

Deadlines, enforced by the loop: :data:`HEAD_TIMEOUT` for the head to arrive, :data:`IDLE_TIMEOUT`
between two reads of a body, :data:`REQUEST_TIMEOUT` in all. A connection that sent nothing is
closed silently; one that sent part of a request gets 408. A body over the server's limit gets
413 as soon as its size is known (Content-Length, or the chunks so far), before it is read;
the few paths that take files (uploads, article images, replies with files, raw mail) have
their own, larger limits (``large_bodies``), every other path the server's.
Errors gunicorn itself answers (400, 414, 431…) leave in the API's JSON envelope, not as HTML.
"""

from __future__ import annotations

import contextlib
import errno
import json
import re
import selectors
import socket
import time
from collections.abc import Mapping
from functools import partial
from typing import Any

from gunicorn.workers.gthread import TConn, ThreadWorker

HEAD_TIMEOUT = 10.0
IDLE_TIMEOUT = 10.0
REQUEST_TIMEOUT = 60.0
LINGER = 2.0  # after refusing a body: keep reading (and dropping) it, so the client sees our answer
MAX_HEAD = 64 * 1024  # past this without a blank line, gunicorn's parser answers 431/414
_READ = 64 * 1024
_HEAD_END = b"\r\n\r\n"
_STATUS_LINE = re.compile(rb"^HTTP/1\.[01] (\d{3}) ([^\r\n]*)")
_CODES = {
    400: "bad_request",
    403: "forbidden",
    408: "request_timeout",
    413: "payload_too_large",
    414: "uri_too_long",
    417: "expectation_failed",
    431: "headers_too_large",
    500: "internal_error",
    501: "not_implemented",
}


# -- how much of a request the buffer holds ---------------------------------------------------
class Verdict:
    NEED_MORE = "need_more"
    READY = "ready"
    TOO_LARGE = "too_large"


def examine(
    buffer: bytes, max_body: int, large_bodies: Mapping[str, int] | None = None
) -> tuple[str, bool]:
    """(verdict, expects_continue) for the bytes of one request received so far;
    ``large_bodies`` maps path prefixes to the limit for their requests instead of ``max_body``.

    Anything this reader cannot make sense of is READY: gunicorn's parser then gives the
    precise 400 (a malformed head, both Content-Length and chunked, a bad chunk size...).
    """
    end = buffer.find(_HEAD_END)
    if end < 0:
        return (Verdict.READY if len(buffer) > MAX_HEAD else Verdict.NEED_MORE), False
    request_line, *head = buffer[:end].decode("latin-1").split("\r\n")
    max_body = body_limit(request_line, max_body, large_bodies or {})
    fields: dict[str, str] = {}
    for line in head:
        name, sep, value = line.partition(":")
        if not sep:
            return Verdict.READY, False
        fields[name.strip().lower()] = value.strip()
    body = buffer[end + len(_HEAD_END) :]
    expects = fields.get("expect", "").lower() == "100-continue"
    if "chunked" in fields.get("transfer-encoding", "").lower():
        return _chunked(body, max_body), expects
    length = fields.get("content-length")
    if length is None:
        return Verdict.READY, False
    if not length.isdigit():
        return Verdict.READY, False
    if int(length) > max_body:
        return Verdict.TOO_LARGE, expects
    return (Verdict.READY if len(body) >= int(length) else Verdict.NEED_MORE), expects


def body_limit(request_line: str, max_body: int, large_bodies: Mapping[str, int]) -> int:
    """The body limit for the request ``METHOD /path HTTP/1.1`` (POSTs and PUTs only)."""
    method, _, rest = request_line.partition(" ")
    if method not in {"POST", "PUT"}:
        return max_body
    path = rest.split(" ", 1)[0].split("?", 1)[0]
    found = [limit for prefix, limit in large_bodies.items() if path.startswith(prefix)]
    return max([max_body, *found])


def _chunked(body: bytes, max_body: int) -> str:
    position = total = 0
    while True:
        line_end = body.find(b"\r\n", position)
        if line_end < 0:
            return Verdict.NEED_MORE
        size_text = body[position:line_end].split(b";", 1)[0].strip()
        try:
            size = int(size_text, 16)
        except ValueError:
            return Verdict.READY
        if size == 0:
            trailer = body[line_end + 2 :]
            done = trailer.startswith(b"\r\n") or _HEAD_END in trailer
            return Verdict.READY if done else Verdict.NEED_MORE
        total += size
        if total > max_body:
            return Verdict.TOO_LARGE
        position = line_end + 2 + size + 2
        if len(body) < position:
            return Verdict.NEED_MORE


def without_expect(buffer: bytes) -> bytes:
    """The request with its ``Expect: 100-continue`` removed (the loop answered it already)."""
    end = buffer.find(_HEAD_END)
    lines = buffer[:end].split(b"\r\n")
    kept = [lines[0]] + [
        line for line in lines[1:] if line.split(b":", 1)[0].strip().lower() != b"expect"
    ]
    return b"\r\n".join(kept) + buffer[end:]


def envelope_response(status: int, reason: str, message: str) -> bytes:
    """A complete HTTP/1.1 response in the API's error envelope, closing the connection."""
    body = json.dumps({"error": {"code": _CODES.get(status, "error"), "message": message}}).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _Captured:
    """Stands in for the client socket while gunicorn writes one of its HTML error pages."""

    def __init__(self) -> None:
        self.data = b""

    def gettimeout(self) -> float:
        return 0.0

    def setblocking(self, _flag: int) -> None:
        return None

    def sendall(self, data: bytes) -> None:
        self.data += data

    send = sendall


# -- the worker -------------------------------------------------------------------------------
class BufferingWorker(ThreadWorker):  # type: ignore[misc]
    """gthread with whole-request buffering in the event loop (see the module docstring)."""

    #: Set by the application (``serving``) from ``SUPPORT_MAX_BODY_BYTES``.
    max_body = 1_048_576
    #: Path prefixes with their own larger limits, set the same way (see ``examine``).
    large_bodies: Mapping[str, int] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_body = int(getattr(self.app, "max_body", self.max_body))
        self.large_bodies = dict(getattr(self.app, "large_bodies", {}))
        self.buffering: dict[Any, dict[str, Any]] = {}
        self.lingering: dict[Any, float] = {}

    # A new connection, or a kept-alive one with a new request: buffer, don't hand over yet.
    def accept(self, listener: socket.socket) -> None:
        try:
            client, address = listener.accept()
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._buffer(TConn(self.cfg, client, address, listener.getsockname()))

    def on_client_socket_readable(self, conn: Any, client: socket.socket) -> None:
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._buffer(conn)

    def _buffer(self, conn: Any) -> None:
        now = time.monotonic()
        conn.sock.setblocking(False)
        self.buffering[conn] = {
            "data": b"",
            "head_by": now + HEAD_TIMEOUT,
            "idle_by": now + HEAD_TIMEOUT,
            "done_by": now + REQUEST_TIMEOUT,
            "continued": False,
        }
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._readable, conn))

    def _readable(self, conn: Any, sock: socket.socket) -> None:
        state = self.buffering[conn]
        try:
            data = sock.recv(_READ)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:  # the client went away
            self._drop(conn)
            return
        state["data"] += data
        now = time.monotonic()
        state["idle_by"] = now + IDLE_TIMEOUT
        verdict, expects = examine(state["data"], self.max_body, self.large_bodies)
        if verdict == Verdict.TOO_LARGE:
            line = state["data"].split(b"\r\n", 1)[0].decode("latin-1")
            limit = body_limit(line, self.max_body, self.large_bodies)
            self._answer(conn, 413, "Payload Too Large", f"bodies are limited to {limit} bytes")
        elif verdict == Verdict.READY:
            self._hand_over(conn, state)
        elif expects and not state["continued"] and _HEAD_END in state["data"]:
            state["continued"] = True  # the client waits for this before sending its body
            self._send(sock, b"HTTP/1.1 100 Continue\r\n\r\n")

    def _hand_over(self, conn: Any, state: dict[str, Any]) -> None:
        self.poller.unregister(conn.sock)
        del self.buffering[conn]
        data = without_expect(state["data"]) if state["continued"] else state["data"]
        conn.buffered = data
        conn.data_ready = True
        self.enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        buffered = getattr(conn, "buffered", b"")
        if buffered:
            conn.buffered = b""
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(buffered)
        return super().handle(conn)

    def _answer(self, conn: Any, status: int, reason: str, message: str) -> None:
        """Answer from the loop and close. Closing a socket with unread input makes the kernel
        reset it, and the client may lose the answer: so read and drop what it still sends,
        for :data:`LINGER` seconds at most."""
        self._send(conn.sock, envelope_response(status, reason, message))
        self.buffering.pop(conn, None)
        try:
            conn.sock.shutdown(socket.SHUT_WR)
            self.poller.modify(conn.sock, selectors.EVENT_READ, partial(self._discard, conn))
        except (OSError, KeyError, ValueError):
            self._drop(conn)
            return
        self.lingering[conn] = time.monotonic() + LINGER

    def _discard(self, conn: Any, sock: socket.socket) -> None:
        try:
            if sock.recv(_READ):
                return
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            pass
        self._drop(conn)

    @staticmethod
    def _send(sock: socket.socket, data: bytes) -> None:
        with contextlib.suppress(OSError):
            sock.send(data)  # small: fits the socket buffer, never blocks the loop

    def _drop(self, conn: Any) -> None:
        self.buffering.pop(conn, None)
        self.lingering.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)
        self.nr_conns -= 1
        conn.close()

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        for conn, until in list(self.lingering.items()):
            if now > until:
                self._drop(conn)
        for conn, state in list(self.buffering.items()):
            late = now > state["done_by"] or now > state["idle_by"]
            if _HEAD_END not in state["data"]:
                late = late or now > state["head_by"]
            if not late:
                continue
            if state["data"]:
                self._answer(conn, 408, "Request Timeout", "the request took too long to arrive")
            else:
                self._drop(conn)  # connected and said nothing: just close

    # gunicorn's own error pages (400, 414, 431…) in the API's envelope.
    def handle_error(self, req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _Captured()
        super().handle_error(req, captured, addr, exc)
        found = _STATUS_LINE.match(captured.data)
        status = int(found.group(1)) if found else 500
        reason = found.group(2).decode("latin-1") if found else "Internal Server Error"
        message = str(exc) if status < 500 else "unexpected server error"
        try:
            client.sendall(envelope_response(status, reason, message or reason))
        except OSError:
            self.log.debug("Failed to send error message.")
