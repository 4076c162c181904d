"""Turn whatever a person typed into words and phrases; no engine syntax ever reaches Whoosh.

``title:(`` is just the word "title", ``AND OR`` are just two words, and ``"exact phrase"`` is
a phrase. So no input can make the query parser fail.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from .analysis import normalise_arabic

MAX_QUERY_CHARS = 500
MAX_TERMS = 12
MIN_PREFIX = 3
# How people phrase help searches ("how do I ..."): these words match nearly every article
# and say nothing about which one is meant, so they are dropped when other words remain.
QUESTION_WORDS = frozenset(
    [
        "how",
        "do",
        "does",
        "did",
        "i",
        "im",
        "i'm",
        "me",
        "my",
        "what",
        "whats",
        "why",
        "where",
        "which",
        "who",
        "can",
        "could",
        "should",
        "would",
        "want",
        "need",
        "please",
        "help",
        "get",
    ]
)
_WORD = re.compile(r"\w+", re.UNICODE)
_PHRASE = re.compile(r'"([^"]*)"')


class QueryTooLong(ValueError):
    pass


@dataclass(frozen=True)
class ParsedQuery:
    words: list[str]
    phrases: list[list[str]]
    # True when the text ends mid-word: the last word is probably being typed, so it also
    # matches as a prefix (search as you type).
    partial_last: bool

    @property
    def empty(self) -> bool:
        return not self.words and not self.phrases


def normalise(text: str) -> str:
    """NFKC and case-folded; Arabic without its diacritics and with one form of each letter
    (they are combining marks, which would otherwise split a word in two)."""
    return normalise_arabic(unicodedata.normalize("NFKC", text).casefold())


def parse(text: str) -> ParsedQuery:
    if len(text) > MAX_QUERY_CHARS:
        raise QueryTooLong(f"queries are limited to {MAX_QUERY_CHARS} characters")
    text = normalise(text)
    phrases = []
    for match in _PHRASE.finditer(text):
        words = _WORD.findall(match.group(1))
        if len(words) > 1:
            phrases.append(words[:MAX_TERMS])
    rest = _PHRASE.sub(" ", text)
    words = [w for w in _WORD.findall(rest) if w.strip("_")]
    for phrase in phrases:
        words.extend(phrase)
    unique = list(dict.fromkeys(words))[:MAX_TERMS]  # first occurrences, in order
    partial = bool(unique) and bool(rest.strip()) and not text[-1:].isspace() and not phrases
    if partial and len(unique) > 1 and len(unique[-1]) < MIN_PREFIX:
        # "manage st": two letters are still being typed and would match half the index.
        unique, partial = unique[:-1], False
    meaningful = [w for w in unique if w not in QUESTION_WORDS]
    if meaningful and len(meaningful) < len(unique):
        if partial and unique[-1] in QUESTION_WORDS:
            partial = False
        unique = meaningful
    return ParsedQuery(words=unique, phrases=phrases, partial_last=partial)
