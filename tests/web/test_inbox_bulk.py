"""The agents' inbox through Flask's test client: bulk changes and merges from the bulk form
(all or nothing, back to the same query with a notice; refused, the selection is kept), saved
views per agent and app, and the custom-field filters (``field.<key>``)."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient

from support_server import bootstrap
from support_server.app import create_app

PASSWORD = "correct horse battery"
XSS = '<script>alert("xss")</script><img src=x onerror=alert(1)>'


class Desk:
    def __init__(self, app: Flask, creds: dict[str, Any]) -> None:
        self.app = app
        self.rt: Any = app.extensions["support"]
        self.creds = creds
        self.http: FlaskClient = app.test_client()
        self.agent: FlaskClient = app.test_client()
        self.csrf = ""

    def api(self, method: str, path: str, want: int = 200, **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.creds['admin_api_key']}"}
        r = self.http.open(f"/api/v1{path}", method=method, headers=headers, **kwargs)
        assert r.status_code == want, (r.status_code, r.get_json())
        return r.get_json()

    def file(self, subject: str, email: str = "cleo@example.com", **data: Any) -> str:
        body = {"subject": subject, "body": f"{subject}, please help.", "email": email}
        return str(self.api("POST", "/tickets", 201, json={**body, **data})["id"])

    def ticket(self, public_id: str) -> dict[str, Any]:
        return dict(self.api("GET", f"/tickets/{public_id}"))

    def sign_in(self, username: str = "ana") -> None:
        self.agent = self.app.test_client()
        form = self.agent.get("/admin/login").get_data(as_text=True)
        token = re.search(r'name="login_token" value="([^"]+)"', form)
        assert token
        signed = self.agent.post(
            "/admin/login",
            data={"login_token": token.group(1), "username": username, "password": PASSWORD},
            headers={"Origin": "http://localhost"},
        )
        assert signed.status_code == 303
        found = re.search(
            r'<meta name="csrf-token" content="([^"]+)"', self.page("/admin/tickets/")
        )
        assert found
        self.csrf = found.group(1)

    def page(self, path: str, **params: Any) -> str:
        r = self.agent.get(path, query_string=params or None)
        assert r.status_code == 200, (path, r.status_code)
        return r.get_data(as_text=True)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self.agent.post(
            path, data={"csrf_token": self.csrf, **data}, headers={"Origin": "http://localhost"}
        )


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[Desk]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, ["http://allowed.example"])
    app = create_app(data_dir=data_dir)
    app.config["TESTING"] = True
    rt = app.extensions["support"]
    for name in ("ana", "maya"):
        rt.staff.create_user(name, PASSWORD, "agent", display_name=f"{name.title()} Agent")
    desk = Desk(app, creds)
    desk.sign_in()
    yield desk
    rt.index.close()
    rt.db.close()


def text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def subjects(page: str) -> list[str]:
    return [html.unescape(s) for s in re.findall(r'class="subject"[^>]*>([^<]*)</a>', page)]


def checked(page: str) -> list[str]:
    return re.findall(r'name="ids" value="([^"]+)"[^>]*checked', page)


def test_the_bulk_form_changes_every_selected_ticket_and_comes_back_to_the_query(
    desk: Desk,
) -> None:
    ids = [desk.file(f"Ticket {n}", priority="low") for n in range(3)]
    other = desk.file("Not selected", priority="low")
    page = desk.page("/admin/tickets/", priority="low", sort="oldest")
    assert 'action="/admin/tickets/bulk"' in page and 'name="csrf_token"' in page
    back = html.unescape(re.search(r'name="back" value="([^"]*)"', page).group(1))  # type: ignore[union-attr]
    assert parse_qs(back) == {"priority": ["low"], "sort": ["oldest"]}

    r = desk.post(
        "/admin/tickets/bulk",
        {
            "ids": ids,
            "back": back,
            "status": "pending",
            "priority": "high",
            "assignee": "maya",
            "add_tags": "billing, vip",
            "action": "apply",
        },
    )
    assert r.status_code == 303
    where = urlsplit(r.headers["Location"])
    assert where.path == "/admin/tickets/"
    assert parse_qs(where.query) == {
        "priority": ["low"],
        "sort": ["oldest"],
        "done": ["updated"],
        "count": ["3"],
    }
    after = desk.page("/admin/tickets/?" + where.query)
    assert "3 tickets updated" in text(after)
    assert subjects(after) == ["Not selected"]  # the others are high now
    for public_id in ids:
        found = desk.ticket(public_id)
        assert (found["status"], found["priority"], found["assignee"]) == (
            "pending",
            "high",
            "maya",
        )
        assert found["tags"] == ["billing", "vip"]
    assert desk.ticket(other)["priority"] == "low"

    # remove a tag, unassign
    r = desk.post(
        "/admin/tickets/bulk",
        {"ids": ids[:2], "remove_tags": "vip", "assignee": "none", "action": "apply"},
    )
    assert r.status_code == 303 and "count=2" in r.headers["Location"]
    assert desk.ticket(ids[0])["tags"] == ["billing"] and desk.ticket(ids[0])["assignee"] is None
    assert desk.ticket(ids[2])["tags"] == ["billing", "vip"]


def test_one_bad_id_changes_nothing_and_keeps_the_selection(desk: Desk) -> None:
    ids = [desk.file(f"Ticket {n}") for n in range(2)]
    r = desk.post(
        "/admin/tickets/bulk",
        {
            "ids": [*ids, "tkt_nosuchticket"],
            "back": "sort=oldest",
            "status": "solved",
            "add_tags": XSS[:40],
        },
    )
    assert r.status_code == 404
    page = r.get_data(as_text=True)
    assert "No such ticket: tkt_nosuchticket" in text(page)
    assert sorted(checked(page)) == sorted(ids)
    assert 'id="b-status"' in page and '<option value="solved" selected>' in page
    assert "<script>alert" not in page
    assert all(desk.ticket(i)["status"] == "new" for i in ids)
    # the page knows its inbox address (bulk.js puts it back); a reload of /bulk goes there
    assert 'data-inbox-url="/admin/tickets/?sort=oldest"' in page
    assert desk.agent.get("/admin/tickets/bulk").headers["Location"] == "/admin/tickets/"

    # nothing chosen, nothing selected, an unknown agent: refused with a reason
    for data, said in (
        ({"ids": ids}, "Choose a change to apply"),
        ({"status": "open"}, "Select one ticket or more first"),
        ({"ids": ids, "assignee": "nobody"}, "No such agent"),
    ):
        r = desk.post("/admin/tickets/bulk", data)
        assert r.status_code == 422 and said in text(r.get_data(as_text=True)), said


def test_the_bulk_form_needs_the_csrf_token(desk: Desk) -> None:
    public_id = desk.file("Ticket")
    r = desk.agent.post(
        "/admin/tickets/bulk",
        data={"ids": [public_id], "status": "solved"},
        headers={"Origin": "http://localhost"},
    )
    assert r.status_code == 403
    assert desk.ticket(public_id)["status"] == "new"


def test_merge_into_the_oldest_selected_or_a_typed_ticket(desk: Desk) -> None:
    oldest = desk.file("First report")
    dupes = [desk.file("Second report"), desk.file("Third report")]
    r = desk.post("/admin/tickets/bulk", {"ids": [*dupes, oldest], "action": "merge"})
    assert r.status_code == 303
    where = urlsplit(r.headers["Location"])
    assert f"2 tickets merged into {oldest}" in text(desk.page("/admin/tickets/?" + where.query))
    for dupe in dupes:
        found = desk.ticket(dupe)
        assert found["status"] == "closed"
    assert subjects(desk.page("/admin/tickets/")) == ["First report"]

    # into a typed id; a different requester is refused unless allowed, before any merge
    a, b = desk.file("Other", email="zed@example.com"), desk.file("Another")
    with desk.rt.db.write() as conn:  # filed by someone else (the API files as its key)
        conn.execute("UPDATE tickets SET requester_id = 'someone' WHERE public_id = ?", (a,))
    r = desk.post("/admin/tickets/bulk", {"ids": [a, b], "merge_into": oldest, "action": "merge"})
    assert r.status_code == 409 and "different requesters" in text(r.get_data(as_text=True))
    assert desk.ticket(b)["status"] == "new"
    r = desk.post(
        "/admin/tickets/bulk",
        {"ids": [a, b], "merge_into": oldest, "different_requesters": "1", "action": "merge"},
    )
    assert r.status_code == 303 and f"into={oldest}" in r.headers["Location"]
    assert desk.ticket(a)["status"] == desk.ticket(b)["status"] == "closed"


def test_saved_views_per_agent_escaped_and_deleted(desk: Desk) -> None:
    desk.file("Urgent one", priority="urgent")
    desk.file("Low one", priority="low")
    r = desk.post(
        "/admin/tickets/views",
        {"name": XSS, "back": "priority=urgent&sort=oldest&page=3&done=updated&count=2"},
    )
    assert r.status_code == 303
    assert r.headers["Location"] == "/admin/tickets/?priority=urgent&sort=oldest"
    page = desk.page("/admin/tickets/")
    assert "<script>alert" not in page and "&lt;script&gt;alert(" in page
    tab = re.search(r'<a class="saved-view" href="([^"]+)"[^>]*>', page)
    assert tab and html.unescape(tab.group(1)) == "/admin/tickets/?priority=urgent&sort=oldest"
    opened = desk.page(html.unescape(tab.group(1)))
    assert subjects(opened) == ["Urgent one"]
    assert re.search(r'class="saved-view" href="[^"]+" aria-current="page"', opened)

    # the same name replaces the query; views are the agent's own
    desk.post("/admin/tickets/views", {"name": XSS, "back": "priority=low"})
    assert len(desk.rt.saved_views.items(*_owner(desk, "ana"))) == 1
    desk.sign_in("maya")
    assert 'class="saved-view"' not in desk.page("/admin/tickets/")
    desk.sign_in("ana")
    view_id = re.search(
        r'action="/admin/tickets/views/(view_\w+)/delete"', desk.page("/admin/tickets/")
    )
    assert view_id
    r = desk.post(f"/admin/tickets/views/{view_id.group(1)}/delete", {"back": ""})
    assert r.status_code == 303
    assert 'class="saved-view"' not in desk.page("/admin/tickets/")
    assert desk.post("/admin/tickets/views", {"name": "  ", "back": ""}).status_code == 422


def _owner(desk: Desk, username: str) -> tuple[str, str]:
    with desk.rt.db.read() as conn:
        row = conn.execute("SELECT id FROM staff_users WHERE username = ?", (username,)).fetchone()
    return str(row[0]), desk.creds["app_id"]


def test_custom_field_filters(desk: Desk) -> None:
    desk.api(
        "POST",
        "/ticket-fields",
        201,
        json={"key": "plan", "label": "Plan", "type": "select", "options": ["free", "pro"]},
    )
    desk.api("POST", "/ticket-fields", 201, json={"key": "vip", "label": "VIP", "type": "checkbox"})
    desk.api("POST", "/ticket-fields", 201, json={"key": "note", "label": "Note", "type": "text"})
    desk.file("Free plan", fields={"plan": "free"})
    desk.file("Pro VIP", fields={"plan": "pro", "vip": True})
    desk.file("Not VIP", fields={"vip": False})
    desk.file("Nothing set")
    page = desk.page("/admin/tickets/", sort="oldest")
    assert 'name="field.plan"' in page and 'name="field.vip"' in page
    assert 'name="field.note"' not in page  # text fields have no filter

    def shown(**query: str) -> list[str]:
        return subjects(desk.page("/admin/tickets/", sort="oldest", **query))

    assert shown(**{"field.plan": "pro"}) == ["Pro VIP"]
    assert shown(**{"field.plan": "none"}) == ["Not VIP", "Nothing set"]
    assert shown(**{"field.vip": "true"}) == ["Pro VIP"]
    assert shown(**{"field.vip": "false"}) == ["Not VIP"]
    assert shown(**{"field.vip": "none", "field.plan": "free"}) == ["Free plan"]
    # unknown keys and values are no filter; nothing the agent types reaches the SQL
    everything = ["Free plan", "Pro VIP", "Not VIP", "Nothing set"]
    assert shown(**{"field.plan": "x' OR 1=1 --"}) == everything
    assert shown(**{"field.plan') OR 1=1 --": "pro"}) == everything
    # the filter is kept by the tabs, the pager's links, the search and the bulk form's back
    page = desk.page("/admin/tickets/", **{"field.plan": "pro"})
    assert 'href="/admin/tickets/?view=open&amp;field.plan=pro"' in page
    assert '<option value="pro" selected>' in page
    back = html.unescape(re.search(r'name="back" value="([^"]*)"', page).group(1))  # type: ignore[union-attr]
    assert parse_qs(back) == {"field.plan": ["pro"]}
    assert '<input type="hidden" name="field.plan" value="pro">' in page
