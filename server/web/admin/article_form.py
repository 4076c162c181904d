"""The editor's form: from posted fields to validated article data (the shared article fields,
so the editor and the writers' API accept exactly the same articles)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from typing import Any

from marshmallow import ValidationError

from ...services.article_fields import ArticleInSchema, ArticlePatchSchema

FIELDS = ("title", "slug", "summary", "category", "locale", "tags", "contexts", "body")
_SPLIT = re.compile(r"[,\n]")


def split_list(raw: str) -> list[str]:
    return [part.strip() for part in _SPLIT.split(raw or "") if part.strip()]


def values_of(article: Mapping[str, Any] | None) -> dict[str, str]:
    """The form's text values for an article (or an empty form)."""
    if article is None:
        return {name: "" for name in FIELDS} | {"locale": "en"}
    return {
        "title": article["title"],
        "slug": article["slug"],
        "summary": article["summary"],
        "category": article["category"],
        "locale": article["locale"],
        "tags": ", ".join(article["tags"]),
        "contexts": "\n".join(article["contexts"]),
        "body": article["body"],
    }


def posted(form: Mapping[str, str]) -> dict[str, str]:
    # browsers send CRLF in textareas; articles keep LF like the files writers push from git
    return {name: form.get(name, "").replace("\r\n", "\n") for name in FIELDS}


def validate(values: Mapping[str, str], *, creating: bool) -> tuple[dict[str, Any], dict[str, Any]]:
    """(data, errors): data for ArticleService, or field errors to show beside the inputs."""
    data: dict[str, Any] = {
        "title": values["title"].strip(),
        "body": values["body"],
        "summary": values["summary"].strip(),
        "category": values["category"].strip(),
        "locale": values["locale"].strip().lower() or "en",
        "tags": split_list(values["tags"]),
        "contexts": split_list(values["contexts"]),
    }
    if values["slug"].strip():
        data["slug"] = values["slug"].strip()
    schema = ArticleInSchema() if creating else ArticlePatchSchema()
    try:
        loaded: dict[str, Any] = schema.load(data)
    except ValidationError as exc:
        errors = exc.messages if isinstance(exc.messages, dict) else {"_": exc.messages}
        return data, {str(k): _flatten(v) for k, v in errors.items()}
    if not creating:
        loaded.setdefault("summary", "")
        loaded.setdefault("category", "")
    return loaded, {}


def _flatten(messages: Any) -> str:
    if isinstance(messages, dict):
        return "; ".join(f"{k}: {_flatten(v)}" for k, v in messages.items())
    if isinstance(messages, list):
        return "; ".join(_flatten(m) for m in messages)
    return str(messages)


def publish_time(local: str, offset_minutes: str) -> float | None:
    """A UNIX time from a datetime-local value and the browser's UTC offset (JS
    ``getTimezoneOffset``, minutes behind UTC); without an offset the time is UTC."""
    text = local.strip()
    if not text:
        return None
    for pattern in ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"):
        try:
            moment = datetime.strptime(text, pattern).replace(tzinfo=timezone.utc)
            break
        except ValueError:
            continue
    else:
        return None
    try:
        offset = int(offset_minutes or 0)
    except ValueError:
        offset = 0
    if abs(offset) > 14 * 60:
        offset = 0
    return (moment + timedelta(minutes=offset)).timestamp()
