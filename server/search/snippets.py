"""Search-result snippets: a sentence or two around the matched words, cut from the article's
stored plain text (:mod:`server.services.plain_text`) by character offsets.

Because the snippet is a slice of the original text, it keeps the writer's spacing and
punctuation. It starts where a reader would: at the start of the sentence holding the best
match, or, when that sentence starts too far back, at a clause boundary (``, `` ``; `` ``: ``
`` · ``) or a word, marked by a leading ``…``. It ends at a sentence's end when one is in
reach, otherwise at a clause or word boundary followed by ``…``. A line break (between
blocks, or between table rows) reads as a space after a sentence's end and as `` — ``
otherwise. The result is HTML: escaped text with ``<mark>`` around the matches.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from html import escape

__all__ = ["MAX_CHARS", "snippet"]

MAX_CHARS = 200
# How far before the best match a snippet may start, to begin at its sentence.
LEAD = 90
_CANDIDATES = 40  # matches considered as the snippet's anchor (long articles repeat words)
_ELLIPSIS = "…"
# A sentence ends with . ! ? or … (and any closing quote or bracket), before a space or a break.
# (\u2019 is the right single quotation mark, \u2013 the en dash.)
_SENTENCE_END = re.compile(r"[.!?…][\"')\]»”\u2019]*(?=\s|$)")
_CLAUSE_END = re.compile(r"[,;:](?=\s)| [·—\u2013] ")
_ENDS_SENTENCE = re.compile(r"[.!?…:;][\"')\]»”\u2019]*$")


def _sentence_start(text: str, anchor: int) -> int | None:
    """The start of the sentence holding ``anchor``, if it is at most :data:`LEAD` before."""
    low = max(0, anchor - LEAD)
    found = 0 if low == 0 else -1
    line = text.rfind("\n", low - 1 if low else 0, anchor)
    if line >= 0:
        found = max(found, line + 1)
    # A sentence end just before ``low`` still starts a sentence inside the window.
    for match in _SENTENCE_END.finditer(text, max(0, low - 4), anchor):
        after = match.end()
        while after < anchor and text[after].isspace():
            after += 1
        if after >= low:
            found = max(found, after)
    return found if found >= 0 else None


def _clause_starts(text: str, low: int, high: int) -> list[int]:
    """Where a clause begins, between ``low`` and ``high``: after the punctuation and spaces."""
    starts = []
    for match in _CLAUSE_END.finditer(text, low, high):
        after = match.end()
        while after < len(text) and text[after] == " ":
            after += 1
        starts.append(after)
    return starts


def _best_match(spans: Sequence[tuple[int, int, str]]) -> int:
    """The span to build around: the first whose window holds the most different query terms
    (the earliest wins a tie: an article's opening is its best summary)."""
    best, best_count = 0, -1
    for i, (start, _, _) in enumerate(spans[:_CANDIDATES]):
        horizon = start + MAX_CHARS - LEAD // 2
        terms = {term for _, end, term in spans[i:] if end <= horizon}
        if len(terms) > best_count:
            best, best_count = i, len(terms)
    return best


def _start(text: str, anchor: int) -> tuple[int, bool]:
    """Where the snippet starts, and whether that cuts a sentence (so: a leading ``…``)."""
    sentence = _sentence_start(text, anchor)
    if sentence is not None:
        return sentence, False
    clauses = _clause_starts(text, anchor - LEAD, anchor)
    if clauses:
        return clauses[0], True  # the farthest back in reach: the most context
    space = text.rfind(" ", anchor - LEAD // 2, anchor)
    return (space + 1 if space >= 0 else anchor), True


def _end(text: str, start: int, anchor_end: int) -> tuple[int, bool]:
    """Where the snippet ends, and whether that cuts a sentence (so: a trailing ``…``)."""
    limit = max(start + MAX_CHARS, anchor_end)
    if len(text) <= limit:
        return len(text), False
    # The last sentence end in reach; failing that the end of a line (a table row, a list item
    # without a full stop); never a heading left dangling after the last sentence.
    sentences = [m.end() for m in _SENTENCE_END.finditer(text, anchor_end, limit)]
    if sentences:
        return sentences[-1], False
    line = text.rfind("\n", anchor_end, limit)
    if line >= 0:
        return line, False
    clauses = [m.start() for m in _CLAUSE_END.finditer(text, anchor_end, limit)]
    if clauses:
        return clauses[-1], True
    space = text.rfind(" ", anchor_end, limit)
    return (space if space > anchor_end else limit), True


def _render(text: str) -> str:
    """Escaped text, a line break shown as a space after a sentence's end, else as " — "."""
    lines = text.split("\n")
    out = [escape(lines[0], quote=False)]
    for previous, line in itertools.pairwise(lines):
        ends_sentence = _ENDS_SENTENCE.search(previous.rstrip()) is not None
        out.append((" " if ends_sentence else " — ") + escape(line, quote=False))
    return "".join(out)


def snippet(text: str, spans: Sequence[tuple[int, int]], terms: Sequence[str] | None = None) -> str:
    """The snippet of ``text`` around the matched character ``spans`` (``[start, end)``);
    ``terms`` names the query term each span matched (by default, its text case folded).

    >>> snippet("Intro. Click Refund. The money is back in 5 days.", [(13, 19)])
    'Click <mark>Refund</mark>. The money is back in 5 days.'
    """
    named = [
        (a, b, terms[i] if terms is not None else text[a:b].casefold())
        for i, (a, b) in enumerate(spans)
    ]
    ordered = sorted(m for m in named if 0 <= m[0] < m[1] <= len(text))
    merged: list[tuple[int, int, str]] = []
    for a, b, term in ordered:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]), merged[-1][2])
        else:
            merged.append((a, b, term))
    if merged:
        best = _best_match(merged)
        start, cut_before = _start(text, merged[best][0])
        # Reach the first match of each other query term that fits, so they all show.
        reach, seen = merged[best][1], {merged[best][2]}
        for _, b, term in merged[best:]:
            if b > start + MAX_CHARS:
                break
            if term not in seen:
                seen.add(term)
                reach = b
        end, cut_after = _end(text, start, reach)
    else:
        start, cut_before = 0, False
        end, cut_after = _end(text, 0, 0)
    pieces, at = [], start
    for a, b, _ in merged:
        if a < start or b > end:
            continue
        pieces.append(_render(text[at:a]))
        pieces.append("<mark>" + _render(text[a:b]) + "</mark>")
        at = b
    pieces.append(_render(text[at:end]))
    body = "".join(pieces).strip()
    return (_ELLIPSIS if cut_before else "") + body + (_ELLIPSIS if cut_after else "")
