"""The JavaScript API exactly as DESIGN.md lists it: commands (queued before the widget loads)
and events."""

from __future__ import annotations

import pytest

from .conftest import READY, Harness

pytestmark = pytest.mark.browser

SHADOW = "document.querySelector('support-widget').shadowRoot"

QUEUE_FIRST = """<script>
  window.SupportWidget = window.SupportWidget || function () {
    (window.SupportWidget.q = window.SupportWidget.q || []).push(arguments);
  };
  window.log = [];
  for (const e of ["ready", "open", "close", "search", "article:view", "ticket:created",
                   "ticket:queued"])
    SupportWidget("on", e, (detail) => log.push([e, detail]));
  SupportWidget("on", "ready", () => { throw new Error("a broken listener breaks nothing"); });
  SupportWidget("setContext", "billing.refunds");
  SupportWidget("setCustomData", {plan: "pro"});
  SupportWidget("open");
</script>"""


def logged(page: object) -> list[str]:
    return [name for name, _ in page.evaluate("log")]  # type: ignore[attr-defined]


def test_commands_issued_before_the_widget_loads_are_kept(harness: Harness) -> None:
    page = harness.new_page()
    page.goto(harness.page_url(QUEUE_FIRST, token=harness.token(harness.user())))
    page.wait_for_function(READY)
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    assert logged(page)[:2] == ["open", "ready"]  # queued commands run, then ready
    page.wait_for_function(
        f"() => {SHADOW}.querySelector('.item .t')?.textContent === 'Request a refund'"
    )
    errors = [e for e in page.errors if "a broken listener" not in e]
    assert errors == []


def test_every_command_and_event(harness: Harness) -> None:
    token = harness.token(harness.user())
    page = harness.new_page(harness.page_url(QUEUE_FIRST, token=token))
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    page.evaluate("SupportWidget('close')")
    page.locator("support-widget [role=dialog]").wait_for(state="hidden")
    page.evaluate("SupportWidget('toggle')")
    page.locator("support-widget [role=dialog]").wait_for(state="visible")
    page.evaluate("SupportWidget('toggle')")
    page.locator("support-widget [role=dialog]").wait_for(state="hidden")

    page.evaluate("SupportWidget('search', 'credit note')")
    page.locator("support-widget .body .item .t", has_text="Issue a credit note").wait_for()
    assert page.locator("support-widget input[type=search]").input_value() == "credit note"
    page.evaluate("SupportWidget('showArticle', 'connect-stripe')")
    page.locator("support-widget article h1", has_text="Connect Stripe").wait_for()
    page.evaluate("SupportWidget('open', 'contact')")
    page.locator("support-widget form").wait_for()
    page.evaluate("SupportWidget('prefill', {subject: 'API', body: 'From the API', open: false})")
    page.evaluate("SupportWidget('open', 'report')")
    page.locator("support-widget [name=subject]").wait_for()
    assert page.locator("support-widget [name=body]").input_value() == "From the API"
    page.locator("support-widget button[type=submit]").click()
    page.locator("support-widget .done").wait_for()
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .list .item", has_text="API").wait_for()
    page.evaluate("SupportWidget('identify', null)")  # signed out: no tickets to show
    page.evaluate("SupportWidget('open', 'tickets')")
    page.locator("support-widget .empty").wait_for()
    page.evaluate("SupportWidget('no-such-command'); SupportWidget('on', 'nope', () => 1)")

    events = page.evaluate("log")
    names = [name for name, _ in events]
    for name in ("ready", "open", "close", "search", "article:view", "ticket:created"):
        assert name in names, name
    details = {name: detail for name, detail in events}
    assert details["search"] == {"query": "credit note", "total": details["search"]["total"]}
    assert details["article:view"] == {"slug": "connect-stripe", "title": "Connect Stripe"}
    assert details["ticket:created"]["subject"] == "API"
    assert details["ticket:created"]["id"].startswith("tkt_")
    [ticket] = harness.tickets_of(token)
    assert ticket["context"]["custom"] == {"plan": "pro"}
    assert ticket["context"]["context_key"] == "billing.refunds"


def test_a_late_ready_listener_still_hears_it(harness: Harness) -> None:
    page = harness.new_page(harness.page_url())
    assert (
        page.evaluate(
            "new Promise((resolve) => SupportWidget('on', 'ready', () => resolve('heard')))"
        )
        == "heard"
    )
    assert page.evaluate("typeof SupportWidget('on', 'ready', () => 1)") == "undefined"
