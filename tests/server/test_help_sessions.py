"""Help sessions and deflection from help events (the pure part of services/analytics.py)."""

from __future__ import annotations

from support_server import clock
from support_server.services.analytics import SESSION_GAP, deflection, help_sessions

T0 = clock.parse_iso("2025-03-10T09:00:00.000Z")
DAY = ("2025-03-10T00:00:00.000Z", "2025-03-11T00:00:00.000Z")


def row(kind: str, minutes: float, actor: str = "ada", session: str = "v1") -> dict[str, str]:
    return {
        "type": kind,
        "session": session,
        "actor": actor,
        "created_at": clock.iso(T0 + minutes * 60),
    }


def test_a_gap_longer_than_thirty_minutes_starts_a_new_session() -> None:
    assert SESSION_GAP == 30 * 60
    sessions = help_sessions(
        [
            row("help_opened", 0, session="page1"),
            row("article_viewed", 10, session="page2"),  # a new page: still the same visit
            row("help_opened", 41),  # 31 minutes later: a new visit
            row("ticket_created", 60),
        ]
    )
    assert [(s.helped, s.ticket) for s in sessions] == [(True, False), (True, True)]
    assert deflection(sessions, *DAY) == {
        "help_sessions": 2,
        "followed_by_ticket": 1,
        "deflected": 1,
        "rate": 0.5,
    }


def test_people_are_apart_and_ticket_only_sessions_are_no_help_sessions() -> None:
    sessions = help_sessions(
        [
            row("help_opened", 0, actor="ada"),
            row("ticket_created", 1, actor="bob"),  # never opened help
            row("contact_opened", 2, actor="cy"),  # opened the form only
            row("ticket_created", 3, actor="cy"),
        ]
    )
    assert deflection(sessions, *DAY)["help_sessions"] == 1
    assert deflection(sessions, *DAY)["rate"] == 1.0


def test_a_session_belongs_to_the_day_it_starts() -> None:
    late = clock.parse_iso("2025-03-10T23:50:00.000Z")
    events = [
        {"type": "help_opened", "session": "v", "actor": "ada", "created_at": clock.iso(late)},
        {
            "type": "ticket_created",
            "session": "",
            "actor": "ada",
            "created_at": clock.iso(late + 20 * 60),  # after midnight, same visit
        },
    ]
    sessions = help_sessions(events)
    assert deflection(sessions, *DAY)["followed_by_ticket"] == 1
    next_day = ("2025-03-11T00:00:00.000Z", "2025-03-12T00:00:00.000Z")
    assert deflection(sessions, *next_day)["help_sessions"] == 0


def test_rows_without_a_person_fall_back_to_their_visit_id() -> None:
    sessions = help_sessions(
        [row("help_opened", 0, actor="", session="a"), row("help_opened", 1, actor="", session="b")]
    )
    assert len(sessions) == 2
    assert deflection([], *DAY)["rate"] is None
