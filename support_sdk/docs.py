"""Docs as code: a folder of Markdown files with YAML front matter, one article per file.

::

    ---
    title: Request a refund
    slug: request-a-refund
    summary: One sentence for search results.
    category: Billing
    tags: [refunds, payments]
    contexts: [billing.refunds, /settings/billing]
    locale: en
    status: published
    ---
    Markdown body...

Translations sit beside the original as ``<slug>.<locale>.md``. Reading collects every problem
of every file, each with its path and line, before anything is sent anywhere, so a sync is all
or nothing. The server's ``import``/``export`` and the SDK's ``articles push``/``pull`` share
this module, so both read and write exactly the same files.

Front matter is YAML, parsed with PyYAML: install ``support-sdk[docs]`` (the server extra
includes it).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

__all__ = [
    "FRONT_MATTER_KEYS",
    "DocFile",
    "FileProblem",
    "article_fields",
    "file_name",
    "parse_file",
    "read_folder",
    "render_file",
    "write_folder",
]

FRONT_MATTER_KEYS = ("title", "slug", "summary", "category", "tags", "contexts", "locale", "status")
STATUSES = ("draft", "published", "archived")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_CONTEXT_KEY = re.compile(r"^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$")
_LOCALE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")


def _yaml() -> ModuleType:
    try:
        import yaml  # late import: optional: only docs-as-code needs it
    except ImportError:  # pragma: no cover - depends on the installed extras
        raise RuntimeError(
            "reading front matter needs PyYAML: pip install 'support-sdk[docs]'"
        ) from None
    return yaml


@dataclass
class FileProblem:
    """One thing wrong with one file, printed as ``path:line: message``."""

    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class DocFile:
    """A parsed file: its front matter, its Markdown body, and what is wrong with it."""

    path: Path
    meta: dict[str, Any]
    body: str
    problems: list[FileProblem] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 2)


def parse_file(path: Path) -> DocFile:
    """Read one file; problems are collected on the result, never raised."""
    try:
        text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    except (OSError, UnicodeDecodeError) as exc:
        return DocFile(path, {}, "", [FileProblem(path, 1, f"cannot read: {exc}")])
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return DocFile(
            path, {}, text, [FileProblem(path, 1, "missing front matter (a '---' line)")]
        )
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return DocFile(path, {}, "", [FileProblem(path, 1, "front matter is not closed by '---'")])
    yaml = _yaml()
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc)
        return DocFile(
            path, {}, "", [FileProblem(path, line, f"front matter is not YAML: {problem}")]
        )
    if not isinstance(meta, dict):
        return DocFile(
            path, {}, "", [FileProblem(path, 2, "front matter must be key: value pairs")]
        )
    positions: dict[str, int] = {}
    for number in range(1, end):
        key = lines[number].split(":", 1)[0].strip()
        if key and not lines[number].startswith((" ", "-", "#")):
            positions.setdefault(key, number + 1)
    body = "".join(lines[end + 1 :]).lstrip("\n")
    doc = DocFile(path, meta, body, lines=positions)
    _check(doc)
    return doc


def _check(doc: DocFile) -> None:
    """The rules the server applies too, checked locally so a sync never stops half-way."""
    meta = doc.meta

    def problem(key: str, message: str) -> None:
        doc.problems.append(FileProblem(doc.path, doc.line_of(key), message))

    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            problem(
                key, f"unknown front-matter key {key!r} (known: {', '.join(FRONT_MATTER_KEYS)})"
            )
    title = meta.get("title")
    if not isinstance(title, str) or not title.strip():
        problem("title", "title is required")
    slug = meta.get("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        problem("slug", "slug is required: lowercase letters, digits and single hyphens")
    for key in ("summary", "category"):
        if key in meta and not isinstance(meta[key], str):
            problem(key, f"{key} must be text")
    for key in ("tags", "contexts"):
        value = meta.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            problem(key, f"{key} must be a list of names, like [a, b]")
    for context in meta.get("contexts") or []:
        if isinstance(context, str) and not (
            context.startswith("/") or _CONTEXT_KEY.match(context)
        ):
            problem("contexts", f"{context!r} is neither a context key nor a /path")
    locale = meta.get("locale", "en")
    if not isinstance(locale, str) or not _LOCALE.match(locale):
        problem("locale", "locale must look like en or fr-CA")
    if meta.get("status", "draft") not in STATUSES:
        problem("status", f"status must be one of {', '.join(STATUSES)}")


def article_fields(doc: DocFile) -> dict[str, Any]:
    """The article a valid file describes, as the writer API takes it (with its status)."""
    meta = doc.meta
    return {
        "title": meta["title"].strip(),
        "slug": meta["slug"],
        "summary": meta.get("summary") or "",
        "category": meta.get("category") or "",
        "tags": list(meta.get("tags") or []),
        "contexts": list(meta.get("contexts") or []),
        "locale": (meta.get("locale") or "en").lower(),
        "status": meta.get("status") or "draft",
        "body": doc.body,
    }


def read_folder(folder: Path) -> list[DocFile]:
    """Every ``*.md`` file below ``folder`` except READMEs, in a stable order."""
    return [parse_file(p) for p in sorted(folder.rglob("*.md")) if p.name.lower() != "readme.md"]


def render_file(article: Mapping[str, Any]) -> str:
    """The file for an article (the inverse of :func:`parse_file`)."""
    meta = {key: article.get(key) for key in FRONT_MATTER_KEYS}
    meta["tags"] = list(meta.get("tags") or [])
    meta["contexts"] = list(meta.get("contexts") or [])
    header = _yaml().safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return f"---\n{header}---\n\n{str(article['body']).rstrip()}\n"


def file_name(article: Mapping[str, Any], default_locale: str = "en") -> str:
    locale = article.get("locale") or default_locale
    suffix = "" if locale == default_locale else f".{locale}"
    return f"{article['slug']}{suffix}.md"


def folder_name(article: Mapping[str, Any]) -> str:
    category = str(article.get("category") or "")
    return "-".join(category.lower().split()) or "uncategorised"


def write_folder(folder: Path, articles: Iterable[Mapping[str, Any]]) -> list[Path]:
    """Write one file per article under a folder per category; returns the paths written."""
    written = []
    for article in articles:
        path = folder / folder_name(article) / file_name(article)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(render_file(article), encoding="utf-8")
        written.append(path)
    return written
