"""Who is signed in, as the widget should know them: ``request.user`` by default."""

from __future__ import annotations

from django.http import HttpRequest

from .._embed import SupportUser, as_user
from .conf import Config

__all__ = ["current_user", "request_user"]


def request_user(request: HttpRequest) -> SupportUser | None:
    """The default loader: Django's ``request.user`` (its pk, email and full name), or None for
    a visitor who is not signed in."""
    user = getattr(request, "user", None)
    if user is None or not getattr(user, "is_authenticated", False) or user.pk is None:
        return None
    get_full_name = getattr(user, "get_full_name", None)
    name = get_full_name() if callable(get_full_name) else None
    return SupportUser(
        id=str(user.pk), email=getattr(user, "email", None) or None, name=name or None
    )


def current_user(request: HttpRequest, config: Config) -> SupportUser | None:
    """The configured loader's answer for ``request``, as a SupportUser (or None)."""
    return as_user(config.user_loader(request))
