"""Saved replies ("macros"): a named answer with placeholders.

Placeholders are ``{{requester.name}}``, ``{{requester.email}}``, ``{{ticket.id}}``,
``{{ticket.subject}}``, ``{{agent.name}}`` and ``{{app.name}}``; an unknown one is refused when
the macro is saved (a 422 naming it), so a typo never reaches a customer. Filling one in is
plain text substitution: the values are text, never markup, and are shown escaped like any
message. A value that is missing (a visitor without a name) becomes a neutral word ("there" for
a name), never an empty gap or the raw placeholder.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import macros as store
from ..store import service_levels as levels_store

PLACEHOLDER = re.compile(r"\{\{\s*([a-z_]+\.[a-z_]+)\s*\}\}")
KNOWN = (
    "requester.name",
    "requester.email",
    "ticket.id",
    "ticket.subject",
    "agent.name",
    "app.name",
)
FALLBACK = {"requester.name": "there", "agent.name": "the support team"}
MAX_BODY = 20_000
MAX_MACROS = 500


def fill(body: str, values: Mapping[str, str | None]) -> str:
    """``body`` with each placeholder replaced by its value (or a neutral fallback)."""

    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        value = values.get(name)
        return str(value) if value else FALLBACK.get(name, "")

    return PLACEHOLDER.sub(one, body)


def values_for(
    ticket: Mapping[str, Any], agent_name: str | None, app_name: str
) -> dict[str, str | None]:
    """The placeholder values of a ticket (a row or the API's view)."""
    requester = ticket.get("requester") or {}
    return {
        "requester.name": ticket.get("requester_name") or requester.get("name"),
        "requester.email": ticket.get("requester_email") or requester.get("email"),
        "ticket.id": ticket.get("public_id") or ticket.get("id"),
        "ticket.subject": ticket.get("subject"),
        "agent.name": agent_name,
        "app.name": app_name,
    }


def _out(macro: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": macro["public_id"],
        "name": macro["name"],
        "body": macro["body"],
        "placeholders": sorted(set(PLACEHOLDER.findall(macro["body"]))),
        "created_at": macro["created_at"],
        "updated_at": macro["updated_at"],
    }


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    problems: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}
    if "name" in data:
        name = data["name"]
        if not isinstance(name, str) or not 1 <= len(name.strip()) <= 120:
            problems["name"] = ["a name of 1 to 120 characters"]
        else:
            clean["name"] = " ".join(name.split())
    if "body" in data:
        body = data["body"]
        if not isinstance(body, str) or not body.strip() or len(body) > MAX_BODY:
            problems["body"] = [f"the reply's text, 1 to {MAX_BODY} characters"]
        else:
            unknown = sorted(set(PLACEHOLDER.findall(body)) - set(KNOWN))
            stray = re.findall(r"\{\{[^}]*\}\}", PLACEHOLDER.sub("", body))
            if unknown or stray:
                named = unknown + stray
                problems["body"] = [
                    f"unknown placeholder {{{{{n}}}}}"
                    if n in unknown
                    else f"unknown placeholder {n}"
                    for n in named
                ] + ["known: " + ", ".join("{{" + k + "}}" for k in KNOWN)]
            else:
                clean["body"] = body
    if problems:
        first = next(iter(problems))
        raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
    return clean


class MacroService:
    def __init__(self, db: Database) -> None:
        self.db = db

    def items(self, app_id: str, text: str = "") -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [_out(m) for m in store.list_macros(conn, app_id, text.strip())]

    def get(self, app_id: str, public_id: str) -> dict[str, Any]:
        with self.db.read() as conn:
            found = store.get_macro(conn, app_id, public_id)
        if found is None:
            raise NotFound("no such saved reply")
        return _out(found)

    def create(self, app_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        missing = [k for k in ("name", "body") if k not in data]
        if missing:
            raise ValidationFailed(
                "a saved reply needs a name and a body", details={k: ["required"] for k in missing}
            )
        clean = _clean(data)
        now = clock.iso()
        with self.db.write() as conn:
            existing = store.list_macros(conn, app_id)
            if len(existing) >= MAX_MACROS:
                raise ValidationFailed(f"an app has at most {MAX_MACROS} saved replies", details={})
            if any(m["name"].lower() == clean["name"].lower() for m in existing):
                raise Conflict(
                    f"there is already a saved reply named {clean['name']}", code="macro_exists"
                )
            macro = {
                "public_id": new_id("mac_"),
                "app_id": app_id,
                "created_at": now,
                "updated_at": now,
                **clean,
            }
            store.insert_macro(conn, macro)
            return _out(macro)

    def update(self, app_id: str, public_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        clean = _clean(data)
        with self.db.write() as conn:
            found = store.get_macro(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such saved reply")
            if "name" in clean and any(
                m["name"].lower() == clean["name"].lower() and m["id"] != found["id"]
                for m in store.list_macros(conn, app_id)
            ):
                raise Conflict(
                    f"there is already a saved reply named {clean['name']}", code="macro_exists"
                )
            store.update_macro(conn, found["id"], {**clean, "updated_at": clock.iso()})
            changed = store.get_macro(conn, app_id, public_id)
            assert changed is not None
            return _out(changed)

    def delete(self, app_id: str, public_id: str) -> None:
        """Delete a saved reply; automations that send it are switched off (and say why) the
        next time they would run."""
        with self.db.write() as conn:
            found = store.get_macro(conn, app_id, public_id)
            if found is None:
                raise NotFound("no such saved reply")
            store.delete_macro(conn, found["id"])
            levels_store.flag_automations_naming(conn, app_id, public_id, clock.iso())
