"""The renderer's cache of rendered articles: the same HTML as rendering afresh, an edited
text never answered with the old page, and a bounded size."""

from __future__ import annotations

from support_server.services.rendering import Renderer


def test_a_cached_page_is_the_page_rendered_afresh() -> None:
    cached, fresh = Renderer(), Renderer(cache_chars=0)
    text = "# Refunds\n\nClick **Refund**. <script>alert(1)</script>\n\n"
    text += "| a | b |\n|---|---|\n| 1 | 2 |"
    first = cached.html(text)
    assert cached.html(text) == first == fresh.html(text)
    assert "<script" not in first and "<table>" in first


def test_an_edited_text_is_rendered_again() -> None:
    renderer = Renderer()
    assert "Old" in renderer.html("# Old title")
    assert "New" in renderer.html("# New title") and "Old" not in renderer.html("# New title")


def test_the_cache_keeps_within_its_size() -> None:
    renderer = Renderer(cache_chars=40_000)
    texts = [f"# Article {n}\n\n" + "word " * 300 for n in range(200)]
    for text in texts:
        renderer.html(text)
    entries, chars = renderer.cache_info()
    assert 0 < chars <= 40_000 and 0 < entries < len(texts)
    huge = "word " * 20_000  # more than an eighth of the budget: rendered, not kept
    assert renderer.html(huge).startswith("<p>")
    assert renderer.cache_info() == (entries, chars)
