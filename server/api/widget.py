"""What the browser widget needs to draw itself for an app: its name and theme colour, and
whether the page's origin may use the app at all.

The loader asks for this before it shows the launcher, with ``?app_id=`` and no credential,
so the request is a "simple" CORS GET (no preflight) and the answer is public and cacheable.
It is readable from any origin (nothing in it is private), so that a page on an origin the
app does not allow learns why nothing else works, and the widget can say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, Response, request
from marshmallow import Schema, fields

from ..edge import runtime
from ..services import apps
from ..theme import on_colour
from .auth import principal
from .cors import origin_allowed
from .handlers import dump
from .openapi import documented

bp = Blueprint("widget", __name__)

DEFAULT_ACCENT = "#4f46e5"


class WidgetConfigArgs(Schema):
    app_id = fields.Str(metadata={"description": "The app, when no token or header names it"})


class ThemeSchema(Schema):
    accent = fields.Str(dump_only=True, metadata={"description": "#rrggbb"})
    on_accent = fields.Str(dump_only=True, metadata={"description": "Text colour on the accent"})


class WidgetAppSchema(Schema):
    id = fields.Str(dump_only=True)
    name = fields.Str(dump_only=True)


class WidgetConfigSchema(Schema):
    app = fields.Nested(WidgetAppSchema, dump_only=True)
    theme = fields.Nested(ThemeSchema, dump_only=True)
    origin_allowed = fields.Bool(
        dump_only=True,
        metadata={
            "description": "Whether the requesting page's Origin is one of the app's origins "
            "(true without an Origin header)"
        },
    )
    origin_help = fields.Str(
        dump_only=True,
        metadata={
            "description": "When the origin is not allowed: why nothing else works and the "
            "command that allows it, for the widget to print in the browser's console"
        },
    )


@bp.get("/widget/config")
@documented(
    "The app's name and the widget's theme (public, cacheable)",
    auth="public",
    query=WidgetConfigArgs,
    response=WidgetConfigSchema,
)
def config() -> Response:
    who = principal()
    app = apps.get_app(runtime().db, who.app_id)
    accent = app["settings"].get("theme_color") or DEFAULT_ACCENT
    body: dict[str, Any] = {
        "app": {"id": app["id"], "name": app["name"]},
        "theme": {"accent": accent, "on_accent": on_colour(accent)},
    }
    origin = request.headers.get("Origin")
    body["origin_allowed"] = origin_allowed(app, origin)
    if origin and not body["origin_allowed"]:
        body["origin_help"] = not_allowed_help(app, origin.lower())
    response = dump(WidgetConfigSchema, body)
    response.headers["Cache-Control"] = "public, max-age=300"
    response.vary.add("Origin")
    if not body["origin_allowed"]:
        # (an allowed origin is named instead, by cors.py); not kept, so that allowing the
        # origin shows at the next page load
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Cache-Control"] = "no-cache"
    return response


def not_allowed_help(app: Mapping[str, Any], origin: str) -> str:
    # The page's developer reads this, so no data directory and no other allowed origins
    # (the server's log names both: cors.py).
    return (
        f"this page's origin ({origin}) is not allowed by app {app['id']}, so the browser "
        "blocks every answer from the support server (CORS). Allow it on the support server: "
        f"support-server apps update {app['id']} --origin {origin} (the list is replaced: "
        "add --origin for each origin already allowed; the server's log shows the full command)."
    )
