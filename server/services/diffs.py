"""Differences between two revisions of an article, for the revision history.

Lines are compared with difflib; a changed line paired with its replacement is compared word
by word, so a one-word fix shows as one word. The result is plain data (text segments and
their kind); templates escape every segment, so no revision text is ever trusted as HTML.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r"\s+|\w+|[^\w\s]", re.UNICODE)
FIELDS = ("title", "summary", "category", "tags", "contexts", "status")


@dataclass(frozen=True)
class Segment:
    text: str
    kind: str  # 'same', 'ins' or 'del'


@dataclass
class Row:
    kind: str  # 'same', 'ins', 'del', 'change' or 'skip' (unchanged lines folded away)
    old_no: int | None = None
    new_no: int | None = None
    old: list[Segment] = field(default_factory=list)
    new: list[Segment] = field(default_factory=list)
    skipped: int = 0


def _words(old: str, new: str) -> tuple[list[Segment], list[Segment]]:
    a, b = _TOKEN.findall(old), _TOKEN.findall(new)
    left: list[Segment] = []
    right: list[Segment] = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            left.append(Segment("".join(a[i1:i2]), "same"))
            right.append(Segment("".join(b[j1:j2]), "same"))
            continue
        if i2 > i1:
            left.append(Segment("".join(a[i1:i2]), "del"))
        if j2 > j1:
            right.append(Segment("".join(b[j1:j2]), "ins"))
    return left, right


def line_diff(old: str, new: str, context: int = 3) -> list[Row]:
    """Side-by-side rows from ``old`` to ``new``, with long unchanged runs folded."""
    a, b = old.splitlines(), new.splitlines()
    rows: list[Row] = []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            run = [
                Row("same", i + 1, j + 1, [Segment(a[i], "same")], [Segment(b[j], "same")])
                for i, j in zip(range(i1, i2), range(j1, j2), strict=True)
            ]
            if len(run) > 2 * context + 1:
                head = run[:context] if rows else []
                tail = run[-context:] if i2 < len(a) or j2 < len(b) else []
                folded = len(run) - len(head) - len(tail)
                run = [*head, Row("skip", skipped=folded), *tail]
            rows.extend(run)
            continue
        old_lines, new_lines = list(range(i1, i2)), list(range(j1, j2))
        for k in range(max(len(old_lines), len(new_lines))):
            i = old_lines[k] if k < len(old_lines) else None
            j = new_lines[k] if k < len(new_lines) else None
            if i is not None and j is not None:
                left, right = _words(a[i], b[j])
                rows.append(Row("change", i + 1, j + 1, left, right))
            elif i is not None:
                rows.append(Row("del", old_no=i + 1, old=[Segment(a[i], "del")]))
            elif j is not None:
                rows.append(Row("ins", new_no=j + 1, new=[Segment(b[j], "ins")]))
    return rows


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "—"
    return str(value) if value not in (None, "") else "—"


def field_changes(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[dict[str, str]]:
    """The metadata fields that differ: name, old value, new value (as text)."""
    return [
        {"field": name, "old": _shown(old.get(name)), "new": _shown(new.get(name))}
        for name in FIELDS
        if old.get(name) != new.get(name)
    ]


def summary(rows: list[Row]) -> dict[str, int]:
    """Lines added and removed, as a reviewer's first glance."""
    added = sum(1 for r in rows if r.kind in {"ins", "change"})
    removed = sum(1 for r in rows if r.kind in {"del", "change"})
    return {"added": added, "removed": removed}
