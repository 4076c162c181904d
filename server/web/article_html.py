"""How an article's sanitized HTML is shown, shared by the help center and the editor preview
(so the preview stays identical to the published page)."""

from __future__ import annotations

import html
import re

from markupsafe import Markup

_LEADING_H1 = re.compile(r"^\s*<h1[^>]*>(.*?)</h1>\s*", re.S | re.I)
_TAG = re.compile(r"<[^>]+>")


def article_body(safe_html: str, title: str) -> Markup:
    """The body without a first heading that only repeats the title (the page shows the title
    already). ``safe_html`` must come from the renderer, which sanitized it with nh3."""
    match = _LEADING_H1.match(safe_html)
    if match:
        heading = html.unescape(_TAG.sub("", match.group(1))).strip()
        if heading.casefold() == title.strip().casefold():
            safe_html = safe_html[match.end() :]
    return Markup(safe_html)  # noqa: S704 - sanitized by nh3 in services.rendering
