"""Jinja filters for the web pages: times, durations, numbers and readable context values.

Times are stored as UTC ISO 8601; pages print them in UTC inside ``<time datetime=…>`` and a
small script shows them in the reader's own time zone.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timezone
from typing import Any

from flask import Flask
from markupsafe import Markup, escape

from .. import clock

LOCALE_NAMES = {
    "en": "English",
    "fr": "Français",
    "ar": "العربية",
    "de": "Deutsch",
    "es": "Español",
    "it": "Italiano",
    "nl": "Nederlands",
    "pt": "Português",
    "ja": "日本語",
    "zh": "中文",
}
RTL = {"ar", "he", "fa", "ur"}


def _moment(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(clock.parse_iso(value), tz=timezone.utc)
    except ValueError:
        return None


def when(value: str | None) -> str:
    moment = _moment(value)
    return moment.strftime("%d %b %Y, %H:%M UTC").lstrip("0") if moment else "—"


_MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def day(value: str | None, locale: str = "en") -> str:
    """A date for readers: '25 November 2026', '25 novembre 2026', or ISO in other languages."""
    moment = _moment(value)
    if moment is None:
        return ""
    language = locale.split("-")[0]
    if language == "en":
        return moment.strftime("%d %B %Y").lstrip("0")
    if language == "fr":
        return f"{moment.day} {_MONTHS_FR[moment.month - 1]} {moment.year}"
    return moment.strftime("%Y-%m-%d")


def ago(value: str | None) -> str:
    moment = _moment(value)
    if moment is None:
        return "—"
    seconds = max(0, int(clock.now() - moment.timestamp()))
    if seconds < 60:
        return "just now"
    for size, unit in (
        (86400 * 365, "y"),
        (86400 * 30, "mo"),
        (86400, "d"),
        (3600, "h"),
        (60, "min"),
    ):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return "just now"


def duration(seconds: float | None) -> str:
    """'45s', '12m', '2h 05m', '3d 4h'."""
    if seconds is None:
        return "—"
    seconds = int(seconds)
    if seconds < 60:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m" if minutes else f"{hours}h"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours}h" if hours else f"{days}d"


def percent(value: float | None, digits: int = 0) -> str:
    return "—" if value is None else f"{value * 100:.{digits}f}%"


def number(value: int | float | None) -> str:
    if value is None:
        return "—"
    return f"{value:,}".replace(",", "\u202f") if isinstance(value, int) else f"{value:,.1f}"


def locale_name(code: str) -> str:
    return LOCALE_NAMES.get(code.split("-")[0], code)


def pretty_json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True, default=str)


def is_scalar(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def safe_link(value: Any) -> str | None:
    """``value`` if it is an http(s) URL a page may link to, else None (no javascript:)."""
    if isinstance(value, str) and value.lower().startswith(("https://", "http://")):
        return value
    return None


# A web address in text, without the punctuation that usually follows one in a sentence.
_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]}\u00bb\u201d\u2019]")


def linkify(text: str | None) -> Markup:
    """``text`` (a message) escaped, its http(s) addresses made links: an agent's inserted
    help-article link (``Title: https://…``) opens in one click."""
    out, at = [], 0
    value = text or ""
    for found in _URL.finditer(value):
        out.append(escape(value[at : found.start()]))
        out.append(
            Markup(
                '<a href="{0}" rel="noopener noreferrer nofollow" target="_blank">{0}</a>'
            ).format(found.group(0))
        )
        at = found.end()
    out.append(escape(value[at:]))
    return Markup("").join(out)


def register(app: Flask) -> None:
    for name, function in {
        "when": when,
        "day": day,
        "ago": ago,
        "duration": duration,
        "percent": percent,
        "number": number,
        "locale_name": locale_name,
        "pretty_json": pretty_json,
        "safe_link": safe_link,
        "linkify": linkify,
    }.items():
        app.jinja_env.filters[name] = function
    app.jinja_env.tests["scalar"] = is_scalar
