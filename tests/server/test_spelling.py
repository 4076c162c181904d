from __future__ import annotations

import pytest

from support_server.search.spelling import Speller, osa_distance


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ("refund", "refund", 0),
        ("refnud", "refund", 1),
        ("refund", "refunds", 1),
        ("rfund", "refund", 1),
        ("refumd", "refund", 1),
        ("ca", "abc", 3),
        ("", "abc", 3),
    ],
)
def test_osa_distance_counts_a_transposition_as_one_edit(a: str, b: str, expected: int) -> None:
    assert osa_distance(a, b, limit=4) == expected


def test_prefers_the_closest_then_the_most_frequent_word() -> None:
    speller = Speller({"invoice": 10, "invoices": 3, "voice": 50, "refund": 4, "reminder": 2})
    assert speller.correct("invocie") == "invoice"
    assert speller.correct("invoces") == "invoices"
    assert speller.correct("remidner") == "reminder"
    assert speller.correct("refund") is None  # known words are not corrected
    assert speller.correct("abc") is None  # too short to guess
    assert speller.correct("zzzzzz") is None
    assert speller.correct("1234") is None


def test_long_words_tolerate_two_edits() -> None:
    speller = Speller({"subscription": 3})
    assert speller.correct("subscirptoin") is None  # three edits
    assert speller.correct("subscirption") == "subscription"
    assert speller.correct("subscrption") == "subscription"
