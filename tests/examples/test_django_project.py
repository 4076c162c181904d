"""The Django example and support_sdk.django, with Django's test client and a real server."""

from __future__ import annotations

import logging
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from support_sdk.testing import SupportServer, free_port
from support_sdk.tokens import verify_user_token

from ..conftest import ROOT
from .django_setup import setup_django

setup_django()

from django.contrib.auth import get_user_model  # noqa: E402 - Django must be set up first
from django.core.management import call_command  # noqa: E402
from django.core.management.base import CommandError, SystemCheckError  # noqa: E402
from django.template import Context, Template, TemplateSyntaxError  # noqa: E402
from django.test import Client, override_settings  # noqa: E402

from support_sdk.django.conf import check_settings  # noqa: E402

SITE_PORT = free_port()
SITE = f"http://127.0.0.1:{SITE_PORT}"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SupportServer]:
    """A Support server of this module's own, allowing the Django site's origin."""
    with SupportServer.start_new(tmp_path_factory.mktemp("django") / "data", SITE) as started:
        yield started


def support_settings(server: SupportServer, **extra: Any) -> dict[str, Any]:
    return {
        "URL": server.url,
        "APP_ID": server.app_id,
        "APP_SECRET": server.app_secret,
        "WIDGET": {"app-version": "2.3.1"},
        **extra,
    }


@pytest.fixture
def support(server: SupportServer) -> Iterator[SupportServer]:
    with override_settings(SUPPORT=support_settings(server)):
        yield server


def ada() -> Any:
    return get_user_model().objects.get(username="ada")


def signed_in(client: Client | None = None) -> Client:
    client = client or Client()
    client.force_login(ada())
    return client


def widget_tag(html: str) -> dict[str, str] | None:
    tag = re.search(r"<script async ([^>]*)></script>", html)
    if tag is None:
        return None
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag.group(1)))


def ids(value: object) -> list[str]:
    with override_settings(SUPPORT=value):
        return [message.id for message in check_settings()]


def load_user(request: Any) -> dict[str, Any] | None:
    """A USER_LOADER for the tests (by dotted path)."""
    user = request.user
    return {"id": f"crm-{user.pk}", "traits": {"plan": "pro"}} if user.is_authenticated else None


def broken_loader(request: Any) -> None:
    raise LookupError("the session store is down")


# -- settings and system checks ------------------------------------------------------------


def test_system_checks_name_every_missing_or_malformed_setting(server: SupportServer) -> None:
    good = support_settings(server)
    assert ids(good) == []
    assert ids(None) == ["support_sdk.E001"]
    assert ids("http://x") == ["support_sdk.E001"]
    assert ids({}) == ["support_sdk.E002", "support_sdk.E003", "support_sdk.E004"]
    assert ids({**good, "URL": "support.example.com"}) == ["support_sdk.E002"]
    assert ids({**good, "APP_ID": ""}) == ["support_sdk.E003"]
    assert ids({**good, "APP_SECRET": 42}) == ["support_sdk.E004"]
    assert ids({**good, "USER_LOADER": "nowhere.loader"}) == ["support_sdk.E005"]
    assert ids({**good, "WIDGET": ["dark"]}) == ["support_sdk.E006"]
    assert ids({**good, "TOKEN_TTL": 0}) == ["support_sdk.E007"]
    assert ids({**good, "ANONYMOUS": "yes"}) == ["support_sdk.E008"]
    assert ids({**good, "APP_SECERT": "typo"}) == ["support_sdk.W001"]


def test_manage_py_check_fails_naming_the_setting(server: SupportServer) -> None:
    with (
        override_settings(SUPPORT={**support_settings(server), "APP_SECRET": None}),
        pytest.raises(SystemCheckError, match=r'support_sdk\.E004.*SUPPORT\["APP_SECRET"\]'),
    ):
        call_command("check")
    with override_settings(SUPPORT=support_settings(server)):
        call_command("check")  # and passes when the setting is good


