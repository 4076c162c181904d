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

import re
from collections.abc import Iterable, Mapping
from typing import Any
from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, Response, g, jsonify, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from ...edge import IMAGES, conditional, file_response, runtime
from ...errors import ApiError, Forbidden, NotFound, ValidationFailed
from ...services import macros
from ...services.file_types import size_text
from ...services.inbox import DEFAULT_SORT, SORTS, VIEWS, due_label, field_filters
from ...services.saved_views import clean_query
from ...services.ticket_merge import MAX_BULK
from ...services.tickets import PRIORITIES, STATUSES
from ..security import base_url
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
    "followed": "You follow this ticket: its customer replies and service-level warnings come"
    " to you by email, as to its assignee.",
    "unfollowed": "You no longer follow this ticket. Replying, being assigned or @mentioned"
    " makes you follow it again.",
}
ASSIGN_TO_ME = "assign_to_me"


def _app_ids() -> list[str]:
    return [a["id"] for a in runtime().staff.apps_of(guard.member())]


@bp.get("/")
@guard.requires("tickets")
def inbox() -> str:
    return _inbox(request.args)


def _inbox(
    args: Mapping[str, str],
    *,
    selected: Iterable[str] = (),
    bulk: Mapping[str, str] | None = None,
    error: str | None = None,
) -> str:
    """The inbox for a query (``args``); after a refused bulk change, with its ``error``, the
    tickets still ``selected`` and the bulk form's values (``bulk``) as they were sent."""
    rt = runtime()
    me = guard.member()
    apps = rt.staff.apps_of(me)
    filters = {name: (args.get(name) or "").strip() for name in FILTERS}
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
    field_choices, chosen, applied = field_filters(
        [f for app_id in scope for f in rt.tickets.fields.items(app_id)], args
    )
    page = args.get("page", "1")
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
        fields=applied,
        sort=filters["sort"] or DEFAULT_SORT,
        page=int(page) if page.isdigit() else 1,
    )
    filters.update(chosen)
    keep = {k: v for k, v in filters.items() if v and k != "view"}
    query = urlencode({k: v for k, v in filters.items() if v})
    owner = _view_owner()
    return render_template(
        "admin/inbox.html",
        listing=listing,
        filters=filters,
        keep=keep,
        query=query,
        views=list(VIEWS),
        priorities=PRIORITIES,
        statuses=STATUSES,
        sorts=SORT_LABELS,
        default_sort=DEFAULT_SORT,
        teams=teams,
        field_filters=field_choices,
        app_names={a["id"]: a["name"] for a in apps},
        people=_people(scope),
        version=_version(allowed),
        saved_views=rt.saved_views.items(*owner) if owner else [],
        can_save_views=owner is not None,
        notice=error or _bulk_notice(args),
        notice_error=error is not None,
        selected=set(selected),
        bulk=bulk or {},
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
        known_issues=rt.known_issues.of_ticket(app_id, ticket_id),
        composer=_composer(app_id, found),
        max_files_bytes=rt.uploads.max_bytes,
        max_files_text=size_text(rt.uploads.max_bytes),
        field_defs=rt.tickets.fields.items(app_id, archived=True),
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
            if cid and file["content_type"] in IMAGES and f'src="cid:{cid}"' in html:
                url = url_for(
                    ".attachment", ticket_id=ticket["id"], attachment_id=file["id"], preview=1
                )
                html = html.replace(f'src="cid:{cid}"', f'src="{url}"')
        part["html"] = html
    return parts


@bp.get("/<ticket_id>/attachments/<attachment_id>")
@guard.requires("tickets")
def attachment(ticket_id: str, attachment_id: str) -> BaseResponse:
    """A file that came with a message: a download, or with ?preview=1 an image shown in
    the page. Never rendered as a page: no HTML or SVG is served as what it claims to be."""
    rt = runtime()
    app_id = rt.inbox.locate(ticket_id, _app_ids())
    found = rt.tickets.attachment(guard.member().principal(app_id), ticket_id, attachment_id)
    return file_response(found, preview=request.args.get("preview") == "1")


def _reply_limit() -> int:
    return int(runtime().uploads.max_bytes) + 64 * 1024  # the files together, and the form


@bp.post("/<ticket_id>/messages")
@guard.requires("tickets")
@guard.body_limit(_reply_limit)
def reply(ticket_id: str) -> BaseResponse:
    rt = runtime()
    app_id, _ = _load(ticket_id)
    who = guard.member().principal(app_id)
    body = request.form.get("body", "").replace("\r\n", "\n")
    internal = request.form.get("internal") == "1"
    files = [f for f in request.files.getlist("files") if f.filename]
    if not body.strip() and not files:
        raise ValidationFailed("write a message first", details={"body": ["must not be blank"]})
    if len(body) > 20_000:
        raise ValidationFailed("messages are limited to 20,000 characters", details={})
    then = request.form.get("then_status", "")
    refused = _refuse_stale(ticket_id, body, internal, then)
    if refused is not None:
        return refused
    uploads = []
    for file in files:  # each checked by its bytes; a refused one sends nothing
        try:
            saved = rt.uploads.save(who, file.read(), file.filename or "", file.mimetype or "")
        except ApiError as exc:
            return _refuse(
                ticket_id, body, internal, then, file_error=exc.message, status=exc.status
            )
        uploads.append(saved["id"])
    rt.tickets.reply(who, ticket_id, body, internal, attachments=uploads)
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


@bp.post("/<ticket_id>/fields")
@guard.requires("tickets")
def set_fields(ticket_id: str) -> BaseResponse:
    """The Fields card: each field the form showed, as typed (the service checks the values,
    and a 422 names the field); an archived field is never changed."""
    rt = runtime()
    app_id, current = _load(ticket_id)
    had = current.get("fields") or {}
    values: dict[str, Any] = {}
    for field in rt.tickets.fields.items(app_id):
        key, kind = field["key"], field["type"]
        if kind == "checkbox":
            if f"shown.{key}" in request.form:
                ticked = request.form.get(f"field.{key}") == "1"
                if ticked or had.get(key) is not None:
                    values[key] = ticked
            continue
        if f"field.{key}" not in request.form:
            continue
        raw = request.form[f"field.{key}"].strip()
        values[key] = _number(field, raw) if kind == "number" and raw else raw or None
    changed = {k: v for k, v in values.items() if had.get(k) != v}
    if changed:
        rt.tickets.update(guard.member().principal(app_id), ticket_id, {"fields": changed})
    return redirect(url_for(".ticket", ticket_id=ticket_id, notice="updated"), code=303)


def _number(field: Mapping[str, Any], raw: str) -> float | int:
    try:
        number = float(raw)
    except ValueError:
        raise ValidationFailed(
            f"{field['label']}: a number", details={f"fields.{field['key']}": ["a number"]}
        ) from None
    return int(number) if number.is_integer() and "." not in raw and "e" not in raw else number


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


# -- the composer: saved replies, article links, suggestions, "a new message arrived" --------
STALE = "A new message arrived while you were writing — review it before sending"
PICKER_LIMIT = 20
SUGGESTIONS = 3


def _latest(found: Mapping[str, Any]) -> dict[str, Any]:
    """The newest message of a ticket as the agent sees it (notes included): its id ("" while
    there is only the request) and who wrote it."""
    messages = found.get("messages") or []
    if not messages:
        return {"id": "", "author": None, "internal": False, "body": "", "at": None}
    last = messages[-1]
    author = last.get("author") or {}
    name = author.get("name") or (
        found["requester"].get("name") if author.get("kind") == "requester" else "Support"
    )
    return {
        "id": last["id"],
        "author": name or author.get("kind"),
        "internal": bool(last.get("internal")),
        "body": last.get("body") or "",
        "at": last.get("created_at"),
    }


def _article_links(app_id: str, text: str, locale: str | None, limit: int) -> list[dict[str, str]]:
    """Published articles matching ``text``: title, slug and the public help-center URL."""
    if not text.strip():
        return []
    try:
        result = runtime().search.search(
            app_id, text, locale=locale, category=None, page=1, limit=limit
        )
    except ValidationFailed:
        return []
    return [
        {
            "slug": hit["slug"],
            "title": hit["title"],
            "url": base_url()
            + url_for(
                "help_center.article", app_id=app_id, locale=result["locale"], slug=hit["slug"]
            ),
        }
        for hit in result["results"][:limit]
    ]


def _suggestion_query(found: Mapping[str, Any]) -> str:
    """Search words from the subject and the request: the first distinct words of four or
    more letters (short ones say little), ending with a space so none is taken as a prefix."""
    words: list[str] = []
    for word in re.findall(r"\w+", f"{found.get('subject', '')} {found.get('body', '')}"):
        if len(word) >= 4 and not word.isdigit() and word.lower() not in words:
            words.append(word.lower())
    return " ".join(words[:10]) + " "


def _composer(app_id: str, found: Mapping[str, Any]) -> dict[str, Any]:
    """What the ticket page's composer needs: the newest message id it was rendered with, the
    suggested articles, and (after a refused reply) the draft and the warning."""
    locale = (found.get("context") or {}).get("locale")
    refused = g.get("composer_refused") or {}
    return {
        "seen": _latest(found)["id"],
        "suggested": _article_links(
            app_id, _suggestion_query(found), locale if isinstance(locale, str) else None, 3
        ),
        **refused,
    }


def _refuse_stale(ticket_id: str, body: str, internal: bool, then: str) -> BaseResponse | None:
    """The reply form's ``seen_message`` is the newest message the agent had on screen: when a
    newer one exists (and ``force`` is not set) the page comes back with the warning, the
    draft kept and the new message shown, instead of sending."""
    if "seen_message" not in request.form or request.form.get("force") == "1":
        return None
    _, found = _load(ticket_id)
    latest = _latest(found)
    if request.form["seen_message"] == latest["id"]:
        return None
    return _refuse(ticket_id, body, internal, then, stale=STALE, newest=latest, status=409)


def _refuse(
    ticket_id: str, body: str, internal: bool, then: str, *, status: int, **why: Any
) -> BaseResponse:
    """The ticket page again with the draft kept and ``why`` it was not sent (a newer
    message, or a file refused); files chosen must be chosen again (browsers keep none)."""
    dropped = sum(1 for f in request.files.getlist("files") if f.filename)
    g.composer_refused = {
        "draft": body,
        "internal": internal,
        "then_status": then,
        "files_dropped": dropped,
        **why,
    }
    return Response(ticket(ticket_id), status=status, content_type="text/html; charset=utf-8")


@bp.get("/<ticket_id>/macros")
@guard.requires("tickets")
def composer_macros(ticket_id: str) -> BaseResponse:
    """Saved replies matching ``?q=`` (name or body), filled in for this ticket: the agent's
    name is the signed-in member's. Bodies are text, for the page to insert as text."""
    rt = runtime()
    app_id, found = _load(ticket_id)
    app_name = next((a["name"] for a in rt.staff.apps_of(guard.member()) if a["id"] == app_id), "")
    values = macros.values_for(found, guard.member().name, app_name)
    text = (request.args.get("q") or "").strip()[:200]
    items = []
    for macro in rt.macros.items(app_id, text)[:PICKER_LIMIT]:
        body = macros.fill(macro["body"], values)
        preview = " ".join(body.split())
        items.append(
            {
                "id": macro["id"],
                "name": macro["name"],
                "preview": preview[:140] + ("…" if len(preview) > 140 else ""),
                "body": body,
            }
        )
    return jsonify(items=items)


@bp.get("/<ticket_id>/articles")
@guard.requires("tickets")
def composer_articles(ticket_id: str) -> BaseResponse:
    """Published help-center articles matching ``?q=`` (the suggestions when it is empty):
    title and public URL, in the ticket's language when the help center has it."""
    app_id, found = _load(ticket_id)
    text = (request.args.get("q") or "").strip()[:200]
    if not text:
        return jsonify(items=_composer(app_id, found)["suggested"])
    locale = (found.get("context") or {}).get("locale")
    links = _article_links(app_id, text, locale if isinstance(locale, str) else None, PICKER_LIMIT)
    return jsonify(items=links)


@bp.get("/<ticket_id>/latest")
@guard.requires("tickets")
def composer_latest(ticket_id: str) -> BaseResponse:
    """The newest message's id and author: what the composer compares before sending."""
    _, found = _load(ticket_id)
    latest = _latest(found)
    response = jsonify(id=latest["id"], author=latest["author"], internal=latest["internal"])
    response.headers["Cache-Control"] = "no-store"
    return response


# -- the inbox's bulk changes, merges and saved views ----------------------------------------
BULK_DONE = {"updated", "merged"}
TICKET_ID = re.compile(r"tkt_[A-Za-z0-9]{1,60}")


def _view_owner() -> tuple[str, str] | None:
    """Whose saved views the inbox shows: (staff user id, the app they work in); None for a
    staff key's session (views belong to people) or without an app."""
    me = guard.member()
    session = guard.current()
    app_id = session.current_app if session else ""
    if me.kind != "user" or app_id not in _app_ids():
        return None
    return me.id, app_id


def _bulk_notice(args: Mapping[str, str]) -> str | None:
    """The notice after a bulk change ("7 tickets updated", "2 tickets merged into tkt_…")."""
    done, count, into = args.get("done"), args.get("count", ""), args.get("into", "")
    if done not in BULK_DONE or not count.isdigit():
        return None
    n = int(count)
    said = f"{n} ticket{'' if n == 1 else 's'} {done}"
    if done == "merged" and TICKET_ID.fullmatch(into):
        said += f" into {into}"
    return said


def _back() -> str:
    """The inbox query the bulk form came from (filters, sort, page), cleaned."""
    pairs = parse_qsl(request.form.get("back", "").lstrip("?"))
    known = [(k, v) for k, v in pairs if (k in FILTERS or k.startswith("field.") or k == "page")]
    return urlencode([(k, v) for k, v in known if v])


def _tags(name: str) -> list[str]:
    tags = [t.strip() for t in request.form.get(name, "").split(",") if t.strip()]
    if any(len(t) > 40 for t in tags):
        raise ValidationFailed("tags are limited to 40 characters", details={name: tags})
    return list(dict.fromkeys(tags))[:20]


def _bulk_changes(by_app: Mapping[str, list[str]]) -> dict[str, Any]:
    """The changes the bulk bar asks for, checked against every app the tickets are in."""
    me = guard.member()
    changes: dict[str, Any] = {}
    status, priority = request.form.get("status", ""), request.form.get("priority", "")
    if status in STATUSES:
        changes["status"] = status
    if priority in PRIORITIES:
        changes["priority"] = priority
    assignee = request.form.get("assignee", "").strip()
    if assignee:
        handle = me.handle if assignee == "me" else None if assignee == "none" else assignee
        for app_id in by_app:
            if handle and handle not in _people([app_id]):
                raise ValidationFailed("no such agent", details={"assignee": [assignee]})
        changes["assignee"] = handle
    team = request.form.get("team", "").strip()
    if team:
        if team != "none" and len(by_app) > 1:
            raise ValidationFailed(
                "the tickets are in several apps, each with its own teams; choose one app first",
                details={"team": [team]},
            )
        changes["team"] = None if team == "none" else team
    for name in ("add_tags", "remove_tags"):
        tags = _tags(name)
        if tags:
            changes[name] = tags
    if not changes:
        raise ValidationFailed("choose a change to apply to the selected tickets", details={})
    return changes


def _merge(by_app: Mapping[str, list[str]], ids: list[str]) -> tuple[int, str]:
    """Merge the selected tickets into the one typed, or into the oldest selected; every pair
    is checked before the first merge. (merged, target id)"""
    rt = runtime()
    me = guard.member()
    typed = request.form.get("merge_into", "").strip()
    different = request.form.get("different_requesters") == "1"
    if typed:
        app_id = rt.inbox.locate(typed, _app_ids())
        target = typed
    else:
        if len(ids) < 2:
            raise ValidationFailed("select two tickets or more to merge, or type a ticket id")
        app_id = next(iter(by_app))
        created = {
            i: rt.tickets.get(me.principal(a), i)["created_at"]
            for a, group in by_app.items()
            for i in group
        }
        target = min(ids, key=lambda i: (created[i], ids.index(i)))
        app_id = next(a for a, group in by_app.items() if target in group)
    sources = [i for i in ids if i != target]
    if not sources:
        raise ValidationFailed("select the tickets to merge into that one", details={})
    if any(a != app_id for a, group in by_app.items() if group):
        raise ValidationFailed("tickets of different apps cannot be merged", details={})
    rt.merge.merge_many(me.principal(app_id), sources, target, different_requesters=different)
    return len(sources), target


@bp.post("/bulk")
@guard.requires("tickets")
def bulk() -> BaseResponse:
    """The inbox's bulk bar (a plain form, so it works without JavaScript): change or merge the
    selected tickets, all or nothing, then back to the same inbox query with a notice. Refused,
    the inbox comes back with the reason and the selection kept."""
    rt = runtime()
    back = _back()
    ids = list(dict.fromkeys(i.strip() for i in request.form.getlist("ids") if i.strip()))
    try:
        if not ids:
            raise ValidationFailed("select one ticket or more first", details={})
        if len(ids) > MAX_BULK:
            raise ValidationFailed(f"change at most {MAX_BULK} tickets at once", details={})
        by_app: dict[str, list[str]] = {}
        for public_id in ids:
            try:
                app_id = rt.inbox.locate(public_id, _app_ids())
            except NotFound:
                raise NotFound(f"no such ticket: {public_id}") from None
            by_app.setdefault(app_id, []).append(public_id)
        if request.form.get("action") == "merge":
            merged, target = _merge(by_app, ids)
            done = {"done": "merged", "count": str(merged), "into": target}
        else:
            changes = _bulk_changes(by_app)
            for app_id, group in by_app.items():
                rt.merge.bulk(guard.member().principal(app_id), group, changes)
            done = {"done": "updated", "count": str(len(ids))}
    except ApiError as refused:
        page = _inbox(
            MultiDict(parse_qsl(back)),
            selected=ids,
            bulk={k: v for k, v in request.form.items() if k not in ("ids", "csrf_token")},
            error=refused.message[:1].upper() + refused.message[1:],
        )
        return Response(page, status=refused.status, content_type="text/html; charset=utf-8")
    query = "&".join(q for q in (back, urlencode(done)) if q)
    return redirect(url_for(".inbox") + "?" + query, code=303)


@bp.get("/bulk")
@guard.requires("tickets")
def bulk_reload() -> BaseResponse:
    """A reload of a refused bulk change's page (without JavaScript the address stays
    /bulk): the inbox."""
    return redirect(url_for(".inbox"), code=303)


@bp.post("/views")
@guard.requires("tickets")
def save_view() -> BaseResponse:
    """Save the inbox's current query under a name (the same name replaces it)."""
    owner = _view_owner()
    if owner is None:
        raise Forbidden("saved views belong to signed-in agents working in an app")
    query = clean_query(_back())
    runtime().saved_views.save(*owner, request.form.get("name", ""), query)
    return redirect(url_for(".inbox") + ("?" + query if query else ""), code=303)


@bp.post("/views/<view_id>/delete")
@guard.requires("tickets")
def delete_view(view_id: str) -> BaseResponse:
    owner = _view_owner()
    if owner is None:
        raise Forbidden("saved views belong to signed-in agents working in an app")
    runtime().saved_views.delete(*owner, view_id)
    query = _back()
    return redirect(url_for(".inbox") + ("?" + query if query else ""), code=303)
