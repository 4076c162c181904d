"""Docs as code: a folder of Markdown files with YAML front matter, one article per file.

The folder follows the conventions writers know from Hugo, Jekyll, MkDocs and Docusaurus, so
front matter only says what the file's place cannot::

    docs/help/
      billing/                      the folder is the category: "Billing"
        late-fees.md                slug "late-fees", in English
        late-fees.fr.md             its French translation (a locale suffix)
      getting-started/              "Getting started" (the folder name, humanised)
        _index.md                   optional: ``title: Getting Started with Ledgerly`` names it
        first-invoice.md
      welcome.md                    at the top: no category

    ---
    title: Late fees
    summary: One sentence for search results.
    tags: [fees, reminders]
    contexts: [billing.invoices.overdue, /invoices/*]
    status: published
    ---
    Markdown body...

- **slug**: the file name without ``.md`` (and without the locale suffix); it must already be
  a slug (lowercase letters, digits, single hyphens).
- **locale**: the suffix before ``.md`` (``.fr``, ``.pt-br``), else English (``en``).
- **category**: the folder the file is in: the ``title`` of its ``_index.md`` if it has one
  (Hugo's section file; only its front matter is read), else the folder's name humanised
  (``getting-started`` → "Getting started"). Files at the top of the folder have none.

Front matter (``title``, ``slug``, ``summary``, ``category``, ``tags``, ``contexts``,
``locale``, ``status``) overrides any of these, so folders that spell everything out keep
working unchanged. Writing a folder (pull, export) follows the convention: no slug, locale or
category in front matter where the file's name and folder say it.

Reading collects every problem of every file, each with its path and line, before anything
is sent anywhere, so a sync is all or nothing. The server's ``import``/``export`` and the
SDK's ``articles push``/``pull`` share this module, so both read and write exactly the same
files.

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
    "DEFAULT_LOCALE",
    "FRONT_MATTER_KEYS",
    "INDEX_FILE",
    "DocFile",
    "FileProblem",
    "article_fields",
    "article_key",
    "duplicates",
    "file_name",
    "humanise",
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
# late-fees.fr.md, late-fees.pt-BR.md: a locale suffix before .md.
_SUFFIXED = re.compile(r"^(?P<stem>.+)\.(?P<locale>[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?)$")
DEFAULT_LOCALE = "en"
INDEX_FILE = "_index.md"
_SKIPPED = {"readme.md", INDEX_FILE}
_OPTIONAL = ("summary", "category", "tags", "contexts")


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
    # What the file's name and folder say: slug, locale and category, used where the front
    # matter says nothing.
    implied: dict[str, str] = field(default_factory=dict)

    def line_of(self, key: str) -> int:
        return self.lines.get(key, 1 if key in self.implied and key not in self.meta else 2)

    def value(self, key: str, default: Any = None) -> Any:
        """A front-matter value, else what the file's place implies, else ``default``."""
        if key in self.meta:
            return self.meta[key]
        return self.implied.get(key, default)


def humanise(folder: str) -> str:
    """A folder's name as a category: ``getting-started`` -> ``Getting started``."""
    words = " ".join(re.split(r"[-_\s]+", folder)).strip()
    return words[:1].upper() + words[1:]


def implied_by_name(path: Path) -> dict[str, str]:
    """The slug and locale a file's name gives: ``late-fees.fr.md`` -> late-fees, fr."""
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    match = _SUFFIXED.match(stem)
    if match:
        return {"slug": match["stem"], "locale": match["locale"].lower().replace("_", "-")}
    return {"slug": stem, "locale": DEFAULT_LOCALE}


def parse_file(path: Path, category: str | None = None) -> DocFile:
    """Read one file; problems are collected on the result, never raised.

    ``category`` is what the file's folder implies (see :func:`read_folder`), if anything.
    """
    doc = _parse(path)
    doc.implied = implied_by_name(path)
    if category:
        doc.implied["category"] = category
    if not doc.problems:
        _check(doc)
    return doc


def _parse(path: Path) -> DocFile:
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
    return DocFile(path, meta, body, lines=positions)


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
    slug = doc.value("slug")
    if not isinstance(slug, str) or not _SLUG.match(slug):
        if "slug" in meta:
            problem("slug", "slug is required: lowercase letters, digits and single hyphens")
        else:
            problem(
                "slug",
                f"the file name {doc.path.name!r} is not a slug (lowercase letters, digits and"
                " single hyphens): rename the file, e.g. late-fees.md, or set slug:",
            )
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
    locale = doc.value("locale", DEFAULT_LOCALE)
    if not isinstance(locale, str) or not _LOCALE.match(locale):
        problem("locale", "locale must look like en or fr-CA")
    if meta.get("status", "draft") not in STATUSES:
        problem("status", f"status must be one of {', '.join(STATUSES)}")


def article_fields(doc: DocFile) -> dict[str, Any]:
    """The article a valid file describes, as the writer API takes it (with its status)."""
    meta = doc.meta
    return {
        "title": meta["title"].strip(),
        "slug": doc.value("slug"),
        "summary": meta.get("summary") or "",
        "category": doc.value("category") or "",
        "tags": list(meta.get("tags") or []),
        "contexts": list(meta.get("contexts") or []),
        "locale": str(doc.value("locale") or DEFAULT_LOCALE).lower().replace("_", "-"),
        "status": meta.get("status") or "draft",
        "body": doc.body,
    }


