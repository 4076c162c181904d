"""How each language's text becomes index terms: one analyzer per language, chosen by the
article's locale (its primary subtag: ``fr-CA`` is French).

- **English** is analysed as it always was (Whoosh's ``StemmingAnalyzer``: Porter stems, its
  stop words), so English relevance does not move.
- **French**: apostrophes kept inside a word so elision is cut off explicitly (``l'export`` is
  ``export``, ``qu'il`` is ``il``), French stop words, accents folded, then the Snowball French
  stemmer (folding first makes a word typed with or without its accents stem alike), so
  ``telecharger`` finds ``télécharger`` and ``rembourse`` finds ``remboursé``.
- **Arabic**: normalised (diacritics and tatweel removed; hamza forms of alef, alef maqsura and
  teh marbuta unified), then Larkey's *light10* stemmer, which strips the article and the
  common conjunction and preposition prefixes and the common suffixes. A root stemmer (ISRI,
  Whoosh's own) conflates far too much (``الفواتير``, invoices, becomes ``اتر``);
  ``benchmarks/search_language_bench.py`` measures the three side by side.
- **Other languages with a Snowball stemmer in Whoosh** (German, Spanish, Italian, Portuguese,
  Dutch, the Nordic languages, Russian, Hungarian, Romanian): Whoosh's Snowball
  stemmer and stop words, accents folded where the language allows it.
- **Anything else**: words lower-cased and accent-folded, never stemmed (a wrong stemmer is
  worse than none).

Each language has its own index fields (:func:`fields`), so one index holds every locale and a
search only reads the fields of the locale it searches.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    Filter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StemmingAnalyzer,
    StopFilter,
)
from whoosh.lang import has_stopwords, stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map

__all__ = [
    "ANALYSED",
    "Fields",
    "analyzer",
    "arabic_light_stem",
    "fields",
    "fold",
    "language_of",
    "normalise_arabic",
]

ENGLISH = "en"
PLAIN = "plain"  # languages without a stemmer here
# Languages with their own fields; English keeps the historical field names.
SNOWBALL = ("da", "de", "es", "fi", "hu", "it", "nl", "no", "pt", "ro", "ru", "sv")
ANALYSED = (ENGLISH, "fr", "ar", *SNOWBALL, PLAIN)
# Where folding accents would merge different words, keep them (Russian й and и).
_NO_FOLD = frozenset({"ru"})

# Words: letters and digits, with dots (v2.3) and apostrophes (l'export) inside, and Arabic
# diacritics and tatweel, which are combining marks and would otherwise split a word.
_WORD = r"[\w\u0640\u064b-\u065f\u0670]+(?:[.'’][\w\u0640\u064b-\u065f\u0670]+)*"

_ELISION = re.compile(r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)['’]", re.I)
_FRENCH_STOP = frozenset(stopwords_for_language("fr")) | {
    "c",
    "d",
    "j",
    "l",
    "m",
    "n",
    "qu",
    "s",
    "t",
    "est",
    "comment",
    "puis",
    "faire",
}

_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670]")  # tatweel, harakat, superscript alef
_ARABIC_LETTERS = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ة": "ه"})
# light10 (Larkey, Ballesteros and Connell, 2007): و first, then the longest article form.
_ARABIC_PREFIXES = ("وال", "بال", "كال", "فال", "لل", "ال")
# (after normalisation: ية is يه, ة is ه)
_ARABIC_SUFFIXES = ("ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي")
# Function words that match nearly every article: "how", "what", "I", "from", "to", "in"...
_ARABIC_STOP = frozenset(
    [
        "كيف",
        "ماذا",
        "ما",
        "هل",
        "من",
        "الى",
        "في",
        "على",
        "عن",
        "مع",
        "انا",
        "او",
        "ثم",
        "هذا",
        "هذه",
        "ذلك",
        "التي",
        "الذي",
        "لا",
        "لم",
        "لن",
        "قد",
        "كل",
        "اريد",
    ]
)  # normalised


@dataclass(frozen=True)
class Fields:
    """The index fields that hold one language's text."""

    title: str
    summary: str
    content: str

    @property
    def text(self) -> tuple[str, str, str]:
        return (self.title, self.summary, self.content)


def language_of(locale: str) -> str:
    """The analysed language of a locale: ``en-US`` is ``en``; one without a stemmer here is
    ``plain``."""
    primary = (locale or ENGLISH).replace("_", "-").split("-", 1)[0].strip().lower()
    if primary == "nb" or primary == "nn":
        primary = "no"
    return primary if primary in ANALYSED else PLAIN


