"""The Whoosh index on a real directory: ranking, typos, snippets, filters, hostile input."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support_server.search import IndexUnavailable, WhooshIndex
from support_server.search.base import IndexDocument
from support_server.search.query import QueryTooLong

HOSTILE = [
    "title:(",
    "***",
    "AND OR",
    "NOT",
    '"',
    '"unclosed phrase',
    "((((",
    "a:b:c",
    "\\",
    "🙂🙃",
    "%_",
    "'; DROP TABLE articles; --",
    "<script>alert(1)</script>",
    "x" * 500,
    "\x00\x01",
    "title:refund^100",
    "refund~2",
    "*",
    "?",
    "[a TO z]",
    "  ",
    "",
]


def doc(article_id: int, title: str, text: str, **kw: object) -> IndexDocument:
    fields: dict[str, object] = {
        "article_id": article_id,
        "revision": 1,
        "app_id": "app_a",
        "slug": f"a{article_id}",
        "locale": "en",
        "title": title,
        "summary": "",
        "category": "Billing",
        "tags": [],
        "text": text,
    }
    fields.update(kw)
    return IndexDocument(**fields)  # type: ignore[arg-type]


@pytest.fixture
def make_index() -> Iterator[Callable[..., WhooshIndex]]:
    """WhooshIndex instances closed after the test (segments are read with open files)."""
    made: list[WhooshIndex] = []

    def make(*args: Any, **kwargs: Any) -> WhooshIndex:
        made.append(WhooshIndex(*args, **kwargs))
        return made[-1]

    yield make
    for ix in made:
        ix.close()


@pytest.fixture
def index(tmp_path: Path, make_index: Callable[..., WhooshIndex]) -> WhooshIndex:
    ix = make_index(tmp_path / "index")
    ix.rebuild(
        [
            doc(1, "Request a refund", "How to get your money back for a duplicate charge."),
            doc(
                2,
                "Send an invoice",
                "Create invoices and email them to customers. Refunds are covered elsewhere.",
            ),
            doc(
                3,
                "Reset your password",
                "Forgot your password? Use the reset link.",
                category="Account",
            ),
            doc(4, "Remboursement", "Demander un remboursement", locale="fr", slug="a1"),
            doc(5, "Secret roadmap", "confidential quarterly roadmap", app_id="app_b"),
            doc(
                6,
                "Overdue invoices",
                "Chasing overdue invoices with automatic reminders.",
                tags=["reminders"],
            ),
        ]
    )
    return ix


def slugs(page: object) -> list[str]:
    return [h.slug for h in page.hits]  # type: ignore[attr-defined]


def test_title_match_ranks_first_and_stemming_matches_plurals(index: WhooshIndex) -> None:
    page = index.search("app_a", "refunds", locale="en")
    assert slugs(page)[0] == "a1"
    assert "a2" in slugs(page)  # "Refunds" in the body of another article
    assert slugs(index.search("app_a", "invoicing", locale="en"))  # stem of invoice


def test_one_wrong_letter_and_swapped_letters_still_find_the_article(index: WhooshIndex) -> None:
    for typo in ("refunf", "refnud", "rfund", "passwrod", "pasword"):
        page = index.search("app_a", typo + " ", locale="en")
        assert page.hits, typo
        assert page.suggestion in {"refund", "password"}, (typo, page.suggestion)
    assert slugs(index.search("app_a", "refnud ", locale="en"))[0] == "a1"


def test_a_half_typed_last_word_matches_as_a_prefix(index: WhooshIndex) -> None:
    assert "a3" in slugs(index.search("app_a", "passw", locale="en"))
    assert index.search("app_a", "passw", locale="en").suggestion is None


def test_snippets_highlight_matches_and_escape_text(
    tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    ix = make_index(tmp_path / "ix")
    ix.rebuild([doc(1, "Widgets", "Use <script>alert(1)</script> to break widgets & more")])
    hit = ix.search("app_a", "widgets break", locale="en").hits[0]
    assert "<mark>" in hit.snippet
    assert "<script>" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet


def test_filters_keep_apps_locales_and_categories_apart(index: WhooshIndex) -> None:
    assert not index.search("app_a", "roadmap", locale="en").hits  # app_b's article
    assert index.search("app_a", "roadmap", locale="en").suggestion is None
    assert slugs(index.search("app_b", "roadmap", locale="en")) == ["a5"]
    assert slugs(index.search("app_a", "remboursement", locale="fr")) == ["a1"]
    assert not index.search("app_a", "password", locale="en", category="Billing").hits
    assert index.search("app_a", "password", locale="en", category="account").hits


def test_other_apps_vocabulary_never_leaks_into_did_you_mean(index: WhooshIndex) -> None:
    page = index.search("app_a", "roadmpa ", locale="en")
    assert page.suggestion is None and not page.hits


def test_paging(tmp_path: Path, make_index: Callable[..., WhooshIndex]) -> None:
    ix = make_index(tmp_path / "ix")
    ix.rebuild([doc(i, f"Invoice number {i}", "invoice text") for i in range(1, 26)])
    first = ix.search("app_a", "invoice", locale="en", page=1, limit=10)
    third = ix.search("app_a", "invoice", locale="en", page=3, limit=10)
    assert first.total == 25 and len(first.hits) == 10 and len(third.hits) == 5
    assert not set(slugs(first)) & set(slugs(third))


def test_all_words_must_match_before_falling_back_to_any(index: WhooshIndex) -> None:
    assert slugs(index.search("app_a", "overdue reminders", locale="en")) == ["a6"]
    assert index.search("app_a", "overdue password", locale="en").total >= 2


@pytest.mark.parametrize("text", HOSTILE)
def test_any_query_text_gives_results_or_nothing_never_an_error(
    index: WhooshIndex, text: str
) -> None:
    page = index.search("app_a", text, locale="en")
    assert page.total >= 0


def test_overlong_queries_are_refused_cleanly(index: WhooshIndex) -> None:
    with pytest.raises(QueryTooLong):
        index.search("app_a", "x" * 5000, locale="en")


def test_updates_and_deletes_are_seen_by_an_open_searcher(index: WhooshIndex) -> None:
    assert slugs(index.search("app_a", "refund", locale="en"))[0] == "a1"
    index.apply([doc(7, "Chargebacks", "dispute a chargeback")], deletes=[1])
    assert "a1" not in slugs(index.search("app_a", "refund", locale="en"))
    assert slugs(index.search("app_a", "chargeback", locale="en")) == ["a7"]
    assert index.stored_versions()[7] == 1


# Whoosh leaves a file handle open when it fails to read a damaged TOC; that is its leak on
# an error path we recover from, not ours.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_missing_and_corrupt_indexes_are_detected(
    tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    ix = make_index(tmp_path / "ix")
    assert ix.check() == "missing"
    with pytest.raises(IndexUnavailable):
        ix.search("app_a", "x", locale="en")
    ix.rebuild([doc(1, "Refund", "refund")])
    assert ix.check() == "ok"
    for segment in (tmp_path / "ix").rglob("*.seg"):
        segment.write_bytes(b"garbage")
    for toc in (tmp_path / "ix").rglob("*.toc"):
        toc.write_bytes(b"garbage")
    assert make_index(tmp_path / "ix").check() == "corrupt"


def test_a_rebuild_swaps_generations_and_readers_follow(
    index: WhooshIndex, tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    reader = make_index(tmp_path / "index")
    assert reader.search("app_a", "refund", locale="en").hits
    index.rebuild([doc(9, "Brand new", "nothing about money")])
    assert not reader.search("app_a", "refund", locale="en").hits
    assert [h.slug for h in reader.search("app_a", "brand", locale="en").hits] == ["a9"]
    generations = [p for p in (tmp_path / "index").iterdir() if p.name.startswith("gen-")]
    assert len(generations) <= 2  # the live one and the previous one


def test_totals_count_only_the_apps_own_articles(
    tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    ix = make_index(tmp_path / "ix")
    ix.rebuild(
        [doc(i, f"Refund {i}", "refund text") for i in range(1, 4)]
        + [doc(i, f"Refund {i}", "refund text", app_id="app_b") for i in range(4, 9)]
        + [doc(9, "Remboursement", "refund", locale="fr")]
    )
    page = ix.search("app_a", "refund", locale="en", limit=2)
    assert page.total == 3 and len(page.hits) == 2
    assert ix.search("app_b", "refund", locale="en").total == 5
    assert ix.search("app_a", "refund", locale="en", category="Nope").total == 0


def test_question_words_are_ignored_and_a_stray_word_does_not_empty_the_page(
    index: WhooshIndex,
) -> None:
    assert slugs(index.search("app_a", "how do I reset my password", locale="en"))[0] == "a3"
    # "zebra" matches nothing: the articles matching all the other words still come back
    page = index.search("app_a", "overdue invoices zebra", locale="en")
    assert slugs(page)[0] == "a6"
    assert slugs(index.search("app_a", "how", locale="en")) == ["a1"]  # alone, it is the query


def test_two_letters_still_being_typed_do_not_widen_the_search(index: WhooshIndex) -> None:
    assert slugs(index.search("app_a", "reset pa", locale="en")) == ["a3"]


def test_the_total_counts_every_match_and_the_last_page_holds_the_rest(
    tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    """Whoosh's own count under-counted a query over several fields with a filter (113 of 428
    here), so the pages after it were never offered."""
    docs = [
        doc(
            i,
            f"Invoice {i}" if i % 7 == 0 else f"Note {i}",
            f"This invoice number {i} is about payments." if i % 3 else "Nothing here.",
        )
        for i in range(1, 601)
    ]
    ix = make_index(tmp_path / "index", cache_size=0)
    ix.rebuild(docs)
    matching = {d.article_id for d in docs if "invoice" in f"{d.title} {d.text}".lower()}
    for text in ("invoice", "invoice ", "invoices"):
        assert ix.search("app_a", text, locale="en").total == len(matching), text
    seen: set[int] = set()
    for page in range(1, len(matching) // 50 + 2):
        seen |= {
            h.article_id
            for h in ix.search("app_a", "invoice", locale="en", page=page, limit=50).hits
        }
    assert seen == matching
    both = ix.search("app_a", "invoice payments", locale="en")
    assert both.total == sum(1 for i in matching if i % 3)  # every word, where some have all


def test_a_word_searched_before_it_was_indexed_is_found_once_it_is(
    tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    ix = make_index(tmp_path / "index", cache_size=0)
    ix.rebuild([doc(1, "Refunds", "Click Refund.")])
    assert ix.search("app_a", "zebrafinch", locale="en").total == 0
    ix.apply([doc(2, "Payouts", "Reconcile zebrafinch payouts.")], deletes=[])
    found = ix.search("app_a", "zebrafinch", locale="en")
    assert (found.total, [h.slug for h in found.hits]) == (1, ["a2"])
    ix.apply([], deletes=[2])
    assert ix.search("app_a", "zebrafinch", locale="en").total == 0
    assert ix.search("app_a", "refund", locale="en").total == 1


def _generations(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if p.name.startswith("gen-"))


def test_replaced_generations_are_removed_once_readers_had_time_to_move(
    index: WhooshIndex, tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    root = tmp_path / "index"
    reader = make_index(root)  # another process's searcher, open on the first generation
    assert slugs(reader.search("app_a", "refund", locale="en"))[0] == "a1"
    for n in range(3):
        index.rebuild([doc(10 + n, f"Brand new {n}", "nothing about money")])
        # the one just replaced stays for the requests begun on it; older ones are gone
        assert len(_generations(root)) == 2
    live = index.generation_name()
    assert index.remove_superseded() == 0  # within the grace period: kept
    # A rebuild still writing its generation (newer than the live one) is never touched.
    (root / "gen-9999999999999999999-1").mkdir()
    assert index.remove_superseded(grace=0) == 1
    assert _generations(root) == sorted([live or "", "gen-9999999999999999999-1"])
    # The reader moves to the live generation at its next search, nothing lost meanwhile.
    assert slugs(reader.search("app_a", "brand", locale="en")) == ["a12"]
    assert index.remove_superseded(grace=0) == 0


def test_stored_versions_follow_updates_and_deletes_across_segments(
    tmp_path: Path, make_index: Callable[..., WhooshIndex]
) -> None:
    ix = make_index(tmp_path / "index")
    ix.rebuild([doc(n, f"Topic {n}", "text", revision=n * 7) for n in range(1, 301)])
    ix.apply([doc(5, "Topic 5 again", "text", revision=99), doc(900, "New", "x", revision=3)], [7])
    versions = ix.stored_versions()
    assert len(versions) == 300  # 300 - one deleted + one new
    assert (versions[5], versions[900], versions[300]) == (99, 3, 2100)
    assert 7 not in versions
