"""Custom ticket fields: defined per app, filled in on tickets, checked by type.

A field has a ``key`` (``issue_type``: lowercase letters, digits and ``_``, fixed once made), a
``label``, a ``type`` (``text``, ``number``, ``select`` with its ``options``, ``checkbox``,
``date`` as YYYY-MM-DD), whether it is ``required`` and whether it is
``visible_to_requester``. Tickets carry ``"fields": {key: value}`` in and out:

- values are checked against their field's type (a 422 names ``fields.<key>``); a key no field
  has is refused, so a typo is never stored silently;
- a required field must be given when a ticket is filed through the API, the SDK or the
  widget's form, which shows the fields visible to the requester (mail cannot be asked, nor a
  widget that sends no ``fields`` because its form could not load them, nor anyone about a
  field hidden from them; an agent fills those in later);
- requesters set and see only the fields visible to them; agents see and change them all
  (``PATCH /tickets/{id}`` with ``"fields"``, null clears one);
- automations and SLA policies match on ``fields.<key>``.

Deleting a field archives it: the values tickets hold stay (history stays true) and agents
still see them, marked archived, but no form, filter or rule uses the field and no new value
can be given; ``PATCH`` with ``"archived": false`` restores it (its key stays taken meanwhile).
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections.abc import Mapping
from datetime import date
from typing import Any

from .. import clock
from ..errors import Conflict, NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import service_levels as levels_store
from ..store import ticket_fields as store

TYPES = ("text", "number", "select", "checkbox", "date")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_FIELDS = 50
MAX_OPTIONS = 100
MAX_TEXT = 2000


def _out(field: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "id": field["public_id"],
        "key": field["key"],
        "label": field["label"],
        "type": field["type"],
        "options": field["options"],
        "required": field["required"],
        "visible_to_requester": field["visible_to_requester"],
        "position": field["position"],
        "archived": bool(field.get("archived_at")),
    }


def check_value(field: Mapping[str, Any], value: Any) -> tuple[Any, str | None]:
    """(the value as stored, or a problem with it) for one field."""
    kind = field["type"]
    if kind == "text":
        if not isinstance(value, str) or len(value) > MAX_TEXT:
            return None, f"text of at most {MAX_TEXT} characters"
        return value.strip(), None
    if kind == "number":
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or not math.isfinite(value)
        ):
            return None, "a number"
        return value, None
    if kind == "checkbox":
        if not isinstance(value, bool):
            return None, "true or false"
        return value, None
    if kind == "date":
        if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            return None, "a date as YYYY-MM-DD"
        try:
            date.fromisoformat(value)
        except ValueError:
            return None, "a date as YYYY-MM-DD"
        return value, None
    options = field["options"]
    if not isinstance(value, str) or value not in options:
        return None, "one of " + ", ".join(options)
    return value, None


class TicketFieldService:
    def __init__(self, db: Database) -> None:
        self.db = db

    # -- definitions -----------------------------------------------------------------------
    def items(
        self, app_id: str, *, for_requester: bool = False, archived: bool = False
    ) -> list[dict[str, Any]]:
        """The app's fields (requesters: those visible to them; ``archived`` adds those)."""
        with self.db.read() as conn:
            found = store.list_fields(conn, app_id, archived=archived and not for_requester)
        return [_out(f) for f in found if f["visible_to_requester"] or not for_requester]

    def vocabulary(self, conn: sqlite3.Connection, app_id: str) -> dict[str, dict[str, Any]]:
        return {
            f["key"]: {"type": f["type"], "options": f["options"]}
            for f in store.list_fields(conn, app_id)
        }

    @staticmethod
    def _clean(data: Mapping[str, Any], *, creating: bool, kind: str | None) -> dict[str, Any]:
        problems: dict[str, list[str]] = {}
        clean: dict[str, Any] = {}
        if creating:
            key = data.get("key")
            if not isinstance(key, str) or not KEY.match(key):
                problems["key"] = ["1 to 40 lowercase letters, digits or _, starting with a letter"]
            else:
                clean["key"] = key
            kind = data.get("type")
            if kind not in TYPES:
                problems["type"] = ["one of " + ", ".join(TYPES)]
            else:
                clean["type"] = kind
        elif "key" in data or "type" in data:
            for name in ("key", "type"):
                if name in data:
                    problems[name] = ["fixed once the field exists: make a new field instead"]
        if "label" in data or creating:
            label = data.get("label")
            if not isinstance(label, str) or not 1 <= len(label.strip()) <= 120:
                problems["label"] = ["a label of 1 to 120 characters"]
            else:
                clean["label"] = " ".join(label.split())
        if "options" in data or (creating and kind == "select"):
            options = data.get("options")
            if kind != "select":
                if options:
                    problems["options"] = ["only select fields have options"]
            elif (
                not isinstance(options, list)
                or not 1 <= len(options) <= MAX_OPTIONS
                or not all(isinstance(o, str) and 1 <= len(o.strip()) <= 120 for o in options)
            ):
                problems["options"] = [f"1 to {MAX_OPTIONS} options of 1 to 120 characters"]
            elif len({o.strip() for o in options}) != len(options):
                problems["options"] = ["each option once"]
            else:
                clean["options"] = [o.strip() for o in options]
        flags = ("required", "visible_to_requester", *(() if creating else ("archived",)))
        for flag in flags:
            if flag in data:
                if not isinstance(data[flag], bool):
                    problems[flag] = ["true or false"]
                else:
                    clean[flag] = data[flag]
        for name in sorted(set(data) - {"key", "type", "label", "options", *flags}):
            problems[name] = ["unknown field"]
        if problems:
            first = next(iter(problems))
            raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
        return clean

    def create(self, app_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        clean = self._clean(data, creating=True, kind=None)
        now = clock.iso()
        with self.db.write() as conn:
            existing = store.list_fields(conn, app_id, archived=True)
            if sum(1 for f in existing if not f["archived_at"]) >= MAX_FIELDS:
                raise ValidationFailed(f"an app has at most {MAX_FIELDS} fields", details={})
            same = next((f for f in existing if f["key"] == clean["key"]), None)
            if same is not None and same["archived_at"]:
                raise Conflict(
                    f"a field {clean['key']} was deleted and tickets still hold its values:"
                    f' restore it (PATCH /ticket-fields/{same["public_id"]} {{"archived": false}})'
                    " or choose another key",
                    code="field_archived",
                )
            if same is not None:
                raise Conflict(f"there is already a field {clean['key']}", code="field_exists")
            field = {
                "public_id": new_id("fld_"),
                "app_id": app_id,
                "options": [],
                "required": False,
                "visible_to_requester": True,
                "position": store.next_position(conn, app_id),
                "created_at": now,
                "updated_at": now,
                **clean,
            }
            store.insert_field(conn, field)
            self._rules_changed(conn, app_id, now)
            return _out(field)

    def update(self, app_id: str, field_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        with self.db.write() as conn:
            found = store.get_field(conn, app_id, field_id)
            if found is None:
                raise NotFound("no such field")
            clean = self._clean(data, creating=False, kind=found["type"])
            now = clock.iso()
            if "archived" in clean:
                archived = clean.pop("archived")
                clean["archived_at"] = (found["archived_at"] or now) if archived else None
            store.update_field(conn, found["id"], {**clean, "updated_at": now})
            self._rules_changed(conn, app_id, now)
            changed = store.get_field(conn, app_id, found["public_id"])
            assert changed is not None
            return _out(changed)

    def delete(self, app_id: str, field_id: str) -> None:
        with self.db.write() as conn:
            found = store.get_field(conn, app_id, field_id)
            if found is None:
                raise NotFound("no such field")
            if not found["archived_at"]:
                store.archive_field(conn, found["id"], clock.iso())
            self._rules_changed(conn, app_id, clock.iso())

    @staticmethod
    def _rules_changed(conn: sqlite3.Connection, app_id: str, now: str) -> None:
        """Rules and policies naming fields are checked again before they next run."""
        levels_store.touch_rules_naming_fields(conn, app_id, now)

    # -- values (in the ticket's transaction) ------------------------------------------------
    def check(
        self,
        conn: sqlite3.Connection,
        app_id: str,
        values: Any,
        *,
        for_requester: bool,
        filing: bool,
        current: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """``values`` checked against the app's fields, merged over ``current``; a 422 names
        each problem as ``fields.<key>``. ``filing``: required fields must be there."""
        defined = {f["key"]: f for f in store.list_fields(conn, app_id)}
        if for_requester:
            defined = {k: f for k, f in defined.items() if f["visible_to_requester"]}
        if values is None:
            values = {}
        problems: dict[str, list[str]] = {}
        if not isinstance(values, Mapping):
            raise ValidationFailed(
                "fields: an object of key: value", details={"fields": ["not an object"]}
            )
        out = dict(current or {})
        for key, value in values.items():
            field = defined.get(key)
            if field is None:
                problems[f"fields.{key}"] = ["no such field"]
                continue
            if value is None:
                if field["required"] and for_requester:
                    problems[f"fields.{key}"] = ["required"]
                out.pop(key, None)
                continue
            stored, problem = check_value(field, value)
            if problem:
                problems[f"fields.{key}"] = [problem]
            else:
                out[key] = stored
        if filing:
            for key, field in defined.items():
                if field["required"] and out.get(key) in (None, ""):
                    problems.setdefault(f"fields.{key}", ["required"])
        if problems:
            first = next(iter(problems))
            raise ValidationFailed(f"{first}: {problems[first][0]}", details=problems)
        return out

    @staticmethod
    def shown(
        conn: sqlite3.Connection, app_id: str, values: Mapping[str, Any], *, agent: bool
    ) -> dict[str, Any]:
        """The values a viewer sees: agents every field's (archived ones too), requesters
        those of the fields visible to them."""
        defined = store.list_fields(conn, app_id, archived=agent)
        keys = {f["key"] for f in defined if agent or f["visible_to_requester"]}
        return {k: v for k, v in values.items() if k in keys}
