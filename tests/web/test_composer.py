"""The ticket page's composer through Flask's test client: saved replies filled in for the
ticket (the signed-in agent's name), help-article links with their public URL, the Suggested
articles card, and the reply refused (draft kept) when a newer message came in meanwhile."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from support_server import bootstrap
from support_server.app import create_app

PASSWORD = "correct horse battery"
ORIGIN = "http://allowed.example"
XSS = '<script>alert("xss")</script>'
STALE = "A new message arrived while you were writing — review it before sending"


class Desk:
    def __init__(self, app: Any, creds: dict[str, Any]) -> None:
        self.app = app
        self.rt = app.extensions["support"]
        self.creds = creds
        self.http: FlaskClient = app.test_client()
        self.agent: FlaskClient = app.test_client()
        self.csrf = ""

    @property
    def app_id(self) -> str:
        return str(self.creds["app_id"])

    def api(self, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.creds['admin_api_key']}"}
        r = self.http.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert r.status_code == want, (r.status_code, r.get_json())
        return r.get_json()

    def sign_in(self, username: str = "ana") -> None:
        form = self.agent.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="login_token" value="([^"]+)"', form)
        assert token
        signed = self.agent.post(
            "/admin/login",
            data={"login_token": token.group(1), "username": username, "password": PASSWORD},
            headers={"Origin": "http://localhost"},
        )
        assert signed.status_code == 303, signed.get_data(as_text=True)

    def page(self, path: str) -> str:
        r = self.agent.get(path)
        assert r.status_code == 200, (path, r.status_code)
        text = r.get_data(as_text=True)
        found = re.search(r'<meta name="csrf-token" content="([^"]+)"', text)
        if found:
            self.csrf = found.group(1)
        return text

    def json(self, path: str) -> Any:
        r = self.agent.get(path, headers={"Accept": "application/json"})
        assert r.status_code == 200, (path, r.status_code, r.get_data(as_text=True))
        return r.get_json()

    def reply(self, ticket_id: str, **form: str) -> Any:
        data = {"csrf_token": self.csrf, "internal": "0", **form}
        return self.agent.post(
            f"/admin/tickets/{ticket_id}/messages",
            data=data,
            headers={"Origin": "http://localhost"},
        )

    def article(self, title: str, body: str, slug: str, status: str = "published") -> None:
        self.rt.articles.create(
            self.app_id, {"title": title, "body": body, "slug": slug, "status": status}, "test"
        )


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN], name="Acme Shop")
    app = create_app(data_dir=data_dir)
    app.config["TESTING"] = True
    rt = app.extensions["support"]
    rt.staff.create_user("ana", PASSWORD, "agent", display_name="Ana Agent")
    desk = Desk(app, creds)
    desk.sign_in()
    yield desk
    rt.index.close()
    rt.db.close()


def ticket(desk: Desk, **data: Any) -> dict[str, Any]:
    body = {
        "subject": "Refund for a double charge",
        "body": "My card was charged twice for the same order.",
        "email": "grace@example.com",
        "name": "Grace Hopper",
        **data,
    }
    body = {k: v for k, v in body.items() if v is not None}
    found: dict[str, Any] = desk.api("POST", "/tickets", 201, json=body)
    return found


def seen_message(page: str) -> str:
    found = re.search(r'<input type="hidden" name="seen_message" value="([^"]*)"', page)
    assert found, "no seen_message in the composer"
    return found.group(1)


def test_saved_replies_come_filled_in_for_the_ticket(desk: Desk) -> None:
    desk.api(
        "POST",
        "/macros",
        201,
        json={
            "name": "Refund issued",
            "body": "Hi {{requester.name}},\n\nThe refund for {{ticket.id}} is on its way."
            "\n\n{{agent.name}}, {{app.name}}",
        },
    )
    desk.api("POST", "/macros", 201, json={"name": "Export fix " + XSS, "body": "Try " + XSS})
    filed = ticket(desk)

    items = desk.json(f"/admin/tickets/{filed['id']}/macros")["items"]
    assert [i["name"] for i in items] == ["Export fix " + XSS, "Refund issued"]
    refund = items[1]
    assert refund["body"] == (
        f"Hi Grace Hopper,\n\nThe refund for {filed['id']} is on its way.\n\nAna Agent, Acme Shop"
    )
    assert refund["preview"].startswith("Hi Grace Hopper, The refund")
    assert set(refund) == {"id", "name", "preview", "body"}
    assert items[0]["body"] == "Try " + XSS  # text, for the page to insert as text

    assert [
        i["name"] for i in desk.json(f"/admin/tickets/{filed['id']}/macros?q=refund")["items"]
    ] == ["Refund issued"]
    assert desk.json(f"/admin/tickets/{filed['id']}/macros?q=nothing-like-it")["items"] == []


def test_a_visitor_without_a_name_is_greeted_neutrally(desk: Desk) -> None:
    desk.api("POST", "/macros", 201, json={"name": "Hello", "body": "Hi {{requester.name}}!"})
    filed = ticket(desk, name=None)
    items = desk.json(f"/admin/tickets/{filed['id']}/macros")["items"]
    assert items[0]["body"] == "Hi there!"


def test_article_links_are_published_articles_with_their_public_url(desk: Desk) -> None:
    desk.article("Refunds and double charges", "How refunds for a double charge work.", "refunds")
    desk.article("Refund drafts", "A draft about refunds.", "refund-draft", status="draft")
    desk.article("Exporting invoices", "Download your invoices as CSV.", "export")
    filed = ticket(desk)

    items = desk.json(f"/admin/tickets/{filed['id']}/articles?q=refund")["items"]
    assert [(i["title"], i["slug"]) for i in items] == [("Refunds and double charges", "refunds")]
    assert items[0]["url"] == f"http://localhost/help/{desk.app_id}/en/articles/refunds"
    assert desk.json(f"/admin/tickets/{filed['id']}/articles?q=zzzqqq")["items"] == []
    # no query: the ticket's suggestions
    suggested = desk.json(f"/admin/tickets/{filed['id']}/articles")["items"]
    assert [i["slug"] for i in suggested] == ["refunds"]


def test_the_ticket_page_suggests_up_to_three_articles(desk: Desk) -> None:
    for n in range(5):
        desk.article(f"Refund question {n} {XSS}", "About refunds and charges.", f"refund-{n}")
    desk.article("Exporting invoices", "Download your invoices as CSV.", "export")
    filed = ticket(desk)
    page = desk.page(f"/admin/tickets/{filed['id']}")
    card = re.search(r"<section[^>]*data-suggested>.*?</section>", page, re.S)
    assert card, "no Suggested articles card"
    links = re.findall(r'<a href="([^"]+)" target="_blank" rel="noopener">', card.group(0))
    assert len(links) == 3
    assert all(
        re.fullmatch(rf"http://localhost/help/{desk.app_id}/en/articles/refund-\d", u)
        for u in links
    )
    assert card.group(0).count("data-insert-link") == 3
    assert XSS not in page
    assert "Refund question" in html.unescape(card.group(0))

    unrelated = ticket(desk, subject="Dark mode", body="Where is the dark theme setting?")
    assert "data-suggested" not in desk.page(f"/admin/tickets/{unrelated['id']}")


def test_the_page_loads_its_own_script_and_the_composer_routes(desk: Desk) -> None:
    filed = ticket(desk)
    page = desk.page(f"/admin/tickets/{filed['id']}")
    assert re.search(
        r'<script type="module" src="/static/admin/composer.js\?v=[0-9a-f]{10}">', page
    )
    assert f'data-macros-url="/admin/tickets/{filed["id"]}/macros"' in page
    assert f'data-latest-url="/admin/tickets/{filed["id"]}/latest"' in page
    assert "<script>" not in page  # no inline script: the CSP forbids it


def test_latest_names_the_newest_message(desk: Desk) -> None:
    filed = ticket(desk)
    assert desk.json(f"/admin/tickets/{filed['id']}/latest") == {
        "id": "",
        "author": None,
        "internal": False,
    }
    message = desk.api("POST", f"/tickets/{filed['id']}/messages", 201, json={"body": "Any news?"})
    latest = desk.json(f"/admin/tickets/{filed['id']}/latest")
    assert latest["id"] == message["id"]
    assert latest["author"]


def test_a_reply_to_a_conversation_that_moved_on_is_refused_with_the_draft_kept(
    desk: Desk,
) -> None:
    filed = ticket(desk)
    page = desk.page(f"/admin/tickets/{filed['id']}")
    seen = seen_message(page)
    assert seen == ""
    desk.api("POST", f"/tickets/{filed['id']}/messages", 201, json={"body": "Also: " + XSS})

    refused = desk.reply(
        filed["id"], body="Refunded <b>today</b>.", seen_message=seen, then_status="solved"
    )
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert STALE in text
    assert "Refunded &lt;b&gt;today&lt;/b&gt;.</textarea>" in text  # the draft, escaped
    assert '<option value="solved" selected>' in text
    assert XSS not in text and "Also: &lt;script&gt;" in text
    assert desk.api("GET", f"/tickets/{filed['id']}")["status"] != "solved"
    newer = seen_message(text)
    assert newer and newer != seen

    # "Send anyway" sends; so does a reply that has seen the newest message
    forced = desk.reply(filed["id"], body="Refunded.", seen_message=seen, force="1")
    assert forced.status_code == 303
    page = desk.page(f"/admin/tickets/{filed['id']}")
    sent = desk.reply(filed["id"], body="And done.", seen_message=seen_message(page))
    assert sent.status_code == 303
    bodies = [m["body"] for m in desk.api("GET", f"/tickets/{filed['id']}")["messages"]]
    assert bodies == ["Also: " + XSS, "Refunded.", "And done."]


def test_a_reply_without_seen_message_is_sent_as_before(desk: Desk) -> None:
    filed = ticket(desk)
    desk.page(f"/admin/tickets/{filed['id']}")
    desk.api("POST", f"/tickets/{filed['id']}/messages", 201, json={"body": "Hello?"})
    assert desk.reply(filed["id"], body="Hi!").status_code == 303


def test_the_composer_routes_need_an_agent_of_the_app(desk: Desk) -> None:
    filed = ticket(desk)
    anonymous = desk.app.test_client()
    for route in ("macros", "articles", "latest"):
        r = anonymous.get(
            f"/admin/tickets/{filed['id']}/{route}", headers={"Accept": "application/json"}
        )
        assert r.status_code == 401
    r = desk.agent.get("/admin/tickets/tkt_nope/latest", headers={"Accept": "application/json"})
    assert r.status_code == 404
