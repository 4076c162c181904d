"""SupportClient: each call sends the documented request and returns typed results."""

from __future__ import annotations

from collections.abc import Callable
from types import MappingProxyType
from typing import Any

import pytest
import requests

from support_sdk import (
    Article,
    ArticleSummary,
    Category,
    Message,
    Page,
    Rating,
    SearchResults,
    SupportClient,
    Ticket,
)
from support_sdk.tokens import TokenExpired, verify_user_token

from .conftest import APP_ID, APP_SECRET, ScriptedServer

# -- user tokens ---------------------------------------------------------------------------------


def test_user_token_round_trips(client: SupportClient) -> None:
    token = client.user_token(
        42, email="ada@example.com", name="Ada", traits={"plan": "pro"}, expires_in=600
    )
    assert token.startswith("ut_")
    claims = verify_user_token(token, APP_ID, [APP_SECRET], max_age=3600)
    assert (claims.sub, claims.email, claims.name) == ("42", "ada@example.com", "Ada")
    assert claims.traits == {"plan": "pro"}


def test_user_token_expires_in_is_honoured(client: SupportClient) -> None:
    token = client.user_token("42", expires_in=60)
    claims = verify_user_token(token, APP_ID, APP_SECRET, max_age=3600)
    with pytest.raises(TokenExpired):
        verify_user_token(token, APP_ID, APP_SECRET, max_age=3600, now=claims.exp, leeway=0)


@pytest.mark.parametrize(
    "kwargs", [{"app_id": APP_ID}, {"app_secret": APP_SECRET}, {"api_key": "sk_x"}]
)
def test_user_token_needs_app_id_and_secret(
    kwargs: dict[str, Any], open_client: Callable[..., SupportClient]
) -> None:
    with pytest.raises(ValueError, match="app_id and app_secret"):
        open_client("http://127.0.0.1:1", **kwargs).user_token("42")


def test_user_token_sends_nothing(server: ScriptedServer, client: SupportClient) -> None:
    client.user_token("42")
    assert server.received == []


def test_repr_hides_secrets(open_client: Callable[..., SupportClient]) -> None:
    client = open_client("http://127.0.0.1:1", app_id="app_1", app_secret="s3", api_key="sk_9")
    assert "s3" not in repr(client) and "sk_9" not in repr(client)
    assert repr(client) == "SupportClient('http://127.0.0.1:1', app_id='app_1')"


# -- credentials ---------------------------------------------------------------------------------


def test_explicit_user_token_wins_over_api_key(
    server: ScriptedServer, make_client: Callable[..., SupportClient]
) -> None:
    server.reply(200, {"items": [], "next": None})
    server.reply(200, {"items": [], "next": None})
    client = make_client(api_key="sk_agent")
    client.tickets(user_token="ut_user")
    client.tickets()
    auth = [r.headers["Authorization"] for r in server.received]
    assert auth == ["Bearer ut_user", "Bearer sk_agent"]


