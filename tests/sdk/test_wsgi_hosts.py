"""SupportMiddleware around WSGI apps written every way PEP 3333 allows, served by real
servers (wsgiref and werkzeug's), so that the SDK can never break its host.

- a generator app that calls ``start_response`` on its first iteration (lazy);
- exceptions the host raises, before or while iterating: re-raised untouched;
- ``start_response(..., exc_info)`` replacing a response not yet sent;
- ``close()`` of the host's iterable always called, once;
- streamed responses passed through chunk by chunk, never buffered;
- the widget tag injected into lazy HTML pages, and loading from a real support server.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server
from wsgiref.validate import validator

import pytest
import requests
from werkzeug.test import Client

from support_sdk.testing import SupportServer as ServerProcess
from support_sdk.testing import free_port, init_data_dir, run_cli
from support_sdk.wsgi import SupportMiddleware

from ..conftest import HELP_CENTER

PAGE = b"<!doctype html><html><head><title>Host</title></head><body><h1>Host</h1></body></html>"
StartResponse = Callable[..., Any]


def wrap(app: Any, **kwargs: Any) -> SupportMiddleware:
    options: dict[str, Any] = {
        "url": "https://support.example.com",
        "app_id": "app_test",
        "app_secret": "s3cret-s3cret",
        "anonymous": True,
    }
    options.update(kwargs)
    return SupportMiddleware(app, **options)


class Closing:
    """An iterable body that records whether (and how often) the server closed it."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self.chunks = iter(chunks)
        self.closed = 0

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        self.closed += 1


def lazy_app(status: str = "200 OK", html: bool = True, length: bool = True) -> Any:
    """A generator app: start_response runs only when the server asks for the first chunk."""

    def app(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        headers = [("Content-Type", "text/html; charset=utf-8" if html else "application/json")]
        if length:
            headers.append(("Content-Length", str(len(PAGE))))
        start_response(status, headers)
        yield PAGE[:40]
        yield PAGE[40:]

    return app


# -- a real server -----------------------------------------------------------------------------
class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
        pass


class Served:
    """``app`` behind wsgiref's server (PEP 3333's reference implementation) on 127.0.0.1,
    with wsgiref's validator between them checking that the middleware keeps the spec."""

    def __init__(self, app: Any) -> None:
        self.server: WSGIServer = make_server(
            "127.0.0.1", 0, validator(app), handler_class=_QuietHandler
        )
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host!s}:{port}"

    def __enter__(self) -> Served:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


# -- lazy start_response ---------------------------------------------------------------------
def test_a_generator_app_that_starts_the_response_lazily_gets_the_widget() -> None:
    with Served(wrap(lazy_app())) as served:
        response = requests.get(served.url + "/", timeout=10)
    assert response.status_code == 200
    assert b'<script async src="https://support.example.com/widget/v1/loader.js"' in (
        response.content
    )
    assert response.content.endswith(b"</script></body></html>")
    assert int(response.headers["Content-Length"]) == len(response.content)


@pytest.mark.parametrize(
    ("status", "html", "length"),
    [("200 OK", False, True), ("404 Not Found", True, True), ("200 OK", True, False)],
    ids=["json", "not-200", "no-length(streamed)"],
)
def test_lazy_responses_that_get_no_widget_pass_through_untouched(
    status: str, html: bool, length: bool
) -> None:
    app = lazy_app(status, html, length)
    wrapped = Client(wrap(app)).get("/")
    bare = Client(app).get("/")
    assert (wrapped.status, wrapped.get_data()) == (bare.status, bare.get_data())
    assert wrapped.headers.to_wsgi_list() == bare.headers.to_wsgi_list()


