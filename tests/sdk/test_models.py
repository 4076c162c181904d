"""Result dataclasses: built from JSON, tolerant of new fields, immutable."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from support_sdk import (
    Article,
    ArticleSummary,
    Attachment,
    Category,
    Message,
    Page,
    Rating,
    Requester,
    SearchResults,
    Sla,
    SupportError,
    Team,
    Ticket,
    TicketField,
    Upload,
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


def test_the_agents_workspace_parts_of_a_ticket(ticket_json: dict[str, Any]) -> None:
    attachment = {
        "id": "att_1",
        "filename": "shot.png",
        "content_type": "image/png",
        "size": 69,
        "inline": True,
        "content_id": "shot@mail",
        "note": "named .jpg, the bytes are PNG",
        "url": "https://support.example.com/api/v1/files/att_1.1.sig",
        "thumbnail": "added later",
    }
    sla = {
        "policy": "Gold",
        "first_response_due": "2024-05-01T13:00:00.000Z",
        "first_response_at": None,
        "next_due": "2024-05-01T13:00:00.000Z",
        "paused": False,
        "breached": ["first_response"],
        "escalated": True,
    }
    ticket = Ticket.from_dict(
        {
            **ticket_json,
            "fields": {"plan": "pro", "seats": 3},
            "attachments": [attachment],
            "merged_into": "tk_0",
            "team": {"id": "team_1", "name": "Billing", "members": 4},
            "sla": sla,
            "followers": ["sam", "kim"],
            "unread": False,
            "messages": [{**ticket_json["messages"][0], "attachments": [attachment]}],
        }
    )
    expected = Attachment(
        id="att_1",
        filename="shot.png",
        content_type="image/png",
        size=69,
        url="https://support.example.com/api/v1/files/att_1.1.sig",
        inline=True,
        content_id="shot@mail",
        note="named .jpg, the bytes are PNG",
    )
    assert ticket.attachments == ticket.messages[0].attachments == (expected,)
    assert dict(ticket.fields) == {"plan": "pro", "seats": 3}
    with pytest.raises(TypeError):
        ticket.fields["plan"] = "free"  # type: ignore[index]
    assert (ticket.merged_into, ticket.team, ticket.followers, ticket.unread) == (
        "tk_0",
        Team("team_1", "Billing"),
        ("sam", "kim"),
        False,
    )
    assert ticket.sla == Sla(
        policy="Gold",
        first_response_due="2024-05-01T13:00:00.000Z",
        next_due="2024-05-01T13:00:00.000Z",
        breached=("first_response",),
    )


def test_a_ticket_from_an_older_server_gets_empty_workspace_parts() -> None:
    message = {"id": "m", "author": {"kind": "agent"}}
    ticket = Ticket.from_dict({"id": "tk_1", "status": "new", "messages": [message]})
    assert (dict(ticket.fields), ticket.attachments, ticket.followers) == ({}, (), ())
    assert (ticket.merged_into, ticket.team, ticket.sla, ticket.unread) == (None, None, None, None)
    assert ticket.messages[0].attachments == ()
    assert Ticket.from_dict({"id": "tk_1", "status": "new", "team": None, "sla": None}).team is None


def test_uploads_and_ticket_fields_ignore_unknown_keys_and_default_missing_ones() -> None:
    assert Upload.from_dict({"id": "upl_1", "filename": "a.png", "scanned": True}) == Upload(
        "upl_1", "a.png"
    )
    assert Attachment.from_dict({"id": "att_1", "filename": "a.png"}) == Attachment(
        "att_1", "a.png", url=None
    )
    field = TicketField.from_dict({"id": "fld_1", "key": "plan", "hint": "Your plan"})
    assert field == TicketField(id="fld_1", key="plan")
    assert (field.type, field.options, field.visible_to_requester) == ("text", (), True)


@pytest.mark.parametrize(
    ("build", "body"),
    [
        (Upload.from_dict, {"filename": "no id.png"}),
        (Attachment.from_dict, {"id": "att_1", "size": "big"}),
        (TicketField.from_dict, {"id": "fld_1"}),  # no key
        (Ticket.from_dict, {"id": "tk_1", "status": "new", "attachments": {"id": "att_1"}}),
        (Ticket.from_dict, {"id": "tk_1", "status": "new", "fields": ["plan"]}),
        (Ticket.from_dict, {"id": "tk_1", "status": "new", "team": "Billing"}),
    ],
)
def test_malformed_workspace_parts_become_support_errors(build: Any, body: object) -> None:
    with pytest.raises(SupportError) as info:
        from_response(build, body)
    assert info.value.code == "invalid_response"