def test_importing_without_django_says_which_extra_to_install() -> None:
    code = (
        "import sys; sys.modules['django'] = None\n"
        "try:\n    import support_sdk.django\n"
        "except ImportError as exc:\n    print(exc)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "pip install 'support-sdk[django]'" in done.stdout


# -- template tags -----------------------------------------------------------------------------


def test_visitors_get_help_links_but_no_widget(support: SupportServer) -> None:
    html = Client().get("/login").content.decode()
    assert widget_tag(html) is None
    assert (
        '<button type="button" class="support-help" '
        'data-support-help="settings.security.password" aria-haspopup="dialog">'
        "Forgot your password?</button>"
    ) in html


def test_signed_in_pages_embed_the_widget_with_the_django_users_token(
    support: SupportServer,
) -> None:
    html = signed_in().get("/").content.decode()
    tag = widget_tag(html)
    assert tag is not None
    assert tag["src"] == f"{support.url}/widget/v1/loader.js"
    assert tag["data-app-id"] == support.app_id
    assert tag["data-context"] == "billing.invoices"
    assert tag["data-app-version"] == "2.3.1"
    assert tag["data-token-refresh-url"] == "/_support/token"
    claims = verify_user_token(
        tag["data-user-token"], support.app_id, support.app_secret, max_age=3600
    )
    assert (claims.sub, claims.email, claims.name) == (
        str(ada().pk),
        "ada@example.com",
        "Ada Lovelace",
    )
    assert 'data-support-help="invoices.tax"' in html


def test_the_tags_render_the_same_markup_as_flask(support: SupportServer) -> None:
    rendered = Template(
        '{% load support %}{% help_link "billing.invoices" text %}'
        '{% help_link slug "Help" class="help" %}'
    ).render(Context({"slug": 'a"b', "text": "How do <invoices> work?"}))  # variables escaped
    assert rendered == (
        '<button type="button" class="support-help" data-support-help="billing.invoices" '
        'aria-haspopup="dialog">How do &lt;invoices&gt; work?</button>'
        '<button type="button" class="help" data-support-help="a&#34;b" '
        'aria-haspopup="dialog">Help</button>'
    )


def test_a_user_loader_by_dotted_path(server: SupportServer) -> None:
    loader = f"{__name__}.load_user"
    with override_settings(SUPPORT=support_settings(server, USER_LOADER=loader)):
        tag = widget_tag(signed_in().get("/").content.decode())
    assert tag is not None
    claims = verify_user_token(
        tag["data-user-token"], server.app_id, server.app_secret, max_age=3600
    )
    assert (claims.sub, claims.traits) == (f"crm-{ada().pk}", {"plan": "pro"})


def test_anonymous_visitors_get_the_widget_when_allowed(server: SupportServer) -> None:
    with override_settings(SUPPORT=support_settings(server, ANONYMOUS=True)):
        tag = widget_tag(Client().get("/login").content.decode())
    assert tag is not None and "data-user-token" not in tag and "data-token-refresh-url" not in tag


def test_options_are_keywords_only() -> None:
    with pytest.raises(TemplateSyntaxError, match="keyword options only"):
        Template('{% load support %}{% support_widget "billing" %}')
    with pytest.raises(TemplateSyntaxError, match="not colour"):
        Template('{% load support %}{% support_widget colour="red" %}')


@pytest.mark.parametrize(
    "broken",
    [
        {"USER_LOADER": f"{__name__}.broken_loader"},  # the host's loader raises
        {"APP_ID": ""},  # a bad setting (the system check names it; pages still render)
    ],
)
def test_a_failure_inside_never_breaks_the_page(
    server: SupportServer, broken: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    with (
        override_settings(SUPPORT=support_settings(server, **broken)),
        caplog.at_level(logging.ERROR, logger="support_sdk.django"),
    ):
        response = signed_in().get("/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "INV-204" in html and widget_tag(html) is None
    assert "support_widget failed" in caplog.text


# -- the token refresh ---------------------------------------------------------------------


def test_the_token_refresh_serves_only_the_sites_own_signed_in_pages(
    support: SupportServer,
) -> None:
    header = {"HTTP_X_SUPPORT_REFRESH": "1"}
    visitor = Client(enforce_csrf_checks=True)
    assert visitor.post("/_support/token").status_code == 400  # header missing
    assert visitor.post("/_support/token", **header).status_code == 401
    assert visitor.get("/_support/token", **header).status_code == 405
    browser = signed_in(Client(enforce_csrf_checks=True))  # no CSRF token, as the widget
    cross_site = browser.post("/_support/token", HTTP_ORIGIN="https://evil.example", **header)
    assert cross_site.status_code == 403
    fetched = browser.post("/_support/token", HTTP_SEC_FETCH_SITE="cross-site", **header)
    assert fetched.status_code == 403
    sibling = browser.post("/_support/token", HTTP_SEC_FETCH_SITE="same-site", **header)
    assert sibling.status_code == 403
    answer = browser.post(
        "/_support/token",
        HTTP_ORIGIN="http://testserver",
        HTTP_SEC_FETCH_SITE="same-origin",
        **header,
    )
    assert answer.status_code == 200 and answer["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["expires_in"] == 3600
    claims = verify_user_token(body["token"], support.app_id, support.app_secret, max_age=3600)
    assert claims.sub == str(ada().pk) and claims.email == "ada@example.com"


def test_a_failing_refresh_is_a_clean_error(
    server: SupportServer, caplog: pytest.LogCaptureFixture
) -> None:
    with (
        override_settings(
            SUPPORT=support_settings(server, USER_LOADER=f"{__name__}.broken_loader")
        ),
        caplog.at_level(logging.CRITICAL),
    ):
        answer = signed_in().post("/_support/token", HTTP_X_SUPPORT_REFRESH="1")
    assert answer.status_code == 503 and answer.json()["error"]["code"] == "unavailable"


# -- manage.py support ---------------------------------------------------------------------


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command("support", *args, stdout=out)
    return out.getvalue()


def test_report_exception_files_a_ticket_with_the_traceback(support: SupportServer) -> None:
    printed = run("report-exception", "--email", "ops@example.com")
    ticket_id = re.search(r"as ticket (\S+)\.", printed)
    assert ticket_id, printed
    with support.staff_client("agent") as agent:
        ticket = agent.ticket(ticket_id.group(1))
    assert ticket.subject.startswith("Error: ") and ticket.subject.endswith(".SupportTestError")
    assert ticket.context["exception"]["type"].endswith("SupportTestError")
    assert ticket.context["custom"] == {"source": "manage.py support report-exception"}
    assert "run_report_exception" in ticket.context["exception"]["traceback"]
    assert support.app_secret not in str(ticket.context)


def test_report_exception_needs_an_address(support: SupportServer) -> None:
    with pytest.raises(CommandError, match="--email"):
        run("report-exception")


def test_check_finds_the_contexts_of_django_templates(support: SupportServer) -> None:
    with support.staff_client() as writer:
        for context in ("billing.invoices", "settings.security.password"):
            writer.articles.create(
                f"About {context}", "How it works.", contexts=[context], status="published"
            )
        key = writer._api_key
        assert key
        with pytest.raises(CommandError, match="need attention") as failed:
            run("check", "--api-key", key)
        assert failed.value.returncode == 1
        writer.articles.create("Tax", "VAT.", contexts=["invoices.tax"], status="published")
        assert run("check", "--api-key", key).splitlines() == ["3 covered, 0 missing, 0 unused"]


def test_check_needs_a_writer_key(support: SupportServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SUPPORT_API_KEY", raising=False)
    with pytest.raises(CommandError, match="API_KEY"):
        run("check")


# -- in Chromium -----------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _ThreadingServer(WSGIServer):
    daemon_threads = True

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self.process_request_thread, args=(request, client_address), daemon=True
        )
        thread.start()

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            self.finish_request(request, client_address)
        except Exception:  # noqa: BLE001 - as socketserver.ThreadingMixIn does
            self.handle_error(request, client_address)
        finally:
            self.shutdown_request(request)


@pytest.fixture
def site(support: SupportServer) -> Iterator[str]:
    """The example served on 127.0.0.1 (the origin the module's server allows)."""
    from django.core.handlers.wsgi import WSGIHandler

    httpd = make_server(
        "127.0.0.1", SITE_PORT, WSGIHandler(), _ThreadingServer, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield SITE
    finally:
        httpd.shutdown()
        httpd.server_close()


READY = "() => performance.getEntriesByName('support-widget:ready').length > 0"


@pytest.mark.browser
def test_the_widget_works_for_the_signed_in_django_user(
    site: str, support: SupportServer, browser: Any
) -> None:
    context = browser.new_context()
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{site}/login?next=/")
        page.fill("#id_username", "ada")
        page.fill("#id_password", "ledgerly")
        page.click("button[type=submit]")
        page.wait_for_url(f"{site}/")
        page.wait_for_function(READY)
        refreshed = page.evaluate(
            """() => fetch('/_support/token', {method: 'POST', credentials: 'same-origin',
                 headers: {'X-Support-Refresh': '1'}}).then(r => r.json())"""
        )
        claims = verify_user_token(
            refreshed["token"], support.app_id, support.app_secret, max_age=3600
        )
        assert claims.email == "ada@example.com"
        page.evaluate(
            "SupportWidget('prefill', {subject: 'From Django', body: 'INV-204 looks wrong'})"
        )
        page.locator("support-widget button[type=submit]").click()
        page.locator("support-widget .done").wait_for()
        assert errors == []
    finally:
        context.close()
    with support.staff_client("agent") as agent:
        filed = [t for t in agent.tickets().items if t.subject == "From Django"]
    assert len(filed) == 1
    assert filed[0].requester is not None and filed[0].requester.email == "ada@example.com"


def test_a_server_that_is_down_is_a_clear_command_error(server: SupportServer) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}"
    with (
        override_settings(SUPPORT=support_settings(server, URL=nowhere)),
        pytest.raises(CommandError, match=f"the Support server at {nowhere} said: .*cannot reach"),
    ):
        run("report-exception", "--email", "ops@example.com")


def test_without_the_refresh_view_the_widget_still_renders(
    support: SupportServer, caplog: pytest.LogCaptureFixture
) -> None:
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    request.user = ada()
    no_refresh = type("urls_without_refresh", (), {"urlpatterns": []})
    with override_settings(ROOT_URLCONF=no_refresh), caplog.at_level(logging.WARNING):
        html = Template('{% load support %}{% support_widget context="x" %}').render(
            Context({"request": request})
        )
    tag = widget_tag(html)
    assert tag is not None and tag["data-user-token"] and "data-token-refresh-url" not in tag


def test_a_widget_that_names_no_context_asks_for_its_urls_name(support: SupportServer) -> None:
    from django.test import RequestFactory
    from django.urls import resolve

    request = RequestFactory().get("/")
    request.user = ada()
    request.resolver_match = resolve("/")  # name="billing"
    html = Template("{% load support %}{% support_widget %}").render(Context({"request": request}))
    tag = widget_tag(html)
    assert tag is not None and tag["data-context"] == "billing"
    request.resolver_match = None  # no URL resolved (an error page): no context at all
    html = Template("{% load support %}{% support_widget %}").render(Context({"request": request}))
    tag = widget_tag(html)
    assert tag is not None and "data-context" not in tag


def test_check_with_url_names_asks_for_help_on_every_named_page(support: SupportServer) -> None:
    with support.staff_client() as writer:
        key = writer._api_key
        assert key
        for context in ("billing.invoices", "settings.security.password", "invoices.tax"):
            writer.articles.create(context, "How.", contexts=[context], status="published")
        with pytest.raises(CommandError, match="need attention"):
            run("check", "--api-key", key, "--url-names")
        out = run_failing("check", "--api-key", key, "--url-names")
        assert 'missing: billing has no published article (used at URL "/")' in out
        assert 'missing: login has no published article (used at URL "/login")' in out
        assert "support_sdk" not in out  # the token refresh is no page of the host's
        for name in ("billing", "login", "logout"):
            writer.articles.create(name, "How.", contexts=[name], status="published")
        assert run("check", "--api-key", key, "--url-names").splitlines() == [
            "6 covered, 0 missing, 0 unused"
        ]


def run_failing(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("support", *args, stdout=out)
    return out.getvalue()