def test_an_app_that_never_starts_a_response_is_the_servers_problem_not_a_key_error() -> None:
    def broken(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        yield from ()

    body = wrap(broken)({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None)
    assert list(body) == []


# -- the host's exceptions -----------------------------------------------------------------------
class HostError(Exception):
    pass


def test_exceptions_raised_by_the_host_reach_its_server_untouched() -> None:
    def at_call(environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        raise HostError("database down")

    def while_iterating(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "99")])
        yield b"<html><body>"
        raise HostError("template failed half-way")

    def lazily(environ: dict[str, Any], start_response: StartResponse) -> Any:
        raise HostError("before start_response")
        yield b""  # a generator: the error comes at the first next()

    for app, message in (
        (at_call, "database down"),
        (while_iterating, "template failed half-way"),
        (lazily, "before start_response"),
    ):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
        with pytest.raises(HostError, match=message) as caught:
            list(wrap(app)(environ, lambda *a: None))
        assert caught.value.__cause__ is None and caught.value.__context__ is None


@pytest.mark.parametrize("yielded_before", [False, True])
def test_an_error_page_given_with_exc_info_replaces_the_page_not_yet_sent(
    yielded_before: bool,
) -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "99")])
        if yielded_before:
            yield b"<html><body>half a page"  # held by the middleware, never sent
        try:
            raise HostError("render failed")
        except HostError:
            start_response(
                "500 Internal Server Error", [("Content-Type", "text/plain")], sys.exc_info()
            )
        yield b"sorry"

    with Served(wrap(app)) as served:
        response = requests.get(served.url + "/", timeout=10)
    assert (response.status_code, response.text) == (500, "sorry")
    assert response.headers["Content-Type"] == "text/plain"


