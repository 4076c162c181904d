"""The widget's embed tag and the help button, as HTML text, for every framework integration.

Framework-free (no Flask, no Django): ``support_sdk.flask`` and ``support_sdk.django`` wrap
these strings in their own "safe markup" types, so both render byte for byte the same tags.
Every value is escaped exactly as MarkupSafe escapes it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .tokens import mint_user_token

__all__ = ["SupportUser", "as_user", "escape", "help_button", "mint_for", "widget_tag"]


@dataclass(frozen=True)
class SupportUser:
    """Who is signed in, as the support widget should know them."""

    id: str
    email: str | None = None
    name: str | None = None
    traits: Mapping[str, Any] | None = None


def as_user(value: SupportUser | Mapping[str, Any] | None) -> SupportUser | None:
    """A loader's answer (a SupportUser, a mapping with ``id`` …, or None) as a SupportUser."""
    if value is None or isinstance(value, SupportUser):
        return value
    if value.get("id") in (None, ""):
        return None
    return SupportUser(
        id=str(value["id"]),
        email=value.get("email"),
        name=value.get("name"),
        traits=value.get("traits"),
    )


def mint_for(app_id: str, app_secret: str, user: SupportUser, expires_in: int) -> str:
    """A fresh user token for ``user``."""
    return mint_user_token(
        app_id,
        app_secret,
        user.id,
        email=user.email,
        name=user.name,
        traits=user.traits,
        expires_in=expires_in,
    )


_ESCAPES = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&#34;", "'": "&#39;"}


def escape(value: object) -> str:
    """``value`` as HTML text, escaped like ``markupsafe.escape``: a value that is already
    markup (it has ``__html__``, as MarkupSafe's and Django's safe strings do) is kept as is."""
    html = getattr(value, "__html__", None)
    if callable(html):
        return str(html())
    return "".join(_ESCAPES.get(char, char) for char in str(value))


def widget_tag(
    *,
    url: str,
    app_id: str,
    user_token: str | None = None,
    context: str | None = None,
    locale: str | None = None,
    app_version: str | None = None,
    refresh_url: str | None = None,
    nonce: str | None = None,
    data: Mapping[str, object] | None = None,
) -> str:
    """``<script async src="{url}/widget/v1/loader.js" data-app-id=… …></script>``.

    Empty values are left out. ``data`` adds more ``data-*`` attributes (a key may be given
    with or without its ``data-`` prefix; ``_`` reads as ``-``) after the known ones.
    """
    attributes: dict[str, object] = {
        "src": f"{url.rstrip('/')}/widget/v1/loader.js",
        "data-app-id": app_id,
        "data-user-token": user_token,
        "data-context": context,
        "data-locale": locale,
        "data-app-version": app_version,
    }
    for key, value in (data or {}).items():
        name = key.replace("_", "-").lower()
        name = name if name.startswith("data-") else f"data-{name}"
        if not attributes.get(name):  # an explicit argument wins over a configured default
            attributes[name] = value
    attributes["data-token-refresh-url"] = refresh_url
    attributes["nonce"] = nonce
    rendered = " ".join(f'{name}="{escape(value)}"' for name, value in attributes.items() if value)
    return f"<script async {rendered}></script>"


def help_button(context_or_slug: str, text: str = "Help", *, class_: str = "support-help") -> str:
    """An accessible button that opens the help panel on a context key or an article slug."""
    return (
        f'<button type="button" class="{escape(class_)}" '
        f'data-support-help="{escape(context_or_slug)}" '
        f'aria-haspopup="dialog">{escape(text)}</button>'
    )
