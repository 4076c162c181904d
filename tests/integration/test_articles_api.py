"""The writers' API: lifecycle, revisions, optimistic locking, validation, roles, isolation."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from support_sdk import AuthenticationError, Conflict, NotFound, PermissionDenied, ValidationError

from ..conftest import LiveServer
from ..servers import cli


def staff_key(server: LiveServer, role: str, app: str | None = None) -> str:
    args = ["keys", "create", "--data-dir", str(server.data_dir), "--role", role, "--json"]
    if app:
        args += ["--app", app]
    return str(json.loads(cli(*args).stdout)["api_key"])


def search_slugs(server: LiveServer, q: str) -> list[str]:
    with server.client() as client:
        return [r.slug for r in client.search(q).results]


def test_article_lifecycle_reaches_search_only_while_published(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        article = writer.articles.create(
            title="Export your ledger",
            body="Use **Export** to download a CSV of the ledger.",
            category="Reports",
            tags=["csv"],
            contexts=["reports.export", "/reports/*"],
        )
        assert article.status == "draft" and article.revision == 1
        assert article.slug == "export-your-ledger"
        assert "<strong>Export</strong>" in article.html
        assert search_slugs(fresh_server, "ledger") == []
        writer.articles.publish(article.id)
        assert search_slugs(fresh_server, "ledger") == ["export-your-ledger"]
        updated = writer.articles.update(article.id, title="Export your general ledger")
        assert updated.revision == 3
        assert search_slugs(fresh_server, "general") == ["export-your-ledger"]
        writer.articles.unpublish(article.id)
        assert search_slugs(fresh_server, "ledger") == []
        writer.articles.publish(article.id)
        writer.articles.archive(article.id)
        assert search_slugs(fresh_server, "ledger") == []
        revisions = writer.articles.revisions(article.id)
        assert [r.revision for r in revisions.items][:3] == [6, 5, 4]
        with fresh_server.client() as client, pytest.raises(NotFound):
            client.article("export-your-ledger")


def test_a_stale_revision_is_refused_not_silently_overwritten(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        article = writer.articles.create(title="Two writers", body="v1")
        writer.articles.update(article.id, body="writer A's edit", revision=1)
        with pytest.raises(Conflict) as caught:
            writer.articles.update(article.id, body="writer B's edit", revision=1)
        assert caught.value.code == "revision_conflict"
        assert writer.articles.get(article.id).body == "writer A's edit"


def test_slugs_are_unique_per_locale_and_translations_share_them(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        writer.articles.create(title="Refunds", body="en", slug="refunds", status="published")
        french = writer.articles.create(
            title="Remboursements", body="fr", slug="refunds", locale="fr", status="published"
        )
        assert french.slug == "refunds" and french.locale == "fr"
        with pytest.raises(Conflict):
            writer.articles.create(title="Again", body="x", slug="refunds")
        derived = writer.articles.create(title="Refunds", body="same title, no slug")
        assert derived.slug == "refunds-2"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"body": "no title"}, "title"),
        ({"title": "   ", "body": "x"}, "title"),
        ({"title": "t", "body": "x", "slug": "Not A Slug"}, "slug"),
        ({"title": "t", "body": "x", "contexts": ["has space.key"]}, "contexts"),
        ({"title": "t", "body": "x", "status": "archived"}, "status"),
        ({"title": "t", "body": "x", "tags": "not-a-list"}, "tags"),
        ({"title": "t", "body": "x", "locale": "english!"}, "locale"),
        ({"title": "t", "body": "x", "surprise": 1}, "surprise"),
    ],
)
def test_bad_articles_are_refused_with_the_field_named(
    fresh_server: LiveServer, body: dict[str, Any], field: str
) -> None:
    response = requests.post(
        fresh_server.url + "/api/v1/articles",
        json=body,
        timeout=10,
        headers={"Authorization": f"Bearer {fresh_server.admin_key}"},
    )
    assert response.status_code == 422
    assert field in response.json()["error"]["details"]
    with fresh_server.writer() as writer:
        assert writer.articles.list().items == ()  # nothing was created


def test_article_html_never_carries_script(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        article = writer.articles.create(
            title="XSS",
            status="published",
            body=(
                '<script>alert(1)</script><img src=x onerror="alert(1)">\n\n'
                '[click](javascript:alert(1)) <a href="javascript:alert(2)">x</a>\n\n'
                '<iframe src="https://evil.example"></iframe><svg onload=alert(3)>'
            ),
        )
    html = article.html.lower()
    for needle in ("<script", "onerror", "onload", 'href="javascript', "<iframe", "<svg"):
        assert needle not in html
    assert "click" in html  # the text survives, only the danger is removed


def test_roles_and_apps_are_enforced(fresh_server: LiveServer) -> None:
    agent = staff_key(fresh_server, "agent")
    with fresh_server.client(api_key=agent) as as_agent, pytest.raises(PermissionDenied):
        as_agent.articles.create(title="t", body="b")
    token = fresh_server.client().user_token("u1")
    response = requests.get(
        fresh_server.url + "/api/v1/articles",
        timeout=10,
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 401
    with fresh_server.writer() as writer:
        mine = writer.articles.create(title="App A only", body="secret draft")
    other = json.loads(
        cli("apps", "create", "Other", "--data-dir", str(fresh_server.data_dir), "--json").stdout
    )
    with fresh_server.client(app_id=other["app_id"], api_key=other["admin_api_key"]) as theirs:
        with pytest.raises(NotFound):
            theirs.articles.get(mine.id)
        assert theirs.articles.list().items == ()
    with fresh_server.client(api_key="sk_bogus_key") as bogus, pytest.raises(AuthenticationError):
        bogus.articles.list()


def test_writer_list_filters_and_pages(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer:
        for n in range(7):
            writer.articles.create(
                title=f"Article {n}", body="b", status="published" if n % 2 else "draft"
            )
        drafts = writer.articles.list(status="draft")
        assert {a.status for a in drafts.items} == {"draft"} and len(drafts.items) == 4
        first = writer.articles.list(limit=3)
        assert len(first.items) == 3 and first.next_cursor
        everything = list(writer.articles.iter_all())
        assert len(everything) == 7
    bad = requests.get(
        fresh_server.url + "/api/v1/articles?cursor=garbage",
        timeout=10,
        headers={"Authorization": f"Bearer {fresh_server.admin_key}"},
    )
    assert bad.status_code == 422


def test_validation_error_from_sdk_has_details(fresh_server: LiveServer) -> None:
    with fresh_server.writer() as writer, pytest.raises(ValidationError) as caught:
        writer.articles.create(title="", body="x")
    assert "title" in caught.value.details
