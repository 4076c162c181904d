"""Fixtures for the SDK tests: a real HTTP server on 127.0.0.1 that plays a script.

A test queues the responses the server gives, in order (``server.reply(201, {...})``), runs the
SDK against ``server.url`` and then reads what the server received (``server.received``). No
mock of ``requests``: the SDK's whole request path, sockets included, runs for real.
"""

from __future__ import annotations

import contextlib
import json
import socket
import struct
import threading
import zlib
from collections import deque
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import pytest

from support_sdk import Conflict, SupportClient, TicketField
from support_sdk.testing import SupportServer

APP_ID = "app_test"
APP_SECRET = "test-secret"


@dataclass(frozen=True)
class Reply:
    """One scripted response. A dict or list body is sent as JSON, a str as it is."""

    status: int = 200
    body: object = None
    headers: Mapping[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    query: dict[str, str]
    headers: Message
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)

    def form(self) -> dict[str, FormPart]:
        """A multipart/form-data body, parsed by hand (so nothing of the SDK's HTTP library
        judges what it sent): part name to its filename, content type and bytes."""
        boundary = self.headers.get_param("boundary", header="Content-Type")
        assert self.headers.get_content_type() == "multipart/form-data", self.headers
        assert isinstance(boundary, str)
        pieces = self.body.split(b"--" + boundary.encode())
        assert pieces[0] == b"" and pieces[-1] == b"--\r\n", pieces
        parts = {}
        for piece in pieces[1:-1]:
            assert piece.startswith(b"\r\n") and piece.endswith(b"\r\n")
            head, _, content = piece[2:-2].partition(b"\r\n\r\n")
            headers = message_from_bytes(head + b"\r\n\r\n")
            name = headers.get_param("name", header="Content-Disposition")
            filename = headers.get_param("filename", header="Content-Disposition")
            assert isinstance(name, str) and isinstance(filename, str | None)
            parts[name] = FormPart(filename, headers.get_content_type(), content)
        return parts


@dataclass(frozen=True)
class FormPart:
    """One part of a multipart/form-data body."""

    filename: str | None
    content_type: str
    content: bytes


class ScriptedServer:
    """A ThreadingHTTPServer on 127.0.0.1 that answers with queued replies and records requests.

    A request that arrives when the queue is empty gets a 599, so a test never hangs; the
    fixture fails the test if replies were left unused.
    """

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.received: list[Received] = []
        self._lock = threading.Lock()
        handler = type("ScriptedHandler", (_ScriptedHandler,), {"script": self})
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        # A short poll interval makes shutdown() quick; it has no effect on what is tested.
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    def reply(
        self,
        status: int = 200,
        body: object = None,
        headers: Mapping[str, str | None] | None = None,
    ) -> None:
        """Queue the next response."""
        self.replies.append(Reply(status, body, headers or {}))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join()

    def _next(self, request: Received) -> tuple[int, Reply]:
        with self._lock:
            self.received.append(request)
            number = len(self.received)
            if self.replies:
                return number, self.replies.popleft()
        return number, Reply(599, {"error": {"code": "unscripted", "message": "no reply queued"}})


class _ScriptedHandler(BaseHTTPRequestHandler):
    script: ScriptedServer

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        request = Received(
            method=self.command,
            path=parts.path,
            query=dict(parse_qsl(parts.query, keep_blank_values=True)),
            headers=self.headers,
            body=body,
        )
        number, reply = self.script._next(request)
        headers: dict[str, str | None] = {"X-Request-Id": f"req_{number}"}
        if isinstance(reply.body, (dict, list)):
            payload = json.dumps(reply.body).encode()
            headers["Content-Type"] = "application/json"
        elif isinstance(reply.body, str):
            payload = reply.body.encode()
            headers["Content-Type"] = "text/html; charset=utf-8"
        else:
            payload = b""
        headers.update(reply.headers)
        headers["Content-Length"] = str(len(payload))
        self.send_response(reply.status)
        for name, value in headers.items():
            if value is not None:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    scripted = ScriptedServer()
    scripted.start()
    try:
        yield scripted
    finally:
        scripted.stop()
    assert not scripted.replies, f"replies left unused: {list(scripted.replies)}"


