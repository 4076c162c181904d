"""``{% load support %}``: ``{% support_widget context="…" %}`` and ``{% help_link "…" "…" %}``."""

from __future__ import annotations

import logging

from django import template
from django.template.base import FilterExpression, Node, Parser, Token
from django.template.context import Context
from django.template.exceptions import TemplateSyntaxError
from django.utils.safestring import SafeString

from .. import widget

register = template.Library()
log = logging.getLogger("support_sdk.django")
WIDGET_OPTIONS = ("context", "locale", "app_version", "nonce")


class SupportWidgetNode(Node):
    def __init__(self, options: dict[str, FilterExpression]) -> None:
        self.options = options

    def render(self, context: Context) -> str:
        try:
            request = getattr(context, "request", None) or context.get("request")
            values = {name: value.resolve(context) for name, value in self.options.items()}
            return widget.support_widget(
                request,
                context=values.get("context") or None,
                locale=values.get("locale") or None,
                app_version=values.get("app_version") or None,
                nonce=values.get("nonce") or None,
            )
        except Exception:  # the host page must render even if support cannot
            log.exception("support_widget failed; rendering nothing")
            return ""


@register.tag("support_widget")
def support_widget(parser: Parser, token: Token) -> SupportWidgetNode:
    """``{% support_widget context="billing.invoices" locale=… app_version=… nonce=… %}``:
    the widget's embed tag for the signed-in user (every option may be a variable)."""
    bits = token.split_contents()[1:]
    options = template.base.token_kwargs(bits, parser, support_legacy=False)
    unknown = sorted(set(options) - set(WIDGET_OPTIONS))
    if bits or unknown:
        raise TemplateSyntaxError(
            "support_widget takes keyword options only: "
            + ", ".join(f"{name}=…" for name in WIDGET_OPTIONS)
            + (f" (not {', '.join(unknown)})" if unknown else "")
        )
    return SupportWidgetNode(options)


@register.simple_tag(name="help_link")
def help_link(context_or_slug: str, text: str = "Help", **options: str) -> SafeString:
    """``{% help_link "billing.invoices" "How do invoices work?" class="…" %}``: a button that
    opens the help panel on a context key or an article slug."""
    return widget.help_link(context_or_slug, text, class_=options.get("class") or "support-help")
