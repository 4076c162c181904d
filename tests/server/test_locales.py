"""The one locale rule (server/services/locales.py): BCP 47 lookup, then English."""

from __future__ import annotations

import pytest

from support_server.services.locales import (
    locale_chain,
    negotiate_locale,
    normalise_locale,
    resolve_locale,
)

OFFERED = {"en", "fr", "ar", "pt-br"}


@pytest.mark.parametrize(
    ("asked", "chain", "resolved"),
    [
        ("en-US", ["en-us", "en"], "en"),
        ("EN_us", ["en-us", "en"], "en"),
        ("fr-CA", ["fr-ca", "fr", "en"], "fr"),
        (" fr ", ["fr", "en"], "fr"),
        ("pt-BR", ["pt-br", "pt", "en"], "pt-br"),
        ("pt", ["pt", "en"], "en"),
        ("zh-Hant-TW", ["zh-hant-tw", "zh-hant", "zh", "en"], "en"),
        ("en-x-private", ["en-x-private", "en"], "en"),
        ("zz", ["zz", "en"], "en"),
        ("", ["en"], "en"),
        (None, ["en"], "en"),
        ("!!", ["en"], "en"),
        ("english please", ["en"], "en"),
        ("e" * 36, ["en"], "en"),
        ("x-" * 3000, ["en"], "en"),
    ],
)
def test_lookup_then_english(asked: str | None, chain: list[str], resolved: str) -> None:
    assert locale_chain(asked) == chain
    assert resolve_locale(asked, OFFERED) == resolved


def test_normalise_keeps_tags_and_refuses_the_rest() -> None:
    assert normalise_locale("fr_CA") == "fr-ca"
    assert normalise_locale("<script>") is None


def test_negotiation_tries_every_preference_before_the_default() -> None:
    assert negotiate_locale(["de-DE", "de", "ar-EG"], OFFERED) == "ar"
    assert negotiate_locale(["fr-CA", "en"], OFFERED) == "fr"
    assert negotiate_locale(["de", "!!"], OFFERED) == "en"
    assert negotiate_locale([], OFFERED) == "en"
