"""Each person's first hour, walked in real Chromium on existing data as the README describes
it, with every outcome checked through the API rather than by a page having rendered.

- the end user, on a host page as real sites write it (``lang="en-US"``, an emoji title):
  help for where they are, search with a typo, an article and a vote, Escape, a one-click
  report, then the agent's answer in "Messages";
- the agent: a ticket filed through the widget by a visitor on a page without ``lang``, opened
  from the inbox row, assigned to themselves, answered, noted, set pending; the visitor reads
  the answer where they read it;
- the writer: an imported article edited and updated, unpublished and published again, a
  translation published and found by a region-tagged reader;
- the admin: the dashboard's numbers are the API's numbers, and a new agent created from the
  shell signs in.

The integrator's hour (the README tour after ``pip install``) is walked by
``tests/integration/test_readme.py``.
"""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import pytest

from ..browser import sign_in_with_password
from ..servers import cli
from .conftest import People, shot

pytestmark = pytest.mark.browser
SHADOW = "document.querySelector('support-widget').shadowRoot"


def widget(page: Any, selector: str, **options: Any) -> Any:
    return page.locator(f"support-widget {selector}", **options)


def panel_open(page: Any) -> bool:
    return bool(page.evaluate(f"!{SHADOW}.querySelector('[role=dialog]').hidden"))


def test_end_user_gets_help_reports_a_problem_and_reads_the_answer(people: People) -> None:
    person, token = people.user("Ada Lovelace", plan="pro", account="acme-42")
    title = "Invoices 🧾 · Ledgerly"
    url = people.host_page(lang="en-US", title=title, token=token, context="billing.invoices")
    page = people.page(url)
    before = {
        a["slug"]: a["helpful_yes"]
        for a in people.api("GET", "/articles", params={"limit": 200})["items"]
        if a["locale"] == "en"
    }

    # Help for where they are, then search that forgives a typo, on an en-US page.
    widget(page, ".launcher").click()
    widget(page, ".body .list .item").first.wait_for()
    widget(page, "input[type=search]").press_sequentially("refnud", delay=30)
    widget(page, ".body .list .item", has_text="Request a refund").first.wait_for()
    widget(page, ".body .list .item", has_text="Request a refund").first.click()
    widget(page, "article h1").wait_for()
    widget(page, ".vote", has_text="Yes").click()
    widget(page, ".thanks").wait_for()
    page.keyboard.press("Escape")  # focus stayed in the dialog, so Escape still closes it
    page.wait_for_function(f"() => {SHADOW}.querySelector('[role=dialog]').hidden")
    assert page.evaluate(f"{SHADOW}.activeElement?.classList.contains('launcher')")

    # One click to report a problem: the page, its title and the signed-in user come along.
    widget(page, ".launcher").click()  # the panel reopens where they left it: the article
    widget(page, "nav button", has_text="Help").click()
    widget(page, ".report").click()
    widget(page, "form [name=body]").fill("The invoice total ignores the discount.")
    widget(page, "button[type=submit]").click()
    widget(page, ".done").wait_for()
    [ticket] = people.client().tickets(user_token=token).items
    filed = people.api("GET", f"/tickets/{ticket.id}")
    assert filed["context"]["title"] == title
    assert filed["context"]["context_key"] == "billing.invoices"
    assert filed["requester"]["email"] == person["email"]
    assert filed["traits"] == {"plan": "pro", "account": "acme-42"}  # signed, kept for agents
    after = {
        a["slug"]: a["helpful_yes"]
        for a in people.api("GET", "/articles", params={"limit": 200})["items"]
        if a["locale"] == "en"
    }
    assert after["request-a-refund"] == before["request-a-refund"] + 1

    # An agent answers; the user reads it in Messages, with nothing stray on the page.
    people.api("POST", f"/tickets/{ticket.id}/messages", json={"body": "Fixed: the total is 90."})
    widget(page, "nav button", has_text="Messages").click()
    widget(page, ".list .item").first.click()
    widget(page, ".thread li").nth(1).wait_for()
    conversation = widget(page, ".ticket").inner_text()
    assert "Fixed: the total is 90." in conversation
    assert "false" not in conversation.split()
    shot(page, "end-user")
    assert page.errors == []


