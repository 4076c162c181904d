"""A page on an origin that the app does not allow (the README's tour followed literally: the
app allows https://app.example.com, the host app runs somewhere else).

The browser refuses every API answer (CORS), which looked like "Can't reach support right
now." with nothing in the console or the server log. Now the widget's config says that the
origin is not allowed, the widget names the origin and the command that allows it in one
console error and in the panel, and the server logs one warning per app and origin.
"""

from __future__ import annotations

from typing import Any

import pytest
import requests

from .conftest import READY, Harness
from .site import HostSite, document, embed

pytestmark = pytest.mark.browser

NOT_ALLOWED = "This site isn\u2019t allowed to use this help widget."


def config(harness: Harness, origin: str | None) -> requests.Response:
    return requests.get(
        f"{harness.support.url}/api/v1/widget/config",
        params={"app_id": harness.support.app_id},
        headers={"Origin": origin} if origin else {},
        timeout=10,
    )


def test_the_config_says_whether_the_origin_is_allowed(harness: Harness) -> None:
    allowed = config(harness, harness.site.origin)
    assert allowed.json()["origin_allowed"] is True
    assert allowed.headers["Access-Control-Allow-Origin"] == harness.site.origin
    assert "Origin" in allowed.headers["Vary"]
    other = config(harness, "https://elsewhere.example")
    assert other.status_code == 200
    assert other.json()["origin_allowed"] is False
    assert other.headers["Access-Control-Allow-Origin"] == "*"  # readable, to say why
    assert other.headers["Cache-Control"] == "no-cache"  # allowing it shows at the next load
    assert "apps update" in other.json()["origin_help"]
    assert "public" in allowed.headers["Cache-Control"]
    assert config(harness, None).json()["origin_allowed"] is True  # not a browser page
    same = config(harness, harness.support.url)  # the server's own pages
    assert same.json()["origin_allowed"] is True


@pytest.mark.parametrize("lang", ["en-US", None])
def test_a_page_on_an_origin_the_app_does_not_allow(harness: Harness, lang: str | None) -> None:
    support = harness.support
    token = harness.token(harness.user())
    with HostSite() as other:
        url = other.add("/", document(embed(support.url, support.app_id, token=token), lang=lang))
        page = harness.new_page()
        errors: list[str] = []
        page.on("console", lambda m: m.type == "error" and errors.append(m.text))
        page.goto(url)
        page.wait_for_function(READY)
        page.locator("support-widget .launcher").click()
        note = page.locator("support-widget .body .note")
        note.wait_for()
        assert note.inner_text() == NOT_ALLOWED
        assert note.locator("button").count() == 0  # "Try again" would not help
        page.screenshot(path=f"/tmp/widget-wrong-origin-{lang}.png")
        page.reload()
        page.wait_for_function(READY)
        page.wait_for_timeout(300)

        command = f"support-server apps update {support.app_id} --origin {other.origin}"
        ours = [e for e in errors if e.startswith("SupportWidget:")]
        assert len(ours) == 2, errors  # one per page load
        assert other.origin in ours[0] and command in ours[0]

        log = support.process.log.read_text(errors="replace")
        lines = [line for line in log.splitlines() if other.origin in line and "allow" in line]
        assert len(lines) == 1, lines  # once per app and origin, however many requests
        [line] = lines
        assert support.app_id in line
        full = (
            f"support-server apps update {support.app_id} --data-dir {support.data_dir}"
            f" --origin {harness.site.origin} --origin {other.origin}"
        )
        assert full in line  # the origins already allowed are kept: --origin replaces the list
        for secret in (support.app_secret, support.admin_key, token):
            assert secret not in log
    assert page.errors == []


def test_an_allowed_page_prints_nothing(harness: Harness) -> None:
    page = harness.new_page()
    said: list[Any] = []  # (the host page's own missing favicon is not the widget's business)
    page.on("console", lambda m: m.type in {"error", "warning"} and said.append(m.text))
    page.goto(harness.page_url(token=harness.token(harness.user())))
    page.wait_for_function(READY)
    page.locator("support-widget .launcher").click()
    page.locator("support-widget .body .item").first.wait_for()
    assert [m for m in said if "SupportWidget" in m or "CORS" in m] == []
