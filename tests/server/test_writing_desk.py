"""The editor's save as one transaction (services/writing.py), against a real data directory:
a refused part writes nothing at all, and the search index is fed only after the commit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_server import bootstrap
from support_server.errors import Conflict, ValidationFailed
from support_server.runtime import Runtime
from support_server.store import search_outbox

TEXT = {"title": "Export your data", "body": "The first words.", "locale": "en"}


@pytest.fixture
def desk(tmp_path: Path) -> Iterator[tuple[Runtime, str]]:
    data_dir = tmp_path / "data"
    app_id = bootstrap.initialise(data_dir)["app_id"]
    rt = bootstrap.open_runtime(data_dir)
    yield rt, app_id
    rt.close()


def revisions_of(rt: Runtime, app_id: str, public_id: str) -> list[int]:
    rows, _ = rt.articles.revisions(app_id, public_id, None, 50)
    return sorted(r["revision"] for r in rows)


def outbox(rt: Runtime) -> int:
    with rt.db.read() as conn:
        return search_outbox.outbox_size(conn)


def test_a_refused_schedule_writes_neither_text_nor_revision(desk: tuple[Runtime, str]) -> None:
    rt, app_id = desk
    article = rt.writing.create(app_id, TEXT, "ada", "publish").article
    changed = dict(TEXT, body="Text that must not be half-applied.")
    with pytest.raises(Conflict) as refused:
        rt.writing.save(app_id, article["id"], changed, "ada", 1, "schedule", time.time() + 3600)
    assert refused.value.code == "already_published"
    with pytest.raises(ValidationFailed):
        rt.writing.save(app_id, article["id"], changed, "ada", 1, "schedule", time.time() - 60)
    with pytest.raises(ValidationFailed):
        rt.writing.save(app_id, article["id"], changed, "ada", 1, "schedule", None)
    after = rt.articles.get(app_id, article["id"])
    assert after["body"] == TEXT["body"] and after["revision"] == 1
    assert revisions_of(rt, app_id, article["id"]) == [1]
    assert outbox(rt) == 0


def test_save_and_publish_is_one_revision_indexed_after_the_commit(
    desk: tuple[Runtime, str],
) -> None:
    rt, app_id = desk
    draft = rt.writing.create(app_id, TEXT, "ada").article
    saved = rt.writing.save(app_id, draft["id"], dict(TEXT, body="Now live."), "bo", 1, "publish")
    assert saved.outcome == "published"
    assert saved.article["status"] == "published" and saved.article["revision"] == 2
    assert revisions_of(rt, app_id, draft["id"]) == [1, 2]
    assert outbox(rt) == 0  # drained into the index once the save had committed
    assert [
        hit["slug"]
        for hit in rt.search.search(app_id, "live", locale=None, category=None, page=1, limit=10)[
            "results"
        ]
    ] == [draft["slug"]]


@pytest.mark.parametrize(
    ("action", "outcome", "status"),
    [
        ("save", "unchanged", "draft"),
        ("unpublish", "unpublished", "draft"),
        ("archive", "archived", "archived"),
        ("unschedule", "unscheduled", "draft"),
    ],
)
def test_each_button_reports_what_it_did(
    desk: tuple[Runtime, str], action: str, outcome: str, status: str
) -> None:
    rt, app_id = desk
    draft = rt.writing.create(app_id, TEXT, "ada").article
    scheduled = rt.writing.save(app_id, draft["id"], TEXT, "ada", 1, "schedule", time.time() + 60)
    assert scheduled.outcome == "scheduled" and rt.writing.scheduled_at(draft)
    saved = rt.writing.save(app_id, draft["id"], TEXT, "ada", 1, action)
    assert (saved.outcome, saved.article["status"]) == (outcome, status)
    still_scheduled = rt.writing.scheduled_at(draft) is not None
    assert still_scheduled == (action == "save")  # a status change or unschedule cancels it
