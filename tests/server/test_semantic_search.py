"""Semantic search (``support-sdk[semantic]``, ``SUPPORT_SEMANTIC_SEARCH``) with the real model
and a real index: articles go through the API and the outbox, queries through the search API."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("wordllama", reason="needs support-sdk[semantic]")

from flask import Flask
from flask.testing import FlaskClient

from support_server import bootstrap
from support_server.app import create_app
from support_server.search import WhooshIndex
from support_server.search.base import IndexDocument
from support_server.search.semantic import DIRECTORY, SemanticIndex
from support_server.services import apps as app_service

PARAPHRASE = "my bill is wrong"

ARTICLES = [
    {
        "slug": "dispute-a-charge",
        "title": "Dispute a charge",
        "summary": "What to do when an amount on your invoice looks incorrect.",
        "body": "Open the invoice, choose **Dispute**, and tell us which line is off.",
        "category": "Billing",
    },
    {
        "slug": "sign-in-problems",
        "title": "Sign-in problems",
        "summary": "Locked out, forgotten password or an expired session.",
        "body": "Use **Forgot password** on the sign-in page; sessions end after 30 days.",
        "category": "Account",
    },
    {
        "slug": "invite-colleagues",
        "title": "Invite colleagues",
        "summary": "Add people from your team to the workspace.",
        "body": "Go to **Settings > Team** and enter their email addresses.",
        "category": "Team",
    },
    {
        "slug": "export-to-csv",
        "title": "Export to CSV",
        "summary": "Download lists and reports as spreadsheets.",
        "body": "Every list has an **Export** button; choose CSV or Excel.",
        "category": "Reports",
    },
]


@dataclass
class Site:
    app: Flask
    http: FlaskClient
    app_id: str
    key: str
    other_app_id: str
    other_key: str
    data_dir: Path

    def search(self, q: str, app_id: str | None = None, **params: Any) -> dict[str, Any]:
        response = self.http.get(
            "/api/v1/help/search",
            query_string={"q": q, **params},
            headers={"X-Support-App": app_id or self.app_id},
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    def slugs(self, q: str, app_id: str | None = None) -> list[str]:
        return [r["slug"] for r in self.search(q, app_id)["results"]]

    def publish(self, article: dict[str, Any], key: str | None = None) -> str:
        response = self.http.post(
            "/api/v1/articles",
            json={**article, "status": "published"},
            headers={"Authorization": f"Bearer {key or self.key}"},
        )
        assert response.status_code == 201, response.get_data(as_text=True)
        return str(response.get_json()["id"])

    def vector_files(self) -> list[Path]:
        return sorted((self.data_dir / "index" / DIRECTORY).rglob("*.npz"))


def build(data_dir: Path, semantic: bool) -> Flask:
    app = create_app(
        data_dir=data_dir,
        overrides={"SUPPORT_SEMANTIC_SEARCH": semantic, "SUPPORT_RATE_LIMITS_ENABLED": False},
    )
    app.config["TESTING"] = True
    return app


def close(app: Flask) -> None:
    rt = app.extensions["support"]
    rt.index.close()
    rt.db.close()


@pytest.fixture
def site(tmp_path: Path) -> Iterator[Site]:
    data_dir = tmp_path / "data"
    creds = bootstrap.initialise(data_dir)  # a lexical index: the first start adds vectors
    app = build(data_dir, semantic=True)
    rt = app.extensions["support"]
    other = app_service.create_app(rt.db, "Other app")
    other_key, _ = app_service.create_key(rt.db, other["id"], "admin")
    s = Site(
        app,
        app.test_client(),
        str(creds["app_id"]),
        str(creds["admin_api_key"]),
        str(other["id"]),
        other_key,
        data_dir,
    )
    for article in ARTICLES:
        s.publish(article)
    yield s
    close(s.app)  # a test may have restarted it


@pytest.fixture
def lexical_site(site: Site) -> Iterator[FlaskClient]:
    """The same data directory served with the setting off."""
    app = build(site.data_dir, semantic=False)
    yield app.test_client()
    close(app)


def lexical_search(http: FlaskClient, app_id: str, q: str) -> dict[str, Any]:
    response = http.get(
        "/api/v1/help/search", query_string={"q": q}, headers={"X-Support-App": app_id}
    )
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


def test_a_paraphrase_is_found_with_semantic_search_on_and_not_off(
    site: Site, lexical_site: FlaskClient
) -> None:
    assert isinstance(site.app.extensions["support"].index, SemanticIndex)
    assert site.vector_files(), "the first start with the setting on wrote the vectors"
    on = site.search(PARAPHRASE)
    assert [r["slug"] for r in on["results"]][:3].count("dispute-a-charge") == 1
    assert set(on) >= {"results", "total", "page", "suggestion"}
    assert set(on["results"][0]) == {"slug", "title", "snippet", "category", "score"}
    off = lexical_search(lexical_site, site.app_id, PARAPHRASE)
    assert "dispute-a-charge" not in [r["slug"] for r in off["results"]]


def test_with_the_setting_off_results_are_the_lexical_ones(
    site: Site, lexical_site: FlaskClient
) -> None:
    app = lexical_site.application
    assert type(app.extensions["support"].index) is WhooshIndex
    lexical = WhooshIndex(site.data_dir / "index")
    try:
        for q in ("dispute", "password", "export csv", PARAPHRASE, "colleagues team"):
            served = lexical_search(lexical_site, site.app_id, q)
            page = lexical.search(site.app_id, q, locale="en", category=None, page=1, limit=10)
            assert [(r["slug"], r["score"]) for r in served["results"]] == [
                (h.slug, h.score) for h in page.hits
            ]
            assert served["total"] == page.total
    finally:
        lexical.close()


def test_exact_keyword_queries_keep_their_lexical_first_result(
    site: Site, lexical_site: FlaskClient
) -> None:
    for q in ("dispute a charge", "sign-in problems", "invite colleagues", "export to csv"):
        off = lexical_search(lexical_site, site.app_id, q)["results"]
        assert site.slugs(q)[0] == off[0]["slug"]


def test_updates_and_deletes_flow_through_the_outbox(site: Site) -> None:
    h = {"Authorization": f"Bearer {site.key}"}
    refunds = {
        "slug": "refund-policy",
        "title": "Refund policy",
        "summary": "When we give money back for a subscription charge.",
        "body": "Ask within 30 days of the charge.",
        "category": "Billing",
    }
    aid = site.publish(refunds)
    assert "refund-policy" in site.slugs("i want my money back")

    made = site.http.get(f"/api/v1/articles/{aid}", headers=h).get_json()
    changed = site.http.patch(
        f"/api/v1/articles/{aid}",
        json={"title": "Money-back rules", "revision": made["revision"]},
        headers=h,
    )
    assert changed.status_code == 200, changed.get_data(as_text=True)
    titles = {r["slug"]: r["title"] for r in site.search("i want my money back")["results"]}
    assert titles.get("refund-policy") == "Money-back rules"

    assert site.http.post(f"/api/v1/articles/{aid}/archive", headers=h).status_code == 200
    assert "refund-policy" not in site.slugs("i want my money back")
    assert "refund-policy" not in site.slugs("money back refund")


def test_corrupt_vectors_fall_back_to_lexical_with_one_warning(
    site: Site, lexical_site: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    for path in site.vector_files():
        path.write_bytes(b"not a numpy file")
    with caplog.at_level(logging.WARNING, logger="support_server.search.semantic"):
        for _ in range(3):
            assert site.search(PARAPHRASE) == lexical_search(lexical_site, site.app_id, PARAPHRASE)
    warnings = [r for r in caplog.records if r.name == "support_server.search.semantic"]
    assert len(warnings) == 1 and "searching lexically" in warnings[0].getMessage()


def test_a_model_that_cannot_load_leaves_lexical_search(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    def broken() -> Any:
        raise OSError("weights missing")

    lexical = WhooshIndex(tmp_path)
    index = SemanticIndex(WhooshIndex(tmp_path), tmp_path, broken)
    docs = [
        IndexDocument(1, 1, "app_a", "dispute-a-charge", "en", "Dispute a charge", "", "Billing"),
        IndexDocument(2, 1, "app_a", "sign-in", "en", "Sign-in problems", "", "Account"),
    ]
    with caplog.at_level(logging.WARNING, logger="support_server.search.semantic"):
        index.rebuild(docs)
        for q in ("dispute", PARAPHRASE, "sign in"):
            got = index.search("app_a", q, locale="en", category=None, page=1, limit=10)
            want = lexical.search("app_a", q, locale="en", category=None, page=1, limit=10)
            assert got == want
        assert index.check() == "ok"
    assert len([r for r in caplog.records if "cannot load" in r.getMessage()]) == 1
    assert not (tmp_path / DIRECTORY).exists()
    index.close()
    lexical.close()


def test_one_apps_vectors_never_answer_another_apps_query(site: Site) -> None:
    theirs = {
        "slug": "billing-mistakes",
        "title": "Billing mistakes",
        "summary": "Your bill is wrong? Tell us what is wrong with it.",
        "body": "We correct wrong bills within a day.",
        "category": "Billing",
    }
    site.publish(theirs, key=site.other_key)
    assert site.slugs(PARAPHRASE, app_id=site.other_app_id)[0] == "billing-mistakes"
    mine = site.slugs(PARAPHRASE)
    assert "billing-mistakes" not in mine and "dispute-a-charge" in mine
    assert "dispute-a-charge" not in site.slugs(PARAPHRASE, app_id=site.other_app_id)

    # A vector file copied over another app's answers nothing: each file names its app.
    files = site.vector_files()
    assert len(files) == 2
    files[0].write_bytes(files[1].read_bytes())
    for app_id in (site.app_id, site.other_app_id):
        results = site.search(PARAPHRASE, app_id=app_id)["results"]
        own = {"billing-mistakes"} if app_id == site.other_app_id else {"dispute-a-charge"}
        foreign = {"billing-mistakes", "dispute-a-charge"} - own
        assert not foreign & {r["slug"] for r in results}


def test_a_reindex_writes_vectors_for_the_new_generation_only(site: Site) -> None:
    rt = site.app.extensions["support"]
    before = {p.parent.name for p in site.vector_files()}
    rt.indexer.rebuild()
    after = {p.parent.name for p in site.vector_files()}
    assert after == {rt.index.generation_name()} and after != before
    assert not [p for p in (site.data_dir / "index" / DIRECTORY).iterdir() if p.name not in after]
    assert "dispute-a-charge" in site.slugs(PARAPHRASE)


def test_changes_made_with_the_setting_off_are_caught_up_at_the_next_start(site: Site) -> None:
    close(site.app)
    lexical_app = build(site.data_dir, semantic=False)
    http = lexical_app.test_client()
    h = {"Authorization": f"Bearer {site.key}"}
    listed = http.get("/api/v1/articles", headers=h).get_json()["items"]
    dispute = next(a for a in listed if a["slug"] == "dispute-a-charge")
    assert http.post(f"/api/v1/articles/{dispute['id']}/archive", headers=h).status_code == 200
    close(lexical_app)

    site.app = build(site.data_dir, semantic=True)  # its start finds stale vectors: rebuilds
    site.http = site.app.test_client()
    assert "dispute-a-charge" not in site.slugs(PARAPHRASE)
    assert "dispute-a-charge" not in site.slugs("dispute a charge")


@pytest.mark.parametrize("q", ["???", "title:(", "\u200b", "   ", "ñ", "a" * 300, "x" * 5000])
def test_any_query_text_gives_results_or_a_4xx_never_an_error(site: Site, q: str) -> None:
    response = site.http.get(
        "/api/v1/help/search", query_string={"q": q}, headers={"X-Support-App": site.app_id}
    )
    assert response.status_code == 200 or 400 <= response.status_code < 500
    if response.status_code == 200:
        assert isinstance(response.get_json()["results"], list)
