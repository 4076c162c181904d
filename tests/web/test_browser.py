"""The web interface in real Chromium: writing and publishing, answering tickets with the
keyboard, the unsaved-changes guard, and hostile text that must never run."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from ..conftest import LiveServer
from .conftest import sign_in

pytestmark = pytest.mark.browser
XSS_FLAG = "() => window.__xss === undefined"
PAYLOADS = [
    "<script>window.__xss = 1; alert(1)</script>",
    '<img src=x onerror="window.__xss = 2; alert(2)">',
    "<svg onload=window.__xss=3>",
    '"><iframe srcdoc="<script>parent.__xss=4</script>">',
]


def test_write_publish_and_find_it(web: LiveServer, browser_page: Any) -> None:
    page = browser_page
    sign_in(page, web, "writer")
    page.click("text=+ New article")
    word = "quokka" + uuid.uuid4().hex[:6]
    title = f"Export {word} ledgers"
    page.fill("#f-title", title)
    page.fill("#f-body", f"# {title}\n\nUse **{word}** exports.\n\n- one\n- two\n")
    page.wait_for_function(
        "() => document.querySelector('[data-preview] strong')?.textContent.startsWith('quokka')"
    )
    preview = page.inner_html("[data-preview]")
    assert "<h1>" not in preview  # the title heading is shown once, as on the help center
    page.fill("#f-summary", "How to export ledgers.")
    page.fill("#f-category", "Reports")
    page.click("button[value=publish]")
    page.wait_for_url("**notice=published")
    assert "Published. Readers can see it now." in page.inner_text(".alert.ok")
    with page.expect_popup() as popup:
        page.click("text=View live ↗")
    live = popup.value
    live.wait_for_load_state()
    assert live.inner_text("h1.title") == title
    assert live.inner_html(".prose") == preview  # the preview was what readers see
    assert live.locator("nav.crumbs").inner_text().split("\n")[0].startswith("Home")
    found = requests.get(
        web.url + "/api/v1/help/search",
        params={"q": word},
        headers={"X-Support-App": web.app_id},
        timeout=10,
    ).json()
    assert [r["title"] for r in found["results"]] == [title]
    assert page.errors == [] and page.dialogs == []


def test_agent_answers_from_the_keyboard_and_the_user_sees_it(
    web: LiveServer, browser_page: Any
) -> None:
    client = web.client()
    token = client.user_token("kb-user", email="kb@example.com", name="Keyboard User")
    marker = uuid.uuid4().hex[:8]
    ticket = client.create_ticket(
        f"Cannot export {marker}", subject=f"Export {marker}", user_token=token
    )
    page = browser_page
    sign_in(page, web, "agent")
    page.goto(f"{web.url}/admin/tickets/?q={marker}")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/admin/tickets/{ticket.id}")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.id") == "reply-body"
    page.keyboard.type("Thanks! Fixed in 2.3.2.")
    page.keyboard.press("Control+Enter")
    page.wait_for_url("**notice=replied")
    page.keyboard.press("s")  # solved
    page.wait_for_url("**notice=updated")
    seen = client.ticket(ticket.id, user_token=token)
    assert seen.status == "solved"
    assert [m.body for m in seen.messages] == ["Thanks! Fixed in 2.3.2."]
    assert page.dialogs == [] and page.errors == []


def test_leaving_with_unsaved_changes_warns_and_a_backup_is_kept(
    web: LiveServer, browser_page: Any
) -> None:
    page = browser_page
    sign_in(page, web, "writer")
    page.goto(web.url + "/admin/articles/?q=Invite+team+members&locale=en")
    page.click("a.title")
    page.wait_for_selector("[data-editor]")
    editor_url = page.url
    page.click("#f-body")
    page.keyboard.type("An unsaved sentence. ")
    page.wait_for_function(
        "() => document.querySelector('[data-save-state]').textContent === 'Unsaved changes'"
    )
    page.wait_for_timeout(700)  # the local backup is written after a short pause
    page.click("nav >> text=Images")
    assert [kind for kind, _ in page.dialogs] == ["beforeunload"]
    assert page.url == editor_url  # dismissing the warning keeps the writer on the page
    later = page.context.new_page()  # say the tab was closed: this browser kept the text
    later.goto(editor_url)
    later.click("text=Restore them")
    assert "An unsaved sentence. " in later.input_value("#f-body")
    assert later.inner_text("[data-save-state]") == "Unsaved changes"


def test_hostile_text_never_runs_anywhere(web: LiveServer, browser_page: Any) -> None:
    payload = " ".join(PAYLOADS)
    with web.writer() as writer:
        article = writer.articles.create(
            f"Hostile {uuid.uuid4().hex[:6]} <img src=x onerror=window.__xss=5>",
            f"Intro {payload}\n\n[click](javascript:window.__xss=6)\n",
            summary=PAYLOADS[1],
            category="Hostile <b>cat</b>",
            status="published",
        )
    client = web.client()
    token = client.user_token("mallory", email="m@example.com", name=f"Mallory {PAYLOADS[1]}")
    ticket = client.create_ticket(
        f"Body {payload}",
        subject=f"Subject {PAYLOADS[0]}",
        user_token=token,
        context={
            "url": "javascript:window.__xss=7",
            "title": PAYLOADS[2],
            "custom": {PAYLOADS[1]: payload},
        },
    )
    requests.get(
        web.url + "/api/v1/help/search",
        params={"q": PAYLOADS[1]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    page = browser_page
    public = [
        f"/help/{web.app_id}/en/articles/{article.slug}",
        f"/help/{web.app_id}/en/search?q={requests.utils.quote(PAYLOADS[1])}",
        f"/help/{web.app_id}/en/categories/hostile-b-cat-b",
        f"/help/{web.app_id}/en/",
    ]
    for path in public:
        page.goto(web.url + path)
        assert page.evaluate(XSS_FLAG), path
    assert page.locator("a[href^='javascript']").count() == 0
    sign_in(page, web, "admin")
    private = [
        f"/admin/articles/{article.id}",
        "/admin/articles/?q=Hostile",
        f"/admin/tickets/?q={ticket.id}",
        f"/admin/tickets/{ticket.id}",
        "/admin/analytics/",
        f"/admin/articles/{article.id}/revisions/1",
    ]
    for path in private:
        page.goto(web.url + path)
        page.wait_for_load_state("networkidle")
        assert page.evaluate(XSS_FLAG), path
        assert page.locator("img[onerror], svg[onload], iframe").count() == 0, path
    page.goto(f"{web.url}/admin/articles/{article.id}")
    page.fill("#f-body", payload)  # the live preview renders hostile Markdown too
    page.wait_for_timeout(600)
    assert page.evaluate(XSS_FLAG)
    assert page.locator("[data-preview] img[onerror], [data-preview] script").count() == 0
    assert [d for d in page.dialogs if d[0] != "beforeunload"] == []


def test_a_preview_that_failed_is_asked_again(web: LiveServer, browser_page: Any) -> None:
    """The first preview request is dropped (a busy server, a lost connection): the editor
    asks once more by itself, and the writer sees the preview without typing again."""
    page = browser_page
    sign_in(page, web, "writer")
    dropped: list[str] = []

    def drop_first(route: Any) -> None:
        if not dropped:
            dropped.append(route.request.url)
            route.abort()
        else:
            route.continue_()

    # routed before the editor page opens: no preview request can go out unrouted
    page.route("**/admin/articles/preview", drop_first)
    page.click("text=+ New article")
    page.wait_for_load_state("load")
    page.fill("#f-body", "Use **wombat** exports.")
    page.wait_for_function(
        "() => document.querySelector('[data-preview] strong')?.textContent === 'wombat'"
    )
    assert len(dropped) == 1
