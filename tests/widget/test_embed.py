"""Embedding and isolation: one script tag, a lazily loaded widget in an open shadow root that
hostile page CSS cannot break, one global, and a strict Content-Security-Policy."""

from __future__ import annotations

import re
from typing import Any

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
    assert not {"home.js", "panel.js", "api.js"} & set(loaded)  # nothing but the launcher yet
    for _ in range(60):  # asked for when the browser goes idle (at the latest after 2 s)
        if held:
            break
        page.wait_for_timeout(50)
    assert len(held) == 1
    held[0].continue_()
    page.wait_for_function(READY)
    assert {"home.js", "panel.js", "api.js", "en.js"} <= {u.split("/")[-1] for u in fetched}


# A response cut short by a flaky network or a proxy: a syntax error that the browser keeps in
# its module map under that URL, so asking for the same URL again can never succeed.
CUT_SHORT = "export function start(boot) {"


def failing_once(failure: str, attempts: list[str]) -> Any:
    def handle(route: Any) -> None:
        attempts.append(route.request.url)
        if len(attempts) > 1:
            route.continue_()
        elif failure == "aborted":
            route.abort()
        else:
            route.fulfill(
                body=CUT_SHORT,
                content_type="text/javascript",
                headers={"Access-Control-Allow-Origin": "*"},
            )

    return handle


@pytest.mark.parametrize("failure", ["aborted", "cut short"])
@pytest.mark.parametrize("file", ["main.js", "api.js", "views/home.js", "i18n/en.js"])
def test_a_failed_load_is_retried_on_first_use(harness: Harness, file: str, failure: str) -> None:
    """The first download of the widget, or of one module it imports, fails while the browser
    is idle; the user's click on the launcher still opens the panel."""
    page = harness.new_page()
    attempts: list[str] = []
    warnings: list[str] = []
    page.on("console", lambda m: m.type == "warning" and warnings.append(m.text))
    page.route(
        re.compile(rf"/widget/v1/[^/]+/{re.escape(file)}(\?|$)"), failing_once(failure, attempts)
    )
    page.goto(harness.page_url(token=harness.token(harness.user())))
    page.wait_for_function("() => true")
    for _ in range(100):  # the idle load has failed
        if warnings:
            break
        page.wait_for_timeout(50)
    assert warnings and warnings[0].startswith("SupportWidget: could not load")
    assert not page.evaluate(READY)
    page.locator("support-widget .launcher").click()
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    page.wait_for_function(READY)
    assert len(attempts) == 2
    assert attempts[0] != attempts[1]  # a fresh URL: the browser may keep what failed under the old
    page.locator("support-widget .body .item").first.wait_for()
    assert page.errors == []


def test_a_click_during_a_load_that_fails_is_not_lost(harness: Harness) -> None:
    """The user clicks while the first download is still on its way, and then it fails."""
    page = harness.new_page()
    held: list[Any] = []
    page.route("**/main.js*", lambda route: route.continue_() if held else held.append(route))
    page.goto(harness.page_url(token=harness.token(harness.user())))
    launcher = page.locator("support-widget .launcher")
    launcher.wait_for(state="visible")
    for _ in range(100):
        if held:
            break
        page.wait_for_timeout(50)
    launcher.click()
    held[0].abort()
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    page.wait_for_function(READY)
    assert page.errors == []


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