def test_exc_info_after_the_headers_went_out_is_re_raised_as_pep_3333_says() -> None:
    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Type", "text/html")])  # streamed: sent at once
        yield b"<html><body>part one"
        try:
            raise HostError("late failure")
        except HostError:
            start_response("500 Internal Server Error", [], sys.exc_info())
        yield b"never"

    def server_start_response(status: str, headers: Any, exc_info: Any = None) -> Any:
        if exc_info is not None and sent:
            raise exc_info[1].with_traceback(exc_info[2])
        return lambda data: None

    sent = True
    body = wrap(app)({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, server_start_response)
    iterator = iter(body)
    assert next(iterator) == b"<html><body>part one"
    with pytest.raises(HostError, match="late failure"):
        next(iterator)


# -- close() --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["html", "streamed", "json", "lazy-html", "lazy-streamed"])
def test_close_is_always_called_once(kind: str) -> None:
    bodies: list[Closing] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        headers = [("Content-Type", "application/json" if kind == "json" else "text/html")]
        if kind in {"html", "json", "lazy-html"}:
            headers.append(("Content-Length", str(len(PAGE))))
        if kind.startswith("lazy"):

            def chunks() -> Iterator[bytes]:
                start_response("200 OK", headers)
                yield PAGE

            body = Closing(chunks())
        else:
            start_response("200 OK", headers)
            body = Closing(
                iter([PAGE]) if kind != "streamed" else (c for c in [PAGE[:9], PAGE[9:]])
            )
        bodies.append(body)
        return body

    response = Client(wrap(app)).get("/")
    assert response.get_data().startswith(b"<!doctype html>")
    response.close()
    assert bodies[0].closed == 1


def test_close_is_called_when_the_host_fails_half_way() -> None:
    bodies: list[Closing] = []

    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        def chunks() -> Iterator[bytes]:
            start_response("200 OK", [("Content-Type", "text/html"), ("Content-Length", "50")])
            yield b"<html>"
            raise HostError("half-way")

        bodies.append(Closing(chunks()))
        return bodies[-1]

    body = wrap(app)({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda *a: None)
    with pytest.raises(HostError):
        list(body)
    body.close()  # type: ignore[attr-defined]  # what every server does, even after an error
    assert bodies[0].closed == 1


# -- streaming --------------------------------------------------------------------------------
@pytest.mark.parametrize("lazy", [False, True], ids=["eager", "lazy"])
def test_a_streamed_response_is_passed_through_chunk_by_chunk(lazy: bool) -> None:
    """The first chunk reaches the client before the host has produced the second."""
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        def chunks() -> Iterator[bytes]:
            if lazy:
                start_response("200 OK", [("Content-Type", "text/html")])
            yield b"<html><body>first "
            release.wait(10)
            yield b"second</body></html>"

        if not lazy:
            start_response("200 OK", [("Content-Type", "text/html")])
        return chunks()

    with Served(wrap(app)) as served:
        asked = time.monotonic()
        response = requests.get(served.url + "/", stream=True, timeout=20)
        first = response.raw.read(len(b"<html><body>first "))
        waited = time.monotonic() - asked  # 10 s or more if anything buffered the stream
        release.set()
        rest = response.raw.read()
    assert first == b"<html><body>first "
    assert waited < 5, waited
    assert rest == b"second</body></html>"  # untouched: no widget in a streamed page


def test_a_file_wrapper_body_is_handed_to_the_server_as_it_is(tmp_path: Any) -> None:
    path = tmp_path / "page.html"
    path.write_bytes(PAGE)

    def app(environ: dict[str, Any], start_response: StartResponse) -> Any:
        start_response("200 OK", [("Content-Type", "text/html")])
        return environ["wsgi.file_wrapper"](path.open("rb"))

    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "wsgi.file_wrapper": FileWrapper}
    body = wrap(app)(environ, lambda *a: None)
    assert isinstance(body, FileWrapper)
    body.close()


class FileWrapper:
    def __init__(self, handle: Any, size: int = 8192) -> None:
        self.handle = handle

    def __iter__(self) -> Iterator[bytes]:
        return iter(lambda: self.handle.read(8192), b"")

    def close(self) -> None:
        self.handle.close()


# -- the whole journey: a lazy host page, the widget from a real support server ---------------
@pytest.mark.browser
def test_the_widget_loads_on_a_lazy_host_page_from_a_real_support_server(
    tmp_path: Path, browser: Any
) -> None:
    def page(environ: dict[str, Any], start_response: StartResponse) -> Iterator[bytes]:
        body = b"<!doctype html><html lang='en-US'><head><title>Shop</title></head>"
        body += b"<body><h1>Billing</h1></body></html>"
        start_response(
            "200 OK",
            [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body)))],
        )
        yield body

    port = free_port()
    origin = f"http://127.0.0.1:{port}"
    creds = init_data_dir(tmp_path / "data", origin)
    run_cli("import", str(HELP_CENTER), "--data-dir", str(tmp_path / "data"))
    with ServerProcess(tmp_path / "data") as support:
        wrapped = SupportMiddleware(
            page,
            url=support.url,
            app_id=creds["app_id"],
            app_secret=creds["app_secret"],
            user=lambda environ: {"id": "42", "email": "ada@example.com", "name": "Ada"},
            context=lambda environ: "billing.invoices",
        )
        server = make_server("127.0.0.1", port, validator(wrapped), handler_class=_QuietHandler)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        context = browser.new_context()
        try:
            tab = context.new_page()
            errors: list[str] = []
            tab.on("pageerror", lambda error: errors.append(str(error)))
            tab.goto(origin + "/billing")
            tab.locator("support-widget .launcher").click()
            tab.locator("support-widget [role=dialog]").wait_for(state="visible")
            suggested = tab.locator("support-widget .body .item .t")
            suggested.first.wait_for()  # asked of the support server, cross-origin
            token = tab.locator("script[data-user-token]").get_attribute("data-user-token")
            mine = requests.get(
                support.url + "/api/v1/tickets",
                headers={"Authorization": f"Bearer {token}"},
                timeout=10,
            )
            assert mine.status_code == 200 and mine.json()["items"] == []
            assert errors == []
        finally:
            context.close()
            server.shutdown()
            server.server_close()
            thread.join(timeout=5)
