"""The article editor in real Chromium, on articles imported from examples/help_center: every
button submits the form exactly as the page rendered it (a value the page's own constraints
refuse, or an attribute mangled by escaping, cannot hide), and the outcome is read back
through the API or the database."""

from __future__ import annotations

import sqlite3
import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from .conftest import audit_forms, sign_in
from .test_writers import png

pytestmark = pytest.mark.browser


def api(server: LiveServer, method: str, path: str, **kwargs: Any) -> requests.Response:
    headers = {"Authorization": f"Bearer {server.admin_key}", **kwargs.pop("headers", {})}
    url = server.url + "/api/v1" + path
    return requests.request(method, url, headers=headers, timeout=10, **kwargs)


def imported(server: LiveServer, slug: str, locale: str = "en") -> dict[str, Any]:
    """The article `support-server import` made from examples/help_center."""
    listed = api(server, "GET", "/articles", params={"limit": 200, "locale": locale}).json()
    found: dict[str, Any] = next(a for a in listed["items"] if a["slug"] == slug)
    return found


def article(server: LiveServer, article_id: str) -> dict[str, Any]:
    found: dict[str, Any] = api(server, "GET", f"/articles/{article_id}").json()
    return found


def open_editor(page: Any, server: LiveServer, article_id: str) -> None:
    page.goto(f"{server.url}/admin/articles/{article_id}")
    page.wait_for_selector("[data-editor]")
    audit_forms(page)


def press(page: Any, selector: str, notice: str) -> None:
    """Press a submit button and wait for the page the server answers with."""
    with page.expect_navigation(url=f"**notice={notice}"):
        page.click(selector)
    page.wait_for_selector("[data-editor]")
    audit_forms(page)


def scheduled(server: LiveServer, public_id: str) -> list[str]:
    conn = sqlite3.connect(server.data_dir / "support.db")
    try:
        rows = conn.execute(
            "SELECT s.publish_at FROM article_schedule s JOIN articles a ON a.id = s.article_id"
            " WHERE a.public_id = ?",
            (public_id,),
        ).fetchall()
    finally:
        conn.close()
    return [str(r[0]) for r in rows]


