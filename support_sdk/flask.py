"""Flask integration: the widget, contextual help links and token refresh in three lines.

::

    from support_sdk.flask import Support

    support = Support(app)            # or support = Support(); support.init_app(app)

    @support.user_loader
    def current_support_user():
        if current_user.is_authenticated:
            return {"id": current_user.id, "email": current_user.email, "name": current_user.name}
        return None

and in a template::

    {{ support_widget(context="billing.invoices") }}
    {{ help_link("billing.invoices", "How do invoices work?") }}

Configuration comes from ``app.config`` (or the environment): ``SUPPORT_URL``,
``SUPPORT_APP_ID`` and ``SUPPORT_APP_SECRET`` are required, and a missing one stops
``init_app`` with an error naming it. ``SUPPORT_WIDGET_ANONYMOUS`` (default False) also embeds
the widget for visitors who are not signed in.

The template helpers never break the host page: if anything goes wrong they log it and render
nothing. The extension keeps its state in ``app.extensions["support_sdk"]``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, jsonify, request
from markupsafe import Markup

from ._embed import SupportUser, help_button, mint_for, widget_tag
from ._embed import as_user as _as_user

__all__ = ["Support", "SupportUser"]

log = logging.getLogger("support_sdk.flask")
REQUIRED = ("SUPPORT_URL", "SUPPORT_APP_ID", "SUPPORT_APP_SECRET")
REFRESH_HEADER = "X-Support-Refresh"


UserLoader = Callable[[], "SupportUser | Mapping[str, Any] | None"]


@dataclass
class _State:
    url: str
    app_id: str
    app_secret: str
    anonymous: bool
    token_ttl: int
    refresh_path: str
    extension: Support


class Support:
    """The Flask extension. See the module docstring for a complete example."""

    def __init__(
        self,
        app: Flask | None = None,
        *,
        refresh_path: str = "/_support/token",
        token_ttl: int = 3600,
    ) -> None:
        self.refresh_path = refresh_path
        self.token_ttl = token_ttl
        self._loader: UserLoader | None = None
        if app is not None:
            self.init_app(app)

    def init_app(self, app: Flask) -> None:
        """Read the configuration, register the template helpers and the token-refresh route."""
        values = {name: app.config.get(name) or os.environ.get(name) for name in REQUIRED}
        missing = [name for name, value in values.items() if not value]
        if missing:
            raise RuntimeError(
                f"support_sdk.flask: set {', '.join(missing)} in app.config or the environment"
            )
        anonymous = app.config.get("SUPPORT_WIDGET_ANONYMOUS", False)
        app.extensions["support_sdk"] = _State(
            url=str(values["SUPPORT_URL"]).rstrip("/"),
            app_id=str(values["SUPPORT_APP_ID"]),
            app_secret=str(values["SUPPORT_APP_SECRET"]),
            anonymous=bool(anonymous),
            token_ttl=self.token_ttl,
            refresh_path=self.refresh_path,
            extension=self,
        )
        app.add_template_global(support_widget, "support_widget")
        app.add_template_global(help_link, "help_link")
        app.add_url_rule(self.refresh_path, "support_sdk_token", _refresh_token, methods=["POST"])

    def user_loader(self, loader: UserLoader) -> UserLoader:
        """Register the function that returns the signed-in user (or None); a decorator."""
        self._loader = loader
        return loader


def _state() -> _State:
    state: _State = current_app.extensions["support_sdk"]
    return state


def _current_user(state: _State) -> SupportUser | None:
    loader = state.extension._loader
    return None if loader is None else _as_user(loader())


def _token_for(state: _State, user: SupportUser) -> str:
    return mint_for(state.app_id, state.app_secret, user, state.token_ttl)


def support_widget(
    context: str | None = None,
    *,
    locale: str | None = None,
    app_version: str | None = None,
    nonce: str | None = None,
) -> Markup:
    """The widget's embed tag with a freshly minted token for the signed-in user.

    Renders nothing for visitors who are not signed in, unless ``SUPPORT_WIDGET_ANONYMOUS``.
    """
    try:
        state = _state()
        user = _current_user(state)
        if user is None and not state.anonymous:
            return Markup("")
        return Markup(  # noqa: S704 - _embed escapes every value
            widget_tag(
                url=state.url,
                app_id=state.app_id,
                user_token=_token_for(state, user) if user else None,
                context=context,
                locale=locale,
                app_version=app_version,
                refresh_url=state.refresh_path if user else None,
                nonce=nonce,
            )
        )
    except Exception:  # the host page must render even if support cannot
        log.exception("support_widget failed; rendering nothing")
        return Markup("")


def help_link(context_or_slug: str, text: str = "Help", *, class_: str = "support-help") -> Markup:
    """An accessible button that opens the help panel on a context key or an article slug."""
    try:
        return Markup(help_button(context_or_slug, text, class_=class_))  # noqa: S704 - escaped
    except Exception:  # never break the host page
        log.exception("help_link failed; rendering nothing")
        return Markup("")


def _refresh_token() -> Response:
    """A fresh token for the signed-in user, for the widget when its token expires.

    POST with the ``X-Support-Refresh`` header only: a cross-site form cannot send that header,
    and a cross-site script cannot read the answer.
    """
    state = _state()
    if not request.headers.get(REFRESH_HEADER):
        response = jsonify(
            error={"code": "bad_request", "message": f"send the {REFRESH_HEADER} header"}
        )
        response.status_code = 400
        return response
    user = _current_user(state)
    if user is None:
        response = jsonify(error={"code": "unauthorized", "message": "nobody is signed in"})
        response.status_code = 401
        return response
    response = jsonify(token=_token_for(state, user), expires_in=state.token_ttl)
    response.headers["Cache-Control"] = "no-store"
    return response
