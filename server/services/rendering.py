"""Markdown to sanitized HTML, and to plain text for the search index.

markdown-it-py parses (CommonMark plus tables and strikethrough, raw HTML allowed for
writers), then nh3 (the Rust ammonia sanitizer) keeps only an allow-list of tags and
attributes: a <script>, an onerror= or a javascript: link never survives.

Rendering an article costs about 2 ms, two thirds of a public article read: each renderer
keeps the HTML of the texts it rendered last (``CACHE_CHARS`` of Markdown and HTML together,
least recently used out first), so a popular article is rendered once per worker, not once
per reader. The Markdown itself is the key: an edit is a new text, never a stale page.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

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


CACHE_CHARS = 4_000_000


class Renderer:
    """One parser per renderer (markdown-it instances are not free to build), and the HTML
    of the texts it rendered last."""

    def __init__(self, cache_chars: int = CACHE_CHARS) -> None:
        self._md = MarkdownIt("commonmark", {"html": True, "linkify": False}).enable(
            ["table", "strikethrough"]
        )
        self._cache: OrderedDict[str, str] = OrderedDict()
        self._cache_chars = cache_chars
        self._cached_chars = 0
        self._cache_lock = threading.Lock()

    def html(self, markdown: str) -> str:
        with self._cache_lock:
            found = self._cache.get(markdown)
            if found is not None:
                self._cache.move_to_end(markdown)
                return found
        html = self._render(markdown)
        size = len(markdown) + len(html)
        if size <= self._cache_chars // 8:  # a huge text would push out everything else
            with self._cache_lock:
                if markdown not in self._cache:
                    self._cache[markdown] = html
                    self._cached_chars += size
                while self._cached_chars > self._cache_chars:
                    old, old_html = self._cache.popitem(last=False)
                    self._cached_chars -= len(old) + len(old_html)
        return html

    def cache_info(self) -> tuple[int, int]:
        """How many texts the cache holds, and their characters (Markdown and HTML)."""
        with self._cache_lock:
            return len(self._cache), self._cached_chars

    def _render(self, markdown: str) -> str:
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