def test_no_credential_sends_app_header_only(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(200, {"articles": []})
    client.suggestions()
    request = server.received[0]
    assert request.headers["Authorization"] is None
    assert request.headers["X-Support-App"] == APP_ID


def test_staff_calls_need_an_api_key(server: ScriptedServer, client: SupportClient) -> None:
    with pytest.raises(ValueError, match="api_key"):
        client.update_ticket("tk_1", status="solved")
    with pytest.raises(ValueError, match="api_key"):
        client.articles.list()
    assert server.received == []


# -- help center ---------------------------------------------------------------------------------


def test_health(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(200, {"status": "ok", "index": "ready"})
    assert client.health() == {"status": "ok", "index": "ready"}


def test_suggestions(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(
        200,
        {
            "articles": [
                {"slug": "export", "title": "Export", "summary": "How", "category": "billing"}
            ]
        },
    )
    found = client.suggestions(context="billing.invoices", url="/settings/billing", locale="fr")
    assert found == [ArticleSummary("export", "Export", "How", "billing")]
    request = server.received[0]
    assert (request.method, request.path) == ("GET", "/api/v1/help/suggestions")
    assert request.query == {
        "context": "billing.invoices",
        "url": "/settings/billing",
        "locale": "fr",
        "limit": "5",
    }


def test_search(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(
        200,
        {
            "results": [
                {
                    "slug": "refunds",
                    "title": "Refunds",
                    "snippet": "ask for a <mark>refund</mark>",
                    "category": "billing",
                    "score": 3.5,
                }
            ],
            "total": 11,
            "page": 2,
            "suggestion": None,
        },
    )
    found = client.search("refund", locale="en", category="billing", limit=1, page=2)
    assert isinstance(found, SearchResults)
    assert (found.total, found.page, found.suggestion) == (11, 2, None)
    assert found.results[0].snippet == "ask for a <mark>refund</mark>"
    assert found.results[0].score == 3.5
    assert server.received[0].query == {
        "q": "refund",
        "locale": "en",
        "category": "billing",
        "limit": "1",
        "page": "2",
    }


def test_article(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(
        200,
        {
            "slug": "request-a-refund",
            "title": "Request a refund",
            "summary": "",
            "category": "billing",
            "tags": ["money"],
            "locale": "de",
            "body": "# Refund",
            "html": "<h1>Refund</h1>",
            "updated_at": "2024-05-01T12:00:00.000Z",
            "contexts": ["billing"],
        },
    )
    article = client.article("request-a-refund", locale="de")
    assert isinstance(article, Article)
    assert (article.slug, article.locale, article.html) == (
        "request-a-refund",
        "de",
        "<h1>Refund</h1>",
    )
    assert article.tags == ("money",)
    assert article.id is None and article.status is None
    assert server.received[0].path == "/api/v1/help/articles/request-a-refund"
    assert server.received[0].query == {"locale": "de"}


def test_feedback(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(201, {"ok": True})
    server.reply(201, {"ok": True})
    client.feedback("export", helpful=False, comment="outdated")
    client.feedback("export", helpful=True, user_token="ut_x")
    first, second = server.received
    assert (first.method, first.path) == ("POST", "/api/v1/help/articles/export/feedback")
    assert first.json() == {"helpful": False, "comment": "outdated"}
    assert second.json() == {"helpful": True}
    assert second.headers["Authorization"] == "Bearer ut_x"


def test_categories(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(200, {"items": [{"name": "Billing", "slug": "billing", "count": 4}]})
    assert client.categories() == [Category("Billing", "billing", 4)]
    assert server.received[0].path == "/api/v1/help/categories"


# -- tickets -------------------------------------------------------------------------------------


def test_create_ticket(
    server: ScriptedServer, client: SupportClient, ticket_json: dict[str, Any]
) -> None:
    server.reply(201, ticket_json)
    context = MappingProxyType({"url": "/reports", "app_version": "2.3.1"})
    ticket = client.create_ticket(
        "The CSV is empty",
        subject="Export broken",
        user_token="ut_user",
        context=context,
        priority="high",
    )
    assert isinstance(ticket, Ticket)
    assert ticket.id == "tk_1"
    assert ticket.requester is not None and ticket.requester.email == "ada@example.com"
    assert ticket.context["url"] == "/reports"
    assert ticket.messages[0].author.kind == "requester"
    assert ticket.visitor_token is None
    request = server.received[0]
    assert (request.method, request.path) == ("POST", "/api/v1/tickets")
    assert request.headers["Authorization"] == "Bearer ut_user"
    assert request.json() == {
        "subject": "Export broken",
        "body": "The CSV is empty",
        "priority": "high",
        "context": {"url": "/reports", "app_version": "2.3.1"},
    }


def test_anonymous_ticket_returns_a_visitor_token(
    server: ScriptedServer, client: SupportClient, ticket_json: dict[str, Any]
) -> None:
    server.reply(201, {**ticket_json, "visitor_token": "vt_abc"})
    server.reply(200, {"items": [ticket_json], "next": None})
    ticket = client.create_ticket("help", email="ada@example.com", name="Ada")
    assert ticket.visitor_token == "vt_abc"
    assert server.received[0].headers["Authorization"] is None
    assert server.received[0].json() == {"body": "help", "email": "ada@example.com", "name": "Ada"}
    client.tickets(user_token=ticket.visitor_token)
    assert server.received[1].headers["Authorization"] == "Bearer vt_abc"


def test_tickets_page(
    server: ScriptedServer, client: SupportClient, ticket_json: dict[str, Any]
) -> None:
    server.reply(200, {"items": [ticket_json, {**ticket_json, "id": "tk_2"}], "next": "c2"})
    page = client.tickets(user_token="ut_user", status="open", cursor="c1", limit=2)
    assert isinstance(page, Page)
    assert [t.id for t in page] == ["tk_1", "tk_2"]
    assert len(page) == 2
    assert page.next_cursor == "c2" and page.has_more
    assert server.received[0].query == {"status": "open", "cursor": "c1", "limit": "2"}


def test_ticket(server: ScriptedServer, client: SupportClient, ticket_json: dict[str, Any]) -> None:
    server.reply(200, ticket_json)
    ticket = client.ticket("tk_1", user_token="ut_user")
    assert ticket.messages[0].body == "The CSV is empty"
    assert server.received[0].path == "/api/v1/tickets/tk_1"


def test_reply(server: ScriptedServer, make_client: Callable[..., SupportClient]) -> None:
    server.reply(
        201,
        {
            "id": "msg_9",
            "body": "Looking into it",
            "author": {"kind": "agent", "id": "sk_agent", "name": "Sam"},
            "internal": True,
            "created_at": "2024-05-01T13:00:00.000Z",
        },
    )
    message = make_client(api_key="sk_agent").reply("tk_1", "Looking into it", internal=True)
    assert isinstance(message, Message)
    assert message.internal and message.author.name == "Sam"
    request = server.received[0]
    assert (request.method, request.path) == ("POST", "/api/v1/tickets/tk_1/messages")
    assert request.json() == {"body": "Looking into it", "internal": True}
    assert request.headers["Idempotency-Key"]


def test_update_ticket_sends_only_given_fields(
    server: ScriptedServer, make_client: Callable[..., SupportClient], ticket_json: dict[str, Any]
) -> None:
    server.reply(200, {**ticket_json, "status": "solved", "assignee": None, "tags": ["csv"]})
    server.reply(200, ticket_json)
    client = make_client(api_key="sk_agent")
    ticket = client.update_ticket("tk_1", status="solved", assignee=None, tags=["csv"])
    assert (ticket.status, ticket.assignee, ticket.tags) == ("solved", None, ("csv",))
    client.update_ticket("tk_1", priority="low")
    first, second = server.received
    assert (first.method, first.path) == ("PATCH", "/api/v1/tickets/tk_1")
    assert first.headers["Authorization"] == "Bearer sk_agent"
    assert first.json() == {"status": "solved", "assignee": None, "tags": ["csv"]}
    assert second.json() == {"priority": "low"}


def test_tags_must_be_a_list(make_client: Callable[..., SupportClient]) -> None:
    with pytest.raises(TypeError, match="list of strings"):
        make_client(api_key="sk_agent").update_ticket("tk_1", tags="csv")


def test_rate(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(201, {"score": 5, "comment": "fast!"})
    assert client.rate("tk_1", 5, comment="fast!", user_token="ut_user") == Rating(5, "fast!")
    request = server.received[0]
    assert (request.method, request.path) == ("POST", "/api/v1/tickets/tk_1/rating")
    assert request.json() == {"score": 5, "comment": "fast!"}


# -- lifecycle -----------------------------------------------------------------------------------


def test_context_manager_closes_its_own_session(server: ScriptedServer) -> None:
    closed: list[bool] = []

    class Tracking(requests.Session):
        def close(self) -> None:
            closed.append(True)
            super().close()

    with Tracking() as session:
        with SupportClient(server.url, session=session):
            pass
        assert closed == []  # a session passed in is the caller's to close
    assert closed == [True]

    server.reply(200, {"status": "ok"})
    with SupportClient(server.url) as client:
        client.health()
        adapter = client._http._session.get_adapter(server.url)
        assert isinstance(adapter, requests.adapters.HTTPAdapter)
        pools = adapter.poolmanager.pools
        assert len(pools) == 1
    assert len(pools) == 0  # closing the session cleared its connection pools