@pytest.fixture
def sleeps() -> list[float]:
    """The delays the SDK asked to sleep, in order (the client fixture never really sleeps)."""
    return []


@pytest.fixture
def open_client(sleeps: list[float]) -> Iterator[Callable[..., SupportClient]]:
    """Build clients for any URL (sleep pinned to the ``sleeps`` recorder); closes them after."""
    clients: list[SupportClient] = []

    def make(base_url: str, **kwargs: Any) -> SupportClient:
        client = SupportClient(base_url, **{"sleep": sleeps.append, **kwargs})
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


@pytest.fixture
def make_client(
    server: ScriptedServer, open_client: Callable[..., SupportClient]
) -> Callable[..., SupportClient]:
    """Build clients for the scripted server, for app ``APP_ID`` unless told otherwise."""

    def make(**kwargs: Any) -> SupportClient:
        options: dict[str, Any] = {"app_id": APP_ID, "app_secret": APP_SECRET}
        options.update(kwargs)
        return open_client(options.pop("base_url", server.url), **options)

    return make


@pytest.fixture
def client(make_client: Callable[..., SupportClient]) -> SupportClient:
    return make_client()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A local port that accepts connections (in the kernel backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(8)
        yield sock.getsockname()[1]


def png_bytes() -> bytes:
    """A real, valid PNG image (one red pixel), built the way the format says."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data)
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 1x1, 8 bits, RGB
    pixels = zlib.compress(b"\x00\xff\x00\x00")  # filter 0, then one red pixel
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


#: The custom ticket fields :func:`custom_fields` defines on the session's real server
#: (neither is required, so no other test has to fill them in).
CUSTOM_FIELDS = (
    {"key": "plan", "label": "Plan", "type": "select", "options": ["free", "pro", "enterprise"]},
    {"key": "seats", "label": "Seats", "type": "number"},
)


@pytest.fixture(scope="session")
def custom_fields(support_server: SupportServer) -> dict[str, TicketField]:
    """:data:`CUSTOM_FIELDS`, defined once on the session's real server (an admin's call the
    SDK has no method for), by key."""
    with support_server.staff_client("admin") as admin:
        for definition in CUSTOM_FIELDS:
            with contextlib.suppress(Conflict):  # already defined by another test's server use
                admin.request("POST", "/ticket-fields", json=definition)
        defined = {f.key: f for f in admin.ticket_fields()}
    for definition in CUSTOM_FIELDS:
        assert defined[str(definition["key"])].type == definition["type"]
    return defined


@pytest.fixture
def ticket_json() -> dict[str, Any]:
    """A ticket as the server sends it."""
    return {
        "id": "tk_1",
        "status": "new",
        "subject": "Export broken",
        "body": "The CSV is empty",
        "priority": "normal",
        "source": "sdk",
        "requester": {"id": "42", "email": "ada@example.com", "name": "Ada"},
        "context": {"url": "/reports", "app_version": "2.3.1"},
        "created_at": "2024-05-01T12:00:00.000Z",
        "updated_at": "2024-05-01T12:00:00.000Z",
        "messages": [
            {
                "id": "msg_1",
                "body": "The CSV is empty",
                "author": {"kind": "requester", "id": "42", "name": "Ada"},
                "internal": False,
                "created_at": "2024-05-01T12:00:00.000Z",
            }
        ],
    }


@pytest.fixture
def article_json() -> dict[str, Any]:
    """An article as the writer API sends it."""
    return {
        "id": "ar_1",
        "slug": "export-invoices",
        "title": "Export invoices",
        "body": "Open **Billing**.",
        "html": "<p>Open <strong>Billing</strong>.</p>",
        "summary": "How to export",
        "category": "billing",
        "tags": ["billing", "csv"],
        "contexts": ["billing.invoices", "/settings/billing"],
        "locale": "en",
        "status": "draft",
        "revision": 1,
        "created_at": "2024-05-01T12:00:00.000Z",
        "updated_at": "2024-05-01T12:00:00.000Z",
        "published_at": None,
    }
