"""A folder of Markdown files with YAML front matter: the docs-as-code form of a help center.

    ---
    title: Request a refund
    slug: request-a-refund
    summary: ...
    category: Billing
    tags: [refunds]
    contexts: [billing.refunds, /settings/billing]
    locale: en
    status: published
    ---
    Markdown body...

Translations live beside the original as ``<slug>.<locale>.md``. Reading collects every
problem in every file (path and line) before anything is written, so an import is all or
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

FRONT_MATTER_KEYS = ("title", "slug", "summary", "category", "tags", "contexts", "locale", "status")


@dataclass
class FileProblem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass
class DocFile:
    path: Path
    meta: dict[str, Any]
    body: str
    problems: list[FileProblem] = field(default_factory=list)


def parse_file(path: Path) -> DocFile:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return DocFile(path, {}, "", [FileProblem(path, 1, f"cannot read: {exc}")])
    text = text.lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        return DocFile(
            path, {}, text, [FileProblem(path, 1, "missing front matter (a '---' line)")]
        )
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == "---"), None)
    if end is None:
        return DocFile(path, {}, "", [FileProblem(path, 1, "front matter is not closed by '---'")])
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = (mark.line + 2) if mark is not None else 2
        problem = getattr(exc, "problem", None) or str(exc)
        return DocFile(
            path, {}, "", [FileProblem(path, line, f"front matter is not YAML: {problem}")]
        )
    if not isinstance(meta, dict):
        return DocFile(
            path, {}, "", [FileProblem(path, 2, "front matter must be key: value pairs")]
        )
    body = "".join(lines[end + 1 :]).lstrip("\n")
    doc = DocFile(path, meta, body)
    for key in meta:
        if key not in FRONT_MATTER_KEYS:
            doc.problems.append(
                FileProblem(path, _line_of(lines, end, key), f"unknown front-matter key {key!r}")
            )
    return doc


def _line_of(lines: list[str], end: int, key: str) -> int:
    for number in range(1, end):
        if lines[number].startswith(f"{key}:"):
            return number + 1
    return 2


def read_folder(folder: Path) -> list[DocFile]:
    return [parse_file(p) for p in sorted(folder.rglob("*.md")) if p.name.lower() != "readme.md"]


def render_file(article: Mapping[str, Any]) -> str:
    meta = {key: article.get(key) for key in FRONT_MATTER_KEYS}
    header = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return f"---\n{header}---\n\n{article['body'].rstrip()}\n"


def file_name(article: Mapping[str, Any], default_locale: str = "en") -> str:
    locale = article.get("locale") or default_locale
    suffix = "" if locale == default_locale else f".{locale}"
    return f"{article['slug']}{suffix}.md"


def write_folder(folder: Path, articles: Iterable[Mapping[str, Any]]) -> int:
    count = 0
    for article in articles:
        category = article.get("category") or ""
        sub = folder / ("-".join(category.lower().split()) if category else "uncategorised")
        sub.mkdir(parents=True, exist_ok=True)
        (sub / file_name(article)).write_text(render_file(article), encoding="utf-8")
        count += 1
    return count
