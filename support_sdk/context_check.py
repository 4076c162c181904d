"""``support-sdk check``: the help contexts a host app uses, checked against published articles.

The contexts an app uses are collected from its source and templates: ``help_link("…")``,
``support_widget(context="…")``, ``data-support-help="…"`` attributes and
``SupportWidget('setContext', '…')`` calls, plus any listed in a file (one per line). Each is
compared with the contexts and slugs of the published articles, so a team can run this in CI
and learn of every page without help and every article no page points to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .models import Article

__all__ = ["ContextReport", "Usage", "check_contexts", "collect_usages", "report_lines"]

_PATTERNS = (
    re.compile(r"""help_link\(\s*(?:context_or_slug\s*=\s*)?["']([^"']+)["']"""),
    re.compile(r"""support_widget\([^)]*?context\s*=\s*["']([^"']+)["']"""),
    re.compile(r"""data-support-help\s*=\s*["']([^"'{}]+)["']"""),
    re.compile(r"""SupportWidget\(\s*["']setContext["']\s*,\s*["']([^"']+)["']"""),
    # support_sdk.django's tags: {% help_link "…" %}, {% support_widget context="…" %}
    re.compile(r"""\{%\s*help_link\s+["']([^"']+)["']"""),
    re.compile(r"""\{%\s*support_widget\s[^%]*?context\s*=\s*["']([^"']+)["']"""),
)
_SCANNED = {
    ".html",
    ".htm",
    ".jinja",
    ".jinja2",
    ".j2",
    ".py",
    ".js",
    ".jsx",
    ".ts",
    ".tsx",
    ".vue",
    ".svelte",
    ".erb",
    ".txt",
}
_SKIPPED_DIRS = {".git", ".venv", "venv", "node_modules", "__pycache__", ".tox", "dist", "build"}


@dataclass(frozen=True)
class Usage:
    """One place that asks for help on ``context``."""

    context: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else str(self.path)  # 0: a URL, no line


@dataclass
class ContextReport:
    missing: dict[str, list[Usage]] = field(default_factory=dict)  # used, no article
    unused: dict[str, list[str]] = field(default_factory=dict)  # article context -> slugs
    covered: set[str] = field(default_factory=set)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.unused

    def failed(self, *, allow_unused: bool = False) -> bool:
        """Whether a check should fail: a context without an article, or an unused one."""
        return bool(self.missing) or (bool(self.unused) and not allow_unused)


def report_lines(report: ContextReport, *, allow_unused: bool = False) -> list[str]:
    """The report as ``support-sdk check`` (and ``manage.py support check``) prints it."""
    lines = []
    for context, places in sorted(report.missing.items()):
        where = ", ".join(str(p) for p in places[:3]) + (" …" if len(places) > 3 else "")
        lines.append(f"missing: {context} has no published article (used at {where})")
    if not allow_unused:  # allowed, they are no problem: counted, not listed
        for context, slugs in sorted(report.unused.items()):
            lines.append(f"unused: {context} (articles: {', '.join(slugs)}) is used by no page")
    lines.append(
        f"{len(report.covered)} covered, {len(report.missing)} missing, {len(report.unused)} unused"
        + (" (allowed)" if allow_unused and report.unused else "")
    )
    return lines


def _files(paths: Sequence[Path]) -> Iterable[Path]:
    for root in paths:
        if root.is_file():
            yield root
            continue
        for path in sorted(root.rglob("*")):
            if (
                path.is_file()
                and path.suffix in _SCANNED
                and not (_SKIPPED_DIRS & set(path.relative_to(root).parts))
            ):
                yield path


def collect_usages(paths: Sequence[Path], listed: Path | None = None) -> list[Usage]:
    """Every context the app's files ask for, with where they ask for it."""
    usages: list[Usage] = []
    for path in _files(paths):
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for pattern in _PATTERNS:
            for match in pattern.finditer(text):
                line = text.count("\n", 0, match.start()) + 1
                usages.append(Usage(match.group(1).strip(), path, line))
    if listed is not None:
        for number, raw in enumerate(listed.read_text(encoding="utf-8").splitlines(), 1):
            entry = raw.split("#", 1)[0].strip()
            if entry:
                usages.append(Usage(entry, listed, number))
    return usages


def check_contexts(usages: Iterable[Usage], published: Iterable[Article]) -> ContextReport:
    """Compare what pages use with what published articles explain (keys and slugs)."""
    keys: dict[str, list[str]] = {}
    slugs: set[str] = set()
    for article in published:
        slugs.add(article.slug)
        for context in article.contexts:
            if not context.startswith("/"):  # URL patterns match pages, not help links
                keys.setdefault(context, []).append(article.slug)
    report = ContextReport()
    used: set[str] = set()
    for usage in usages:
        used.add(usage.context)
        if usage.context in keys or usage.context in slugs:
            report.covered.add(usage.context)
        else:
            report.missing.setdefault(usage.context, []).append(usage)
    for key, article_slugs in sorted(keys.items()):
        if key not in used:
            report.unused[key] = sorted(set(article_slugs))
    return report
