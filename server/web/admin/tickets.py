"""The agents' inbox and ticket page: context, conversation, reply, notes and changes.

Every read and change goes through :class:`TicketService` with the agent's principal for the
ticket's app: the same rules as the API (internal notes never reach requesters; a ticket in an
app the agent cannot work in does not exist).

Service levels: the inbox's Due column and "Due soonest" order (the default), its Breached and
Team filters; the ticket page's SLA panel, Team select, and what routing and automations did,
dated, between the messages. Due times are relative to the server's clock (see
:mod:`..services.inbox`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, jsonify, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from ...edge import conditional, runtime
from ...errors import ValidationFailed
from ...services.inbox import DEFAULT_SORT, SORTS, VIEWS, due_label
from ...services.tickets import PRIORITIES, STATUSES
from . import guard

bp = Blueprint("tickets", __name__, url_prefix="/tickets")
FILTERS = (
    "view",
    "priority",
    "assignee",
    "team",
    "breached",
    "context",
    "version",
    "app",
    "q",
    "sort",
)
SORT_LABELS = {
    "due": "Due soonest",
    "updated": "Recently updated",
    "created": "Newest",
    "oldest": "Oldest",
    "priority": "Priority",
}
NOTICES = {
    "replied": "Reply sent. The requester sees it in the app, and by email when they gave one.",
    "noted": "Internal note added. Only agents see it.",
    "updated": "Ticket updated.",
    "assigned": "Assigned to you.",
}
ASSIGN_TO_ME = "assign_to_me"


def _app_ids() -> list[str]:
    return [a["id"] for a in runtime().staff.apps_of(guard.member())]


@bp.get("/")
@guard.requires("tickets")
def inbox() -> str:
    rt = runtime()
    me = guard.member()
    apps = rt.staff.apps_of(me)
    filters = {name: (request.args.get(name) or "").strip() for name in FILTERS}
    allowed = [a["id"] for a in apps]
    scope = [filters["app"]] if filters["app"] in allowed else allowed
    assignee = me.handle if filters["assignee"] == "me" else filters["assignee"] or None
    teams = _teams(a for a in apps if a["id"] in scope)
    if filters["team"] not in (*teams, "none"):
        filters["team"] = ""  # a team since deleted, or of an app out of view: no filter
    if filters["breached"] != "1":
        filters["breached"] = ""
    if filters["sort"] not in SORTS:
        filters["sort"] = ""
    page = request.args.get("page", "1")
    listing = rt.inbox.page(
        scope,
        view=filters["view"] if filters["view"] in VIEWS else "unsolved",
        priority=filters["priority"] if filters["priority"] in PRIORITIES else None,
        assignee=assignee,
        team=filters["team"] or None,
        breached=filters["breached"] == "1",
        context=filters["context"],
        version=filters["version"],
        text=filters["q"],
        sort=filters["sort"] or DEFAULT_SORT,
        page=int(page) if page.isdigit() else 1,
    )
    return render_template(
        "admin/inbox.html",
        listing=listing,
        filters=filters,
        keep={k: v for k, v in filters.items() if v and k != "view"},
        views=list(VIEWS),
        priorities=PRIORITIES,
        sorts=SORT_LABELS,
        default_sort=DEFAULT_SORT,
        teams=teams,
        app_names={a["id"]: a["name"] for a in apps},
        people=_people(scope),
        version=_version(allowed),
    )


def _teams(apps: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """The teams of these apps, id -> name (with the app's name when there are several)."""
    apps = list(apps)
    teams: dict[str, str] = {}
    for app in apps:
        for team in runtime().teams.items(app["id"]):
            teams[team["id"]] = team["name"] + (f" · {app['name']}" if len(apps) > 1 else "")
    return teams


def _version(app_ids: list[str]) -> str:
    """What the live inbox compares: the tickets' version, and the due times' (a ticket falling
    overdue changes no ticket, but changes the page)."""
    rt = runtime()
    return f"{rt.tickets.inbox_version(app_ids)}|{rt.inbox.due_version(app_ids)}"


@bp.get("/changes")
@guard.requires("tickets")
def changes() -> BaseResponse:
    """What the open inbox polls: a version of every ticket the agent can see, which changes
    when one is filed, answered or changed. A 304 while it has not (the page sends the ETag
    back), so a tab left open all day costs a few bytes every 10 seconds."""
    version = _version(_app_ids())
    return conditional(jsonify(version=version), version)


def _people(app_ids: list[str]) -> dict[str, str]:
    """Assignable handles and their names, across the given apps."""
    rt = runtime()
    people: dict[str, str] = {}
    for app_id in app_ids:
        for person in rt.staff.assignees(app_id):
            people[person.handle] = person.name
    me = guard.member()
    people.setdefault(me.handle, me.name)
    return people


def _load(ticket_id: str) -> tuple[str, dict[str, Any]]:
    rt = runtime()
    app_id = rt.inbox.locate(ticket_id, _app_ids())
    return app_id, rt.tickets.get(guard.member().principal(app_id), ticket_id)


@bp.get("/<ticket_id>")
@guard.requires("tickets")
def ticket(ticket_id: str) -> str:
    rt = runtime()
    app_id, found = _load(ticket_id)
    apps = {a["id"]: a for a in rt.staff.apps_of(guard.member())}
    shown = found["context"].get("articles_shown") or []
    people = _people([app_id])
    activity = rt.tickets.activity(guard.member().principal(app_id), ticket_id)
    return render_template(
        "admin/ticket.html",
        ticket=found,
        app=apps[app_id],
        several_apps=len(apps) > 1,
        statuses=STATUSES,
        priorities=PRIORITIES,
        people=people,
        teams=_teams([apps[app_id]]),
        service_level=rt.inbox.service_level(app_id, ticket_id),
        due=_due(found.get("sla")),
        timeline=_timeline(found["messages"], activity, people),
        neighbours=rt.inbox.neighbours(list(apps), app_id, ticket_id),
        articles_shown=[s for s in shown if isinstance(s, str)],
        notice=NOTICES.get(request.args.get("notice", "")),
        rejected_mail=rt.mailer.rejected_for_ticket(app_id, ticket_id),
        bounced=rt.inbound.bounced(app_id, found["requester"]["email"]),
        mail_parts=_with_inline_images(
            found, rt.tickets.mail_parts(guard.member().principal(app_id), ticket_id)
        ),
        customer=rt.contacts.for_ticket(app_id, ticket_id),
    )


def _due(sla: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """The head of the ticket page: when the next target is due, or that the clock is paused."""
    if not sla:
        return None
    if sla.get("next_due"):
        due = due_label(sla["next_due"])
        text = due["text"]
        if text == "due now":
            headline = "Due now"
        else:
            headline = text if due["state"] == "overdue" else f"Due {text}"
        return {**due, "headline": headline}
    if sla.get("paused"):
        return {"at": None, "text": "paused", "state": "paused", "headline": "SLA paused"}
    return None


def _timeline(
    messages: Iterable[Mapping[str, Any]],
    activity: Iterable[Mapping[str, Any]],
    people: Mapping[str, str],
) -> list[dict[str, Any]]:
    """The conversation with what routing and automations did, in time order (a message
    before a change made at the same moment: the change answered it)."""
    items = [{"kind": "message", "at": m["created_at"], "message": m} for m in messages]
    items += [
        {"kind": "activity", "at": a["at"], "activity": describe(a, people)} for a in activity
    ]
    return sorted(items, key=lambda item: str(item["at"]))


def describe(activity: Mapping[str, Any], people: Mapping[str, str]) -> dict[str, Any]:
    """An activity row in words, plain text for the page to escape: ``{"kind", "actor",
    "phrases"}``, e.g. routing by Billing ["assigned to Maya"] ("Routed to Billing, assigned
    to Maya"), automation "Billing is urgent" ["priority normal → urgent", "tag +billing"]."""
    kind = activity["actor"]["kind"]
    changes = activity["changes"]
    if kind == "routing":  # the team is the actor: what remains is who it went to
        changes = [c for c in changes if c.get("field") != "team"]
    return {
        "kind": kind,
        "actor": activity["actor"]["name"],
        "at": activity["at"],
        "phrases": [_phrase(c, people) for c in changes],
    }


def _phrase(change: Mapping[str, Any], people: Mapping[str, str]) -> str:
    field, action = change.get("field"), change.get("action")
    before, after = change.get("from"), change.get("to")
    if field in ("status", "priority"):
        return f"{field} {before or '—'} → {after or '—'}"
    if field == "assignee":
        return f"assigned to {people.get(str(after), after)}" if after else "unassigned"
    if field == "team":
        return f"moved to {change.get('to_name') or after}" if after else "team removed"
    if field == "tags":
        old = [str(t) for t in before or []]
        new = [str(t) for t in after or []]
        marks = [f"+{t}" for t in new if t not in old] + [f"\u2212{t}" for t in old if t not in new]
        return ("tag " if len(marks) == 1 else "tags ") + " ".join(marks)
    if action == "notify":
        to = str(after or "")
        who = people.get(to.removeprefix("agent:"), to.removeprefix("agent:"))
        return f"notified the {to}" if to in ("assignee", "team", "admins") else f"notified {who}"
    if action == "reply":
        return f"replied with the macro {change.get('macro')}"
    if action == "remind_customer":
        return "reminded the customer"
    return f"{field or action or 'changed'} {before or ''} → {after or ''}".strip()


def _with_inline_images(
    ticket: dict[str, Any], parts: dict[str, dict[str, Any]]
) -> dict[str, dict[str, Any]]:
    """Point the mail's ``cid:`` images at their attachments (images only, from this
    server): the sanitised HTML then shows the screenshot the customer pasted."""
    files = list(ticket.get("attachments") or [])
    for message in ticket["messages"]:
        files += message.get("attachments") or []
    for part in parts.values():
        html = part["html"]
        for file in files:
            cid = file.get("content_id")
            if cid and file["content_type"] in PREVIEWABLE and f'src="cid:{cid}"' in html:
                url = url_for(
                    ".attachment", ticket_id=ticket["id"], attachment_id=file["id"], preview=1
                )
                html = html.replace(f'src="cid:{cid}"', f'src="{url}"')
        part["html"] = html
    return parts


PREVIEWABLE = {"image/png", "image/jpeg", "image/gif", "image/webp"}


@bp.get("/<ticket_id>/attachments/<attachment_id>")
@guard.requires("tickets")
def attachment(ticket_id: str, attachment_id: str) -> BaseResponse:
    """A file that came with a message: a download, or with ?preview=1 an image shown in
    the page. Never rendered as a page: no HTML or SVG is served as what it claims to be."""
    rt = runtime()
    app_id = rt.inbox.locate(ticket_id, _app_ids())
    found = rt.tickets.attachment(guard.member().principal(app_id), ticket_id, attachment_id)
    preview = request.args.get("preview") == "1" and found["content_type"] in PREVIEWABLE
    response = Response(
        bytes(found["data"]),
        content_type=found["content_type"] if preview else "application/octet-stream",
    )
    response.headers["Content-Disposition"] = content_disposition(
        "inline" if preview else "attachment", found["filename"]
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, max-age=3600"
    return response


def content_disposition(kind: str, filename: str) -> str:
    """RFC 6266: an ASCII fallback and the UTF-8 name."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


@bp.post("/<ticket_id>/messages")
@guard.requires("tickets")
def reply(ticket_id: str) -> BaseResponse:
    rt = runtime()
    app_id, _ = _load(ticket_id)
    who = guard.member().principal(app_id)
    body = request.form.get("body", "").replace("\r\n", "\n")
    internal = request.form.get("internal") == "1"
    if not body.strip():
        raise ValidationFailed("write a message first", details={"body": ["must not be blank"]})
    if len(body) > 20_000:
        raise ValidationFailed("messages are limited to 20,000 characters", details={})
    rt.tickets.reply(who, ticket_id, body, internal)
    then = request.form.get("then_status", "")
    if then in STATUSES:
        rt.tickets.update(who, ticket_id, {"status": then})
    notice = "noted" if internal else "replied"
    return redirect(url_for(".ticket", ticket_id=ticket_id, notice=notice), code=303)


@bp.post("/<ticket_id>")
@guard.requires("tickets")
def update(ticket_id: str) -> BaseResponse:
    rt = runtime()
    app_id, current = _load(ticket_id)
    me = guard.member()
    changes: dict[str, Any] = {}
    status = request.form.get("status")
    if status in STATUSES:
        changes["status"] = status
    priority = request.form.get("priority")
    if priority in PRIORITIES:
        changes["priority"] = priority
    assignee = _assignee(me.handle)
    if assignee is not None:
        if assignee and assignee not in _people([app_id]) and assignee != current.get("assignee"):
            raise ValidationFailed("no such agent", details={"assignee": [assignee]})
        changes["assignee"] = assignee or None
    if "tags" in request.form:
        tags = [t.strip() for t in request.form["tags"].split(",") if t.strip()]
        changes["tags"] = list(dict.fromkeys(t[:40] for t in tags))[:20]
    if "team" in request.form:  # an unknown team is the service's 422
        team = request.form["team"].strip() or None
        if team != (current.get("team") or {}).get("id"):
            changes["team"] = team
    if changes:
        rt.tickets.update(me.principal(app_id), ticket_id, changes)
    notice = "assigned" if request.form.get("action") == ASSIGN_TO_ME else "updated"
    return redirect(url_for(".ticket", ticket_id=ticket_id, notice=notice), code=303)


def _assignee(my_handle: str) -> str | None:
    """The assignee the form asks for: a handle, "" for nobody, or None to leave it alone.

    "Assign to me" is its own action (the button's ``action`` value), so it never depends on
    which of two ``assignee`` fields a browser sends first. Several different ``assignee``
    values without that action are ambiguous and refused rather than guessed.
    """
    if request.form.get("action") == ASSIGN_TO_ME:
        return my_handle
    values = {value.strip() for value in request.form.getlist("assignee")}
    if not values:
        return None
    if len(values) > 1:
        raise ValidationFailed(
            "the form asked for more than one assignee; choose one",
            details={"assignee": sorted(values)},
        )
    value = values.pop()
    return my_handle if value == "me" else value
