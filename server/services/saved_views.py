"""Saved inbox views: an agent names the inbox's current query (filters and sort) and finds it
again as a tab after the status views. Each agent has their own, per app; saving a name that
exists replaces its query. The query is kept as the inbox's query string and only ever opened
as ``/admin/tickets/?<query>``: the inbox checks every filter again when it is opened."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlencode

from .. import clock
from ..errors import NotFound, ValidationFailed
from ..ids import new_id
from ..store import Database
from ..store import saved_views as store

MAX_VIEWS = 30
MAX_NAME = 60
MAX_QUERY = 2000
# what a saved query never keeps: the page, and the one-off notices of a bulk change
TRANSIENT = frozenset({"page", "done", "count", "into"})


def clean_query(query: str) -> str:
    """The query string without its page or notices, re-encoded (so it is plain ASCII)."""
    pairs = [(k, v) for k, v in parse_qsl(query.lstrip("?")) if k not in TRANSIENT and v]
    return urlencode(pairs)


def _out(view: dict[str, Any]) -> dict[str, Any]:
    return {"id": view["public_id"], "name": view["name"], "query": view["query"]}


class SavedViews:
    def __init__(self, db: Database) -> None:
        self.db = db

    def items(self, user_id: str, app_id: str) -> list[dict[str, Any]]:
        with self.db.read() as conn:
            return [_out(v) for v in store.list_views(conn, user_id, app_id)]

    def save(self, user_id: str, app_id: str, name: str, query: str) -> dict[str, Any]:
        """Save ``query`` as ``name`` (replacing the query of a view of that name)."""
        name = " ".join(name.split())
        if not name:
            raise ValidationFailed("name the view", details={"name": ["must not be blank"]})
        if len(name) > MAX_NAME:
            raise ValidationFailed(
                f"names are limited to {MAX_NAME} characters", details={"name": ["too long"]}
            )
        query = clean_query(query)
        if len(query) > MAX_QUERY:
            raise ValidationFailed("this view's filters are too long to save", details={})
        with self.db.write() as conn:
            found = store.get_by_name(conn, user_id, app_id, name)
            if found is not None:
                store.set_query(conn, found["id"], query)
                return _out({**found, "query": query})
            if len(store.list_views(conn, user_id, app_id)) >= MAX_VIEWS:
                raise ValidationFailed(
                    f"you can save {MAX_VIEWS} views; delete one first", details={}
                )
            view = {
                "public_id": new_id("view_"),
                "app_id": app_id,
                "user_id": user_id,
                "name": name,
                "query": query,
                "created_at": clock.iso(),
            }
            store.insert_view(conn, view)
            return _out(view)

    def delete(self, user_id: str, app_id: str, view_id: str) -> None:
        with self.db.write() as conn:
            if not store.delete_view(conn, user_id, app_id, view_id):
                raise NotFound("no such view")
