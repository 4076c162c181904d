"""client.articles: the writer API."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from support_sdk import Article, ArticlesService, Conflict, Revision, SupportClient

from .conftest import ScriptedServer


@pytest.fixture
def writer(make_client: Callable[..., SupportClient]) -> SupportClient:
    return make_client(api_key="sk_writer")


def test_client_has_an_articles_service(writer: SupportClient) -> None:
    assert isinstance(writer.articles, ArticlesService)


def test_create(
    server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]
) -> None:
    server.reply(201, article_json)
    article = writer.articles.create(
        "Export invoices",
        "Open **Billing**.",
        summary="How to export",
        category="billing",
        tags=["billing", "csv"],
        contexts=("billing.invoices", "/settings/billing"),
    )
    assert isinstance(article, Article)
    assert (article.id, article.status, article.revision) == ("ar_1", "draft", 1)
    assert article.published_at is None
    request = server.received[0]
    assert (request.method, request.path) == ("POST", "/api/v1/articles")
    assert request.headers["Authorization"] == "Bearer sk_writer"
    assert request.headers["Idempotency-Key"]
    assert request.json() == {
        "title": "Export invoices",
        "body": "Open **Billing**.",
        "summary": "How to export",
        "category": "billing",
        "tags": ["billing", "csv"],
        "contexts": ["billing.invoices", "/settings/billing"],
    }


def test_create_is_retried_under_one_key(
    server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]
) -> None:
    server.reply(503, "Service Unavailable")
    server.reply(201, article_json)
    writer.articles.create("Export invoices", "Body", status="published", locale="en")
    first, second = server.received
    assert first.headers["Idempotency-Key"] == second.headers["Idempotency-Key"]
    assert second.json()["status"] == "published"


def test_get(server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]) -> None:
    server.reply(200, article_json)
    assert writer.articles.get("ar_1").slug == "export-invoices"
    assert server.received[0].path == "/api/v1/articles/ar_1"


def test_update_sends_only_given_fields(
    server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]
) -> None:
    server.reply(200, {**article_json, "title": "New", "revision": 2})
    article = writer.articles.update("ar_1", title="New", tags=[], revision=1)
    assert (article.title, article.revision) == ("New", 2)
    request = server.received[0]
    assert (request.method, request.path) == ("PATCH", "/api/v1/articles/ar_1")
    assert request.json() == {"title": "New", "tags": [], "revision": 1}


def test_update_with_stale_revision_is_a_conflict(
    server: ScriptedServer, writer: SupportClient
) -> None:
    server.reply(409, {"error": {"code": "conflict", "message": "revision is 3, not 1"}})
    with pytest.raises(Conflict) as info:
        writer.articles.update("ar_1", body="x", revision=1)
    assert info.value.message == "revision is 3, not 1"
    assert len(server.received) == 1


@pytest.mark.parametrize("action", ["publish", "unpublish", "archive"])
def test_status_transitions(
    action: str, server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]
) -> None:
    server.reply(200, article_json)
    getattr(writer.articles, action)("ar_1")
    request = server.received[0]
    assert (request.method, request.path, request.body) == (
        "POST",
        f"/api/v1/articles/ar_1/{action}",
        b"",
    )


def test_list(server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]) -> None:
    server.reply(200, {"items": [article_json], "next": None})
    page = writer.articles.list(status="draft", locale="en", category="billing", limit=20)
    assert [a.id for a in page] == ["ar_1"]
    assert not page.has_more
    assert server.received[0].query == {
        "status": "draft",
        "locale": "en",
        "category": "billing",
        "limit": "20",
    }


def test_iter_all_follows_cursors(
    server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]
) -> None:
    server.reply(200, {"items": [article_json], "next": "c2"})
    server.reply(200, {"items": [{**article_json, "id": "ar_2"}], "next": "c3"})
    server.reply(200, {"items": [], "next": None})
    ids = [a.id for a in writer.articles.iter_all(status="published", page_size=1)]
    assert ids == ["ar_1", "ar_2"]
    assert [r.query.get("cursor") for r in server.received] == [None, "c2", "c3"]
    assert all(r.query["status"] == "published" for r in server.received)


def test_iter_all_stops_on_a_cursor_that_does_not_move(
    server: ScriptedServer, writer: SupportClient, article_json: dict[str, Any]
) -> None:
    server.reply(200, {"items": [article_json], "next": "c2"})
    server.reply(200, {"items": [article_json], "next": "c2"})
    assert len(list(writer.articles.iter_all())) == 2


def test_revisions(server: ScriptedServer, writer: SupportClient) -> None:
    server.reply(
        200,
        {
            "items": [
                {
                    "revision": 2,
                    "title": "New",
                    "body": "b",
                    "created_at": "2024-05-02T00:00:00.000Z",
                    "author": "key_writer",
                }
            ],
            "next": None,
        },
    )
    page = writer.articles.revisions("ar_1", limit=10)
    assert page.items == (Revision(2, "New", "b", "2024-05-02T00:00:00.000Z", "key_writer"),)
    assert server.received[0].path == "/api/v1/articles/ar_1/revisions"
    assert server.received[0].query == {"limit": "10"}
