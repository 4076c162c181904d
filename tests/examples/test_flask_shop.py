"""The Flask example, end to end against a real Support server (the integrators' test kit)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from examples.flask_shop import create_app
from support_sdk.testing import SupportServer, free_port
from support_sdk.tokens import verify_user_token


@pytest.fixture
def shop(support_server: SupportServer) -> Flask:
    return create_app(
        {
            "SUPPORT_URL": support_server.url,
            "SUPPORT_APP_ID": support_server.app_id,
            "SUPPORT_APP_SECRET": support_server.app_secret,
            "SECRET_KEY": "test",
            "TESTING": True,
        }
    )


@pytest.fixture
def browser(shop: Flask) -> Iterator[FlaskClient]:
    with shop.test_client() as client:
        yield client


def signed_in(browser: FlaskClient) -> FlaskClient:
    browser.post("/login", data={"email": "ada@example.com"})
    return browser


def widget_tag(html: str) -> dict[str, str] | None:
    tag = re.search(r"<script async ([^>]*)></script>", html)
    if tag is None:
        return None
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(1)))


def test_missing_configuration_fails_at_start_naming_the_settings(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(RuntimeError, match="SUPPORT_APP_ID, SUPPORT_APP_SECRET"):
        create_app({"SUPPORT_URL": "http://127.0.0.1:9"})


def test_visitors_get_help_links_but_no_widget(browser: FlaskClient) -> None:
    html = browser.get("/login").get_data(as_text=True)
    assert widget_tag(html) is None
    assert (
        '<button type="button" class="support-help" '
        'data-support-help="settings.security.password" aria-haspopup="dialog">'
        "Forgot your password?</button>"
    ) in html


def test_signed_in_pages_embed_the_widget_with_a_fresh_token(
    browser: FlaskClient,
    support_server: SupportServer,
) -> None:
    html = signed_in(browser).get("/invoices/new").get_data(as_text=True)
    tag = widget_tag(html)
    assert tag is not None
    assert tag["src"] == f"{support_server.url}/widget/v1/loader.js"
    assert tag["data-app-id"] == support_server.app_id
    assert tag["data-context"] == "invoices.create"
    assert tag["data-app-version"] == "2.3.1"
    assert tag["data-token-refresh-url"] == "/_support/token"
    claims = verify_user_token(
        tag["data-user-token"], support_server.app_id, support_server.app_secret, max_age=3600
    )
    assert (claims.sub, claims.email, claims.traits) == (
        "user-1",
        "ada@example.com",
        {"plan": "pro"},
    )
    assert 'data-support-help="invoices.tax"' in html


def test_the_token_refresh_route_serves_only_signed_in_users(
    browser: FlaskClient,
    support_server: SupportServer,
) -> None:
    headers = {"X-Support-Refresh": "1"}
    assert browser.post("/_support/token").status_code == 400  # header missing
    assert browser.post("/_support/token", headers=headers).status_code == 401
    assert browser.get("/_support/token").status_code == 405
    answer = signed_in(browser).post("/_support/token", headers=headers)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    claims = verify_user_token(
        answer.get_json()["token"], support_server.app_id, support_server.app_secret, max_age=3600
    )
    assert claims.sub == "user-1"


def test_report_a_problem_files_a_ticket_from_the_server(
    browser: FlaskClient,
    support_server: SupportServer,
) -> None:
    signed_in(browser).post(
        "/report",
        data={"text": "The VAT total is off by a cent"},
        headers={"Referer": "http://shop.test/invoices/new"},
    )
    with support_server.client() as client:
        token = client.user_token("user-1")
        mine = client.tickets(user_token=token).items
    filed = [t for t in mine if t.body == "The VAT total is off by a cent"]
    assert len(filed) == 1
    assert filed[0].context["url"] == "http://shop.test/invoices/new"
    assert filed[0].context["custom"] == {"plan": "pro"}


def test_a_crash_is_reported_with_its_traceback_and_no_secrets(
    shop: Flask,
    support_server: SupportServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    shop.config["TESTING"] = False  # let the 500 handler run as in production
    shop.config["PROPAGATE_EXCEPTIONS"] = False
    with shop.test_client() as browser, caplog.at_level(logging.CRITICAL):
        response = signed_in(browser).get("/reports/export")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    with support_server.staff_client("agent") as agent:
        tickets = agent.tickets().items
    crash = next(t for t in tickets if t.subject == "Error: RuntimeError")
    assert f"We have been told about it (report {crash.id})" in page
    exception = crash.context["exception"]
    assert exception["message"] == "the export service timed out"
    assert "export_report" in exception["traceback"]
    assert support_server.app_secret not in str(crash.context)


def test_a_failing_user_loader_never_breaks_the_page(
    shop: Flask,
    caplog: pytest.LogCaptureFixture,
) -> None:
    support = shop.extensions["support_sdk"].extension

    @support.user_loader
    def broken() -> None:
        raise LookupError("session store down")

    with shop.test_client() as browser, caplog.at_level(logging.CRITICAL):
        response = signed_in(browser).get("/")
    assert response.status_code == 200 and widget_tag(response.get_data(as_text=True)) is None


def test_the_error_page_never_claims_a_report_that_failed(
    support_server: SupportServer, caplog: pytest.LogCaptureFixture
) -> None:
    shop = create_app(
        {
            "SUPPORT_URL": f"http://127.0.0.1:{free_port()}",  # nothing listens there
            "SUPPORT_APP_ID": support_server.app_id,
            "SUPPORT_APP_SECRET": support_server.app_secret,
            "SECRET_KEY": "test",
            "PROPAGATE_EXCEPTIONS": False,
        }
    )
    with shop.test_client() as browser, caplog.at_level(logging.CRITICAL):
        response = signed_in(browser).get("/reports/export")
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "We have been told" not in page
    assert "We could not send an error report just now" in page
