"""Analytics for admins: what people search for (and do not find), which articles help, how
often help deflects a ticket, where tickets come from, how fast agents answer, and CSAT.

Every figure is defined here and in the README (Analytics), for a range of whole UTC days:

- *searches*: searches logged in the range (API and help center, first page only; a query
  extending or trimming the same person's query of the last 10 seconds replaces it);
  *searches with no results*: those that found nothing; *content gaps*: the queries (case
  folded) all of whose searches in the range found nothing;
- *article views*: the times the server served the published article (the widget, the help
  center, the API, the SDK: every read, any translation, counted per slug): *in the range*
  counts those of the range, *all time* is the article's view counter, which grows with the
  same reads (and holds those from before dated views were kept);
- *helpful votes*: "was this helpful?" answers given in the range (the score, all time);
- *help session*: one person's help activity (help opened, article viewed, contact opened,
  ticket filed) with no gap longer than :data:`SESSION_GAP`; a person is the browser the
  events came from (its address and User-Agent, hashed), because the widget makes up a new
  visit id on every page load; a session belongs to the range it starts in;
- *deflection rate*: of the help sessions that opened help or viewed an article, the share
  in which the person filed no ticket; a ticket filed through the API by a user or visitor
  is recorded by the server, and one the widget reports counts too;
- *tickets*: tickets filed in the range, per day, context key and app version;
- *first response time*: for the tickets filed in the range, from filing to the first reply
  the requester can see (internal notes do not count); tickets still unanswered and not
  solved are *awaiting a first response*;
- *resolution time*: for the tickets filed in the range that are solved or closed now, from
  filing to when they were (last) solved;
- *CSAT*: of the ratings given in the range, the share of 4 and 5 out of 5.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .. import clock
from ..errors import ValidationFailed
from ..store import Database
from ..store import analytics as store

DEFAULT_DAYS = 30
MAX_DAYS = 366
SESSION_GAP = 30 * 60  # web analytics' usual inactivity timeout for a visit
_HELPED = frozenset({"help_opened", "article_viewed"})
TOP = 20


@dataclass(frozen=True)
class DateRange:
    """Whole UTC days, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    @classmethod
    def parse(cls, first: str | None, last: str | None, days: int = DEFAULT_DAYS) -> DateRange:
        today = datetime.fromtimestamp(clock.now(), tz=timezone.utc).date()
        try:
            end = date.fromisoformat(last) if last else today
            start = date.fromisoformat(first) if first else end - timedelta(days=days - 1)
        except ValueError:
            raise ValidationFailed(
                "dates look like 2025-01-31", details={"from": [first or ""], "to": [last or ""]}
            ) from None
        if start > end:
            raise ValidationFailed(
                "the range ends before it starts", details={"from": [str(start)]}
            )
        if (end - start).days + 1 > MAX_DAYS:
            raise ValidationFailed(f"a range covers at most {MAX_DAYS} days", details={})
        return cls(start, end)

    @property
    def start(self) -> str:
        return f"{self.first.isoformat()}T00:00:00.000Z"

    @property
    def end(self) -> str:
        return f"{(self.last + timedelta(days=1)).isoformat()}T00:00:00.000Z"

    def days(self) -> list[str]:
        count = (self.last - self.first).days + 1
        return [(self.first + timedelta(days=n)).isoformat() for n in range(count)]


def durations(values: Sequence[float]) -> dict[str, Any]:
    """Count, median, average and 90th percentile of durations in seconds."""
    if not values:
        return {"count": 0, "median": None, "average": None, "p90": None}
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "median": round(statistics.median(ordered)),
        "average": round(statistics.fmean(ordered)),
        "p90": round(ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]),
    }


