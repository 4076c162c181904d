"""Popular suggestions follow every change that moves an article's popularity (views, votes)
or its place among the published (publish, unpublish, archive, a new locale), from the very
next request: the popularity index (migration 0018) is kept by SQLite on every write."""

from __future__ import annotations

from typing import Any

from .conftest import InProcess


def _visitor(server: InProcess) -> dict[str, str]:
    return {"X-Support-App": server.app_id}


def _create(server: InProcess, title: str, **fields: Any) -> dict[str, Any]:
    body = {"title": title, "body": f"All about {title}.", "status": "published", **fields}
    made = server.http.post("/api/v1/articles", json=body, headers=server.staff_headers())
    assert made.status_code == 201, made.json
    return dict(made.json)


def _popular(server: InProcess, locale: str = "en", limit: int = 10) -> list[str]:
    """The slugs suggested where no context or page has any: the popular articles."""
    got = server.http.get(
        "/api/v1/help/suggestions",
        query_string={"locale": locale, "limit": limit},
        headers=_visitor(server),
    )
    assert got.status_code == 200, got.json
    return [a["slug"] for a in got.json["articles"]]


def _view(server: InProcess, slug: str, times: int = 1, locale: str = "en") -> None:
    for _ in range(times):
        got = server.http.get(
            f"/api/v1/help/articles/{slug}",
            query_string={"locale": locale},
            headers=_visitor(server),
        )
        assert got.status_code == 200, got.json


def _vote(server: InProcess, slug: str, helpful: bool, times: int = 1) -> None:
    for _ in range(times):
        got = server.http.post(
            f"/api/v1/help/articles/{slug}/feedback",
            json={"helpful": helpful},
            headers=_visitor(server),
        )
        assert got.status_code == 201, got.json


def _set(server: InProcess, article: dict[str, Any], action: str) -> None:
    done = server.http.post(
        f"/api/v1/articles/{article['id']}/{action}", headers=server.staff_headers()
    )
    assert done.status_code == 200, done.json


def _popularity(server: InProcess) -> dict[str, int]:
    """slug (locale) -> the stored popularity, checked against its definition."""
    rt = server.app.extensions["support"]
    with rt.db.read() as conn:
        rows = conn.execute(
            "SELECT slug, locale, popularity, views + 3 * helpful_yes - 2 * helpful_no"
            " FROM articles"
        ).fetchall()
    assert all(r[2] == r[3] for r in rows)
    return {f"{r[0]} ({r[1]})": int(r[2]) for r in rows}


def test_views_and_votes_reorder_the_popular_articles(server: InProcess) -> None:
    for title in ("Alpha", "Beta", "Gamma"):
        _create(server, title)
    assert _popular(server) == ["alpha", "beta", "gamma"]  # all 0: oldest first

    _view(server, "gamma", 2)
    assert _popular(server) == ["gamma", "alpha", "beta"]
    _vote(server, "beta", helpful=True)  # +3
    assert _popular(server) == ["beta", "gamma", "alpha"]
    _vote(server, "gamma", helpful=True)  # 2 + 3
    _vote(server, "beta", helpful=False)  # 3 - 2
    assert _popular(server) == ["gamma", "beta", "alpha"]
    _vote(server, "alpha", helpful=False)  # -2: below an article nobody read
    assert _popular(server) == ["gamma", "beta", "alpha"]
    _view(server, "alpha", 2)  # -2 + 2
    assert _popular(server) == ["gamma", "beta", "alpha"]
    _view(server, "alpha")  # 1, as beta: the older first
    assert _popular(server) == ["gamma", "alpha", "beta"]
    assert _popular(server, limit=1) == ["gamma"]
    assert _popularity(server) == {"alpha (en)": 1, "beta (en)": 1, "gamma (en)": 5}


def test_publishing_unpublishing_and_archiving_are_seen_at_once(server: InProcess) -> None:
    alpha, beta = _create(server, "Alpha"), _create(server, "Beta")
    draft = _create(server, "Draft", status="draft")
    _view(server, "beta", 2)
    assert _popular(server) == ["beta", "alpha"]

    _set(server, beta, "unpublish")
    assert _popular(server) == ["alpha"]
    _set(server, draft, "publish")
    assert _popular(server) == ["alpha", "draft"]
    _view(server, "draft", 3)
    _set(server, beta, "publish")  # back with the views it had
    assert _popular(server) == ["draft", "beta", "alpha"]
    _set(server, draft, "archive")
    assert _popular(server) == ["beta", "alpha"]
    _set(server, alpha, "archive")
    assert _popular(server) == ["beta"]
    assert _popularity(server) == {"alpha (en)": 0, "beta (en)": 2, "draft (en)": 3}


def test_a_changed_locale_moves_the_article_between_readers(server: InProcess) -> None:
    _create(server, "Alpha")
    beta = _create(server, "Beta")
    _create(server, "Gamma", slug="gamma", locale="fr")
    _view(server, "beta", 4)
    _view(server, "gamma", 1, locale="fr")
    assert _popular(server, "en") == ["beta", "alpha"]
    assert _popular(server, "fr") == ["beta", "gamma", "alpha"]  # French, then English

    moved = server.http.patch(
        f"/api/v1/articles/{beta['id']}", json={"locale": "fr"}, headers=server.staff_headers()
    )
    assert moved.status_code == 200, moved.json
    assert _popular(server, "en") == ["alpha"]
    assert _popular(server, "fr") == ["beta", "gamma", "alpha"]
    _view(server, "gamma", 4, locale="fr")  # 5 views: above beta's 4
    assert _popular(server, "fr-CA") == ["gamma", "beta", "alpha"]
    assert _popularity(server) == {"alpha (en)": 0, "beta (fr)": 4, "gamma (fr)": 5}