def test_agent_answers_a_ticket_filed_through_the_widget(people: People) -> None:
    visitor_page = people.page(people.host_page(lang=None, title="Pricing", context="billing"))
    widget(visitor_page, ".launcher").click()
    widget(visitor_page, ".card").click()
    subject = f"Can I pay yearly? {uuid.uuid4().hex[:6]}"
    widget(visitor_page, "form [name=subject]").fill(subject)
    widget(visitor_page, "form [name=body]").fill("We would like one invoice a year.")
    widget(visitor_page, "form [name=email]").fill("vera@example.com")
    widget(visitor_page, "form [name=name]").fill("Vera")
    widget(visitor_page, "button[type=submit]").click()
    widget(visitor_page, ".done").wait_for()

    agent = people.staff_page("agent")
    agent.goto(people.server.url + "/admin/tickets/")
    row = agent.locator("tr.inbox-row", has_text=subject)
    assert "1 repl" not in row.inner_text()  # only the customer has written so far
    row.locator("td").nth(1).click()  # anywhere on the row opens the ticket
    agent.wait_for_url("**/admin/tickets/tkt_*")
    ticket_id = agent.url.rsplit("/", 1)[-1].split("?")[0]

    agent.get_by_role("button", name="Assign to me").click()
    agent.wait_for_url("**notice=assigned")
    assert people.api("GET", f"/tickets/{ticket_id}")["assignee"] == "ana"

    agent.fill("#reply-body", "Yes: choose Yearly under Billing → Plan.")
    agent.select_option("#then-status", "pending")
    agent.click("button[data-send]")
    agent.wait_for_url("**notice=replied")
    agent.check("input[data-mode=note]")
    agent.fill("#reply-body", "Offer the 10% yearly discount if they ask.")
    agent.click("button[data-send]")
    agent.wait_for_url("**notice=noted")
    shot(agent, "agent")
    ticket = people.api("GET", f"/tickets/{ticket_id}")
    assert ticket["status"] == "pending"
    assert [(m["internal"], m["body"]) for m in ticket["messages"]] == [
        (False, "Yes: choose Yearly under Billing → Plan."),
        (True, "Offer the 10% yearly discount if they ask."),
    ]

    # The visitor reads the answer where they read it: the widget's Messages, same browser.
    visitor_page.reload()
    visitor_page.wait_for_function("() => performance.getEntriesByName('support-widget:ready')")
    widget(visitor_page, ".launcher").click()
    widget(visitor_page, "nav button", has_text="Messages").click()
    widget(visitor_page, ".list .item", has_text=subject).click()
    widget(visitor_page, ".thread li").nth(1).wait_for()
    conversation = widget(visitor_page, ".ticket").inner_text()
    assert "choose Yearly" in conversation
    assert "discount" not in conversation  # internal notes never reach the requester
    assert "false" not in conversation.split()
    assert agent.errors == [] and visitor_page.errors == []


def test_writer_edits_publishes_and_translates_imported_articles(people: People) -> None:
    writer = people.staff_page("writer")
    writer.goto(people.server.url + "/admin/articles/?q=Update+your+payment+method")
    writer.get_by_role("link", name="Update your payment method").first.click()
    writer.wait_for_url("**/admin/articles/art_*")
    article_id = writer.url.rsplit("/", 1)[-1].split("?")[0]
    revision = people.api("GET", f"/articles/{article_id}")["revision"]
    word = "wombat" + uuid.uuid4().hex[:6]
    body = writer.input_value("#f-body")
    writer.fill("#f-body", body + f"\n\nCards from {word} banks work too.\n")
    writer.get_by_role("button", name="Update").click()
    writer.wait_for_url("**notice=saved")
    saved = people.api("GET", f"/articles/{article_id}")
    assert saved["revision"] == revision + 1 and word in saved["body"]
    assert saved["status"] == "published"
    found = people.client().search(word)
    assert [r.slug for r in found.results] == ["update-your-payment-method"]

    writer.get_by_role("button", name="Unpublish").click()
    writer.wait_for_url("**notice=unpublished")
    assert people.api("GET", f"/articles/{article_id}")["status"] == "draft"
    writer.get_by_role("button", name="Publish").click()
    writer.wait_for_url("**notice=published")
    assert people.api("GET", f"/articles/{article_id}")["status"] == "published"

    # A French translation, published from the side-by-side page, found by a fr-CA reader.
    writer.goto(people.server.url + f"/admin/articles/{article_id}/translate?locale=fr")
    writer.fill("#f-title", "Mettre à jour votre moyen de paiement")
    writer.fill("#f-body", "Ouvrez **Facturation**, puis **Moyen de paiement**.\n")
    writer.get_by_role("button", name="Publish").click()
    writer.wait_for_url("**notice=published")
    shot(writer, "writer")
    french = people.client().article("update-your-payment-method", locale="fr-CA")
    assert french.title == "Mettre à jour votre moyen de paiement"
    assert writer.errors == []
    assert not [d for d in writer.dialogs if d[0] == "beforeunload"]


def test_admin_reads_the_numbers_and_adds_an_agent(people: People, tmp_path: Path) -> None:
    admin = people.staff_page("admin")
    summary = people.api("GET", "/analytics/summary")
    admin.goto(people.server.url + "/admin/analytics/")
    dashboard = admin.inner_text("main")
    assert f"{summary['tickets']['total']:,}" in dashboard
    assert f"{summary['searches']['total']:,}" in dashboard
    shot(admin, "admin")

    username = "jo" + uuid.uuid4().hex[:4]
    created = subprocess.run(
        [
            str(Path(sys.executable).parent / "support-server"),
            "users",
            "create",
            username,
            "--role",
            "agent",
            "--name",
            "Jo Agent",
            "--password-stdin",
            "--data-dir",
            str(people.server.data_dir),
        ],
        input="a long enough password\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    assert username in cli("users", "list", "--data-dir", str(people.server.data_dir)).stdout
    newcomer = people.page()
    sign_in_with_password(newcomer, people.server.url, username, "a long enough password")
    newcomer.wait_for_url("**/admin/tickets/**")
    assert "Inbox" in newcomer.inner_text("h1")
