"""SupportMiddleware on the plain WSGI example: what gets the widget, and what never does."""

from __future__ import annotations

import re

import pytest
from werkzeug.test import Client

from examples.wsgi_app.app import host_app, make_app
from support_sdk.tokens import verify_user_token
from support_sdk.wsgi import SupportMiddleware

SETTINGS = {
    "SUPPORT_URL": "https://support.example.com/",
    "SUPPORT_APP_ID": "app_test",
    "SUPPORT_APP_SECRET": "s3cret-s3cret",
}


@pytest.fixture
def client() -> Client:
    browser = Client(make_app(SETTINGS))
    browser.set_cookie("user", "ada")
    return browser


def test_html_pages_get_the_widget_before_body_end_with_a_fixed_length(client: Client) -> None:
    response = client.get("/billing")
    body = response.get_data()
    assert int(response.headers["Content-Length"]) == len(body)
    tag = re.search(
        rb'<script async src="https://support.example.com/widget/v1/loader.js" '
        rb'data-app-id="app_test" data-user-token="([^"]+)" '
        rb'data-context="billing.invoices"></script></body>',
        body,
    )
    assert tag is not None
    claims = verify_user_token(tag.group(1).decode(), "app_test", "s3cret-s3cret", max_age=60)
    assert (claims.sub, claims.email) == ("ada", "ada@example.com")


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/status", "GET"),  # JSON, even with "</body>" inside it
        ("/stream", "GET"),  # streamed: no length, lazy iterable
        ("/plain", "GET"),  # opted out
        ("/nowhere", "GET"),  # not a 200
        ("/billing", "HEAD"),
    ],
)
def test_other_responses_pass_through_untouched(client: Client, path: str, method: str) -> None:
    wrapped = client.open(path, method=method)
    bare = Client(host_app).open(path, method=method)
    assert wrapped.status_code == bare.status_code
    assert wrapped.get_data() == bare.get_data()
    assert "X-Support-Widget" not in wrapped.headers


def test_anonymous_visitors_get_no_widget_unless_enabled() -> None:
    assert b"loader.js" not in Client(make_app(SETTINGS)).get("/").get_data()
    anonymous = SupportMiddleware(
        host_app, url="https://s.example", app_id="app_test", app_secret="x" * 10, anonymous=True
    )
    body = Client(anonymous).get("/").get_data()
    assert b"loader.js" in body and b"data-user-token" not in body


def test_compressed_and_download_responses_are_never_rewritten() -> None:
    def app(environ: dict[str, object], start_response: object) -> list[bytes]:
        headers = [("Content-Type", "text/html"), ("Content-Length", "21")]
        headers.append(
            ("Content-Encoding", "gzip")
            if environ["PATH_INFO"] == "/gz"
            else ("Content-Disposition", "attachment; filename=a.html")
        )
        start_response("200 OK", headers)  # type: ignore[operator]
        return [b"<html><body></body></html>"[:21]]

    wrapped = Client(
        SupportMiddleware(
            app, url="https://s.example", app_id="a", app_secret="x" * 10, anonymous=True
        )
    )
    for path in ("/gz", "/download"):
        assert b"loader.js" not in wrapped.get(path).get_data()


def test_a_failing_user_callback_leaves_the_page_as_it_was() -> None:
    def broken(environ: object) -> None:
        raise LookupError("session store down")

    wrapped = SupportMiddleware(
        host_app, url="https://s.example", app_id="a", app_secret="x" * 10, user=broken
    )
    response = Client(wrapped).get("/")
    assert response.status_code == 200
    assert response.get_data() == Client(host_app).get("/").get_data()


def test_configuration_is_checked_up_front() -> None:
    with pytest.raises(ValueError, match="app_secret"):
        SupportMiddleware(host_app, url="https://s.example", app_id="a", app_secret="")
