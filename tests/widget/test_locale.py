"""The widget on host pages as they really are: ``<html lang="en-US">`` (the default of many
sites and CMSs), no ``lang`` at all, or a regional French. Search must find the articles,
typos included, and the widget must speak the page's language.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import Harness

pytestmark = pytest.mark.browser


def open_panel(page: Any) -> None:
    page.locator("support-widget .launcher").click()
    page.locator("support-widget [role=dialog]").wait_for(state="visible")


def search(page: Any, text: str) -> list[str]:
    """Type ``text`` into the panel's search box; the titles of the results it shows."""
    box = page.locator("support-widget input[type=search]")
    box.fill("")
    with page.expect_response(lambda r: "/help/search" in r.url and r.status == 200) as answer:
        box.press_sequentially(text, delay=30)
    assert answer.value.json()["total"] > 0, (text, answer.value.url)
    page.locator("support-widget .body .item .t").first.wait_for()
    assert page.locator("support-widget .empty").count() == 0  # no "No articles match"
    titles: list[str] = page.locator("support-widget .body .item .t").all_inner_texts()
    return titles


@pytest.mark.parametrize(
    ("lang", "browser_locale"),
    [("en-US", "en-US"), (None, "en-US"), (None, "en-GB"), ("EN_us", "de-DE")],
    ids=["lang=en-US", "no-lang,browser-en-US", "no-lang,browser-en-GB", "lang=EN_us"],
)
def test_english_host_pages_find_articles_and_forgive_typos(
    harness: Harness, lang: str | None, browser_locale: str
) -> None:
    page = harness.new_page(harness.page_url(lang=lang), locale=browser_locale)
    open_panel(page)
    assert page.locator("support-widget input[type=search]").get_attribute("placeholder") == (
        "Search for help"
    )
    assert "Request a refund" in search(page, "refund")[:3]
    assert "Request a refund" in search(page, "refnud")[:3]
    assert page.locator("support-widget .dym").inner_text() == "Did you mean refund?"
    assert page.locator("support-widget .body mark").count() > 0
    assert page.errors == []


def test_a_regional_french_page_gets_french_strings_and_french_articles(
    harness: Harness,
) -> None:
    page = harness.new_page(harness.page_url(lang="fr-CA"), locale="fr-CA")
    open_panel(page)
    assert page.locator("support-widget input[type=search]").get_attribute("placeholder") == (
        "Rechercher dans l\u2019aide"
    )
    assert search(page, "remboursement")[0] == "Demander un remboursement"
    assert "Demander un remboursement" in search(page, "rembourssement")[:3]
    assert page.locator("support-widget .dym").inner_text() == "Vouliez-vous dire remboursement ?"
    # the article may be listed twice (a search result, and suggested for the page)
    page.locator("support-widget .body .item", has_text="Demander un remboursement").first.click()
    heading = page.locator("support-widget article h1")
    heading.wait_for()
    assert heading.inner_text() == "Demander un remboursement"
    assert page.errors == []


def search_for(page: Any, text: str) -> list[str]:
    """Like :func:`search`, but the titles shown for ``text`` itself: on a loaded machine the
    debounce may also send a search for what was typed so far."""
    box = page.locator("support-widget input[type=search]")
    box.fill("")

    def answers_all(response: Any) -> bool:
        query = parse_qs(urlparse(response.url).query)
        return "/help/search" in response.url and query.get("q") == [text]

    with page.expect_response(answers_all) as answer:
        box.press_sequentially(text, delay=30)
    assert answer.value.json()["total"] > 0, (text, answer.value.url)
    first = answer.value.json()["results"][0]["title"]
    page.locator("support-widget .body .item .t", has_text=first).first.wait_for()
    titles: list[str] = page.locator("support-widget .body .item .t").all_inner_texts()
    return titles


def test_french_and_arabic_readers_find_articles_in_other_word_forms(
    harness: Harness, tmp_path: Path
) -> None:
    """As readers type: French without accents and in another form of the word, Arabic with
    a preposition and the article glued on, or with a diacritic."""
    page = harness.new_page(harness.page_url(lang="fr-FR"), locale="fr-FR")
    open_panel(page)
    assert search_for(page, "premiere facture")[0] == "Envoyer votre première facture"
    assert search_for(page, "rembourse")[0] == "Demander un remboursement"
    page = harness.new_page(harness.page_url(lang="ar"), locale="ar")
    open_panel(page)
    assert search_for(page, "بالفاتورة")[0] == "أرسل فاتورتك الأولى"
    assert search_for(page, "استرداد المَبلغ")[0] == "طلب استرداد المبلغ"
    assert page.locator("support-widget").get_attribute("dir") == "rtl"
    folder = Path(os.environ.get("SUPPORT_SCREENSHOTS") or tmp_path)
    page.screenshot(path=str(folder / "widget-search-arabic.png"))
    assert page.errors == []


def test_a_language_without_articles_falls_back_to_english(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(lang="de-AT"), locale="de-AT")
    open_panel(page)
    assert page.locator("support-widget input[type=search]").get_attribute("placeholder") == (
        "Search for help"
    )
    assert "Request a refund" in search(page, "refund")[:3]
    assert page.errors == []
