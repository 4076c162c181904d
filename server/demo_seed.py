"""Seeding the demo: the sample activity of :mod:`.demo_data`, filed through the ordinary
services (tickets, replies, notes, ratings, searches, help events, article views and votes)
with the clock pinned to the moment each thing happened, over the last two weeks.

:func:`seed` runs once, when ``support-server demo`` creates its data directory; restarting
the demo reuses the data and seeds nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import clock
from .demo_data import (
    AGENTS,
    DAY,
    HOUR,
    PEOPLE,
    READING,
    SEARCHES,
    TICKETS,
    TITLES,
    Person,
    SampleTicket,
    Step,
)
from .principal import Principal
from .runtime import Runtime
from .services.staff import StaffMember


@dataclass
class _Timeline:
    """What happened, put back in order: each action runs with the clock pinned to its time."""

    actions: list[tuple[float, int, Callable[[], None]]] = field(default_factory=list)

    def at(self, ts: float, action: Callable[[], None]) -> None:
        self.actions.append((ts, len(self.actions), action))

    def play(self) -> None:
        for ts, _, action in sorted(self.actions, key=lambda a: (a[0], a[1])):
            with clock.pinned(ts):
                action()


def seed(rt: Runtime, app_id: str, origin: str) -> dict[str, int]:
    """File the sample tickets, searches and help sessions; returns what was made."""
    now = clock.now()
    # The agents who answer: real staff users, with passwords nobody knows (an admin can set
    # one with `support-server users set-password`).
    agents = {
        handle: rt.staff.create_user(handle, secrets.token_urlsafe(24), "agent", app_id, name)
        for handle, name in AGENTS.items()
    }
    _service_levels(rt, app_id)
    _workspace(rt, app_id)
    timeline = _Timeline()
    for sample in TICKETS:
        _ticket(rt, timeline, app_id, origin, agents, sample, now - sample.days_ago * DAY)
    for days_ago, who, query, locale in SEARCHES:
        timeline.at(now - days_ago * DAY, _search(rt, app_id, _who(who), query, locale))
    for days_ago, who, slugs, vote in READING:
        _session(rt, timeline, app_id, _who(who), slugs, vote, now - days_ago * DAY)
    timeline.play()
    rt.events.flush()  # searches are written in batches: all of them before the seed returns
    return {"tickets": len(TICKETS), "searches": len(SEARCHES), "agents": len(agents)}


def _service_levels(rt: Runtime, app_id: str) -> None:
    """Business hours, two teams, two SLA policies and two automations, so the sample
    tickets are routed, timed and automated as a real team's would be."""
    rt.sla.set_business_hours(
        app_id,
        {
            "timezone": "Europe/London",
            "weekly": {day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
            "holidays": ["2026-12-25", "2026-12-28", "2027-01-01"],
        },
    )
    rt.teams.create(
        app_id, {"name": "Billing", "members": ["maya"], "contexts": ["invoices.", "billing."]}
    )
    rt.teams.create(app_id, {"name": "Product", "members": ["sam", "maya"]})
    known = rt.automations.vocabulary_of(app_id)
    rt.sla.create_policy(
        app_id,
        {
            "name": "High priority",
            "if": [{"field": "priority", "op": "in", "value": ["high", "urgent"]}],
            "targets": {"first_response": 60, "next_response": 120, "resolution": 480},
        },
        known,
    )
    rt.sla.create_policy(
        app_id,
        {
            "name": "Standard",
            "targets": {"first_response": 240, "next_response": 480, "resolution": 1440},
        },
        known,
    )
    rt.automations.create(
        app_id,
        {
            "name": "Crashes are urgent",
            "when": {"event": "ticket.created"},
            "any": [
                {"field": "body", "op": "contains", "value": "crash"},
                {"field": "body", "op": "contains", "value": "spins forever"},
            ],
            "then": [
                {"action": "set", "field": "priority", "value": "high"},
                {"action": "add_tags", "tags": ["bug"]},
            ],
        },
    )
    rt.automations.create(
        app_id,
        {
            "name": "Close what stayed solved for 30 days",
            "when": {"after": {"status": "solved", "hours": 720}},
            "then": [{"action": "set_status", "value": "closed"}],
        },
    )


def _workspace(rt: Runtime, app_id: str) -> None:
    """What agents reach for on a ticket: custom fields (one the contact form asks, one for
    agents only) and saved replies with placeholders."""
    rt.tickets.fields.create(
        app_id,
        {
            "key": "issue_type",
            "label": "What is it about?",
            "type": "select",
            "options": ["Something is broken", "A question", "Billing", "An idea"],
        },
    )
    rt.tickets.fields.create(
        app_id,
        {"key": "vip", "label": "VIP customer", "type": "checkbox", "visible_to_requester": False},
    )
    rt.macros.create(
        app_id,
        {
            "name": "Looking into it",
            "body": "Hi {{requester.name}},\n\nThanks for the details: I am looking into"
            " {{ticket.id}} now and will write back today.\n\n{{agent.name}}",
        },
    )
    rt.macros.create(
        app_id,
        {
            "name": "Solved: please confirm",
            "body": "Hi {{requester.name}},\n\nThis should be fixed now. Could you try again"
            " and tell us if it works?\n\n{{agent.name}}, {{app.name}}",
        },
    )


def _who(name: str) -> str:
    """Who searched, as the search API names them: a user's key, or an anonymous IP address."""
    return f"user:{PEOPLE[name].id}" if name in PEOPLE else name


def _reader(who: str) -> tuple[str, str]:
    """Who sent a help event and who voted, as the help API names them (anonymous readers
    send events unnamed and vote as the anonymous visitor)."""
    return ("", "visitor:anonymous") if who.startswith("ip:") else (who, who)


def _user(app_id: str, person: Person) -> Principal:
    return Principal(app_id, "user", person.id, email=person.email, name=person.name)


def _ticket(
    rt: Runtime,
    timeline: _Timeline,
    app_id: str,
    origin: str,
    agents: dict[str, StaffMember],
    sample: SampleTicket,
    filed: float,
) -> None:
    person = PEOPLE[sample.person]
    user = _user(app_id, person)
    session = secrets.token_hex(8)
    made: dict[str, str] = {}
    context: dict[str, Any] = {
        "url": f"{origin}{sample.page}",
        "title": f"{TITLES[sample.page]} · Ledgerly",
        "context_key": sample.context_key,
        "app_version": sample.app_version,
        "locale": person.locale,
        "time_zone": person.time_zone,
        "user_agent": person.user_agent,
        "viewport": {"width": person.viewport[0], "height": person.viewport[1]},
        "custom": {"plan": person.plan},
        "articles_shown": list(sample.shown),
    }
    if sample.errors:
        context["errors"] = [
            {"message": message, "source": f"{origin}/demo/static/demo.js", "line": 41}
            for message in sample.errors
        ]

    def event(kind: str, slug: str = "") -> Callable[[], None]:
        return lambda: rt.events.event(app_id, kind, session, user.key, slug)

    def create() -> None:
        data = {
            "subject": sample.subject,
            "body": sample.body,
            "priority": sample.priority,
            "context": context,
        }
        _, body, _ = rt.tickets.create(
            user, data, source="widget", idempotency_key=None, fingerprint="", scope=user.key
        )
        made["id"] = body["id"]

    # The visit that led to the ticket: help opened, a suggestion read, the form, the ticket.
    timeline.at(filed - 300, event("help_opened"))
    if sample.shown:
        timeline.at(filed - 240, _read(rt, app_id, sample.shown[0], person.locale))
        timeline.at(filed - 240, event("article_viewed", sample.shown[0]))
    timeline.at(filed - 120, event("contact_opened"))
    timeline.at(filed, create)
    timeline.at(filed + 1, event("ticket_created"))
    for step in sample.steps:
        timeline.at(filed + step.hours * HOUR, _step(rt, app_id, user, agents, made, step))


def _step(
    rt: Runtime,
    app_id: str,
    user: Principal,
    agents: dict[str, StaffMember],
    made: dict[str, str],
    step: Step,
) -> Callable[[], None]:
    agent = agents[step.by].principal(app_id)

    def run() -> None:
        ticket = made["id"]
        if step.kind in ("reply", "note"):
            rt.tickets.reply(agent, ticket, step.text, step.kind == "note")
        elif step.kind == "answer":
            rt.tickets.reply(user, ticket, step.text, False)
        elif step.kind == "status":
            rt.tickets.update(agent, ticket, {"status": step.text})
        elif step.kind == "assign":
            rt.tickets.update(agent, ticket, {"assignee": step.by})
        elif step.kind == "rating":
            rt.tickets.rate(user, ticket, step.score, step.text)
        else:
            raise ValueError(f"unknown step {step.kind!r}")

    return run


def _search(rt: Runtime, app_id: str, who: str, query: str, locale: str) -> Callable[[], None]:
    def run() -> None:  # the real search, so the logged result count is the true one
        found = rt.search.search(app_id, query, locale=locale, category=None, page=1, limit=10)
        rt.events.search(app_id, query, locale, found["total"], who)

    return run


def _read(rt: Runtime, app_id: str, slug: str, locale: str) -> Callable[[], None]:
    def run() -> None:
        rt.articles.published(app_id, slug, locale)  # what the widget's GET does: count a view

    return run


def _session(
    rt: Runtime,
    timeline: _Timeline,
    app_id: str,
    who: str,
    slugs: tuple[str, ...],
    vote: bool | None,
    started: float,
) -> None:
    session = secrets.token_hex(8)
    sender, voter = _reader(who)

    def event(kind: str, slug: str = "") -> Callable[[], None]:
        return lambda: rt.events.event(app_id, kind, session, sender, slug)

    def feedback(slug: str, helpful: bool) -> Callable[[], None]:
        return lambda: rt.articles.feedback(app_id, slug, "en", helpful, "", voter)

    timeline.at(started, event("help_opened"))
    for n, slug in enumerate(slugs, start=1):
        at = started + 45 * n
        timeline.at(at, _read(rt, app_id, slug, "en"))
        timeline.at(at, event("article_viewed", slug))
        if vote is not None:
            timeline.at(at + 30, feedback(slug, vote))