def article_key(doc: DocFile) -> tuple[str, str] | None:
    """The (slug, locale) a file stands for, when both are valid (even if other things in the
    file are wrong, so that two files claiming one article are always reported)."""
    slug, locale = doc.value("slug"), doc.value("locale", DEFAULT_LOCALE)
    if not (isinstance(slug, str) and _SLUG.match(slug)):
        return None
    if not (isinstance(locale, str) and _LOCALE.match(locale)):
        return None
    return slug, locale.lower().replace("_", "-")


def duplicates(files: Iterable[DocFile]) -> list[FileProblem]:
    """One problem per file that claims an article (slug and locale) an earlier file claims."""
    seen: dict[tuple[str, str], Path] = {}
    problems = []
    for doc in files:
        key = article_key(doc)
        if key is None:
            continue
        if key in seen:
            problems.append(
                FileProblem(
                    doc.path,
                    doc.line_of("slug"),
                    f"slug {key[0]!r} ({key[1]}) is also in {seen[key]}",
                )
            )
        else:
            seen[key] = doc.path
    return problems


def read_folder(folder: Path) -> list[DocFile]:
    """Every ``*.md`` file below ``folder`` except READMEs and ``_index.md``, in a stable order.

    A folder's ``_index.md`` that is wrong (no title, not YAML) is reported on the files it
    would name, at its own path and line.
    """
    categories: dict[Path, tuple[str, list[FileProblem]]] = {}
    docs = []
    for path in sorted(folder.rglob("*.md")):
        if path.name.lower() in _SKIPPED:
            continue
        if path.parent not in categories:
            categories[path.parent] = _category(path.parent, folder)
        category, problems = categories[path.parent]
        doc = parse_file(path, category)
        doc.problems[:0] = problems
        docs.append(doc)
    _report_once(docs)
    return docs


def _category(directory: Path, root: Path) -> tuple[str, list[FileProblem]]:
    """The category a folder implies, and what is wrong with its ``_index.md``."""
    if directory == root:
        return "", []
    index = directory / INDEX_FILE
    if not index.is_file():
        return humanise(directory.name), []
    parsed = _parse(index)
    problems = list(parsed.problems)
    title = parsed.meta.get("title")
    if not problems:
        for key in parsed.meta:
            if key != "title":
                problems.append(
                    FileProblem(index, parsed.line_of(key), f"{INDEX_FILE} only takes title:")
                )
        if not isinstance(title, str) or not title.strip():
            problems.append(
                FileProblem(index, parsed.line_of("title"), "title (the category) is required")
            )
    if problems:
        return humanise(directory.name), problems
    return str(title).strip(), []


def _report_once(docs: list[DocFile]) -> None:
    """An ``_index.md`` problem is listed once (on the first file of its folder), not per file."""
    seen: set[tuple[Path, int, str]] = set()
    for doc in docs:
        kept = []
        for problem in doc.problems:
            key = (problem.path, problem.line, problem.message)
            if problem.path != doc.path and key in seen:
                continue
            seen.add(key)
            kept.append(problem)
        doc.problems = kept


def render_file(article: Mapping[str, Any], implied: Mapping[str, str] | None = None) -> str:
    """The file for an article (the inverse of :func:`parse_file`).

    What ``implied`` says (the slug, locale and category the file's name and folder give) is
    left out of the front matter, as are empty summaries, tags and contexts.
    """
    implied = implied or {}
    meta: dict[str, Any] = {}
    for key in FRONT_MATTER_KEYS:
        value = article.get(key)
        if key in ("tags", "contexts"):
            value = list(value or [])
        if key in implied:
            if (value or "") == implied[key]:
                continue  # the file's name or folder says it
        elif key in _OPTIONAL and not value:
            continue
        meta[key] = value
    header = _yaml().safe_dump(meta, sort_keys=False, allow_unicode=True, default_flow_style=None)
    return f"---\n{header}---\n\n{str(article['body']).rstrip()}\n"


def file_name(article: Mapping[str, Any], default_locale: str = DEFAULT_LOCALE) -> str:
    locale = article.get("locale") or default_locale
    suffix = "" if locale == default_locale else f".{locale}"
    return f"{article['slug']}{suffix}.md"


def folder_name(category: str) -> str:
    """The folder for a category: ``Getting started`` -> ``getting-started``."""
    return "-".join(re.findall(r"[a-z0-9]+", category.lower())) or "category"


def write_folder(folder: Path, articles: Iterable[Mapping[str, Any]]) -> list[Path]:
    """Write one file per article, in a folder per category (articles without one at the
    top), following the convention of the module docstring; returns the paths written.

    A category its folder's name does not humanise to (``VAT & Tax`` in ``vat-tax/``) gets an
    ``_index.md`` naming it.
    """
    folders: dict[str, str] = {}  # category -> folder name
    written = []
    for article in articles:
        category = str(article.get("category") or "")
        directory = folder
        if category:
            if category not in folders:
                name, n = folder_name(category), 1
                while name in folders.values() or name.lower() in {"readme", "_index"}:
                    n += 1
                    name = f"{folder_name(category)}-{n}"
                folders[category] = name
                (folder / name).mkdir(parents=True, exist_ok=True)
                if humanise(name) != category:
                    index = folder / name / INDEX_FILE
                    header = _yaml().safe_dump({"title": category}, allow_unicode=True)
                    index.write_text(f"---\n{header}---\n", encoding="utf-8")
            directory = folder / folders[category]
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / file_name(article)
        implied = implied_by_name(path)
        if category:
            implied["category"] = category
        path.write_text(render_file(article, implied), encoding="utf-8")
        written.append(path)
    return written