def fields(language: str) -> Fields:
    if language == ENGLISH:
        return Fields("title", "summary", "content")
    return Fields(f"title_{language}", f"summary_{language}", f"content_{language}")


def fold(word: str) -> str:
    """Accents off: ``télécharger`` is ``telecharger``. Only the marks of the alphabets below
    U+0600 (Latin, Greek, Cyrillic, Hebrew points); Arabic has its own normaliser and the
    vowel signs of Indic scripts are letters, not accents."""
    decomposed = unicodedata.normalize("NFD", word)
    return "".join(c for c in decomposed if not unicodedata.combining(c) or c > "\u05ff")


def normalise_arabic(word: str) -> str:
    return _ARABIC_MARKS.sub("", word).translate(_ARABIC_LETTERS)


def arabic_light_stem(word: str) -> str:
    """light10 on a normalised word: a leading و, then an article or preposition prefix, then
    suffixes, each only while at least two letters remain."""
    if len(word) >= 4 and word.startswith("و"):
        word = word[1:]
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 2:
            word = word[len(prefix) :]
            break
    for suffix in _ARABIC_SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 2:
            word = word[: -len(suffix)]
    return word


class _Map(Filter):  # type: ignore[misc]  # whoosh has no types
    """Replace each token's text by ``fn(text)``; drop the token if that is empty."""

    def __init__(self, fn: Callable[[str], str]) -> None:
        self.fn = fn

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Map) and other.fn is self.fn

    def __call__(self, tokens: Iterator[object]) -> Iterator[object]:
        for token in tokens:
            text = self.fn(token.text)  # type: ignore[attr-defined]
            if text:
                token.text = text  # type: ignore[attr-defined]
                yield token


def _strip_elision(word: str) -> str:
    return _ELISION.sub("", word)


def _tokenizer() -> RegexTokenizer:
    return RegexTokenizer(_WORD)


def _french() -> Analyzer:
    return (
        _tokenizer()
        | _Map(_strip_elision)
        | LowercaseFilter()
        | StopFilter(stoplist=_FRENCH_STOP | {fold(w) for w in _FRENCH_STOP}, minsize=2)
        | CharsetFilter(accent_map)  # before stemming: "premiere" and "première" stem alike
        | StemFilter(lang="fr", cachesize=50000)
    )


def _arabic(stem: Callable[[str], str] = arabic_light_stem) -> Analyzer:
    return (
        _tokenizer()
        | LowercaseFilter()  # Latin words inside Arabic text (CSV, PDF)
        | _Map(normalise_arabic)
        | StopFilter(stoplist=_ARABIC_STOP, minsize=2)
        | StemFilter(stemfn=stem, cachesize=50000)
    )


def _snowball(language: str) -> Analyzer:
    chain = (
        _tokenizer()
        | LowercaseFilter()
        | StopFilter(
            stoplist=stopwords_for_language(language) if has_stopwords(language) else (),
            minsize=2,
        )
    )
    if language not in _NO_FOLD:  # folded before stemming, so a word stems alike either way
        chain = chain | CharsetFilter(accent_map)
    return chain | StemFilter(stemfn=stemmer_for_language(language), cachesize=50000)


def _plain() -> Analyzer:
    return _tokenizer() | LowercaseFilter() | _Map(normalise_arabic) | CharsetFilter(accent_map)


@functools.cache
def analyzer(language: str, variant: str = "") -> Analyzer:
    """The analyzer of an analysed language (see :data:`ANALYSED`). ``variant`` exists for the
    benchmarks: ``"isri"`` is Arabic with Whoosh's root stemmer, ``"english"`` is the English
    analyzer whatever the language (how every locale was analysed before), ``"plain"`` never
    stems."""
    if variant == "plain":
        return _plain()
    if variant == "english" or language == ENGLISH:
        return StemmingAnalyzer()
    if variant == "isri" and language == "ar":
        return _arabic(stemmer_for_language("ar"))
    if language == "fr":
        return _french()
    if language == "ar":
        return _arabic()
    if language in SNOWBALL:
        return _snowball(language)
    return _plain()


def prefix_form(language: str, word: str) -> str:
    """How a half-typed word is compared with the index's terms: no stemming (a prefix is not a
    word yet), but the same folding the analyzer applies."""
    word = word.lower()
    if language == "ar":
        word = normalise_arabic(word)
        for prefix in _ARABIC_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 2:
                return word[len(prefix) :]
        return word
    if language == "fr":
        word = _strip_elision(word)
    if language in (ENGLISH, *_NO_FOLD):
        return word
    return fold(normalise_arabic(word) if language == PLAIN else word)
