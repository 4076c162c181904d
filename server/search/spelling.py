"""Typo tolerance and "did you mean": a symmetric-delete lookup over one app's vocabulary.

Whoosh's own fuzzy terms use plain Levenshtein distance, so a swapped pair of letters
("refnud") costs two edits and is missed at distance 1. Here candidates come from a
delete-neighbourhood table (SymSpell's idea) and are verified with the optimal string
alignment distance, where a transposition is one edit.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping

MIN_WORD = 4  # shorter words are too ambiguous to correct
LONG_WORD = 8  # from this length on, two edits are allowed


def _deletes(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def osa_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal string alignment distance (Damerau-Levenshtein without repeated edits)."""
    if abs(len(a) - len(b)) >= limit:
        return limit
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


class Speller:
    """Corrects words against a vocabulary with document frequencies."""

    def __init__(self, vocabulary: Mapping[str, int]) -> None:
        self.frequency = dict(vocabulary)
        self._sorted = sorted(self.frequency)
        self._table: dict[str, list[str]] = {}
        for word in self.frequency:
            if len(word) >= MIN_WORD - 1:
                for variant in _deletes(word):
                    self._table.setdefault(variant, []).append(word)

    def __contains__(self, word: str) -> bool:
        return word in self.frequency

    def has_prefix(self, prefix: str) -> bool:
        """Whether some vocabulary word starts with ``prefix`` (a word still being typed)."""
        at = bisect.bisect_left(self._sorted, prefix)
        return at < len(self._sorted) and self._sorted[at].startswith(prefix)

    def correct(self, word: str) -> str | None:
        """The likeliest vocabulary word for a word that is not in it, or None."""
        if word in self.frequency or len(word) < MIN_WORD or not word.isalpha():
            return None
        max_edits = 2 if len(word) >= LONG_WORD else 1
        probes = {word} | _deletes(word)
        if max_edits == 2:
            probes |= {d2 for d1 in _deletes(word) for d2 in _deletes(d1)}
        candidates: set[str] = set()
        for probe in probes:
            if probe in self.frequency:
                candidates.add(probe)
            candidates.update(self._table.get(probe, ()))
        best: tuple[int, int, str] | None = None
        for candidate in candidates:
            distance = osa_distance(word, candidate, max_edits + 1)
            if distance > max_edits:
                continue
            rank = (distance, -self.frequency[candidate], candidate)
            if best is None or rank < best:
                best = rank
        return best[2] if best else None

    def correct_all(self, words: Iterable[str]) -> dict[str, str]:
        fixes = {}
        for word in words:
            fixed = self.correct(word)
            if fixed is not None:
                fixes[word] = fixed
        return fixes
