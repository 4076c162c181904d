"""Teams and routing: who answers which tickets.

A team covers context prefixes (``billing.`` covers ``billing.invoices``) and locales (``fr``
covers ``fr-CA``); a new ticket goes to the team whose cover is the most specific match (the
longest context prefix, then a locale match, then the oldest team), or to none. Within the team
it is assigned to an *available* member (enabled, agent or admin, not away): in turn
(``round_robin``: the member after the last one given a ticket, by name) or to whoever holds
the fewest unsolved tickets (``least_open``), or left to the team (``none``). An agent sets
themselves available or away; away agents keep their tickets and get no new ones.

A team that still has unsolved tickets is deleted only with somewhere for them to go
(another team, or ``none`` to leave them without one, said explicitly): never silently.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from typing import Any

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import service_levels as store
from ..store import staff as staff_store

ASSIGNMENTS = ("round_robin", "least_open", "none")
MAX_TEAMS = 100
_CONTEXT = re.compile(r"^[A-Za-z0-9_.:/-]{1,200}$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


def _out(team: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": team["public_id"],
        "name": team["name"],
        "members": team["members"],
        "contexts": team["contexts"],
        "locales": team["locales"],
        "assignment": team["assignment"],
        "created_at": team["created_at"],
        "updated_at": team["updated_at"],
    }


def covers(team: Mapping[str, Any], context_key: str, locale: str) -> tuple[int, int] | None:
    """How well ``team`` covers a ticket: (context prefix length, locale match), or None."""
    context_score = 0
    if team["contexts"]:
        matching = [p for p in team["contexts"] if context_key.startswith(p)]
        if not matching:
            return None
        context_score = max(len(p) for p in matching)
    locale_score = 0
    if team["locales"]:
        wanted = locale.lower()
        if not any(
            wanted == x.lower() or wanted.startswith(x.lower() + "-") for x in team["locales"]
        ):
            return None
        locale_score = 1
    if not team["contexts"] and not team["locales"]:
        return (0, 0)  # a catch-all team
    return (context_score, locale_score)


class TeamService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- reading -----------------------------------------------------------------------------
    def items(self, app_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [_out(t) for t in store.list_teams(conn, app_id)]

    def get(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            team = store.get_team(conn, app_id, public_id)
        if team is None:
            raise NotFound("no such team")
        return _out(team)

    def ids(self, conn: sqlite3.Connection, app_id: str) -> frozenset[str]:
        return frozenset(t["public_id"] for t in store.list_teams(conn, app_id))

    # -- changing ----------------------------------------------------------------------------
    def _clean(
        self, conn: sqlite3.Connection, app_id: str, data: Mapping[str, Any]
    ) -> dict[str, Any]:
        problems: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        if "name" in data:
            name = data["name"]
            if not isinstance(name, str) or not 1 <= len(name.strip()) <= 80:
                problems["name"] = ["a name of 1 to 80 characters is required"]
            else:
                clean["name"] = " ".join(name.split())
        if "members" in data:
            members = data["members"]
            staff = {
                u["username"].lower(): u
                for u in staff_store.list_users(conn, app_id)
                if u["role"] in ("agent", "admin")
            }
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                problems["members"] = ["a list of agents' usernames"]
            else:
                unknown = [m for m in members if m.lower() not in staff]
                if unknown:
                    problems["members"] = [f"no such agent: {m!r}" for m in unknown]
                else:
                    clean["members"] = sorted(
                        {staff[m.lower()]["username"] for m in members}, key=str.lower
                    )
        for name, pattern, example in (
            ("contexts", _CONTEXT, "billing."),
            ("locales", _LOCALE, "fr or pt-BR"),
        ):
            if name not in data:
                continue
            values = data[name]
            if not isinstance(values, list) or len(values) > 50:
                problems[name] = [f"a list of at most 50, such as {example}"]
                continue
            bad = [v for v in values if not isinstance(v, str) or not pattern.match(v)]
            if bad:
                problems[name] = [f"not a valid entry: {v!r} (such as {example})" for v in bad]
            else:
                clean[name] = list(dict.fromkeys(values))
        if "assignment" in data:
            if data["assignment"] not in ASSIGNMENTS:
                problems["assignment"] = ["one of " + ", ".join(ASSIGNMENTS)]
            else:
                clean["assignment"] = data["assignment"]
        unknown_keys = set(data) - {"name", "members", "contexts", "locales", "assignment"}
        for key in sorted(unknown_keys):
            problems[key] = ["unknown field"]
        if problems:
            first = next(iter(problems))
            raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
        return clean

    def create(self, app_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        now = clock.iso()
        with self.db.write() as conn:
            if "name" not in data:
                raise ValidationFailed("a team needs a name", details={"name": ["required"]})
            clean = self._clean(conn, app_id, data)
            teams = store.list_teams(conn, app_id)
            if len(teams) >= MAX_TEAMS:
                raise ValidationFailed(f"an app has at most {MAX_TEAMS} teams", details={})
            if any(t["name"].lower() == clean["name"].lower() for t in teams):
                raise Conflict(f"there is already a team named {clean['name']}", code="team_exists")
            team = {
                "public_id": new_id("team_"),
                "app_id": app_id,
                "contexts": [],
                "locales": [],
                "assignment": "round_robin",
                "created_at": now,
                "updated_at": now,
                **{k: v for k, v in clean.items() if k != "members"},
            }
            team_id = store.insert_team(conn, team)
            store.set_members(conn, team_id, clean.get("members", []))
            found = store.get_team(conn, app_id, team["public_id"])
            assert found is not None
            return _out(found)

    def update(self, app_id: str, public_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.db.write() as conn:
            team = store.get_team(conn, app_id, public_id)
            if team is None:
                raise NotFound("no such team")
            clean = self._clean(conn, app_id, data)
            if "name" in clean and any(
                t["name"].lower() == clean["name"].lower() and t["id"] != team["id"]
                for t in store.list_teams(conn, app_id)
            ):
                raise Conflict(f"there is already a team named {clean['name']}", code="team_exists")
            if "members" in clean:
                store.set_members(conn, team["id"], clean.pop("members"))
            store.update_team(conn, team["id"], {**clean, "updated_at": clock.iso()})
            found = store.get_team(conn, app_id, public_id)
            assert found is not None
            return _out(found)

    def delete(self, app_id: str, public_id: str, move_to: str | None) -> dict[str, Any]:
        """Delete a team. Its unsolved tickets go to team ``move_to``, or to no team when
        ``move_to`` is ``"none"``; with unsolved tickets and no ``move_to``, a 409."""
        with self.db.write() as conn:
            team = store.get_team(conn, app_id, public_id)
            if team is None:
                raise NotFound("no such team")
            target: dict[str, Any] | None = None
            if move_to and move_to != "none":
                target = store.get_team(conn, app_id, move_to)
                if target is None or target["id"] == team["id"]:
                    raise ValidationFailed(
                        f"no other team {move_to!r} to move the tickets to",
                        details={"move_to": [move_to]},
                    )
            unsolved = store.tickets_of_team(conn, team["id"], unsolved_only=True)
            if unsolved and not move_to:
                raise Conflict(
                    f"{team['name']} still has {unsolved} unsolved ticket(s): say where they go"
                    " (move_to=<team id>, or move_to=none to leave them without a team)",
                    code="team_has_tickets",
                    details={"unsolved": unsolved},
                )
            moved = store.move_team_tickets(conn, team["id"], target["id"] if target else None)
            store.flag_automations_naming(
                conn, app_id, public_id, clock.iso(), f"the team {team['name']} was deleted"
            )
            store.delete_team(conn, team["id"])
        return {"deleted": public_id, "moved": moved, "to": target["public_id"] if target else None}

    # -- availability ------------------------------------------------------------------------
    def set_available(self, app_id: str | None, username: str, available: bool) -> None:
        """Set an agent of ``app_id`` (None: any app, the person themselves) available or
        away."""
        with self.db.write() as conn:
            user = staff_store.find_user(conn, username)
            if (
                user is None
                or user["role"] not in ("agent", "admin")
                or (app_id is not None and user["app_id"] not in (None, app_id))
            ):
                raise NotFound("no such agent")
            store.set_available(conn, user["id"], available)

    # -- routing (in the ticket's transaction) -----------------------------------------------
    def route(self, conn: sqlite3.Connection, ticket: Mapping[str, Any]) -> dict[str, Any] | None:
        """The team a new ticket goes to, or None."""
        context = ticket.get("context") or {}
        key = str(context.get("context_key") or "")
        locale = str(context.get("locale") or "")
        best: tuple[tuple[int, int], dict[str, Any]] | None = None
        for team in store.list_teams(conn, ticket["app_id"]):
            score = covers(team, key, locale)
            if score is not None and (best is None or score > best[0]):
                best = (score, team)
        return best[1] if best else None

    def pick_agent(
        self, conn: sqlite3.Connection, app_id: str, team: Mapping[str, Any]
    ) -> str | None:
        """The available member who gets the team's next ticket (and remember them)."""
        if team["assignment"] == "none":
            return None
        members = store.available_members(conn, team["id"])
        if not members:
            return None
        if team["assignment"] == "least_open":
            load = store.open_counts(conn, app_id, members)
            chosen = min(members, key=lambda m: (load[m.lower()], m.lower()))
        else:
            last = (team.get("last_assigned") or "").lower()
            later = [m for m in members if m.lower() > last]
            chosen = (later or members)[0]
        store.update_team(conn, team["id"], {"last_assigned": chosen})
        return chosen

    # -- reading who can take tickets (for the admin pages) ----------------------------------
    def agents(self, app_id: str) -> list[dict[str, Any]]:
        """The enabled agents and admins of ``app_id`` a team may hold, by username: each
        ``{"username", "name", "role", "available"}``."""
        with self.db.read() as conn:
            users = staff_store.list_users(conn, app_id)
        return [
            {
                "username": u["username"],
                "name": u["display_name"] or u["username"],
                "role": u["role"],
                "available": bool(u["available"]),
            }
            for u in users
            if u["role"] in ("agent", "admin") and u["disabled_at"] is None
        ]

    def is_available(self, username: str) -> bool:
        """Whether the agent ``username`` takes new tickets (not away)."""
        with self.db.read() as conn:
            user = staff_store.find_user(conn, username)
        if user is None:
            raise NotFound("no such agent")
        return bool(user["available"])