def test_a_writer_updates_an_imported_article(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    before = imported(web, "connect-stripe")
    sign_in(page, web, "writer")
    page.goto(web.url + "/admin/articles/")
    audit_forms(page)
    page.fill("#q", "Connect Stripe")
    page.click("form.filters button[type=submit]")  # the list's filter form, as the page has it
    page.wait_for_url("**q=Connect+Stripe**")
    page.click("a.title >> text=Connect Stripe")
    page.wait_for_selector("[data-editor]")
    audit_forms(page)
    # the attributes the Details fields were meant to have, not quoted strings
    slug = page.locator("#f-slug")
    assert slug.input_value() == "connect-stripe"
    assert slug.evaluate("el => [el.pattern, el.maxLength, el.spellcheck]") == [
        "[a-z0-9]+(-[a-z0-9]+)*",
        80,
        False,
    ]
    assert page.evaluate("document.querySelector('#f-category').list.id") == "category-list"
    assert page.evaluate("document.querySelector('#f-locale').readOnly") is False
    assert page.evaluate("document.querySelector('#f-locale').maxLength") == 12

    marker = uuid.uuid4().hex[:8]
    page.click("#f-body")
    page.keyboard.press("Control+End")
    page.keyboard.type(f"\n\nUpdated {marker}.")
    page.screenshot(path="/tmp/admin-update-imported-before.png")
    press(page, "button[value=save]", "saved")
    assert page.inner_text(".alert.ok") == "Changes saved."
    page.screenshot(path="/tmp/admin-update-imported.png")
    after = article(web, before["id"])
    assert after["body"].endswith(f"Updated {marker}.")
    assert after["revision"] == before["revision"] + 1
    assert (after["status"], after["slug"], after["category"]) == (
        "published",
        "connect-stripe",
        before["category"],
    )

    page.click("#f-summary")
    page.keyboard.press("Control+End")
    page.keyboard.type(" Ctrl+S works.")
    with page.expect_navigation(url="**notice=saved"):
        page.keyboard.press("Control+s")
    assert article(web, before["id"])["summary"].endswith(" Ctrl+S works.")
    assert page.dialogs == [] and page.errors == []


def test_every_publishing_button_submits_what_the_page_holds(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    page.confirm = True  # Archive asks first
    start = imported(web, "set-up-webhooks")
    sign_in(page, web, "writer")
    open_editor(page, web, start["id"])

    press(page, "button[value=unpublish]", "unpublished")
    assert article(web, start["id"])["status"] == "draft"

    when = (datetime.now() + timedelta(days=2)).replace(second=0, microsecond=0)
    page.fill("#f-publish-at", when.strftime("%Y-%m-%dT%H:%M"))
    press(page, "button[value=schedule]", "scheduled")
    assert len(scheduled(web, start["id"])) == 1
    assert "goes live" in page.inner_text("aside[aria-label='Article settings']")

    press(page, "button[value=unschedule]", "unscheduled")
    assert scheduled(web, start["id"]) == []

    press(page, "button[value=publish]", "published")
    assert article(web, start["id"])["status"] == "published"

    press(page, "button[value=archive]", "archived")
    assert article(web, start["id"])["status"] == "archived"
    assert ("confirm", "Archive this article? Readers will no longer see it.") in page.dialogs

    press(page, "button[value=publish]", "published")  # and back as the import left it
    final = article(web, start["id"])
    assert final["status"] == "published" and final["body"] == start["body"]
    assert final["slug"] == start["slug"] and final["tags"] == start["tags"]
    assert page.errors == []


def test_save_my_version_anyway_after_a_conflict(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    start = imported(web, "connect-a-bank-feed")
    sign_in(page, web, "writer")
    open_editor(page, web, start["id"])
    theirs = api(web, "PATCH", f"/articles/{start['id']}", json={"body": start["body"] + "\nX."})
    assert theirs.status_code == 200, theirs.text
    page.fill("#f-body", start["body"] + "\nMine.")
    page.click("button[value=save]")
    page.wait_for_selector("#conflict")
    audit_forms(page)
    assert "Someone else saved this article" in page.inner_text("#conflict")
    press(page, "#conflict button[value=overwrite]", "saved")
    saved = article(web, start["id"])
    assert saved["body"] == start["body"] + "\nMine."
    assert saved["revision"] == start["revision"] + 2
    assert page.errors == []


def test_restore_a_revision_from_its_page(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    page.confirm = True
    start = imported(web, "create-and-manage-api-keys")
    changed = api(web, "PATCH", f"/articles/{start['id']}", json={"body": "A worse body."})
    assert changed.status_code == 200
    sign_in(page, web, "writer")
    page.goto(f"{web.url}/admin/articles/{start['id']}/revisions")
    audit_forms(page)
    page.click(f"tr:has-text('#{start['revision']}') >> text=What changed")
    page.wait_for_url(f"**/revisions/{start['revision']}")
    audit_forms(page)
    page.click("text=Restore this revision")
    page.wait_for_url("**notice=restored")
    restored = article(web, start["id"])
    assert restored["body"] == start["body"]
    assert restored["revision"] == start["revision"] + 2
    assert [kind for kind, _ in page.dialogs] == ["confirm"]


def seed_a_new_article_backup(page: Any, server: LiveServer) -> None:
    """Leave unsaved text in this browser for a new article (a tab closed mid-draft)."""
    tab = page.context.new_page()
    tab.goto(server.url + "/admin/articles/new")
    tab.fill("#f-title", "An abandoned draft")
    tab.click("#f-body")
    tab.keyboard.type("Half a thought.")
    tab.wait_for_timeout(700)  # the backup is written after a short pause
    tab.close()


def beside_the_original(page: Any) -> None:
    """The form sits in its own column, never under the sticky original."""
    source = page.locator("section.source").bounding_box()
    form = page.locator("#editor-form").bounding_box()
    assert form["x"] >= source["x"] + source["width"], (source, form)
    assert form["y"] < source["y"] + 200, (source, form)


def test_translate_an_imported_article_and_publish_it(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    source = imported(web, "transfer-workspace-ownership")
    sign_in(page, web, "writer")
    seed_a_new_article_backup(page, web)

    open_editor(page, web, source["id"])
    page.fill("#new-locale", "fr")
    page.click("button[form=translate-form]")  # the Translate form, with what was typed
    page.wait_for_url("**/translate?locale=fr")
    page.wait_for_selector("[data-editor]")
    audit_forms(page)
    assert page.locator("text=Restore them").count() == 0  # the new article's text stays there
    assert page.input_value("#f-slug") == source["slug"]
    assert page.evaluate("document.querySelector('#f-locale').readOnly") is True
    beside_the_original(page)

    page.fill("#f-title", "Transférer la propriété de l'espace de travail")
    page.click("#f-body")
    page.keyboard.press("Control+Home")
    page.keyboard.type("Traduction. ")
    page.wait_for_timeout(700)
    page.screenshot(path="/tmp/admin-translation.png")
    press(page, "button[value=publish]", "published")
    french = imported(web, source["slug"], "fr")
    assert french["status"] == "published" and french["title"].startswith("Transférer")
    assert french["body"].startswith("Traduction. ")
    live = requests.get(f"{web.url}/help/{web.app_id}/fr/articles/{source['slug']}", timeout=10)
    assert live.status_code == 200 and "Transférer la propriété" in live.text

    page.click("nav >> text=Images")  # leaving right after the save asks nothing
    page.wait_for_url("**/admin/media/")
    assert page.dialogs == []
    assert page.evaluate("Object.keys(localStorage).filter(k => k.includes('translation'))") == []

    # the existing translation opens from the original and saves like any article
    page.goto(f"{web.url}/admin/articles/{source['id']}/translate?locale=fr")
    page.wait_for_selector("[data-editor]")
    audit_forms(page)
    assert page.locator("text=Restore them").count() == 0
    beside_the_original(page)
    page.fill("#f-summary", "Résumé en français.")
    press(page, "button[value=save]", "saved")
    assert imported(web, source["slug"], "fr")["summary"] == "Résumé en français."
    page.goto(web.url + "/admin/articles/new")  # the abandoned draft is still offered there
    assert page.locator("text=Restore them").count() == 1
    assert page.errors == []


def test_a_translation_keeps_its_own_unsaved_text_above_the_editor(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    source = imported(web, "roles-and-permissions")
    sign_in(page, web, "writer")
    translate = f"{web.url}/admin/articles/{source['id']}/translate?locale=fr"
    page.goto(translate)
    page.wait_for_selector("[data-editor]")
    page.click("#f-body")
    page.keyboard.press("Control+Home")
    page.keyboard.type("Rôles non enregistrés. ")
    page.wait_for_timeout(700)

    later = page.context.new_page()  # the tab was closed; this browser kept the text
    later.goto(translate)
    later.wait_for_selector("text=Restore them")
    banner = later.locator(".alert:has-text('Restore them')").bounding_box()
    layout = later.locator(".translate-layout").bounding_box()
    assert banner["y"] + banner["height"] <= layout["y"]  # above both columns
    beside_the_original(later)
    later.screenshot(path="/tmp/admin-translation-restore.png")
    later.click("text=Restore them")
    assert later.input_value("#f-body").startswith("Rôles non enregistrés. ")
    assert later.input_value("#f-locale") == "fr"

    for elsewhere in (
        f"{web.url}/admin/articles/{source['id']}/translate?locale=es",  # another language
        f"{web.url}/admin/articles/{source['id']}",  # the original itself
    ):
        other = page.context.new_page()
        other.goto(elsewhere)
        other.wait_for_selector("[data-editor]")
        assert other.locator("text=Restore them").count() == 0, elsewhere
        other.close()
    later.close()


def test_upload_an_image_from_the_images_page(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    sign_in(page, web, "writer")
    page.goto(web.url + "/admin/media/")
    audit_forms(page)
    name = f"pixel-{uuid.uuid4().hex[:6]}.png"
    image = png(7, 5)  # bytes no other test uploads (the library keeps one copy of each)
    page.set_input_files("#file", files=[{"name": name, "mimeType": "image/png", "buffer": image}])
    page.click("button:has-text('Upload')")
    page.wait_for_url("**uploaded=**")
    audit_forms(page)
    assert page.inner_text(".alert.ok").startswith("Uploaded.")
    markdown = page.input_value("tr[aria-selected=true] input[data-select-all]")
    address = markdown.split("](", 1)[1].rstrip(")")
    served = requests.get(requests.compat.urljoin(web.url, address), timeout=10)
    assert served.status_code == 200 and served.content == image
    conn = sqlite3.connect(web.data_dir / "support.db")
    try:
        stored = conn.execute("SELECT count(*) FROM media WHERE original_name = ?", (name,))
        assert stored.fetchone()[0] == 1
    finally:
        conn.close()
