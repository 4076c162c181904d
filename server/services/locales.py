"""Which language to answer in: the one rule for every locale the server is given.

Hosts send whatever their page says: ``<html lang="en-US">`` (the default of many sites and
CMSs), ``fr_CA`` from a Python backend, ``EN`` or nothing at all. Locales are BCP 47 language
tags, matched as RFC 4647's *lookup* does: the tag itself, then the tag with its last subtag
removed, and so on down to the language (``zh-Hant-TW`` -> ``zh-hant`` -> ``zh``), then the
default, English. Case and ``_`` do not matter (tags are kept lowercase), and anything that is
not a language tag at all (``!!``, a 5,000-character string) simply means the default:
reading help never fails because of a locale.

The search, suggestions, article, category and feedback endpoints, the help center's pages,
its interface strings and its ``Accept-Language`` negotiation all go through this module.
"""

from __future__ import annotations

import re
from collections.abc import Container, Iterable

__all__ = [
    "DEFAULT_LOCALE",
    "MAX_TAG",
    "locale_chain",
    "negotiate_locale",
    "normalise_locale",
    "resolve_locale",
]

DEFAULT_LOCALE = "en"
# RFC 5646 §4.4.1: 35 characters hold any tag worth matching; longer input is not a locale.
MAX_TAG = 35
_TAG = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{1,8})*$")


def normalise_locale(tag: str | None) -> str | None:
    """``'EN_us'`` -> ``'en-us'``; None when ``tag`` is not a language tag."""
    if not tag:
        return None
    lowered = tag.strip().lower().replace("_", "-")
    if len(lowered) > MAX_TAG or not _TAG.match(lowered):
        return None
    return lowered


def locale_chain(tag: str | None) -> list[str]:
    """The locales to try for ``tag``, best first, ending with the default.

    ``'fr-CA'`` -> ``['fr-ca', 'fr', 'en']``; ``'zz'`` -> ``['zz', 'en']``; ``'!!'`` -> ``['en']``.
    """
    found = _truncations(tag)
    if DEFAULT_LOCALE not in found:
        found.append(DEFAULT_LOCALE)
    return found


def _truncations(tag: str | None) -> list[str]:
    """``'zh-Hant-TW'`` -> ``['zh-hant-tw', 'zh-hant', 'zh']``; ``[]`` for a non-tag."""
    lowered = normalise_locale(tag)
    if not lowered:
        return []
    parts = lowered.split("-")
    # RFC 4647 §3.4: a truncation never ends on a singleton subtag ('x', 'u', …).
    return ["-".join(parts[:end]) for end in range(len(parts), 0, -1) if len(parts[end - 1]) > 1]


def resolve_locale(tag: str | None, offered: Container[str]) -> str:
    """The first locale of :func:`locale_chain` that is ``offered``; the default if none is."""
    for code in locale_chain(tag):
        if code == DEFAULT_LOCALE or code in offered:  # the default is the answer either way
            return code
    return DEFAULT_LOCALE


def negotiate_locale(preferences: Iterable[str], offered: Container[str]) -> str:
    """The reader's most preferred language that is offered (``Accept-Language`` order).

    Each preference is resolved as :func:`resolve_locale` does, except that falling back to the
    default only happens once every preference has been tried: ``de, ar;q=0.5`` gives ``ar``.
    """
    for tag in preferences:
        for code in _truncations(tag):
            if code in offered:
                return code
    return DEFAULT_LOCALE
