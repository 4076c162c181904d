"""The web interface for people who are not developers: the public help center (/help) and
the admin interface (/admin), server-rendered with Jinja and a little dependency-free JS."""

from __future__ import annotations

import logging

from flask import Flask

from ..edge import runtime
from . import admin, conversation, filters, help_center, media, sitemap
from .assets import asset_url

log = logging.getLogger(__name__)


def _publish_due() -> None:
    """Scheduled articles go live on the back of any request (cheap when nothing is due)."""
    try:
        runtime().schedule.tick()
    except Exception:  # publishing later must never fail this request
        log.exception("scheduled publishing failed; will retry")


def register(app: Flask) -> None:
    filters.register(app)
    app.jinja_env.globals["asset_url"] = asset_url
    app.register_blueprint(media.bp)
    app.register_blueprint(sitemap.bp)
    app.register_blueprint(help_center.bp)
    app.register_blueprint(conversation.bp)
    admin.register(app)
    app.before_request(_publish_due)
