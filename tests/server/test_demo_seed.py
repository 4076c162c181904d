"""The demo's first start seeds a fortnight of sample activity, once, through the services."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support_server import clock
from support_server.cli import _runtime
from support_server.demo import DEMO_USER, prepare
from support_server.demo_data import PEOPLE, SEARCHES, TICKETS
from support_server.principal import Principal
from support_server.runtime import Runtime
from support_server.services.analytics import DateRange

ROOT = Path(__file__).resolve().parent.parent.parent
DAY = 24 * 3600
ORIGIN = "http://127.0.0.1:8123"


@pytest.fixture
def runtimes() -> Iterator[Callable[[Path], Runtime]]:
    """``_runtime`` as the CLI builds it, closed after the test (the index holds open files)."""
    made: list[Runtime] = []

    def build(data_dir: Path) -> Runtime:
        made.append(_runtime(data_dir))
        return made[-1]

    yield build
    for rt in made:
        rt.close()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    return data_dir, prepare(data_dir, ORIGIN, None)


def test_a_fresh_demo_has_tickets_in_the_inbox(
    demo_dir: tuple[Path, dict[str, Any]], runtimes: Callable[[Path], Runtime]
) -> None:
    data_dir, creds = demo_dir
    rt = runtimes(data_dir)
    inbox = rt.inbox.page([creds["app_id"]], view="all")
    assert inbox["total"] == len(TICKETS) >= 6
    assert inbox["counts"]["solved"] >= 1 and inbox["counts"]["unsolved"] >= 4
    unsolved = rt.inbox.page([creds["app_id"]])
    assert unsolved["total"] == inbox["counts"]["unsolved"]
    # Filed over the last two weeks, newest first, never in the future.
    created = [clock.parse_iso(t["created_at"]) for t in inbox["items"]]
    assert max(created) <= clock.now() and min(created) >= clock.now() - 15 * DAY
    assert max(created) - min(created) > 10 * DAY

    agent = Principal(creds["app_id"], "staff", "key", role="agent")
    tickets = [rt.tickets.get(agent, t["public_id"]) for t in inbox["items"]]
    requesters = {t["requester"]["name"] for t in tickets}
    assert len(requesters) >= 4
    messages = [m for t in tickets for m in t["messages"]]
    assert sum(m["author"]["kind"] == "agent" and not m["internal"] for m in messages) >= 2
    assert any(m["internal"] for m in messages)
    rated = [t for t in tickets if t["rating"]]
    assert rated and all(t["status"] == "solved" for t in rated)
    for ticket in tickets:  # contexts as the widget sends them from the demo page
        context = ticket["context"]
        assert context["url"].startswith(f"{ORIGIN}/")
        assert context["title"].endswith(" · Ledgerly")
        assert context["app_version"] and "Mozilla/5.0" in context["user_agent"]
        slugs = {
            a["slug"]
            for a in rt.articles.suggestions(
                creds["app_id"], context=context["context_key"], url=None, locale="en", limit=5
            )
        }
        assert slugs, f"no article for {context['context_key']}"


def test_the_demo_user_sees_their_tickets_and_replies(
    demo_dir: tuple[Path, dict[str, Any]], runtimes: Callable[[Path], Runtime]
) -> None:
    data_dir, creds = demo_dir
    rt = runtimes(data_dir)
    ada = PEOPLE["ada"]
    assert DEMO_USER["user_id"] == ada.id
    me = Principal(creds["app_id"], "user", ada.id, email=ada.email, name=ada.name)
    mine, _ = rt.tickets.list(me, status=None, cursor=None, limit=20)
    assert len(mine) >= 2
    shown = [m for t in mine for m in t["messages"]]
    assert any(m["author"]["kind"] == "agent" for m in shown)
    assert not any(m["internal"] for m in shown)  # notes never reach the requester


def test_the_analytics_summary_has_shape(
    demo_dir: tuple[Path, dict[str, Any]], runtimes: Callable[[Path], Runtime]
) -> None:
    data_dir, creds = demo_dir
    report = runtimes(data_dir).analytics.report(creds["app_id"], DateRange.parse(None, None))
    searches = report["searches"]
    assert searches["total"] == len(SEARCHES)
    assert 0 < searches["zero_results"] < searches["total"]
    assert "payroll" in [q["query"] for q in searches["zero_result_queries"]]
    assert sum(1 for day in searches["by_day"] if day["total"]) >= 10  # spread over days
    assert report["deflection"]["help_sessions"] > report["deflection"]["deflected"] > 0
    assert report["tickets"]["total"] == len(TICKETS)
    assert report["tickets"]["first_response_seconds"]["count"] >= 2
    assert report["tickets"]["resolution_seconds"]["count"] >= 1
    assert report["csat"]["ratings"] >= 1
    viewed = [a for a in report["articles"] if a["views"]]
    assert len(viewed) >= 5


def test_the_readme_describes_the_sample_activity() -> None:
    words = {3: "three", 5: "five", 11: "eleven", 30: "thirty"}
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split())
    rated = sum(any(step.kind == "rating" for step in t.steps) for t in TICKETS)
    assert f"{words[len(TICKETS)]} tickets from {words[len(PEOPLE)]} customers" in readme
    assert f"{words[rated]} solved tickets with CSAT ratings" in readme
    assert f"{words[len(SEARCHES)]} searches" in readme


def test_restarting_the_demo_seeds_nothing_more(
    demo_dir: tuple[Path, dict[str, Any]], runtimes: Callable[[Path], Runtime]
) -> None:
    data_dir, creds = demo_dir
    again = prepare(data_dir, "http://127.0.0.1:9999", None)
    assert again["app_id"] == creds["app_id"]
    rt = runtimes(data_dir)
    assert rt.inbox.page([creds["app_id"]], view="all")["total"] == len(TICKETS)
    report = rt.analytics.report(creds["app_id"], DateRange.parse(None, None))
    assert report["searches"]["total"] == len(SEARCHES)
    stored = json.loads((data_dir / "demo-credentials.json").read_text(encoding="utf-8"))
    assert stored["admin_password"] == creds["admin_password"]


def test_the_demo_has_a_repeated_issue_with_the_reply_that_solved_it(
    demo_dir: tuple[Path, dict[str, Any]], runtimes: Callable[[Path], Runtime]
) -> None:
    data_dir, creds = demo_dir
    rt = runtimes(data_dir)
    (bank,) = [g for g in rt.repeated.groups(creds["app_id"])["items"] if "bank" in g["terms"]]
    assert bank["tickets"] == 3 and bank["contexts"] == [{"key": "dashboard", "tickets": 3}]
    assert "Reconnect" in bank["resolving_replies"][0]["body"]
