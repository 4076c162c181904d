"""The agents' inbox and ticket page over real HTTP, with tickets filed through the SDK."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from support_sdk import NotFound, SupportClient

from ..conftest import LiveServer
from ..servers import cli
from .conftest import PASSWORD, Staff, create_users, text_of

XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


def file_ticket(server: LiveServer, **overrides: Any) -> tuple[SupportClient, str, Any]:
    client = server.client()
    marker = uuid.uuid4().hex[:8]
    token = client.user_token(
        f"user-{marker}", email=f"{marker}@example.com", name=overrides.pop("name", "Grace Hopper")
    )
    context = {
        "url": "https://app.example.com/invoices/204",
        "title": "Invoice 204",
        "context_key": "billing.invoices",
        "app_version": "2.3.1",
        "locale": "en-GB",
        "time_zone": "Europe/London",
        "user_agent": "Mozilla/5.0 Test",
        "viewport": {"width": 1280, "height": 800},
        "errors": [
            {
                "message": "TypeError: x is undefined",
                "source": "app.js",
                "line": 12,
                "column": 4,
                "stack": "at f (app.js:12:4)",
            }
        ],
        "custom": {"plan": "pro", "seats": 12, "flags": {"beta": True}},
        "articles_shown": ["request-a-refund"],
    }
    context.update(overrides.pop("context", {}))
    ticket = client.create_ticket(
        overrides.pop("body", f"The total is wrong {marker}"),
        subject=overrides.pop("subject", f"Invoice total {marker}"),
        user_token=token,
        context=context,
        **overrides,
    )
    return client, token, ticket


def test_inbox_lists_filters_and_searches(web: LiveServer, staff: Callable[[str], Staff]) -> None:
    _, _, urgent = file_ticket(
        web, priority="urgent", context={"context_key": "billing.refunds", "app_version": "9.9.9"}
    )
    _, _, normal = file_ticket(web)
    agent = staff("agent")
    inbox = agent.get("/admin/tickets/").text
    assert urgent.subject in inbox and normal.subject in inbox
    assert "Unsolved" in inbox and "awaiting reply" not in inbox.split(normal.subject)[1][:10]
    by_priority = agent.get("/admin/tickets/", params={"priority": "urgent"}).text
    assert urgent.subject in by_priority and normal.subject not in by_priority
    by_context = agent.get("/admin/tickets/", params={"context": "billing"}).text
    assert urgent.subject in by_context  # billing matches billing.refunds
    by_version = agent.get("/admin/tickets/", params={"version": "9.9.9"}).text
    assert urgent.subject in by_version and normal.subject not in by_version
    found = agent.get("/admin/tickets/", params={"q": normal.body.split()[-1]}).text
    assert normal.subject in found and urgent.subject not in found
    by_id = agent.get("/admin/tickets/", params={"q": urgent.id}).text
    assert urgent.subject in by_id
    unassigned = agent.get("/admin/tickets/", params={"assignee": "none"}).text
    assert urgent.subject in unassigned
    assert agent.get("/admin/tickets/", params={"view": "solved"}).text.count(urgent.subject) == 0


def test_ticket_page_shows_the_captured_context(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    _, _, ticket = file_ticket(web, context={"url": "javascript:alert(1)"})
    page = staff("agent").get(f"/admin/tickets/{ticket.id}").text
    text = " ".join(text_of(page).split())
    for shown in (
        "Invoice 204",
        "billing.invoices",
        "2.3.1",
        "Europe/London",
        "1280 \u00d7 800",
        "TypeError: x is undefined",
        "app.js:12:4",
        "plan",
        "pro",
        "seats",
        "request-a-refund",
        "Grace Hopper",
    ):
        assert shown in text, shown
    assert 'href="javascript:' not in page  # an unsafe URL is shown, never linked
    assert "&#34;beta&#34;: true" in page  # nested custom data, readable (escaped)
    assert f'href="/help/{web.app_id}/en/articles/request-a-refund"' in page


def test_reply_reaches_the_end_user_and_notes_do_not(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    client, token, ticket = file_ticket(web)
    agent = staff("agent")
    replied = agent.post(
        f"/admin/tickets/{ticket.id}/messages",
        {"body": "We fixed the total.", "internal": "0", "then_status": "pending"},
    )
    assert replied.status_code == 303 and "notice=replied" in replied.headers["Location"]
    noted = agent.post(
        f"/admin/tickets/{ticket.id}/messages",
        {"body": "Root cause: rounding bug.", "internal": "1"},
    )
    assert noted.status_code == 303
    seen = client.ticket(ticket.id, user_token=token)
    assert seen.status == "pending"
    assert [m.body for m in seen.messages] == ["We fixed the total."]
    assert seen.messages[0].author.kind == "agent" and seen.messages[0].author.name == "Ana Agent"
    page = agent.get(f"/admin/tickets/{ticket.id}").text
    assert "Root cause: rounding bug." in page and "message note" in page
    blank = agent.post(f"/admin/tickets/{ticket.id}/messages", {"body": "   ", "internal": "0"})
    assert blank.status_code == 422


def test_status_priority_assignee_and_tags(web: LiveServer, staff: Callable[[str], Staff]) -> None:
    client, token, ticket = file_ticket(web)
    agent = staff("agent")
    changed = agent.post(
        f"/admin/tickets/{ticket.id}",
        {"status": "solved", "priority": "high", "assignee": "me", "tags": "billing, vat, billing"},
    )
    assert changed.status_code == 303
    page = agent.get(f"/admin/tickets/{ticket.id}").text
    assert '<option value="solved" selected>' in page and '<option value="high" selected>' in page
    assert '<option value="ana" selected>' in page and 'value="billing, vat"' in page
    assert client.ticket(ticket.id, user_token=token).status == "solved"
    mine = agent.get("/admin/tickets/", params={"assignee": "me", "view": "all"}).text
    assert ticket.subject in mine
    unknown = agent.post(f"/admin/tickets/{ticket.id}", {"assignee": "nobody"})
    assert unknown.status_code == 422
    unassign = agent.post(f"/admin/tickets/{ticket.id}", {"assignee": ""})
    assert unassign.status_code == 303


def test_assign_to_me_is_an_action_never_a_guess(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    _client, _token, ticket = file_ticket(web)
    agent = staff("agent")
    page = f"/admin/tickets/{ticket.id}"
    # what the page's form sends: the dropdown's value ("" for Unassigned) and the button's
    mine = agent.post(page, {"assignee": "", "status": "new", "action": "assign_to_me"})
    assert '<option value="ana" selected>' in agent.get(page).text
    assert mine.status_code == 303 and mine.headers["Location"].endswith("notice=assigned")
    # two different assignees and no action: refused, nothing changed
    both = agent.post(page, {"assignee": ["", "me"], "priority": "urgent"})
    assert both.status_code == 422 and "more than one assignee" in text_of(both.text)
    after = agent.get(page).text
    assert '<option value="ana" selected>' in after and '<option value="normal" selected>' in after
    same = agent.post(page, {"assignee": ["", ""], "action": "save"})  # the same twice: fine
    assert same.status_code == 303 and '<option value="ana" selected>' not in agent.get(page).text


def test_user_text_is_escaped_everywhere(web: LiveServer, staff: Callable[[str], Staff]) -> None:
    _, _, ticket = file_ticket(
        web,
        subject=f"Help {XSS}",
        body=f"Body {XSS}",
        name=f"Mallory {XSS}",
        context={"custom": {XSS: XSS}, "title": XSS},
    )
    agent = staff("agent")
    for path in (
        "/admin/tickets/",
        f"/admin/tickets/{ticket.id}",
        f"/admin/tickets/?q={ticket.id}",
    ):
        page = agent.get(path).text
        assert "<script>alert" not in page and "<img src=x" not in page, path
        assert "&lt;script&gt;" in page, path


@pytest.fixture(scope="module")
def second_app(web: LiveServer) -> Iterator[dict[str, str]]:
    made = json.loads(
        cli("apps", "create", "Second", "--data-dir", str(web.data_dir), "--json").stdout
    )
    create_users(web.data_dir, app=web.app_id, suffix="-one")  # ana-one: the first app only
    yield made


def test_agents_only_see_their_apps(
    web: LiveServer, second_app: dict[str, str], staff: Callable[[str], Staff]
) -> None:
    other = SupportClient(web.url, app_id=second_app["app_id"], app_secret=second_app["app_secret"])
    token = other.user_token("someone", email="s@example.com")
    elsewhere = other.create_ticket(
        "In the second app", subject="Second app ticket", user_token=token
    )
    everywhere = staff("agent")  # ana works in every app
    assert "Second app ticket" in everywhere.get("/admin/tickets/").text
    only = everywhere.get("/admin/tickets/", params={"app": web.app_id}).text
    assert "Second app ticket" not in only
    limited = Staff(web)
    try:
        assert limited.sign_in("ana-one", password=PASSWORD).status_code == 303
        assert "Second app ticket" not in limited.get("/admin/tickets/").text
        assert limited.get(f"/admin/tickets/{elsewhere.id}").status_code == 404
        assert (
            limited.post(f"/admin/tickets/{elsewhere.id}/messages", {"body": "hi"}).status_code
            == 404
        )
        switched = limited.post("/admin/app", {"app_id": second_app["app_id"]})
        assert switched.status_code == 403
    finally:
        limited.close()
    with pytest.raises(NotFound):
        other.ticket(elsewhere.id, user_token=other.user_token("another-user"))
    assert re.search(r"Second app ticket", everywhere.get(f"/admin/tickets/{elsewhere.id}").text)
