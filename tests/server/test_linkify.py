"""linkify: a message's web addresses as links on the customer's conversation page, and
nothing else of it as markup."""

from __future__ import annotations

from support_server.web.filters import linkify


def test_addresses_become_links_without_the_punctuation_after_them() -> None:
    html = str(linkify("Export data: https://help.example.com/a/export?x=1&y=2. Thanks!"))
    assert html == (
        'Export data: <a href="https://help.example.com/a/export?x=1&amp;y=2" rel="noopener'
        ' noreferrer nofollow" target="_blank">https://help.example.com/a/export?x=1&amp;y=2'
        "</a>. Thanks!"
    )
    assert str(linkify("(see https://x.example/p)")).endswith("</a>)")


def test_markup_and_other_schemes_stay_text() -> None:
    html = str(linkify('<script>alert(1)</script> javascript:alert(1) "https://a.example/"x'))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert 'href="javascript' not in html
    assert html.count("<a ") == 1 and 'href="https://a.example/"' in html
    assert str(linkify(None)) == "" and str(linkify("no links")) == "no links"
