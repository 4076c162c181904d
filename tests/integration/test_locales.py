"""Locales as hosts send them (BCP 47 tags from <html lang>, Accept-Language, ?locale=), on
every endpoint that takes one, against the imported sample help center (English, French,
Arabic).

One rule everywhere: a region-tagged locale falls back to its language, then to English
(``en-US`` -> ``en``, ``fr-CA`` -> ``fr``), case and ``_`` do not matter, and anything that is
not a language tag at all means English: never a 4xx, never a 500.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from ..conftest import LiveServer

LONG_GARBAGE = "<script>" + "x-" * 3000 + "'\"; DROP TABLE articles"
# (what the widget or a host sends, the language it must be served in)
ENGLISH = ["en-US", "EN_us", "en-GB", "zz", "", "!!", "english please", LONG_GARBAGE]
FRENCH = ["fr-CA", "fr_ca", "FR-ch", "fr"]


def get(server: LiveServer, path: str, **params: object) -> requests.Response:
    return requests.get(
        server.url + "/api/v1" + path,
        params=params,
        headers={"X-Support-App": server.app_id},
        timeout=10,
    )


def ok(response: requests.Response) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize("locale", ENGLISH)
def test_search_in_english_for_region_tags_and_garbage(
    help_center_server: LiveServer, locale: str
) -> None:
    found = ok(get(help_center_server, "/help/search", q="refund", locale=locale))
    slugs = [r["slug"] for r in found["results"]]
    assert "request-a-refund" in slugs[:3], (locale, slugs)
    typo = ok(get(help_center_server, "/help/search", q="refnud", locale=locale))
    assert typo["results"] and typo["suggestion"] == "refund"


@pytest.mark.parametrize("locale", FRENCH)
def test_search_in_french_for_french_regions(help_center_server: LiveServer, locale: str) -> None:
    found = ok(get(help_center_server, "/help/search", q="remboursement", locale=locale))
    assert [r["slug"] for r in found["results"]][:1] == ["request-a-refund"], locale
    assert found["results"][0]["title"] == "Demander un remboursement"


@pytest.mark.parametrize(
    ("locale", "text", "slug"),
    [
        ("fr-CA", "rembourse", "request-a-refund"),  # another form, no accent
        ("fr-FR", "premiere facture", "send-your-first-invoice"),  # accents left off
        ("fr", "l'envoi des factures", "send-your-first-invoice"),  # elision, plural, noun
        ("ar", "فاتورة اولى", "send-your-first-invoice"),  # no article, alef without hamza
        ("ar-EG", "بالفاتورة", "send-your-first-invoice"),  # preposition and article
        ("ar", "استرداد المَبلغ", "request-a-refund"),  # a diacritic typed
    ],
)
def test_each_language_is_searched_with_its_own_analyzer(
    help_center_server: LiveServer, locale: str, text: str, slug: str
) -> None:
    found = ok(get(help_center_server, "/help/search", q=text, locale=locale))
    assert [r["slug"] for r in found["results"]][:3].count(slug) == 1, (text, found)
    assert found["locale"] == locale.split("-")[0]
    assert found["results"][0]["snippet"]


@pytest.mark.parametrize("locale", [*ENGLISH, *FRENCH])
def test_articles_suggestions_categories_and_feedback(
    help_center_server: LiveServer, locale: str
) -> None:
    expected = "fr" if locale in FRENCH else "en"
    article = ok(get(help_center_server, "/help/articles/request-a-refund", locale=locale))
    assert article["locale"] == expected
    suggested = ok(
        get(help_center_server, "/help/suggestions", context="billing.refunds", locale=locale)
    )["articles"]
    assert suggested and suggested[0]["slug"] == "request-a-refund"
    assert suggested[0]["locale"] == expected
    categories = ok(get(help_center_server, "/help/categories", locale=locale))["items"]
    reference = ok(get(help_center_server, "/help/categories", locale=expected))["items"]
    assert categories == reference and categories
    vote = requests.post(
        help_center_server.url + "/api/v1/help/articles/request-a-refund/feedback",
        params={"locale": locale},
        json={"helpful": True},
        headers={"X-Support-App": help_center_server.app_id},
        timeout=10,
    )
    assert vote.status_code == 201, vote.text


@pytest.mark.parametrize(
    ("locale", "lands_on"),
    [
        ("en-US", "en"),
        ("EN_us", "en"),
        ("fr-CA", "fr"),
        ("FR_ca", "fr"),
        ("zz", "en"),
        ("not-a-language-at-all", "en"),
        ("x" * 300, "en"),
    ],
)
def test_help_center_pages_redirect_to_the_language_they_are_in(
    help_center_server: LiveServer, locale: str, lands_on: str
) -> None:
    base = f"{help_center_server.url}/help/{help_center_server.app_id}"
    for page in ("/", "/articles/request-a-refund", "/search?q=refund"):
        response = requests.get(f"{base}/{locale}{page}", timeout=10, allow_redirects=False)
        assert response.status_code == 302, (locale, page, response.status_code)
        assert response.headers["Location"].startswith(f"/help/{help_center_server.app_id}/")
        landed = requests.get(f"{base}/{locale}{page}", timeout=10)
        assert landed.status_code == 200
        assert f'<html lang="{lands_on}"' in landed.text


@pytest.mark.parametrize(
    ("header", "lands_on"),
    [
        ("en-US,en;q=0.9", "en"),
        ("fr-CA,fr;q=0.8,en;q=0.5", "fr"),
        ("fr_CA", "fr"),
        ("de-DE,de;q=0.9", "en"),
        ("", "en"),
        ("garbage;;;q=x", "en"),
        ("de, ar-EG;q=0.5", "ar"),
    ],
)
def test_help_center_picks_the_readers_language_from_accept_language(
    help_center_server: LiveServer, header: str, lands_on: str
) -> None:
    response = requests.get(
        f"{help_center_server.url}/help/{help_center_server.app_id}/",
        headers={"Accept-Language": header},
        timeout=10,
        allow_redirects=False,
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/{lands_on}/"), response.headers["Location"]


def test_the_search_log_records_the_language_searched(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        writer.articles.create(title="Late fees", body="How late fees work.", status="published")
    for locale in ("en-US", "zz", "EN_us"):
        ok(get(fresh_server, "/help/search", q=f"late fees {locale}", locale=locale))
    summary = requests.get(
        fresh_server.url + "/api/v1/analytics/summary",
        headers={"Authorization": f"Bearer {fresh_server.admin_key}"},
        timeout=10,
    ).json()
    locales = {q["query"]: q["locales"] for q in summary["searches"]["top_queries"]}
    assert locales == {f"late fees {loc.lower()}": ["en"] for loc in ("en-US", "zz", "EN_us")}
