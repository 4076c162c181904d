"""What the browser widget needs to draw itself for an app: its name and theme colour.

The loader asks for this before it shows the launcher, with ``?app_id=`` and no credential,
so the request is a "simple" CORS GET (no preflight) and the answer is public and cacheable.
"""

from __future__ import annotations

from flask import Blueprint, Response
from marshmallow import Schema, fields

from ..services import apps
from .auth import principal
from .handlers import dump, runtime
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


def on_colour(accent: str) -> str:
    """Black or white, whichever reads better on ``accent`` (WCAG relative luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(accent[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast with white = 1.05 / (L + .05); with black = (L + .05) / .05
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111827"


@bp.get("/widget/config")
@documented(
    "The app's name and the widget's theme (public, cacheable)",
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
