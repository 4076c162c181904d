"""Plain text for the index and the snippets cut from it (no server: the pure functions)."""

from __future__ import annotations

from support_server.search.snippets import snippet
from support_server.services.plain_text import plain_text
from support_server.services.rendering import Renderer


def text_of(markdown: str) -> str:
    renderer = Renderer()
    return renderer.text(renderer.html(markdown))


def test_inline_markup_adds_no_spaces_and_blocks_end_lines() -> None:
    assert text_of("Click **Refund**. Then [open it](x), *now*!") == (
        "Click Refund. Then open it, now!"
    )
    assert text_of("# Title\n\nFirst.\n\n- one\n- two\n\n> quoted") == (
        "Title\nFirst.\none\ntwo\nquoted"
    )
    assert text_of("| a | b |\n|---|---|\n| 1 | **2** |") == "a · b\n1 · 2"
    assert plain_text("<p>a &amp; b &lt;i&gt;<br>c</p>") == "a & b <i> c"


def test_a_snippet_is_an_escaped_excerpt_with_marks() -> None:
    text = "Intro. Click <Refund> & wait.\nNext heading\nMore text here."
    at = text.index("Refund")
    assert snippet(text, [(at, at + 6)]) == (
        "Click &lt;<mark>Refund</mark>&gt; &amp; wait. Next heading — More text here."
    )


def test_without_matches_it_is_the_opening_sentences() -> None:
    text = "First sentence. " + "Second one is long " * 20 + "and ends here."
    assert snippet(text, []) == "First sentence."


def test_the_start_is_a_sentence_or_a_marked_cut() -> None:
    words = "word " * 40
    text = f"Start. {words}middle, the match is here. Tail."
    at = text.index("match")
    cut = snippet(text, [(at, at + 5)])
    assert cut.startswith("…the <mark>match</mark> is here.")
    near = "Start. Short lead then the match."
    at = near.index("match")
    assert snippet(near, [(at, at + 5)]) == "Short lead then the <mark>match</mark>."
