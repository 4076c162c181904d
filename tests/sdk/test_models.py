"""Result dataclasses: built from JSON, tolerant of new fields, immutable."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from support_sdk import (
    Article,
    ArticleSummary,
    Category,
    Message,
    Page,
    Rating,
    Requester,
    SearchResults,
    SupportError,
    Ticket,
)
from support_sdk.models import from_response


def test_unknown_fields_are_ignored(
    ticket_json: dict[str, Any], article_json: dict[str, Any]
) -> None:
    extra = {"added_in_v2": {"anything": [1, 2]}, "views": 10}
    ticket = Ticket.from_dict({**ticket_json, **extra, "requester": {"id": "1", "x": 1}})
    assert ticket.requester == Requester(id="1")
    assert Article.from_dict({**article_json, **extra}).id == "ar_1"
    assert ArticleSummary.from_dict({"slug": "s", "title": "T", **extra}).slug == "s"
    assert Category.from_dict({"name": "B", "slug": "b", "count": 1, **extra}).count == 1
    assert Rating.from_dict({"score": 4, **extra}).score == 4
    results = SearchResults.from_dict(
        {"results": [{"slug": "s", "title": "T", "highlights": []}], "total": 1, **extra}
    )
    assert results.results[0].slug == "s"
    message = Message.from_dict(
        {"id": "m", "body": "b", "author": {"kind": "agent", "avatar": "x"}, "reactions": []}
    )
    assert message.author.kind == "agent"


def test_missing_optional_fields_get_defaults() -> None:
    ticket = Ticket.from_dict({"id": "tk_1", "status": "new"})
    assert (ticket.subject, ticket.requester, ticket.messages, ticket.tags) == ("", None, (), ())
    assert dict(ticket.context) == {}
    article = Article.from_dict({"slug": "s", "title": "T", "summary": None})
    assert (article.summary, article.locale, article.revision) == ("", "en", None)
    assert SearchResults.from_dict({"results": []}) == SearchResults(results=(), total=0, page=1)


def test_ids_are_strings() -> None:
    assert Ticket.from_dict({"id": 7, "status": "new"}).id == "7"


def test_results_are_immutable(ticket_json: dict[str, Any]) -> None:
    ticket = Ticket.from_dict(ticket_json)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket.status = "closed"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ticket.context["url"] = "/elsewhere"  # type: ignore[index]
    ticket_json["context"]["url"] = "/changed"
    assert ticket.context["url"] == "/reports"  # a copy, not a view of the response


def test_page_is_generic_and_iterable(ticket_json: dict[str, Any]) -> None:
    page = Page.from_dict({"items": [ticket_json], "next": None}, Ticket.from_dict)
    assert [t.id for t in page] == ["tk_1"]
    assert len(page) == 1 and not page.has_more


@pytest.mark.parametrize(
    "body",
    [
        {"status": "new"},  # no id
        {"id": "tk_1", "status": "new", "messages": "not a list"},
        {"id": "tk_1", "status": "new", "requester": "not an object"},
        {"id": "tk_1", "status": ["new"]},
        ["not", "an", "object"],
        None,
    ],
)
def test_malformed_bodies_become_support_errors(body: object) -> None:
    with pytest.raises(SupportError) as info:
        from_response(Ticket.from_dict, body)
    assert info.value.code == "invalid_response"
