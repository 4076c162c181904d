"""Embedding and isolation: one script tag, a lazily loaded widget in an open shadow root that
hostile page CSS cannot break, one global, and a strict Content-Security-Policy."""

from __future__ import annotations

import pytest

from .conftest import READY, Harness

pytestmark = pytest.mark.browser

HOSTILE_CSS = """<style>
* { all: unset !important; }
button { display: none !important; }
div, section, support-widget { display: none; }
body * { font: 40px/1 serif; color: red; transform: rotate(3deg); }
</style>"""


def test_one_script_tag_draws_the_launcher_and_loads_the_rest_later(harness: Harness) -> None:
    page = harness.new_page()
    fetched: list[str] = []
    page.on("request", lambda request: fetched.append(request.url))
    held = []
    page.route("**/main.js", lambda route: held.append(route))  # the rest never arrives, yet
    page.goto(harness.page_url("<h1>Invoices</h1>", token=harness.token(harness.user())))
    launcher = page.locator("support-widget .launcher")
    launcher.wait_for(state="visible")
    assert launcher.get_attribute("aria-expanded") == "false"
    loaded = [url.split("/")[-1].split("?")[0] for url in fetched]
    assert loaded[:1] == ["loader.js"] or "loader.js" in loaded
    assert "widget.css" in loaded and "config" in loaded
    assert not {"views.js", "panel.js", "api.js"} & set(loaded)  # nothing but the launcher yet
    for _ in range(60):  # asked for when the browser goes idle (at the latest after 2 s)
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function(READY)
    assert {"views.js", "panel.js", "api.js", "en.js"} <= {u.split("/")[-1] for u in fetched}


def test_a_failed_load_is_retried_on_first_use(harness: Harness) -> None:
    page = harness.new_page()
    attempts = []

    def flaky(route: object) -> None:
        attempts.append(route)
        if len(attempts) == 1:
            route.abort()  # type: ignore[attr-defined]
        else:
            route.continue_()  # type: ignore[attr-defined]

    page.route("**/main.js", flaky)
    page.goto(harness.page_url(token=harness.token(harness.user())))
    page.wait_for_function("() => true")
    page.locator("support-widget .launcher").click()
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    assert len(attempts) == 2


def test_hostile_page_css_cannot_break_it(harness: Harness) -> None:
    page = harness.new_page(
        harness.page_url("<main><button>Host button</button></main>", head=HOSTILE_CSS)
    )
    launcher = page.locator("support-widget .launcher")
    box = launcher.bounding_box()
    assert box and (box["width"], box["height"]) == (56, 56)
    styles = launcher.evaluate(
        "el => { const s = getComputedStyle(el); return [s.position, s.borderRadius, s.color]; }"
    )
    assert styles == ["fixed", "50%", "rgb(255, 255, 255)"]
    launcher.click()
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    assert dialog.evaluate("el => getComputedStyle(el).fontFamily").startswith("system-ui")
    page.locator("support-widget .item").first.wait_for()
    assert (
        page.locator("support-widget .item").first.evaluate("el => getComputedStyle(el).display")
        == "flex"
    )
    assert page.errors == []


def test_it_adds_one_global_and_an_open_shadow_root(harness: Harness) -> None:
    url = harness.page_url("<p>plain</p>")
    page = harness.new_page()
    page.add_init_script("window.__before = Object.getOwnPropertyNames(window)")
    page.goto(url)
    page.wait_for_function(READY)
    page.locator("support-widget .launcher").click()
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    added = page.evaluate(
        "Object.getOwnPropertyNames(window).filter(n => !window.__before.includes(n))"
    )
    assert sorted(added) == ["SupportWidget", "__before"]
    assert page.evaluate("document.querySelector('support-widget').shadowRoot.mode") == "open"
    assert page.evaluate("document.head.querySelectorAll('style, link').length") == 0


def test_strict_content_security_policy(harness: Harness) -> None:
    server = harness.support.url
    csp = (
        f"default-src 'none'; script-src {server}; style-src {server}; connect-src {server}; "
        f"img-src {server} data:"
    )
    url = harness.page_url(
        '<p data-support-help="invoices.create">Invoices</p>',
        headers={"Content-Security-Policy": csp},
        token=harness.token(harness.user()),
        context="invoices.create",
    )
    page = harness.new_page()
    page.add_init_script(
        "window.__violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI), true);"
    )
    page.goto(url)
    page.wait_for_function(READY)
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .body .item").first.wait_for()
    page.locator("support-widget .body .item").first.click()
    page.locator("support-widget .prose p").first.wait_for()
    page.locator("support-help button").first.click()
    assert page.evaluate("window.__violations") == []
    assert page.errors == []
