"""An app's theme colours, shared by the widget's config and the help center's pages."""

from __future__ import annotations


def on_colour(accent: str) -> str:
    """Black or white, whichever reads better on ``accent`` (``#rrggbb``; WCAG luminance)."""

    def channel(hex_pair: str) -> float:
        c = int(hex_pair, 16) / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(accent[i : i + 2]) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    # contrast with white = 1.05 / (L + .05); with black = (L + .05) / .05
    return "#ffffff" if 1.05 / (luminance + 0.05) >= (luminance + 0.05) / 0.05 else "#111827"
