"""What the browser widget needs to draw itself for an app: its name and theme colour.

The loader asks for this before it shows the launcher, with ``?app_id=`` and no credential,
so the request is a "simple" CORS GET (no preflight) and the answer is public and cacheable.
"""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields

from ..edge import runtime
from ..services import apps
from ..theme import on_colour
from .auth import principal
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
    body = {
        "app": {"id": app["id"], "name": app["name"]},
        "theme": {"accent": accent, "on_accent": on_colour(accent)},
    }
    response = dump(WidgetConfigSchema(), body)
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
