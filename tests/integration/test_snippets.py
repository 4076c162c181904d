"""Search snippets as readers see them, through the API and the help center, on the imported
sample help center (which has tables, lists, bold text and links).

A snippet is a faithful excerpt: the article's own words, spacing and punctuation, starting at
a sentence (or after a leading "…" when it had to cut one), tables and lists readable, text
escaped and matches in <mark>.
"""

from __future__ import annotations

import html
import re

import pytest
import requests

from support_server.services.plain_text import plain_text

from ..conftest import LiveServer

QUERIES = [
    "refund",
    "request a refund",
    "annual plan cancelled",
    "two-factor authentication",
    "recurring invoices",
    "bank feed not syncing",
    "permissions accountant",
    "SEPA debit",
    "export csv",
    "VAT",
]
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\w \s*[.,;:!?)]")


def search(server: LiveServer, q: str, **params: str) -> list[dict[str, str]]:
    response = requests.get(
        server.url + "/api/v1/help/search",
        params={"q": q, **params},
        headers={"X-Support-App": server.app_id},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    results: list[dict[str, str]] = response.json()["results"]
    assert results, q
    return results


def visible(snippet: str) -> str:
    """What a reader sees: the marks removed, the text unescaped."""
    assert re.sub(r"</?mark>", "", snippet).count("<") == 0, snippet  # everything else escaped
    return html.unescape(re.sub(r"</?mark>", "", snippet))


def flat(text: str) -> str:
    """Text with its line breaks and the snippet's " — " for them read as plain spaces."""
    return re.sub(r"\s+", " ", text.replace(" — ", " "))


def article_texts(server: LiveServer, slug: str) -> tuple[list[str], list[str]]:
    """The article's text and its summary (a snippet comes from one of them), flattened, and
    the places a snippet may end without "…": the end of each line (block, table row)."""
    response = requests.get(
        f"{server.url}/api/v1/help/articles/{slug}",
        headers={"X-Support-App": server.app_id},
        timeout=10,
    )
    article = response.json()
    text = plain_text(article["html"])
    line_ends = [flat(text[:i]) for i, c in enumerate(text + "\n") if c == "\n"]
    return [flat(text), flat(article["summary"])], [*line_ends, flat(article["summary"])]


@pytest.mark.parametrize("q", QUERIES)
def test_snippets_are_faithful_excerpts_starting_at_a_sentence(
    help_center_server: LiveServer, q: str
) -> None:
    for result in search(help_center_server, q)[:5]:
        snippet = result["snippet"]
        seen = visible(snippet)
        assert "<mark>" in snippet or not any(w.lower() in seen.lower() for w in q.split()), snippet
        assert not _SPACE_BEFORE_PUNCTUATION.search(seen), seen  # no "Refund ." salad
        assert len(seen) <= 240, seen
        if seen.startswith("…"):
            excerpt = seen[1:]
        else:  # not cut: it starts a sentence (or a heading, list item or table row)
            excerpt = seen
            assert excerpt[0].isupper() or excerpt[0].isdigit() or excerpt[0] in "\"'“(", seen
        body = flat(excerpt[:-1] if excerpt.endswith("…") else excerpt)
        texts, line_ends = article_texts(help_center_server, result["slug"])
        assert any(body in text for text in texts), (seen, result["slug"])
        # It ends a sentence, says it was cut, or ends where a line (a table row) ends.
        assert seen.endswith(("…", ".", "?", "!", ":")) or any(
            end.endswith(body) for end in line_ends
        ), seen


def test_a_table_reads_as_rows_of_cells(help_center_server: LiveServer) -> None:
    results = search(help_center_server, "annual plan cancelled within 30 days")
    refund = next(r for r in results if r["slug"] == "request-a-refund")
    seen = visible(refund["snippet"])
    assert "Annual plan cancelled within 30 days of the charge · Full refund" in seen, seen
    assert " — Charged twice for the same period · Full refund of the duplicate" in seen, seen
    roles = next(
        r for r in search(help_center_server, "lock tax periods") if "permissions" in r["slug"]
    )
    assert "Lock tax periods · ✓ · ✓ · ✓ · - · -" in visible(roles["snippet"])


def test_bold_text_links_and_lists_keep_their_punctuation(help_center_server: LiveServer) -> None:
    results = search(help_center_server, "SEPA Bacs debit business days")
    refund = next(r for r in results if r["slug"] == "request-a-refund")
    seen = visible(refund["snippet"])
    assert "Cards: 5-10 business days, depending on your bank. SEPA / Bacs debit: 3-5" in seen
    assert "<mark>SEPA</mark>" in refund["snippet"]
    first = search(help_center_server, "Ledgerly subscription refunds")[0]
    assert first["slug"] == "request-a-refund"
    assert visible(first["snippet"]).startswith(  # the heading, then its first paragraph
        "Request a refund — This article covers refunds of your Ledgerly subscription. To give"
    ), first["snippet"]


def test_a_long_sentence_is_cut_at_a_clause_with_an_ellipsis(fresh_server: LiveServer) -> None:
    long_sentence = (
        "When the workspace owner has left the company and nobody else can sign in with the "
        "owner's email address or approve the change from the old phone, which happens more "
        "often than you would think, ask support to move the ownership to an admin."
    )
    with fresh_server.writer() as writer:
        writer.articles.create(
            title="Owner gone", body=f"Intro sentence here.\n\n{long_sentence}", status="published"
        )
    [hit] = search(fresh_server, "ownership")
    assert hit["snippet"] == (
        "…which happens more often than you would think, ask support to move the "
        "<mark>ownership</mark> to an admin."
    )


def test_the_help_center_shows_the_same_snippets(help_center_server: LiveServer) -> None:
    api = search(help_center_server, "annual plan cancelled within 30 days")
    page = requests.get(
        f"{help_center_server.url}/help/{help_center_server.app_id}/en/search",
        params={"q": "annual plan cancelled within 30 days"},
        timeout=10,
    ).text
    assert api[0]["snippet"] in page
    assert "</mark> of the charge · Full " in page
