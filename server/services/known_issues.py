"""Known issues: a problem agents know about, told to users where it happens.

An issue has a ``title`` and a ``message`` for users, and says where it shows: its
``contexts`` (the widget's context keys; an entry starting with ``/`` is a URL path prefix)
and its ``app_versions``. One with neither would show everywhere, so it is refused unless an
admin marks it ``global``.

**Where an open issue shows** (:func:`matches`), for a place given as context key, URL and app
version (the widget's ``GET /help/notices``, or the context a ticket was filed from):

- a ``global`` issue shows everywhere;
- an issue with ``app_versions`` shows only for one of those versions (exactly as written);
- an issue with ``contexts`` shows only where one of them matches: the same context key, or
  a path prefix of the URL's path; with none it shows wherever its version matches.

So ``contexts=["reports.export"], app_versions=["2.3.1"]`` is "the export on 2.3.1",
``app_versions=["2.3.1"]`` alone is "anywhere on 2.3.1". Issues never cross apps.

**Tickets**: a ticket filed from where an open issue shows is linked to it, in the filing
transaction (:meth:`KnownIssueService.link_new`); agents link and unlink others through
``ticket_ids``. **Resolving** posts the ``resolution`` as a public reply, signed "Support", on
each linked ticket whose requester was not told yet (closed tickets take no reply and are
skipped), so it reaches them as any agent reply does: in the widget's conversation and
unread badge, and by mail (the ``message.created`` event's customer mail, sent by the worker).
Each link is marked told in that same transaction, and only where it was not marked, so
resolving twice, reopening and resolving again, or two resolutions at once tell nobody twice.
A ticket linked to an issue already resolved is told at once.

The replies are written in the resolving transaction (a few rows per ticket; the mail and
webhooks, the slow part, go through the outbox to the worker), so either every linked requester
is told or none is and the issue stays open.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit

from .. import clock
from ..errors import Forbidden, NotFound, ValidationFailed
from ..ids import new_id
from ..principal import Principal
from ..store import Database
from ..store import known_issues as store
from ..store import tickets as ticket_store
from . import outbox
from .tickets import TicketService

STATUSES = ("open", "resolved")
MAX_PLACES = 50  # contexts, and app versions
MAX_TICKETS = 1000
EVERYWHERE = (
    "give contexts or app versions: without them the issue would show everywhere"
    " (an admin can mark it global)"
)


def matches(
    issue: Mapping[str, Any], context: str | None, url: str | None, app_version: str | None
) -> bool:
    """Whether ``issue`` shows at this place (see the module's docstring)."""
    if issue["is_global"]:
        return True
    versions, contexts = issue["app_versions"], issue["contexts"]
    if versions and (app_version or "") not in versions:
        return False
    if not contexts:
        return bool(versions)
    path = urlsplit(url or "").path or ""
    return any(
        (c.startswith("/") and path.startswith(c)) or (bool(context) and c == context)
        for c in contexts
    )


def _out(issue: Mapping[str, Any], ticket_ids: Sequence[str]) -> dict[str, Any]:
    return {
        "id": issue["public_id"],
        "title": issue["title"],
        "message": issue["message"],
        "contexts": issue["contexts"],
        "app_versions": issue["app_versions"],
        "global": issue["is_global"],
        "status": issue["status"],
        "resolution": issue["resolution"],
        "ticket_ids": list(ticket_ids),
        "created_at": issue["created_at"],
        "updated_at": issue["updated_at"],
        "resolved_at": issue["resolved_at"],
    }


def _places(values: Any, name: str, longest: int, problems: dict[str, list[str]]) -> list[str]:
    """A list of distinct, trimmed, non-empty strings (problems noted under ``name``)."""
    if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
        problems[name] = ["a list of strings"]
        return []
    clean = list(dict.fromkeys(v.strip() for v in values if v.strip()))
    if len(clean) > MAX_PLACES or any(len(v) > longest for v in clean):
        problems[name] = [f"at most {MAX_PLACES}, each of at most {longest} characters"]
    return clean


class KnownIssueService:
    def __init__(self, db: Database, tickets: TicketService) -> None:
        self.db = db
        self.tickets = tickets

    # -- reading ---------------------------------------------------------------------------
    def _present(
        self, conn: sqlite3.Connection, issues: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        linked = store.ticket_ids(conn, [i["id"] for i in issues])
        return [_out(i, linked[i["id"]]) for i in issues]

    def items(self, app_id: str, status: str | None = None) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return self._present(conn, store.list_issues(conn, app_id, status))

    def get(self, app_id: str, issue_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            return self._present(conn, [self._found(conn, app_id, issue_id)])[0]

    def notices(
        self, app_id: str, context: str | None, url: str | None, app_version: str | None
    ) -> list[dict[str, Any]]:
        """What users see at this place: the app's open issues that show there."""
        with self.db.read() as conn:
            found = store.list_issues(conn, app_id, "open")
        return [
            {"id": i["public_id"], "title": i["title"], "message": i["message"]}
            for i in found
            if matches(i, context, url, app_version)
        ]

    def of_ticket(self, app_id: str, ticket_id: str) -> list[dict[str, Any]]:
        """The issues a ticket (public id) is linked to, for its page in the admin."""
        with self.db.read() as conn:
            ticket = ticket_store.get_ticket(conn, app_id, ticket_id)
            if ticket is None:
                return []
            return [
                {"id": i["public_id"], "title": i["title"], "status": i["status"]}
                for i in store.issues_of_ticket(conn, ticket["id"])
            ]

    @staticmethod
    def _found(conn: sqlite3.Connection, app_id: str, issue_id: str) -> dict[str, Any]:
        found = store.get_issue(conn, app_id, issue_id)
        if found is None:
            raise NotFound("no such known issue")
        return found

    # -- changing --------------------------------------------------------------------------
    @staticmethod
    def _clean(
        who: Principal, data: Mapping[str, Any], current: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        problems: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        for name, longest, required in (("title", 200, True), ("message", 2000, True)):
            if name in data or (required and current is None):
                value = data.get(name)
                if not isinstance(value, str) or not 1 <= len(value.strip()) <= longest:
                    problems[name] = [f"1 to {longest} characters"]
                else:
                    clean[name] = value.strip()
        if "resolution" in data:
            value = data["resolution"]
            if not isinstance(value, str) or len(value) > 2000:
                problems["resolution"] = ["at most 2000 characters"]
            else:
                clean["resolution"] = value.strip()
        if "contexts" in data:
            clean["contexts"] = _places(data["contexts"], "contexts", 200, problems)
        if "app_versions" in data:
            clean["app_versions"] = _places(data["app_versions"], "app_versions", 64, problems)
        if "global" in data:
            if not isinstance(data["global"], bool):
                problems["global"] = ["true or false"]
            elif data["global"] != bool(current and current["is_global"]) and who.role != "admin":
                raise Forbidden("only an admin marks a known issue global, or unmarks it")
            else:
                clean["is_global"] = data["global"]
        if "status" in data:
            if data["status"] not in STATUSES:
                problems["status"] = ["open or resolved"]
            else:
                clean["status"] = data["status"]
        if "ticket_ids" in data:
            ids = data["ticket_ids"]
            if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
                problems["ticket_ids"] = ["a list of ticket ids"]
            elif len(ids) > MAX_TICKETS:
                problems["ticket_ids"] = [f"at most {MAX_TICKETS}"]
            else:
                clean["ticket_ids"] = list(dict.fromkeys(ids))
        merged = {**(current or {}), **clean}
        if not problems and not (
            merged.get("is_global") or merged.get("contexts") or merged.get("app_versions")
        ):
            problems["contexts"] = [EVERYWHERE]
        if problems:
            first = next(iter(problems))
            raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
        return clean

    @staticmethod
    def _ticket_rows(conn: sqlite3.Connection, app_id: str, ids: Sequence[str]) -> list[int]:
        rows, missing = [], []
        for public_id in ids:
            ticket = ticket_store.get_ticket(conn, app_id, public_id)
            if ticket is None:
                missing.append(public_id)
            else:
                rows.append(int(ticket["id"]))
        if missing:
            raise ValidationFailed(
                f"ticket_ids: no such ticket: {missing[0]}",
                details={"ticket_ids": [f"no such ticket: {i}" for i in missing]},
            )
        return rows

    def _require_agent(self, who: Principal) -> None:
        if not who.is_agent:
            raise Forbidden("only agents and admins change known issues")

    def create(self, who: Principal, data: Mapping[str, Any]) -> dict[str, Any]:
        self._require_agent(who)
        clean = self._clean(who, data, None)
        now = clock.iso()
        with self.db.write() as conn:
            linked = self._ticket_rows(conn, who.app_id, clean.pop("ticket_ids", []))
            status = clean.pop("status", "open")
            issue: dict[str, Any] = {
                "public_id": new_id("kni_"),
                "app_id": who.app_id,
                "created_by": who.id,
                "created_at": now,
                "updated_at": now,
                "contexts": [],
                "app_versions": [],
                "is_global": False,
                "resolution": "",
                "status": "open",
                "resolved_at": None,
                **clean,
            }
            issue["id"] = store.insert_issue(conn, issue)
            for ticket_id in linked:
                store.link(conn, issue["id"], ticket_id, who.id, now)
            if status == "resolved":
                self._resolve(conn, issue, now)
            return self._changed(conn, issue, {"status": {"from": None, "to": issue["status"]}})

    def update(self, who: Principal, issue_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """Change an issue; ``status: resolved`` tells the linked requesters (once each)."""
        self._require_agent(who)
        with self.db.write() as conn:
            issue = self._found(conn, who.app_id, issue_id)
            clean = self._clean(who, data, issue)
            now = clock.iso()
            if "ticket_ids" in clean:
                wanted = self._ticket_rows(conn, who.app_id, clean.pop("ticket_ids"))
                before = {
                    int(t["id"])
                    for p in store.ticket_ids(conn, [issue["id"]])[issue["id"]]
                    if (t := ticket_store.get_ticket(conn, who.app_id, p))
                }
                store.unlink(conn, issue["id"], sorted(before - set(wanted)))
                for ticket_id in wanted:
                    store.link(conn, issue["id"], ticket_id, who.id, now)
            status = clean.pop("status", issue["status"])
            changes = {
                ("global" if k == "is_global" else k): {"from": issue[k], "to": v}
                for k, v in clean.items()
                if issue[k] != v
            }
            issue.update(clean, updated_at=now)
            if status == "open" and issue["status"] == "resolved":
                issue.update(status="open", resolved_at=None)
                changes["status"] = {"from": "resolved", "to": "open"}
            store.update_issue(conn, issue["id"], issue)
            if status == "resolved":
                if issue["status"] == "open":
                    changes["status"] = {"from": "open", "to": "resolved"}
                self._resolve(conn, issue, now)
            return self._changed(conn, issue, changes)

    def _changed(
        self, conn: sqlite3.Connection, issue: dict[str, Any], changes: dict[str, Any]
    ) -> dict[str, Any]:
        presented = self._present(conn, [issue])[0]
        outbox.emit(conn, issue["app_id"], "known_issue.updated", presented, changes=changes)
        return presented

    def _resolve(self, conn: sqlite3.Connection, issue: dict[str, Any], now: str) -> None:
        """Mark resolved (if open) and tell every linked requester not told yet."""
        if issue["status"] != "resolved":
            issue.update(status="resolved", resolved_at=now, updated_at=now)
            if not issue["resolution"]:
                issue["resolution"] = f"Good news: {issue['title']} is fixed."
            store.update_issue(conn, issue["id"], issue)
        for ticket_id in store.claim_unnotified(conn, issue["id"], now):
            ticket = ticket_store.ticket_by_row_id(conn, ticket_id)
            if ticket is not None and ticket["status"] != "closed":
                self.tickets.automated_reply(conn, ticket, issue["resolution"])

    # -- the ticket lifecycle ----------------------------------------------------------------
    def link_new(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> None:
        """Link a ticket being filed to the open issues of where it was filed from."""
        context = ticket.get("context") or {}
        place = (context.get("context_key"), context.get("url"), context.get("app_version"))
        if not any(isinstance(p, str) and p for p in place):
            return  # mail, or a program that said nothing: only global issues would match
        key, url, version = (p if isinstance(p, str) else None for p in place)
        now = clock.iso()
        for issue in store.list_issues(conn, ticket["app_id"], "open"):
            if matches(issue, key, url, version):
                store.link(conn, issue["id"], ticket["id"], "auto", now)
