"""Every analytics figure follows its definition in the README (Analytics), checked with exact
scenarios built through the real API and the widget's /help/events on the imported sample
help center, then read back from GET /api/v1/analytics/summary and the admin dashboard.

People are told apart as the server tells them apart: by their browser (address and
User-Agent), so each person here has their own User-Agent.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from support_sdk.tokens import mint_user_token

from ..conftest import HELP_CENTER, LiveServer
from ..servers import ServerProcess, cli, init_data_dir
from .conftest import USERS, Staff, create_users

API = "/api/v1"


@pytest.fixture
def server(tmp_path: Any) -> Iterator[LiveServer]:
    """A server of its own (exact numbers), with the sample help center and staff users."""
    data_dir = tmp_path / "data"
    creds = init_data_dir(data_dir, "http://allowed.example")
    cli("import", str(HELP_CENTER), "--data-dir", str(data_dir))
    create_users(data_dir)
    with ServerProcess(data_dir) as process:
        yield LiveServer(process, creds)


class Person:
    """One browser: its own User-Agent, optionally a signed-in user's token."""

    def __init__(self, server: LiveServer, browser: str, user: str | None = None) -> None:
        self.server = server
        self.http = requests.Session()
        self.http.headers["User-Agent"] = browser
        self.token = (
            mint_user_token(server.app_id, server.app_secret, user, email=f"{user}@example.com")
            if user
            else None
        )
        self.visit = ""

    def auth(self) -> dict[str, str]:
        if self.token:
            return {"Authorization": f"Bearer {self.token}"}
        return {"X-Support-App": self.server.app_id}

    def load_page(self) -> None:
        """A page of the host app loads: the widget makes up a new visit id, as it does."""
        self.visit = "visit" + uuid.uuid4().hex[:12]

    def event(self, kind: str, slug: str | None = None) -> None:
        body = {"type": kind, "session": self.visit, **({"slug": slug} if slug else {})}
        # The widget sends its help events without the user's token.
        response = self.http.post(
            self.server.url + API + "/help/events",
            json=body,
            headers={"X-Support-App": self.server.app_id},
            timeout=10,
        )
        assert response.status_code == 202, response.text

    def read(self, slug: str) -> None:
        """Open an article in the widget: the article is fetched, then article_viewed sent."""
        response = self.http.get(
            f"{self.server.url}{API}/help/articles/{slug}", headers=self.auth(), timeout=10
        )
        assert response.status_code == 200
        self.event("article_viewed", slug)

    def search(self, q: str) -> int:
        response = self.http.get(
            self.server.url + API + "/help/search", params={"q": q}, headers=self.auth(), timeout=10
        )
        assert response.status_code == 200
        total: int = response.json()["total"]
        return total

    def vote(self, slug: str, helpful: bool) -> None:
        response = self.http.post(
            f"{self.server.url}{API}/help/articles/{slug}/feedback",
            json={"helpful": helpful},
            headers=self.auth(),
            timeout=10,
        )
        assert response.status_code == 201

    def file_ticket(self, subject: str, **extra: Any) -> dict[str, Any]:
        response = self.http.post(
            self.server.url + API + "/tickets",
            json={"subject": subject, "body": subject + ", please help", **extra},
            headers={**self.auth(), "Idempotency-Key": uuid.uuid4().hex},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        ticket: dict[str, Any] = response.json()
        return ticket


def summary(server: LiveServer, **params: str) -> dict[str, Any]:
    response = requests.get(
        server.url + API + "/analytics/summary",
        params=params,
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def agent(server: LiveServer, method: str, path: str, **body: Any) -> None:
    response = requests.request(
        method,
        server.url + API + path,
        json=body,
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
    )
    assert response.status_code < 300, response.text


def dashboard(server: LiveServer) -> str:
    admin = Staff(server)
    assert admin.sign_in(USERS["admin"]).status_code == 303
    page = admin.get("/admin/analytics/", params={"days": "7"})
    assert page.status_code == 200
    return re.sub(r"\s+", " ", page.text)


def kpi(page: str, name: str) -> str:
    found = re.search(
        rf'<div class="k">{name}</div><div class="v">([^<]*)</div><div class="d">([^<]*)</div>',
        page,
    )
    assert found, name
    return f"{found.group(1)} | {found.group(2)}"


def test_one_user_two_tickets_in_their_only_visit_is_no_deflection(server: LiveServer) -> None:
    """The report in issue 8: one person browsed help over several pages of the host app (a
    new widget visit id on each), then filed two tickets: deflection must be 0%, not 83%."""
    ada = Person(server, "Mozilla/5.0 (Ada's laptop) Chrome/131", user="ada")
    for slug in ("request-a-refund", "cancel-your-subscription", "change-your-plan"):
        ada.load_page()
        ada.event("help_opened")
        ada.read(slug)
    ada.load_page()
    ada.event("help_opened")
    ada.event("contact_opened")
    ada.file_ticket("Refund still missing")
    ada.event("ticket_created")
    ada.file_ticket("And a second problem")  # a form of the host's own: no widget event
    deflection = summary(server)["deflection"]
    assert deflection == {
        "help_sessions": 1,
        "followed_by_ticket": 1,
        "deflected": 0,
        "rate": 0.0,
    }
    page = dashboard(server)
    assert kpi(page, "Deflection") == "0% | 0 of 1 help sessions, no ticket"


def test_every_figure_matches_its_definition_in_the_api_and_the_dashboard(
    server: LiveServer,
) -> None:
    # Bea reads two articles on two pages, votes, searches, and files nothing: deflected.
    bea = Person(server, "Mozilla/5.0 (Bea's phone) Safari/18")
    bea.load_page()
    bea.event("help_opened")
    assert bea.search("refund") > 0
    assert bea.search("zzqx plugh") == 0
    bea.read("request-a-refund")
    bea.load_page()
    bea.event("help_opened")
    bea.read("request-a-refund")
    bea.vote("request-a-refund", helpful=True)
    # Cy opens help, reads one article, then files two tickets: one session, followed.
    cy = Person(server, "Mozilla/5.0 (Cy's desktop) Firefox/133", user="cy")
    cy.load_page()
    cy.event("help_opened")
    cy.read("cancel-your-subscription")
    cy.vote("cancel-your-subscription", helpful=False)
    answered = cy.file_ticket("Cannot cancel", context={"context_key": "billing.cancel"})
    cy.event("ticket_created")
    cy.file_ticket("Another one")
    # Dan never opens help: his ticket is no help session at all.
    dan = Person(server, "Mozilla/5.0 (Dan's tablet) Edge/131")
    dan.file_ticket("Where is my invoice?", email="dan@example.com")
    # A backend reads an article through the SDK: served, so it is a view too.
    with server.client() as client:
        client.article("request-a-refund")
    # The agent answers Cy's first ticket (a note first, which does not count), solves it,
    # and Cy rates it 5; the other two tickets are still waiting.
    agent(server, "POST", f"/tickets/{answered['id']}/messages", body="note", internal=True)
    agent(server, "POST", f"/tickets/{answered['id']}/messages", body="Done, it is cancelled.")
    agent(server, "PATCH", f"/tickets/{answered['id']}", status="solved")
    rated = requests.post(
        f"{server.url}{API}/tickets/{answered['id']}/rating",
        json={"score": 5},
        headers=cy.auth(),
        timeout=10,
    )
    assert rated.status_code < 300, rated.text

    data = summary(server)
    searches = data["searches"]
    assert (searches["total"], searches["zero_results"], searches["zero_result_rate"]) == (
        2,
        1,
        0.5,
    )
    assert [q["query"] for q in searches["zero_result_queries"]] == ["zzqx plugh"]
    assert {q["query"]: q["searches"] for q in searches["top_queries"]} == {
        "refund": 1,
        "zzqx plugh": 1,
    }
    articles = {a["slug"]: a for a in data["articles"]}
    refund, cancel = articles["request-a-refund"], articles["cancel-your-subscription"]
    assert (refund["views"], refund["views_all_time"]) == (3, 3)
    assert (refund["helpful"], refund["not_helpful"], refund["helpfulness"]) == (1, 0, 1.0)
    assert (cancel["views"], cancel["views_all_time"]) == (1, 1)
    assert (cancel["helpful"], cancel["not_helpful"]) == (0, 1)
    assert sum(a["views"] for a in data["articles"]) == 4
    assert all(a["views"] == a["views_all_time"] for a in data["articles"])
    assert data["deflection"] == {
        "help_sessions": 2,
        "followed_by_ticket": 1,
        "deflected": 1,
        "rate": 0.5,
    }
    tickets = data["tickets"]
    assert tickets["total"] == 3 and sum(d["total"] for d in tickets["by_day"]) == 3
    assert tickets["awaiting_first_response"] == 2
    assert tickets["first_response_seconds"]["count"] == 1
    assert tickets["resolution_seconds"]["count"] == 1
    assert {"context": "billing.cancel", "tickets": 1} in tickets["by_context"]
    assert data["csat"]["ratings"] == 1 and data["csat"]["score"] == 1.0
    assert data["csat"]["distribution"] == {"1": 0, "2": 0, "3": 0, "4": 0, "5": 1}

    # The same day as a one-day range: the same numbers.
    today = data["range"]["to"]
    day = summary(server, **{"from": today, "to": today})
    assert day["articles"] == data["articles"] and day["deflection"] == data["deflection"]

    page = dashboard(server)
    assert kpi(page, "Searches") == "2 | 1 found nothing (50%)"
    assert kpi(page, "Deflection") == "50% | 1 of 2 help sessions, no ticket"
    assert kpi(page, "Tickets").startswith("3 | 2 awaiting a first reply")
    assert kpi(page, "CSAT").startswith("100% | 1 rating")
    row = re.search(
        r"Request a refund</span> <span class=\"muted mono\">request-a-refund</span>"
        r"</td>((?: ?<td class=\"num\">[^<]*</td>)+)",
        page,
    )
    assert row, page
    cells = re.findall(r'<td class="num">([^<]*)</td>', row.group(1))
    assert cells == ["3", "3", "1", "0", "100%"]
