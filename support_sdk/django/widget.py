"""The embed tag and help button as safe strings, for templates (``{% load support %}``), for
Jinja2 environments (add them as globals) and for views."""

from __future__ import annotations

import logging

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import SafeString, mark_safe

from .._embed import help_button, mint_for, widget_tag
from .conf import get_config
from .users import current_user

__all__ = ["help_link", "support_widget"]

log = logging.getLogger("support_sdk.django")


_warned: list[bool] = []  # the missing refresh view is said once, not on every page


def _refresh_url() -> str | None:
    try:
        return reverse("support_sdk:token")
    except NoReverseMatch:
        if _warned:
            return None
        _warned.append(True)
        log.warning(
            "support_sdk.django: the token-refresh view is not in your URLconf; add "
            'path("_support/", include("support_sdk.django.urls")) so the widget can renew '
            "expired tokens"
        )
        return None


def support_widget(
    request: HttpRequest | None,
    context: str | None = None,
    *,
    locale: str | None = None,
    app_version: str | None = None,
    nonce: str | None = None,
) -> SafeString:
    """The widget's embed tag with a freshly minted token for the signed-in user.

    Empty for visitors who are not signed in (unless ``SUPPORT["ANONYMOUS"]``), and empty,
    with the error logged, if anything goes wrong: the page always renders.
    """
    try:
        config = get_config()
        if request is None:
            log.warning(
                "support_widget has no request: enable the context processor "
                "django.template.context_processors.request"
            )
            user = None
        else:
            user = current_user(request, config)
        if user is None and not config.anonymous:
            return mark_safe("")
        if nonce is None and request is not None:
            nonce = getattr(request, "csp_nonce", None)  # django-csp's, when it is installed
        if context is None and request is not None:
            context = url_context(request)
        tag = widget_tag(
            url=config.url,
            app_id=config.app_id,
            user_token=mint_for(config.app_id, config.app_secret, user, config.token_ttl)
            if user
            else None,
            context=context,
            locale=locale,
            app_version=app_version,
            refresh_url=_refresh_url() if user else None,
            nonce=nonce,
            data=config.widget,
        )
        return mark_safe(tag)  # noqa: S308 - _embed escapes every value
    except Exception:  # the host page must render even if support cannot
        log.exception("support_widget failed; rendering nothing")
        return mark_safe("")


def url_context(request: HttpRequest) -> str | None:
    """The help context of a page that names none: its URL's name, namespaces joined by dots
    (``path("invoices/", …, name="invoices")`` under ``app_name = "billing"`` is
    ``billing.invoices``), the convention `manage.py support check --url-names` checks."""
    match = getattr(request, "resolver_match", None)
    name = getattr(match, "view_name", None) if match is not None else None
    return name.replace(":", ".") if isinstance(name, str) and name else None


def help_link(
    context_or_slug: str, text: str = "Help", *, class_: str = "support-help"
) -> SafeString:
    """An accessible button that opens the help panel on a context key or an article slug."""
    try:
        return mark_safe(help_button(context_or_slug, text, class_=class_))  # noqa: S308 - escaped
    except Exception:  # never break the host page
        log.exception("help_link failed; rendering nothing")
        return mark_safe("")
