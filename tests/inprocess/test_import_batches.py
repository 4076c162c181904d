"""A big docs folder imports in batches: a commit for each 200 articles instead of each one,
every article there and searchable after, and a second import of the same folder a no-op."""

from __future__ import annotations

from pathlib import Path

from support_server.transfer import IMPORT_BATCH, apply_import, plan_import

from .conftest import InProcess


def _folder(root: Path, count: int, *, edited: int = -1) -> Path:
    root.mkdir(exist_ok=True)
    for n in range(count):
        word = "updated" if n == edited else "original"
        (root / f"article-{n}.md").write_text(
            f"---\ntitle: Topic {n} 🧾\nstatus: published\n---\n\nThe {word} text of topic {n}.\n",
            encoding="utf-8",
        )
    return root


def test_an_import_commits_once_a_batch_and_everything_is_searchable(
    server: InProcess, tmp_path: Path
) -> None:
    rt = server.app.extensions["support"]
    count = 2 * IMPORT_BATCH + 50
    folder = _folder(tmp_path / "docs", count)
    plan = plan_import(rt.articles, server.app_id, folder)
    assert len(plan.create) == count and not plan.problems
    writes: list[str] = []  # write transactions (reads are transactions too)
    conn = rt.db.connection()
    conn.set_trace_callback(lambda sql: writes.append(sql) if sql == "BEGIN IMMEDIATE" else None)
    done: list[int] = []
    try:
        apply_import(rt.articles, server.app_id, plan, "import", lambda: done.append(1))
    finally:
        conn.set_trace_callback(None)
    assert len(done) == count  # progress for every article
    # 3 batches, each followed by the index drain's own bookkeeping (before: one an article)
    assert len(writes) == 3 * 2, len(writes)
    found = server.http.get(
        "/api/v1/help/search",
        query_string={"q": "topic 449"},
        headers={"X-Support-App": server.app_id},
    )
    assert found.json["results"][0]["title"] == "Topic 449 🧾"
    again = plan_import(rt.articles, server.app_id, folder)
    assert (len(again.create), len(again.update), again.unchanged) == (0, 0, count)


def test_an_update_in_a_batch_is_saved_and_reindexed(server: InProcess, tmp_path: Path) -> None:
    rt = server.app.extensions["support"]
    folder = _folder(tmp_path / "docs", 5)
    apply_import(rt.articles, server.app_id, plan_import(rt.articles, server.app_id, folder), "x")
    _folder(folder, 5, edited=3)
    plan = plan_import(rt.articles, server.app_id, folder)
    assert (len(plan.create), len(plan.update)) == (0, 1)
    apply_import(rt.articles, server.app_id, plan, "import")
    found = server.http.get(
        "/api/v1/help/search",
        query_string={"q": "updated"},
        headers={"X-Support-App": server.app_id},
    )
    assert [r["title"] for r in found.json["results"]] == ["Topic 3 🧾"]
