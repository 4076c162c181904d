"""Analytics: what is recorded (searches, help events) and what admins see (API, dashboard, CSV)."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import Callable
from typing import Any

import requests

from ..conftest import LiveServer
from ..servers import cli
from .conftest import Staff

API = "/api/v1"


def summary(server: LiveServer, key: str | None = None, **params: str) -> requests.Response:
    headers = {"Authorization": f"Bearer {key or server.admin_key}"}
    return requests.get(
        server.url + API + "/analytics/summary", params=params, headers=headers, timeout=10
    )


def report(server: LiveServer) -> dict[str, Any]:
    response = summary(server)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def search_as(server: LiveServer, who: str, text: str) -> None:
    token = server.client().user_token(who)
    response = requests.get(
        server.url + API + "/help/search",
        params={"q": text},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert response.status_code == 200


def event(
    server: LiveServer, body: dict[str, str], token: str | None = None, browser: str = "test"
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {"X-Support-App": server.app_id}
    headers["User-Agent"] = browser  # people are told apart by browser (or token)
    return requests.post(server.url + API + "/help/events", json=body, headers=headers, timeout=10)


def test_summary_is_for_admin_keys_only(web: LiveServer) -> None:
    writer_key = json.loads(
        cli(
            "keys",
            "create",
            "--data-dir",
            str(web.data_dir),
            "--app",
            web.app_id,
            "--role",
            "writer",
            "--json",
        ).stdout
    )["api_key"]
    assert summary(web, writer_key).status_code == 403
    anonymous = requests.get(
        web.url + API + "/analytics/summary", headers={"X-Support-App": web.app_id}, timeout=10
    )
    assert anonymous.status_code == 401
    assert summary(web, web.client().user_token("u1")).status_code == 401
    assert summary(web, **{"from": "yesterday"}).status_code == 422
    assert summary(web, **{"from": "2025-02-01", "to": "2025-01-01"}).status_code == 422
    data = report(web)
    assert set(data) >= {"range", "searches", "articles", "deflection", "tickets", "csat"}
    old = summary(web, **{"from": "2020-01-01", "to": "2020-01-31"}).json()
    assert old["searches"]["total"] == 0 and len(old["searches"]["by_day"]) == 31
    documented = requests.get(web.url + API + "/openapi.json", timeout=10).json()["paths"]
    assert "/api/v1/analytics/summary" in documented and "/api/v1/help/events" in documented


def test_searches_are_logged_once_per_typed_query(web: LiveServer) -> None:
    word = "xqzv" + uuid.uuid4().hex[:6]
    for typed in (word[:2], word[:3], word[:5], word):  # search as you type
        search_as(web, "typist", typed)
    for n in range(3):
        search_as(web, f"reader-{n}", "invoice")
    requests.get(f"{web.url}/help/{web.app_id}/en/search", params={"q": "plugh" + word}, timeout=10)
    searches = report(web)["searches"]
    gaps = {q["query"]: q for q in searches["zero_result_queries"]}
    assert gaps[word]["searches"] == 1 and word[:5] not in gaps
    assert "plugh" + word in gaps  # the help center's own search is logged too
    top = {q["query"]: q for q in searches["top_queries"]}
    assert top["invoice"]["searches"] >= 3 and top["invoice"]["average_results"] > 0


def test_deflection_counts_help_sessions_without_a_ticket(web: LiveServer) -> None:
    before = report(web)["deflection"]
    marker = uuid.uuid4().hex[:8]
    reader, asker = f"reader-{marker}", f"asker-{marker}"
    opened = {"type": "help_opened", "session": f"deflected{marker}"}
    assert event(web, opened, browser=reader).status_code == 202
    viewed = {"type": "article_viewed", "session": f"deflected{marker}", "slug": "request-a-refund"}
    assert event(web, viewed, browser=reader).status_code == 202
    event(web, {"type": "help_opened", "session": f"followed{marker}"}, browser=asker)
    event(web, {"type": "ticket_created", "session": f"followed{marker}"}, browser=asker)
    client = web.client()
    token = client.user_token(f"user-{marker}", email="u@example.com")
    # Events sent with the user's token are that user's: the ticket the SDK files for the
    # same user (from another machine, another User-Agent) follows that help session.
    identified = {"type": "help_opened", "session": f"identified{marker}"}
    assert event(web, identified, token).status_code == 202
    client.create_ticket("Still stuck", user_token=token)
    after = report(web)["deflection"]
    assert after["help_sessions"] - before["help_sessions"] == 3
    assert after["followed_by_ticket"] - before["followed_by_ticket"] == 2
    assert after["deflected"] - before["deflected"] == 1
    assert 0 <= after["rate"] <= 1


def test_help_events_are_validated(web: LiveServer) -> None:
    assert event(web, {"type": "clicked_ad", "session": "abcdefgh1"}).status_code == 422
    assert event(web, {"type": "help_opened", "session": "short"}).status_code == 422
    assert event(web, {"type": "help_opened", "session": "has spaces in it"}).status_code == 422
    nameless = requests.post(
        web.url + API + "/help/events",
        json={"type": "help_opened", "session": "abcdefgh1"},
        timeout=10,
    )
    assert nameless.status_code == 401


def test_ticket_metrics_first_response_resolution_and_csat(web: LiveServer) -> None:
    before = report(web)["tickets"]
    key = f"reports.export{uuid.uuid4().hex[:6]}"
    client = web.client()
    token = client.user_token("csat-user", email="c@example.com")
    ticket = client.create_ticket(
        "Export fails", user_token=token, context={"context_key": key, "app_version": "7.7.7"}
    )
    with web.writer() as agent:
        agent.reply(ticket.id, "Fixed, please try again.")
        agent.reply(ticket.id, "internal only", internal=True)
    requests.patch(
        f"{web.url}{API}/tickets/{ticket.id}",
        json={"status": "solved"},
        headers={"Authorization": f"Bearer {web.admin_key}"},
        timeout=10,
    )
    csat_before = report(web)["csat"]
    client.rate(ticket.id, 5, user_token=token)
    data = report(web)
    tickets = data["tickets"]
    assert tickets["total"] == before["total"] + 1
    assert (
        tickets["first_response_seconds"]["count"] == before["first_response_seconds"]["count"] + 1
    )
    assert tickets["resolution_seconds"]["count"] == before["resolution_seconds"]["count"] + 1
    assert {"context": key, "tickets": 1} in tickets["by_context"]
    assert any(v["app_version"] == "7.7.7" for v in tickets["by_app_version"])
    assert data["csat"]["ratings"] == csat_before["ratings"] + 1
    assert data["csat"]["distribution"]["5"] == csat_before["distribution"]["5"] + 1


def test_dashboard_charts_content_gaps_and_csv(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    gap = "=hyperlink(" + uuid.uuid4().hex[:6]
    search_as(web, "spreadsheet-attacker", gap)
    admin = staff("admin")
    page = admin.get("/admin/analytics/").text
    assert page.count("<svg") >= 4 and "Content gaps" in page and "Write an article" in page
    assert "/admin/articles/new?title=" in page
    week = admin.get("/admin/analytics/", params={"days": "7"})
    assert week.status_code == 200 and 'aria-current="true">7 days' in week.text
    bad = admin.get("/admin/analytics/", params={"from": "nope"}).text
    assert "dates look like" in bad
    exported = admin.get("/admin/analytics/export/zero_result_queries.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in exported.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["query", "searches", "last_searched"]
    assert any(row[0] == "'" + gap for row in rows[1:])  # a formula is kept as text
    assert admin.get("/admin/analytics/export/nope.csv").status_code == 404
    for name in (
        "searches",
        "top_queries",
        "articles",
        "tickets_by_context",
        "tickets_by_app_version",
        "tickets",
    ):
        assert admin.get(f"/admin/analytics/export/{name}.csv").status_code == 200, name
