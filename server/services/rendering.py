"""Markdown to sanitized HTML, and to plain text for the search index.

markdown-it-py parses (CommonMark plus tables and strikethrough, raw HTML allowed for
writers), then nh3 (the Rust ammonia sanitizer) keeps only an allow-list of tags and
attributes: a <script>, an onerror= or a javascript: link never survives.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

from .plain_text import plain_text

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "details",
    "div",
    "dl",
    "dt",
    "em",
    "figcaption",
    "figure",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "kbd",
    "li",
    "mark",
    "ol",
    "p",
    "pre",
    "s",
    "span",
    "strong",
    "sub",
    "summary",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "code": {"class"},
    "th": {"align"},
    "td": {"align"},
    "*": {"id"},
}


class Renderer:
    """One parser per renderer (markdown-it instances are not free to build)."""

    def __init__(self) -> None:
        self._md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
            ["table", "strikethrough"]
        )

    def html(self, markdown: str) -> str:
        raw = self._md.render(markdown)
        return nh3.clean(
            raw,
            tags=_TAGS,
            attributes=_ATTRIBUTES,
            url_schemes={"http", "https", "mailto"},
            link_rel="noopener noreferrer nofollow",
        )

    @staticmethod
    def text(safe_html: str) -> str:
        """Readable text of sanitized HTML, for indexing and snippets (see :mod:`.plain_text`)."""
        return plain_text(safe_html)
