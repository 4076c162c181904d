"""Articles that resolved tickets: per help article, the tickets solved in the range that an
agent's public reply linked to (as the composer inserts the link), in the summary API, the
admin dashboard and its CSV export; notes, unsolved tickets and other apps never count."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import uuid
from collections.abc import Callable
from typing import Any

import requests

from support_sdk import SupportClient

from ..conftest import LiveServer
from ..servers import cli
from .conftest import Staff

API = "/api/v1"


def resolving(server: LiveServer, key: str | None = None) -> dict[str, Any]:
    response = requests.get(
        server.url + API + "/analytics/summary",
        headers={"Authorization": f"Bearer {key or server.admin_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()["resolving_articles"]
    return found


def by_slug(figures: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["slug"]: item for item in figures["items"]}


def solve(server: LiveServer, ticket_id: str, key: str | None = None) -> None:
    response = requests.patch(
        f"{server.url}{API}/tickets/{ticket_id}",
        json={"status": "solved"},
        headers={"Authorization": f"Bearer {key or server.admin_key}"},
        timeout=10,
    )
    assert response.status_code == 200, response.text


def link_of(agent: Staff, ticket_id: str, words: str) -> str:
    """The article link the composer inserts (its picker's answer), as the server builds it."""
    answer = agent.get(f"/admin/tickets/{ticket_id}/articles", params={"q": words})
    assert answer.status_code == 200, answer.text
    item = answer.json()["items"][0]
    return f"{item['title']}: {item['url']}"


def test_articles_linked_in_replies_of_solved_tickets_count_once_per_ticket(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    marker = uuid.uuid4().hex[:8]
    linked, noted, gone = (f"{name}-{marker}" for name in ("linked", "noted", "gone"))
    with web.writer() as writer:
        for slug in (linked, noted, gone):
            writer.articles.create(
                f"Article {slug}", f"Words for {slug}.", slug=slug, status="published"
            )
    before = resolving(web)
    client = web.client()
    token = client.user_token(f"reader-{marker}", email="r@example.com")
    agent = staff("agent")
    tickets = [client.create_ticket(f"Question {n}", user_token=token) for n in range(5)]
    answered, unsolved, notes_only, deleted, untouched = (t.id for t in tickets)
    url = link_of(agent, answered, linked)
    assert f"/help/{web.app_id}/" in url and f"/articles/{linked}" in url
    note = link_of(agent, answered, noted)
    with web.writer() as writer:
        # Two links to the same article in two replies, one in a sentence: one ticket.
        writer.reply(answered, f"See {url}")
        writer.reply(answered, f"Or read [this]({url.split(': ', 1)[1]}?ref=mail).")
        writer.reply(answered, f"Internal: {note}", internal=True)
        writer.reply(unsolved, f"Have a look: {link_of(agent, unsolved, noted)}")
        writer.reply(notes_only, f"For us: {note}", internal=True)
        writer.reply(deleted, f"Here: {link_of(agent, deleted, gone)}")
        writer.reply(untouched, "No link in this one.")
    for ticket_id in (answered, notes_only, deleted, untouched):
        solve(web, ticket_id)
    with sqlite3.connect(web.data_dir / "support.db") as conn:  # no delete in the product yet
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("DELETE FROM articles WHERE app_id = ? AND slug = ?", (web.app_id, gone))

    after = resolving(web)
    assert after["solved"] == before["solved"] + 4
    assert after["with_article"] == before["with_article"] + 2
    assert after["share"] == round(after["with_article"] / after["solved"], 4)
    items = by_slug(after)
    assert items[linked]["tickets"] == 1 and items[linked]["title"] == f"Article {linked}"
    assert items[linked]["article_id"].startswith("art_")
    assert items[linked]["share"] == round(1 / after["solved"], 4)
    assert noted not in items  # linked only in notes, or in a reply of an unsolved ticket
    assert items[gone]["tickets"] == 1 and items[gone]["title"] is None
    assert items[gone]["article_id"] is None

    admin = staff("admin")
    page = admin.get("/admin/analytics/")
    assert page.status_code == 200
    assert "Articles that resolved tickets" in page.text
    assert f'href="/admin/articles/{items[linked]["article_id"]}"' in page.text
    assert gone in page.text and "(article not found)" in page.text
    exported = admin.get("/admin/analytics/export/resolving_articles.csv")
    assert exported.status_code == 200
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0] == ["slug", "title", "tickets", "share"]
    assert [linked, f"Article {linked}", "1", str(items[linked]["share"])] in rows
    assert [gone, "", "1", str(items[gone]["share"])] in rows
    assert admin.get("/admin/analytics/resolving_articles.csv").status_code == 200


def test_another_apps_tickets_never_count(web: LiveServer) -> None:
    made = json.loads(
        cli(
            "apps", "create", "Resolving elsewhere", "--data-dir", str(web.data_dir), "--json"
        ).stdout
    )
    marker = uuid.uuid4().hex[:8]
    slug = f"shared-{marker}"
    with web.writer() as writer:
        article = writer.articles.create("Here", "Words.", slug=slug, status="published")
    assert article.slug == slug
    here_before = resolving(web)
    other = SupportClient(web.url, app_id=made["app_id"], app_secret=made["app_secret"])
    token = other.user_token(f"elsewhere-{marker}", email="e@example.com")
    ticket = other.create_ticket("A question elsewhere", user_token=token)
    with SupportClient(web.url, app_id=made["app_id"], api_key=made["admin_api_key"]) as staff:
        staff.articles.create("There", "Words.", slug=slug, status="published")
        # Links to this app's article and to the other app's own one, same slug.
        staff.reply(
            ticket.id,
            f"{web.url}/help/{web.app_id}/en/articles/{slug} and"
            f" {web.url}/help/{made['app_id']}/en/articles/{slug}",
        )
    solve(web, ticket.id, made["admin_api_key"])
    here = resolving(web)
    assert here["solved"] == here_before["solved"]
    assert slug not in by_slug(here)
    there = resolving(web, made["admin_api_key"])
    assert there["solved"] == 1 and there["with_article"] == 1
    assert by_slug(there)[slug]["tickets"] == 1 and by_slug(there)[slug]["title"] == "There"


def test_a_duplicate_merged_away_is_not_a_solved_ticket(web: LiveServer) -> None:
    """Merging closes the duplicate: nobody solved it, so it is in none of the solved counts
    (the ticket it went into is, once solved)."""
    before = resolving(web)
    client = web.client()
    token = client.user_token(f"dup-{uuid.uuid4().hex[:8]}", email="d@example.com")
    kept, duplicate = (client.create_ticket(f"Export {n}", user_token=token) for n in (1, 2))
    merged = requests.post(
        f"{web.url}{API}/tickets/{duplicate.id}/merge",
        json={"into": kept.id},
        headers={"Authorization": f"Bearer {web.admin_key}"},
        timeout=10,
    )
    assert merged.status_code == 200, merged.text
    assert resolving(web)["solved"] == before["solved"]
    solve(web, kept.id)
    assert resolving(web)["solved"] == before["solved"] + 1
