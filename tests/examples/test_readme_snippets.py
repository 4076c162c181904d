"""Every integration snippet in the README runs as written, against a real server."""

from __future__ import annotations

import re
import shlex
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone

import httpx
import pytest
from werkzeug.test import Client

from examples.wsgi_app.app import host_app
from support_sdk.cli import build_parser
from support_sdk.testing import SupportServer
from support_sdk.tokens import verify_user_token

from ..conftest import ROOT
from ..sdk.blocking import run

pytest_plugins = ["pytester"]


def snippet(name: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- snippet:{name} -->\n```[\w+-]*\n(.*?)```", readme, re.S)
    assert found, f"README has no snippet {name!r}"
    return found.group(1)


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, support_server: SupportServer) -> SupportServer:
    monkeypatch.setenv("SUPPORT_URL", support_server.url)
    monkeypatch.setenv("SUPPORT_APP_ID", support_server.app_id)
    monkeypatch.setenv("SUPPORT_APP_SECRET", support_server.app_secret)
    return support_server


def test_flask_snippet_and_its_template(env: SupportServer) -> None:
    namespace: dict[str, object] = {"__name__": "readme_flask"}
    exec(snippet("flask"), namespace)  # noqa: S102 - running the documented code is the test
    app = namespace["app"]
    with app.test_request_context("/"):  # type: ignore[attr-defined]
        from flask import render_template_string

        html = render_template_string(snippet("jinja"))
    token = re.search(r'data-user-token="([^"]+)"', html)
    assert token and 'data-context="billing.invoices"' in html
    claims = verify_user_token(token.group(1), env.app_id, env.app_secret, max_age=3600)
    assert claims.traits == {"plan": "pro"}
    assert 'data-support-help="billing.invoices"' in html


def test_wsgi_snippet(env: SupportServer) -> None:
    namespace: dict[str, object] = {"application": host_app}
    exec(snippet("wsgi"), namespace)  # noqa: S102
    body = Client(namespace["application"]).get("/").get_data()  # type: ignore[arg-type]
    assert f"{env.url}/widget/v1/loader.js".encode() in body and b"data-user-token" in body


def test_django_snippets(env: SupportServer) -> None:
    from .django_setup import setup_django  # skips this test without Django

    setup_django()
    from django.contrib.auth import get_user_model
    from django.template import engines
    from django.test import RequestFactory, override_settings
    from django.urls import reverse

    from support_sdk.django.management.commands.support import Command

    settings: dict[str, object] = {"INSTALLED_APPS": ["django.contrib.auth"]}
    exec(snippet("django-settings"), settings)  # noqa: S102
    assert settings["INSTALLED_APPS"] == ["django.contrib.auth", "support_sdk.django"]
    urls: dict[str, object] = {"urlpatterns": []}
    exec(snippet("django-urls"), urls)  # noqa: S102
    urlconf = type("readme_urls", (), {"urlpatterns": urls["urlpatterns"]})
    request = RequestFactory().get("/settings/billing")
    request.user = get_user_model().objects.get(username="ada")
    with override_settings(SUPPORT=settings["SUPPORT"], ROOT_URLCONF=urlconf):
        assert reverse("support_sdk:token") == "/_support/token"
        html = engines["django"].from_string(snippet("django-template")).render(request=request)
    token = re.search(r'data-user-token="([^"]+)"', html)
    assert token and 'data-context="billing.invoices"' in html
    claims = verify_user_token(token.group(1), env.app_id, env.app_secret, max_age=3600)
    assert claims.email == "ada@example.com" and claims.name == "Ada Lovelace"
    assert 'data-support-help="billing.invoices"' in html
    parser = Command().create_parser("manage.py", "support")
    commands = [line.split("#", 1)[0] for line in snippet("django-shell").splitlines()]
    assert len(commands) == 2
    for command in commands:
        parser.parse_args(shlex.split(command)[3:])  # exits on an unknown flag


def test_asgi_snippet(env: SupportServer) -> None:
    namespace: dict[str, object] = {"__name__": "readme_asgi"}
    exec(snippet("asgi"), namespace)  # noqa: S102
    app = namespace["app"]
    with env.client() as client:
        token = client.user_token("readme-asgi", email="readme-asgi@example.com")
        client.create_ticket("From the README", subject="README ASGI", user_token=token)

    async def get(path: str, user: str | None) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]
        cookies = {"user": user} if user else None
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", cookies=cookies
        ) as http:
            return await http.get(path)

    assert run(get("/api/my-tickets", "readme-asgi")).json() == ["README ASGI"]
    assert run(get("/api/my-tickets", None)).json() == []


def test_async_snippet(env: SupportServer) -> None:
    namespace: dict[str, object] = {"__name__": "readme_async"}
    # In a thread of its own: the snippet calls asyncio.run, and this thread may have a loop.
    with ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(exec, snippet("async"), namespace).result()
    assert namespace["ticket"].requester.email == "ada@example.com"  # type: ignore[attr-defined]
    assert namespace["found"].total >= 0  # type: ignore[attr-defined]


def test_tickets_snippet(env: SupportServer) -> None:
    namespace: dict[str, object] = {}
    exec(snippet("tickets"), namespace)  # noqa: S102
    crash = namespace["crash"]
    assert crash.context["exception"]["type"] == "ZeroDivisionError"  # type: ignore[attr-defined]
    assert namespace["ticket"].context["app_version"] == "2.3.1"  # type: ignore[attr-defined]


def test_shell_snippet_commands_parse() -> None:
    parser = build_parser({})
    commands = [
        line.split("#", 1)[0]
        for line in snippet("shell").splitlines()
        if line.startswith("support-sdk ")
    ]
    assert len(commands) == 5
    for command in commands:
        parser.parse_args(shlex.split(command)[1:])  # exits on an unknown flag


def test_pytest_snippet(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(snippet("pytest"))
    pytester.runpytest_subprocess("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_webhooks_snippet() -> None:
    from standardwebhooks.webhooks import Webhook

    from support_server.services.webhooks import new_secret

    namespace: dict[str, object] = {}
    exec(snippet("webhooks"), namespace)  # noqa: S102
    on_webhook = namespace["receive"]
    secret = new_secret()
    body = (
        '{"id":"evt_1","type":"ticket.created","timestamp":"t","app_id":"app_1",'
        '"data":{"id":"tkt_1"}}'
    )
    now = datetime.now(timezone.utc)
    headers = {
        "webhook-id": "evt_1",
        "webhook-timestamp": str(int(now.timestamp())),
        "webhook-signature": Webhook(secret).sign("evt_1", now, body),
    }
    assert on_webhook(body.encode(), headers, secret) == "ticket.created evt_1"  # type: ignore[operator]
    tampered = body.replace("tkt_1", "tkt_2").encode()
    assert on_webhook(tampered, headers, secret).startswith("400")  # type: ignore[operator]
    assert on_webhook(body.encode(), headers, new_secret()).startswith("400")  # type: ignore[operator]
