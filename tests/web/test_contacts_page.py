"""The ticket page's Customer card, through Flask's test client: the contact's name, email,
signed traits marked as signed by the app, their other tickets (linked, with status and
rating) and the pages they asked from, escaped; nothing for a ticket without a contact."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from support_sdk.tokens import mint_user_token
from support_server import bootstrap
from support_server.app import create_app

PASSWORD = "correct horse battery"
ORIGIN = "http://allowed.example"
XSS = '<script>alert("xss")</script>'


class Desk:
    def __init__(self, app: Any, creds: dict[str, Any]) -> None:
        self.app = app
        self.creds = creds
        self.http: FlaskClient = app.test_client()
        self.agent: FlaskClient = app.test_client()

    @property
    def app_id(self) -> str:
        return str(self.creds["app_id"])

    def api(self, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.creds['admin_api_key']}"}
        r = self.http.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert r.status_code == want, (r.status_code, r.get_json())
        return r.get_json()

    def file_as_user(self, user_id: str, **data: Any) -> dict[str, Any]:
        claims = {k: data.pop(k) for k in ("email", "name", "traits") if k in data}
        token = mint_user_token(self.app_id, self.creds["app_secret"], user_id, **claims)
        body = {"subject": "Help", "body": "Please help.", **data}
        headers = {"Authorization": f"Bearer {token}", "Origin": ORIGIN}
        r = self.http.post("/api/v1/tickets", json=body, headers=headers)
        assert r.status_code == 201, r.get_json()
        found = dict(r.get_json())
        found["token"] = token
        return found

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
        return r.get_data(as_text=True)


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


def card(page: str) -> str:
    found = re.search(r"<section[^>]*data-customer>.*?</section>", page, re.S)
    assert found, "no Customer card"
    return found.group(0)


def text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def test_the_customer_card_shows_the_contact_their_other_tickets_and_pages(desk: Desk) -> None:
    earlier = desk.file_as_user(
        "u-1",
        email="ada@example.com",
        name="Ada",
        subject="Refund " + XSS,
        context={"url": "https://shop.example/orders", "title": "Your orders"},
    )
    desk.api("PATCH", f"/tickets/{earlier['id']}", json={"status": "solved"})
    rated = desk.http.post(
        f"/api/v1/tickets/{earlier['id']}/rating",
        json={"score": 4},
        headers={"Authorization": f"Bearer {earlier['token']}", "Origin": ORIGIN},
    )
    assert rated.status_code == 201
    by_email = desk.api(
        "POST",
        "/tickets",
        201,
        json={"subject": "Phoned in", "body": "x", "email": "ada@example.com"},
    )
    now = desk.file_as_user(
        "u-1",
        email="ada@example.com",
        name="Ada Lovelace",
        traits={"plan": "pro", "seats": 3},
        context={"url": "javascript:alert(1)"},
    )
    page = desk.page(f"/admin/tickets/{now['id']}")
    shown = card(page)
    assert "Ada Lovelace" in shown and "ada@example.com" in shown
    assert "Signed by Acme Shop" in text(shown)
    assert re.search(r'<dt class="mono">plan</dt><dd>pro</dd>', shown)
    others = re.search(r"<ul[^>]*data-customer-tickets>(.*?)</ul>", shown, re.S)
    assert others
    links = re.findall(r'<a href="/admin/tickets/([^"]+)">', others.group(1))
    assert links == [by_email["id"], earlier["id"]]  # not this ticket; newest first
    assert "Rated 4/5" in text(others.group(1))
    assert 'class="badge b-solved"' in others.group(1)
    assert XSS not in page
    assert "Refund &lt;script&gt;" in others.group(1)
    pages = re.search(r"<ul[^>]*data-customer-pages>(.*?)</ul>", shown, re.S)
    assert pages
    assert '<a href="https://shop.example/orders"' in pages.group(1)
    assert 'href="javascript:' not in pages.group(1)  # shown, not linked

    # the same person's email-only ticket: the same card, and it says it was not signed in
    email_page = card(desk.page(f"/admin/tickets/{by_email['id']}"))
    assert "Ada Lovelace" in email_page
    assert "filed with their email, not signed in" in text(email_page)


def test_no_card_for_a_ticket_without_a_contact(desk: Desk) -> None:
    filed = desk.api("POST", "/tickets", 201, json={"body": "x", "email": "bo@example.com"})
    rt = desk.app.extensions["support"]
    with rt.db.write() as conn:
        conn.execute("DELETE FROM contact_tickets")
    page = desk.page(f"/admin/tickets/{filed['id']}")
    assert "data-customer>" not in page
    assert "Other tickets" not in page


def test_a_long_history_shows_the_ten_newest_other_tickets_and_the_count(desk: Desk) -> None:
    filed = [
        desk.file_as_user(
            "u-long",
            email="long@example.com",
            subject=f"Question {n}",
            context={"url": f"https://shop.example/page-{n % 12}", "title": f"Page {n % 12}"},
        )
        for n in range(14)
    ]
    middle = filed[6]  # an older ticket: its card lists the newest others, not those around it
    shown = card(desk.page(f"/admin/tickets/{middle['id']}"))
    assert re.search(r"<dt>Tickets</dt><dd>14</dd>", shown)
    others = re.search(r"<ul[^>]*data-customer-tickets>(.*?)</ul>", shown, re.S)
    assert others
    links = re.findall(r'<a href="/admin/tickets/([^"]+)">', others.group(1))
    newest = [t["id"] for t in reversed(filed) if t["id"] != middle["id"]]
    assert links == newest[:10]
    rt = desk.app.extensions["support"]
    found = rt.contacts.for_ticket(desk.app_id, middle["id"])
    assert [t["id"] for t in found["tickets"]] == newest[:10]
    # Pages: the latest visit to each of the 10 newest distinct pages, newest first.
    assert [p["url"] for p in found["pages"]] == [
        f"https://shop.example/page-{n % 12}" for n in range(13, 3, -1)
    ]
    assert found["pages"][0]["title"] == "Page 1"
    assert rt.contacts.get(desk.app_id, found["id"])["pages"] == found["pages"]
