"""Repeated issues: tickets and failed searches grouped by what they are about, with evidence.

Each group shows how many tickets and failed searches it holds, where they came from (context
keys, app versions), how customers said it, and the agents' replies that solved it, so a
writer can turn it into an article. An article linked to a group tracks the group's ticket rate
before and after the link ("12 a week before, 2 a week since").

Only one app's data is ever grouped, only by agents (who see every ticket of their app; the
API checks the role), and merged tickets are left out (their text lives in their target).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..store import Database
from ..store import insights as store
from .grouping import Group, Text, group

DAY = 86_400.0
WEEK = 7 * DAY
MIN_TICKETS = 3  # fewer is not "repeated"
MIN_COHESION = 0.6  # below, a group is a chain of unrelated texts (see grouping.Group)
SAMPLES = 5
RATE_WEEKS = 4  # the "before" rate: the four weeks before the link
MAX_DAYS = 365


@dataclass(frozen=True)
class Window:
    days: int = 90

    @classmethod
    def parse(cls, days: Any) -> Window:
        if days is None:
            return cls()
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(
                f"days: a whole number of days from 1 to {MAX_DAYS}",
                details={"days": [f"from 1 to {MAX_DAYS}"]},
            )
        return cls(days)


def _query_key(query: str) -> str:
    return f"q:{query}"


class RepeatedIssues:
    def __init__(self, db: Database, flush_searches: Callable[[], None] = lambda: None) -> None:
        self.db = db
        self._flush_searches = flush_searches  # EventLog.flush: the searches not written yet

    def groups(self, app_id: str, window: Window = Window(), limit: int = 50) -> dict[str, Any]:
        self._flush_searches()
        now = clock.now()
        since = clock.iso(now - window.days * DAY)
        with self.db.read() as conn:
            tickets = store.tickets_since(conn, app_id, since)
            searches = store.failed_searches(conn, app_id, since)
            links = store.links(conn, app_id)
            articles = store.published_slugs(conn, app_id)
        by_key = {t["public_id"]: t for t in tickets}
        texts = [Text(t["public_id"], f"{t['subject']}\n{t['body']}") for t in tickets]
        texts += [Text(_query_key(s["query"]), s["query"], s["searches"]) for s in searches]
        found = [
            g
            for g in group(texts)
            if sum(1 for k in g.keys if k in by_key) >= MIN_TICKETS and g.cohesion >= MIN_COHESION
        ]
        shown = found[:limit]
        with self.db.read() as conn:
            replies = store.resolving_replies(
                conn, [by_key[k]["id"] for g in shown for k in g.keys if k in by_key]
            )
        replies_by_ticket = {r["ticket_id"]: r for r in replies}
        searches_by_query = {s["query"]: s for s in searches}
        items = []
        unclaimed = list(links)
        for g in shown:
            link = _claim_link(g, unclaimed)
            items.append(
                self._item(g, by_key, searches_by_query, replies_by_ticket, link, articles, now)
            )
        return {
            "range": {"days": window.days, "from": since, "to": clock.iso(now)},
            "items": items,
        }

    def group(self, app_id: str, group_id: str, window: Window = Window()) -> dict[str, Any]:
        for item in self.groups(app_id, window, limit=500)["items"]:
            if item["id"] == group_id:
                found: dict[str, Any] = item
                return found
        raise NotFound("no such group of repeated issues (the data may have moved on)")

    def link_article(
        self, app_id: str, group_id: str, slug: str, by: str, window: Window = Window()
    ) -> dict[str, Any]:
        found = self.group(app_id, group_id, window)
        with self.db.write() as conn:
            if slug not in store.published_slugs(conn, app_id):
                raise ValidationFailed(
                    f"article: no published article {slug!r}",
                    details={"article": ["no such published article"]},
                )
            store.link(conn, app_id, group_id, found["terms"], slug, clock.iso(), by)
        return self.group(app_id, group_id, window)

    def articles(self, app_id: str) -> list[dict[str, Any]]:
        """The published articles a group can be linked to, by title."""
        with self.db.read() as conn:
            found = store.published_slugs(conn, app_id)
        return sorted(found.values(), key=lambda a: (str(a["title"]).lower(), a["slug"]))

    def unlink_article(self, app_id: str, group_id: str) -> None:
        with self.db.write() as conn:
            if not store.unlink(conn, app_id, group_id):
                raise NotFound("this group has no linked article")

    # -- one group ----------------------------------------------------------------------------
    @staticmethod
    def _item(
        g: Group,
        by_key: Mapping[str, dict[str, Any]],
        searches: Mapping[str, dict[str, Any]],
        replies: Mapping[str, dict[str, Any]],
        link: dict[str, Any] | None,
        articles: Mapping[str, dict[str, Any]],
        now: float,
    ) -> dict[str, Any]:
        members = [by_key[k] for k in g.keys if k in by_key]
        queries = [searches[k[2:]] for k in g.keys if k.startswith("q:") and k[2:] in searches]
        closest = sorted(members, key=lambda t: (-g.closeness.get(t["public_id"], 0), t["id"]))
        contexts = Counter(t["context_key"] for t in members if t["context_key"])
        versions = Counter(t["app_version"] for t in members if t["app_version"])
        resolving = [replies[t["public_id"]] for t in closest if t["public_id"] in replies]
        label = closest[0]["subject"] if closest else g.terms[0]
        article = None
        if link is not None:
            article = {
                "slug": link["slug"],
                "title": articles.get(link["slug"], {}).get("title"),
                "linked_at": link["linked_at"],
                **_rates(members, link["linked_at"], now),
            }
        return {
            "id": g.id,
            "label": label,
            "terms": g.terms,
            "tickets": len(members),
            "failed_searches": sum(q["searches"] for q in queries),
            "sample_queries": [q["query"] for q in sorted(queries, key=lambda q: -q["searches"])][
                :SAMPLES
            ],
            "sample_subjects": list(dict.fromkeys(t["subject"] for t in closest))[:SAMPLES],
            "ticket_ids": [t["public_id"] for t in reversed(members)],
            "contexts": [{"key": k, "tickets": n} for k, n in contexts.most_common(SAMPLES)],
            "app_versions": [
                {"version": v, "tickets": n} for v, n in versions.most_common(SAMPLES)
            ],
            "resolving_replies": [
                {"ticket_id": r["ticket_id"], "author": r["author_name"], "body": r["body"]}
                for r in resolving[:3]
            ],
            "first_seen": members[0]["created_at"] if members else None,
            "last_seen": members[-1]["created_at"] if members else None,
            "article": article,
        }


def _claim_link(g: Group, links: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The link made for this group: by its id, else by the words it was linked with (the
    group's membership, and so its id, can shift as tickets come and go)."""
    for link in links:
        if link["group_id"] == g.id:
            links.remove(link)
            return link
    best, best_overlap = None, 0.5
    mine = set(g.terms)
    for link in links:
        theirs = set(link["terms"])
        overlap = len(mine & theirs) / max(len(mine | theirs), 1)
        if overlap >= best_overlap:
            best, best_overlap = link, overlap
    if best is not None:
        links.remove(best)
    return best


def _rates(members: list[dict[str, Any]], linked_at: str, now: float) -> dict[str, Any]:
    """Tickets a week in the four weeks before the link and since it."""
    at = clock.parse_iso(linked_at)
    before = sum(
        1 for t in members if at - RATE_WEEKS * WEEK <= clock.parse_iso(t["created_at"]) < at
    )
    since = sum(1 for t in members if clock.parse_iso(t["created_at"]) >= at)
    weeks_since = max((now - at) / WEEK, 1 / 7)  # at least a day, so a first hour is not x168
    return {
        "tickets_before": before,
        "tickets_since": since,
        "per_week_before": round(before / RATE_WEEKS, 1),
        "per_week_since": round(since / weeks_since, 1),
    }
