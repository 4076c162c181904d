"""``support-sdk articles push`` and ``pull``: a docs folder kept in step with the server.

A push plans first and applies after: every file is read and checked (see :mod:`.docs`) and
compared with the server's articles, matched by (slug, locale). Nothing is sent when any file
is bad. Pushing an unchanged folder, or a folder just pulled, changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import docs
from .articles import ArticlesService
from .models import Article

__all__ = ["Change", "PushPlan", "apply_push", "plan_push", "pull"]

_COMPARED = ("title", "body", "summary", "category", "tags", "contexts")


@dataclass(frozen=True)
class Change:
    """One step of a push: ``create``, ``update`` (with the fields that differ), or ``archive``."""

    action: str
    slug: str
    locale: str
    fields: dict[str, Any] = field(default_factory=dict)
    article_id: str | None = None
    status: str | None = None  # the status to reach, when it differs

    def __str__(self) -> str:
        mark = {"create": "+", "update": "~", "archive": "-"}[self.action]
        what = f"{mark} {self.action} {self.slug} ({self.locale})"
        changed = sorted(k for k in self.fields if k in _COMPARED)
        if self.action == "update":
            if self.status:
                changed.append(f"status → {self.status}")
            what += ": " + ", ".join(changed)
        return what


@dataclass
class PushPlan:
    changes: list[Change] = field(default_factory=list)
    unchanged: int = 0
    problems: list[docs.FileProblem] = field(default_factory=list)

    def summary(self) -> str:
        counts = {
            a: sum(1 for c in self.changes if c.action == a)
            for a in ("create", "update", "archive")
        }
        return (
            f"{counts['create']} to create, {counts['update']} to update, "
            f"{counts['archive']} to archive, {self.unchanged} unchanged"
        )


def _comparable(article: Article) -> dict[str, Any]:
    return {
        "title": article.title,
        "body": article.body.rstrip(),
        "summary": article.summary or "",
        "category": article.category or "",
        "tags": list(article.tags),
        "contexts": list(article.contexts),
    }


def plan_push(
    folder: Path,
    remote: Iterable[Article],
    *,
    publish: bool = False,
    delete_missing: bool = False,
) -> PushPlan:
    """Compare ``folder`` with the server's articles (all statuses); sends nothing."""
    plan = PushPlan()
    if not folder.is_dir():
        plan.problems.append(docs.FileProblem(folder, 0, "not a folder"))
        return plan
    by_key = {(a.slug, a.locale): a for a in remote}
    files = docs.read_folder(folder)
    plan.problems.extend(docs.duplicates(files))
    seen: set[tuple[str, str]] = set()
    for doc in files:
        claimed = docs.article_key(doc)
        if claimed is not None:
            seen.add(claimed)
        plan.problems.extend(doc.problems)
        if doc.problems or plan.problems:
            continue  # nothing will be sent: only the problems matter now
        wanted = docs.article_fields(doc)
        wanted["body"] = wanted["body"].rstrip()
        if publish:
            wanted["status"] = "published"
        key = (wanted["slug"], wanted["locale"])
        existing = by_key.get(key)
        if existing is None:
            plan.changes.append(Change("create", key[0], key[1], wanted))
            continue
        current = _comparable(existing)
        differs = {k: wanted[k] for k in _COMPARED if wanted[k] != current[k]}
        status = wanted["status"] if wanted["status"] != existing.status else None
        if differs or status:
            plan.changes.append(Change("update", key[0], key[1], differs, existing.id, status))
        else:
            plan.unchanged += 1
    plan.problems.sort(key=lambda p: (str(p.path), p.line))
    if delete_missing:
        for key, article in sorted(by_key.items()):
            if key not in seen and article.status != "archived":
                plan.changes.append(Change("archive", key[0], key[1], article_id=article.id))
    return plan


def apply_push(
    articles: ArticlesService,
    plan: PushPlan,
    progress: Callable[[int, int, Change], None] | None = None,
) -> None:
    """Carry out a plan with no problems, in order, reporting each step to ``progress``."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be applied")
    total = len(plan.changes)
    for number, change in enumerate(plan.changes, 1):
        if change.action == "create":
            fields = dict(change.fields)
            archived = fields.get("status") == "archived"
            if archived:
                fields["status"] = "draft"  # an article is created as draft or published
            created = articles.create(**fields)
            if archived and created.id:
                articles.archive(created.id)
        elif change.action == "update":
            assert change.article_id is not None
            content = {k: v for k, v in change.fields.items() if k in _COMPARED}
            if content:
                articles.update(change.article_id, **content)
            if change.status:
                _transition(articles, change.article_id, change.status)
        else:
            assert change.article_id is not None
            articles.archive(change.article_id)
        if progress:
            progress(number, total, change)


def _transition(articles: ArticlesService, article_id: str, status: str) -> None:
    {"published": articles.publish, "draft": articles.unpublish, "archived": articles.archive}[
        status
    ](article_id)


def pull(articles: ArticlesService, folder: Path) -> list[Path]:
    """Write every article on the server (any status) into ``folder``."""
    rows = [
        {
            "title": a.title,
            "slug": a.slug,
            "summary": a.summary,
            "category": a.category,
            "tags": list(a.tags),
            "contexts": list(a.contexts),
            "locale": a.locale,
            "status": a.status,
            "body": a.body,
        }
        for a in articles.iter_all()
    ]
    return docs.write_folder(folder, rows)
