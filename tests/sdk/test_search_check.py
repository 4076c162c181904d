"""The golden-queries file of ``support-sdk check --search``, and its scores, without a server."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from support_sdk.models import Article
from support_sdk.search_check import (
    GoldenQuery,
    Report,
    check_slugs,
    evaluate,
    failures,
    load_baseline,
    parse_golden,
    read_golden,
    report_lines,
)

GOOD = """\
# comments and blank lines are ignored

export to csv -> export-all-your-data
reset password -> reset-your-password, enable-two-factor-authentication  # most relevant first
invoice #1042 -> send-an-invoice
[fr]
demander un remboursement -> request-a-refund
[pt_BR]
reembolso -> request-a-refund
[EN-us]
reset password -> reset-your-password
"""


def problems(text: str) -> list[str]:
    return [str(p) for p in parse_golden(text, "search.txt").problems]


def test_a_good_file_parses_with_locales_lines_and_expected_slugs_in_order() -> None:
    golden = parse_golden(GOOD, "search.txt")
    assert golden.problems == ()
    assert [(q.line, q.locale, q.query, q.expected) for q in golden.queries] == [
        (3, "en", "export to csv", ("export-all-your-data",)),
        (4, "en", "reset password", ("reset-your-password", "enable-two-factor-authentication")),
        (5, "en", "invoice #1042", ("send-an-invoice",)),  # a "#" in a query is no comment
        (7, "fr", "demander un remboursement", ("request-a-refund",)),
        (9, "pt-br", "reembolso", ("request-a-refund",)),  # kept as the server keeps tags
        (11, "en-us", "reset password", ("reset-your-password",)),  # another locale: no dup
    ]
    assert golden.queries[3].locale_line == 6


def test_every_problem_is_reported_with_its_line() -> None:
    text = "\n".join(
        [
            "# a file with one mistake per line",
            "export to csv",
            " -> reset-your-password",
            "refund ->",
            "refund -> Bad Slug!",
            "[xx_!!]",
            "[fr]",
            "Remboursement  -> request-a-refund",
            "remboursement -> request-a-refund",
            "a -> b, c, d, e",
            "a -> b, , c",
            "b -> c, c",
            "??? -> b",
            "[fr] demander -> request-a-refund",
            "x" * 501 + " -> b",
        ]
    )
    assert problems(text) == [
        'search.txt:2: expected "query -> slug, …"',
        'search.txt:3: no query before "->"',
        'search.txt:4: no slug after "->"',
        'search.txt:5: "Bad Slug!" is not a slug (lowercase letters, digits, hyphens)',
        'search.txt:6: "[xx_!!]" is not a locale (e.g. [fr], [en-US], [pt-BR])',
        'search.txt:9: "remboursement" [fr] is also on line 8',
        "search.txt:10: 4 slugs cannot all be in the top 3: list at most 3",
        'search.txt:11: an empty slug between commas: "query -> slug, slug"',
        'search.txt:12: "c" is listed twice',
        'search.txt:13: "???" has no word to search for',
        'search.txt:14: a locale goes alone on its line, as "[fr]"',
        "search.txt:15: the query is over 500 characters: the server's limit",
    ]


@pytest.mark.parametrize("text", ["", "\n\n", "# only comments\n\n# here\n", "[fr]\n"])
def test_a_file_without_queries_is_an_error(text: str) -> None:
    assert problems(text) == ['search.txt:1: no queries: expected "query -> slug, …" on each line']


def test_crlf_and_a_byte_order_mark_are_fine() -> None:
    golden = parse_golden("\ufeffrefund -> request-a-refund\r\n[fr]\r\nx -> y\r\n", "s.txt")
    assert golden.problems == ()
    assert [(q.line, q.locale, q.expected) for q in golden.queries] == [
        (1, "en", ("request-a-refund",)),
        (3, "fr", ("y",)),
    ]


def test_reading_a_missing_file_is_a_usage_error_and_bad_utf8_a_problem(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such file"):
        read_golden(tmp_path / "missing.txt")
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"refund -> request-a-refund\n\xff\xfe -> x\n")
    assert [str(p) for p in read_golden(bad).problems] == [f"{bad}:2: not UTF-8 text"]


LINE = st.one_of(
    st.text(max_size=40),
    st.builds(
        lambda q, s: f"{q} -> {s}",
        st.text(max_size=20),
        st.text(alphabet="abz09-, !#", max_size=20),
    ),
    st.builds(lambda t: f"[{t}]", st.text(alphabet="abcXYZ-_!1", max_size=10)),
    st.sampled_from(["# comment", "", "a -> b", "[fr]", "->", "[", "]"]),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE, max_size=12).map("\n".join))
def test_any_text_parses_or_yields_path_line_problems_never_raises(text: str) -> None:
    golden = parse_golden(text, "g.txt")
    lines = text.split("\n")
    for problem in golden.problems:
        assert re.fullmatch(r"g\.txt:\d+: .+", str(problem), re.S)
        assert 1 <= problem.line <= len(lines)
    assert golden.queries or golden.problems  # nothing to search is a problem too
    for query in golden.queries:
        assert query.query and 1 <= len(query.expected) <= 3
        assert "->" in lines[query.line - 1]


WORD = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=8)
QUERY = st.lists(
    st.text(alphabet="abcdéfghijklmnopqrstuvwxyzأب", min_size=1, max_size=8), min_size=1, max_size=4
).map(" ".join)
SLUG = st.lists(WORD, min_size=1, max_size=4).map("-".join)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.tuples(QUERY, st.lists(SLUG, min_size=1, max_size=5)),
        min_size=1,
        max_size=8,
        unique_by=lambda pair: pair[0].casefold(),
    )
)
def test_well_formed_lines_parse_back_to_what_was_written(
    lines: list[tuple[str, list[str]]],
) -> None:
    expected = [(query, tuple(dict.fromkeys(slugs))[:3]) for query, slugs in lines]
    text = "\n".join(f"{query} -> {', '.join(slugs)}" for query, slugs in expected)
    golden = parse_golden(text, "g.txt")
    assert golden.problems == ()
    assert [(q.query, q.expected) for q in golden.queries] == expected


# -- unknown slugs ----------------------------------------------------------------------------


def article(slug: str, locale: str = "en") -> Article:
    return Article(slug=slug, title=slug, locale=locale, status="published")


PUBLISHED = [
    article("request-a-refund"),
    article("request-a-refund", "fr"),
    article("cancel-your-subscription"),
    article("reset-your-password", "pt-br"),
]


def test_expected_slugs_must_be_published_in_the_locale_the_server_searches() -> None:
    text = "\n".join(
        [
            "refund -> request-a-refund",
            "refund now -> request-a-refnd",
            "[fr]",
            "annuler -> cancel-your-subscription",
            "[fr-CA]",
            "remboursement -> request-a-refund",  # fr-CA is searched in fr
            "[en-US]",
            "cancel -> cancel-your-subscription",  # en-US in en
            "[de]",
            "erstattung -> request-a-refund",
            "kündigen -> cancel-your-subscription",
            "[pt-BR]",
            "senha -> reset-your-password",
        ]
    )
    found = check_slugs(parse_golden(text, "s.txt"), PUBLISHED)
    assert [str(p) for p in found] == [
        's.txt:2: no published article "request-a-refnd" in locale en',
        's.txt:4: no published article "cancel-your-subscription" in locale fr; it is published '
        "in en",
        "s.txt:9: no published article in locale de: the server would search its queries in en",
    ]


# -- scores -----------------------------------------------------------------------------------


def scored(text: str, results: dict[str, Sequence[str]]) -> Report:
    def search(query: GoldenQuery) -> Sequence[str]:
        return results[query.query]

    return evaluate(parse_golden(text, "s.txt"), search)


FILE = """\
refund -> request-a-refund
cancel -> cancel-your-subscription, delete-your-account
[fr]
remboursement -> request-a-refund
"""


def test_recall_pools_expected_slugs_and_mrr_averages_queries() -> None:
    report = scored(
        FILE,
        {
            "refund": ["a", "request-a-refund", "b"],  # 2nd: found, 1/2
            "cancel": ["cancel-your-subscription", "x", "y", "z", "delete-your-account"],
            "remboursement": ["a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "request-a-refund"],
        },
    )
    results = report.results
    assert results[0].ranks == {"request-a-refund": 2} and results[0].passed
    assert results[1].ranks == {"cancel-your-subscription": 1, "delete-your-account": 5}
    assert not results[1].passed and results[1].reciprocal_rank == 1.0
    assert results[2].ranks == {"request-a-refund": None}  # 11th: beyond the top 10
    totals = report.totals
    assert (totals.found, totals.expected, totals.queries, totals.passed) == (2, 4, 3, 1)
    assert totals.recall == 0.5 and totals.mrr == 0.5  # (1/2 + 1 + 0) / 3
    assert report.locales["fr"].summary() == "recall@3 0.00 (0/1), MRR 0.00, 1 query"
    failed = failures(report)
    assert failed == ["recall@3 0.50 is below --min-recall 1.00 (2 queries missed)"]
    assert report_lines(report, failed) == [
        's.txt:2: "cancel" [en]: expected cancel-your-subscription, delete-your-account in the '
        "top 3, got cancel-your-subscription, x, y (delete-your-account is 5th)",
        's.txt:4: "remboursement" [fr]: expected request-a-refund in the top 3, got a, b, c '
        "(request-a-refund is not in the top 10)",
        "recall@3 0.50 (2/4), MRR 0.50, 3 queries",
        "  en: recall@3 0.67 (2/3), MRR 0.75, 2 queries",
        "  fr: recall@3 0.00 (0/1), MRR 0.00, 1 query",
        "failed: recall@3 0.50 is below --min-recall 1.00 (2 queries missed)",
    ]
    assert failures(report, min_recall=0.5) == []


def test_a_baseline_catches_drops_and_names_regressions(tmp_path: Path) -> None:
    good = {
        "refund": ["request-a-refund"],
        "cancel": ["cancel-your-subscription", "delete-your-account"],
        "remboursement": ["request-a-refund"],
    }
    saved = tmp_path / "baseline.json"
    before = scored(FILE, good)
    saved.write_text(json.dumps(before.to_json(failures(before))))
    baseline = load_baseline(saved)
    assert failures(before, baseline=baseline) == []
    worse = scored(FILE, {**good, "refund": ["a", "request-a-refund"], "remboursement": []})
    assert failures(worse, baseline=baseline) == [
        f"recall@3 dropped from 1.0000 to 0.7500 (baseline {saved})",
        f"MRR dropped from 1.0000 to 0.5000 (baseline {saved})",
        's.txt:1: "refund" [en]: its best expected article is 2nd, was 1st',
        'regression: s.txt:4: "remboursement" [fr] passed in the baseline, fails now',
    ]
    # With a baseline, --min-recall only applies when given.
    assert failures(worse, baseline=baseline, min_recall=0.9)[0].startswith("recall@3 0.75 is")


@pytest.mark.parametrize(
    "content", ["not json", "[]", '{"totals": {}}', '{"totals": {"recall_at_3": "x", "mrr": 1}}']
)
def test_a_baseline_that_is_not_a_report_is_a_usage_error(tmp_path: Path, content: str) -> None:
    path = tmp_path / "b.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="not a report written by --save"):
        load_baseline(path)
    with pytest.raises(ValueError, match="no such file"):
        load_baseline(tmp_path / "missing.json")
