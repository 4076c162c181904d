"""JSON text from the outside world: parsed with a depth cap, and held to Unicode scalars.

JSON can spell code points that no UTF-8 text can hold: ``"\\ud800"`` decodes to a lone
surrogate, which SQLite, Jinja's output and every UTF-8 encoder refuse later, far from the
request that brought it. The edge refuses such strings (422 naming the field); what was stored
before that rule existed is scrubbed on the way out (:func:`scrub`) so no page can break on it.

Deep nesting is refused before parsing: Python's parser recurses, and a 2 KB body nested 1,000
deep would otherwise end in a ``RecursionError`` instead of a clear 400.
"""

from __future__ import annotations

import json
import re
from typing import Any

MAX_DEPTH = 32
REPLACEMENT = "\ufffd"
_SURROGATE = re.compile("[\ud800-\udfff]")


class TooDeep(ValueError):
    """The JSON text nests arrays and objects deeper than :data:`MAX_DEPTH`."""


def depth_of(raw: bytes) -> int:
    """How deep arrays and objects nest in ``raw`` (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def parse(raw: bytes, max_depth: int = MAX_DEPTH) -> Any:
    """Parse a JSON body: :class:`TooDeep` past ``max_depth``, ``ValueError`` if malformed."""
    if depth_of(raw) > max_depth:
        raise TooDeep(f"JSON nests deeper than {max_depth} levels")
    return json.loads(raw)


def surrogate_path(value: Any, path: str = "") -> str | None:
    """The dotted path of the first string (or key) holding a lone surrogate, else None."""
    if isinstance(value, str):
        return (path or "_schema") if _SURROGATE.search(value) else None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and _SURROGATE.search(key):
                return where
            found = surrogate_path(item, where)
            if found:
                return found
    elif isinstance(value, list):
        for n, item in enumerate(value):
            found = surrogate_path(item, f"{path}.{n}" if path else str(n))
            if found:
                return found
    return None


def scrub(value: Any) -> Any:
    """``value`` with every lone surrogate replaced by U+FFFD (for data stored long ago)."""
    if isinstance(value, str):
        return _SURROGATE.sub(REPLACEMENT, value) if _SURROGATE.search(value) else value
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [scrub(v) for v in value]
    return value


def loads_stored(text: str) -> Any:
    """``json.loads`` for JSON the server stored itself, scrubbed (see :func:`scrub`)."""
    return scrub(json.loads(text))
