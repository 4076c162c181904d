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
- *CSAT*: of the ratings given in the range, the share of 4 and 5 out of 5;
- *articles that resolved tickets*: of the tickets solved or closed now whose (last) solve is
  in the range, per help article, those an agent's public reply up to the solve linked to (a
  link to the article's help-center page, ``/help/<app>/<locale>/articles/<slug>``, any
  language; internal notes do not count; a ticket counts once per article), and the share of
  those tickets with any such link (:func:`resolving_articles`);
- *service levels* (SLA attainment, first-contact resolution, times by team and agent, the
  open backlog, tickets by tag, team and priority, CSAT by agent): :func:`service_levels`.
"""

from __future__ import annotations

import bisect
import csv
import io
import re
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from .. import clock
from ..errors import ValidationFailed
from ..store import Database
from ..store import analytics as store
from ..store import apps as app_store
from .business_time import BusinessHours
from .sla import METRICS as SLA_METRICS
from .sla import business_hours_of
from .tickets import PRIORITIES

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
        if start == date.min or end == date.max:  # the day either side must exist too
            raise ValidationFailed(
                "dates run from 0001-01-02 to 9999-12-30",
                details={"from": [str(start)], "to": [str(end)]},
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
        "p90": round(p90(ordered)),
    }


def p90(ordered: Sequence[float]) -> float:
    """The 90th percentile of sorted values, by nearest rank: the smallest value that at
    least 90% of the values are at or below (the ceil(0.9 n)-th; the largest of up to 9)."""
    return ordered[(9 * len(ordered) + 9) // 10 - 1]


def _fill(days: list[str], rows: list[dict[str, Any]], *names: str) -> list[dict[str, Any]]:
    found = {r["day"]: r for r in rows}
    return [{"day": d, **{n: int(found.get(d, {}).get(n) or 0) for n in names}} for d in days]


class Analytics:
    def __init__(self, db: Database, flush_searches: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self._flush_searches = flush_searches  # EventLog.flush: the searches not written yet

    def report(self, app_id: str, span: DateRange) -> dict[str, Any]:
        start, end = span.start, span.end
        self._flush_searches()
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
            solved = store.solved_count(conn, app_id, start, end)
            linked = linked_articles(app_id, store.solved_article_replies(conn, app_id, start, end))
            known = store.articles_by_slug(conn, app_id, sorted(linked))
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
            "resolving_articles": resolving_articles(solved, linked, known),
        }

    def service_levels(self, app_id: str, span: DateRange) -> dict[str, Any]:
        """SLA attainment, first-contact resolution, response and resolution times by team and
        agent, the open backlog, tickets by tag, team and priority, and CSAT by agent (see
        :func:`service_levels`)."""
        start, end = span.start, span.end
        with self.db.read() as conn:
            app = app_store.get_app(conn, app_id)
            rows = ServiceLevelRows(
                clocks=store.sla_clocks(conn, app_id, end),
                breaches=store.sla_breaches(conn, app_id),
                messages=store.replies_after_first_response(conn, app_id, end),
                solved=store.solved_with_replies(conn, app_id, start, end),
                times=store.ticket_times_by_owner(conn, app_id, start, end),
                backlog=store.backlog_times(conn, app_id, end),
                by_tag=store.tickets_by_tag(conn, app_id, start, end),
                by_team=store.tickets_by_team(conn, app_id, start, end),
                by_priority=store.tickets_by_priority(conn, app_id, start, end),
                by_field=store.tickets_by_field(conn, app_id, start, end),
                ratings=store.ratings_by_agent(conn, app_id, start, end),
            )
        hours = business_hours_of(app) if app else BusinessHours.always()
        return service_levels(rows, span, hours, clock.iso())


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


def article_links(app_id: str, body: str) -> set[str]:
    """The slugs of the app's help-center articles that ``body`` links to: a URL path
    ``/help/<app>/<locale>/articles/<slug>`` as the server builds it (the help center's
    article page, as the composer inserts it), under any host."""
    path = rf"/help/{re.escape(app_id)}/[A-Za-z0-9_-]+/articles/([a-z0-9][a-z0-9-]*)"
    return {slug.rstrip("-") for slug in re.findall(path, body)}


def linked_articles(app_id: str, replies: Iterable[Mapping[str, Any]]) -> dict[str, set[int]]:
    """Per article slug, the tickets whose replies (``ticket_id``, ``body``) link to it."""
    tickets: dict[str, set[int]] = defaultdict(set)
    for reply in replies:
        for slug in article_links(app_id, reply["body"]):
            tickets[slug].add(int(reply["ticket_id"]))
    return dict(tickets)


def resolving_articles(
    solved: int, linked: Mapping[str, set[int]], known: Mapping[str, Mapping[str, Any]]
) -> dict[str, Any]:
    """Of ``solved`` tickets, those with an article link (``linked``: per slug, the tickets),
    and the :data:`TOP` articles by tickets; ``known``: the articles that still exist (a link
    to one deleted since keeps its slug, with no title or id)."""
    with_link = len(set().union(*linked.values())) if linked else 0
    ranked = sorted(linked.items(), key=lambda pair: (-len(pair[1]), pair[0]))
    items = []
    for slug, tickets in ranked[:TOP]:
        article = known.get(slug) or {}
        items.append(
            {
                "slug": slug,
                "title": article.get("title"),
                "article_id": article.get("public_id"),
                "status": article.get("status"),
                "tickets": len(tickets),
                "share": round(len(tickets) / solved, 4) if solved else None,
            }
        )
    return {
        "solved": solved,
        "with_article": with_link,
        "share": round(with_link / solved, 4) if solved else None,
        "items": items,
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
    "resolving_articles": ("slug", "title", "tickets", "share"),
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
        "resolving_articles": report["resolving_articles"]["items"],
    }
    header = CSV_REPORTS[name]
    return header, [[row.get(col, "") for col in header] for row in sources[name]]


# -- service levels --------------------------------------------------------------------------
#
# Defined here and in the README (Analytics, service levels). Targets are those of each
# ticket's SLA clock (services.sla): a clock keeps the due times not met yet, so the due time
# of a met next-response or resolution target is worked out again here, the way the clock
# worked it out, with the app's business hours.

_MS_IN_MINUTES = 1 / 60_000  # due times are kept to the millisecond


@dataclass(frozen=True)
class SlaTarget:
    """One SLA target that fell due: met (in time) or missed (breached)."""

    metric: str
    due: str
    met: bool
    policy: str
    team: str | None
    agent: str | None


@dataclass(frozen=True)
class ServiceLevelRows:
    """What the service-level figures are computed from (see :mod:`..store.analytics`)."""

    clocks: list[dict[str, Any]]
    breaches: list[dict[str, Any]]
    messages: list[dict[str, Any]]
    solved: list[dict[str, Any]]
    times: list[dict[str, Any]]
    backlog: tuple[list[str], list[str]]
    by_tag: list[dict[str, Any]]
    by_team: list[dict[str, Any]]
    by_priority: Mapping[str, int]
    ratings: list[dict[str, Any]]
    by_field: list[dict[str, Any]] = field(default_factory=list)


def _dt(iso: str) -> datetime:
    return datetime.fromtimestamp(clock.parse_iso(iso), tz=timezone.utc)


def _after(hours: BusinessHours, iso: str, minutes: float) -> str:
    return clock.iso(hours.add(_dt(iso), max(0.0, minutes)).timestamp())


def sla_targets(
    clocks: Sequence[Mapping[str, Any]],
    breaches: Sequence[Mapping[str, Any]],
    messages: Sequence[Mapping[str, Any]],
    hours: BusinessHours,
    now: str,
) -> list[SlaTarget]:
    """Every SLA target of the app that fell due, whenever it fell due.

    - A recorded breach is a missed target, at its due time. A ticket has one first-response
      and one resolution target: its first breach of each, else its clock's.
    - First response: met if the first public agent reply came at or before the due time;
      missed if it came later, or not at all while the ticket was unsolved at the due time.
    - Resolution: met if the ticket was solved within the target (its due time then: the
      solve plus the business minutes left); missed if the due time passed unsolved.
    - Next response: each customer message after the first response, while no reply is owed,
      is owed a reply by its time plus the target; met if an agent replied by then. A due time
      still owed and past is missed even before the sweep records it.
    """
    targets: list[SlaTarget] = []
    first_breach: dict[tuple[int, str], Mapping[str, Any]] = {}
    next_breaches: set[tuple[int, str]] = set()
    for row in breaches:  # by ticket, metric and due time
        if row["metric"] == "next_response":
            next_breaches.add((row["ticket_id"], row["due_at"]))
            targets.append(
                SlaTarget(
                    "next_response",
                    row["due_at"],
                    False,
                    row["policy_name"],
                    row["team"],
                    row["agent"],
                )
            )
        else:
            first_breach.setdefault((row["ticket_id"], row["metric"]), row)
    for (_, metric), row in first_breach.items():
        targets.append(
            SlaTarget(metric, row["due_at"], False, row["policy_name"], row["team"], row["agent"])
        )
    thread: dict[int, list[Mapping[str, Any]]] = defaultdict(list)
    for message in messages:
        thread[message["ticket_id"]].append(message)

    for state in clocks:
        ticket = state["ticket_id"]
        aims = state["targets"]

        def target(metric: str, due: str, met: bool, state: Mapping[str, Any] = state) -> None:
            targets.append(
                SlaTarget(metric, due, met, state["policy_name"], state["team"], state["agent"])
            )

        resolved = state["resolved_at"]
        due = state["first_response_due"]
        if due and (ticket, "first_response") not in first_breach:
            answered = state["first_response_at"]
            if answered:
                target("first_response", due, answered <= due)
            elif due < (resolved or now):
                target("first_response", due, False)
        goal = aims.get("resolution")
        if goal and (ticket, "resolution") not in first_breach:
            if resolved:
                left = float(goal) - float(state["resolution_spent"] or 0)
                met = left >= -_MS_IN_MINUTES
                target("resolution", _after(hours, resolved, left) if met else resolved, met)
            elif state["resolution_due"] and state["resolution_due"] < now:
                target("resolution", state["resolution_due"], False)
        goal = aims.get("next_response")
        if goal and state["first_response_at"]:
            owed: str | None = None
            for message in thread.get(ticket, ()):
                if message["author_kind"] == "requester":
                    owed = owed or _after(hours, message["created_at"], float(goal))
                elif owed is not None:
                    if message["created_at"] <= owed:
                        target("next_response", owed, True)
                    owed = None  # replied late: its breach is recorded (above)
            still = state["next_response_due"]
            if still and not resolved and still < now and (ticket, still) not in next_breaches:
                target("next_response", still, False)
    return targets


def _share(met: int, missed: int) -> dict[str, Any]:
    due = met + missed
    return {
        "met": met,
        "missed": missed,
        "fell_due": due,
        "rate": round(met / due, 4) if due else None,
    }


def _tally(targets: Iterable[SlaTarget]) -> dict[str, Any]:
    counts = {metric: [0, 0] for metric in SLA_METRICS}
    for t in targets:
        counts[t.metric][0 if t.met else 1] += 1
    tally = {metric: _share(met, missed) for metric, (met, missed) in counts.items()}
    tally["all"] = _share(sum(c[0] for c in counts.values()), sum(c[1] for c in counts.values()))
    return tally


def _name_order(name: str | None) -> tuple[bool, str, str]:
    """Names A to Z (ignoring case), the missing one (no team, unassigned) last."""
    return (name is None, (name or "").casefold(), name or "")


def _grouped(
    items: Iterable[Any], key: Callable[[Any], str | None]
) -> list[tuple[str | None, list[Any]]]:
    groups: dict[str | None, list[Any]] = defaultdict(list)
    for item in items:
        groups[key(item)].append(item)
    return sorted(groups.items(), key=lambda pair: _name_order(pair[0]))


def attainment(targets: Sequence[SlaTarget], start: str, end: str) -> dict[str, Any]:
    """Per metric, targets met over targets that fell due in [start, end): overall, and per
    policy, team (now) and agent (the assignee now)."""
    due = [t for t in targets if start <= t.due < end]
    return {
        "overall": _tally(due),
        "by_policy": [
            {"policy": name, **_tally(group)} for name, group in _grouped(due, lambda t: t.policy)
        ],
        "by_team": [
            {"team": name, **_tally(group)} for name, group in _grouped(due, lambda t: t.team)
        ],
        "by_agent": [
            {"agent": name, **_tally(group)} for name, group in _grouped(due, lambda t: t.agent)
        ],
    }


def first_contact_resolution(solved: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """Of the tickets solved in the range, those solved with exactly one public agent reply."""
    count = len(solved)
    replies = [int(row["replies"]) for row in solved]
    one = replies.count(1)
    return {
        "solved": count,
        "one_reply": one,
        "rate": round(one / count, 4) if count else None,
        "by_replies": [
            {"replies": "0", "tickets": replies.count(0)},
            {"replies": "1", "tickets": one},
            {"replies": "2", "tickets": replies.count(2)},
            {"replies": "3+", "tickets": sum(1 for n in replies if n >= 3)},
        ],
    }


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def minutes(wall: Sequence[float], business: Sequence[float]) -> dict[str, Any]:
    """Count, median and 90th percentile of durations in minutes, wall-clock and business."""
    wall, business = sorted(wall), sorted(business)
    return {
        "tickets": len(wall),
        "median": _minutes(statistics.median(wall)) if wall else None,
        "p90": _minutes(p90(wall)) if wall else None,
        "business_median": _minutes(statistics.median(business)) if business else None,
        "business_p90": _minutes(p90(business)) if business else None,
    }


@dataclass(frozen=True)
class _Duration:
    wall: float
    business: float
    team: str | None
    agent: str | None


def _by_owner(durations: Sequence[_Duration]) -> dict[str, Any]:
    def summary(items: Sequence[_Duration]) -> dict[str, Any]:
        return minutes([d.wall for d in items], [d.business for d in items])

    return {
        "overall": summary(durations),
        "by_team": [{"team": n, **summary(g)} for n, g in _grouped(durations, lambda d: d.team)],
        "by_agent": [{"agent": n, **summary(g)} for n, g in _grouped(durations, lambda d: d.agent)],
    }


def response_times(
    rows: Sequence[Mapping[str, Any]], hours: BusinessHours
) -> tuple[dict[str, Any], dict[str, Any]]:
    """First response and resolution times (as in the summary: the tickets filed in the
    range) by team and agent, in minutes."""
    first: list[_Duration] = []
    resolved: list[_Duration] = []

    def duration(since: str, until: str, row: Mapping[str, Any]) -> _Duration:
        wall = (clock.parse_iso(until) - clock.parse_iso(since)) / 60
        business = hours.between(_dt(since), _dt(until))
        return _Duration(wall, business, row["team"], row["agent"])

    for row in rows:
        if row["first_reply"]:
            first.append(duration(row["created_at"], row["first_reply"], row))
        if row["solved_at"] and row["status"] in {"solved", "closed"}:
            resolved.append(duration(row["created_at"], row["solved_at"], row))
    return _by_owner(first), _by_owner(resolved)


def backlog(span: DateRange, created: Sequence[str], solved: Sequence[str]) -> list[dict[str, Any]]:
    """Per day: the tickets filed before the midnight that ends it and not solved before it
    (``created`` and ``solved`` sorted)."""
    days = []
    for day in span.days():
        midnight = f"{(date.fromisoformat(day) + timedelta(days=1)).isoformat()}T00:00:00.000Z"
        still = bisect.bisect_left(created, midnight) - bisect.bisect_left(solved, midnight)
        days.append({"day": day, "open": still})
    return days


def _counted(rows: Iterable[Mapping[str, Any]], name: str) -> list[dict[str, Any]]:
    """Count rows most first, then by name (the missing one last among equals)."""
    items = [{name: r[name], "tickets": int(r["tickets"])} for r in rows]
    return sorted(items, key=lambda r: (-r["tickets"], *_name_order(r[name])))


def service_levels(
    rows: ServiceLevelRows, span: DateRange, hours: BusinessHours, now: str
) -> dict[str, Any]:
    """Every service-level figure over ``span`` (see the README, Analytics)."""
    first, resolution = response_times(rows.times, hours)
    known = [{"priority": p, "tickets": rows.by_priority.get(p, 0)} for p in PRIORITIES]
    other = [
        {"priority": p, "tickets": n}
        for p, n in sorted(rows.by_priority.items())
        if p not in PRIORITIES
    ]
    by_team = _counted(rows.by_team, "team")
    return {
        "range": {"from": span.first.isoformat(), "to": span.last.isoformat()},
        "sla_attainment": attainment(
            sla_targets(rows.clocks, rows.breaches, rows.messages, hours, now),
            span.start,
            span.end,
        ),
        "first_contact_resolution": first_contact_resolution(rows.solved),
        "first_response_minutes": first,
        "resolution_minutes": resolution,
        "backlog": backlog(span, *rows.backlog),
        "tickets": {
            "total": sum(r["tickets"] for r in by_team),
            "by_tag": _counted(rows.by_tag, "tag"),
            "by_team": by_team,
            "by_priority": known + other,
            "by_field": [dict(r) for r in rows.by_field],
        },
        "csat_by_agent": [
            {
                "agent": r["agent"],
                "ratings": int(r["ratings"]),
                "average": round(float(r["average"]), 2),
                "score": round(int(r["satisfied"]) / int(r["ratings"]), 4),
            }
            for r in sorted(rows.ratings, key=lambda r: _name_order(r["agent"]))
        ],
    }


# name: (header, rows of the report) of each service-level CSV export
def _attainment_rows(report: Mapping[str, Any]) -> list[list[Any]]:
    sla = report["sla_attainment"]
    groups = [("all", None, sla["overall"])]
    for breakdown in ("policy", "team", "agent"):
        groups += [(breakdown, g[breakdown], g) for g in sla[f"by_{breakdown}"]]
    return [
        [
            breakdown,
            name,
            metric,
            *(tally[metric][k] for k in ("met", "missed", "fell_due", "rate")),
        ]
        for breakdown, name, tally in groups
        for metric in (*SLA_METRICS, "all")
    ]


def _time_rows(times: Mapping[str, Any]) -> list[list[Any]]:
    groups = [("all", None, times["overall"])]
    for breakdown in ("team", "agent"):
        groups += [(breakdown, g[breakdown], g) for g in times[f"by_{breakdown}"]]
    keys = ("tickets", "median", "p90", "business_median", "business_p90")
    return [[breakdown, name, *(g[k] for k in keys)] for breakdown, name, g in groups]


_TIMES = (
    "breakdown",
    "name",
    "tickets",
    "median_minutes",
    "p90_minutes",
    "business_median_minutes",
    "business_p90_minutes",
)
SERVICE_LEVEL_CSV: dict[
    str, tuple[tuple[str, ...], Callable[[Mapping[str, Any]], list[list[Any]]]]
] = {
    "sla_attainment": (
        ("breakdown", "name", "metric", "met", "missed", "fell_due", "attainment"),
        _attainment_rows,
    ),
    "first_contact_resolution": (
        ("public_agent_replies", "solved_tickets"),
        lambda r: [
            [g["replies"], g["tickets"]] for g in r["first_contact_resolution"]["by_replies"]
        ],
    ),
    "first_response_times": (_TIMES, lambda r: _time_rows(r["first_response_minutes"])),
    "resolution_times": (_TIMES, lambda r: _time_rows(r["resolution_minutes"])),
    "backlog": (("day", "open"), lambda r: [[d["day"], d["open"]] for d in r["backlog"]]),
    "tickets_by_tag": (
        ("tag", "tickets"),
        lambda r: [[g["tag"], g["tickets"]] for g in r["tickets"]["by_tag"]],
    ),
    "tickets_by_team": (
        ("team", "tickets"),
        lambda r: [[g["team"], g["tickets"]] for g in r["tickets"]["by_team"]],
    ),
    "tickets_by_priority": (
        ("priority", "tickets"),
        lambda r: [[g["priority"], g["tickets"]] for g in r["tickets"]["by_priority"]],
    ),
    "tickets_by_field": (
        ("field", "value", "tickets"),
        lambda r: [[g["field"], g["value"], g["tickets"]] for g in r["tickets"]["by_field"]],
    ),
    "csat_by_agent": (
        ("agent", "ratings", "average", "csat"),
        lambda r: [
            [g["agent"], g["ratings"], g["average"], g["score"]] for g in r["csat_by_agent"]
        ],
    ),
}


def service_level_csv_rows(
    name: str, report: Mapping[str, Any]
) -> tuple[Sequence[str], list[list[Any]]]:
    """The header and rows of one of :data:`SERVICE_LEVEL_CSV`."""
    header, rows = SERVICE_LEVEL_CSV[name]
    return header, rows(report)


_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: Any) -> Any:
    """A cell as spreadsheets will not run it: text that starts like a formula gets a leading
    quote; None is empty."""
    if isinstance(value, str) and value.startswith(_FORMULA):
        return "'" + value
    return "" if value is None else value


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([[csv_cell(v) for v in row] for row in rows])
    return out.getvalue()
