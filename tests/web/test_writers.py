"""The writers' editor over real HTTP: save, publish, conflicts, history, schedule, images."""

from __future__ import annotations

import struct
import time
import uuid
import zlib
from collections.abc import Callable

import requests

from ..conftest import LiveServer
from .conftest import Staff, field


def unique(prefix: str) -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


def new_article(writer: Staff, title: str, body: str = "Some **bold** text.", **extra: str) -> str:
    data = {"title": title, "body": body, "locale": "en", "category": "Guides", "action": "save"}
    data.update(extra)
    response = writer.post("/admin/articles/new", data)
    assert response.status_code == 303, response.text
    return response.headers["Location"].split("/admin/articles/")[1].split("?")[0]


def save(writer: Staff, article: str, action: str = "save", **changes: str) -> requests.Response:
    page = writer.get(f"/admin/articles/{article}").text
    data = {
        name: field(page, name)
        for name in ("title", "slug", "summary", "category", "locale", "tags", "contexts", "body")
    }
    data.update(changes, revision=field(page, "revision"), action=action)
    return writer.post(f"/admin/articles/{article}", data)


def help_page(server: LiveServer, slug: str, locale: str = "en") -> requests.Response:
    return requests.get(f"{server.url}/help/{server.app_id}/{locale}/articles/{slug}", timeout=10)


def api_search(server: LiveServer, q: str) -> list[str]:
    found = requests.get(
        server.url + "/api/v1/help/search",
        params={"q": q},
        headers={"X-Support-App": server.app_id},
        timeout=10,
    ).json()
    return [r["slug"] for r in found["results"]]


