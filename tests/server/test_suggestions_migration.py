"""Migration 0018 on a database that already has read, voted-on articles with contexts: every
article gets its popularity, every path context its key, and suggestions rank by them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, cast

import pytest

from support_server.services.articles import ArticleService
from support_server.store import Database
from support_server.store import database as database_module

NOW = "2026-01-01T00:00:00.000Z"
# slug, locale, status, views, helpful_yes, helpful_no, contexts
ARTICLES = [
    ("refunds", "en", "published", 10, 2, 1, ["billing", "/billing/"]),
    ("invoices", "en", "published", 30, 0, 0, ["/invoices/*/edit"]),
    ("taxes", "en", "published", 5, 4, 0, ["billing.tax"]),
    ("refunds", "fr", "published", 1, 0, 0, ["billing"]),
    ("old-prices", "en", "archived", 100, 0, 0, ["billing", "/invoices"]),
    ("next-prices", "en", "draft", 50, 0, 0, ["billing"]),
    ("disputes", "en", "published", 0, 1, 4, ["/billing//disputes/"]),
]


def _version_17(path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """A database as a server from before migration 0018 made and filled it."""
    with monkeypatch.context() as patch:
        older = [m for m in database_module._migrations() if m[0] < 18]
        patch.setattr(database_module, "_migrations", lambda: older)
        db = Database(path)
        assert db.migrate() == 17
    with db.write() as conn:
        conn.execute(
            "INSERT INTO apps (id, name, secrets, created_at) VALUES ('app_1', 'Old', '[]', ?)",
            (NOW,),
        )
        for n, (slug, locale, status, views, yes, no, contexts) in enumerate(ARTICLES, 1):
            cur = conn.execute(
                "INSERT INTO articles (public_id, app_id, slug, locale, title, body, summary,"
                " contexts, status, views, helpful_yes, helpful_no, created_at, updated_at)"
                " VALUES (?, 'app_1', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f"art_{n}", slug, locale, f"{slug} ({locale})", "Body.", f"About {slug}.",
                 json.dumps(contexts), status, views, yes, no, NOW, NOW),
            )  # fmt: skip
            conn.executemany(
                "INSERT INTO article_contexts (article_id, app_id, context) VALUES (?, 'app_1', ?)",
                [(cur.lastrowid, c) for c in contexts],
            )
    return db


def test_the_migration_gives_old_articles_their_popularity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _version_17(tmp_path / "support.db", monkeypatch)
    assert db.migrate() == 18
    with db.read() as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        popularity = {
            (r[0], r[1]): r[2]
            for r in conn.execute("SELECT slug, locale, popularity FROM articles").fetchall()
        }
        keys = dict(conn.execute("SELECT context, path_key FROM article_contexts").fetchall())
        plan = " ".join(
            str(r[3])
            for r in conn.execute(
                "EXPLAIN QUERY PLAN SELECT id FROM articles WHERE app_id = 'app_1'"
                " AND status = 'published' AND locale = 'en' ORDER BY popularity DESC, id"
                " LIMIT 15"
            )
        )
    assert popularity == {
        (slug, locale): views + 3 * yes - 2 * no for slug, locale, _, views, yes, no, _ in ARTICLES
    }
    assert keys == {
        "billing": None,
        "billing.tax": None,
        "/billing/": "/billing",
        "/billing//disputes/": "/billing//disputes",
        "/invoices": "/invoices",
        "/invoices/*/edit": "*/invoices/",
    }
    assert "articles_by_popularity" in plan and "TEMP B-TREE" not in plan
    assert db.migrate() == 18  # running again changes nothing


def test_suggestions_rank_migrated_articles_by_their_popularity(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = _version_17(tmp_path / "support.db", monkeypatch)
    db.migrate()
    service = ArticleService(db, renderer=cast(Any, None), indexer=cast(Any, None))

    def slugs(**question: Any) -> list[tuple[str, str]]:
        question = {"context": None, "url": None, "locale": "en", "limit": 5, **question}
        return [(a["slug"], a["locale"]) for a in service.suggestions("app_1", **question)]

    # popular: 30, 17, 14 and disputes' -5 last; neither the archived nor the draft
    assert slugs() == [("invoices", "en"), ("taxes", "en"), ("refunds", "en"), ("disputes", "en")]
    assert slugs(context="billing.tax", url="https://app.example/invoices/9/edit", locale="fr") == [
        ("taxes", "en"),  # the exact key
        ("refunds", "fr"),  # the parent key, in French
        ("invoices", "en"),  # the wildcard pattern
        ("disputes", "en"),  # popular (in no language the reader prefers to English)
    ]
    assert slugs(url="/billing/disputes/2", limit=2) == [("refunds", "en"), ("invoices", "en")]
    assert slugs(url="/billing//disputes", limit=2) == [("disputes", "en"), ("refunds", "en")]


def test_an_sqlite_without_generated_columns_is_refused_by_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(database_module.sqlite3, "sqlite_version_info", (3, 30, 1))
    monkeypatch.setattr(database_module.sqlite3, "sqlite_version", "3.30.1")
    with pytest.raises(database_module.StoreError, match=r"SQLite 3\.31\.0 or newer.*3\.30\.1"):
        Database(tmp_path / "support.db").migrate()
    assert not (tmp_path / "support.db").exists()  # refused before anything was written
