"""SupportClient: each call sends the documented request and returns typed results."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import requests

from support_sdk import (
    Article,
    ArticleSummary,
    Attachment,
    Category,
    Message,
    Page,
    Rating,
    SearchResults,
    SupportClient,
    Ticket,
    TicketField,
    Upload,
    ValidationError,
)
from support_sdk.tokens import TokenExpired, verify_user_token

from .conftest import APP_ID, APP_SECRET, FormPart, ScriptedServer

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


# -- custom fields and attachments ---------------------------------------------------------------

ATTACHMENT_JSON = {
    "id": "att_1",
    "filename": "shot.png",
    "content_type": "image/png",
    "size": 69,
    "inline": False,
    "content_id": None,
    "note": "",
    "url": "https://support.example.com/api/v1/files/att_1.1796428800.sig",
}
UPLOAD_JSON = {
    "id": "upl_1",
    "filename": "shot.png",
    "content_type": "image/png",
    "size": 69,
    "expires_at": "2024-05-02T12:00:00.000Z",
}


def test_create_ticket_with_fields_and_attachments(
    server: ScriptedServer, client: SupportClient, ticket_json: dict[str, Any]
) -> None:
    server.reply(
        201,
        {**ticket_json, "fields": {"plan": "pro", "seats": 3}, "attachments": [ATTACHMENT_JSON]},
    )
    upload = Upload.from_dict(UPLOAD_JSON)
    ticket = client.create_ticket(
        "Wrong total",
        user_token="ut_user",
        fields=MappingProxyType({"plan": "pro", "seats": 3}),
        attachments=[upload, "upl_2"],
    )
    assert server.received[0].json() == {
        "body": "Wrong total",
        "fields": {"plan": "pro", "seats": 3},
        "attachments": ["upl_1", "upl_2"],
    }
    assert dict(ticket.fields) == {"plan": "pro", "seats": 3}
    assert ticket.attachments == (
        Attachment(
            id="att_1",
            filename="shot.png",
            content_type="image/png",
            size=69,
            url="https://support.example.com/api/v1/files/att_1.1796428800.sig",
        ),
    )


def test_old_positional_callers_of_create_ticket_send_what_they_did(
    server: ScriptedServer, client: SupportClient, ticket_json: dict[str, Any]
) -> None:
    server.reply(201, ticket_json)
    client.create_ticket("help", "Subject", None, None, "low", "ada@example.com", "Ada", "key-1")
    request = server.received[0]
    assert request.json() == {
        "subject": "Subject",
        "body": "help",
        "email": "ada@example.com",
        "name": "Ada",
        "priority": "low",
    }
    assert request.headers["Idempotency-Key"] == "key-1"


def test_attachments_must_be_a_list(client: SupportClient) -> None:
    with pytest.raises(TypeError, match="list of uploads"):
        client.create_ticket("help", attachments="upl_1")
    with pytest.raises(TypeError, match="list of uploads"):
        client.reply("tk_1", "", attachments=Upload.from_dict(UPLOAD_JSON))  # type: ignore[arg-type]


def test_reply_with_only_an_attachment(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(
        201,
        {
            "id": "msg_9",
            "body": "",
            "author": {"kind": "requester"},
            "attachments": [ATTACHMENT_JSON],
        },
    )
    message = client.reply("tk_1", "", user_token="ut_user", attachments=["upl_1"])
    assert message.body == "" and message.attachments[0].id == "att_1"
    request = server.received[0]
    assert request.json() == {"body": "", "attachments": ["upl_1"]}
    assert request.headers["Idempotency-Key"]


def test_update_ticket_sets_and_clears_fields(
    server: ScriptedServer, make_client: Callable[..., SupportClient], ticket_json: dict[str, Any]
) -> None:
    server.reply(200, {**ticket_json, "fields": {"plan": "pro"}})
    ticket = make_client(api_key="sk_agent").update_ticket(
        "tk_1", fields={"plan": "pro", "seats": None}
    )
    assert server.received[0].json() == {"fields": {"plan": "pro", "seats": None}}
    assert dict(ticket.fields) == {"plan": "pro"}


def test_ticket_fields(server: ScriptedServer, client: SupportClient) -> None:
    plan = {
        "id": "fld_1",
        "key": "plan",
        "label": "Plan",
        "type": "select",
        "options": ["free", "pro"],
        "required": True,
        "visible_to_requester": True,
        "position": 1,
        "archived": False,
    }
    server.reply(200, {"items": [plan, {"id": "fld_2", "key": "seats", "type": "number"}]})
    plan_field, seats = client.ticket_fields(user_token="ut_user")
    assert plan_field == TicketField(
        id="fld_1",
        key="plan",
        label="Plan",
        type="select",
        options=("free", "pro"),
        required=True,
        position=1,
    )
    assert (seats.key, seats.type, seats.required, seats.visible_to_requester) == (
        "seats",
        "number",
        False,
        True,
    )
    request = server.received[0]
    assert (request.method, request.path) == ("GET", "/api/v1/ticket-fields")
    assert request.headers["Authorization"] == "Bearer ut_user"


def test_upload_bytes_as_multipart(server: ScriptedServer, client: SupportClient) -> None:
    server.reply(201, UPLOAD_JSON)
    upload = client.upload(b"\x89PNG\r\n\x1a\n-pixels", "shot.png", user_token="ut_user")
    assert upload == Upload(
        id="upl_1",
        filename="shot.png",
        content_type="image/png",
        size=69,
        expires_at="2024-05-02T12:00:00.000Z",
    )
    request = server.received[0]
    assert (request.method, request.path) == ("POST", "/api/v1/uploads")
    assert request.headers["Authorization"] == "Bearer ut_user"
    assert request.headers["Idempotency-Key"] is None  # the server keeps none for uploads
    assert request.form() == {
        "file": FormPart("shot.png", "image/png", b"\x89PNG\r\n\x1a\n-pixels")
    }


def test_upload_a_path_or_a_file_object(
    server: ScriptedServer, client: SupportClient, tmp_path: Path
) -> None:
    log = tmp_path / "export.txt"
    log.write_bytes(b"line 1\r\nline 2\n")
    server.reply(201, {**UPLOAD_JSON, "filename": "export.txt"})
    server.reply(201, {**UPLOAD_JSON, "filename": "export.txt"})
    server.reply(201, {**UPLOAD_JSON, "filename": "renamed.csv"})
    client.upload(log)
    with log.open("rb") as opened:
        client.upload(opened)
    client.upload(io.BytesIO(b"a,b\n"), "renamed.csv", content_type="text/csv; charset=utf-8")
    forms = [request.form()["file"] for request in server.received]
    assert forms == [
        FormPart("export.txt", "text/plain", b"line 1\r\nline 2\n"),
        FormPart("export.txt", "text/plain", b"line 1\r\nline 2\n"),
        FormPart("renamed.csv", "text/csv", b"a,b\n"),
    ]
    assert server.received[2].body.count(b"Content-Type: text/csv; charset=utf-8") == 1


def test_upload_needs_a_name_and_binary_content(
    server: ScriptedServer, client: SupportClient, tmp_path: Path
) -> None:
    with pytest.raises(ValueError, match="filename="):
        client.upload(b"bytes without a name")
    with pytest.raises(ValueError, match="filename="):
        client.upload(io.BytesIO(b"no name either"))
    (tmp_path / "notes.txt").write_text("text")
    with (tmp_path / "notes.txt").open() as text_mode, pytest.raises(TypeError, match="'rb'"):
        client.upload(text_mode)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="not int"):
        client.upload(42, "x.txt")  # type: ignore[arg-type]
    assert server.received == []


def test_a_retried_upload_sends_the_same_bytes_read_once(
    server: ScriptedServer, client: SupportClient, sleeps: list[float]
) -> None:
    stream = io.BytesIO(b"%PDF-1.7 the invoice")
    server.reply(503, {"error": {"code": "unavailable", "message": "later"}}, {"Retry-After": "1"})
    server.reply(201, {**UPLOAD_JSON, "filename": "invoice.pdf"})
    assert client.upload(stream, "invoice.pdf").filename == "invoice.pdf"
    first, second = (request.form()["file"] for request in server.received)
    assert first == second == FormPart("invoice.pdf", "application/pdf", b"%PDF-1.7 the invoice")
    assert sleeps == [1.0]


@pytest.mark.parametrize(
    ("status", "code", "message"),
    [
        (413, "payload_too_large", "big.zip is 12 MB; files are limited to 10 MB"),
        (415, "unsupported_media_type", "fake.png was refused: its bytes are an HTML document"),
        (422, "validation_error", "fake.png is empty"),
    ],
)
def test_a_refused_upload_raises_the_servers_reason_and_is_not_retried(
    server: ScriptedServer,
    client: SupportClient,
    sleeps: list[float],
    status: int,
    code: str,
    message: str,
) -> None:
    details = {"file": ["refused"]}
    server.reply(status, {"error": {"code": code, "message": message, "details": details}})
    with pytest.raises(ValidationError) as info:
        client.upload(b"<html>", "fake.png")
    assert (info.value.status, info.value.code, info.value.message) == (status, code, message)
    assert dict(info.value.details) == details
    assert len(server.received) == 1 and sleeps == []


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
