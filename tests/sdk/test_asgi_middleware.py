"""support_sdk.asgi.SupportMiddleware at the ASGI message level: what gets the widget, what is
never held or touched, and that the host's own behaviour (its exceptions, its streaming) is
what the server sees, as without the middleware."""

from __future__ import annotations

import asyncio
import gzip
import logging
import re
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from support_sdk._inject import MAX_BUFFER
from support_sdk.asgi import SupportMiddleware
from support_sdk.tokens import verify_user_token
from support_sdk.wsgi import SupportMiddleware as WSGIMiddleware

from .blocking import run

APP_ID, SECRET = "app_test", "s3cret-s3cret"
PAGE = b"<html><body><h1>Invoices</h1></body></html>"
Message = dict[str, Any]


def wrap(app: Any, **options: Any) -> SupportMiddleware:
    settings: dict[str, Any] = {
        "url": "https://support.example.com/",
        "app_id": APP_ID,
        "app_secret": SECRET,
        "user": lambda scope: {"id": "42", "email": "ada@example.com"},
    }
    settings.update(options)
    return SupportMiddleware(app, **settings)


def raw_app(start: Message, *bodies: Message) -> Callable[..., Any]:
    """An ASGI app that sends exactly these messages."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(start)
        for body in bodies:
            await send(body)

    return app


def start(status: int = 200, **headers: str) -> Message:
    return {
        "type": "http.response.start",
        "status": status,
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()],
    }


def body(data: bytes, more: bool = False) -> Message:
    return {"type": "http.response.body", "body": data, "more_body": more}


def call(app: Any, method: str = "GET", scope_type: str = "http") -> list[Message]:
    """Run one request through ``app``; the messages the server got."""
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {"type": scope_type, "method": method, "path": "/", "headers": [], "query_string": b""}
    run(app(scope, receive, send))
    return sent


def headers_of(message: Message) -> dict[str, str]:
    return {k.decode().lower(): v.decode() for k, v in message["headers"]}


def page_of(sent: list[Message]) -> bytes:
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


# -- what gets the widget ------------------------------------------------------------------------


@pytest.mark.parametrize("with_length", [True, False])
def test_a_complete_html_page_gets_the_widget_before_body_end(with_length: bool) -> None:
    length = {"content_length": str(len(PAGE))} if with_length else {}
    sent = call(wrap(raw_app(start(content_type="text/html; charset=utf-8", **length), body(PAGE))))
    page = page_of(sent)
    tag = re.search(
        rb'<script async src="https://support.example.com/widget/v1/loader.js" '
        rb'data-app-id="app_test" data-user-token="([^"]+)"></script></body>',
        page,
    )
    assert tag is not None
    claims = verify_user_token(tag.group(1).decode(), APP_ID, SECRET, max_age=60)
    assert (claims.sub, claims.email) == ("42", "ada@example.com")
    assert headers_of(sent[0])["content-length"] == str(len(page))
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]


def test_a_page_sent_in_chunks_with_a_length_is_held_and_rewritten() -> None:
    half = len(PAGE) // 2
    app = raw_app(
        start(content_type="text/html", content_length=str(len(PAGE))),
        body(PAGE[:half], more=True),
        body(PAGE[half:]),
    )
    page = page_of(call(wrap(app)))
    assert b"loader.js" in page and page.endswith(b"</script></body></html>")


def test_an_async_user_callback_and_a_context_are_used() -> None:
    async def user(scope: Mapping[str, Any]) -> Mapping[str, Any]:
        return {"id": "7", "name": "Grace"}

    app = wrap(
        raw_app(start(content_type="text/html"), body(PAGE)),
        user=user,
        context=lambda scope: "billing.invoices",
    )
    assert b'data-context="billing.invoices"' in page_of(call(app))


def test_anonymous_visitors_get_no_widget_unless_enabled() -> None:
    page_app = raw_app(start(content_type="text/html"), body(PAGE))
    assert page_of(call(wrap(page_app, user=lambda scope: None))) == PAGE
    anonymous = page_of(call(wrap(page_app, user=None, anonymous=True)))
    assert b"loader.js" in anonymous and b"data-user-token" not in anonymous


# -- what is refused, and never held -------------------------------------------------------------


class Recorder:
    """The server side of a request, sharing one event log with the app: shows whether a
    message reached the server before the app went on."""

    def __init__(self) -> None:
        self.events: list[str] = []
        self.sent: list[Message] = []

    async def send(self, message: Message) -> None:
        self.sent.append(message)
        self.events.append(f"server got {message['type']}")


def run_logged(app: Any, make: Callable[[Recorder], Any], method: str = "GET") -> Recorder:
    recorder = Recorder()
    host = make(recorder)

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    scope = {"type": "http", "method": method, "path": "/", "headers": [], "query_string": b""}
    run(app(host)(scope, receive, recorder.send))
    return recorder


def logging_host(messages: list[Message]) -> Callable[[Recorder], Any]:
    def make(recorder: Recorder) -> Any:
        async def host(scope: Any, receive: Any, send: Any) -> None:
            for message in messages:
                recorder.events.append(f"app sends {message['type']}")
                await send(message)

        return host

    return make


@pytest.mark.parametrize(
    ("case", "first", "method"),
    [
        ("streamed", start(content_type="text/html"), "GET"),
        ("gzip", start(content_type="text/html", content_encoding="gzip"), "GET"),
        ("json", start(content_type="application/json"), "GET"),
        ("download", start(content_type="text/html", content_disposition="attachment"), "GET"),
        ("head", start(content_type="text/html"), "HEAD"),
        ("not found", start(404, content_type="text/html"), "GET"),
    ],
)
def test_other_responses_go_out_message_by_message_untouched(
    case: str, first: Message, method: str
) -> None:
    messages = [first, body(b"<body>one", more=True), body(b"two</body>", more=True), body(b"")]
    recorder = run_logged(wrap, logging_host(messages), method=method)
    assert recorder.sent == messages, case
    # Each message reached the server before the app sent the next: nothing was held (but
    # an HTML start without a length, until its first body says whether it streams).
    expected = [e for m in messages for e in (f"app sends {m['type']}", f"server got {m['type']}")]
    if case == "streamed":
        expected[1:3] = expected[2:0:-1]
    assert recorder.events == expected, case


def test_an_opted_out_page_is_untouched_but_loses_the_header() -> None:
    messages = [start(content_type="text/html", x_support_widget="off"), body(PAGE)]
    sent = call(wrap(raw_app(*messages)))
    assert page_of(sent) == PAGE
    assert "x-support-widget" not in headers_of(sent[0])


def test_a_page_over_the_buffer_limit_goes_out_as_it_is() -> None:
    chunk = b"x" * (1024 * 1024)
    count = MAX_BUFFER // len(chunk) + 2
    chunks = [body(chunk, more=True) for _ in range(count)] + [body(b"</body>")]
    length = str(len(chunk) * count + len(b"</body>"))
    sent = call(wrap(raw_app(start(content_type="text/html", content_length=length), *chunks)))
    assert headers_of(sent[0])["content-length"] == length
    assert b"loader.js" not in page_of(sent) and len(page_of(sent)) == int(length)


@pytest.mark.parametrize("scope_type", ["websocket", "lifespan"])
def test_other_scopes_go_straight_to_the_app(scope_type: str) -> None:
    seen: list[tuple[Any, Any]] = []

    async def app(scope: Any, receive: Any, send: Any) -> None:
        seen.append((scope["type"], send))

    assert call(wrap(app), scope_type=scope_type) == []
    assert seen[0][0] == scope_type
    assert getattr(seen[0][1], "__self__", None) is None  # the server's own send, not ours


# -- the host's failures are the host's, the middleware's are logged -----------------------------


class HostError(Exception):
    pass


def test_an_exception_before_the_response_propagates_unchanged() -> None:
    error = HostError("boom")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        raise error

    with pytest.raises(HostError) as info:
        call(wrap(app))
    assert info.value is error


def test_an_exception_mid_page_propagates_after_what_was_held_is_handed_over() -> None:
    sent: list[Message] = []
    error = HostError("half a page")

    async def app(scope: Any, receive: Any, send: Any) -> None:
        await send(start(content_type="text/html", content_length="100"))
        await send(body(b"<html><body>", more=True))
        raise error

    async def server_send(message: Message) -> None:
        sent.append(message)

    async def receive() -> Message:
        return {"type": "http.request"}

    scope = {"type": "http", "method": "GET", "path": "/", "headers": []}
    with pytest.raises(HostError) as info:
        run(wrap(app)(scope, receive, server_send))
    assert info.value is error
    # The server saw the start and the body so far, as it would have without the middleware.
    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert page_of(sent) == b"<html><body>"


def test_a_failing_user_callback_leaves_the_page_as_it_was(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def user(scope: Any) -> Mapping[str, Any]:
        raise RuntimeError("the user store is down")

    messages = [start(content_type="text/html", content_length=str(len(PAGE))), body(PAGE)]
    with caplog.at_level(logging.ERROR, logger="support_sdk.asgi"):
        sent = call(wrap(raw_app(*messages), user=user))
    assert page_of(sent) == PAGE
    assert headers_of(sent[0])["content-length"] == str(len(PAGE))
    assert "could not add the widget" in caplog.text


def test_malformed_start_headers_are_passed_on_not_raised(caplog: pytest.LogCaptureFixture) -> None:
    weird = {"type": "http.response.start", "status": "two hundred", "headers": []}
    with caplog.at_level(logging.ERROR, logger="support_sdk.asgi"):
        sent = call(wrap(raw_app(weird, body(PAGE))))
    assert sent == [weird, body(PAGE)]
    assert "passed through" in caplog.text


def test_configuration_is_checked_up_front() -> None:
    with pytest.raises(ValueError, match="url, app_id and app_secret"):
        SupportMiddleware(raw_app(start()), url="", app_id="a", app_secret="s")


# -- Starlette responses, through httpx's ASGI transport -----------------------------------------


async def slow_page() -> AsyncIterator[bytes]:
    for part in (b"<html><body>", b"slow", b"</body></html>"):
        await asyncio.sleep(0.01)
        yield part


def starlette_app() -> Starlette:
    async def page(request: Request) -> Response:
        return HTMLResponse(PAGE.decode())

    async def streamed(request: Request) -> Response:
        return StreamingResponse(slow_page(), media_type="text/html")

    def generated(request: Request) -> Response:  # a sync generator, run in a thread
        return StreamingResponse(
            iter([b"<html><body>", b"made</body></html>"]), media_type="text/html"
        )

    async def compressed(request: Request) -> Response:
        return Response(
            gzip.compress(PAGE), media_type="text/html", headers={"Content-Encoding": "gzip"}
        )

    async def data(request: Request) -> Response:
        return JSONResponse({"html": "</body>"})

    async def crash(request: Request) -> Response:
        raise HostError("the route failed")

    return Starlette(
        routes=[
            Route("/page", page),
            Route("/streamed", streamed),
            Route("/generated", generated),
            Route("/compressed", compressed),
            Route("/data", data),
            Route("/crash", crash),
        ]
    )


def fetch(app: Any, path: str, method: str = "GET") -> httpx.Response:
    async def go() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            return await client.request(method, path)

    return run(go())


def test_starlette_pages_get_the_widget_and_the_rest_is_as_the_bare_app_sends_it() -> None:
    bare, wrapped = starlette_app(), wrap(starlette_app())
    page = fetch(wrapped, "/page")
    assert b"loader.js" in page.content
    assert int(page.headers["content-length"]) == len(page.content)
    for path in ("/streamed", "/generated", "/compressed", "/data"):
        got = fetch(wrapped, path)
        assert got.content == fetch(bare, path).content and b"loader.js" not in got.content, path
    head = fetch(wrapped, "/page", method="HEAD")
    assert head.content == b"" and head.headers["content-length"] == str(len(PAGE))


def test_a_route_exception_reaches_the_server_unchanged() -> None:
    with pytest.raises(HostError, match="the route failed"):
        fetch(wrap(starlette_app()), "/crash")


# -- the same decisions as the WSGI middleware ---------------------------------------------------


CASES = [
    ("GET", 200, {"Content-Type": "text/html"}, True),
    ("GET", 200, {"Content-Type": "text/html; charset=utf-8", "X-Support-Widget": "off"}, True),
    ("GET", 200, {"Content-Type": "text/html", "Content-Encoding": "br"}, True),
    ("GET", 200, {"Content-Type": "application/json"}, True),
    ("GET", 200, {"Content-Type": "text/html", "Content-Disposition": "attachment"}, True),
    ("GET", 500, {"Content-Type": "text/html"}, True),
    ("HEAD", 200, {"Content-Type": "text/html"}, True),
    ("GET", 200, {"Content-Type": "text/html"}, False),  # streamed: no length, in parts
]


@pytest.mark.parametrize(("method", "status", "headers", "complete"), CASES)
def test_the_asgi_and_wsgi_middlewares_give_the_same_response(
    method: str, status: int, headers: dict[str, str], complete: bool
) -> None:
    parts = [PAGE] if complete else [PAGE[:10], PAGE[10:]]
    options = {
        "url": "https://support.example.com",
        "app_id": APP_ID,
        "app_secret": SECRET,
        "anonymous": True,
    }

    def wsgi_host(environ: Any, start_response: Any) -> Any:
        start_response(f"{status} X", list(headers.items()))
        return list(parts) if complete else iter(parts)

    got: dict[str, Any] = {}

    def start_response(status_line: str, response_headers: Any, exc_info: Any = None) -> None:
        got["headers"] = {k.lower(): v for k, v in response_headers}

    wsgi = WSGIMiddleware(wsgi_host, **options)
    wsgi_body = b"".join(wsgi({"REQUEST_METHOD": method}, start_response))

    messages = [body(part, more=True) for part in parts[:-1]] + [body(parts[-1])]
    first = {
        "type": "http.response.start",
        "status": status,
        "headers": [(k.encode(), v.encode()) for k, v in headers.items()],
    }
    sent = call(SupportMiddleware(raw_app(first, *messages), **options), method=method)
    asgi_headers = headers_of(sent[0])
    assert page_of(sent) == wsgi_body
    assert asgi_headers == got["headers"]