def _fill(days: list[str], rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    found = {r["day"]: r for r in rows}
    return [{"day": d, **{n: int(found.get(d, {}).get(n) or 0) for n in names}} for d in days]


class Analytics:
    def __init__(self, db: Database) -> None:
        self.db = db

    def report(self, app_id: str, span: DateRange) -> dict[str, Any]:
        start, end = span.start, span.end
        with self.db.read() as conn:
            searches = _fill(
                span.days(), store.searches_by_day(conn, app_id, start, end), "total", "zero"
            )
            top = store.top_queries(conn, app_id, start, end, zero_only=False, limit=TOP)
            gaps = store.top_queries(conn, app_id, start, end, zero_only=True, limit=TOP)
            totals = store.article_totals(conn, app_id)
            viewed = store.views_in_range(conn, app_id, start, end)
            votes = store.feedback_in_range(conn, app_id, start, end)
            # A day either side: sessions that began before the range, or run past its end.
            before = (span.first - timedelta(days=1)).isoformat() + "T00:00:00.000Z"
            after = (span.last + timedelta(days=2)).isoformat() + "T00:00:00.000Z"
            activity = store.help_activity(conn, app_id, before, after)
            by_context = store.tickets_by(conn, app_id, start, end, "context_key", TOP)
            by_version = store.tickets_by(conn, app_id, start, end, "app_version", TOP)
            per_day = _fill(span.days(), store.tickets_by_day(conn, app_id, start, end), "total")
            times = store.ticket_times(conn, app_id, start, end)
            scores = store.ratings(conn, app_id, start, end)
        total_searches = sum(d["total"] for d in searches)
        zero = sum(d["zero"] for d in searches)
        return {
            "range": {"from": span.first.isoformat(), "to": span.last.isoformat()},
            "searches": {
                "total": total_searches,
                "zero_results": zero,
                "zero_result_rate": round(zero / total_searches, 4) if total_searches else None,
                "by_day": searches,
                "top_queries": [_query(q) for q in top],
                "zero_result_queries": [_query(q) for q in gaps],
            },
            "articles": _articles(totals, viewed, votes),
            "deflection": deflection(help_sessions(activity), start, end),
            "tickets": {
                "total": sum(d["total"] for d in per_day),
                "by_day": per_day,
                "by_context": [
                    {"context": r["value"], "tickets": r["tickets"]} for r in by_context
                ],
                "by_app_version": [
                    {"app_version": r["value"], "tickets": r["tickets"]} for r in by_version
                ],
                **_times(times),
            },
            "csat": _csat(scores),
        }


@dataclass
class HelpSession:
    person: str
    started: str  # ISO time of its first event
    last: float
    helped: bool = False  # opened help or viewed an article
    ticket: bool = False


def help_sessions(activity: Sequence[Mapping[str, Any]]) -> list[HelpSession]:
    """Group help events (oldest first) into help sessions: per person, split by a gap
    longer than :data:`SESSION_GAP`."""
    open_sessions: dict[str, HelpSession] = {}
    done: list[HelpSession] = []
    for event in activity:
        # Rows from before people were told apart by browser have no actor: their visit id.
        person = event["actor"] or f"session:{event['session']}"
        at = clock.parse_iso(event["created_at"])
        current = open_sessions.get(person)
        if current is None or at - current.last > SESSION_GAP:
            if current is not None:
                done.append(current)
            current = open_sessions[person] = HelpSession(person, event["created_at"], at)
        current.last = at
        current.helped = current.helped or event["type"] in _HELPED
        current.ticket = current.ticket or event["type"] == "ticket_created"
    return done + list(open_sessions.values())


def deflection(sessions: Sequence[HelpSession], start: str, end: str) -> dict[str, Any]:
    """Of the help sessions starting in [start, end) that opened help or viewed an article,
    those without a ticket."""
    helped = [s for s in sessions if s.helped and start <= s.started < end]
    followed = sum(1 for s in helped if s.ticket)
    count = len(helped)
    return {
        "help_sessions": count,
        "followed_by_ticket": followed,
        "deflected": count - followed,
        "rate": round((count - followed) / count, 4) if count else None,
    }


def _query(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "query": row["query"],
        "searches": int(row["searches"]),
        "average_results": round(float(row["average_results"] or 0), 1),
        "last_searched": row["last_searched"],
        "locales": sorted(set((row["locales"] or "").split(",")) - {""}),
    }


def _articles(
    totals: list[dict[str, Any]],
    viewed: Mapping[str, int],
    votes: Mapping[str, tuple[int, int]],
) -> list[dict[str, Any]]:
    items = []
    for row in totals:
        yes, no = votes.get(row["slug"], (0, 0))
        all_yes, all_no = int(row["yes"] or 0), int(row["no"] or 0)
        items.append(
            {
                "slug": row["slug"],
                "title": row["title"],
                "locales": sorted(set((row["locales"] or "").split(","))),
                "views": viewed.get(row["slug"], 0),
                "views_all_time": int(row["views"] or 0),
                "helpful": yes,
                "not_helpful": no,
                "helpful_all_time": all_yes,
                "not_helpful_all_time": all_no,
                "helpfulness": round(all_yes / (all_yes + all_no), 4) if all_yes + all_no else None,
            }
        )
    items.sort(key=lambda a: (-a["views"], -a["views_all_time"], a["title"]))
    return items[:TOP]


def _times(rows: list[dict[str, Any]]) -> dict[str, Any]:
    first, resolved, waiting = [], [], 0
    for row in rows:
        created = clock.parse_iso(row["created_at"])
        if row["first_reply"]:
            first.append(clock.parse_iso(row["first_reply"]) - created)
        elif row["status"] in {"new", "open", "pending"}:
            waiting += 1
        if row["solved_at"] and row["status"] in {"solved", "closed"}:
            resolved.append(clock.parse_iso(row["solved_at"]) - created)
    return {
        "awaiting_first_response": waiting,
        "first_response_seconds": durations(first),
        "resolution_seconds": durations(resolved),
    }


def _csat(scores: Mapping[int, int]) -> dict[str, Any]:
    count = sum(scores.values())
    satisfied = scores.get(4, 0) + scores.get(5, 0)
    return {
        "ratings": count,
        "score": round(satisfied / count, 4) if count else None,
        "average": round(sum(s * n for s, n in scores.items()) / count, 2) if count else None,
        "distribution": {str(s): scores.get(s, 0) for s in range(1, 6)},
    }


CSV_REPORTS = {
    "searches": ("day", "total", "zero"),
    "top_queries": ("query", "searches", "average_results", "last_searched"),
    "zero_result_queries": ("query", "searches", "last_searched"),
    "articles": (
        "slug",
        "title",
        "views",
        "views_all_time",
        "helpful",
        "not_helpful",
        "helpfulness",
    ),
    "tickets_by_context": ("context", "tickets"),
    "tickets_by_app_version": ("app_version", "tickets"),
    "tickets": ("day", "total"),
}


def csv_rows(name: str, report: Mapping[str, Any]) -> tuple[Sequence[str], list[list[Any]]]:
    """The header and rows of one of :data:`CSV_REPORTS`."""
    sources = {
        "searches": report["searches"]["by_day"],
        "top_queries": report["searches"]["top_queries"],
        "zero_result_queries": report["searches"]["zero_result_queries"],
        "articles": report["articles"],
        "tickets_by_context": report["tickets"]["by_context"],
        "tickets_by_app_version": report["tickets"]["by_app_version"],
        "tickets": report["tickets"]["by_day"],
    }
    header = CSV_REPORTS[name]
    return header, [[row.get(col, "") for col in header] for row in sources[name]]
