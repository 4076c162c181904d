"""Turning an exception into ticket context an agent can use, without leaking secrets.

Only the exception's type, message and a trimmed traceback (file, line, function and source
line of each frame) are kept: never local variables, never the environment. Anything that looks
like a credential of ours (``sk_…`` keys, ``ut_``/``vt_`` tokens), plus the secrets the caller
names, is replaced by ``[redacted]``.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable
from typing import Any

__all__ = ["exception_context"]

MAX_FRAMES = 20
MAX_TRACEBACK_CHARS = 6000
MAX_MESSAGE_CHARS = 1000
_CREDENTIAL = re.compile(r"\b(?:sk|ut|vt)_[A-Za-z0-9._\-]{8,}")


def _scrub(text: str, secrets: Iterable[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 6:
            text = text.replace(secret, "[redacted]")
    return _CREDENTIAL.sub("[redacted]", text)


def exception_context(exc: BaseException, secrets: Iterable[str] = ()) -> dict[str, Any]:
    """``{"type", "message", "traceback"}`` for ``exc``, trimmed and scrubbed."""
    hidden = [s for s in secrets if s]
    frames = traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-MAX_FRAMES)
    text = _scrub("".join(frames), hidden)
    if len(text) > MAX_TRACEBACK_CHARS:
        text = "…" + text[-MAX_TRACEBACK_CHARS:]
    kind = type(exc)
    name = (
        kind.__qualname__
        if kind.__module__ == "builtins"
        else f"{kind.__module__}.{kind.__qualname__}"
    )
    message = _scrub(str(exc), hidden)[:MAX_MESSAGE_CHARS]
    return {"type": name, "message": message, "traceback": text}
