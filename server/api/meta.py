"""Health and the OpenAPI document."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from .._version import __version__
from ..edge import runtime
from . import schemas
from .handlers import dump
from .openapi import build_spec, documented

bp = Blueprint("meta", __name__)


@bp.get("/health")
@documented(
    "Liveness, with the state of the database and the search index",
    auth="public",
    response=schemas.HealthSchema,
)
def health() -> Response:
    rt = runtime()
    database: dict[str, object] = {"status": "ok"}
    try:
        with rt.db.read() as conn:
            database["schema_version"] = int(conn.execute("PRAGMA user_version").fetchone()[0])
            database["index_backlog"] = int(
                conn.execute("SELECT count(*) FROM search_outbox").fetchone()[0]
            )
    except Exception as exc:  # noqa: BLE001 - health reports, it does not fail
        database = {"status": "error", "reason": type(exc).__name__}
    index = dict(rt.index.state())
    index["rebuilding"] = rt.indexer.healing
    if index["status"] != "ok" and not index["rebuilding"]:
        rt.indexer.heal()  # a missing or unreadable index is rebuilt, whoever notices first
        index["rebuilding"] = rt.indexer.healing
    disk = rt.storage.state()
    healthy = database["status"] == "ok" and disk["status"] != "full"
    # 503 without a database or without room to write (take this node out of rotation); with a
    # damaged index the node still serves (search answers from the database) while it rebuilds.
    body = {
        "status": "ok"
        if healthy and index["status"] == "ok" and disk["status"] == "ok"
        else "degraded",
        "version": __version__,
        "database": database,
        "index": index,
        "storage": disk,
    }
    return dump(schemas.HealthSchema, body, 200 if healthy else 503)


@bp.get("/openapi.json")
def openapi() -> Response:
    spec = current_app.extensions.get("support_openapi")
    if spec is None:
        spec = current_app.extensions["support_openapi"] = build_spec(current_app)
    return jsonify(spec)
