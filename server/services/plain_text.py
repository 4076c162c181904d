"""Sanitized article HTML as readable plain text: what the search index stores and snippets
are cut from.

The text keeps the writer's own spacing and punctuation: inline markup adds nothing
(``Click <b>Refund</b>.`` is ``Click Refund.``, not ``Click Refund .``). Structure becomes
characters a reader can follow in a one-line snippet:

- each block (paragraph, heading, list item, quote, code block, table row) ends with a line
  break;
- the cells of a table row are separated by `` · ``.

:mod:`server.search.snippets` shows a line break as a space after a sentence's end and as
`` — `` otherwise (a heading and its first paragraph, one table row and the next).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

CELL = " · "
_BLOCKS = frozenset(
    {"address", "blockquote", "dd", "details", "div", "dl", "dt", "figcaption", "figure"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "summary", "ul"}
)
_SKIPPED = frozenset({"script", "style", "template"})  # never in sanitized HTML; never text
_SPACE = re.compile(r"[ \t\r\f\v\n]+")


class _Collector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.line: list[str] = []  # the block being read
        self.rows: list[list[str]] | None = None  # the table being read, row by row
        self.cell: list[str] | None = None
        self.skipping = 0

    # -- blocks ---------------------------------------------------------------------------
    def _end_block(self) -> None:
        text = _SPACE.sub(" ", "".join(self.line)).strip()
        if text:
            self.lines.append(text)
        self.line = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIPPED:
            self.skipping += 1
        elif tag == "table":
            self._end_block()
            self.rows = []
        elif self.rows is not None:
            if tag == "tr":
                self.rows.append([])
            elif tag in {"td", "th"}:
                self.cell = []
        elif tag in _BLOCKS:
            self._end_block()
        elif tag == "br":
            self.line.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag == "table" and self.rows is not None:
            rendered = (CELL.join(c for c in row if c) for row in self.rows)
            self.lines.extend(r for r in rendered if r)
            self.rows, self.cell = None, None
        elif self.rows is not None:
            if tag in {"td", "th"} and self.cell is not None:
                if not self.rows:
                    self.rows.append([])
                self.rows[-1].append(_SPACE.sub(" ", "".join(self.cell)).strip())
                self.cell = None
        elif tag in _BLOCKS:
            self._end_block()

    def handle_data(self, data: str) -> None:
        if self.skipping:
            return
        if self.rows is not None:
            if self.cell is not None:
                self.cell.append(data)
            return  # whitespace between table tags
        self.line.append(data)

    def text(self) -> str:
        self._end_block()
        return "\n".join(self.lines)


def plain_text(safe_html: str) -> str:
    """The readable text of sanitized HTML; see the module docstring."""
    collector = _Collector()
    collector.feed(safe_html)
    collector.close()
    return collector.text()  # character references were decoded by the parser
