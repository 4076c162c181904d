"""Each locale searched with its own analyzer, on a real Whoosh index in a temporary folder:
French (accents, elision, stems), Arabic (normalisation, the light stemmer), English as it
was, a language without a stemmer, and no language ever reading another's words."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support_server.search import WhooshIndex
from support_server.search.analysis import (
    ANALYSED,
    analyzer,
    arabic_light_stem,
    language_of,
    normalise_arabic,
)
from support_server.search.base import IndexDocument

ARTICLES = [
    ("en", "download-invoices", "Download your invoices", "Open Billing and click Download."),
    (
        "fr",
        "telecharger-factures",
        "Télécharger vos factures",
        "Ouvrez la facturation et cliquez sur « Télécharger ». L'exportation en PDF suit.",
    ),
    (
        "fr",
        "rembourser",
        "Demander un remboursement",
        "Vous êtes remboursé sous cinq jours ouvrés.",
    ),
    (
        "ar",
        "tanzil-alfawatir",
        "تنزيل الفاتورة",
        "افتح صفحة الفواتير ثم اضغط تنزيل. والمدفوعات تظهر في الأسفل.",
    ),
    ("ar", "istirdad", "طلب استرداد المبلغ", "يمكنك طلب إعادة المبلغ خلال ثلاثين يوما."),
    ("de", "rechnungen", "Rechnungen herunterladen", "Öffnen Sie die Abrechnung."),
    ("ja", "seikyusho", "請求書 ダウンロード", "請求書 を 開きます"),
]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WhooshIndex]:
    built = WhooshIndex(Path(tmp_path_factory.mktemp("languages")) / "index")
    built.rebuild(
        IndexDocument(n, 1, "app", slug, locale, title, "", "Billing", [], text)
        for n, (locale, slug, title, text) in enumerate(ARTICLES, 1)
    )
    yield built
    built.close()


def slugs(index: WhooshIndex, text: str, locale: str) -> list[str]:
    return [hit.slug for hit in index.search("app", text, locale=locale).hits]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("telecharger", "telecharger-factures"),  # no accents typed
        ("téléchargement", "telecharger-factures"),  # another form of the word
        ("l'exportation", "telecharger-factures"),  # elision
        ("exportations", "telecharger-factures"),
        ("comment être rembourse", "rembourser"),  # stop words, a past participle, no accent
        ("remboursements", "rembourser"),
        ("téléch", "telecharger-factures"),  # typed so far
        ("telech", "telecharger-factures"),
    ],
)
def test_french_finds_other_forms_with_or_without_accents(
    index: WhooshIndex, text: str, want: str
) -> None:
    assert slugs(index, text, "fr")[:1] == [want]


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("فاتورة", "tanzil-alfawatir"),  # without the article
        ("بالفاتورة", "tanzil-alfawatir"),  # with a preposition and the article
        ("الفَاتُورَة", "tanzil-alfawatir"),  # with diacritics
        ("مدفوعات", "tanzil-alfawatir"),  # the plural suffix and a conjunction
        ("اعادة المبلغ", "istirdad"),  # alef without its hamza
        ("كيف استرداد", "istirdad"),  # "how" is a stop word
        ("الفات", "tanzil-alfawatir"),  # typed so far, with the article
    ],
)
def test_arabic_normalises_and_light_stems(index: WhooshIndex, text: str, want: str) -> None:
    assert slugs(index, text, "ar")[:1] == [want]


def test_the_english_analyzer_everywhere_misses_them(tmp_path: Path) -> None:
    """How every locale was analysed before: these are what the languages' analyzers win."""
    before = WhooshIndex(tmp_path / "index", analysis_variant="english")
    before.rebuild(
        IndexDocument(n, 1, "app", slug, locale, title, "", "Billing", [], text)
        for n, (locale, slug, title, text) in enumerate(ARTICLES, 1)
    )
    try:
        for text in ("telecharger", "téléchargement", "telech"):
            assert slugs(before, text, "fr") == [], text
        for text in ("فاتورة", "بالفاتورة", "الفَاتُورَة", "مدفوعات"):
            assert slugs(before, text, "ar") == [], text
    finally:
        before.close()


def test_english_is_analysed_as_before_and_regions_share_their_language(
    index: WhooshIndex,
) -> None:
    assert slugs(index, "downloading invoice", "en") == ["download-invoices"]
    assert language_of("en-US") == language_of("en_GB") == "en"
    assert language_of("fr-CA") == "fr" and language_of("nb") == "no"
    assert language_of("ja") == "plain" and language_of("") == "en"


def test_a_language_without_a_stemmer_and_another_snowball_language(index: WhooshIndex) -> None:
    assert slugs(index, "請求書", "ja") == ["seikyusho"]
    assert slugs(index, "rechnung offnen", "de") == ["rechnungen"]  # stemmed, umlaut folded


def test_no_locale_reads_another_locales_words(index: WhooshIndex) -> None:
    assert slugs(index, "télécharger", "en") == []
    assert slugs(index, "download", "fr") == []
    assert slugs(index, "فاتورة", "fr") == []


def test_the_light_stemmer_keeps_short_words_and_strips_affixes() -> None:
    assert arabic_light_stem(normalise_arabic("والمدفوعات")) == "مدفوع"
    assert arabic_light_stem(normalise_arabic("الفاتورة")) == "فاتور"
    assert arabic_light_stem("من") == "من"  # nothing left to strip from
    assert normalise_arabic("أإآٱ") == "اااا" and normalise_arabic("مُـحَمَّد") == "محمد"


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=200), language=st.sampled_from(ANALYSED))
def test_every_analyzer_takes_any_text(text: str, language: str) -> None:
    for token in analyzer(language)(text):
        assert token.text  # never an empty term


@settings(max_examples=100, deadline=None)
@given(text=st.text(max_size=80))
def test_any_text_searches_in_every_language_or_finds_nothing(
    index: WhooshIndex, text: str
) -> None:
    for locale in ("fr", "ar", "ja", "de"):
        index.search("app", text[:500], locale=locale)


@pytest.mark.parametrize(
    "words", [("première", "premiere"), ("téléchargement", "telechargement"), ("été", "ete")]
)
def test_a_french_word_stems_alike_with_or_without_its_accents(words: tuple[str, str]) -> None:
    accented, bare = ([t.text for t in analyzer("fr")(w)] for w in words)
    assert accented == bare
