"""The public help center against a real server with the sample help center."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import requests

from support_server.app import create_app

from ..conftest import LiveServer
from ..servers import cli, init_data_dir
from .conftest import text_of


def page(server: LiveServer, path: str, **kwargs: object) -> requests.Response:
    return requests.get(server.url + path.replace("APP", server.app_id), timeout=10, **kwargs)  # type: ignore[arg-type]


def test_the_root_leads_to_the_only_help_center(tmp_path: Path) -> None:
    creds = init_data_dir(tmp_path / "data")
    app = create_app(data_dir=tmp_path / "data", prepare_index=False)
    try:
        first = app.test_client().get("/help/")
        assert first.status_code == 302 and first.headers["Location"] == f"/help/{creds['app_id']}/"
        cli("apps", "create", "Second", "--data-dir", str(tmp_path / "data"))
        assert app.test_client().get("/help/").status_code == 404  # several: name one
    finally:
        app.extensions["support"].db.close()


def test_the_app_redirects_to_the_readers_language(web: LiveServer) -> None:
    french = page(
        web, "/help/APP/", headers={"Accept-Language": "fr-FR,fr;q=0.9"}, allow_redirects=False
    )
    assert french.headers["Location"].endswith(f"/help/{web.app_id}/fr/")
    other = page(web, "/help/APP/", headers={"Accept-Language": "de"}, allow_redirects=False)
    assert other.headers["Location"].endswith(f"/help/{web.app_id}/en/")


def test_a_language_the_help_center_lacks_redirects(web: LiveServer) -> None:
    upper = page(web, "/help/APP/FR/", allow_redirects=False)
    assert upper.status_code == 302 and upper.headers["Location"] == f"/help/{web.app_id}/fr/"
    regional = page(web, "/help/APP/fr-CA/articles/request-a-refund", allow_redirects=False)
    assert regional.headers["Location"] == f"/help/{web.app_id}/fr/articles/request-a-refund"
    german = page(web, "/help/APP/de/search?q=refund", allow_redirects=False)
    assert german.headers["Location"] == f"/help/{web.app_id}/en/search?q=refund"


def test_home_has_search_categories_popular_and_seo_tags(web: LiveServer) -> None:
    response = page(web, "/help/APP/en/")
    assert response.status_code == 200
    body = response.text
    assert '<html lang="en" dir="ltr">' in body
    assert 'role="search"' in body and '<label class="sr-only" for="q">' in body
    assert "Browse by topic" in body and "Billing" in body and "Popular articles" in body
    assert f'<link rel="canonical" href="{web.url}/help/{web.app_id}/en/">' in body
    for code in ("en", "fr", "ar"):
        assert f'hreflang="{code}" href="{web.url}/help/{web.app_id}/{code}/"' in body
    assert 'hreflang="x-default"' in body and '<meta name="description"' in body
    assert '<main id="main"' in body and "<nav" in body and "<header" in body


def test_pages_carry_a_strict_csp_and_revalidate_with_etags(web: LiveServer) -> None:
    response = page(web, "/help/APP/en/categories/billing")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "object-src 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    again = page(
        web, "/help/APP/en/categories/billing", headers={"If-None-Match": response.headers["ETag"]}
    )
    assert again.status_code == 304


def test_category_page_lists_its_articles_with_breadcrumbs(web: LiveServer) -> None:
    body = page(web, "/help/APP/en/categories/billing").text
    assert 'aria-label="Breadcrumbs"' in body and ">Home</a>" in body
    assert "Request a refund" in body and "Connect Stripe" not in body
    assert page(web, "/help/APP/en/categories/no-such-topic").status_code == 404


def test_article_page_is_complete_and_indexable(web: LiveServer) -> None:
    response = page(web, "/help/APP/en/articles/request-a-refund")
    body = response.text
    assert response.status_code == 200
    assert "<title>Request a refund · Default app</title>" in body
    crumbs = re.search(r'<nav class="crumbs".*?</nav>', body, re.S)
    assert crumbs and " ".join(text_of(crumbs.group(0)).split()) == "Home Billing Request a refund"
    assert "Related articles" in body and "Was this article helpful?" in body
    assert '"@type": "BreadcrumbList"' in body or '"@type":"BreadcrumbList"' in body.replace(
        " ", ""
    )
    for code in ("en", "fr", "ar"):
        assert (
            f'hreflang="{code}" href="{web.url}/help/{web.app_id}/{code}/articles/request-a-refund"'
            in body
        )
    # the body's first heading repeats the title, so the page shows the title once
    assert body.count(">Request a refund</h1>") == 1


def test_a_missing_translation_falls_back_to_english_with_a_canonical_link(web: LiveServer) -> None:
    body = page(web, "/help/APP/fr/articles/create-an-invoice").text
    assert "n'est pas encore traduit" in text_of(body)
    assert (
        f'<link rel="canonical" href="{web.url}/help/{web.app_id}/en/articles/create-an-invoice">'
        in body
    )
    arabic = page(web, "/help/APP/ar/articles/request-a-refund").text
    assert '<html lang="ar" dir="rtl">' in arabic


def test_search_highlights_results_and_says_did_you_mean(web: LiveServer) -> None:
    body = page(web, "/help/APP/en/search", params={"q": "refnud"}).text
    assert "Showing results for" in body and ">refund</strong>" in body
    assert "<mark>" in body and "Request a refund" in body
    empty = page(web, "/help/APP/en/search", params={"q": "qwzxv plonk"}).text
    assert (
        "No articles match" in empty and "Browse" not in empty.split("No articles match")[0][-50:]
    )
    assert (
        page(web, "/help/APP/en/search", params={"q": ""}, allow_redirects=False).status_code == 302
    )


@pytest.mark.parametrize(
    "query", ["title:(", "<script>alert(1)</script>", "***", "x" * 600, "AND OR NOT"]
)
def test_any_query_gives_a_page_never_a_500(web: LiveServer, query: str) -> None:
    response = page(web, "/help/APP/en/search", params={"q": query})
    assert response.status_code in {200, 400}
    assert "<script>alert(1)</script>" not in response.text


def test_drafts_are_never_reachable(web: LiveServer) -> None:
    # set-up-single-sign-on is a draft in the sample help center
    assert page(web, "/help/APP/en/articles/set-up-single-sign-on").status_code == 404
    assert "single-sign-on" not in page(web, "/help/APP/en/categories/account").text
    assert "single-sign-on" not in page(web, "/help/APP/sitemap.xml").text
    found = page(web, "/help/APP/en/search", params={"q": "single sign-on SAML"}).text
    assert "set-up-single-sign-on" not in found


def test_sitemap_and_robots(web: LiveServer) -> None:
    sitemap = page(web, "/help/APP/sitemap.xml")
    assert sitemap.headers["Content-Type"].startswith("application/xml")
    assert f"<loc>{web.url}/help/{web.app_id}/en/articles/request-a-refund</loc>" in sitemap.text
    assert (
        f'hreflang="fr" href="{web.url}/help/{web.app_id}/fr/articles/request-a-refund"'
        in sitemap.text
    )
    robots = page(web, "/robots.txt").text
    assert (
        "Disallow: /admin/" in robots
        and f"Sitemap: {web.url}/help/{web.app_id}/sitemap.xml" in robots
    )


def votes(server: LiveServer, slug: str) -> tuple[int, int]:
    listed = requests.get(
        server.url + "/api/v1/articles",
        params={"limit": 200, "locale": "en"},
        headers={"Authorization": f"Bearer {server.admin_key}"},
        timeout=10,
    ).json()["items"]
    article = next(a for a in listed if a["slug"] == slug)
    return article["helpful_yes"], article["helpful_no"]


def test_was_this_helpful_counts_once_and_refuses_other_sites(web: LiveServer) -> None:
    url = f"{web.url}/help/{web.app_id}/en/articles/cancel-your-subscription/feedback"
    yes, no = votes(web, "cancel-your-subscription")
    answered = requests.post(url, data={"helpful": "yes"}, allow_redirects=False, timeout=10)
    assert answered.status_code == 303 and "feedback=thanks" in answered.headers["Location"]
    scripted = requests.post(
        url, data={"helpful": "no"}, headers={"Accept": "application/json"}, timeout=10
    )
    assert scripted.status_code == 201
    forged = requests.post(
        url,
        data={"helpful": "no"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
        timeout=10,
    )
    assert forged.status_code == 403
    assert requests.post(url, data={"helpful": "maybe"}, timeout=10).status_code == 422
    assert votes(web, "cancel-your-subscription") == (yes + 1, no + 1)
    thanks = page(web, "/help/APP/en/articles/cancel-your-subscription?feedback=thanks").text
    assert "Thanks for your feedback!" in thanks


def test_unknown_apps_and_pages_get_a_real_404_page(web: LiveServer) -> None:
    for path in ("/help/app_nope/en/", "/help/APP/en/nothing/here"):
        response = page(web, path)
        assert response.status_code == 404
        assert response.headers["Content-Type"].startswith("text/html")
    # A locale that is no language tag at all means English (tests/integration/test_locales.py)
    assert page(web, "/help/APP/xx-!!/").url.endswith("/en/")
    assert "find that page" in page(web, "/help/APP/en/articles/nope").text


def test_theme_css_uses_the_apps_colour(web: LiveServer) -> None:
    css = page(web, "/help/APP/theme.css")
    assert css.headers["Content-Type"].startswith("text/css") and "--accent: #" in css.text