def test_write_save_a_draft_then_publish_it(web: LiveServer, staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    title = unique("Reconcile payouts")
    word = "zebrafinch" + uuid.uuid4().hex[:4]
    article = new_article(
        writer, title, f"How to reconcile {word} payouts.", summary="Match payouts."
    )
    editor = writer.get(f"/admin/articles/{article}?notice=created")
    assert "Article created." in editor.text and "Save draft" in editor.text
    slug = field(editor.text, "slug")
    assert help_page(web, slug).status_code == 404  # a draft is not public
    assert api_search(web, word) == []
    published = save(writer, article, "publish")
    assert published.status_code == 303 and "notice=published" in published.headers["Location"]
    live = help_page(web, slug)
    assert live.status_code == 200 and title in live.text and f"{word} payouts" in live.text
    assert api_search(web, word) == [slug]
    assert save(writer, article, "unpublish").status_code == 303
    assert help_page(web, slug).status_code == 404
    assert save(writer, article, "archive").status_code == 303
    listed = writer.get("/admin/articles/", params={"status": "archived", "q": title}).text
    assert title in listed


def test_two_writers_cannot_overwrite_each_other(staff: Callable[[str], Staff]) -> None:
    first, second = staff("writer"), staff("admin")
    article = new_article(first, unique("Shared page"), "Line one.\nLine two.\n")
    mine = first.get(f"/admin/articles/{article}").text
    theirs = second.get(f"/admin/articles/{article}").text
    fields = ("title", "slug", "summary", "category", "locale", "tags", "contexts", "body")
    base = {name: field(mine, name) for name in fields}
    assert (
        second.post(
            f"/admin/articles/{article}",
            {
                **{n: field(theirs, n) for n in fields},
                "body": "Line one.\nTheir line.\n",
                "revision": field(theirs, "revision"),
                "action": "save",
            },
        ).status_code
        == 303
    )
    clash = first.post(
        f"/admin/articles/{article}",
        {
            **base,
            "body": "Line one.\nMy careful line.\n",
            "revision": field(mine, "revision"),
            "action": "save",
        },
    )
    assert clash.status_code == 409
    assert "Someone else saved this article" in clash.text
    assert field(clash.text, "body") == "Line one.\nMy careful line.\n"  # nothing lost
    assert "<del>Their</del>" in clash.text and "<ins>My careful</ins>" in clash.text
    stored = first.get(f"/admin/articles/{article}").text
    assert field(stored, "body") == "Line one.\nTheir line.\n"  # nothing overwritten
    kept = first.post(
        f"/admin/articles/{article}",
        {
            **base,
            "body": "Line one.\nMy careful line.\n",
            "revision": field(mine, "revision"),
            "overwrite_revision": field(clash.text, "overwrite_revision"),
            "action": "overwrite",
        },
    )
    assert kept.status_code == 303
    assert (
        field(first.get(f"/admin/articles/{article}").text, "body")
        == "Line one.\nMy careful line.\n"
    )


def test_history_shows_what_changed_and_restores(staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    article = new_article(writer, unique("Versioned"), "Alpha beta gamma.\n")
    assert (
        save(writer, article, body="Alpha delta gamma.\n", summary="Now with delta").status_code
        == 303
    )
    history = writer.get(f"/admin/articles/{article}/revisions")
    assert history.status_code == 200 and "#2" in history.text and "Wes Writer" in history.text
    diff = writer.get(f"/admin/articles/{article}/revisions/2").text
    assert "<del>beta</del>" in diff and "<ins>delta</ins>" in diff
    assert "Details changed" in diff and "Now with delta" in diff
    page = writer.get(f"/admin/articles/{article}").text
    stale = writer.post(f"/admin/articles/{article}/revisions/1/restore", {"revision": "1"})
    assert "conflict=1" in stale.headers["Location"]
    restored = writer.post(
        f"/admin/articles/{article}/revisions/1/restore", {"revision": field(page, "revision")}
    )
    assert restored.status_code == 303 and "notice=restored" in restored.headers["Location"]
    after = writer.get(f"/admin/articles/{article}").text
    assert field(after, "body") == "Alpha beta gamma.\n" and field(after, "revision") == "3"


def test_invalid_input_is_shown_and_kept(staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    response = writer.post(
        "/admin/articles/new",
        {
            "title": "Bad slug",
            "body": "Keep me",
            "slug": "Not A Slug",
            "contexts": "has space here",
            "locale": "en",
        },
    )
    assert response.status_code == 422
    assert "The article was not saved" in response.text
    assert (
        field(response.text, "body") == "Keep me" and field(response.text, "slug") == "Not A Slug"
    )


def test_preview_is_the_readers_html(web: LiveServer, staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    markdown = (
        "# Title here\n\nText with <b onclick=x>html</b>, a [link](https://example.com) and\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n"
    )
    preview = writer.http.post(
        writer.url("/admin/articles/preview"),
        json={"markdown": markdown, "title": "Title here"},
        headers={"X-CSRF-Token": writer.csrf},
        timeout=10,
    ).json()["html"]
    assert "onclick" not in preview and "<table>" in preview and "Title here</h1>" not in preview
    title = unique("Preview parity")
    article = new_article(writer, title, markdown.replace("Title here", title), action="publish")
    slug = field(writer.get(f"/admin/articles/{article}").text, "slug")
    live = help_page(web, slug).text
    assert preview in live


def test_scheduled_article_goes_live_by_itself(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    writer = staff("writer")
    article = new_article(writer, unique("Launch notes"))
    slug = field(writer.get(f"/admin/articles/{article}").text, "slug")
    when = time.gmtime(time.time() + 2)
    scheduled = save(
        writer,
        article,
        "schedule",
        publish_at=time.strftime("%Y-%m-%dT%H:%M:%S", when),
        tz_offset="0",
    )
    assert scheduled.status_code == 303 and "notice=scheduled" in scheduled.headers["Location"]
    listed = writer.get("/admin/articles/", params={"q": "Launch notes"}).text
    assert "b-scheduled" in listed
    assert help_page(web, slug).status_code == 404
    past = save(writer, article, "schedule", publish_at="2001-01-01T00:00", tz_offset="0")
    assert past.status_code == 422 and "future" in past.text
    deadline = time.time() + 10
    while help_page(web, slug).status_code != 200:
        assert time.time() < deadline, "the scheduled article was not published"
        time.sleep(0.3)


def test_a_save_that_publishes_makes_one_revision(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    writer = staff("writer")
    article = new_article(writer, unique("Rotate keys"), "First words.")
    word = "okapi" + uuid.uuid4().hex[:6]
    published = save(writer, article, "publish", body=f"Rotate the {word} keys.")
    assert published.status_code == 303 and "notice=published" in published.headers["Location"]
    page = writer.get(f"/admin/articles/{article}").text
    assert field(page, "revision") == "2" and word in field(page, "body")
    slug = field(page, "slug")
    live = help_page(web, slug)
    assert live.status_code == 200 and word in live.text
    assert api_search(web, word) == [slug]  # indexed after the commit, as before


def test_a_refused_schedule_saves_none_of_the_text(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    writer = staff("writer")
    article = new_article(writer, unique("Export data"), "Original text.", action="publish")
    later = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() + 3600))
    refused = save(
        writer, article, "schedule", body="Half-applied text.", publish_at=later, tz_offset="0"
    )
    assert refused.status_code == 409 and "already published" in refused.text
    assert "Half-applied text." in refused.text  # the writer's text comes back to them
    page = writer.get(f"/admin/articles/{article}").text
    assert field(page, "revision") == "1" and field(page, "body") == "Original text."
    past = save(writer, article, "schedule", body="Also not saved.", publish_at="2001-01-01T00:00")
    assert past.status_code == 422 and "future" in past.text
    assert field(writer.get(f"/admin/articles/{article}").text, "revision") == "1"


def png(width: int = 3, height: int = 2) -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def upload(writer: Staff, name: str, data: bytes, kind: str) -> requests.Response:
    return writer.http.post(
        writer.url("/admin/media/"),
        files={"file": (name, data, kind)},
        headers={"X-CSRF-Token": writer.csrf, "Accept": "application/json"},
        timeout=10,
    )


def test_images_are_checked_and_served_safely(
    web: LiveServer, staff: Callable[[str], Staff]
) -> None:
    writer = staff("writer")
    made = upload(writer, "diagram.png", png(), "image/png")
    assert made.status_code == 201, made.text
    item = made.json()
    assert item["markdown"] == f"![diagram]({item['url']})" and (item["width"], item["height"]) == (
        3,
        2,
    )
    served = requests.get(item["url"], timeout=10)
    assert served.status_code == 200 and served.content == png()
    assert served.headers["Content-Type"] == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert upload(writer, "again.png", png(), "image/png").json()["id"] == item["id"]  # same bytes
    svg = upload(
        writer,
        "x.svg",
        b"<svg onload=alert(1) xmlns='http://www.w3.org/2000/svg'/>",
        "image/svg+xml",
    )
    assert svg.status_code == 415
    disguised = upload(writer, "cat.png", b"<html><script>alert(1)</script></html>", "image/png")
    assert disguised.status_code == 415
    huge = upload(writer, "big.png", png() + b"\0" * (5 * 1_048_576 + 1), "image/png")
    assert huge.status_code == 413
    assert upload(writer, "empty.png", b"", "image/png").status_code == 422
    library = writer.get("/admin/media/").text
    assert f'value="{item["markdown"]}"' in library
    assert requests.get(web.url + "/help/media/../support.db", timeout=10).status_code == 404


def test_translations_side_by_side(web: LiveServer, staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    title = unique("Close the month")
    source = new_article(writer, title, "English body.", action="publish")
    slug = field(writer.get(f"/admin/articles/{source}").text, "slug")
    side = writer.get(f"/admin/articles/{source}/translate", params={"locale": "fr"})
    assert side.status_code == 200 and "Original · English" in side.text
    assert field(side.text, "slug") == slug and field(side.text, "locale") == "fr"
    created = writer.post(
        "/admin/articles/new",
        {
            "title": "Clôturer le mois",
            "body": "Corps en français.",
            "slug": slug,
            "locale": "fr",
            "category": "Guides",
            "source": source,
            "action": "publish",
        },
    )
    assert created.status_code == 303
    french = help_page(web, slug, "fr")
    assert "Clôturer le mois" in french.text and 'hreflang="fr"' in french.text
    assert (
        f'hreflang="fr" href="{web.url}/help/{web.app_id}/fr/articles/{slug}"'
        in help_page(web, slug).text
    )
    again = writer.get(f"/admin/articles/{source}/translate", params={"locale": "fr"})
    assert field(again.text, "title") == "Clôturer le mois"  # the existing translation opens


def test_article_list_filters(staff: Callable[[str], Staff]) -> None:
    writer = staff("writer")
    listed = writer.get("/admin/articles/", params={"status": "draft"}).text
    assert "Set up single sign-on" in listed and "Request a refund" not in listed
    by_context = writer.get("/admin/articles/", params={"context": "billing"}).text
    assert "Request a refund" in by_context and "Invite team members" not in by_context
    french = writer.get("/admin/articles/", params={"locale": "fr"}).text
    assert "Demander un remboursement" in french and "Create an invoice" not in french
    category = writer.get("/admin/articles/", params={"category": "Team"}).text
    assert "Invite team members" in category and "Request a refund" not in category


def test_zero_result_query_prefills_a_new_article(staff: Callable[[str], Staff]) -> None:
    page = staff("admin").get("/admin/articles/new", params={"title": "payroll export"}).text
    assert field(page, "title") == "payroll export"
