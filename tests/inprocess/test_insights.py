"""Repeated issues and spikes through the API, on a generated corpus of realistic tickets filed
through the real API into a real SQLite file (pinned clock): cluster purity and recall, failed
searches joined to their group, app isolation, who may read, stable ids, an article's effect
on its group's rate, spikes on a synthetic release, and each spike told once."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from support_server import bootstrap, clock
from support_server.app import create_app
from support_server.services import apps as app_service

from ..worker.smtp import SmtpServer, start_smtp
from .conftest import ORIGIN, InProcess, PinnedClock

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import ticket_corpus

DAY = 86_400.0


@pytest.fixture
def relay() -> Iterator[SmtpServer]:
    with start_smtp() as smtp:
        yield smtp


@pytest.fixture
def server(tmp_path: Path, pinned_clock: PinnedClock, relay: SmtpServer) -> Iterator[InProcess]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir, [ORIGIN])
    app: Flask = create_app(
        data_dir=data_dir,
        overrides={
            "SUPPORT_RATE_LIMITS_ENABLED": False,
            "SUPPORT_SMTP_URL": relay.url,
            "SUPPORT_PUBLIC_URL": "http://support.test",
        },
    )
    app.config["TESTING"] = True
    yield InProcess(app, app.test_client(), creds, pinned_clock, data_dir)
    rt = app.extensions["support"]
    rt.index.close()
    rt.db.close()


def rt_of(server: InProcess) -> Any:
    return server.app.extensions["support"]


def key(server: InProcess, role: str, app_id: str | None = None) -> dict[str, str]:
    made, _ = app_service.create_key(rt_of(server).db, app_id or server.app_id, role)
    return {"Authorization": f"Bearer {made}"}


def file(
    server: InProcess,
    subject: str,
    body: str,
    *,
    context: str = "",
    version: str = "",
    headers: dict[str, str] | None = None,
) -> str:
    ctx = {k: v for k, v in (("context_key", context), ("app_version", version)) if v}
    r = server.http.post(
        "/api/v1/tickets",
        json={"subject": subject, "body": body, "email": "c@example.com", "context": ctx},
        headers=headers or server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


def file_corpus(server: InProcess, count: int, *, days: int = 60) -> dict[str, str]:
    """The generated corpus, filed day by day over ``days`` days; returns topic by ticket id."""
    start = server.clock.value
    topics = {}
    for t in sorted(ticket_corpus.tickets(count, days=days), key=lambda t: (t.day, t.key)):
        server.clock.value = start - (days - t.day) * DAY
        topics[file(server, t.subject, t.body, context=t.context, version=t.app_version)] = t.topic
    server.clock.value = start
    return topics


def repeated(server: InProcess, headers: dict[str, str] | None = None, **args: Any) -> Any:
    r = server.http.get(
        "/api/v1/insights/repeated", query_string=args, headers=headers or server.staff_headers()
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_groups_are_pure_and_each_topic_is_found_whole(server: InProcess) -> None:
    topics = file_corpus(server, 400)
    items = repeated(server)["items"]
    named = sorted({t for t in topics.values() if t})
    # Every topic is one group: most of its tickets in it, and nothing else in it.
    for topic in named:
        members = [i for i, t in topics.items() if t == topic]
        best = max(items, key=lambda g: sum(topics[i] == topic for i in g["ticket_ids"]))
        inside = sum(topics[i] == topic for i in best["ticket_ids"])
        assert inside / len(members) >= 0.9, (topic, inside, len(members))
        assert inside / len(best["ticket_ids"]) >= 0.95, (
            topic,
            Counter(topics[i] for i in best["ticket_ids"]),
        )
    # Biggest first, and the noise never makes a group as big as a topic.
    sizes = [g["tickets"] for g in items]
    assert sizes == sorted(sizes, reverse=True)
    smallest_topic = min(sum(t == n for t in topics.values()) for n in named)
    for g in items:
        if Counter(topics[i] for i in g["ticket_ids"]).most_common(1)[0][0] == "":
            assert g["tickets"] < smallest_topic / 3, g["label"]
    top = items[0]
    assert top["contexts"][0]["tickets"] >= 0.9 * top["tickets"]
    assert top["sample_subjects"] and top["label"] in top["sample_subjects"]
    assert {v["version"] for v in top["app_versions"]} <= {"2.2.0", "2.3.0", "2.3.1"}


def test_typos_and_failed_searches_join_their_group_and_ids_are_stable(
    server: InProcess,
) -> None:
    for subject in (
        "CSV export is empty",
        "export to csv gives a blank file",
        "the exported CSV has no rows",
    ):
        file(
            server,
            subject,
            "Export of the report gives an empty csv file.",
            context="reports.export",
        )
    file(server, "exprot is emtpy", "my exprot is emtpy", context="reports.export")
    for subject in (
        "Cannot upload a profile photo",
        "profile picture upload fails",
        "avatar upload error on my profile",
    ):
        file(server, subject, "The photo upload spins forever.", context="profile.photo")
    with rt_of(server).db.write() as conn:
        for query in ("csv export empty", "csv export empty", "blank csv export", "zzzz qqqq"):
            conn.execute(
                "INSERT INTO search_log (app_id, query, locale, results, created_at)"
                " VALUES (?, ?, 'en', 0, ?)",
                (server.app_id, query, clock.iso()),
            )
    items = repeated(server)["items"]
    assert len(items) == 2
    export = next(g for g in items if g["contexts"][0]["key"] == "reports.export")
    assert export["tickets"] == 4  # the misspelt one too
    assert export["failed_searches"] == 3
    assert export["sample_queries"][0] == "csv export empty"
    again = repeated(server)["items"]
    assert [g["id"] for g in again] == [g["id"] for g in items]
    one = server.http.get(
        f"/api/v1/insights/repeated/{export['id']}", headers=server.staff_headers()
    )
    assert one.status_code == 200 and one.get_json()["tickets"] == 4
    missing = server.http.get("/api/v1/insights/repeated/grp_nope", headers=server.staff_headers())
    assert missing.status_code == 404


def test_resolving_replies_come_with_the_group(server: InProcess) -> None:
    ids = [
        file(server, s, "The csv is empty.", context="reports.export")
        for s in ("CSV export is empty", "blank csv export", "empty CSV when exporting")
    ]
    reply = "Exports over 10,000 rows are emailed: check your inbox."
    r = server.http.post(
        f"/api/v1/tickets/{ids[0]}/messages", json={"body": reply}, headers=server.staff_headers()
    )
    assert r.status_code == 201, r.get_json()
    r = server.http.patch(
        f"/api/v1/tickets/{ids[0]}", json={"status": "solved"}, headers=server.staff_headers()
    )
    assert r.status_code == 200, r.get_json()
    group = repeated(server)["items"][0]
    assert [x["body"] for x in group["resolving_replies"]] == [reply]
    assert group["resolving_replies"][0]["ticket_id"] == ids[0]


def test_one_app_never_sees_or_merges_another_apps_tickets(server: InProcess) -> None:
    other = app_service.create_app(rt_of(server).db, "Other", [ORIGIN])
    theirs = key(server, "admin", other["id"])
    for s in ("CSV export is empty", "blank csv export", "empty CSV when exporting"):
        file(server, s, "csv empty", context="reports.export")
    for s in ("CSV export is empty", "csv export blank", "export csv gives nothing"):
        file(server, s, "csv empty", context="their.export", headers=theirs)
    mine = repeated(server)["items"]
    assert [g["contexts"] for g in mine] == [[{"key": "reports.export", "tickets": 3}]]
    other_items = repeated(server, theirs)["items"]
    assert [g["contexts"] for g in other_items] == [[{"key": "their.export", "tickets": 3}]]
    assert not set(mine[0]["ticket_ids"]) & set(other_items[0]["ticket_ids"])
    # Their group's id is not a way into our data, nor ours into theirs.
    r = server.http.get(f"/api/v1/insights/repeated/{mine[0]['id']}", headers=theirs)
    assert r.status_code == 404 or r.get_json()["ticket_ids"] == other_items[0]["ticket_ids"]


def test_only_agents_read_insights(server: InProcess) -> None:
    for path in ("/api/v1/insights/repeated", "/api/v1/insights/spikes"):
        assert server.http.get(path).status_code == 401
        assert server.http.get(path, headers=key(server, "writer")).status_code == 403
        assert server.http.get(path, headers=key(server, "agent")).status_code == 200
    bad = server.http.get("/api/v1/insights/repeated?days=0", headers=server.staff_headers())
    assert bad.status_code == 422 and "days" in bad.get_json()["error"]["details"]


def publish(server: InProcess, slug: str) -> None:
    r = server.http.post(
        "/api/v1/articles",
        json={
            "slug": slug,
            "title": "Exporting to CSV",
            "body": "# Export\n\nBig exports are emailed.",
            "status": "published",
        },
        headers=server.staff_headers(),
    )
    assert r.status_code == 201, r.get_json()


def test_a_linked_article_shows_the_groups_rate_before_and_since(server: InProcess) -> None:
    start = server.clock.value
    subjects = ["CSV export is empty", "blank csv export", "empty CSV when exporting"]
    for week in range(4):  # twelve a week for four weeks...
        for i in range(12):
            server.clock.value = start - (28 - week * 7) * DAY + i * 3600
            file(server, subjects[i % 3], "the csv file is empty", context="reports.export")
    server.clock.value = start
    publish(server, "csv-export")
    group = repeated(server)["items"][0]
    r = server.http.post(
        f"/api/v1/insights/repeated/{group['id']}/article",
        json={"article": "csv-export"},
        headers=server.staff_headers(),
    )
    assert r.status_code == 200, r.get_json()
    for i in range(4):  # ...then two a week for two weeks
        server.clock.value = start + (i * 3.5 + 1) * DAY
        file(server, subjects[i % 3], "csv export is empty again", context="reports.export")
    server.clock.value = start + 14 * DAY
    group = repeated(server)["items"][0]
    article = group["article"]
    assert article["slug"] == "csv-export" and article["title"] == "Exporting to CSV"
    assert (article["per_week_before"], article["per_week_since"]) == (12.0, 2.0)
    assert (article["tickets_before"], article["tickets_since"]) == (48, 4)

    refused = server.http.post(
        f"/api/v1/insights/repeated/{group['id']}/article",
        json={"article": "no-such-article"},
        headers=server.staff_headers(),
    )
    assert refused.status_code == 422 and "article" in refused.get_json()["error"]["details"]
    assert repeated(server)["items"][0]["article"]["slug"] == "csv-export"  # nothing lost
    gone = server.http.delete(
        f"/api/v1/insights/repeated/{group['id']}/article", headers=server.staff_headers()
    )
    assert gone.status_code == 204
    assert repeated(server)["items"][0]["article"] is None


def release(server: InProcess) -> None:
    """Two weeks of steady traffic on three contexts and two versions, then version 2.3.1
    ships and reports.export tickets on it jump."""
    start = server.clock.value
    steady = [
        ("reports.export", "Export question", "How do I export a report?"),
        ("billing.invoices", "Invoice question", "Where is my invoice?"),
        ("calendar.sync", "Calendar question", "The calendar sync is slow."),
    ]
    for day in range(14):
        for n, (context, subject, body) in enumerate(steady):
            server.clock.value = start - (15 - day) * DAY + n * 3600
            file(server, subject, body, context=context, version=("2.3.0", "2.2.0")[day % 2])
    for n in range(12):  # the new release: 12 export tickets in a day
        server.clock.value = start - DAY + 3600 + n * 1800
        file(
            server,
            "CSV export empty",
            "Since the update the export is blank",
            context="reports.export",
            version="2.3.1",
        )
    for n, (context, subject, body) in enumerate(steady[1:]):  # the others as usual
        server.clock.value = start - DAY + 7200 + n * 3600
        file(server, subject, body, context=context, version="2.3.1")
    server.clock.value = start


def test_a_bad_release_is_a_spike_and_steady_contexts_are_not(server: InProcess) -> None:
    release(server)
    r = server.http.get("/api/v1/insights/spikes", headers=server.staff_headers())
    assert r.status_code == 200
    items = r.get_json()["items"]
    flagged = {(s["kind"], s["context"], s["app_version"]) for s in items}
    assert ("pair", "reports.export", "2.3.1") in flagged
    # The context's and the version's spikes are this pair's: told once, by the pair.
    assert ("context", "reports.export", None) not in flagged
    assert not any(s["kind"] == "app_version" for s in items)
    assert not any(s["context"] in ("billing.invoices", "calendar.sync") for s in items)
    pair = next(s for s in items if s["kind"] == "pair")
    assert pair["label"].startswith("2.3.1: reports.export tickets ")
    assert pair["tickets"] == 12 and pair["ratio"] >= 3 and pair["new_version"]
    assert len(pair["ticket_ids"]) == 12


def test_a_few_tickets_on_a_quiet_context_are_not_a_spike(server: InProcess) -> None:
    start = server.clock.value
    server.clock.value = start - 10 * DAY
    file(server, "Question", "one old ticket", context="quiet.place", version="2.3.0")
    for n in range(3):
        server.clock.value = start - 3600 * (n + 1)
        file(server, "Question", "three new ones", context="quiet.place", version="2.3.0")
    server.clock.value = start
    r = server.http.get("/api/v1/insights/spikes", headers=server.staff_headers())
    assert r.get_json()["items"] == []


def test_each_spike_is_told_to_agents_once(server: InProcess, relay: SmtpServer) -> None:
    rt = rt_of(server)
    rt.staff.create_user(
        "ana", "correct horse battery", "agent", server.app_id, "Ana", email="ana@example.com"
    )
    release(server)
    assert rt.spikes.notify() >= 1
    assert rt.spikes.notify() == 0  # the next hour: already told
    runner = rt.job_runner("w1")
    while runner.run_one():
        pass
    told = relay.to("ana@example.com", "Spike: 2.3.1: reports.export")
    assert len(told) == 1, [str(c.message["Subject"]) for c in relay.caught]
