"""Importing a docs folder into an app and exporting an app's articles to one.

The folder format is :mod:`support_sdk.docs`, shared with ``support-sdk articles push/pull``.
An import checks every file first (the format rules, then the API's own schema) and writes
nothing if any file is bad; then it creates new articles and updates changed ones, matched by
(slug, locale). Importing an unchanged folder changes nothing.

The sample help center (``support-server import --sample`` and the demo) ships inside the
package, so it is there after ``pip install`` as well as in a source checkout.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from marshmallow import ValidationError

from support_sdk.docs import (
    DocFile,
    FileProblem,
    article_fields,
    duplicates,
    read_folder,
    write_folder,
)

from .services.article_fields import ArticleInSchema
from .services.articles import ArticleService
from .store import articles as article_store


def sample_folder() -> Path:
    """The sample help center: ``support_server/sample_help_center`` in an installed wheel,
    ``examples/help_center`` in a source checkout (where the wheel's copy comes from)."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "sample_help_center", here.parent / "examples" / "help_center"):
        if any(candidate.glob("*/*.md")):
            return candidate
    raise RuntimeError(f"the sample help center is missing (looked near {here})")


@dataclass
class ImportPlan:
    create: list[dict[str, Any]] = field(default_factory=list)
    update: list[tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    unchanged: int = 0
    problems: list[FileProblem] = field(default_factory=list)


def _validate(doc: DocFile) -> dict[str, Any] | None:
    """The article of a file that passed the format checks, checked again by the API schema."""
    fields = article_fields(doc)
    status = fields.pop("status")
    try:
        data: dict[str, Any] = ArticleInSchema().load(fields)
    except ValidationError as exc:
        for name, messages in exc.normalized_messages().items():  # type: ignore[no-untyped-call]
            doc.problems.append(FileProblem(doc.path, doc.line_of(name), f"{name}: {messages}"))
        return None
    data["status"] = status
    return data


def plan_import(service: ArticleService, app_id: str, folder: Path) -> ImportPlan:
    plan = ImportPlan()
    if not folder.is_dir():
        plan.problems.append(FileProblem(folder, 0, "not a folder"))
        return plan
    files = read_folder(folder)
    plan.problems.extend(duplicates(files))
    for doc in files:
        data = _validate(doc) if not doc.problems else None
        plan.problems.extend(doc.problems)
        if data is None or plan.problems:
            continue  # nothing will be written: only the problems matter now
        key = (data["slug"], data["locale"])
        with service.db.read() as conn:
            existing = article_store.get_by_slug(conn, app_id, *key)
        if existing is None:
            plan.create.append(data)
            continue
        changes = {k: v for k, v in data.items() if existing.get(k) != v and k != "slug"}
        if changes:
            plan.update.append((existing, changes))
        else:
            plan.unchanged += 1
    plan.problems.sort(key=lambda p: (str(p.path), p.line))
    return plan


# Articles a transaction of an import: one commit (and fsync) per article made a 10,000-article
# import spend most of its time committing; a batch holds the write lock for a fraction of a
# second, so tickets keep being filed while an import runs.
IMPORT_BATCH = 200


def apply_import(
    service: ArticleService,
    app_id: str,
    plan: ImportPlan,
    author: str,
    progress: Callable[[], None] | None = None,
) -> None:
    """Create and update what ``plan`` says, ``IMPORT_BATCH`` articles a transaction, each
    batch indexed after its commit. ``progress`` is called once per article, when its batch
    is saved and searchable."""
    if plan.problems:
        raise ValueError("a plan with problems cannot be applied")
    steps: list[tuple[Mapping[str, Any], Mapping[str, Any] | None]] = [
        (data, None) for data in plan.create
    ]
    steps += [(changes, existing) for existing, changes in plan.update]
    for start in range(0, len(steps), IMPORT_BATCH):
        batch = steps[start : start + IMPORT_BATCH]
        with service.db.write() as conn:
            for data, existing in batch:
                if existing is None:
                    service.insert(conn, app_id, data, author)
                else:
                    service.revise(conn, app_id, existing["public_id"], data, author, None)
        # Indexed batch by batch: the batch's pages, rendered for its events, are still in
        # the renderer's cache, so they are not rendered again for the index.
        service.indexer.drain()
        if progress is not None:
            for _ in batch:
                progress()


def export_folder(service: ArticleService, app_id: str, folder: Path) -> int:
    articles = []
    cursor = None
    while True:
        page, cursor = service.list(
            app_id, status=None, locale=None, category=None, cursor=cursor, limit=200
        )
        articles.extend(page)
        if cursor is None:
            break
    return len(write_folder(folder, articles))
