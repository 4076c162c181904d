"""The public help endpoints against a real server with the sample help center."""

from __future__ import annotations

import pytest
import requests

from support_sdk import NotFound, ValidationError

from ..conftest import LiveServer
from ..server.test_search_index import HOSTILE


def get(server: LiveServer, path: str, **params: object) -> requests.Response:
    return requests.get(
        server.url + "/api/v1" + path,
        params=params,
        headers={"X-Support-App": server.app_id},
        timeout=10,
    )


def test_search_finds_ranked_results_with_highlighted_snippets(
    help_center_server: LiveServer,
) -> None:
    with help_center_server.client() as client:
        found = client.search("refund")
    assert found.total >= 2
    assert found.results[0].slug in {"request-a-refund", "refund-a-customer-payment"}
    assert "<mark>" in found.results[0].snippet
    assert found.suggestion is None


def test_search_tolerates_typos_and_says_did_you_mean(help_center_server: LiveServer) -> None:
    with help_center_server.client() as client:
        found = client.search("refnud policy")
    assert found.suggestion == "refund policy"
    assert found.results and "refund" in found.results[0].slug


def test_search_filters_by_category_and_locale(help_center_server: LiveServer) -> None:
    billing = get(help_center_server, "/help/search", q="invoice", category="Billing").json()
    assert billing["results"] and all(r["category"] == "Billing" for r in billing["results"])
    french = get(help_center_server, "/help/search", q="remboursement", locale="fr").json()
    assert [r["slug"] for r in french["results"]][:1] == ["request-a-refund"]


def test_drafts_never_appear_in_public_search_or_reads(help_center_server: LiveServer) -> None:
    # set-up-single-sign-on is a draft in the sample help center
    found = get(help_center_server, "/help/search", q="single sign-on SAML").json()
    assert "set-up-single-sign-on" not in [r["slug"] for r in found["results"]]
    assert get(help_center_server, "/help/articles/set-up-single-sign-on").status_code == 404


@pytest.mark.parametrize("text", [*HOSTILE, "x" * 5000, "title:(" * 60])
def test_any_query_gives_results_or_a_clean_4xx(help_center_server: LiveServer, text: str) -> None:
    response = get(help_center_server, "/help/search", q=text)
    assert response.status_code in {200, 400, 422}, response.text
    if response.status_code != 200:
        assert response.json()["error"]["code"]


def test_search_parameters_are_validated(help_center_server: LiveServer) -> None:
    response = get(help_center_server, "/help/search", q="x", limit=0, page="abc")
    assert response.status_code == 422
    assert set(response.json()["error"]["details"]) == {"limit", "page"}


def test_suggestions_rank_context_then_parent_then_url_then_popular(
    help_center_server: LiveServer,
) -> None:
    def slugs(**params: object) -> list[str]:
        body = get(help_center_server, "/help/suggestions", **params).json()
        return [a["slug"] for a in body["articles"]]

    exact = slugs(context="billing.invoices.overdue", limit=10)
    assert exact[0] == "fix-an-overdue-ledgerly-bill"  # tagged with the exact key
    parent_only = slugs(context="billing.invoices.nonexistent", limit=10)
    assert parent_only[0] in exact  # falls back to billing.invoices, then billing
    by_url = slugs(url="https://app.example/invoices/new?x=1", limit=3)
    assert set(by_url[:2]) == {"create-an-invoice", "send-your-first-invoice"}  # exact path
    assert slugs(url="/invoices/inv_123/credit-note", limit=1) == ["issue-a-credit-note"]
    nothing = slugs(context="no.such.context", limit=4)
    assert len(nothing) == 4  # popular articles fill in


def test_article_is_sanitized_html_and_markdown(help_center_server: LiveServer) -> None:
    with help_center_server.client() as client:
        article = client.article("request-a-refund")
        assert article.html.startswith("<") and "<script" not in article.html
        assert article.body.lstrip().startswith(("#", "If", "You", "Ledgerly", "A", "T", "W"))
        french = client.article("request-a-refund", locale="fr")
        assert french.locale == "fr" and french.title != article.title
        fallback = client.article("request-a-refund", locale="de")
        assert fallback.locale == "en"
        with pytest.raises(NotFound):
            client.article("no-such-article")


def test_feedback_is_recorded_and_validated(help_center_server: LiveServer) -> None:
    with help_center_server.client() as client:
        client.feedback("request-a-refund", True, comment="clear")
        with pytest.raises(NotFound):
            client.feedback("no-such-article", True)
    bad = requests.post(
        help_center_server.url + "/api/v1/help/articles/request-a-refund/feedback",
        json={"helpful": "maybe"},
        headers={"X-Support-App": help_center_server.app_id},
        timeout=10,
    )
    assert bad.status_code == 422 and "helpful" in bad.json()["error"]["details"]


def test_feedback_counts_against_the_translation_read(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        english = writer.articles.create(
            title="Refunds", body="en", slug="refunds", status="published"
        )
        french = writer.articles.create(
            title="Remboursements", body="fr", slug="refunds", locale="fr", status="published"
        )
        with fresh_server.client() as client:
            client.feedback("refunds", False, locale="fr")
            client.feedback("refunds", True)

    def votes(article_id: str | None) -> tuple[int, int]:
        body = requests.get(
            f"{fresh_server.url}/api/v1/articles/{article_id}",
            timeout=10,
            headers={"Authorization": f"Bearer {fresh_server.admin_key}"},
        ).json()
        return body["helpful_yes"], body["helpful_no"]

    assert votes(french.id) == (0, 1) and votes(english.id) == (1, 0)


def test_categories_count_published_articles(help_center_server: LiveServer) -> None:
    items = get(help_center_server, "/help/categories").json()["items"]
    names = {c["name"]: c["count"] for c in items}
    assert names["Invoices"] >= 5 and all(count > 0 for count in names.values())


def test_public_reads_need_an_app(help_center_server: LiveServer) -> None:
    response = requests.get(help_center_server.url + "/api/v1/help/search?q=x", timeout=10)
    assert response.status_code == 401
    unknown = requests.get(
        help_center_server.url + "/api/v1/help/search?q=x",
        headers={"X-Support-App": "app_nope"},
        timeout=10,
    )
    assert unknown.status_code == 401


def test_sdk_raises_validation_error_with_details(help_center_server: LiveServer) -> None:
    with help_center_server.client() as client, pytest.raises(ValidationError) as caught:
        client.search("x" * 600)
    assert caught.value.code == "query_too_long"
