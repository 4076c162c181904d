"""Public identifiers: prefixed, random, and never sequential (ids cannot be guessed)."""

from __future__ import annotations

import secrets

_ALPHABET = "0123456789abcdefghijkmnpqrstuvwxyz"  # no l/o: easy to read out loud


def new_id(prefix: str, length: int = 16) -> str:
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))
