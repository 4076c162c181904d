"""Accessibility and reach: keyboard only, focus trap, Escape, ARIA, visible focus, three
languages (one right-to-left), the app's theme colour, dark mode, reduced motion, phones."""

from __future__ import annotations

import json
from typing import Any

import pytest

from ..servers import cli
from .conftest import Harness

pytestmark = pytest.mark.browser

SHADOW = "document.querySelector('support-widget').shadowRoot"


def active(page: Any) -> str:
    return page.evaluate(
        f"(() => {{ const a = {SHADOW}.activeElement;"
        " return a ? (a.getAttribute('aria-label') || a.className || a.localName) : 'outside'; })()"
    )


def test_keyboard_only_with_a_focus_trap_and_escape(harness: Harness) -> None:
    page = harness.new_page(harness.page_url("<p>No other focusable element.</p>"))
    page.keyboard.press("Tab")
    assert active(page) == "Open help"
    launcher = page.locator("support-widget .launcher")
    assert launcher.get_attribute("aria-haspopup") == "dialog"
    page.keyboard.press("Enter")
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    assert dialog.get_attribute("aria-modal") == "true"
    title_id = dialog.get_attribute("aria-labelledby")
    assert page.locator(f"support-widget #{title_id}").inner_text()
    assert launcher.get_attribute("aria-expanded") == "true"
    assert page.evaluate(f"{SHADOW}.activeElement.type") == "search"
    assert page.locator("support-widget input[type=search]").get_attribute("aria-label")
    page.locator("support-widget .body .item").first.wait_for()
    seen = set()
    for _ in range(40):  # Tab around: focus never leaves the dialog
        page.keyboard.press("Tab")
        inside = page.evaluate(
            f"{SHADOW}.querySelector('[role=dialog]').contains({SHADOW}.activeElement)"
        )
        assert inside
        seen.add(active(page))
    assert {"Close help", "item", "tab"} <= seen
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(
        f"{SHADOW}.querySelector('[role=dialog]').contains({SHADOW}.activeElement)"
    )
    # the article, by keyboard
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    assert active(page) == "Open help"  # focus is back where it was
    assert launcher.get_attribute("aria-expanded") == "false"
    page.keyboard.press("Enter")
    dialog.wait_for(state="visible")
    page.keyboard.press("Tab")  # from the search box to the first suggestion
    while "item" not in active(page):
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.locator("support-widget article h1").wait_for()
    assert page.evaluate(f"{SHADOW}.activeElement.localName") == "h1"


def test_focus_is_visible(harness: Harness) -> None:
    page = harness.new_page(harness.page_url())
    page.keyboard.press("Tab")
    ring = page.evaluate(
        f"(() => {{ const s = getComputedStyle({SHADOW}.activeElement);"
        " return [s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert ring[0] == "solid" and ring[1] >= 2
    page.keyboard.press("Enter")
    page.locator("support-widget .body .item").first.wait_for()
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    ring = page.evaluate(
        f"(() => {{ const a = {SHADOW}.activeElement, s = getComputedStyle(a);"
        " return [a.matches(':focus-visible'), s.outlineStyle, parseFloat(s.outlineWidth)]; })()"
    )
    assert ring[0] is True and ring[1] == "solid" and ring[2] >= 2


def test_french(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(locale="fr", context="billing.refunds"))
    launcher = page.locator("support-widget .launcher")
    assert launcher.get_attribute("aria-label") == "Ouvrir l\u2019aide"
    launcher.click()
    page.locator("support-widget .lead", has_text="Comment pouvons-nous vous aider ?").wait_for()
    assert page.locator("support-widget nav").inner_text().split() == ["Aide", "Messages"]
    page.locator("support-widget .item .t", has_text="Demander un remboursement").wait_for()
    assert page.evaluate("document.querySelector('support-widget').lang") == "fr"


def test_arabic_is_right_to_left(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(locale="ar"), viewport={"width": 1200, "height": 800})
    host = page.locator("support-widget")
    assert host.get_attribute("dir") == "rtl"
    launcher = page.locator("support-widget .launcher")
    box = launcher.bounding_box()
    assert box and box["x"] < 100  # bottom left, mirrored
    launcher.click()
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    assert dialog.evaluate("el => getComputedStyle(el).direction") == "rtl"
    panel = dialog.bounding_box()
    assert panel and panel["x"] < 100
    assert page.locator("support-widget .lead").inner_text() == "كيف يمكننا مساعدتك؟"


def test_theme_colour_from_the_app_settings(harness: Harness) -> None:
    created = cli(
        "apps",
        "create",
        "Themed",
        "--origin",
        harness.site.origin,
        "--json",
        "--data-dir",
        str(harness.support.data_dir),
    )
    app_id = json.loads(created.stdout)["app_id"]
    cli(
        "apps",
        "update",
        "Themed",
        "--theme-color",
        "#FACC15",
        "--data-dir",
        str(harness.support.data_dir),
    )
    from .site import document, embed

    url = harness.site.add("/themed", document(embed(harness.support.url, app_id)))
    page = harness.new_page(url)
    launcher = page.locator("support-widget .launcher")
    colours = launcher.evaluate(
        "el => [getComputedStyle(el).backgroundColor, getComputedStyle(el).color]"
    )
    assert colours == ["rgb(250, 204, 21)", "rgb(17, 24, 39)"]  # dark text on a light accent
    launcher.click()
    head = page.locator("support-widget .head")
    head.wait_for()
    assert head.evaluate("el => getComputedStyle(el).color") == "rgb(17, 24, 39)"


def test_dark_mode_and_reduced_motion(harness: Harness) -> None:
    page = harness.new_page(harness.page_url(), color_scheme="dark", reduced_motion="reduce")
    page.locator("support-widget .launcher").click()
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    styles = dialog.evaluate(
        "el => { const s = getComputedStyle(el); return [s.backgroundColor, s.color,"
        " s.transitionDuration]; }"
    )
    assert styles[0] == "rgb(15, 17, 21)" and styles[1] == "rgb(236, 238, 242)"
    assert set(styles[2].split(", ")) == {"0s"}
    light = harness.new_page(harness.page_url(), color_scheme="light")
    light.locator("support-widget .launcher").click()
    light_dialog = light.locator("support-widget [role=dialog]")
    light_dialog.wait_for(state="visible")
    assert light_dialog.evaluate("el => getComputedStyle(el).transitionDuration") != "0s"
    assert light_dialog.evaluate("el => getComputedStyle(el).backgroundColor") == (
        "rgb(245, 246, 248)"
    )


def test_a_360_pixel_phone(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(
        harness.page_url(token=token),
        viewport={"width": 360, "height": 740},
        is_mobile=True,
        has_touch=True,
    )
    page.locator("support-widget .launcher").tap()
    dialog = page.locator("support-widget [role=dialog]")
    dialog.wait_for(state="visible")
    page.wait_for_timeout(300)
    assert dialog.bounding_box() == {"x": 0, "y": 0, "width": 360, "height": 740}
    assert not page.locator("support-widget .launcher").is_visible()
    for view in ("contact", "tickets"):
        page.evaluate(f"SupportWidget('open', '{view}')")
        page.wait_for_timeout(200)
        overflow = page.evaluate(
            f"(() => {{ const b = {SHADOW}.querySelector('.body');"
            " return b.scrollWidth - b.clientWidth; })()"
        )
        assert overflow <= 0, view
    page.locator("support-widget .icon-btn[aria-label='Close help']").tap()
    assert page.locator("support-widget .launcher").is_visible()
