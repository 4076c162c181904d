"""support_sdk._inject: the rules both middlewares share."""

from __future__ import annotations

import re

import pytest

from support_sdk._inject import html_page, insert_tag, opted_out, with_length, without_opt_out

TAG = b"<script></script>"


def by_pattern(content: bytes) -> bytes:
    """The rule as first written: before the last match of the pattern, scanning forward."""
    matches = list(re.finditer(rb"</body\s*>", content, re.IGNORECASE))
    if not matches:
        return content
    at = matches[-1].start()
    return content[:at] + TAG + content[at:]


@pytest.mark.parametrize(
    "page",
    [
        b"<html><body>Hi</body></html>",
        b"<BODY>Hi</BODY >",
        b"<body>a</body>b</body\n\t>c",
        b"<body>no end",
        b"<body>x</body",  # not closed: not a match
        b"<body>x</body></bodyx></body  x>",
        b"</body>" * 3,
        b"",
        "<body>caf\u00e9 \u2603</body>".encode(),
        # Pages longer than the tail searched first: the end tag near the end, across the
        # tail's first byte, or only far from the end.
        b"<body>" + b"x" * 10_000 + b"</body></html>",
        b"<body>" + b"x" * 10_000 + b"</BODY>" + b"y" * 4093,
        b"<body>" + b"x" * 10_000 + b"</body>" + b"y" * 4091,
        b"<body>a</body>" + b"x" * 10_000,
        b"<body>a</body>" + b"x" * 10_000 + b"</body",
    ],
)
def test_the_tag_goes_before_the_last_body_end_as_the_pattern_says(page: bytes) -> None:
    assert insert_tag(page, TAG) == by_pattern(page)


def test_html_page_needs_a_200_html_get_uncompressed_not_a_download() -> None:
    html = [("Content-Type", "text/html; charset=utf-8")]
    assert html_page("GET", 200, html)
    assert not html_page("HEAD", 200, html)
    assert not html_page("GET", 404, html)
    assert not html_page("GET", 200, [("Content-Type", "application/json")])
    assert not html_page("GET", 200, [*html, ("Content-Encoding", "gzip")])
    assert not html_page("GET", 200, [*html, ("Content-Disposition", "attachment; x.html")])


def test_opt_out_and_length_headers() -> None:
    headers = [("x-support-widget", "OFF"), ("Content-Length", "3")]
    assert opted_out(headers) and not opted_out([("X-Support-Widget", "on")])
    assert without_opt_out(headers) == [("Content-Length", "3")]
    assert with_length(headers, 10) == [("x-support-widget", "OFF"), ("Content-Length", "10")]
